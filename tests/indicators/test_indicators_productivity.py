from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.indicators.productivity import cagr, decompose_gva_per_head_gap, growth, relative_to

pos = st.floats(min_value=0.01, max_value=1e7, allow_nan=False, allow_infinity=False)


@settings(max_examples=80, deadline=None)
@given(st.lists(pos, min_size=8, max_size=8), st.booleans())
def test_decomposition_parts_sum_exactly_to_the_total_gap(v, with_working_age):
    df = pd.DataFrame({"area_code": ["UK", "A"], "year": [2022, 2022], "gva": v[0:2], "hours": v[2:4],
                       "jobs": v[4:6], "population": v[6:8]})
    kw = {}
    if with_working_age:
        df["wa"] = df["population"] * [0.6, 0.55]
        kw["working_age"] = "wa"
    d = decompose_gva_per_head_gap(df, reference="UK", **kw).set_index("component")["log_points"]
    parts = d.drop("total")
    assert len(parts) == (4 if with_working_age else 3)
    np.testing.assert_allclose(parts.sum(), d["total"], rtol=1e-9, atol=1e-9)
    per_head = (v[1] / v[7]) / (v[0] / v[6])
    np.testing.assert_allclose(100 * (np.exp(d["total"] / 100) - 1), 100 * (per_head - 1), rtol=1e-9, atol=1e-9)


def test_relative_to_hand_computed_and_missing_reference():
    df = pd.DataFrame({"area_code": ["UKX", "E92000001", "A", "UKX", "A"], "year": [2022, 2022, 2022, 2023, 2023],
                       "value": [40.0, 42.0, 30.0, 50.0, np.nan]})
    r = relative_to(df)
    assert r.loc[2, "index"] == 75.0 and r.loc[2, "gap"] == -10.0 and r.loc[2, "gap_pct"] == -25.0
    assert np.isnan(r.loc[4, "index"])
    e = relative_to(df[df.year == 2022], reference="E92000001")
    assert round(e.loc[2, "gap_pct"], 4) == round(100 * (30 / 42 - 1), 4)


def test_cagr_and_growth():
    df = pd.DataFrame({"area_code": ["A"] * 3 + ["B"] * 2, "year": [2010, 2011, 2013, 2010, 2013],
                       "value": [100.0, 110.0, 133.1, 50.0, np.nan]})
    c = cagr(df, start=2010, end=2013).set_index("area_code")["cagr"]
    assert round(c["A"], 6) == 0.1 and np.isnan(c["B"])
    g = growth(df)
    a = g[g.area_code == "A"]["growth"].tolist()
    assert np.isnan(a[0]) and round(a[1], 6) == 0.1 and np.isnan(a[2])  # 2011 -> 2013 is not a one-year step
