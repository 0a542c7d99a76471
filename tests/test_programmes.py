"""Programme extraction: curated labels and discovered candidates, on real-style snippets."""

from __future__ import annotations

import pytest

from kg.extract.programmes import find_programmes, guess_theme
from kg.resources import SAMPLE_CORPUS
from kg.thesaurus import load


@pytest.fixture(scope="module")
def thesaurus():
    return load()


def concepts(text: str, thesaurus, **kw) -> list[tuple[str, bool]]:
    return [(h.concept, h.curated) for h in find_programmes(text, thesaurus=thesaurus, **kw)]


def test_quoted_and_bare_labels_match_the_same_concept(thesaurus):
    text = "坚持贯彻落实“谁执法谁普法”普法责任制,推动谁执法谁普法落地;也是“八五”普法启动之年,八五普法规划。"
    hits = find_programmes(text, thesaurus=thesaurus)
    assert [h.concept for h in hits] == ["谁执法谁普法", "谁执法谁普法", "八五普法", "八五普法"]
    assert all(h.curated and h.theme == "legal-education" for h in hits)
    assert all(text[h.start : h.end] == h.surface for h in hits)
    assert hits[2].surface == "“八五”普法"


def test_leftmost_longest(thesaurus):
    text = "深入推进行政执法“三项制度”,坚持发展新时代“枫桥经验”,深化“双随机、一公开”监管。"
    assert concepts(text, thesaurus) == [
        ("行政执法三项制度", True), ("枫桥经验", True), ("双随机、一公开", True),
    ]


def test_variants_of_one_measure_share_a_concept(thesaurus):
    text = "持续推进“一村(社区)一法律顾问”,组织村居法律顾问座谈,深化村(社)法律顾问工作。"
    assert {c for c, _ in concepts(text, thesaurus)} == {"一村一法律顾问"}


def test_short_labels_need_quotes(thesaurus):
    assert concepts("大力推动“雪亮”“天网”“慧眼”工程建设。", thesaurus) == [
        ("雪亮工程", True), ("天网工程", True), ("慧眼工程", True),
    ]
    assert concepts("讲述法治故事,他上网查天网资料。", thesaurus, discover=False) == []
    assert concepts("党政主要负责人述法覆盖率有待提高", thesaurus) == [("领导干部述法", True)]


def test_discovers_local_brands(thesaurus):
    text = (
        "建立“1+3+N”工作机制,打造“莞家调解”品牌,"
        "创新打造法律援助“暖心”工程,开展“百日攻坚”行动,推行“三会两庭一中心”。"
    )
    found = [h for h in find_programmes(text, thesaurus=thesaurus) if not h.curated]
    assert [h.concept for h in found] == ["1+3+N工作机制", "莞家调解", "法律援助暖心工程", "百日攻坚"]
    assert found[1].theme == "dispute-resolution" and found[2].theme == "public-legal-services"
    assert ("三会两庭一中心", True) in concepts(text, thesaurus)


@pytest.mark.parametrize(
    "text",
    [
        "突出抓好领导干部这个“关键少数”,将“纸上的法”转化为具体行动。",
        "荣获“芜湖市扫黑除恶与社会治理贡献奖先进集体荣誉”称号。",
        "2021年是“十四五”开局之年,坚持“两个维护”,打通“最后一公里”。",
        "开展“与法同行·典亮未来”民法典主题宣传活动,将国家安全纳入青少年“必修课”。",
        "依托“镜湖司法”微信公众号,坚持“属地属事”原则。",
    ],
)
def test_rhetoric_honours_and_events_are_not_measures(thesaurus, text):
    assert [c for c, curated in concepts(text, thesaurus) if not curated] == []


def test_discovery_can_be_switched_off(thesaurus):
    assert concepts("打造“莞家调解”品牌", thesaurus, discover=False) == []


def test_guess_theme():
    assert guess_theme("入矫教育五步走工作法") == "community-corrections"
    assert guess_theme("莞家调解") == "dispute-resolution"
    assert guess_theme("双核双区") is None


def test_sample_reports_are_sorted_and_exact(thesaurus):
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLE_CORPUS.glob("*.txt"))]
    for text in texts:
        hits = find_programmes(text, thesaurus=thesaurus)
        assert len({h.concept for h in hits}) >= 20
        assert hits == sorted(hits, key=lambda h: (h.start, h.end))
        assert all(text[h.start : h.end] == h.surface for h in hits)


def test_unquoted_formula_with_a_head(thesaurus):
    assert concepts("推行1+N+X立体普法模式,其中1+1=2。", thesaurus) == [("1+N+X立体普法模式", False)]
    assert concepts("探索1+3+N多元解纷机制", thesaurus) == [("矛盾纠纷多元化解机制", True)]


def test_a_character_that_lowercases_to_two_keeps_offsets_exact(thesaurus):
    # "İ".lower() is two characters; the matching view must stay aligned with the text
    text = "İstanbul代表团来访。İİ镜湖区推行“枫桥经验”,建立“一村(社区)一法律顾问”制度。"
    hits = find_programmes(text, thesaurus=thesaurus)
    assert {h.concept for h in hits} >= {"枫桥经验", "一村一法律顾问"}
    assert all(text[h.start : h.end] == h.surface for h in hits)
    assert "枫桥经验" in [h.surface for h in hits]
