"""The spread view in a real headless Chromium (Debian's, driven by Playwright).

Every page is loaded from file://; every request is recorded and must stay on
file://; console errors and page errors fail the test. What the page lights up is
read back from the network's own node data (``spreadView.litRegions()``) and
compared with SPARQL over the same build.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import build
from kg.store import open_store
from kg.viz import write_spread
from kg.viz.synth import synth_store

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed", allow_module_level=True)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
PREFIXES = """
PREFIX fz: <https://w3id.org/fazhi-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
FENGQIAO = "https://w3id.org/fazhi-kg/id/programme/%E6%9E%AB%E6%A1%A5%E7%BB%8F%E9%AA%8C"


def adopters(store, programme: str | None = None, *, up_to: int | None = None) -> dict[str, int]:
    """Region IRI -> first year, over curated facts that are not plans (the page's default).

    ``?p`` is bound through ``substitutions`` (no IRI pasted into the query text).
    """
    query = PREFIXES + """
    SELECT ?region ?p (MIN(xsd:integer(STR(?y))) AS ?first) WHERE {
      ?i a fz:Implementation ; fz:region ?region ; fz:year ?y ; fz:planned false ; fz:programme ?p .
      ?p fz:curated true .
    } GROUP BY ?region ?p"""
    subs = {} if programme is None else {ox.Variable("p"): ox.NamedNode(programme)}
    first: dict[str, int] = {}
    for row in store.query(query, substitutions=subs):
        region, year = row["region"].value, int(row["first"].value)
        first[region] = min(year, first.get(region, year))
    return {k: v for k, v in first.items() if up_to is None or v <= up_to}


class Page:
    """A loaded page plus everything it tried to do."""

    def __init__(self, browser, path: Path, *, viewport=(1500, 900), bypass_csp=False, url: str | None = None) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]},
                                     bypass_csp=bypass_csp)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        started = time.perf_counter()
        self.page.goto(url or path.resolve().as_uri())
        self.page.wait_for_function("document.body.dataset.ready === '1' && spreadView.timings.firstDraw > 0")
        self.load_seconds = time.perf_counter() - started

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def lit(self) -> set[str]:
        return set(self.js("spreadView.litRegions()"))

    def set_year(self, year: int) -> None:
        self.page.locator("#year").evaluate(
            "(el, y) => { el.value = String(y); el.dispatchEvent(new Event('input')); }", year)

    def pick(self, programme_iri: str, search: str) -> None:
        """Search, then click the programme (a second click would deselect it)."""
        self.page.click("#reset")
        self.page.fill("#search", search)
        self.page.locator(f'#programmes button.prog[data-programme="{programme_iri}"]').click()

    def assert_clean(self) -> None:
        assert self.requests and all(u.startswith("file://") for u in self.requests), self.requests
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def sample(sample_build, browser):
    out, _ = sample_build
    page = Page(browser, out / "spread.html")
    yield open_store(out), page
    page.page.close()


def test_sample_page_loads_offline_without_errors(sample, tmp_path):
    store, page = sample
    assert page.js("spreadView.state()")["programme"] is None
    assert page.lit() == set(adopters(store))
    caption = page.page.inner_text("#caption")
    shown = {r["r"].value for r in store.query(PREFIXES + """SELECT DISTINCT ?r WHERE {
        { ?i a fz:Implementation ; fz:region ?r ; fz:year ?y } UNION { ?rep a fz:Report ; fz:aboutRegion ?r } }""")}
    assert "5 份报告 reports" in caption and "2020–2025" in caption and f"{len(shown)} 个地区 regions" in caption
    page.page.screenshot(path=str(tmp_path / "sample.png"))
    assert (tmp_path / "sample.png").stat().st_size > 50_000
    page.assert_clean()


def test_picking_fengqiao_lights_exactly_the_sparql_regions(sample):
    store, page = sample
    page.pick(FENGQIAO, "枫桥")
    expected = adopters(store, FENGQIAO)
    assert len(expected) >= 3
    assert page.js("spreadView.state()")["programme"] == FENGQIAO
    assert page.lit() == set(expected)
    assert page.js("spreadView.firstYears()") == expected
    card = page.page.inner_text("#programme-card")
    assert f"{len(expected)} 个地区 regions" in card and f"首次提及 first mention {min(expected.values())}" in card
    page.assert_clean()


def test_year_slider_shows_only_adoptions_up_to_that_year(sample):
    store, page = sample
    page.pick(FENGQIAO, "枫桥经验")
    y0, y1 = page.js("spreadView.years")
    for year in range(y0, y1 + 1):
        page.set_year(year)
        assert page.js("document.body.dataset.year") == str(year)
        assert page.lit() == set(adopters(store, FENGQIAO, up_to=year)), year
    page.page.click("#reset")
    for year in (y0, y0 + 1):
        page.set_year(year)
        assert page.lit() == set(adopters(store, up_to=year)), year
    page.set_year(y0)
    page.page.click("#play")  # replays: one year a step
    for _ in range(50):  # wait_for_function would need eval, which the page's CSP forbids
        if page.js("document.body.dataset.year") == str(y0 + 1):
            break
        page.page.wait_for_timeout(100)
    assert page.js("document.body.dataset.year") == str(y0 + 1)
    page.page.click("#play")  # pause
    assert page.page.inner_text("#play") == "▶"
    page.assert_clean()


def test_region_panel_and_tooltip_show_programmes_agencies_reports_evidence(sample):
    store, page = sample
    page.pick(FENGQIAO, "枫桥经验")
    jinghu = "https://w3id.org/fazhi-kg/id/region/340202"
    point = page.js("iri => spreadView.nodePoint(iri)", jinghu)
    page.page.mouse.move(point["x"], point["y"])
    page.page.wait_for_selector("#tooltip:not([hidden])")
    tip = page.page.inner_text("#tooltip")
    evidence = next(iter(store.query(PREFIXES + """
        SELECT ?e WHERE { ?i fz:region <https://w3id.org/fazhi-kg/id/region/340202> ;
          fz:programme <""" + FENGQIAO + """> ; fz:evidence ?e }""")))["e"].value
    assert "镜湖区" in tip and evidence in tip and "来源 / source" in tip
    page.page.mouse.click(point["x"], point["y"])
    card = page.page.locator("#region-card")
    assert page.js("spreadView.state()")["region"] == jinghu
    agencies = {r["l"].value for r in store.query(PREFIXES + """
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?l WHERE { ?a fz:jurisdiction <https://w3id.org/fazhi-kg/id/region/340202> ; rdfs:label ?l }""")}
    text = card.inner_text()
    assert agencies and all(a in text for a in agencies)
    assert "镜湖区司法局2021年法治政府建设情况年度报告" in text
    assert card.locator(f'details[data-programme="{FENGQIAO}"]').count() >= 1
    page.assert_clean()


def test_report_payloads_execute_nothing(tmp_path, browser):
    src = tmp_path / "in"
    src.mkdir()
    (src / "evil.txt").write_text(
        "标题:《宣汉县司法局<img src=x onerror=window.__xss=1><script>window.__xss=2</script>"
        "2023年法治政府建设情况报告》\n\n"
        "2023年,宣汉县司法局深入推进“枫桥经验”,全面推行“<img/src/onerror=xss=3>”工作机制,"
        "创新开展“<script>xss=4</script>”模式,覆盖全部乡镇。\n"
        "宣汉县认真贯彻《<script>window.__xss=5</script>条例》和《<img src=x onerror=alert(6)>实施办法》,"
        "推行“<svg/onload=alert(7)>”服务模式。\n",
        encoding="utf-8")
    out = tmp_path / "out"
    result = build.run([src], out)
    assert not result.failed
    # with the page's Content-Security-Policy switched off: escaping alone must hold
    page = Page(browser, out / "spread.html", bypass_csp=True)
    page.page.check("#candidates")
    labels = page.js("Array.from(document.querySelectorAll('#programmes .prog .l')).map(e => e.textContent)")
    payloads = [label for label in labels if "<" in label]
    assert len(payloads) >= 3, labels  # the payload names reached the page as programmes
    for label in payloads:
        page.page.locator("#programmes .prog", has_text=label).first.click()
    page.js("spreadView.selectRegion('宣汉县')")
    page.page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    point = page.js("spreadView.nodePoint('https://w3id.org/fazhi-kg/id/region/511722')")
    page.page.mouse.move(point["x"], point["y"])
    page.page.wait_for_selector("#tooltip:not([hidden])")
    page.page.wait_for_timeout(200)
    assert page.js("[typeof window.__xss, typeof window.xss]") == ["undefined", "undefined"]
    side = page.page.inner_text("#side") + page.page.inner_text("#tooltip")
    assert "<img src=x onerror=window.__xss=1>" in side  # shown as text, in the report title
    assert "<script>xss=4</script>模式" in side
    assert page.js("document.querySelectorAll('#side img, #side svg:not(#chart), #tooltip *:is(img,svg,script)').length") == 0
    assert page.js("document.scripts.length") == 3
    page.assert_clean()


def test_generated_2900_region_view_is_fast_and_exact(tmp_path, browser):
    store = synth_store(programmes=300)
    path = tmp_path / "big.html"
    write_spread(store, path)
    page = Page(browser, path)
    n = page.js("document.body.dataset.lit")
    assert int(n) > 2800
    assert page.js("spreadView.timings.firstDraw") < 8000
    took = page.js("""async () => { const t = performance.now(); spreadView.selectProgramme('枫桥经验');
                                      await spreadView.drawn(); return performance.now() - t; }""")
    assert took < 3000
    assert page.lit() == set(adopters(store, FENGQIAO))
    page.set_year(2020)
    assert page.lit() == set(adopters(store, FENGQIAO, up_to=2020))
    page.page.screenshot(path=str(tmp_path / "generated.png"))
    page.assert_clean()


def test_national_scale_page_with_200000_facts_draws(tmp_path, browser):
    """A 30,000-report build gives the page far more adoptions than a JS call can take as
    arguments: no ``Math.max(...array)`` may overflow the stack (it did at 30,000 reports)."""
    store = synth_store(programmes=1200)
    path = tmp_path / "national.html"
    write_spread(store, path)
    page = Page(browser, path)
    assert page.js("spreadView.timings.firstDraw") > 0
    assert int(page.js("document.body.dataset.lit")) > 2800
    page.js("""async () => { spreadView.selectProgramme('枫桥经验'); await spreadView.drawn(); }""")
    assert page.lit() == set(adopters(store, FENGQIAO))
    page.set_year(2018)
    assert page.lit() == set(adopters(store, FENGQIAO, up_to=2018))
    page.assert_clean()


# ---- diffusion edges, coverage, shareable state (issue 14) -------------------------------------
REGION = "https://w3id.org/fazhi-kg/id/region/"
ZHUJI, YONGJIA, FUYANG, CIXI, JINGHU = (REGION + c for c in ("330681", "330324", "330111", "330282", "340202"))


@pytest.fixture(scope="module")
def diffusion(diffusion_build, browser):
    page = Page(browser, diffusion_build / "spread.html")
    yield diffusion_build, page
    page.page.close()


def test_learned_from_edge_is_drawn_solid_with_its_sentence_and_replays_with_the_year(diffusion):
    out, page = diffusion
    page.pick(FENGQIAO, "枫桥经验")
    drawn = {(e["from"], e["to"], e["kind"], e["dashed"]) for e in page.js("spreadView.edgesDrawn()")}
    assert drawn == {(ZHUJI, YONGJIA, "learned", False), (ZHUJI, FUYANG, "neighbour", True)}
    # the learned edge is the graph's fz:learnedFrom, read by SPARQL
    origin = {r["o"].value for r in open_store(out).query(PREFIXES + """
        SELECT ?o ?r ?p WHERE { ?i fz:learnedFrom ?o ; fz:region ?r ; fz:programme ?p }""",
        substitutions={ox.Variable("r"): ox.NamedNode(YONGJIA), ox.Variable("p"): ox.NamedNode(FENGQIAO)})}
    assert origin == {ZHUJI}
    page.set_year(2021)  # 永嘉 first mentions it in 2022: its edge is not there yet
    assert {e["to"] for e in page.js("spreadView.edgesDrawn()")} == {FUYANG}
    page.set_year(2020)
    assert page.js("spreadView.edgesDrawn()") == []
    page.set_year(2022)
    point = page.js("""() => { const e = spreadView.edgesDrawn().findIndex((x) => x.kind === 'learned');
                               return spreadView.edgePoint(spreadView.edgeIds()[e]); }""")
    page.page.mouse.move(point["x"], point["y"])
    page.page.wait_for_selector("#tooltip:not([hidden])")
    tip = page.page.inner_text("#tooltip")
    assert "诸暨市 → 永嘉县" in tip and "学习借鉴浙江诸暨“枫桥经验”" in tip and "the text says" in tip
    page.page.uncheck("#inferred")  # learned edges stay, inferred ones go
    assert [e["kind"] for e in page.js("spreadView.edgesDrawn()")] == ["learned"]
    card = page.page.inner_text("#programme-card")
    assert "1 文中借鉴 learned-from" in card and "永嘉县 ← 诸暨市 (2022)" in card
    page.page.check("#inferred")
    page.assert_clean()


def test_regions_without_a_report_for_the_year_are_drawn_apart_from_reports_not_naming_it(diffusion):
    out, page = diffusion
    page.pick(FENGQIAO, "枫桥经验")
    page.set_year(2022)
    cover = page.js("spreadView.coverage()")
    assert cover == {ZHUJI: "adopted", YONGJIA: "adopted", FUYANG: "adopted", CIXI: "reported", JINGHU: "none"}
    looks = page.js("""() => Object.fromEntries(spreadView.nodeLooks().map((n) => [n.id, n.color.background]))""")
    assert looks[CIXI] != looks[JINGHU] and looks[JINGHU] != looks[ZHUJI]
    point = page.js("iri => spreadView.nodePoint(iri)", JINGHU)
    page.page.mouse.move(point["x"], point["y"])
    page.page.wait_for_selector("#tooltip:not([hidden])")
    assert "2022 年无报告 / no report for 2022" in page.page.inner_text("#tooltip")
    point = page.js("iri => spreadView.nodePoint(iri)", CIXI)
    page.page.mouse.move(point["x"], point["y"])
    page.page.wait_for_function("() => document.querySelector('#tooltip').textContent.includes('慈溪市')")
    assert "does not name it" in page.page.inner_text("#tooltip")
    page.set_year(2021)  # 慈溪 has no 2021 report; 镜湖 has one
    cover = page.js("spreadView.coverage()")
    assert cover[CIXI] == "none" and cover[JINGHU] == "reported" and cover[YONGJIA] == "none"
    # the chart shows reports per year beside first mentions; the card says "first mention"
    bars = page.js("Array.from(document.querySelectorAll('#chart rect.reports-bar title')).map((t) => t.textContent)")
    assert "2022: 2 份报告 reports" in bars and "2020: 1 份报告 reports" in bars
    assert "首次提及 first mention 2020" in page.page.inner_text("#programme-card")
    page.assert_clean()


def test_url_hash_reopens_the_same_view_and_csv_is_what_is_shown(diffusion, browser, tmp_path):
    out, page = diffusion
    page.pick(FENGQIAO, "枫桥经验")
    page.js("spreadView.selectRegion('富阳区')")
    page.set_year(2021)
    url = page.page.url
    assert "#" in url and "year=2021" in url
    again = Page(browser, out / "spread.html", url=url)
    assert again.js("spreadView.state()") == page.js("spreadView.state()")
    assert again.js("spreadView.edgesDrawn()") == page.js("spreadView.edgesDrawn()")
    assert again.lit() == {ZHUJI, FUYANG}
    # a link pasted into the same tab: the hash changes, the view follows
    again.js("() => { location.hash = 'programme=' + encodeURIComponent('最多跑一次') + '&year=2022'; }")
    again.page.wait_for_function("() => document.body.dataset.year === '2022'")
    assert again.lit() == {CIXI, JINGHU}
    again.assert_clean()
    again.page.close()
    with page.page.expect_download() as done:
        page.page.click("#csv")
    path = tmp_path / "shown.csv"
    done.value.save_as(path)
    assert done.value.suggested_filename == "spread-枫桥经验-富阳区-2021.csv"
    import csv
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert [(r["programme"], r["region"], r["year"], r["first_mention"]) for r in rows] == [("枫桥经验", "富阳区", "2021", "1")]
    assert rows[0]["region_iri"] == FUYANG and "富阳区深入推进“枫桥经验”" in rows[0]["evidence"]
    page.js("spreadView.selectRegion('')")
    with page.page.expect_download() as done:
        page.page.click("#csv-edges")
    done.value.save_as(path)
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert [(r["from"], r["to"], r["kind"]) for r in rows] == [("诸暨市", "富阳区", "neighbour")]
    page.assert_clean()


def test_picked_measure_scrolls_its_card_into_view_and_reset_clears_the_tooltip(sample):
    store, page = sample
    page.page.click("#reset")
    page.js("() => { const s = document.querySelector('#side'); s.scrollTop = s.scrollHeight; }")
    last = page.page.locator("#programmes .prog").last
    last.click()
    card = page.page.locator("#programme-card").bounding_box()
    side = page.page.locator("#side").bounding_box()
    assert side["y"] - 1 <= card["y"] and card["y"] + 20 <= side["y"] + side["height"], (card, side)
    point = page.js("iri => spreadView.nodePoint(iri)", "https://w3id.org/fazhi-kg/id/region/340202")
    page.page.mouse.move(point["x"], point["y"])
    page.page.wait_for_selector("#tooltip:not([hidden])")
    page.page.mouse.move(5, 5)
    page.page.click("#reset")
    assert page.js("document.querySelector('#tooltip').hidden") is True
    assert page.js("document.querySelector('#tooltip').textContent") == ""
    page.assert_clean()


# ---- the graph explorer (issue 14 item 3) -------------------------------------------------------
EVIL = ("标题:《宣汉县司法局<img src=x onerror=window.__xss=1><script>window.__xss=2</script>"
        "2023年法治政府建设情况报告》\n\n"
        "2023年,宣汉县司法局深入推进“枫桥经验”,全面推行“<img/src/onerror=xss=3>”工作机制,"
        "创新开展“<script>xss=4</script>”模式,覆盖全部乡镇。\n"
        "宣汉县认真贯彻《<script>window.__xss=5</script>条例》和《<img src=x onerror=alert(6)>实施办法》,"
        "推行“<svg/onload=alert(7)>”服务模式。\n")
XUANHAN = REGION + "511722"


class Explorer(Page):
    """An explorer page (ready when its network has drawn)."""

    def __init__(self, browser, path: Path, **options) -> None:  # noqa: D107
        self.requests, self.errors, self.dialogs = [], [], []
        self.page = browser.new_page(viewport={"width": 1400, "height": 860}, bypass_csp=options.get("bypass_csp", False))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        started = time.perf_counter()
        self.page.goto(options.get("url") or path.resolve().as_uri())
        self.page.wait_for_function("() => document.body.dataset.ready === '1' && explorer.timings.firstDraw > 0")
        self.load_seconds = time.perf_counter() - started


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-explore")
    (root / "in").mkdir()
    (root / "in" / "evil.txt").write_text(EVIL, encoding="utf-8")
    assert not build.run([root / "in"], root / "out").failed
    return root / "out"


def test_explorer_with_hostile_names_runs_no_script_and_filters_by_depth_and_type(hostile, browser):
    from kg.viz.explore import write_explorer

    path = write_explorer(open_store(hostile), "宣汉县", out=hostile, depth=2)
    page = Explorer(browser, path, bypass_csp=True)  # escaping alone must hold
    nodes = page.js("explorer.nodes()")
    names = [n["name"] for n in nodes]
    assert any("<script>" in n for n in names) and any("<img" in n for n in names)  # not vacuous
    for n in [n for n in nodes if "<" in n["name"]][:6]:
        page.js("() => { document.querySelector('#depth').value = '2'; document.querySelector('#depth').dispatchEvent(new Event('input')); }")
        point = page.js("id => explorer.point(id)", n["id"])
        page.page.mouse.move(point["x"], point["y"])
        page.page.wait_for_function("(name) => document.querySelector('#tooltip').textContent.includes(name)", arg=n["name"])
        page.page.mouse.click(point["x"], point["y"])
        assert n["name"] in page.page.inner_text("#info")
    assert page.js("[typeof window.__xss, typeof window.xss]") == ["undefined", "undefined"]
    assert page.js("document.querySelectorAll('#info *:is(img,svg,script), #tooltip *:is(img,svg,script)').length") == 0
    assert page.js("document.scripts.length") == 5
    # depth control and type filters hide exactly the nodes they say
    page.js("() => { const d = document.querySelector('#depth'); d.value = '1'; d.dispatchEvent(new Event('input')); }")
    assert page.js("explorer.shown()") == sorted(n["id"] for n in nodes if n["depth"] <= 1)
    page.page.uncheck('#kinds input[data-kind="programme"]')
    assert page.js("explorer.shown()") == sorted(n["id"] for n in nodes
                                                 if n["depth"] <= 1 and (n["kind"] != "programme" or n["depth"] == 0))
    page.assert_clean()


def test_spread_view_links_every_entity_to_its_explorer_page(hostile, browser):
    from kg.viz.explore import page_name, write_explorer

    # opened as a reader opens it: OUT/spread.html (a link into the build's folder, not resolved)
    spread = Page(browser, hostile / "spread.html", url=(hostile / "spread.html").absolute().as_uri())
    for iri in [XUANHAN, FENGQIAO, "https://w3id.org/fazhi-kg/id/document/%E6%9D%A1%E4%BE%8B"]:
        assert spread.js("iri => spreadView.exploreHref(iri)", iri) == "explore/" + page_name(iri)
    written = write_explorer(open_store(hostile), "宣汉县", out=hostile, depth=1)
    assert written == hostile / "explore" / page_name(XUANHAN) and written.is_file()
    spread.js("spreadView.selectRegion('宣汉县')")
    card = spread.page.locator("#region-card")
    links = card.locator("a.explore").evaluate_all("els => els.map(e => [e.dataset.iri, e.getAttribute('href')])")
    kinds = {iri.split("/id/")[1].split("/")[0] for iri, _ in links}
    assert {"region", "programme", "agency", "document"} <= kinds
    assert all(href == "explore/" + page_name(iri) for iri, href in links)
    with spread.page.expect_popup() as popup:
        card.locator(f'h3 a.explore[data-iri="{XUANHAN}"]').click()
    opened = popup.value
    opened.wait_for_load_state("load")
    assert opened.url.endswith("/explore/" + page_name(XUANHAN))
    assert opened.evaluate("document.body.dataset.ready") == "1"
    assert opened.evaluate("explorer.nodes().find((n) => n.depth === 0).id") == XUANHAN
    opened.close()
    spread.assert_clean()
