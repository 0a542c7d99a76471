"""Tests for kg.extract.regions on short report-style snippets."""

from __future__ import annotations

import pytest

from kg.extract.regions import find_regions, subject_region, subject_township
from kg.gazetteer import Gazetteer, load


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load()


def found(text: str, gaz: Gazetteer, home: str | None = None) -> list[tuple[str, str, str | None]]:
    return [(h.surface, h.name, h.code) for h in find_regions(text, gazetteer=gaz, home=home)]


# --- subject region -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "publisher", "code"),
    [
        ("镜湖区司法局2021年法治政府建设情况年度报告", None, "340202"),
        ("长治市潞州区司法局关于2022年度法治政府建设情况的报告", None, "140403"),
        ("", "宣汉县司法局", "511722"),
        ("晋城市城区2021年法治政府建设年度报告", None, "140502"),
        ("黔西南州2022年法治政府建设情况报告", None, "522300"),
    ],
)
def test_subject_from_title_or_publisher(
    gaz: Gazetteer, title: str, publisher: str | None, code: str
) -> None:
    d = subject_region(title=title, publisher=publisher, text="", gazetteer=gaz)
    assert d is not None and d.code == code


def test_subject_from_text_prefers_the_self_named_kind(gaz: Gazetteer) -> None:
    text = (
        "2024年以来,市司法局紧紧围绕市委市政府中心工作,奋力实现法治慈溪建设。"
        "全市28个行政部门完成报告。制定出台《2024年慈溪市优化法治化营商环境工作要点》。"
        "项目入选宁波市2024年法治环境专项,获首届宁波市法治文艺优秀作品,宁波市重点产业合规体系推进会在我市召开。"
        "通过慈溪市政府信息公开平台发布信息。"
    )
    d = subject_region(title="", publisher=None, text=text, gazetteer=gaz)
    assert d is not None and d.code == "330282"


@pytest.mark.parametrize(
    ("title", "publisher", "text", "code"),
    [
        # a name many prefectures share, with its prefecture only in the text
        ("矿区人民政府关于2022年度法治政府建设情况的报告", None, "阳泉市委、市政府部署,全区", "140303"),
        ("城区人民政府2021年法治政府建设工作报告", None, "在阳泉市委领导下,全区", "140302"),
        ("城区司法局关于2023年法治政府建设情况的报告", None, "按照晋城市司法局部署", "140502"),
        ("郊区人民政府关于2022年度法治政府建设情况的报告", None, "铜陵市委、市政府", "340711"),
        ("市中区人民政府2022年法治政府建设年度报告", None, "枣庄市", "370402"),
        ("2022年法治政府建设情况报告", "郊区人民政府", "阳泉市委", "140311"),
        # the qualified name in the title still decides
        ("阳泉市城区人民政府关于2022年工作的报告", None, "晋城市", "140302"),
    ],
)
def test_subject_shared_name_placed_by_the_text(
    gaz: Gazetteer, title: str, publisher: str | None, text: str, code: str
) -> None:
    d = subject_region(title=title, publisher=publisher, text=text, gazetteer=gaz)
    assert d is not None and d.code == code


@pytest.mark.parametrize(
    ("title", "text"),
    [
        # two prefectures that each have a 城区: no guess between them
        ("城区人民政府关于2022年法治政府建设情况的报告", "阳泉市、晋城市"),
        # 城区管理 is not the district 城区
        ("城区管理执法局关于2022年工作的报告", "阳泉市"),
    ],
)
def test_subject_shared_name_not_guessed(gaz: Gazetteer, title: str, text: str) -> None:
    d = subject_region(title=title, publisher=None, text=text, gazetteer=gaz)
    assert d is None or d.level != "county"


def test_subject_none_without_regions(gaz: Gazetteer) -> None:
    assert (
        subject_region(title="年度报告", publisher=None, text="全面推进依法行政。", gazetteer=gaz)
        is None
    )


# --- gazetteer hits ---------------------------------------------------------------------------


def test_official_names_and_aliases(gaz: Gazetteer) -> None:
    hits = find_regions(
        "荣获“芜湖市扫黑除恶先进集体”,赴广州、深圳等地考察学习", gazetteer=gaz, home="340202"
    )
    assert [(h.surface, h.name, h.code, h.level) for h in hits] == [
        ("芜湖市", "芜湖市", "340200", "prefecture"),
        ("广州", "广州市", "440100", "prefecture"),
        ("深圳", "深圳市", "440300", "prefecture"),
    ]
    assert hits[0].start == 3 and hits[0].parent_code == "340000"


def test_full_width_text_keeps_offsets(gaz: Gazetteer) -> None:
    text = "１２月，黔西南州兴义市"
    hits = find_regions(text, gazetteer=gaz, home=None)
    assert [(text[h.start : h.end], h.code) for h in hits] == [
        ("黔西南州", "522300"),
        ("兴义市", "522301"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "持续提升干部职工依法行政和运用法治思维",  # 政和 (政和县)
        "全面彻底肃清流毒影响",  # 清流 (清流县)
        "打造天门山司法所法治教育基地",  # 天门 (天门市)
        "公安机关和平安建设,合作社助力乡村振兴",  # common words that are county names without suffix
    ],
)
def test_false_hits_avoided(gaz: Gazetteer, text: str) -> None:
    assert found(text, gaz, home="340202") == []


def test_bare_county_alias_needs_home_context(gaz: Gazetteer) -> None:
    assert found("今年政和完成", gaz, home=None) == []
    assert found("今年政和完成", gaz, home="350725") == [("政和", "政和县", "350725")]
    # a sibling county of home (same prefecture) also counts
    assert found("与建瓯交流", gaz, home="350725") == [("建瓯", "建瓯市", "350783")]
    assert found("着力加强法治镜湖建设", gaz, home="340202") == [("镜湖", "镜湖区", "340202")]


def test_ambiguous_names_resolved_by_preceding_parent(gaz: Gazetteer) -> None:
    assert found("沈阳市铁西区和鞍山市铁西区", gaz) == [
        ("沈阳市", "沈阳市", "210100"),
        ("铁西区", "铁西区", "210106"),
        ("鞍山市", "鞍山市", "210300"),
        ("铁西区", "铁西区", "210303"),
    ]
    assert found("北京市朝阳区人民法院", gaz)[1] == ("朝阳区", "朝阳区", "110105")


def test_ambiguous_names_resolved_by_other_mentions_or_home(gaz: Gazetteer) -> None:
    assert found("鼓楼区司法局会同福州市", gaz)[0] == ("鼓楼区", "鼓楼区", "350102")
    assert found("鼓楼区司法局", gaz, home="320302") == [("鼓楼区", "鼓楼区", "320302")]
    assert found("鼓楼区司法局", gaz, home="320106")[0][2] == "320106"


def test_unresolvable_ambiguous_names_are_dropped(gaz: Gazetteer) -> None:
    assert found("鼓楼区司法局", gaz) == []


def test_generic_names_need_a_qualifier(gaz: Gazetteer) -> None:
    assert found("城区学校法治副校长全覆盖,主城区交通秩序", gaz) == []
    assert found("阳泉市城区司法局、晋城市城区人民政府", gaz) == [
        ("阳泉市", "阳泉市", "140300"),
        ("城区", "城区", "140302"),
        ("晋城市", "晋城市", "140500"),
        ("城区", "城区", "140502"),
    ]


def test_province_alias_preferred_over_its_namesake_city(gaz: Gazetteer) -> None:
    assert found("吉林经验", gaz) == [("吉林", "吉林省", "220000")]


# --- townships and villages -------------------------------------------------------------------


def test_townships_and_villages(gaz: Gazetteer) -> None:
    text = "先后在清溪镇、胡家镇新建法治长廊。全力指导龙山镇徐福村申报。淳良里社区、凯旋社区获评,马厂村、㘰村获评省级。坑梓街道办事处负责人"
    hits = find_regions(text, gazetteer=gaz, home="330282")
    assert [(h.name, h.level, h.code, h.parent_code) for h in hits] == [
        ("清溪镇", "township", None, "330282"),
        ("胡家镇", "township", None, "330282"),
        ("龙山镇", "township", None, "330282"),
        ("徐福村", "village", None, "330282"),
        ("淳良里社区", "village", None, "330282"),
        ("凯旋社区", "village", None, "330282"),
        ("马厂村", "village", None, "330282"),
        ("㘰村", "village", None, "330282"),
        ("坑梓街道", "township", None, "330282"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "推进社区矫正工作,宪法进农村、进社区",
        "各乡镇(街道)、村(社区)全覆盖,每个村配备法律顾问",
        "加强法治乡村建设,获评“民主法治示范村”“民主法治示范社区”",
        "全面推动市镇村三级合规体系,提升县乡合法性审查质效",
        "二是落实街道综合行政执法体制改革,下放乡镇行政职权",
        "全面建成市小家电智能小镇合规指导中心",
    ],
)
def test_generic_township_words_are_not_names(gaz: Gazetteer, text: str) -> None:
    assert found(text, gaz, home="340202") == []


# --- relative mentions ------------------------------------------------------------------------


def test_relative_mentions_follow_home_kind(gaz: Gazetteer) -> None:
    assert found("在区委、区政府的坚强领导下,全区法治建设", gaz, home="340202") == [
        ("区委", "镜湖区", "340202"),
        ("区政府", "镜湖区", "340202"),
        ("全区", "镜湖区", "340202"),
    ]
    # a county has no 区: 全区 is not resolved, 县委 is
    assert found("全区法治建设,县委书记", gaz, home="511722") == [("县委", "宣汉县", "511722")]
    # 市 in a district report is the prefecture; 省 the province
    assert found("市司法局指导下,全省", gaz, home="340202") == [("全省", "安徽省", "340000")]
    assert found("市委市政府", gaz, home="340202") == [
        ("市委", "芜湖市", "340200"),
        ("市政府", "芜湖市", "340200"),
    ]
    assert found("全县上下", gaz, home=None) == []


def test_relative_mentions_not_inside_words(gaz: Gazetteer) -> None:
    assert found("社区委员会、辖区政府", gaz, home="340202") == []


# --- speed ----------------------------------------------------------------------------------


def test_every_mention_on_a_report_sized_text(gaz: Gazetteer) -> None:
    text = (
        "在区委、区政府的坚强领导下,先后在清溪镇、胡家镇新建法治长廊,赴广州、深圳等地考察学习。依法行政和运用法治思维。"
        * 150
    )
    hits = find_regions(text, gazetteer=gaz, home="340202")
    assert len(hits) == 150 * 6
    assert {h.name for h in hits} >= {"镜湖区", "清溪镇", "胡家镇", "广州市", "深圳市"}


def test_street_and_institution_names_are_not_regions():
    hits = find_regions("湖南路街道、中山大学和芜湖路派出所", gazetteer=load(), home="320106")
    assert [h.name for h in hits if h.code] == []
    assert "湖南路街道" in [h.name for h in hits]


def test_one_character_stem_needs_a_clean_boundary():
    hits = find_regions("偃师区建成县级综治中心,嵩县推行首违不罚。", gazetteer=load(), home="410300")
    codes = {h.code for h in hits}
    assert "621221" not in codes  # 成县 (Gansu) inside 建成县级
    assert "410325" in codes  # 嵩县, after a comma


# --- names several divisions share: decided by context, else not guessed ------------------------


def undecided_of(text: str, gaz: Gazetteer, home: str | None = None) -> list[tuple[str, tuple[str, ...]]]:
    out: list[tuple[str, tuple[str, ...]]] = []
    find_regions(text, gazetteer=gaz, home=home, undecided=out)
    return out


@pytest.mark.parametrize(
    ("text", "code", "reason"),
    [
        # a prefecture named elsewhere in the text decides
        ("2025年,城中区坚持依法行政,为推动西宁在现代化建设中挑大梁", "630103", "context"),
        ("2025年,城中区坚持依法行政,服务柳州高质量发展", "450202", "context"),
        # a province named elsewhere decides
        ("河东区深化“放管服”改革,助力山东高质量发展", "371312", "context"),
        # written right after its parent
        ("天津市河东区司法局", "120102", "qualified"),
    ],
)
def test_shared_name_decided_by_context_with_its_reason(
    gaz: Gazetteer, text: str, code: str, reason: str
) -> None:
    name = text[text.index("区") - 2:text.index("区") + 1]
    (hit,) = [h for h in find_regions(text, gazetteer=gaz, home=None) if h.surface == name]
    assert (hit.code, hit.reason) == (code, reason)
    assert undecided_of(text, gaz) == []


@pytest.mark.parametrize("text", [
    "通州区坚持以习近平法治思想为指导,全市率先实现“两个首次”",  # 全市: both are under a 市
    "朝阳区深化行政执法体制改革",
])
def test_shared_name_not_guessed_when_context_does_not_decide(gaz: Gazetteer, text: str) -> None:
    name = text[:3]
    assert [h for h in find_regions(text, gazetteer=gaz, home=None) if h.surface == name] == []
    ((surface, codes),) = set(undecided_of(text, gaz))
    assert surface == name and len(codes) >= 2
    assert {gaz.get(c).name for c in codes} == {name}


def test_shared_name_is_the_reports_own_when_it_is_home(gaz: Gazetteer) -> None:
    (hit,) = find_regions("通州区坚持以习近平法治思想为指导", gazetteer=gaz, home="320612")
    assert (hit.code, hit.reason) == ("320612", "home")


# --- bare names after a verb -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("全面贯彻落实习近平总书记考察上海重要讲话精神", "上海市"),
        ("排名全省第三,位居深圳、佛山之后", "深圳市"),
        ("为推动西宁在现代化新青海建设中挑大梁提供法治保障", "西宁市"),
        ("主动融入成渝地区双城经济圈,服务成都发展大局", "成都市"),
        ("组织执法骨干赴外地考察,走进杭州学习数字化执法", "杭州市"),
    ],
)
def test_bare_province_or_prefecture_name_after_a_verb(gaz: Gazetteer, text: str, name: str) -> None:
    assert name in {n for _, n, _ in found(text, gaz)}


@pytest.mark.parametrize(
    "text",
    [
        "热情服务来宾,做好接待工作",         # 来宾: guests, no prefecture here
        "推动新乡村振兴示范带建设",           # 新乡 + 村: a longer settlement name goes on
        "推动长治久安",                       # a block word
        "推动宣汉经济发展",                   # a county's bare stem still needs home
        "坚持建设法治政府,推进依法行政",
    ],
)
def test_no_bare_name_where_the_verb_takes_no_place(gaz: Gazetteer, text: str) -> None:
    assert found(text, gaz) == []


# --- townships under their county ------------------------------------------------------------


def test_township_county_from_the_county_named_before_it_or_the_township_lists(
    gaz: Gazetteer,
) -> None:
    text = "洛阳市组织白沙镇开展培训,伊川县鸣皋镇推行“首违不罚”。"
    towns = {h.name: (h.parent_code, h.reason) for h in find_regions(text, gazetteer=gaz,
                                                                      home="410300")}
    assert towns["鸣皋镇"] == ("410329", "named-county")  # 伊川县 right before it
    # the prefecture's report: the one county of 洛阳 whose township list has 白沙镇
    assert towns["白沙镇"] == ("410329", "county-list")


def test_township_with_namesakes_in_several_counties_stays_under_home(gaz: Gazetteer) -> None:
    # 城关镇 is a township of dozens of counties, several of them in 甘肃
    (town,) = [h for h in find_regions("城关镇开展法治宣传", gazetteer=gaz, home="620000")
               if h.level == "township"]
    assert (town.parent_code, town.reason) == ("620000", None)


# --- the report's own region from its text -----------------------------------------------------


def subject_of(text: str, gaz: Gazetteer) -> str | None:
    d = subject_region(title="", publisher=None, text=text, gazetteer=gaz)
    return d.name if d else None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a 省 report that names only one of its cities: the province around it
        ("2020年,全省各级政府坚持依法行政。驻马店市获评全国法治政府建设示范市,我省命名5个示范市(县)。",
         "河南省"),
        # a 自治区 report (全区) that names the region more than any district
        ("近年来,宁夏回族自治区党委和政府高度重视法治政府建设,全区推进依法治区。宁夏在全国率先…"
         "银川市兴庆区推行“首违不罚”,宁夏各级政府…", "宁夏回族自治区"),
        # 我市 acting on a county-level city: the prefecture that contains it
        ("2017年,我市深化放管服改革,清理本市地方立法审批事项,将平度市25个政务服务事项下放,全市推进。",
         "青岛市"),
        # a county that says only 在全省率先 is still the county
        ("2023年,永嘉县在全省率先推行“首违不罚”清单制度,永嘉县司法局牵头。", "永嘉县"),
        # a county-level city naming itself only in 为…提供法治保障 is still itself
        ("2023年,坚持依法行政,为平度市高质量发展提供法治保障,全市推进。", "平度市"),
    ],
)
def test_subject_level_from_how_the_text_names_itself(gaz: Gazetteer, text: str, name: str) -> None:
    assert subject_of(text, gaz) == name


@pytest.mark.parametrize(
    ("text", "town", "county"),
    [
        # no title: the text names itself as a township
        ("2023年,全镇上下在县委县政府的领导下,鸣皋镇党委扎实推进法治建设,全镇各村配备法律顾问。",
         "鸣皋镇", "410329"),
        # a county's text that names townships and 乡镇党委 is no township's
        ("2023年,全县各乡镇党委、乡镇政府扎实推进法治建设。伊川县鸣皋镇、白沙镇推行“首违不罚”,全县推进。",
         None, None),
    ],
)
def test_township_subject_from_the_text(gaz: Gazetteer, text: str, town: str | None,
                                        county: str | None) -> None:
    around = subject_region(title="", publisher=None, text=text, gazetteer=gaz)
    found = subject_township(title="", publisher=None, text=text, around=around, gazetteer=gaz)
    assert (found.name, found.parent_code) == (town, county) if town else found is None


@pytest.mark.parametrize(
    ("superior", "county", "reason"),
    [
        ("市委、市政府", "511083", "context"),  # of the four counties with a 胡家镇, one is a 市
        ("县委、县政府", None, None),           # three are 县: not decided, not guessed
    ],
)
def test_township_report_county_from_the_superior_it_names(
    gaz: Gazetteer, superior: str, county: str | None, reason: str | None
) -> None:
    title = "胡家镇2023年法治政府建设年度报告"
    text = f"{title}\n2023年,胡家镇在{superior}的坚强领导下,推行“双随机、一公开”监管。"
    town = subject_township(title=title, publisher=None, text=text, around=None, gazetteer=gaz)
    assert (town.name, town.parent_code, town.reason) == ("胡家镇", county, reason)
