"""Indicators for areas on real data: sums of LADs, England coverage, refusals, and official aggregates."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from evidence import geography
from evidence.cli import main
from evidence.errors import AggregationError
from evidence.indicators.aggregate import aggregate, ratio_of_sums
from evidence.indicators.area import compute, membership_table, rank_among
from evidence.sources import get

OXLEP_LADS = ["E07000177", "E07000178", "E07000179", "E07000180", "E07000181"]


def _gva_total(raw_data_dir):
    g = get("gva")
    return g[(g.industry.astype(str) == "Total") & (g.measure.astype(str) == "current_prices")]


def test_a_lep_total_is_the_sum_of_its_lads(raw_data_dir):
    g = _gva_total(raw_data_dir)
    by_hand = g[g.area_code.astype(str).isin(OXLEP_LADS) & (g.year == 2023)]["value"].sum()
    ox = compute("gva", ["OxLEP"], years=(2023, 2023))
    assert ox[ox.area_code == "E37000053"]["value"].item() == pytest.approx(by_hand)
    assert sorted(geography.lad_codes("OxLEP")) == OXLEP_LADS


def test_primary_memberships_sum_to_england_and_overlaps_add_the_shared_lads_once_more(raw_data_dir):
    g = _gva_total(raw_data_dir)
    g = g[g.year == 2023]
    england = g[g.area_code.astype(str).str.startswith("E")]["value"].sum()
    m = geography.membership(2021, on="2023").rename(columns={"lep_code": "area_code", "lep_name": "area_name"})
    primary = aggregate(g, m[m.primary])
    overlaps = aggregate(g, m)
    assert primary["value"].sum() == pytest.approx(england, rel=1e-12)
    shared = m[~m.primary]["lad_code"]
    assert len(shared) == 7
    extra = g[g.area_code.astype(str).isin(shared)]["value"].sum()
    assert overlaps["value"].sum() - primary["value"].sum() == pytest.approx(extra, rel=1e-12)


def test_summing_real_chained_volume_measures_raises(raw_data_dir):
    g = get("gva")
    cvm = g[(g.industry.astype(str) == "Total") & (g.measure.astype(str) == "cvm") & (g.year == 2023)]
    members, _ = membership_table(["OxLEP"])
    with pytest.raises(AggregationError, match="chained-volume"):
        aggregate(cvm, members)


def test_ratio_comes_from_sums_not_a_mean_of_ratios(raw_data_dir):
    d = compute("gva-per-hour", ["OxLEP"], years=(2023, 2023), comparators=())
    p = get("productivity")
    p = p[p.area_code.astype(str).isin(OXLEP_LADS) & (p.year == 2023)].pivot_table(
        index="area_code", columns="measure", values="value", observed=True)
    expected = (p.gva_per_hour * p.hours).sum() / p.hours.sum()
    assert d["value"].item() == pytest.approx(expected, rel=1e-12)
    assert d["value"].item() != pytest.approx(p.gva_per_hour.mean(), rel=1e-6)


def test_uk_and_england_comparators_and_the_uk_index(raw_data_dir):
    d = compute("gva-per-hour", ["BTVLEP"], years=(2023, 2023)).set_index("area_code")
    assert d.loc["UKX", "value"] == pytest.approx(41.87, abs=0.005)
    assert {"E37000043", "E92000001", "UKX"} <= set(d.index)


def test_rank_among_the_38_leps(raw_data_dir):
    r = rank_among("gva-per-hour", year=2023)
    assert len(r) == 38 and r["of"].iloc[0] == 38
    assert sorted(r["rank"].tolist()) == list(range(1, 39))
    assert r.iloc[0]["value"] == r["value"].max()


# GVA per hour 2023, ΣGVA/Σhours by hand from ONS subregional productivity (June 2025), sheets A3 (£) and
# Productivity Hours. Lancashire's 14 districts: (£ per hour, hours).
LANCASHIRE_2023 = [(33.27, 2251156), (30.25, 2047402), (38.86, 1046045), (35.21, 1488067), (40.98, 1560434),
                   (34.94, 930113), (37.71, 1731274), (35.68, 966888), (33.50, 3071772), (42.53, 1059606),
                   (36.53, 632385), (54.11, 1714018), (39.58, 1822380), (36.03, 1040256)]


@pytest.mark.parametrize(("code", "value", "rank"), [
    ("E37000035", 54.595369, 1),    # Thames Valley Berkshire (six Berkshire unitaries)
    ("E37000051", 54.201202, 2),    # London (33 boroughs)
    ("E37000019", 37.428025, 23),   # Lancashire (also 23rd on the DfE LAD20 -> LEP20 file)
    ("E37000001", 32.817928, 37),   # Black Country (Dudley, Sandwell, Walsall, Wolverhampton)
    ("E37000005", 32.726531, 38),   # Cornwall and Isles of Scilly
])
def test_named_lep_ranks_by_hand(raw_data_dir, code, value, rank):
    r = rank_among("gva-per-hour", year=2023).set_index("area_code")
    assert r.loc[code, "value"] == pytest.approx(value, abs=5e-7)
    assert r.loc[code, "rank"] == rank


def test_lancashire_gva_per_hour_by_hand(raw_data_dir):
    hours = sum(h for _, h in LANCASHIRE_2023)
    assert hours == 21361796
    by_hand = sum(p * h for p, h in LANCASHIRE_2023) / hours
    assert by_hand == pytest.approx(37.428025, abs=5e-7)
    d = compute("gva-per-hour", ["Lancashire"], years=(2023, 2023), comparators=())
    assert d["value"].item() == pytest.approx(by_hand, rel=1e-12)


def test_partial_members_are_left_out_and_said(raw_data_dir):
    d = compute("gva", ["SEMLEP"], vintage=2017, years=(2023, 2023), comparators=())
    assert any("E06000060 left out" in c for c in d.attrs["caveats"])
    members, _ = membership_table(["SEMLEP"], vintage=2017)
    assert "E06000060" not in set(members.lad_code)
    with pytest.raises(geography.GeographyError, match="only part"):
        membership_table(["SEMLEP"], vintage=2017, partial="error")


@pytest.mark.parametrize("ratio, denom", [("gva_per_hour", "hours"), ("gva_per_job", "jobs")])
def test_aggregating_lads_reproduces_the_official_itl_figures(raw_data_dir, ratio, denom):
    """LADs (June 2024 release) aggregated to English ITL regions against the ITL figures of the same release.

    ONS smooths each geography level separately, so exact equality is not expected: every English ITL1 region
    is within 0.5%, and at ITL2 and ITL3 at least 95% of area-years are (none beyond 2%).
    """
    lad, itl = get("productivity-2024"), get("productivity-itl")
    r, d = lad[lad.measure.astype(str) == ratio], lad[lad.measure.astype(str) == denom]
    key = ["area_code", "year"]
    j = r[key + ["value"]].merge(d[key + ["value"]], on=key, suffixes=("_r", "_d"))
    num = j.assign(value=j.value_r * j.value_d, additive=True)[key + ["value", "additive"]]
    den = d.assign(additive=True)
    # The toolkit's ITL areas are the 2025 ones and the productivity tables use 2021 codes: compare the codes
    # that exist in both (all nine English ITL1 regions, most ITL2 and ITL3 areas).
    for level, within, least in (("itl1", 1.0, 9), ("itl2", 0.95, 25), ("itl3", 0.95, 100)):
        codes = [c for c in geography.areas(type=level)["area_code"] if not c.startswith(("TLL", "TLM", "TLN"))]
        m = pd.concat([pd.DataFrame({"lad_code": geography.lad_codes(c, on="2023"), "area_code": c,
                                     "area_name": c}) for c in codes])
        agg = ratio_of_sums(aggregate(num, m), aggregate(den, m))
        pub = itl[itl.measure.astype(str) == ratio][key + ["value"]]
        c = agg.merge(pub, on=key, suffixes=("_agg", "_pub"))
        pct = (100 * (c.value_agg / c.value_pub - 1)).abs()
        assert c.area_code.nunique() >= least
        assert (pct <= 0.5).mean() >= within, level
        assert pct.max() < 2.0, level


def test_show_indicator_cli(raw_data_dir, capsys):
    assert main(["show", "gva-per-hour", "--area", "West Midlands Combined Authority", "--format", "csv"]) == 0
    df = pd.read_csv(io.StringIO(capsys.readouterr().out))
    wmca = df[df.area_code == "E47000007"]
    assert len(wmca) == 20 and wmca.year.min() == 2004 and wmca.year.max() == 2023
    assert np.isfinite(wmca["value"]).all()
    assert main(["show", "gva-per-hour"]) == 2
