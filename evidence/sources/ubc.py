"""UK Business Counts (ONS, from the Inter-Departmental Business Register) downloaded from Nomis as Excel.

Two downloads of the same query, "UK Business Counts - enterprises by industry and employment size band":

- ``ubc-size``: all industries, one block per year (2018-2022);
- ``ubc-industry-size``: one block per year x broad industry group (5 x 18 = 90 blocks).

Each block's rows are areas (``country:England``, 38 ``lep:`` LEPs, ``ladu:`` local authorities as of
April 2021, and DfE "User Defined Geography" rows, which are dropped); its columns are the employment
size bands Total, Micro (0 to 9), Small (10 to 49), Medium-sized (50 to 249) and Large (250+). Counts
are enterprises in March of each year, rounded to the nearest 5 (so a zero may not be a true zero).
There are no flags.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..errors import SchemaError
from . import nomis_downloads as nd
from .base import Dataset, load

#: Nomis size-band column label -> the ``size_band`` key.
SIZE_BANDS = {
    "Total": "total",
    "Micro (0 to 9)": "micro",
    "Small (10 to 49)": "small",
    "Medium-sized (50 to 249)": "medium",
    "Large (250+)": "large",
}
_GROUP = re.compile(r"^(?P<code>\d{1,2}) : (?P<name>.+)$")
_CATEGORIES = ("area_code", "area_name", "area_type", "industry", "industry_name", "size_band", "size_band_label",
               "unit", "flag")


def read_ubc_cells(path: Path) -> pd.DataFrame:
    """Parse a UK Business Counts download into one row per area label x year x industry x size band.

    The pure block step (no area resolution); "User Defined Geography" rows are dropped. Columns:
    ``area_label, year, industry, industry_name, size_band, size_band_label, value``.
    """
    blocks = nd.split_blocks(nd.read_rows(path), file=path, header="Area")
    frames = []
    for b in blocks:
        year = nd.year_of(nd.require_meta(b, "date", file=path.name), file=path.name)
        nd.require_meta(b, "legal status", file=path.name, allowed={"Total"})
        industry = nd.require_meta(b, "industry", file=path.name)
        if industry == "Total":
            code, name = "total", "All industries"
        else:
            m = _GROUP.match(industry)
            if not m:
                raise SchemaError(f"{b.describe()}: industry {industry!r} is neither 'Total' nor a broad industry "
                                  "group such as '1 : Agriculture, forestry & fishing (A)'.",
                                  file=path.name, sheet=nd.DATA_SHEET)
            code, name = m["code"], m["name"]
        labels = [c.label for c in b.columns]
        if labels != list(SIZE_BANDS):
            raise SchemaError(f"{b.describe()}: expected the size-band columns {list(SIZE_BANDS)}, found {labels}.",
                              file=path.name, sheet=nd.DATA_SHEET)
        cells = nd.block_cells(b)
        cells["year"] = year
        cells["industry"] = code
        cells["industry_name"] = name
        frames.append(cells)
    df = pd.concat(frames, ignore_index=True)
    df = df[~df["row_label"].str.startswith(nd.USER_DEFINED_PREFIX)].reset_index(drop=True)
    value, _ = nd.split_numbers(df["raw"], allowed=(), file=path)
    if value.isna().any():
        row = df[value.isna()].iloc[0]
        raise SchemaError(f"empty count for {row['row_label']!r}, {row['column']}, {row['year']}.", file=path.name,
                          sheet=nd.DATA_SHEET)
    out = pd.DataFrame({
        "area_label": df["row_label"],
        "year": df["year"].astype("int64"),
        "industry": df["industry"],
        "industry_name": df["industry_name"],
        "size_band": df["column"].map(SIZE_BANDS),
        "size_band_label": df["column"],
        "value": value,
    })
    dupes = out.duplicated(["area_label", "year", "industry", "size_band"])
    if dupes.any():
        first = out[dupes].iloc[0]
        raise SchemaError(f"area {first['area_label']!r} appears twice for industry {first['industry']} in "
                          f"{first['year']} (repeated block?).", file=path.name, sheet=nd.DATA_SHEET)
    return out


def _tidy(cells: pd.DataFrame, *, file: Path) -> pd.DataFrame:
    """The resolution step: Nomis labels -> GSS codes, official names and area types; the tidy frame."""
    resolved = nd.resolve_labels(cells["area_label"].unique(), file=file)
    df = cells.copy()
    nd.attach_areas(df, resolved, label="area_label")
    key = ["area_code", "year", "industry", "size_band"]
    if df.duplicated(key).any():
        clash = df[df.duplicated(key, keep=False)]["area_label"].unique()
        raise SchemaError(f"different area labels resolve to the same code: {list(clash)[:4]}.", file=file.name)
    df["unit"] = "enterprises"
    df["flag"] = None
    df["additive"] = True
    cols = ["area_code", "area_name", "area_type", "year", "industry", "industry_name", "size_band",
            "size_band_label", "value", "unit", "flag", "additive"]
    return nd.to_categories(df[cols], _CATEGORIES)


def parse_ubc_size(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse the Nomis UK Business Counts download by size band, all industries (``ubc-size``)."""
    path = Path(paths["ubc-size"])
    return _tidy(read_ubc_cells(path), file=path)


def parse_ubc_industry_size(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse the Nomis UK Business Counts download by broad industry group x size band (``ubc-industry-size``)."""
    path = Path(paths["ubc-industry-size"])
    return _tidy(read_ubc_cells(path), file=path)


_DESCRIPTION = ("UK Business Counts (ONS IDBR via Nomis): enterprises by employment size band, March of each "
                "year, rounded to 5; England, 38 LEPs and GB local authorities (April 2021).")
UBC_SIZE = Dataset(name="ubc-size", title="UK Business Counts - enterprises by employment size band",
                   files=("ubc-size",), parse=parse_ubc_size, version="1", dims=("industry", "size_band"),
                   period="year", description=_DESCRIPTION)
UBC_INDUSTRY_SIZE = Dataset(name="ubc-industry-size",
                            title="UK Business Counts - enterprises by broad industry group and employment size band",
                            files=("ubc-industry-size",), parse=parse_ubc_industry_size, version="1",
                            dims=("industry", "size_band"), period="year", description=_DESCRIPTION)
DATASETS = [UBC_SIZE, UBC_INDUSTRY_SIZE]


def get_business_counts(
    *,
    by_industry: bool = False,
    area_codes: str | Sequence[str] | None = None,
    area_types: str | Sequence[str] | None = None,
    years: int | Sequence[int] | None = None,
    size_bands: str | Sequence[str] | None = None,
    industries: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """UK Business Counts: enterprises by employment size band (ONS IDBR, via Nomis, downloaded 24 Apr 2023).

    Counts of VAT and/or PAYE based enterprises in March of 2018-2022, rounded to the nearest 5 (small
    counts may be rounded to zero). Geography: England, the 38 LEPs (Nomis LEP geography) and GB local
    authority districts as of April 2021, keyed by GSS code (``area_type`` country / lep / lad).
    ``additive`` is True (counts), but sums of rounded counts differ slightly from published totals.

    Parameters
    ----------
    by_industry
        False: all industries (``industry`` = ``"total"``, file ``ubc-size``). True: the 18 broad
        industry groups, ``industry`` = ``"1"`` .. ``"18"`` (file ``ubc-industry-size``).
    area_codes, area_types, years
        Optional filters (a value or a list).
    size_bands
        Any of ``"total"``, ``"micro"`` (0-9 employees), ``"small"`` (10-49), ``"medium"`` (50-249),
        ``"large"`` (250+).
    industries
        Broad group codes (``"1"``..``"18"``) or ``"total"``.

    Returns
    -------
    DataFrame
        ``area_code, area_name, area_type, year, industry, industry_name, size_band, size_band_label,
        value, unit`` (``enterprises``), ``flag`` (always NA), ``additive``.
    """
    if size_bands is not None:
        bad = sorted(set([size_bands] if isinstance(size_bands, str) else size_bands) - set(SIZE_BANDS.values()))
        if bad:
            raise ValueError(f"unknown size band(s) {bad}; choose from {list(SIZE_BANDS.values())}.")
    df = load(UBC_INDUSTRY_SIZE if by_industry else UBC_SIZE)
    return nd.filter_frame(df, area_code=area_codes, area_type=area_types, year=years, size_band=size_bands,
                   industry=industries)
