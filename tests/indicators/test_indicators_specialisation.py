"""Identities of the specialisation measures, checked by hand and with hypothesis."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.indicators.specialisation import (
    growth_vs_specialisation,
    herfindahl,
    krugman_index,
    location_quotient,
    shift_share,
)

AREAS = ["A", "B", "C"]
INDUSTRIES = ["x", "y", "z", "w"]
positive = st.floats(min_value=1.0, max_value=1e6, allow_nan=False, allow_infinity=False)


def _panel(values, years=(2010, 2020)):
    rows = []
    it = iter(values)
    for y in years:
        for a in AREAS:
            for i in INDUSTRIES:
                rows.append({"area_code": a, "industry": i, "year": y, "value": next(it)})
    return pd.DataFrame(rows)


panel = st.lists(positive, min_size=2 * len(AREAS) * len(INDUSTRIES), max_size=2 * len(AREAS) * len(INDUSTRIES))


@settings(max_examples=60, deadline=None)
@given(panel)
def test_shift_share_parts_sum_to_the_actual_change(values):
    df = _panel(values)
    for method in ("classic", "esteban-marquillas"):
        s = shift_share(df, start=2010, end=2020, method=method)
        parts = s["national_growth"] + s["industry_mix"] + s["regional_share"]
        np.testing.assert_allclose(parts, s["change"], rtol=1e-9, atol=1e-6)
        if method == "esteban-marquillas":
            np.testing.assert_allclose(s["competitive"] + s["allocation"], s["regional_share"], rtol=1e-9, atol=1e-6)
    # Summed over areas, the regional shares of each industry net to zero when the nation is their sum.
    net = s.groupby("industry")["regional_share"].sum()
    np.testing.assert_allclose(net, 0, atol=1e-6 * max(values))


@settings(max_examples=60, deadline=None)
@given(panel)
def test_location_quotient_identities(values):
    df = _panel(values).query("year == 2020")
    lq = location_quotient(df)
    # Each area's LQs, weighted by national shares, average to 1.
    np.testing.assert_allclose((lq["lq"] * lq["national_share"]).groupby(lq["area_code"]).sum(), 1.0, rtol=1e-9)
    # Each industry's LQs, weighted by area size, average to 1.
    size = df.groupby("area_code")["value"].sum()
    w = lq["area_code"].map(size / size.sum())
    np.testing.assert_allclose((lq["lq"] * w).groupby(lq["industry"]).sum(), 1.0, rtol=1e-9)
    # The nation itself (one area equal to the sum) has every LQ equal to 1.
    nation = df.groupby("industry", as_index=False)["value"].sum().assign(area_code="N")
    np.testing.assert_allclose(location_quotient(nation, nation=nation)["lq"], 1.0, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(panel, st.sampled_from(["rest", "nation"]))
def test_krugman_is_bounded_and_zero_for_identical_structures(values, reference):
    df = _panel(values).query("year == 2020")
    k = krugman_index(df, reference=reference)["krugman"]
    assert ((k >= -1e-12) & (k <= 2 + 1e-12)).all()
    same = df[df.area_code == "A"]
    twins = pd.concat([same, same.assign(area_code="B", value=same.value * 3.0)])
    np.testing.assert_allclose(krugman_index(twins, reference=reference)["krugman"], 0.0, atol=1e-12)


def test_krugman_is_2_with_nothing_in_common():
    df = pd.DataFrame({"area_code": ["A", "B"], "industry": ["x", "y"], "value": [5.0, 7.0]})
    assert krugman_index(df)["krugman"].tolist() == [2.0, 2.0]


def test_hand_computed_values():
    df = pd.DataFrame({"area_code": ["A", "A", "B", "B"], "industry": ["x", "y", "x", "y"],
                       "value": [30.0, 10.0, 20.0, 40.0]})
    lq = location_quotient(df)
    assert lq["lq"].round(4).tolist() == [1.5, 0.5, 0.6667, 1.3333]
    h = herfindahl(df)
    assert h["hhi"].round(4).tolist() == [0.625, round((1 / 3) ** 2 + (2 / 3) ** 2, 4)]
    assert herfindahl(df, normalised=True)["hhi"].round(4).tolist() == [0.25, round((5 / 9 - 0.5) / 0.5, 4)]


def test_missing_values_stay_missing():
    df = pd.DataFrame({"area_code": ["A", "A", "B", "B"], "industry": ["x", "y", "x", "y"],
                       "value": [30.0, np.nan, 20.0, 40.0]})
    lq = location_quotient(df)
    assert np.isnan(lq.loc[1, "lq"])


def test_growth_vs_specialisation_table():
    df = _panel([float(v) for v in range(1, 25)])
    t = growth_vs_specialisation(df, area_code="A", start=2010, end=2020)
    t = t.set_index("industry")
    assert sorted(t.index) == sorted(INDUSTRIES)
    # x in A: 1 -> 13 over 10 years.
    assert t.loc["x", "growth_cagr"] == (13 / 1) ** (1 / 10) - 1
    assert t.loc["x", "size"] == 13


@settings(max_examples=40, deadline=None)
@given(panel)
def test_location_quotient_by_year_is_one_call_per_year(values):
    df = _panel(values)
    together = location_quotient(df, by=["year"])
    apart = pd.concat([location_quotient(g).assign(year=y) for y, g in df.groupby("year")])
    np.testing.assert_allclose(together["lq"], apart["lq"], rtol=1e-12)
    assert list(together.columns) == ["area_code", "year", "industry", "share", "national_share", "lq"]
    nation = df.groupby(["year", "industry"], as_index=False)["value"].sum()
    np.testing.assert_allclose(location_quotient(df, by=["year"], nation=nation)["lq"], together["lq"], rtol=1e-12)
