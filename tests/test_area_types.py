"""Every area type: the registry, comparison sets, ranks and neighbours by type, partnerships, and one pack of
each type built from the committed snapshot (every theme ran, every chart loads)."""

from __future__ import annotations

import json

import matplotlib.image as mpimg
import pandas as pd
import pytest

from evidence import config, geography
from evidence.cli import main
from evidence.errors import NoDataError
from evidence.geography import areatypes
from evidence.indicators import area as area_ind
from evidence.indicators.comparators import nearest_neighbours
from evidence.pack import themes
from evidence.pack.notebook import setup
from evidence.pack.report import build_pack


def test_every_listed_type_is_in_the_registry_and_has_a_comparison_set_of_its_own_kind():
    listed = set(geography.areas()["area_type"]) | {"lad"}
    assert listed <= set(areatypes.AREA_TYPES)
    for t in areatypes.AREA_TYPES.values():
        for among in t.rank_among:
            assert areatypes.get(among).neighbours_among == among
    assert len(geography.comparison_set("lad")) == 296
    assert len(geography.comparison_set("ca")) == 11
    assert len(geography.comparison_set("region")) == 9
    assert len(geography.comparison_set("lep", vintage=2017)) == 38


def test_partnerships_are_offered_to_the_areas_inside_them():
    assert [a.code for a in geography.partnerships("E47000001")] == ["GRP-NPH"]       # Greater Manchester CA
    assert [a.code for a in geography.partnerships("Lancashire")] == ["GRP-NPH"]
    assert [a.code for a in geography.partnerships("E06000016")] == ["GRP-MIDENG"]    # Leicester
    assert geography.partnerships("E06000060") == []                                  # Buckinghamshire
    # the three northern regions' 72 districts... counted from the regions' own lookup
    n = sum(len(geography.lad_codes(r)) for r in ("E12000001", "E12000002", "E12000003"))
    assert len(geography.lad_codes("GRP-NPH")) == n


def test_ranks_among_combined_authorities_name_their_set():
    ranks = area_ind.rank_among("gva", year=2023, vintage=2021, type="ca")
    assert len(ranks) == 11 and ranks.attrs["among"] == "combined authorities"
    gm = ranks.set_index("area_code").loc["E47000001"]
    # Greater Manchester CA = its ten boroughs: the sum of their current-price GVA in the ONS table
    lads = geography.lad_codes("E47000001")
    gva = area_ind._gva_lad()
    own = gva[gva["area_code"].astype(str).isin(lads) & (gva["year"] == 2023)]["value"].sum()
    assert len(lads) == 10 and gm["value"] == pytest.approx(own)
    assert gm["rank"] == ranks["value"].rank(ascending=False, method="min")[ranks["area_code"] == "E47000001"].iloc[0]


def test_district_neighbours_are_districts_and_a_group_is_placed_among_the_leps():
    nn = nearest_neighbours("E06000009", k=5)                                         # Blackpool
    assert nn.attrs["among"] == "districts" and len(nn) == 5
    assert nn["area_code"].str.match(r"^E0[6-9]").all() and "E06000009" not in set(nn["area_code"])
    arc = nearest_neighbours("GRP-OXCAM", k=3)
    assert arc.attrs["among"] == "LEPs (2021 geography)"
    assert set(arc["area_code"]) <= set(geography.comparison_set("lep"))
    assert "placed among them" in arc.attrs["caveats"][0]
    with pytest.raises(NoDataError, match="England only"):
        nearest_neighbours("TLM32")                                                   # Glasgow City


def test_ranking_places_a_group_with_the_rank_it_would_take():
    ctx = setup(area="GRP-OXCAM", vintage=2021)
    ranks = themes.ranking(ctx, "gva-per-hour")
    row = ranks[ranks["area_code"] == "GRP-OXCAM"].iloc[0]
    leps = ranks[ranks["member"]]
    assert not row["member"] and row["of"] == leps["value"].notna().sum()
    assert row["rank"] == (leps["value"] > row["value"]).sum() + 1
    assert "would rank" in themes.rank_sentence(ranks, ctx, what="GVA per hour worked")
    assert "combined authorities" in themes.placement_sentence(ctx, "gva-per-hour", what="GVA per hour worked")


def test_a_district_whose_employment_rate_is_suppressed_keeps_it_missing():
    # The Isles of Scilly's APS employment rate is suppressed in every year: the only district that failed in the
    # every-area site build. Its row stays missing (never zero) and England's latest rate is shown beside it.
    ctx = setup(area="E06000053", vintage=2021)
    table = themes.districts_table(ctx)
    own = table[table["code"] == "E06000053"].iloc[0]
    eng = table[table["row"] == "England"].iloc[0]
    assert pd.isna(own["employment_rate"]) and pd.notna(eng["employment_rate"])
    assert pd.notna(own["gva_per_hour"])
    assert table.attrs["employment_year"] >= 2020
    *_, title = themes.districts_map(ctx, table)
    assert title.endswith("Isles of Scilly (outlined) and the districts of the South West")


def test_build_all_by_type_and_names_by_type(monkeypatch, capsys):
    seen = {}

    def fake_build_many(areas, **kw):
        seen["areas"] = list(areas)
        return {a: None for a in areas}

    monkeypatch.setattr("evidence.pack.report.build_many", fake_build_many)
    assert main(["build", "--all", "--type", "ca", "--quiet"]) == 0
    assert seen["areas"] == geography.comparison_set("ca")
    assert main(["build", "--all", "--type", "lad", "--quiet"]) == 0
    assert len(seen["areas"]) == 296
    assert main(["build", "--type", "ca", "Greater Manchester", "--quiet"]) == 0
    assert seen["areas"] == ["ca:Greater Manchester"]
    assert geography.resolve(seen["areas"][0]).code == "E47000001"


USER_GROUP = """
[[group]]
code = "GRP-TEST-FYLDE"
name = "Fylde Coast test group"
lads = ["E06000009", "E07000119", "E07000128"]
"""


@pytest.mark.slow
def test_one_pack_of_each_type_builds_every_theme(offline, tmp_path, monkeypatch):
    """A CA, a region, an ITL3 area, a district, the Arc, a user group and a Scottish ITL3 area: every theme
    runs, every chart loads, and each section says what it ranks among or what is missing."""
    groups = tmp_path / "groups.toml"
    groups.write_text(USER_GROUP)
    monkeypatch.setenv("EVIDENCE_GROUPS", str(groups))
    out = tmp_path / "reports"
    themes_n = len(list((config.CHECKOUT_DIR / "notebooks").glob("[0-9][0-9]-*.ipynb")))
    expect = {"E47000001": "combined authorities", "E12000002": "regions", "TLJ14": "ITL3 areas",
              "E06000009": "districts", "GRP-OXCAM": "LEPs (2021 geography)",
              "GRP-TEST-FYLDE": "LEPs (2021 geography)", "TLM32": None}
    for code, among in expect.items():
        folder = build_pack(code, out=out)
        manifest = json.loads((folder / "pack.json").read_text())
        assert manifest["area"]["code"] == code
        assert len(manifest["notebooks"]) == themes_n
        for chart in manifest["charts"]:
            img = mpimg.imread(folder / "charts" / f"{chart}.png")
            assert img.shape[0] > 100 and img.shape[1] > 100
        html = (folder / f"{folder.name}.html").read_text()
        if among is None:       # Scotland: no chart of England-only data, and it says so
            assert "cover England only" in html
            assert "gva-per-hour-trend" not in manifest["charts"]
        else:
            assert "gva-per-hour-trend" in manifest["charts"]
            ranks = pd.read_parquet(folder / "tables" / "gva-per-hour-rank.parquet")
            assert code in set(ranks["area_code"])
            assert f"of {int(ranks['of'].iloc[0])} {among}" in html
        if code == "GRP-OXCAM":
            assert {"arc-scenarios", "family-of-strategies", "members-by-vintage"} <= {
                t["key"] for t in manifest["tables"]}
        if code == "E47000001":
            assert "Northern Powerhouse" in html
        if code == "E06000009":  # 296 districts: the report shows part of the ranking, the workbook all of it
            assert "all 296 in the workbook" in html and len(ranks) == 296
    # A country: every theme runs; England is compared with the UK, never with itself.
    folder = build_pack("England", out=out)
    assert len(json.loads((folder / "pack.json").read_text())["notebooks"]) == themes_n
    html = (folder / f"{folder.name}.html").read_text()
    assert "no set of comparable areas" in html and "above England (" not in html


def test_an_england_only_source_says_it_has_no_data_for_a_scottish_area(raw_data_dir):
    from evidence.indicators import sectors

    for code in ("TLM20", "TLM32"):  # one with no April-2023 districts in the English files, one with one
        with pytest.raises(NoDataError, match="England's districts only"):
            sectors.location_quotients(code, year=2022, level="section")
