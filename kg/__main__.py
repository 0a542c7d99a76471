from kg.cli import main

if __name__ == "__main__":  # not when a spawned build process imports it
    main(prog_name="kg")  # `python -m kg …` shows and suggests `kg …`
