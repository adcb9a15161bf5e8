"""People beyond the rates: occupation shares (APS T09a) and age structure, against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from evidence.errors import InvalidArgumentError, NoDataError
from evidence.indicators.people import (
    SOC2010_MAJOR_GROUPS,
    SUB_MAJOR_VARIABLES,
    age_bands,
    major_groups,
    occupation_shares,
    old_age_dependency_ratio,
)
from evidence.pack import notebook, themes

# APS T09a, Jan 2021-Dec 2021, read off the Nomis download (labour/nomis_2023_04_24_*.xlsx): the 25 SOC2010
# sub-major counts (persons) in the order T09a:1, 4, 7, ..., 73, with their 95% half-widths.
LANCASHIRE_2021 = [44200, 16000, 33700, 30200, 32100, 34300, 13900, 14400, 6300, 12100, 47200, 51300, 11900, 7100,
                   29300, 21600, 15300, 53200, 8000, 39000, 18800, 24100, 24200, 23400, 55700]
LANCASHIRE_CI = {"T09a:1": 7300, "T09a:4": 4400}
ENGLAND_2021 = [2139400, 795300, 2104500, 1172400, 1421100, 1824600, 498800, 460800, 284300, 669700, 2267700,
                2281200, 509300, 243100, 870100, 760400, 489900, 1992500, 482200, 1274300, 572300, 596500, 885000,
                523700, 2069700]
# Blackpool: T09a:37 and T09a:40 are "!" (sample 0-2), the rest published.
BLACKPOOL_2021 = [2900, 2300, 2200, 2100, 2400, 3600, 900, 1400, 600, 700, 5300, 6000, None, None, 1300, 2300, 900,
                  7100, 1500, 4500, 600, 1500, 1800, 1200, 5700]


def test_the_map_covers_the_25_sub_major_groups_once():
    assert len(SUB_MAJOR_VARIABLES) == 25 == len(set(SUB_MAJOR_VARIABLES))
    assert sorted(int(v.split(":")[1]) for v in SUB_MAJOR_VARIABLES) == list(range(1, 74, 3))
    assert [len(v) for _, v in SOC2010_MAJOR_GROUPS.values()] == [2, 4, 5, 2, 4, 2, 2, 2, 2]


def _frame(code, values, ci=None):
    ci = ci or {}
    return pd.DataFrame({"area_code": code, "variable": list(SUB_MAJOR_VARIABLES),
                         "value": [np.nan if v is None else float(v) for v in values],
                         "ci95": [float(ci.get(v, np.nan)) for v in SUB_MAJOR_VARIABLES]})


def test_major_groups_and_shares_by_hand():
    g = major_groups(_frame("E37000019", LANCASHIRE_2021, LANCASHIRE_CI), keys=["area_code"]).set_index("soc_major")
    total = 667300
    assert sum(LANCASHIRE_2021) == total
    assert g.loc[1, "value"] == 44200 + 16000
    assert g.loc[2, "value"] == 33700 + 30200 + 32100 + 34300
    assert g.loc[1, "ci95"] == pytest.approx(math.sqrt(7300 ** 2 + 4400 ** 2))   # 8,523.5
    assert np.isnan(g.loc[2, "ci95"])   # a component has no interval here
    s = occupation_shares(g.reset_index(), keys=["area_code"]).set_index("soc_major")
    assert s.loc[1, "share"] == pytest.approx(100 * 60200 / total)            # 9.02%
    assert s.loc[2, "share"] == pytest.approx(100 * 130300 / total)           # 19.53%
    assert s.loc[1, "share_uci"] - s.loc[1, "share"] == pytest.approx(100 * math.sqrt(7300 ** 2 + 4400 ** 2) / total)
    assert s["share"].sum() == pytest.approx(100.0)


def test_a_suppressed_cell_makes_its_group_and_the_strict_total_na():
    g = major_groups(_frame("E06000009", BLACKPOOL_2021), keys=["area_code"])
    by = g.set_index("soc_major")
    assert np.isnan(by.loc[4, "value"]) and np.isnan(by.loc[5, "value"])     # T09a:37, T09a:40
    assert by.loc[1, "value"] == 5200
    published = sum(v for v in BLACKPOOL_2021 if v is not None)
    assert published == 58800
    assert (g["published_total"] == published).all() and (g["suppressed_cells"] == 2).all()
    strict = occupation_shares(g, keys=["area_code"])
    assert strict["share"].isna().all()                                        # missing stays missing
    relaxed = occupation_shares(g, keys=["area_code"], total="published_total").set_index("soc_major")
    assert relaxed.loc[1, "share"] == pytest.approx(100 * 5200 / 58800)       # 8.84%
    assert np.isnan(relaxed.loc[4, "share"])


def test_old_age_dependency_ratio_by_hand():
    # Two areas, single years of age 0..90 (90 = 90+): A has 100 people at every age, B has 65+ missing.
    ages = list(range(91))
    a = pd.DataFrame({"area_code": "A", "year": 2022, "age": ages, "value": 100.0})
    b = pd.DataFrame({"area_code": "B", "year": 2022, "age": ages,
                      "value": [np.nan if x == 70 else 10.0 for x in ages]})
    r = old_age_dependency_ratio(pd.concat([a, b])).set_index("area_code")
    # A: 26 years of 65-90 (2,600 people) over 49 years of 16-64 (4,900): 53.06 per 100
    assert r.loc["A", "aged_65_plus"] == 2600 and r.loc["A", "aged_16_64"] == 4900
    assert r.loc["A", "value"] == pytest.approx(100 * 2600 / 4900)
    assert np.isnan(r.loc["B", "value"])


def test_age_bands_by_hand():
    p = pd.DataFrame({"area_code": "A", "year": 2022, "age": [0, 15, 16, 64, 65, 90],
                      "value": [10.0, 10.0, 20.0, 20.0, 30.0, 10.0]})
    out = age_bands(p, edges=(0, 16, 65)).set_index("band")
    assert out["value"].to_dict() == {"0-15": 20.0, "16-64": 40.0, "65+": 40.0}
    assert out["share"].tolist() == pytest.approx([20.0, 40.0, 40.0])
    with pytest.raises(InvalidArgumentError):
        age_bands(p, edges=(16, 65))


# ------------------------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def ctxs(raw_data_dir):
    return {a: notebook.setup(area=a) for a in ("Lancashire", "ca:Greater Manchester", "Blackpool",
                                                 "Oxford-Cambridge Arc", "Cumberland", "England")}


def test_lancashire_is_its_published_lep_row(ctxs):
    t = themes.occupation_structure(ctxs["Lancashire"]).set_index("SOC2010 major group")
    assert t.attrs["period"] == "Jan 2021-Dec 2021"
    assert t.loc[2, "Lancashire"] == pytest.approx(100 * 130300 / 667300)
    assert t.loc[2, "England"] == pytest.approx(100 * (2104500 + 1172400 + 1421100 + 1824600) / sum(ENGLAND_2021))
    assert t.loc[1, "lower 95%"] == pytest.approx(100 * (60200 - math.sqrt(7300 ** 2 + 4400 ** 2)) / 667300)
    assert t.loc[2, "difference (percentage points)"] == pytest.approx(t.loc[2, "Lancashire"] - t.loc[2, "England"])
    assert "Lancashire LEP" in t.attrs["method"]
    # top three groups: (60,200 + 130,300 + 93,900) / 667,300 = 42.6%; England 50.2%
    assert themes.occupation_title(t.reset_index(), ctxs["Lancashire"]) == (
        "42.6% of employed residents of Lancashire work in the top three occupation groups, 7.5 points less than "
        "England (50.2%), Jan 2021-Dec 2021")


def test_greater_manchester_ca_uses_the_lep_with_the_same_ten_districts(ctxs):
    t = themes.occupation_structure(ctxs["ca:Greater Manchester"])
    assert "Greater Manchester LEP (the same districts)" in t.attrs["method"]
    assert t["lower 95%"].notna().all()


def test_blackpool_leaves_its_two_suppressed_cells_out_and_says_so(ctxs):
    t = themes.occupation_structure(ctxs["Blackpool"]).set_index("SOC2010 major group")
    assert t.loc[1, "Blackpool"] == pytest.approx(100 * 5200 / 58800)
    assert t.loc[[4, 5], "Blackpool"].isna().all()
    assert "2 of the 25 sub-major groups are suppressed" in t.attrs["method"]


def test_the_arc_sums_the_published_rows_of_its_four_leps(ctxs, raw_data_dir):
    from evidence.sources.aps import get_aps

    t = themes.occupation_structure(ctxs["Oxford-Cambridge Arc"]).set_index("SOC2010 major group")
    leps = get_aps(table="t09a", years=2021, area_codes=["E37000043", "E37000053", "E37000057", "E37000059"])
    wide = leps.pivot_table(index="variable", columns="area_code", values="value", observed=True)
    summed = wide.sum(axis=1, min_count=4)
    assert summed.isna().sum() == 1   # Oxfordshire's T09a:61 (customer service) is "!"
    managers = summed[["T09a:1", "T09a:4"]].sum()
    assert t.loc[1, "Oxford–Cambridge Arc"] == pytest.approx(100 * managers / summed.sum())
    assert np.isnan(t.loc[7, "Oxford–Cambridge Arc"]) and t["lower 95%"].isna().all()


def test_cumberland_falls_back_to_the_cumbria_lep_and_is_labelled(ctxs):
    t = themes.occupation_structure(ctxs["Cumberland"])
    assert t.attrs["label"] == "Cumbria LEP (containing Cumberland)"
    assert "Cumbria LEP (containing Cumberland)" in t.columns


def test_england_has_no_comparison_with_itself(ctxs):
    t = themes.occupation_structure(ctxs["England"]).set_index("SOC2010 major group")
    assert "England lower 95%" not in t.columns
    assert t.loc[9, "England"] == pytest.approx(100 * (523700 + 2069700) / sum(ENGLAND_2021))


def test_age_structure_says_the_data_are_missing(ctxs):
    with pytest.raises(NoDataError, match="single year of age"):
        themes.age_structure(ctxs["Lancashire"])
