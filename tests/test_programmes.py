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


def discovered(text: str, thesaurus) -> list[str]:
    return [h.concept for h in find_programmes(text, thesaurus=thesaurus) if not h.curated]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("全面落实信访事项“逢访必录”,形成闭环。", "逢访必录"),  # rule slogan 逢X必Y
        ("推行企业登记“申请即办结”。", "申请即办结"),  # X即Y
        ("在全县推广“首错免罚”。", "首错免罚"),
        ("探索推行“窗口专员代办制”,群众办事更省心。", "窗口专员代办制"),  # named system: X制
        ("深入总结推广“桐乡经验”。", "桐乡经验"),  # X经验
        ("全面推行“预约办、延时办、上门办”。", "预约办延时办上门办"),  # items sharing an ending
        ("实现“一张清单管执法、一个平台管监督”。", "一张清单管执法一个平台管监督"),  # numbered first item
        ("推动“统一受理、统一出件”。", "统一受理统一出件"),  # items sharing a beginning
        ("实行基层“订单式”普法,按需送法。", "订单式普法"),  # manner quote takes its verb
        ("设立“有事好商量”的做法在全县推开。", "有事好商量"),  # “X”的做法 names a practice
        ("加快“智慧法务乡镇”建设。", "智慧法务乡镇"),  # quote + 建设
    ],
)
def test_brand_grammar_without_a_measure_head(thesaurus, text, name):
    assert discovered(text, thesaurus) == [name]


@pytest.mark.parametrize(
    "text",
    [
        "群众满意度、知晓率实现“双提高”。",  # an outcome, not a measure
        "投诉量“断崖式”下降。",
        "会议审议通过“三办法一规则”。",  # shorthand for documents
        "坚持“看得见、摸得着”,做到“有温度、有力度、有速度”。",  # complements, adjectives
        "做到“应办尽办”。",  # a goal of completeness
        "全年实现“零差错”“零投诉”。",  # outcomes
        "引导群众“学法、懂法、用法”。",  # a chant of two-character verbs
        "坚持以“法治中国”建设为统领,推进“平安中国”建设。",  # national visions, not measures
        "获评全省“营商环境”类改革先进集体。",  # an award category after the head
        "把这一做法作为“江北经验”在全市推广。",  # an epithet of the practice before it
    ],
)
def test_rhetoric_outcomes_and_shorthand_are_not_brands(thesaurus, text):
    assert discovered(text, thesaurus) == []


def test_a_bare_formula_needs_its_own_head(thesaurus):
    # in a chain the head belongs to the last quote; the formula alone names nothing
    assert discovered("构建“2+6”“两网融合”服务体系。", thesaurus) == ["两网融合"]
    assert discovered("建立“1+2+N”工作机制。", thesaurus) == ["1+2+N工作机制"]
    assert discovered("形成“3+X”格局。", thesaurus) == []


def test_a_formula_before_a_curated_measure_qualifies_it(thesaurus):
    assert concepts("建立领导干部“1+5+N”学法清单。", thesaurus) == [("领导干部学法清单制度", True)]


@pytest.mark.parametrize(
    "text",
    [
        "开展党政主要负责人年度述法。",
        "组织各部门负责人现场述法。",
        "通过电视台向社会公开述法。",
        "述法评议结果纳入考核。",
    ],
)
def test_framed_short_labels_count_unquoted(thesaurus, text):
    assert ("领导干部述法", True) in concepts(text, thesaurus)


def test_unframed_short_labels_stay_words(thesaurus):
    assert concepts("志愿者讲述法治故事,叙述法条由来。", thesaurus) == []


def test_a_label_that_cuts_a_quoted_brand_is_not_its_mention(thesaurus):
    # 数字法治 and 法治乡村 are labels, but the quote names a brand of its own
    assert concepts("加快“数字法治乡村”建设。", thesaurus) == [("数字法治乡村", False)]
    # after a place or a scope, the label at the end of the quote is its head
    assert concepts("入选“湖北省法治政府建设示范县”。", thesaurus) == [("法治政府建设示范创建", True)]
    # a curated label between a quoted brand and its head describes the brand
    assert [c for c, _ in concepts("推行“公证+金融”诉源治理新模式。", thesaurus)] == ["公证+"]


@pytest.mark.parametrize("text", ["开展法治政府建设督察。", "完成年度法治建设考核。", "加强规范性文件备案审查。"])
def test_generic_duties_are_not_programmes(thesaurus, text):
    assert concepts(text, thesaurus) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("在全省率先编制乡镇履职事项清单,明确事项120项。", ["乡镇履职事项清单"]),
        ("在全市率先推行涉企行政合规指导机制。", ["涉企行政合规指导机制"]),
        ("在全国率先启动相对集中行政许可权改革工作。", ["相对集中行政许可权改革"]),  # curated
        ("在全省率先实现合法性审查全覆盖。", ["乡镇(街道)合法性审查全覆盖"]),  # 实现: no first verb, curated only
        ("率先建立了一批调解组织,", []),  # a function word: no name
    ],
)
def test_a_measure_named_as_a_first(thesaurus, text, found):
    assert [c for c, _ in concepts(text, thesaurus)] == found
