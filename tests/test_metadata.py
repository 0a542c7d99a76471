"""Report metadata: title, publisher as written, dates and the year covered."""

from kg.extract.metadata import find_issued, find_publisher_surface, find_title, find_year, parse_date
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
