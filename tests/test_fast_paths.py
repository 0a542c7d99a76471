"""The fast paths of extraction and ingestion agree with the plain definitions they replace.

Each fast path (a C-speed replacement for a per-character loop or a costly regex) is
compared with the straightforward version on random text built from the characters
that matter to it.
"""

from __future__ import annotations

import bisect
import importlib
import random
import re

import pytest

from kg.extract import agencies, programmes, regions
from kg.extract.scan import Scanner
from kg.extract.text import _FOLD, SentenceIndex, fold, sentences
from kg.ingest.hanzi import COMMON_HANZI
from kg.ingest.meta import _ANY_KEY, _KEY_BODY, _SPELLINGS

decode = importlib.import_module("kg.ingest.decode")  # kg.ingest.decode is also a function
RNG_SEED = 20240601


def _texts(alphabet: str, n: int = 3000, size: int = 40) -> list[str]:
    rng = random.Random(RNG_SEED)
    chars = list(alphabet)
    return ["".join(rng.choice(chars) for _ in range(rng.randrange(size))) for _ in range(n)]


def _leftmost_longest(words: list[str], text: str) -> list[tuple[int, int, str]]:
    found = sorted(((i, i + len(w), w) for w in words for i in range(len(text))
                    if text.startswith(w, i)), key=lambda m: (m[0], -m[1]))
    out, last = [], 0
    for m in found:
        if m[0] >= last:
            out.append(m)
            last = m[1]
    return out


def test_scanner_is_leftmost_longest_with_character_offsets():
    words = ["行政", "依法行政", "依法行政和", "和", "政和", "𠀀县", "县"]
    scanner = Scanner(words)
    overlapping = Scanner(words, overlapping=True)
    for text in _texts("依法行政和县𠀀x\ud800", size=30):  # a lone surrogate too
        assert scanner.leftmost_longest(text) == _leftmost_longest(words, text)
        every = {(i, i + len(w), w) for w in words for i in range(len(text)) if text.startswith(w, i)}
        assert sorted(overlapping.all_matches(text)) == sorted(every)


def test_fold_matches_the_translation_table():
    for text in _texts("\uff01\uff0c\uff1a\uff5e\uff5f\u3000\u00a0a中 ,", size=60):
        assert fold(text) == text.translate(_FOLD)


@pytest.mark.parametrize("size", [40, 1500])  # short texts and report-length ones
def test_programme_view_matches_the_translation_table(size):
    # CJK ideographs are left alone by the view: the fast path relies on it
    assert all(programmes._VIEW_TABLE[cp] == chr(cp) for cp in range(0x4E00, 0xA000))
    alphabet = "ABCabc中“”、《》 \t\u2002\u00a0・•—–－İſKﬁ①𠀀\ud800\U0001d400\uffff"
    for text in _texts(alphabet, n=3000 if size == 40 else 600, size=size):
        assert programmes._translated(text) == text.translate(programmes._VIEW_TABLE)
        view, offsets = programmes._view(text)
        slow_view, slow_offsets = programmes._view_slow(text)
        if len(slow_view) == len(slow_offsets):
            assert view == slow_view
            assert [offsets[i] for i in range(len(offsets))] == slow_offsets


def test_sentence_index_matches_the_sentence_list():
    for text in _texts("。!?;\n \t\u3000ab中", size=30):
        spans = list(sentences(text))
        starts = [s for s, _ in spans]
        index = SentenceIndex(text)
        for at in range(len(text) + 1):
            i = bisect.bisect_right(starts, at) - 1
            assert index.at(at) == (spans[i] if i >= 0 else None)


def test_generic_department_spans_match_the_regex():
    for text in _texts("局厅署长市区县省中国人民政府司法,。a1 、𠀀", n=5000, size=60):
        expected = [(m.start(1), m.end()) for m in agencies.GENERIC_DEPT.finditer(text)]
        assert list(agencies._generic_spans(text)) == expected


@pytest.mark.parametrize("kinds", ["区", "县市", "州市县省", "旗盟区"])
def test_relative_pattern_matches_the_plain_alternation(kinds):
    ctx = regions._context()["relative"]
    suffixes = "|".join(map(re.escape, sorted(ctx["suffixes"], key=len, reverse=True)))
    plain = re.compile(f"(?:{'|'.join(map(re.escape, ctx['prefixes']))})[{kinds}]|[{kinds}](?:{suffixes})")
    fast = regions._relative_pattern(kinds)
    for text in _texts("全本我区县市省州旗盟委政府人民大协纪监员会x"):
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_overlap_test_matches_a_scan():
    rng = random.Random(RNG_SEED)
    for _ in range(3000):
        spans = [(a, a + rng.randrange(6)) for a in (rng.randrange(30) for _ in range(rng.randrange(8)))]
        overlaps = regions._overlap_test(spans)
        for _ in range(10):
            a = rng.randrange(35)
            b = a + rng.randrange(6)
            assert overlaps(a, b) == any(s < b and e > a for s, e in spans)


def test_mojibake_table_matches_the_character_classes():
    table = decode._char_classes()
    han = re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")
    for cp in range(0x10000):
        c, flags = chr(cp), int(table[cp])
        assert bool(flags & decode._IS_BAD) == bool(decode._BAD_CHARS.fullmatch(c))
        assert bool(flags & decode._IS_HAN) == bool(han.fullmatch(c))
        assert bool(flags & decode._IS_NEUTRAL) == bool(decode._NEUTRAL.fullmatch(c))
        assert bool(flags & decode._IS_COMMON) == (bool(han.fullmatch(c)) and c in COMMON_HANZI)
    assert table[decode._ASTRAL] == 0


def test_any_key_pattern_finds_what_the_key_alternation_finds():
    plain = re.compile(_KEY_BODY)
    lines = _texts("".join(sorted(set("".join(_SPELLINGS)))) + " \u3000\tx:", n=20000, size=12)
    lines += [" ".join(s) for s in _SPELLINGS] + [s[:-1] for s in _SPELLINGS]
    assert all(bool(_ANY_KEY.search(line)) == bool(plain.search(line)) for line in lines)


def _plan_start_by_lines(text: str, year: int | None) -> int:
    """plan_start as first written: every line split off and tested."""
    from kg.extract.implementations import PLAN_WORDS

    top_heading = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.]")
    sub_heading = re.compile(r"^\s*[((][一二三四五六七八九十]+[))]")

    offset = 0
    for line in fold(text).splitlines(keepends=True):
        heading = (top_heading.match(line) or sub_heading.match(line)) and len(line.strip()) <= 40
        if heading and (PLAN_WORDS.search(line) or (year is not None and f"{year + 1}年" in line)):
            return offset
        offset += len(line)
    return len(text)


def test_plan_start_matches_the_line_by_line_definition():
    from kg.extract.implementations import plan_start

    pieces = ["一、", "三、", "(二)", "(三)", "十二.", "一 、", "  ", "\t", "\u3000", "\n", "\n\n",
              "2022年", "工作计划", "下一步", "成效", "做了很多。", "计划", "\r", "\r\n", "\x0b",
              "\x1c", "\x85", "\u2028", "\x1f", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三"]
    rng = random.Random(RNG_SEED)
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(40)))
        year = rng.choice([None, 2021, 2022])
        assert plan_start(text, year) == _plan_start_by_lines(text, year), (text, year)


def test_html_sniffing_matches_removing_the_prologue():
    from kg.ingest.html import _PROLOGUE, looks_like_html

    def by_definition(text: str) -> bool:
        return _PROLOGUE.sub("", text[:4096]).lower().startswith(("<!doctype html", "<html", "<head"))

    pieces = ["<!DOCTYPE html>", "<!doctype HTML", "<HTML>", "<head>", "<?xml version='1.0'?>", "<!--",
              "-->", "<!-- c -->", " ", "\n", "\u3000", "İ", "<b>", "法治", "<", "html", "x" * 4000]
    rng = random.Random(RNG_SEED)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(8)))
        assert looks_like_html(text) == by_definition(text), text


def test_fields_from_text_matches_searching_every_line():
    from itertools import islice

    from kg.ingest.meta import fields_from_rows, fields_from_text, split_row

    def by_definition(text: str) -> tuple[tuple[str, str], ...]:
        lines = list(islice((line for line in text.split("\n") if line.strip()), 40))
        return fields_from_rows(split_row(line) for line in lines if _ANY_KEY.search(line))

    pieces = [*_SPELLINGS, ":", ":", "|", " | ", " ", "\u3000", "\n", "【", "】", "镜湖区司法局",
              "2022-03-01", "索 引 号", "名称", "时间"]
    rng = random.Random(RNG_SEED)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(30)))
        assert fields_from_text(text) == by_definition(text), text


def _max_depth(root) -> int:
    """The depth of an element tree, the root at 1, by walking it (the test first written)."""
    depth, stack = 0, [(root, 1)]
    while stack:
        el, d = stack.pop()
        depth = max(depth, d)
        stack.extend((child, d + 1) for child in el)
    return depth


def test_depth_limit_test_matches_the_depth_walk():
    import lxml.html

    from kg.ingest.html import DEPTH_LIMIT, _deeper_than_limit

    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
    rng = random.Random(RNG_SEED)
    for depth in [*range(DEPTH_LIMIT - 4, DEPTH_LIMIT + 4), 3, 40]:
        for _ in range(3):
            inner = rng.choice(["x", "<!-- c --><b>y</b>", "<?pi x?>z", "<br>", "<table><tr><td>1</td></tr></table>"])
            markup = ("<div>a" * depth) + inner + ("</div>t" * depth)
            root = lxml.html.document_fromstring(f"<html><body>{markup}</body></html>", parser=parser)
            assert _deeper_than_limit(root) == (_max_depth(root) >= DEPTH_LIMIT), depth
