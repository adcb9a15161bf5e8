"""ONS Subregional productivity: GVA per hour worked and per filled job, hours and jobs, by LAD and by ITL.

Three tidy datasets, one per pinned workbook:

- ``productivity``: the June 2025 release by local authority district (catalogue ``productivity-lad-2025``,
  2004-2023 for hours-based measures, 2002-2023 for jobs-based ones);
- ``productivity-2024``: the June 2024 release by LAD (``productivity-lad-2024``, to 2022), kept so figures
  quoted from that release can be reproduced;
- ``productivity-itl``: the June 2024 release by ITL1/ITL2/ITL3 subregion (``productivity-itl-2024``).

Each data sheet has four title rows (title, coverage note, index base, blank) and then a header row
(``LAD_Code, LAD_Name, Index_2004, ...`` or ``ITL_level, ITL_code, Region_name, ...``). The first data
row is ``UKX`` (UK less Extra-Regio), kept as the UK comparator. Footnotes follow a blank row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InvalidArgumentError, SchemaError
from . import _ons_tables as t
from .base import Dataset, load


@dataclass(frozen=True)
class _Sheet:
    """What one sheet must hold: title fragments to check, the header prefix, and the tidy labels."""

    measure: str
    title: tuple[str, ...]  # lower-case fragments that must all appear in the sheet's first title row
    prefix: str  # the year columns are ``<prefix>_<year>``
    unit: str
    additive: bool
    base: str | None = None  # the index base stated in the third title row ("UK=100", "2019=100")


_PER_HOUR = "gva (b) per hour worked"
_PER_JOB = "gva (b) per filled job"

_SHEETS = {
    "A1": _Sheet("gva_per_hour_index", ("table a1", "current price (smoothed)", _PER_HOUR, "indices"), "Index",
                 "index (UK=100)", False, "UK=100"),
    "A2": _Sheet("gva_per_hour_index_unsmoothed", ("table a2", "current price (unsmoothed)", _PER_HOUR, "indices"),
                 "Index", "index (UK=100)", False, "UK=100"),
    "A3": _Sheet("gva_per_hour", ("table a3", "current price (smoothed)", _PER_HOUR + " (£)"), "Pounds",
                 "£ per hour", False),
    "A4": _Sheet("gva_per_hour_unsmoothed", ("table a4", "current price (unsmoothed)", _PER_HOUR + " (£)"),
                 "Pounds", "£ per hour", False),
    "A5": _Sheet("gva_per_hour_cvm_index", ("table a5", "chained volume (unsmoothed)", _PER_HOUR, "indices"),
                 "Index", "index (2019=100)", False, "2019=100"),
    "B1": _Sheet("gva_per_job_index", ("table b1", "current price (smoothed)", _PER_JOB, "indices"), "Index",
                 "index (UK=100)", False, "UK=100"),
    "B2": _Sheet("gva_per_job_index_unsmoothed", ("table b2", "current price (unsmoothed)", _PER_JOB, "indices"),
                 "Index", "index (UK=100)", False, "UK=100"),
    "B3": _Sheet("gva_per_job", ("table b3", "current price (smoothed)", _PER_JOB + " (£)"), "Pounds",
                 "£ per job", False),
    "B4": _Sheet("gva_per_job_unsmoothed", ("table b4", "current price (unsmoothed)", _PER_JOB + " (£)"),
                 "Pounds", "£ per job", False),
    "B5": _Sheet("gva_per_job_cvm_index", ("table b5", "chained volume (unsmoothed)", _PER_JOB, "indices"),
                 "Index", "index (2019=100)", False, "2019=100"),
    # "Productivity Hours Worked per Week" (Note 1: "These are Average Weekly Hours"): total hours worked
    # in the area in an average week of the year, not hours per worker.
    "Productivity Hours": _Sheet("hours", ("productivity hours worked per week",), "Hours", "hours per week", True),
    "Productivity Jobs": _Sheet("jobs", ("productivity jobs",), "Jobs", "jobs", True),
}

_LAD_SHEETS = ("A1", "A3", "B1", "B3", "Productivity Hours", "Productivity Jobs")
_ITL_SHEETS = ("A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "B4", "B5", "Productivity Hours", "Productivity Jobs")

_LAD_CODE = re.compile(r"^[EWSN]\d{8}$|^UKX$")
_ITL_CODE = re.compile(r"^UKX$|^TL[A-Z0-9]+$")
_ITL_LEVELS = ("UK", "Other", "ITL1", "ITL2", "ITL3")
_HEADER_ROW = 4
# "-" marks Northern Ireland's unavailable 2023 LAD jobs in B1; B3 and the jobs sheet print 0 for the
# same cells. No area has zero jobs or zero GVA, so a 0 is read as that same unavailable marker.
_MARKERS = {"-": "-"}
_ZERO_FLAG = "-"

_COLUMNS_LAD = ("area_code", "area_name", "year", "measure", "value", "unit", "flag", "additive", "table")
_COLUMNS_ITL = ("area_code", "area_name", "itl_level", "year", "measure", "value", "unit", "flag", "additive",
                "table")


def _check_title(rows: list[list], sheet: str, spec: _Sheet, file: Path) -> None:
    title = t.norm(t.cell(rows[0], 0)) if rows else ""
    missing = [frag for frag in spec.title if frag not in title]
    if missing:
        raise SchemaError(f"the title row should mention {list(spec.title)}, found {title!r}; the sheet's "
                          "contents may have changed.", file=file.name, sheet=sheet)
    base = t.text(t.cell(rows[2], 0)) if len(rows) > 2 else ""
    if (spec.base or "") != base:
        raise SchemaError(f"the third title row should give the index base {spec.base or '(blank)'!r}, found "
                          f"{base!r}.", file=file.name, sheet=sheet)


def _parse_sheet(rows: list[list], sheet: str, spec: _Sheet, *, file: Path, itl: bool) -> pd.DataFrame:
    _check_title(rows, sheet, spec, file)
    if len(rows) <= _HEADER_ROW + 1:
        raise SchemaError(f"the sheet has only {len(rows)} rows; expected a header in row {_HEADER_ROW + 1} "
                          "and data below it.", file=file.name, sheet=sheet)
    header = [t.text(v) for v in rows[_HEADER_ROW]]
    id_cols = ["ITL_level", "ITL_code", "Region_name"] if itl else ["LAD_Code", "LAD_Name"]
    if header[: len(id_cols)] != id_cols:
        raise SchemaError(f"expected the header row (row {_HEADER_ROW + 1}) to start {id_cols}, found "
                          f"{header[: len(id_cols)]}; the header may have moved.", file=file.name, sheet=sheet)
    years: list[tuple[int, int]] = []  # (column index, year)
    for j, h in enumerate(header[len(id_cols):], start=len(id_cols)):
        if h == "":
            continue
        m = re.fullmatch(rf"{spec.prefix}_(\d{{4}})", h)
        if not m:
            raise SchemaError(f"expected year columns named {spec.prefix}_<year>, found {h!r}.",
                              file=file.name, sheet=sheet)
        years.append((j, int(m.group(1))))
    if not years or [y for _, y in years] != list(range(years[0][1], years[0][1] + len(years))):
        raise SchemaError(f"the year columns are not a run of consecutive years: {[y for _, y in years]}.",
                          file=file.name, sheet=sheet)

    code_col = 1 if itl else 0
    pattern = _ITL_CODE if itl else _LAD_CODE
    records = []
    for i, row in enumerate(rows[_HEADER_ROW + 1:], start=_HEADER_ROW + 2):
        if t.ends_data(rows, i - 1, code_col=code_col, first_value_col=len(id_cols), pattern=pattern, file=file,
                       sheet=sheet):
            break  # footnotes follow
        code = t.text(t.cell(row, code_col))
        if not pattern.match(code):
            raise SchemaError(f"row {i}: {code!r} is not an area code; expected area rows down to the footnotes.",
                              file=file.name, sheet=sheet)
        name = t.text(t.cell(row, code_col + 1))
        level = t.text(t.cell(row, 0)) if itl else None
        if itl and level not in _ITL_LEVELS:
            raise SchemaError(f"row {i}: unknown ITL_level {level!r}; expected one of {_ITL_LEVELS}.",
                              file=file.name, sheet=sheet)
        for j, year in years:
            raw = t.cell(row, j)
            value, flag = t.value_and_flag(raw, _MARKERS, file=file, sheet=sheet, where=f"row {i}, {header[j]}")
            if value == 0:
                value, flag = float("nan"), _ZERO_FLAG
            records.append((code, name, level, year, value, flag))
    if not records:
        raise SchemaError("no data rows below the header.", file=file.name, sheet=sheet)
    df = pd.DataFrame.from_records(records, columns=["area_code", "area_name", "itl_level", "year", "value", "flag"])
    if df.duplicated(["area_code", "year"]).any():
        dup = df.loc[df.duplicated(["area_code", "year"]), "area_code"].iloc[0]
        raise SchemaError(f"area {dup!r} appears twice.", file=file.name, sheet=sheet)
    return df.assign(measure=spec.measure, unit=spec.unit, additive=spec.additive, table=sheet)


def _parse_workbook(path: Path, sheets: tuple[str, ...], *, itl: bool) -> pd.DataFrame:
    book = t.open_workbook(path)
    parts = [_parse_sheet(t.sheet_rows(book, s, file=path), s, _SHEETS[s], file=path, itl=itl) for s in sheets]
    df = pd.concat(parts, ignore_index=True)
    # Sheets of one workbook may word a name differently ("UK less Extra-Regio"); the first sheet's wins.
    first_name = df.drop_duplicates("area_code").set_index("area_code")["area_name"]
    df["area_name"] = df["area_code"].map(first_name)
    if "UKX" not in set(df["area_code"]):
        raise SchemaError("no UKX (UK less Extra-Regio) row was found.", file=path.name)
    if itl:
        return t.finish(df, categorical=("area_code", "area_name", "itl_level", "measure", "unit", "table"),
                        order=_COLUMNS_ITL)
    return t.finish(df.drop(columns="itl_level"), categorical=("area_code", "area_name", "measure", "unit", "table"),
                    order=_COLUMNS_LAD)


def parse_productivity_lad_2025(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse the June 2025 LAD workbook (sheets A1, A3, B1, B3, Productivity Hours, Productivity Jobs)."""
    return _parse_workbook(paths["productivity-lad-2025"], _LAD_SHEETS, itl=False)


def parse_productivity_lad_2024(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse the June 2024 LAD workbook (same layout as the June 2025 one)."""
    return _parse_workbook(paths["productivity-lad-2024"], _LAD_SHEETS, itl=False)


def parse_productivity_itl_2024(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse the June 2024 ITL workbook (sheets A1-A5, B1-B5, Productivity Hours, Productivity Jobs)."""
    return _parse_workbook(paths["productivity-itl-2024"], _ITL_SHEETS, itl=True)


_DESCRIPTION = (
    "Measures: gva_per_hour (£, current prices, smoothed; A3), gva_per_hour_index (UK=100; A1), gva_per_job "
    "(£ per filled job, smoothed; B3), gva_per_job_index (UK=100; B1), hours (total hours worked in an average "
    "week), jobs (filled jobs); the ITL file adds unsmoothed £ and indices (A2/A4, B2/B4) and chained-volume "
    "indices 2019=100 (A5, B5). UKX = UK less Extra-Regio."
)

PRODUCTIVITY = Dataset(
    name="productivity",
    title="ONS Subregional productivity by local authority district, June 2025 release",
    files=("productivity-lad-2025",),
    parse=parse_productivity_lad_2025,
    version="1",
    dims=("measure",),
    period="year",
    description=_DESCRIPTION,
)

PRODUCTIVITY_2024 = Dataset(
    name="productivity-2024",
    title="ONS Subregional productivity by local authority district, June 2024 release",
    files=("productivity-lad-2024",),
    parse=parse_productivity_lad_2024,
    version="1",
    dims=("measure",),
    period="year",
    description=_DESCRIPTION,
)

PRODUCTIVITY_ITL = Dataset(
    name="productivity-itl",
    title="ONS Subregional productivity by ITL1, ITL2 and ITL3 subregion, June 2024 release",
    files=("productivity-itl-2024",),
    parse=parse_productivity_itl_2024,
    version="1",
    dims=("measure",),
    period="year",
    description=_DESCRIPTION,
)

DATASETS = [PRODUCTIVITY, PRODUCTIVITY_2024, PRODUCTIVITY_ITL]

_RELEASES = {("lad", 2025): PRODUCTIVITY, ("lad", 2024): PRODUCTIVITY_2024, ("itl", 2024): PRODUCTIVITY_ITL}


def get_productivity(*, release: int = 2025, geography: str = "lad", measures: str | list[str] | None = None,
                     areas: str | list[str] | None = None, years: int | list[int] | None = None) -> pd.DataFrame:
    """Labour productivity by local authority district (or ITL subregion), from ONS Subregional productivity.

    Publisher: Office for National Statistics, *Subregional productivity: labour productivity indices by
    local authority district* (June 2025 and June 2024 releases) and *... by UK ITL2 and ITL3 subregions*
    (June 2024 release).

    GVA is the balanced measure, GVA(B), in current prices (chained-volume indices in the ITL file only).
    GVA per hour worked = GVA(B) / total hours worked; GVA per filled job = GVA(B) / filled jobs. The £
    figures and their UK=100 indices are smoothed with a weighted 5-year moving average (the ITL file
    also gives unsmoothed ones). Hours and jobs are workplace-based and constrained to ITL1 totals.

    Parameters
    ----------
    release : {2025, 2024}
        Release year (published in June). The ITL file exists for 2024 only.
    geography : {"lad", "itl"}
        ``"lad"``: local authority districts on April 2023 boundaries (361 codes) plus ``UKX``;
        ``"itl"``: ITL1/ITL2/ITL3 (2021 codes) plus ``TLB`` (England) and ``UKX``.
    measures : str or list of str, optional
        Any of ``gva_per_hour`` (£ per hour), ``gva_per_hour_index`` (index, UK=100), ``gva_per_job`` (£ per
        job), ``gva_per_job_index`` (index, UK=100), ``hours`` (total hours worked in an average week),
        ``jobs`` (filled jobs); ITL only: ``*_unsmoothed``, ``*_index_unsmoothed`` and ``*_cvm_index``
        (chained volume, 2019=100). Default: all.
    areas : str or list of str, optional
        Area codes (GSS LAD codes, ITL codes, or ``UKX``). Default: all.
    years : int or list of int, optional
        Years: hours-based measures start in 2004, jobs-based ones in 2002; the June 2025 release ends in 2023.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``area_code, area_name, year, measure, value, unit, flag, additive, table`` (``table`` is the
        source sheet; the ITL frame adds ``itl_level``). ``additive`` is True for hours and jobs only.
        Northern Ireland's 2023 LAD jobs (and so GVA per job) are unavailable: NA with flag ``"-"``.
    """
    ds = _RELEASES.get((geography, release))
    if ds is None:
        raise InvalidArgumentError(f"no productivity table for geography={geography!r}, release={release!r}. "
                                   f"Available: {', '.join(f'{g}/{r}' for g, r in _RELEASES)}.")
    df = load(ds)
    df = t.select(df, "measure", measures, what="measure", dataset=ds.name)
    df = t.select_areas(df, areas, dataset=ds.name)
    return t.select(df, "year", years, what="year", dataset=ds.name)
