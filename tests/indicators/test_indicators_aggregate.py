from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.errors import AggregationError
from evidence.indicators.aggregate import INCOMPLETE, aggregate, ratio_of_sums

MEMBERS = pd.DataFrame({"lad_code": ["L1", "L2", "L2", "L3"], "area_code": ["A", "A", "B", "B"],
                        "area_name": ["Area A", "Area A", "Area B", "Area B"]})


def _frame(values, additive=True, **extra):
    return pd.DataFrame({"area_code": ["L1", "L2", "L3"], "year": 2020, "value": values, "additive": additive,
                         **extra})


def test_overlapping_lad_counts_in_each_group():
    out = aggregate(_frame([1.0, 2.0, 4.0]), MEMBERS).set_index("area_code")
    assert out.loc["A", "value"] == 3.0 and out.loc["B", "value"] == 6.0
    assert out["flag"].isna().all()


def test_missing_member_gives_na_flagged_incomplete_not_a_partial_sum():
    out = aggregate(_frame([1.0, np.nan, 4.0]), MEMBERS).set_index("area_code")
    assert np.isnan(out.loc["A", "value"]) and out.loc["A", "flag"] == INCOMPLETE
    assert out.loc["A", "present"] == 1 and out.loc["A", "members"] == 2
    absent = _frame([1.0, 2.0, 4.0]).iloc[:2]
    assert aggregate(absent, MEMBERS).set_index("area_code").loc["B", "flag"] == INCOMPLETE


def test_summing_chained_volume_measures_raises_with_an_explanation():
    cvm = _frame([1.0, 2.0, 4.0], additive=False, measure="cvm", unit="£ million, chained volume measures")
    with pytest.raises(AggregationError, match="chained-volume"):
        aggregate(cvm, MEMBERS)
    with pytest.raises(AggregationError, match="recomputed"):
        aggregate(_frame([1.0, 2.0, 4.0], additive=False, measure="rate", unit="%"), MEMBERS)


def test_ratio_is_recomputed_from_sums_not_averaged():
    gva = aggregate(_frame([100.0, 50.0, 30.0]), MEMBERS)
    hours = aggregate(_frame([2.0, 1.0, 3.0]), MEMBERS)
    r = ratio_of_sums(gva, hours).set_index("area_code")["value"]
    assert r["A"] == 150.0 / 3.0  # not mean(50, 50)
    assert r["B"] == 80.0 / 4.0  # not mean(50, 10) = 30
    gaps = aggregate(_frame([100.0, np.nan, 30.0]), MEMBERS)
    assert ratio_of_sums(gaps, hours).set_index("area_code").loc["A", "flag"] == INCOMPLETE


def _grid_aggregate(df, members, by):
    """The definition, spelled out on the full group x member x key grid (absent rows count as missing)."""
    m = members.drop_duplicates(["lad_code", "area_code"])
    data = df[["area_code", *by, "value"]].rename(columns={"area_code": "lad_code"})
    data["lad_code"] = data["lad_code"].astype(str)
    full = m.merge(data[by].drop_duplicates(), how="cross").merge(data, on=["lad_code", *by], how="left")
    full["_present"] = full["value"].notna()
    out = full.groupby(["area_code", "area_name", *by], observed=True, dropna=False).agg(
        value=("value", "sum"), members=("lad_code", "size"), present=("_present", "sum")).reset_index()
    out["value"] = out["value"].where(out["present"] == out["members"], np.nan)
    return out


@st.composite
def _lad_frames(draw):
    lads = [f"L{i}" for i in range(draw(st.integers(1, 6)))]
    pairs = draw(st.lists(st.tuples(st.sampled_from(lads), st.sampled_from(["A", "B", "C"])), min_size=1,
                          max_size=10))
    members = pd.DataFrame(pairs, columns=["lad_code", "area_code"]).assign(area_name=lambda d: "Area " + d.area_code)
    cells = [(lad, y, i) for lad in [*lads, "L99"] for y in (2020, 2021) for i in ("x", "y")]
    rows = draw(st.lists(st.sampled_from(cells), min_size=1, max_size=30))  # repeats: duplicated rows
    values = draw(st.lists(st.one_of(st.none(), st.integers(0, 1000)), min_size=len(rows), max_size=len(rows)))
    df = pd.DataFrame(rows, columns=["area_code", "year", "industry"])
    df["value"] = np.array([np.nan if v is None else float(v) for v in values])
    df["additive"] = True
    if draw(st.booleans()):
        df["area_code"] = df["area_code"].astype("category")
        df["industry"] = pd.Categorical(df["industry"], categories=["y", "x", "z"])
    return df, members


@settings(max_examples=150, deadline=None)
@given(_lad_frames(), st.sampled_from([("year",), ("year", "industry"), ("industry", "year")]))
def test_aggregate_matches_the_group_member_key_grid(frames, by):
    df, members = frames
    got = aggregate(df, members, by=by)
    want = _grid_aggregate(df, members, list(by))
    cols = ["area_code", "area_name", *by, "value", "members", "present"]
    pd.testing.assert_frame_equal(got[cols], want[cols], check_exact=False, rtol=1e-12)
    assert (got["flag"].isna() == (got["present"] == got["members"])).all()
