"""Every registered dataset loads from the real files, validates, carries provenance, and caches."""

from __future__ import annotations

import pandas as pd
import pytest

from evidence import catalogue, provenance
from evidence.sources import registry
from evidence.sources.base import TIDY_COLUMNS, load

DATASETS = sorted(registry())


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
    assert df.loc[flagged, "flag"].map(type).eq(str).all()
    recs = provenance.records(df)
    assert {r["sha256"] for r in recs} == {catalogue.entry(f).sha256 for f in ds.files}
    assert all(r["licence"] and r["release"] and r["publisher"] for r in recs)

    def refuse(*args, **kwargs):
        raise AssertionError("a warm load must not read the official file again")

    monkeypatch.setattr(pd, "read_excel", refuse)
    monkeypatch.setattr(pd, "read_csv", refuse)
    warm = load(ds)
    assert warm.attrs["data_origin"] == "cache"
    pd.testing.assert_frame_equal(warm, df, check_dtype=False, check_categorical=False)
    assert provenance.records(warm) == recs
