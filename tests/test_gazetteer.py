"""Tests for kg.gazetteer: codes, parents, aliases and coordinates."""

from __future__ import annotations

import pytest

from kg.gazetteer import Gazetteer, load


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load()


def test_load_is_cached() -> None:
    # speed is measured in benchmarks/, not asserted here
    load.cache_clear()
    first = load()
    assert load() is first


def test_size_and_exclusions(gaz: Gazetteer) -> None:
    assert 3300 < len(gaz) < 3500
    assert gaz.get("990000") is None  # 苏鲁交界
    assert gaz.get("999900") is None  # 海域
    codes = [d.code for d in gaz]
    assert codes == sorted(codes)


def test_luzhou_chain(gaz: Gazetteer) -> None:
    chain = gaz.chain("140403")
    assert [(d.code, d.name, d.level) for d in chain] == [
        ("140403", "潞州区", "county"),
        ("140400", "长治市", "prefecture"),
        ("140000", "山西省", "province"),
    ]


def test_municipality_districts_hang_from_the_province(gaz: Gazetteer) -> None:
    assert gaz.get("110100") is None
    assert [d.name for d in gaz.chain("110101")] == ["东城区", "北京市"]
    assert [d.code for d in gaz.lookup("北京市")] == ["110000"]
    assert gaz.get("500240").parent == "500000"  # 石柱 (a county of 重庆)


def test_province_administered_counties(gaz: Gazetteer) -> None:
    assert [d.name for d in gaz.chain("429006")] == ["天门市", "湖北省"]


@pytest.mark.parametrize("code", ["440310", "140403"])
def test_missing_points_are_filled_and_flagged(gaz: Gazetteer, code: str) -> None:
    d = gaz.get(code)
    assert d is not None and d.approximate
    assert d.lon is not None and d.lat is not None
    assert 105 < d.lon < 120 and 20 < d.lat < 40


def test_every_division_has_a_point(gaz: Gazetteer) -> None:
    assert all(d.lon is not None and d.lat is not None for d in gaz)
    wuhu = gaz.get("340200")
    assert wuhu is not None and not wuhu.approximate


@pytest.mark.parametrize(
    ("surface", "codes"),
    [
        ("芜湖", ["340200"]),
        ("黔西南州", ["522300"]),
        ("黔西南", ["522300"]),
        ("安徽", ["340000"]),
        ("广西", ["450000"]),
        ("内蒙古", ["150000"]),
        ("新疆", ["650000"]),
        ("宣汉", ["511722"]),
        ("恩施州", ["422800"]),
        ("石柱县", ["500240"]),
        ("城区", ["140302", "140502", "441502"]),
    ],
)
def test_lookup(gaz: Gazetteer, surface: str, codes: list[str]) -> None:
    assert [d.code for d in gaz.lookup(surface)] == codes


def test_no_one_character_or_common_word_aliases(gaz: Gazetteer) -> None:
    aliases = {a for d in gaz for a in d.aliases}
    assert all(len(a) >= 2 for a in aliases)
    for word in ("公安", "合作", "和平", "新华", "振兴", "城区", "开发"):
        assert word not in aliases
    assert gaz.lookup("公安") == ()
    城区 = gaz.get("140302")
    assert 城区 is not None and 城区.aliases == ()
