"""Untrusted text stays text: a hostile corpus through the real build, every HTML page we
produce opened in headless Chromium, poked at, and no payload may run or phone out.

Payloads ride in 《titles》, quoted measure names, agency-like names, evidence sentences,
file names and HTML metadata fields (<title>, ArticleTitle, 发文机关). Pages are discovered,
not listed: every ``*.html`` the build writes, what ``kg viz`` writes if the command exists,
and the ``kg serve`` query page if that command exists (with a query whose results carry the
payloads). Each page must: not set ``window.__pwned``, open no dialog, request nothing
outside the page itself (and the local endpoint), and carry no ``javascript:`` link.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run"]
IMG = "<img src=x onerror=window.__pwned=1>"
SVG = "<svg onload=window.__pwned=1>"
SCRIPT = "<script>window.__pwned=1</script>"
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}

TXT_REPORT = f"""镜湖区司法局2021年法治政府建设情况年度报告
2021年,镜湖区坚持和发展新时代“枫桥经验”{IMG},推行“{IMG}法律明白人工程”,实施“{SVG}普法行动”。
镜湖区司法局认真贯彻《{SCRIPT}行政处罚法》和《javascript:window.__pwned=1管理办法》。
区<b onmouseover=window.__pwned=1>司法局全面推行“双随机、一公开”监管,开展“谁执法谁普法”活动。
{IMG}司法局和“javascript:window.__pwned=1”共同推进“一村(社区)一法律顾问”。
"""

HTML_REPORT = """<html><head><title>&lt;script&gt;window.__pwned=1&lt;/script&gt;宣汉县2020年法治政府建设年度报告</title>
<meta name="ArticleTitle" content="&lt;img src=x onerror=window.__pwned=1&gt;宣汉县报告"></head><body>
<table><tr><td>发文机关:</td><td>&lt;img src=x onerror=window.__pwned=1&gt;宣汉县司法局</td></tr>
<tr><td>发文时间:</td><td>2021-01-20</td></tr></table>
<p>2020年,宣汉县全面推行“&lt;img src=x onerror=window.__pwned=1&gt;一村一法律顾问”制度,坚持和发展新时代“枫桥经验”。</p>
<p>宣汉县司法局推进“&lt;a href=javascript:window.__pwned=1&gt;点我&lt;/a&gt;示范工程”建设,落实“谁执法谁普法”。</p>
<script>window.__pwned=1</script></body></html>
"""

SERVE_QUERY = """SELECT ?s ?p ?o WHERE { ?s ?p ?o . FILTER(CONTAINS(STR(?o), "pwned") || CONTAINS(STR(?s), "pwned")) } LIMIT 200"""


def kg(*args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", *args], check=False, capture_output=True, text=True,
                          timeout=timeout, env=ENV)


def commands() -> set[str]:
    from kg.cli import main

    return set(main.list_commands(None))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("xss")
    src = root / "in"
    src.mkdir()
    (src / f"{IMG}.txt").write_text(TXT_REPORT, encoding="utf-8")
    (src / f"x'\">{SVG}.html").write_text(HTML_REPORT, encoding="utf-8")
    (src / "javascript:alert(1).txt").write_text(TXT_REPORT.replace("镜湖区", "宣汉县"), encoding="utf-8")
    out = root / "out"
    result = kg("build", str(src), "--out", str(out))
    assert result.returncode == 0, result.stderr
    nt = (out / "graph.nt").read_text(encoding="utf-8")
    assert IMG in nt and SCRIPT in nt  # the payloads did reach the graph: the test is not vacuous
    return out


def static_pages(out: Path) -> list[Path]:
    pages = sorted(out.rglob("*.html"))
    if "viz" in commands():
        for name, args in [("viz-programme.html", ["-p", "枫桥经验"]), ("viz-region.html", ["-r", "镜湖区"]),
                           ("viz-title.html", ["--title", IMG]),
                           ("explore-region.html", ["--explore", "镜湖区", "--depth", "3"]),
                           ("explore-title.html", ["--explore", "宣汉县", "--title", IMG])]:
            result = kg("viz", "--out", str(out), "-o", str(out / name), *args)
            assert result.returncode == 0, result.stderr
            pages.append(out / name)
    return sorted(set(pages))


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()


class Visit:
    """One page in a fresh context: every request outside ``allowed`` is recorded and aborted."""

    def __init__(self, browser, allowed: tuple[str, ...]) -> None:
        self.context = browser.new_context()
        self.leaks: list[str] = []
        self.dialogs: list[str] = []
        self.allowed = allowed
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("dialog", self._dialog)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.allowed):
            route.continue_()
        else:
            self.leaks.append(url)
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def pwned(self) -> object:
        return self.page.evaluate("() => window.__pwned")

    def close(self) -> None:
        self.context.close()


def poke(page) -> int:
    """Interact a little, as a reader would: tick boxes, search, click list items and shapes."""
    actions = 0
    for box in page.locator("input[type=checkbox]").all()[:10]:
        if box.is_visible():
            box.click()
            actions += 1
    for text in ("枫桥", "pwned", "<img", "镜湖"):
        for field in page.locator("input[type=search], input[type=text]").all()[:3]:
            if field.is_visible():
                field.fill(text)
                field.press("Enter")
                actions += 1
        page.wait_for_timeout(100)
    clickable = page.locator(".prog, .hit, li, [role=button], [role=option], path, circle, td, "
                             "button:not([disabled])")
    for el in clickable.all()[:40]:
        try:
            if el.is_visible():
                el.hover(timeout=500)
                el.click(timeout=500)
                actions += 1
        except playwright_api.Error:
            continue  # covered, detached or re-rendered by an earlier click: fine
    return actions


def check_links(page) -> None:
    hrefs = page.eval_on_selector_all("[href], [src], [action], [formaction]",
                                      "els => els.map(e => e.getAttribute('href') || e.getAttribute('src')"
                                      " || e.getAttribute('action') || e.getAttribute('formaction') || '')")
    assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:text/html"))]


def test_static_pages_run_no_payload(hostile_build, browser):
    pages = static_pages(hostile_build)
    assert pages, "the build wrote no HTML page"
    for path in pages:
        visit = Visit(browser, allowed=(path.as_uri(),))
        try:
            visit.page.goto(path.as_uri(), wait_until="load")
            visit.page.wait_for_timeout(500)
            assert "__pwned" in visit.page.content(), f"{path.name}: payloads absent, test vacuous"
            actions = poke(visit.page)
            visit.page.wait_for_timeout(300)
            check_links(visit.page)
            assert (path.name, visit.pwned(), visit.dialogs, visit.leaks) == (path.name, None, [], [])
            assert actions > 0, f"{path.name}: nothing to interact with"
        finally:
            visit.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(hostile_build):
    if "serve" not in commands():
        pytest.skip("no `kg serve` command yet: its query page cannot be checked")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--out", str(hostile_build),
                             "--port", str(port), "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"kg serve did not start: {proc.stderr.read().decode()[-2000:]}")
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_serve_query_page_runs_no_payload(served, browser):
    visit = Visit(browser, allowed=(served + "/",))
    try:
        visit.page.goto(served + "/", wait_until="load")
        query = visit.page.locator("textarea")
        assert query.count() >= 1, "query page has no query box"
        query.first.fill(SERVE_QUERY)
        run = visit.page.locator("#run, button:has-text('Run'), button[type=submit]")
        run.first.click()
        visit.page.wait_for_function("() => document.body.innerText.includes('__pwned')", timeout=20_000)
        poke(visit.page)
        examples = visit.page.locator("select option")
        for value in [o.get_attribute("value") for o in examples.all()[:4]]:
            if value:
                visit.page.locator("select").first.select_option(value)
                run.first.click()
                visit.page.wait_for_timeout(500)
        visit.page.wait_for_timeout(300)
        check_links(visit.page)
        assert (visit.pwned(), visit.dialogs, visit.leaks) == (None, [], [])
    finally:
        visit.close()


def test_the_harness_catches_a_payload(browser, tmp_path):
    """Not vacuous: an unescaped payload in a page is caught by the same checks."""
    page_file = tmp_path / "bad.html"
    page_file.write_text(f"<html><body><p>{IMG}</p><img src='https://example.invalid/x.png'>"
                         "</body></html>", encoding="utf-8")
    visit = Visit(browser, allowed=(page_file.as_uri(),))
    try:
        visit.page.goto(page_file.as_uri(), wait_until="load")
        visit.page.wait_for_timeout(300)
        assert visit.pwned() == 1
        assert "https://example.invalid/x.png" in visit.leaks
    finally:
        visit.close()
