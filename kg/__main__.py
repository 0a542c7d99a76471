from kg.cli import main

main(prog_name="kg")  # `python -m kg …` shows and suggests `kg …`
