"""Report metadata: title, publisher as written, dates and the year covered."""

from kg.extract.metadata import (
    find_issued, find_kind, find_publisher_surface, find_title, find_year, parse_date,
    self_reference_publisher,
)
from kg.types import Document


def doc(text, **kw):
    return Document(source="x.txt", text=text, **kw)


def test_title_line_near_the_top_skipping_breadcrumbs():
    d = doc("您当前所在位置:首页 > 法治政府建设 > 报告公示\n\n"
            "某某县司法局2023年法治政府建设情况年度报告\n\n日期:2024/03/01\n正文。")
    assert find_title(d) == "某某县司法局2023年法治政府建设情况年度报告"


def test_declared_title_wins():
    d = doc("正文", meta=(("标题", "关于2022年度法治政府建设情况的报告"),))
    assert find_title(d) == "关于2022年度法治政府建设情况的报告"


def test_no_title_when_none_is_written():
    assert find_title(doc("2020年,我县坚持依法行政。\n一、工作情况")) is None


def test_dates_in_several_shapes():
    assert parse_date("2023-02-01") == "2023-02-01"
    assert parse_date("2022年12月20日") == "2022-12-20"
    assert parse_date("2022/3/5 10:00") == "2022-03-05"
    assert parse_date("2022年13月40日") is None


def test_issued_from_metadata_else_signature():
    assert find_issued(doc("正文", meta=(("发文时间", "2023-02-01"),))) == "2023-02-01"
    assert find_issued(doc("正文。\n某某县司法局\n2021年1月28日")) == "2021-01-28"
    assert find_issued(doc("正文。没有落款。")) is None


def test_publisher_from_metadata_title_or_signature():
    assert find_publisher_surface(doc("x", meta=(("发文机关", "潞州区司法局"),)), None) == "潞州区司法局"
    assert find_publisher_surface(doc("x"), "镜湖区司法局2021年法治政府建设情况年度报告") == "镜湖区司法局"
    assert find_publisher_surface(doc("正文。\n宣汉县司法局\n2021年1月28日"), None) == "宣汉县司法局"


def test_year_covered():
    assert find_year(doc("x"), "关于2022年度法治政府建设情况的报告", None) == 2022
    assert find_year(doc("对2020年度我县法治政府建设工作总结如下:"), None, None) == 2020
    assert find_year(doc("一、2021年度推进法治政府建设的主要举措\n"), None, None) == 2021
    assert find_year(doc("正文没有年份。"), None, "2019-01-15") == 2018


def test_title_agency_needs_a_clean_boundary():
    assert find_publisher_surface(doc("x"), "兴义市2021年法治政府建设年度报告") is None
    assert find_publisher_surface(doc("x"), "诸暨市人民政府关于2022年度法治政府建设情况的报告") == "诸暨市人民政府"
    assert find_publisher_surface(doc("x"), "长治市潞州区司法局关于2022年度法治政府建设情况的报告") == "长治市潞州区司法局"


# --------------------------------------------------------------------------- titles


def test_a_site_title_gives_its_report_part():
    d = doc("某某市司法局_关于某某市2021年法治政府建设情况的报告\n正文。")
    assert find_title(d) == "关于某某市2021年法治政府建设情况的报告"
    d = doc("x", title="2023年度法治政府建设工作报告 | 某某县人民政府网")
    assert find_title(d) == "2023年度法治政府建设工作报告"


def test_a_title_set_over_two_lines_is_joined():
    assert find_title(doc("平安县人民政府\n关于2023年度法治政府建设情况的报告\n正文。")) == \
        "平安县人民政府关于2023年度法治政府建设情况的报告"
    assert find_title(doc("福山区人民政府\n2022年法治政府建设年度报告\n2022年以来,…")) == \
        "福山区人民政府2022年法治政府建设年度报告"


def test_a_bracketed_title_that_opens_the_page():
    d = doc("《某某县人民政府2020年度法治政府建设工作报告》是2021年某某县人民政府发布的报告。\n正文")
    assert find_title(d) == "某某县人民政府2020年度法治政府建设工作报告"


def test_section_headings_are_no_titles():
    assert find_title(doc("一、2021年推进法治政府建设情况\n(一)加强领导。")) is None
    assert find_title(doc("(二)2022年法治政府建设工作情况\n正文。")) is None


def test_a_headline_followed_by_a_date_or_subtitle():
    news = doc("某某县推行“首违不罚”清单 护航企业发展\n2024-05-06 09:30 来源:某某县融媒体中心\n"
               "本报讯(记者 张三)日前,某某县…")
    assert find_title(news) == "某某县推行“首违不罚”清单 护航企业发展"
    essay = doc("基层矛盾纠纷多元化解的实践与思考\n——以某某省为例\n作者:李四\n摘要:…")
    assert find_title(essay) == "基层矛盾纠纷多元化解的实践与思考——以某某省为例"
    assert find_title(doc("某某省司法厅\n某某一直是法治乡村建设的积极践行者," + "长句" * 40)) is None


# --------------------------------------------------------------------------- dates


def test_header_date_lines():
    assert find_issued(doc("标题\n2023-04-06 15:20:11 来源: 某某市司法局 打印\n正文。")) == "2023-04-06"
    assert find_issued(doc("标题\n来源:某县司法局 作者: 发布时间 2024年03月05日 点击数:\n正文")) == "2024-03-05"
    assert find_issued(doc("标题\n2022-12-30某某大学课题组\n正文")) == "2022-12-30"
    # a body sentence that opens with a date is no header line
    body = "2018年11月12日,纪念大会在某市召开后,某市把筹办纪念活动、做好创新工作列入每年的工作要点和年度重点改革项目。"
    assert find_issued(doc("标题\n" + body)) is None


# --------------------------------------------------------------------------- publishers


def test_the_title_author_wins_over_the_page_source():
    d = doc("某某市人民政府2022年法治政府建设情况报告\n2023-03-31 来源: 某某市司法局\n正文",
            meta=(("来源", "某某市司法局"),))
    assert find_publisher_surface(d, find_title(d)) == "某某市人民政府"
    d = doc("关于某某区司法局2024年度法治政府建设情况的报告\n正文")
    assert find_publisher_surface(d, find_title(d)) == "某某区司法局"
    title = "中共某某市委 某某市人民政府 关于2023年某某市法治政府建设情况的报告"
    assert find_publisher_surface(doc("正文"), title) == "中共某某市委"


def test_publisher_from_a_source_line_or_the_opening_actor():
    d = doc("某某县2023年度法治政府建设工作报告\n来源:某某县司法局 作者: 发布时间 2024年01月05日\n正文")
    assert find_publisher_surface(d, find_title(d)) == "某某县司法局"
    opening = "2022年,安平县人民政府坚持以习近平新时代中国特色社会主义思想为指导,全面履行政府职能,为全县发展营造了良好的法治环境。"
    assert find_publisher_surface(doc(opening + "\n一、…"), None) == "安平县人民政府"


def test_we_the_bureau_is_the_department_of_the_system_the_opening_names():
    text = "2022年,全市司法行政系统在市委、市政府的正确领导下,扎实推进法治政府建设。\n我局始终把…"
    assert self_reference_publisher(text) == "市司法局"
    text = "全县市场监管系统坚持依法行政。本局推行“双随机、一公开”监管。"
    assert self_reference_publisher(text) == "县市场监督管理局"
    assert self_reference_publisher("全区司法行政系统坚持依法行政。") is None  # no 我局


# --------------------------------------------------------------------------- kinds and years


def kind_of(text, *, publisher_kind=None, in_title=False, level="county", **kw):
    d = doc(text, **kw)
    return find_kind(d, find_title(d), publisher_kind=publisher_kind,
                     publisher_in_title=in_title, subject_level=level)


def test_kinds():
    report = "某某县2023年度法治政府建设工作报告\n2023年,某某县坚持…"
    assert kind_of(report) == "report"
    assert kind_of(report, publisher_kind="government", in_title=True) == "report"
    assert kind_of("某某县市场监督管理局2023年法治政府建设年度报告\n正文", publisher_kind="other",
                   in_title=True) == "department-report"
    assert kind_of("某某镇2024年法治政府建设年度报告\n正文", level="township") == "township-report"
    news = "某某县：“首违不罚”让企业安心\n2024-05-06 来源:某某日报\n本报讯(记者 王五)近日,某某县…"
    assert kind_of(news) == "news"
    assert kind_of("某某县多措并举推进法治乡村建设\n2024年06月03日\n日前,某某县召开…") == "news"
    essay = "县域法治政府建设的路径\n张三(某某省司法厅法治调研处处长)\n做好法治政府建设,就是要…"
    assert kind_of(essay) == "article"
    study = "基层治理的实践与思考\n——以某某市为例\n某某市委政法委课题组\n本文结合调研情况…"
    assert kind_of(study) == "article"


def test_year_by_kind():
    assert find_year(doc("正文"), "基层治理研究", "2023-01-08", "article") is None
    assert find_year(doc("2024年以来,某县推行…"), None, "2025-03-01", "news") == 2025
    assert find_year(doc("2024年以来,某县推行…"), None, None, "news") == 2024
    assert find_year(doc("一、2022年法治政府建设主要举措和成效\n(一)…"), None, None) == 2022
    assert find_year(doc("一、2023年工作计划\n"), None, None) is None
