"""HTML pages → text without chrome, title and metadata (kg.ingest.html)."""

from __future__ import annotations

import pytest

from kg.ingest.html import has_markup, looks_like_html, parse_html

BODY_1 = "2022年,在区委、区政府的坚强领导下,长治市潞州区司法局坚持以习近平新时代中国特色社会主义思想为指导,全面推进依法行政。"
BODY_2 = "一是严格规范文件合法性审核、备案及清理工作。二是深化“放管服”改革,推进“一网通办”。"
BODY_3 = "2023年长治市潞州区司法局将以习近平法治思想为指引,深化法治领域改革。"
TITLE = "长治市潞州区司法局关于2022年度法治政府建设情况的报告"

GOV_PAGE = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta name="SiteName" content="长治市潞州区人民政府">
<meta name="ArticleTitle" content="{TITLE}">
<meta name="PubDate" content="2023-02-01 10:32">
<meta name="ContentSource" content="潞州区司法局">
<title>{TITLE}_长治市潞州区人民政府</title>
<style type="text/css">.nav {{ color: red }} body {{ font-size: 14px }}</style>
<script type="text/javascript">var _hmt = _hmt || []; document.write("统计代码");</script>
</head>
<body>
<!-- 顶部导航 开始 -->
<div class="top-bar">无障碍浏览 | 长者模式 | 登录 | 注册</div>
<div id="header"><div class="logo"><img src="logo.png" alt="潞州区人民政府"></div>
  <div class="search-box"><input type="text" value="请输入关键字"><button>搜索</button></div></div>
<nav><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
  <li><a href="/hdjl/">互动交流</a></li></ul></nav>
<div class="main-menu"><a href="/">政府信息公开专栏</a> <a href="/">办事服务</a></div>
<div class="breadcrumb">当前位置:<a href="/">首页</a>&gt;<a>长治市潞州区司法局</a>&gt;<span>依法行政</span></div>
<div class="main-content">
  <table class="xxgk-meta" border="1">
    <tr><td>索引号:</td><td>000014349/2023-05828</td><td>发文字号:</td><td>潞州司发〔2023〕1号</td></tr>
    <tr><td>发文机关:</td><td>潞州区司法局</td><td>发文时间:</td><td>2023-02-01</td></tr>
    <tr><th>标 题:</th><td colspan="3">{TITLE}</td></tr>
    <tr><td>主题分类:</td><td>其它</td><td>发布日期:</td><td>2023-02-01</td></tr>
  </table>
  <div class="article-head"><h1>{TITLE}</h1>
    <div class="info">发布时间:2023-02-01 10:32 来源:潞州区司法局 【字体:<a>大</a> <a>中</a> <a>小</a>】</div>
  </div>
  <div class="share-bar"><span>分享到:</span><a class="bds_weixin">微信</a><a>微博</a></div>
  <div id="zoom" class="article-content">
    <p style="text-indent:2em">{BODY_1[:30]}
    {BODY_1[30:]}</p>
    <p><strong>一、2022年法治政府建设情况</strong></p>
    <p>{BODY_2[:23]}<span>{BODY_2[23:]}</span></p>
    <p>第一行<br>第二行<br/><br/>第三行</p>
    <table><tr><th>项目</th><th>数量</th></tr><tr><td>法律援助案件</td><td>685宗</td></tr></table>
    <p>{BODY_3}</p>
    <p align="right">长治市潞州区司法局<br>2023年2月1日</p>
  </div>
  <div class="fontsize">字体大小:【大】 【中】 【小】</div>
  <div class="print-close">【打印本页】 【关闭窗口】</div>
</div>
<noscript>您的浏览器不支持脚本</noscript>
<div class="footer"><p>主办单位:长治市潞州区人民政府办公室</p><p>网站标识码:1404030001 晋ICP备12345号</p></div>
<footer>版权所有 © 2023</footer>
<script>window.onload = function () {{ alert("脚本"); }};</script>
</body></html>
"""

CHROME = ["无障碍浏览", "请输入关键字", "搜索", "政务公开", "互动交流", "政府信息公开专栏", "当前位置",
          "分享到", "微博", "字体大小", "打印本页", "关闭窗口", "您的浏览器", "主办单位", "网站标识码",
          "版权所有", "统计代码", "脚本", "font-size", "_hmt", "顶部导航"]


@pytest.fixture(scope="module")
def gov_page():
    return parse_html(GOV_PAGE)


def test_body_sentences_are_whole(gov_page):
    lines = gov_page.text.split("\n")
    assert BODY_1 in lines  # the source line break between two CJK characters vanished
    assert BODY_2 in lines  # inline <span> does not break the sentence
    assert BODY_3 in lines
    assert "一、2022年法治政府建设情况" in lines


def test_chrome_is_gone(gov_page):
    for word in CHROME:
        assert word not in gov_page.text, word


def test_br_and_table_rows(gov_page):
    text = gov_page.text
    assert "第一行\n第二行\n\n第三行" in text
    assert "项目 | 数量\n法律援助案件 | 685宗" in text
    assert "长治市潞州区司法局\n2023年2月1日" in text
    assert "\n\n\n" not in text


def test_metadata_table_kept_in_text_and_meta(gov_page):
    assert "索引号: | 000014349/2023-05828 | 发文字号: | 潞州司发〔2023〕1号" in gov_page.text
    meta = dict(gov_page.meta)
    assert meta["索引号"] == "000014349/2023-05828"
    assert meta["发文字号"] == "潞州司发〔2023〕1号"
    assert meta["发文机关"] == "潞州区司法局"
    assert meta["发文时间"] == "2023-02-01"
    assert meta["发布日期"] == "2023-02-01"
    assert meta["主题分类"] == "其它"
    assert meta["标题"] == TITLE
    assert meta["来源"] == "潞州区司法局"  # from the info bar, the 【字体】 widget cut off
    assert meta["当前位置"] == "首页>长治市潞州区司法局>依法行政"  # breadcrumb kept as metadata only
    keys = [k for k, _ in gov_page.meta]
    assert len(keys) == len(set(keys))


def test_title_and_heading(gov_page):
    assert gov_page.title == TITLE
    assert TITLE in gov_page.text.split("\n")  # the <h1> stays in the text


@pytest.mark.parametrize(
    ("page", "title"),
    [
        (f"<title>{TITLE}_长治市潞州区人民政府</title><p>正文。</p>", TITLE),
        ("<title>门户网站 | 潞州区2022年法治政府建设情况报告</title><p>正文。</p>",
         "潞州区2022年法治政府建设情况报告"),
        (f"<title>网站</title><div class=\"art_title\">{TITLE}</div><p>正文。</p>", TITLE),
        (f"<title>网站</title><h1>{TITLE}</h1><p>正文。</p>", TITLE),
        ("<p>正文。</p>", ""),
    ],
)
def test_title_fallbacks(page, title):
    markup = f"<html><head>{page}</body></html>".replace("<p>", "</head><body><p>", 1)
    assert parse_html(markup).title == title


def test_broken_markup_is_recovered():
    page = parse_html("<html><body><div><p>一是加强<b>组织领导<i>。<p>二是完善<td>制度</table></div></span>"
                      "<p>三是<!-- 未闭合的注释")
    assert "一是加强组织领导。" in page.text
    assert "二是完善" in page.text


def test_deep_nesting_does_not_crash_and_keeps_text():
    markup = ("<html><head><title>深层页面</title></head><body>" + "<div>" * 5000 + "深层正文。"
              + "</div>" * 5000 + "<p>后面的正文也在。</p></body></html>")
    page = parse_html(markup)
    assert "深层正文。" in page.text
    assert "后面的正文也在。" in page.text
    assert page.title == "深层页面"


def test_unclosed_deep_nesting():
    page = parse_html("<html><body>" + "<span><div>" * 3000 + "未闭合的正文。")
    assert "未闭合的正文。" in page.text


def test_layout_table_keeps_paragraphs():
    page = parse_html("<html><body><table><tr><td><table><tr><td>"
                      f"<p>{BODY_1}</p><p>{BODY_3}</p>"
                      "</td></tr></table></td></tr></table></body></html>")
    assert page.text.split("\n\n") == [BODY_1, BODY_3]


def test_wrapper_with_cue_class_is_kept():
    # a whole-page wrapper called "main-nav-wrap" must not take the report with it
    page = parse_html('<html><body><div class="main-nav-wrap">'
                      f"<p>{BODY_1}</p><p>{BODY_2}</p></div></body></html>")
    assert BODY_1 in page.text


def test_small_page_with_breadcrumb_keeps_report():
    page = parse_html(f"<html><body><div><div>当前位置:首页 &gt; 报告</div><p>{BODY_3}</p></div>"
                      f'<div class="side-list"><p>{BODY_1}</p><p>{BODY_2}</p></div></body></html>')
    assert page.text.split("\n\n") == [BODY_3, BODY_1, BODY_2]
    assert dict(page.meta)["当前位置"] == "首页 > 报告"


def test_pre_and_entities():
    page = parse_html("<html><body><pre>第一行\n  第二行</pre>"
                      "<p>A&amp;B&nbsp;C &lt;D&gt;</p></body></html>")
    assert "第一行\n第二行" in page.text
    assert "A&B\xa0C <D>" in page.text  # entities resolved, no-break space kept as is


def test_only_chrome_gives_empty_text():
    chrome_only = "<html><head><script>x()</script></head><body><nav>首页</nav></body></html>"
    assert parse_html(chrome_only).text == ""
    assert parse_html("").text == ""


def test_sniffers():
    assert looks_like_html("\ufeff<!doctype html>".lstrip("\ufeff"))
    assert looks_like_html('<?xml version="1.0"?>\n<html>')
    assert looks_like_html("<!-- saved -->\n<HTML><body>")
    assert not looks_like_html("一、工作情况\n<p>")
    assert has_markup("<br/>") and not has_markup("1 < 2 且 3 > 2, <<法>>")


def test_control_characters_in_markup_do_not_crash():
    # lxml refuses controls when a dropped element's tail is re-attached (found by hypothesis)
    page = parse_html("<p>依法行政工作稳步推进。</p><br class='nav'>\x1f尾巴\x00<div>正文。</div>")
    assert page.text.split("\n") == ["依法行政工作稳步推进。", "", "尾巴", "正文。"]
