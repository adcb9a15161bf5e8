"""English Indices of Deprivation 2025: local authority district summaries (File 10).

MHCLG publishes, for each of the 296 lower-tier local authority districts (LAD 2024 codes; Barnsley is
still E08000016 and Sheffield E08000019), summary measures of the LSOA-level (LSOA 2021) indices: the
Index of Multiple Deprivation (IMD), its seven domains and the two supplementary income indices. One sheet
per index, one header row each.

The tidy output has one row per LAD x domain x measure, ``year`` 2025 and these measures:

========================================================  ==========  ============================================
measure                                                   unit        meaning
========================================================  ==========  ============================================
``average_rank``                                          rank        population-weighted mean of the LAD's LSOA
                                                                      ranks (1 = most deprived LSOA in England)
``average_score``                                         score       population-weighted mean LSOA score
``proportion_lsoas_most_deprived_10pct``                  proportion  share of the LAD's LSOAs in England's most
                                                                      deprived decile (a fraction, 0.4211)
``extent`` (IMD only)                                     proportion  share of the population in the most deprived
                                                                      30% of LSOAs (weighted; a fraction)
``local_concentration`` (IMD only)                        rank        population-weighted mean rank of the LAD's
                                                                      most deprived LSOAs holding 10% of its people
``scale`` (Income and Employment only)                    persons     number of people income / employment deprived
``rank_of_<measure>``                                     rank        the LAD's rank among the 296 on that measure
                                                                      (1 = most deprived)
========================================================  ==========  ============================================

``additive`` is True only for ``scale`` (a count of people). IoD2025 is built on LSOA 2021, so its ranks
are not comparable with IoD2019's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from ..errors import SchemaError, UnknownAreaError
from .base import Dataset, load, read_excel, require_columns, require_sheets, sheet_names

CODE_COL = "Local Authority District code (2024)"
NAME_COL = "Local Authority District name (2024)"

#: sheet -> (column prefix as published, full domain name)
DOMAINS: dict[str, tuple[str, str]] = {
    "IMD": ("IMD", "Index of Multiple Deprivation"),
    "Income": ("Income", "Income Deprivation Domain"),
    "Employment": ("Employment", "Employment Deprivation Domain"),
    "Education": ("Education, Skills and Training", "Education, Skills and Training Deprivation Domain"),
    "Health": ("Health Deprivation and Disability", "Health Deprivation and Disability Domain"),
    "Crime": ("Crime", "Crime Domain"),
    "Barriers": ("Barriers to Housing and Services", "Barriers to Housing and Services Domain"),
    "Living": ("Living Environment", "Living Environment Deprivation Domain"),
    "IDACI": ("IDACI", "Income Deprivation Affecting Children Index"),
    "IDAOPI": ("IDAOPI", "Income Deprivation Affecting Older People Index"),
}

# label after the "<prefix> - " part, as published (matched case-insensitively) -> (measure, unit)
_BASE = {
    "Average rank": ("average_rank", "rank"),
    "Rank of average rank": ("rank_of_average_rank", "rank"),
    "Average score": ("average_score", "score"),
    "Rank of average score": ("rank_of_average_score", "rank"),
    "Proportion of LSOAs in most deprived 10% nationally": ("proportion_lsoas_most_deprived_10pct", "proportion"),
    "Rank of proportion of LSOAs in most deprived 10% nationally":
        ("rank_of_proportion_lsoas_most_deprived_10pct", "rank"),
}
_IMD_EXTRA = {
    "Extent": ("extent", "proportion"),
    "Rank of extent": ("rank_of_extent", "rank"),
    "Local concentration": ("local_concentration", "rank"),
    "Rank of local concentration": ("rank_of_local_concentration", "rank"),
}
_LAD = re.compile(r"^E0[6-9]\d{6}$")
N_LADS = 296


def _expected(sheet: str) -> dict[str, tuple[str, str]]:
    """Expected stripped column name -> (measure, unit) for one sheet."""
    prefix = DOMAINS[sheet][0]
    cols = {f"{prefix} - {k}": v for k, v in _BASE.items()}
    if sheet == "IMD":
        cols.update({f"IMD25 - {k}": v for k, v in _IMD_EXTRA.items()})
    if sheet in ("Income", "Employment"):
        cols[f"{sheet} scale"] = ("scale", "persons")
        cols[f"Rank of {sheet} Scale"] = ("rank_of_scale", "rank")
    return cols


def parse_deprivation(paths: dict) -> pd.DataFrame:
    """Parse IoD2025 File 10 (LAD summaries) into the tidy long frame (pure).

    Column names are stripped of their trailing spaces and matched case-insensitively (the file writes
    both ``Income scale`` and ``Rank of Income Scale``).

    Raises
    ------
    SchemaError
        If a sheet is missing, a column is missing or unexpected, a code is not an English LAD code or is
        duplicated, the sheet does not hold 296 LADs, or a value is not numeric.
    """
    path = paths["iod2025-lad"]
    sheet_names(path)  # a truncated or corrupt workbook fails here with a SchemaError
    book = read_excel(path, sheet_name=None)
    require_sheets(book, list(DOMAINS), file=path)
    frames = []
    for sheet, (_, domain_name) in DOMAINS.items():
        df = book[sheet]
        df.columns = [str(c).strip() for c in df.columns]
        require_columns(df, [CODE_COL, NAME_COL], file=path, sheet=sheet)
        expected = {k.lower(): v for k, v in _expected(sheet).items()}
        have = {c.lower(): c for c in df.columns if c not in (CODE_COL, NAME_COL)}
        missing = [k for k in _expected(sheet) if k.lower() not in have]
        if missing:
            raise SchemaError(f"expected column(s) {missing} in the header row, found {list(df.columns)}.",
                              file=path.name, sheet=sheet)
        extra = [c for k, c in have.items() if k not in expected and not c.startswith("Unnamed")]
        if extra:
            raise SchemaError(f"unexpected column(s) {extra}; the layout has changed.", file=path.name, sheet=sheet)
        df = df.dropna(subset=[CODE_COL])
        codes = df[CODE_COL].astype("str").str.strip()
        bad = codes[~codes.str.match(_LAD) | codes.duplicated()]
        if len(bad):
            raise SchemaError(f"column {CODE_COL!r} has codes that are not unique English LAD codes: "
                              f"{bad.head(5).tolist()}.", file=path.name, sheet=sheet)
        if len(codes) != N_LADS:
            raise SchemaError(f"expected {N_LADS} LADs, found {len(codes)}. Is the file truncated?",
                              file=path.name, sheet=sheet)
        for key, (measure, unit) in expected.items():
            col = have[key]
            values = pd.to_numeric(df[col], errors="coerce")
            if values.isna().any():
                raise SchemaError(f"column {col!r} has non-numeric or empty cells, e.g. "
                                  f"{df.loc[values.isna(), col].head(3).tolist()}.", file=path.name, sheet=sheet)
            frames.append(pd.DataFrame({
                "area_code": codes.to_numpy(),
                "area_name": df[NAME_COL].astype("str").str.strip().to_numpy(),
                "year": 2025,
                "domain": sheet,
                "domain_name": domain_name,
                "measure": measure,
                "value": values.astype("float64").to_numpy(),
                "unit": unit,
                "additive": measure == "scale",
            }))
    out = pd.concat(frames, ignore_index=True)
    out["area_code"] = out["area_code"].astype("str")
    out.insert(8, "flag", pd.Series(pd.NA, index=out.index, dtype="str"))  # the file has no markers
    for c in ("area_name", "domain", "domain_name", "measure", "unit"):
        out[c] = out[c].astype("category")
    return out


DEPRIVATION = Dataset(
    name="iod2025-lad",
    title="English Indices of Deprivation 2025: local authority district summaries",
    files=("iod2025-lad",),
    parse=parse_deprivation,
    version="1",
    dims=("domain", "measure"),
    period="year",
    description="IMD, its 7 domains and IDACI/IDAOPI summarised for 296 LADs (LAD 2024 codes); rank 1 = most "
                "deprived; proportions are fractions.",
)
DATASETS = [DEPRIVATION]


def _as_list(x) -> list | None:
    if x is None:
        return None
    return [x] if isinstance(x, str) else list(x)


def get_deprivation(*, domains: str | Iterable[str] | None = None, measures: str | Iterable[str] | None = None,
                    areas: str | Iterable[str] | None = None) -> pd.DataFrame:
    """English Indices of Deprivation 2025, local authority district summaries, tidy.

    Publisher: Ministry of Housing, Communities and Local Government, *English Indices of Deprivation
    2025, File 10: local authority district summaries (lower-tier)*, v2, October 2025. England only;
    296 LADs on LAD 2024 codes (identical to April 2023 codes); ``year`` 2025 (the indices use mostly
    2022-23 data). Rank 1 = most deprived; proportions are fractions (0.42 = 42%).

    Parameters
    ----------
    domains : str or iterable, optional
        Sheet names: ``IMD``, ``Income``, ``Employment``, ``Education``, ``Health``, ``Crime``,
        ``Barriers``, ``Living``, ``IDACI``, ``IDAOPI``.
    measures : str or iterable, optional
        Measure ids, e.g. ``average_rank``, ``rank_of_average_score``,
        ``proportion_lsoas_most_deprived_10pct``, ``extent``, ``local_concentration``, ``scale``.
    areas : str or iterable, optional
        LAD codes.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_code, area_name, year, domain, domain_name, measure, value, unit, flag, additive``.

    Raises
    ------
    ValueError
        If a domain or measure is not known.
    UnknownAreaError
        If an area code is not one of the 296 LADs.
    """
    df = load(DEPRIVATION)
    keep = pd.Series(True, index=df.index)
    for col, wanted in (("domain", _as_list(domains)), ("measure", _as_list(measures))):
        if wanted is None:
            continue
        unknown = sorted(set(wanted) - set(df[col].astype("str")))
        if unknown:
            raise ValueError(f"unknown {col}(s) {unknown}; choose from {sorted(set(df[col].astype('str')))}.")
        keep &= df[col].isin(wanted)
    codes = _as_list(areas)
    if codes is not None:
        for code in codes:
            if code not in set(df["area_code"]):
                raise UnknownAreaError(code, kind="LAD code in IoD2025")
        keep &= df["area_code"].isin(codes)
    out = df[keep].reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return out


__all__ = ["DATASETS", "DEPRIVATION", "DOMAINS", "get_deprivation", "parse_deprivation"]
