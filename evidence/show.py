"""``evidence show``: tidy rows of any dataset (and, later, any indicator), filtered by area and year."""

from __future__ import annotations

import sys

import pandas as pd

from . import geography
from .errors import EvidenceError
from .sources import dataset, load


def area_codes(area: str, *, vintage: int = geography.DEFAULT_VINTAGE) -> tuple[geography.Area, set[str]]:
    """The codes to filter a dataset on for ``area``: the area's own code and, for a LEP, CA, region or
    grouping, its member LADs on both the vintage's own codes and April 2023 codes."""
    a = geography.resolve(area, vintage=vintage)
    codes = {a.code}
    if a.type != "lad":
        codes |= set(geography.members(a.code, vintage=vintage)["lad_code"])
        codes |= set(geography.lad_codes(a.code, vintage=vintage, on="2023", allow_partial=True))
    return a, codes


def parse_years(years: str | None, year: int | None) -> tuple[int | None, int | None]:
    """``"2015:2020"`` -> (2015, 2020); a single ``year`` -> (year, year)."""
    if year is not None:
        return year, year
    if not years:
        return None, None
    lo, _, hi = years.partition(":")
    try:
        return (int(lo) if lo else None), (int(hi) if hi else None)
    except ValueError:
        raise EvidenceError(f"--years must look like 2015:2020, not {years!r}") from None


def show(name: str, *, area: str | None = None, vintage: int = geography.DEFAULT_VINTAGE, year: int | None = None,
         years: str | None = None) -> pd.DataFrame:
    """Tidy rows of dataset or indicator ``name`` for ``area`` and the chosen years.

    A dataset is filtered to the area (its member LADs for a LEP, CA or grouping); an indicator is computed
    for the area, with England and the UK as comparators where the source allows. Where a name is both (``gva``,
    ``population``) the dataset is shown; the indicators are then reached as ``gva-current-prices`` and
    ``resident-population``.
    """
    from .indicators import foundations
    from .indicators.area import ALIASES, INDICATORS, compute
    from .sources import registry

    metrics = set(foundations.metrics_table()["metric"])
    if name in metrics and name not in INDICATORS and name not in registry():
        if not area:
            raise EvidenceError(f"`evidence show {name}` needs --area (a LEP, CA, region, grouping or LAD).")
        out = foundations.compute(name, [area], vintage=vintage)
        lo, hi = parse_years(years, year)
        if lo is not None:
            out = out[out["year"] >= lo]
        if hi is not None:
            out = out[out["year"] <= hi]
        for note in out.attrs.get("caveats", []):
            print(f"note: {note}", file=sys.stderr)
        return out.reset_index(drop=True)
    if name in ALIASES or (name in INDICATORS and name not in registry()):
        if not area:
            raise EvidenceError(f"`evidence show {name}` needs --area (a LEP, CA, region, grouping or LAD).")
        out = compute(name, [area], vintage=vintage, years=parse_years(years, year))
        for note in out.attrs.get("caveats", []):
            print(f"note: {note}", file=sys.stderr)
        return out
    ds = dataset(name)
    df = load(ds)
    if area:
        _, codes = area_codes(area, vintage=vintage)
        df = df[df["area_code"].astype(str).isin(codes)]
    lo, hi = parse_years(years, year)
    if ds.period in df.columns and (lo is not None or hi is not None):
        period = pd.to_numeric(df[ds.period], errors="coerce")
        if lo is not None:
            df = df[period >= lo]
            period = period[period >= lo]
        if hi is not None:
            df = df[period <= hi]
    out = df.reset_index(drop=True)
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object)
    return out
