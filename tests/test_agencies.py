"""Agencies: region-qualified names, bare forms resolved against the report's region."""

import pytest

from kg import gazetteer
from kg.extract.agencies import find_agencies


@pytest.fixture(scope="module")
def gaz():
    return gazetteer.load()


def names(text, gaz, home_code, publisher=None):
    home = gaz.get(home_code) if home_code else None
    pub = None
    if publisher:
        pub = find_agencies(publisher, gazetteer=gaz, home=home)[0]
    return [(h.name, h.surface) for h in find_agencies(text, gazetteer=gaz, home=home, publisher=pub)]


def test_bare_district_forms_resolve_to_home(gaz):
    got = names("区司法局联合区人社局开展培训,审查区政府常务会议题。", gaz, "340202")
    assert ("镜湖区司法局", "区司法局") in got
    assert ("镜湖区人力资源和社会保障局", "区人社局") in got
    assert ("镜湖区人民政府", "区政府") in got


def test_city_prefix_means_prefecture_for_a_district(gaz):
    got = names("办理市司法局征求意见,答复市政府行政复议案件。", gaz, "340202")
    assert ("芜湖市司法局", "市司法局") in got
    assert ("芜湖市人民政府", "市政府") in got


def test_city_prefix_means_itself_for_a_county_level_city(gaz):
    got = names("市司法局深入学习,市委全面依法治市委员会召开会议。", gaz, "330282")
    assert ("慈溪市司法局", "市司法局") in got
    assert ("慈溪市委全面依法治市委员会", "市委全面依法治市委员会") in got


def test_county_government_gets_full_official_name(gaz):
    assert ("宣汉县人民政府", "县政府") in names("县政府研究制定了工作安排。", gaz, "511722")


def test_explicit_region_chain_uses_most_specific_region(gaz):
    got = names("长治市潞州区司法局坚持依法行政。", gaz, None)
    assert got == [("潞州区司法局", "长治市潞州区司法局")]


def test_province_and_national_bodies(gaz):
    got = names("获司法部、省司法厅等上级领导批示肯定。", gaz, "330282")
    assert ("司法部", "司法部") in got
    assert ("浙江省司法厅", "省司法厅") in got


def test_self_reference_and_city_bureau_use_publisher(gaz):
    got = names("按照市局工作要求,我局认真对照。", gaz, "511722", publisher="宣汉县司法局")
    assert ("达州市司法局", "市局") in got
    assert ("宣汉县司法局", "我局") in got


def test_department_list_inherits_home_region(gaz):
    got = names("组织规划土地监察局、城市管理和综合执法局、坑梓街道办事处主要负责人旁听。", gaz, "440310")
    assert ("坪山区规划土地监察局", "规划土地监察局") in got
    assert ("坪山区城市管理和综合执法局", "城市管理和综合执法局") in got
    assert ("坑梓街道办事处", "坑梓街道办事处") in got


def test_named_bodies_are_cut_at_verbs_and_generic_phrases_rejected(gaz):
    got = [n for n, _ in names(
        "打造天门山司法所法治教育基地;聘请了四川泰和泰律师事务所作为法律顾问;"
        "不断提高司法所规范化水平;加强基层司法所建设。", gaz, "340202")]
    assert "天门山司法所" in got
    assert "四川泰和泰律师事务所" in got
    assert not any(n.endswith("司法所") and n != "天门山司法所" for n in got)


def test_generic_plurals_are_not_agencies(gaz):
    assert names("组织各执法部门、28个部门开展以案释法。", gaz, "340202") == []


def test_ambiguous_region_name_is_not_guessed(gaz):
    # 城区 exists in several cities; with no context nothing is asserted about which
    got = names("城区司法局开展普法。", gaz, None)
    assert all(not n.startswith("城区") or len(got) == 0 for n, _ in got)


def test_level_prefix_after_a_listed_agency_means_that_agencys_region(gaz):
    got = names("在绍兴市委、市政府的坚强领导下,市司法局推进依法行政。", gaz, "330681")
    assert ("绍兴市委", "绍兴市委") in got
    assert ("绍兴市人民政府", "市政府") in got
    assert ("诸暨市司法局", "市司法局") in got


def test_departments_missing_from_the_lexicon(gaz):
    got = names("深化改革,市政务服务和大数据管理局推行“免证办”,按照市委工作部署推进。", gaz, "410300")
    assert ("洛阳市政务服务和大数据管理局", "市政务服务和大数据管理局") in got
    assert not any(n.endswith("部署") for n, _ in got)
    assert names("全市场监管局系统开展检查,构建新发展格局。", gaz, "410300") == []


def test_higher_courts_and_place_kinds(gaz):
    got = names("省高级人民法院、省人民检察院联合开展专项行动,全省建成公共法律服务中心(站)2.6万个。",
                gaz, "420000")
    assert ("湖北省高级人民法院", "省高级人民法院") in got
    assert ("湖北省人民检察院", "省人民检察院") in got
    assert not any("公共法律服务中心" in n for n, _ in got)


def test_named_body_right_after_an_agency_and_township_offices(gaz):
    got = names("深圳市罗湖区司法局东门司法所指导各社区;罗湖区东门街道办事处发布报告。", gaz, "440303")
    assert ("罗湖区司法局", "深圳市罗湖区司法局") in got
    assert ("东门司法所", "东门司法所") in got
    assert ("东门街道办事处", "罗湖区东门街道办事处") in got


def _region_codes(text, gaz, home_code):
    home = gaz.get(home_code) if home_code else None
    return {h.name: h.region_code for h in find_agencies(text, gazetteer=gaz, home=home)}


def test_central_organs_are_national_with_official_names(gaz):
    got = _region_codes(
        "坚决贯彻党中央、国务院决策部署,落实国家发改委、市场监管总局和中央依法治国办的要求,"
        "会同最高检开展调研。", gaz, "340202")
    for name in ("中共中央", "国务院", "国家发展和改革委员会", "国家市场监督管理总局",
                 "中央全面依法治国委员会办公室", "最高人民检察院"):
        assert name in got and got[name] is None, name


def test_ministry_words_inside_common_words_are_not_ministries(gaz):
    got = _region_codes("教育部门和公安部门加强协作,认真落实工作部署,其中办结12件。", gaz, "340202")
    assert "教育部" not in got and "公安部" not in got and "中共中央办公厅" not in got


def test_rule_of_law_committee_grammar_resolves_level(gaz):
    got = names("区委召开全面依法治区委员会会议,依法治区办印发要点,县委依法治县办参加。",
                gaz, "340202")
    got_names = [n for n, _ in got]
    assert "镜湖区委全面依法治区委员会" in got_names
    assert "镜湖区委全面依法治区委员会办公室" in got_names
    # 依法治区办秘书科 is a section, not the office
    assert not any(s == "依法治区办" for _, s in names("依法治区办秘书科负责", gaz, "340202"))


def test_autonomous_region_and_prefecture_levels(gaz):
    got = [n for n, _ in names("在自治区党委、自治区人民政府的领导下,州纪委州监委开展督查。",
                               gaz, "450103")]
    assert "广西壮族自治区党委" in got
    assert "广西壮族自治区人民政府" in got
    got = [n for n, _ in names("在地委、行署的领导下,地区司法局牵头,承办地委全面依法治区委员会会议。",
                               gaz, "232721")]
    assert "大兴安岭地委" in got
    assert "大兴安岭地区行政公署" in got
    assert "大兴安岭地区行政公署司法局" in got
    assert "大兴安岭地委全面依法治区委员会" in got


def test_conjunction_before_level_is_not_a_county_and_plurals_are_skipped(gaz):
    got = [n for n, _ in names("认真落实省委、市委和县委的部署,全县党委(党组)开展学习。",
                               gaz, "340223")]
    assert "和县委" not in got and "和县党委" not in got
    assert not any(n.endswith("党委") for n in got)
    # a real 和县 still counts where it opens the name
    assert "和县人民政府" in [n for n, _ in names("和县政府召开常务会议。", gaz, "340523")]


def test_region_led_bodies_and_persons(gaz):
    got = [n for n, _ in names(
        "组建县不动产登记中心、县建筑设计院,省法治政府建设领导小组办公室推荐。"
        "县委理论学习中心组集中学习,办理县人大代表建议。", gaz, "340223")]
    assert "南陵县不动产登记中心" in got
    assert "南陵县建筑设计院" in got
    assert "安徽省法治政府建设领导小组办公室" in got
    assert not any("中心组" in n or n.endswith("学习中心") for n in got)
    assert "南陵县人大" not in got
