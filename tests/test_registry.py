"""Every registered dataset loads from the real files, validates, carries provenance, and caches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evidence import provenance
from evidence.sources import catalogue, registry
from evidence.sources.base import TIDY_COLUMNS, load

DATASETS = sorted(registry())


def _assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Frame equality that is fast on million-row categorical frames (assert_frame_equal is not)."""
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_float_dtype(x):
            assert np.array_equal(x.to_numpy(), y.to_numpy(), equal_nan=True), col
        else:
            assert (x.astype(object).fillna("<NA>").to_numpy() == y.astype(object).fillna("<NA>").to_numpy()).all(), col


def test_registry_is_not_empty():
    assert DATASETS, "no dataset is registered"


@pytest.mark.parametrize("name", DATASETS)
def test_dataset_loads_validates_and_has_provenance(raw_data_dir, name, monkeypatch):
    ds = registry()[name]
    df = load(ds)
    assert df.attrs["data_origin"] in ("raw", "cache")
    for col in (*TIDY_COLUMNS, ds.period, *ds.dims):
        assert col in df.columns, col
    assert df["area_code"].astype(str).str.len().gt(0).all()
    assert df["additive"].dtype == bool
    flagged = df["flag"].notna()
    assert all(isinstance(f, str) for f in df.loc[flagged, "flag"].unique())
    recs = provenance.records(df)
    assert {r["sha256"] for r in recs} == {catalogue.entry(f).sha256 for f in ds.files}
    assert all(r["licence"] and r["release"] and r["publisher"] for r in recs)

    def refuse(*args, **kwargs):
        raise AssertionError("a warm load must not read the official file again")

    monkeypatch.setattr(pd, "read_excel", refuse)
    monkeypatch.setattr(pd, "read_csv", refuse)
    warm = load(ds)
    assert warm.attrs["data_origin"] == "cache"
    _assert_same(warm, df)
    assert provenance.records(warm) == recs
