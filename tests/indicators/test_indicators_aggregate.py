from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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
