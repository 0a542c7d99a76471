"""The query page loads and runs a research query in headless Chromium, offline."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import free_port, wait_until_up

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian chromium not installed")


@pytest.fixture(scope="module")
def base(sample_build):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--out", str(sample_build[0]),
                             "--port", str(port), "--workers", "2", "--timeout", "10"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(proc, url + "/queries", tries=150)
    yield url
    proc.terminate()
    proc.wait(10)


def test_page_runs_a_research_query_offline(base, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    requests: list[str] = []
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            def guard(route):
                if route.request.url.startswith(base):
                    route.continue_()
                else:
                    route.abort()

            page.route("**/*", guard)
            page.goto(base + "/")
            options = page.locator("#examples option").all_text_contents()
            assert any(o.startswith("adoption-table") for o in options) and len(options) >= 13
            adoption = next(o for o in options if o.startswith("adoption-table"))
            page.select_option("#examples", label=adoption)
            # the text is the query as shipped: its values are in one place, the inputs
            assert "VALUES" not in page.input_value("#query")
            assert page.input_value("#params input[data-param=programme]") == "一村一法律顾问"
            assert page.input_value("#params input[data-param=province]") == "浙江"
            page.click("#run")
            page.wait_for_selector("#results table tbody tr")
            cells = page.locator("#results tbody tr td:first-child").all_text_contents()
            assert cells == ["慈溪市"]  # example: 一村一法律顾问 in 浙江 before 2025
            assert "1 行 / rows" in page.text_content("#status")

            # editing the one value changes the question
            page.fill("#params input[data-param=programme]", "枫桥经验")
            page.fill("#params input[data-param=province]", "")
            page.fill("#params input[data-param=before]", "")
            page.click("#run")
            playwright.expect(page.locator("#results tbody tr")).to_have_count(4)
            cells = page.locator("#results tbody tr td:first-child").all_text_contents()
            assert sorted(cells) == sorted(["宣汉县", "镜湖区", "坪山区", "潞州区"])

            # a CONSTRUCT example comes as Turtle; the next SELECT example as a table again
            page.select_option("#examples", label=next(o for o in options if o.startswith("programme-subgraph")))
            assert page.input_value("#format") == "auto"
            page.click("#run")
            page.wait_for_selector("#results pre#raw")
            assert "@prefix" in page.text_content("#results pre#raw")
            page.select_option("#examples", label=adoption)
            page.click("#run")
            page.wait_for_selector("#results table tbody tr")
            assert "error" not in (page.get_attribute("#status", "class") or "")

            # a format the user picked that does not fit the query: answered, and said so
            page.select_option("#format", "text/csv")
            page.fill("#query", "CONSTRUCT { ?r a fz:Report } WHERE { ?r a fz:Report }")
            page.click("#run")
            page.wait_for_selector("#results pre#raw")
            assert "does not fit" in page.text_content("#status")
            assert "fz:Report" in page.text_content("#results pre#raw")

            # a syntax error is a 400 with its position and a hint, whatever format is chosen
            page.select_option("#format", "text/turtle")
            page.fill("#query", "SELECT * WHERE { ?s foo:p ?o }")
            page.click("#run")
            page.wait_for_selector("#status.error")
            status = page.text_content("#status")
            assert status.startswith("400") and "column" in status and "提示 / hint" in status and "foo:" in status
            page.select_option("#format", "auto")

            # an error is shown as text, one line with the position
            page.fill("#query", "SELECT * WHERE { ?s ?p }")
            page.click("#run")
            page.wait_for_selector("#status.error")
            assert "400" in page.text_content("#status") and "column" in page.text_content("#status")

            # a hostile literal renders as text, never as markup
            page.fill("#query", 'SELECT ?x WHERE { BIND("<img src=x onerror=alert(1)><script>alert(2)</script>" AS ?x) }')
            page.click("#run")
            page.wait_for_selector("#results table tbody tr")
            assert page.locator("#results img, #results script").count() == 0
        finally:
            browser.close()
    assert requests and all(u.startswith(base) for u in requests), requests
    # the only console error is the deliberate 400 above
    assert [e for e in errors if "status of 400" not in e] == []
