"""kg.townships.parse: the county -> township table read from the tab-indented listing,
the same whichever line breaks the listing uses."""

from __future__ import annotations

import zipfile

from kg import gazetteer as gaz
from kg import townships

LISTING = [
    "浙江省\t330000\t浙江", "\t宁波市\t330200\t宁波", "\t\t慈溪市\t330282\t慈溪",
    "\t\t\t观海卫镇", "\t\t\t\t卫山村", "\t\t\t\t\t", "\t\t\t坎墩街道\t备注", "\t\t\t  ",
    "\t\t开发区\t330271\t开发", "\t\t\t不算镇", "\t\t余姚市\t330281", "\t\t\t梁弄镇",
    "\t\t", "\t\t\t孤立镇", "江苏省\t320000", "\t\t\t省下镇",
]
KNOWN = frozenset({"330282", "330281"})
EXPECTED = {"330282": frozenset({"观海卫镇", "坎墩街道"}), "330281": frozenset({"梁弄镇"})}


def test_the_table_is_the_same_for_every_kind_of_line_break():
    for br in ("\n", "\r\n", "\r", "\u2028"):
        assert townships.parse(br.join(LISTING) + br, KNOWN) == EXPECTED, repr(br)
    mixed = "\r\n".join(LISTING[:5]) + "\x0b" + "\n".join(LISTING[5:])
    assert townships.parse(mixed, KNOWN) == EXPECTED


def test_jionlps_listing_gives_townships_of_known_counties_only():
    gazetteer = gaz.load()
    with zipfile.ZipFile(townships._archive()) as zf:
        text = zf.read(townships.MEMBER).decode("utf-8")
    known = frozenset(d.code for d in gazetteer if d.level == "county")
    table = townships.parse(text, known)
    assert set(table) <= known and len(table) > 2500
    # the slow path (every line in Python) reads the same file the same way
    assert townships.parse(text.replace("\r\n", "\x85"), known) == table
    assert "龙溪镇" in table["430581"] and not any("村" == n[-1:] for n in table["430581"])
