"""Comparators: ranks among LEPs and nearest statistical neighbours (toy identities, then real data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evidence.errors import InvalidArgumentError, UnknownAreaError, UnknownDatasetError
from evidence.indicators import area as area_ind
from evidence.indicators import comparators as C
from evidence.indicators import sectors as X

LLEP = "Leicester and Leicestershire"
LLEP_CODE = "E37000021"


# ----------------------------------------------------------------------------------------------- toy
@pytest.fixture
def toy() -> pd.DataFrame:
    # B is identical to A in every indicator; C and D differ.
    return pd.DataFrame({"x": [1.0, 1.0, 3.0, 5.0], "y": [10.0, 10.0, 30.0, 20.0], "pop": [1e5, 1e5, 1e6, 1e4]},
                        index=pd.Index(["A", "B", "C", "D"], name="area_code"))


def test_standardise_by_hand(toy):
    z = C.standardise(toy, log=["pop"])
    x = toy["x"]
    assert z["x"].tolist() == pytest.approx(((x - x.mean()) / x.std(ddof=0)).tolist())
    lp = np.log(toy["pop"])
    assert z["pop"].tolist() == pytest.approx(((lp - lp.mean()) / lp.std(ddof=0)).tolist())
    assert np.allclose(z.mean(), 0) and np.allclose(z.std(ddof=0), 1)
    flat = C.standardise(pd.DataFrame({"c": [2.0, 2.0]}, index=["A", "B"]))
    assert flat["c"].tolist() == [0.0, 0.0]
    with pytest.raises(InvalidArgumentError, match="logged"):
        C.standardise(pd.DataFrame({"p": [0.0, 1.0]}), log=["p"])


def test_identical_area_has_distance_zero_and_order(toy):
    z = C.standardise(toy)
    d = C.distances(z, "A")
    assert "A" not in d["area_code"].tolist()
    assert d.loc[0, "area_code"] == "B" and d.loc[0, "distance"] == 0.0
    assert d["distance"].is_monotonic_increasing
    by_hand = np.sqrt(((z.loc["C"] - z.loc["A"]) ** 2).sum())
    assert d.set_index("area_code").at["C", "distance"] == pytest.approx(by_hand)


def test_weights_and_missing_values(toy):
    z = C.standardise(toy)
    only_x = C.distances(z, "A", weights={"x": 1.0, "y": 0.0, "pop": 0.0}).set_index("area_code")
    # With the weight on x alone: sqrt(W/W_ab * (zx_C - zx_A)^2) with W = W_ab = 1.
    assert only_x.at["D", "distance"] == pytest.approx(abs(z.at["D", "x"] - z.at["A", "x"]))
    assert (only_x["indicators_used"] == 1).all()
    zm = z.copy()
    zm.loc["C", "y"] = np.nan
    d = C.distances(zm, "A").set_index("area_code")
    both = (zm.loc["C", ["x", "pop"]] - zm.loc["A", ["x", "pop"]]) ** 2
    assert d.at["C", "distance"] == pytest.approx(np.sqrt(both.sum() * 3 / 2))
    assert d.at["C", "indicators_used"] == 2
    with pytest.raises(InvalidArgumentError, match="not among the indicators"):
        C.distances(z, "A", weights={"q": 1.0})
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        C.distances(z, "A", weights={"x": -1.0})
    with pytest.raises(InvalidArgumentError, match="not in the comparison"):
        C.distances(z, "Z")


# ----------------------------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def neighbours(raw_data_dir) -> pd.DataFrame:
    return C.nearest_neighbours(LLEP, year=2022, k=5)


def test_nearest_neighbours_real(neighbours):
    nn = neighbours
    assert len(nn) == 5 and nn["rank"].tolist() == [1, 2, 3, 4, 5]
    assert LLEP_CODE not in nn["area_code"].tolist()
    assert nn["distance"].is_monotonic_increasing and (nn["distance"] > 0).all()
    assert list(nn.columns[5:]) == list(C.DEFAULT_NEIGHBOUR_INDICATORS)
    assert nn["area_code"].str.match(r"^E37\d{6}$").all()
    t = nn.attrs["target"]
    assert t["area_code"] == LLEP_CODE and t["year"] == 2022 and set(C.DEFAULT_NEIGHBOUR_INDICATORS) <= set(t)
    assert nn.attrs["provenance"] and "z-scores" in nn.attrs["caveats"][0]
    assert any("Cornwall and Isles of Scilly" in c for c in nn.attrs["caveats"])   # its shares are suppressed


def test_neighbour_values_match_their_sources(raw_data_dir, neighbours):
    code = neighbours.loc[0, "area_code"]
    hour = area_ind.compute("gva-per-hour", [code], comparators=(), years=(2022, 2022))
    assert neighbours.loc[0, "gva-per-hour"] == pytest.approx(hour["value"].item())
    s = X.industry_structure(code, year=2022).set_index("industry")
    manuf = 100 * s.loc[X.ons_gva.leaves("C (10-33)"), "value"].sum() / s["value"].sum()
    assert neighbours.loc[0, "manufacturing-share"] == pytest.approx(manuf)
    g = area_ind.compute("gva", [code], comparators=(), years=(2017, 2022)).set_index("year")["value"]
    assert neighbours.loc[0, "gva-growth-5y"] == pytest.approx(100 * ((g[2022] / g[2017]) ** 0.2 - 1))


def test_rank_structure_indicator(raw_data_dir):
    r = C.rank("manufacturing-share", year=2022)
    assert len(r) == 38 and r["value"].notna().sum() == 37 == r["of"].iloc[0]
    assert r.loc[r["value"].isna(), "area_name"].tolist() == ["Cornwall and Isles of Scilly"]
    ranked = r.dropna(subset=["value"])
    assert ranked["rank"].tolist() == list(range(1, 38))
    assert ranked["value"].is_monotonic_decreasing
    direct = C.rank("gva-per-hour", year=2022)
    assert direct.equals(area_ind.rank_among("gva-per-hour", year=2022))
    with pytest.raises(UnknownDatasetError, match="kibs-share"):
        C.rank("kibs", year=2022)


def test_neighbours_bad_input(raw_data_dir):
    with pytest.raises(UnknownAreaError):
        C.nearest_neighbours("No Such Place", year=2022)
    with pytest.raises(InvalidArgumentError, match="k must"):
        C.nearest_neighbours(LLEP, year=2022, k=0)
    nn = C.nearest_neighbours("Cornwall and Isles of Scilly", year=2022, k=3,
                              indicators=["gva-per-head", "manufacturing-share"])
    assert (nn["indicators_used"] == 1).all() and len(nn) == 3
