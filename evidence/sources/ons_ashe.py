"""ONS Annual Survey of Hours and Earnings (ASHE): Tables 7 (workplace) and 8 (residence) by local authority.

Six pinned workbooks, one tidy dataset ``earnings``:

=========================  =========  ==========  ====  =====
catalogue entry            basis      pay period  year  table
=========================  =========  ==========  ====  =====
``ashe-t7-weekly-2024``    workplace  weekly      2024  7.1a
``ashe-t7-hourly-2024``    workplace  hourly      2024  7.5a
``ashe-t7-annual-2024``    workplace  annual      2024  7.7a
``ashe-t8-weekly-2023``    residence  weekly      2023  8.1a
``ashe-t8-hourly-2023``    residence  hourly      2023  8.5a
``ashe-t8-annual-2023``    residence  annual      2023  8.7a
=========================  =========  ==========  ====  =====

All are provisional estimates of gross pay. Each workbook has a ``Notes`` sheet and one sheet per group
of employee jobs (``All``, ``Male``, ``Female``, ``Full-Time``, ``Part-Time``, ``Male Full-Time``, ...). A
sheet's header spans rows 3-5 (``Description, Code, Number of jobs (thousand), Median, Annual percentage
change, Mean, Annual percentage change, Percentiles 10 ... 90``); data rows run from row 6 to the
``Not Classified`` row, and footnotes follow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import SchemaError
from . import _ons_tables as t
from .base import Dataset, load

#: Per catalogue entry: (basis, pay period, year, table number).
_FILES = {
    "ashe-t7-weekly-2024": ("workplace", "weekly", 2024, "7.1a"),
    "ashe-t7-hourly-2024": ("workplace", "hourly", 2024, "7.5a"),
    "ashe-t7-annual-2024": ("workplace", "annual", 2024, "7.7a"),
    "ashe-t8-weekly-2023": ("residence", "weekly", 2023, "8.1a"),
    "ashe-t8-hourly-2023": ("residence", "hourly", 2023, "8.5a"),
    "ashe-t8-annual-2023": ("residence", "annual", 2023, "8.7a"),
}

GROUPS = ("All", "Male", "Female", "Full-Time", "Part-Time", "Male Full-Time", "Male Part-Time",
          "Female Full-Time", "Female Part-Time")

#: The 17 columns of a group sheet, as named in the tidy ``statistic`` column (``jobs`` = number of jobs).
STATISTICS = ("jobs", "median", "median_pct_change", "mean", "mean_pct_change", "p10", "p20", "p25", "p30",
              "p40", "p60", "p70", "p75", "p80", "p90")
_PERCENTILES = ("10", "20", "25", "30", "40", "60", "70", "75", "80", "90")

# What the three header rows (3-5) say in each of the 17 columns, joined top to bottom and lower-cased.
_HEADER = [r"description", r"code", r"number of jobs[a-z]? \(thousand\)", r"median", r"annual percentage change",
           r"mean", r"annual percentage change", r"percentiles 10"] + list(_PERCENTILES[1:])
_HEADER_ROWS = (2, 3, 4)
_FIRST_DATA_ROW = 5
_UNITS = {"weekly": "£ per week", "hourly": "£ per hour", "annual": "£ per year"}
# x = CV > 20% (unreliable, suppressed); .. = disclosive; : = not applicable; - = nil or negligible.
_MARKERS = {"x": "x", "..": "..", ":": ":", "-": "-"}
_COLUMNS = ("area_code", "area_name", "area_type", "year", "basis", "pay_period", "group", "statistic", "measure",
            "value", "unit", "flag", "additive", "table")


def _check_sheet(rows: list[list], *, file: Path, sheet: str, table: str, pay_period: str, year: int,
                 basis: str) -> None:
    if len(rows) <= _FIRST_DATA_ROW:
        raise SchemaError(f"the sheet has only {len(rows)} rows.", file=file.name, sheet=sheet)
    title = " ".join(t.norm(v) for v in rows[0] if t.text(v))
    expect = [f"table {table}", f"{pay_period} pay", f"for {sheet.lower()} employee jobs"]
    if basis == "workplace":  # Table 8's title does not state the year
        expect.append(str(year))
    missing = [e for e in expect if e not in title]
    if missing:
        raise SchemaError(f"the title should mention {expect}, found {title!r}.", file=file.name, sheet=sheet)
    for j, pattern in enumerate(_HEADER):
        got = " ".join(t.norm(t.cell(rows[r], j)) for r in _HEADER_ROWS if t.text(t.cell(rows[r], j)))
        if not re.fullmatch(pattern, got):
            raise SchemaError(f"header column {j + 1} (rows 3-5) should read {pattern!r}, found {got!r}; the header "
                              "may have moved or been renamed.", file=file.name, sheet=sheet)


def _parse_sheet(rows: list[list], *, file: Path, sheet: str, table: str, pay_period: str, year: int,
                 basis: str) -> pd.DataFrame:
    _check_sheet(rows, file=file, sheet=sheet, table=table, pay_period=pay_period, year=year, basis=basis)
    records = []
    for i, row in enumerate(rows[_FIRST_DATA_ROW:], start=_FIRST_DATA_ROW + 1):
        description = t.text(t.cell(row, 0))
        if description.lower() == "not classified":
            break
        code = t.text(t.cell(row, 1))
        if not t.GSS_CODE.match(code) or code[:3] not in t.AREA_TYPES:
            raise SchemaError(f"row {i}: {code!r} ({description!r}) is not a known kind of GSS area code; expected "
                              "data rows down to 'Not Classified'.", file=file.name, sheet=sheet)
        name = re.sub(r"\s+UA$", "", description)
        for j, stat in enumerate(STATISTICS, start=2):
            value, flag = t.value_and_flag(t.cell(row, j), _MARKERS, file=file, sheet=sheet,
                                           where=f"row {i}, column {stat}")
            records.append((code, name, stat, value, flag))
    else:
        raise SchemaError("no 'Not Classified' row was found below the data; the table may be truncated.",
                          file=file.name, sheet=sheet)
    if not records:
        raise SchemaError("no data rows above 'Not Classified'.", file=file.name, sheet=sheet)
    df = pd.DataFrame.from_records(records, columns=["area_code", "area_name", "statistic", "value", "flag"])
    if df.duplicated(["area_code", "statistic"]).any():
        dup = df.loc[df.duplicated(["area_code", "statistic"]), "area_code"].iloc[0]
        raise SchemaError(f"area {dup!r} appears twice.", file=file.name, sheet=sheet)
    return df.assign(group=sheet)


def _parse_file(name: str, path: Path) -> pd.DataFrame:
    basis, pay_period, year, table = _FILES[name]
    book = t.open_workbook(path)
    missing = [g for g in GROUPS if g not in book.sheet_names]
    if missing:
        raise SchemaError(f"expected one sheet per group {list(GROUPS)}; missing {missing}, found "
                          f"{list(book.sheet_names)}.", file=path.name)
    parts = [_parse_sheet(t.sheet_rows(book, g, file=path), file=path, sheet=g, table=table, pay_period=pay_period,
                          year=year, basis=basis) for g in GROUPS]
    df = pd.concat(parts, ignore_index=True)
    is_jobs = df["statistic"].eq("jobs")
    is_change = df["statistic"].str.endswith("_pct_change")
    pay = f"gross_{pay_period}_pay"
    df["measure"] = pay
    df.loc[is_change, "measure"] = f"{pay}_annual_change"
    df.loc[is_jobs, "measure"] = "jobs"
    df["unit"] = _UNITS[pay_period]
    df.loc[is_change, "unit"] = "%"
    df.loc[is_jobs, "unit"] = "thousand jobs"
    df["additive"] = is_jobs
    return df.assign(basis=basis, pay_period=pay_period, year=year, table=f"Table {table}")


def parse_earnings(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse the six ASHE workbooks (Tables 7.1a/7.5a/7.7a and 8.1a/8.5a/8.7a) into one tidy frame."""
    df = pd.concat([_parse_file(name, paths[name]) for name in _FILES], ignore_index=True)
    # A name may be worded differently between sheets or files; the first one seen wins.
    first_name = df.drop_duplicates("area_code").set_index("area_code")["area_name"]
    df["area_name"] = df["area_code"].map(first_name)
    df["area_type"] = df["area_code"].map(t.area_type)
    return t.finish(df, categorical=("area_code", "area_name", "area_type", "basis", "pay_period", "group",
                                     "statistic", "measure", "unit", "table"), order=_COLUMNS)


EARNINGS = Dataset(
    name="earnings",
    title="ONS ASHE Tables 7 (workplace, 2024 provisional) and 8 (residence, 2023 provisional): gross pay by "
          "local authority",
    files=tuple(_FILES),
    parse=parse_earnings,
    version="1",
    dims=("basis", "pay_period", "group", "statistic"),
    period="year",
    description="Gross weekly, hourly and annual pay of employee jobs: median, mean, percentiles, annual % "
                "changes and indicative job counts, for the UK, nations, regions, counties and LADs.",
)

DATASETS = [EARNINGS]


def get_earnings(*, basis: str | list[str] | None = "workplace", pay_period: str | list[str] | None = "weekly",
                 statistic: str | list[str] | None = "median", group: str | list[str] | None = "All",
                 areas: str | list[str] | None = None, area_types: str | list[str] | None = None) -> pd.DataFrame:
    """Gross pay of employee jobs by local authority, from the Annual Survey of Hours and Earnings (ASHE).

    Publisher: Office for National Statistics, *Earnings and hours worked, place of work by local authority:
    ASHE Table 7* (2024 provisional, October 2024) and *place of residence by local authority: ASHE Table 8*
    (2023 provisional, November 2023). Employees on adult rates whose pay for the survey period was not
    affected by absence; annual pay covers those in the same job for more than a year (tax year to 5 April).
    Pay is in current £, not adjusted for inflation. Areas use April 2023 boundaries.

    Parameters
    ----------
    basis : {"workplace", "residence"} or list, optional
        ``"workplace"`` (Table 7, where people work; 2024) or ``"residence"`` (Table 8, where they live; 2023).
        ``None`` for both.
    pay_period : {"weekly", "hourly", "annual"} or list, optional
        Gross weekly pay (£ per week), hourly pay (£ per hour) or annual pay (£ per year).
    statistic : str or list, optional
        ``median``, ``mean``, ``p10``, ``p20``, ``p25``, ``p30``, ``p40``, ``p60``, ``p70``, ``p75``, ``p80``,
        ``p90``; ``median_pct_change`` and ``mean_pct_change`` (% change on the previous year, unit ``"%"``);
        ``jobs`` (indicative number of jobs, thousands; the only additive statistic). ``None`` for all.
    group : str or list, optional
        ``All``, ``Male``, ``Female``, ``Full-Time``, ``Part-Time``, ``Male Full-Time``, ``Male Part-Time``,
        ``Female Full-Time``, ``Female Part-Time``.
    areas : str or list of str, optional
        GSS codes: ``K02000001`` (UK), ``K03000001`` (GB), ``K04000001`` (England and Wales), nations (E92, W92,
        S92, N92), regions (E12), metropolitan counties (E11), Inner/Outer London (E13), counties (E10) and
        LADs (E06-E09, W06, S12; Northern Ireland's districts are not published). Default: all.
    area_types : str or list of str, optional
        Filter on ``area_type``: ``uk``, ``great_britain``, ``england_and_wales``, ``nation``, ``region``,
        ``metropolitan_county``, ``inner_outer_london``, ``county``, ``lad``.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``area_code, area_name, area_type, year, basis, pay_period, group, statistic, measure, value,
        unit, flag, additive, table``. Suppressed estimates are NA with the publisher's flag: ``x`` (CV over
        20%), ``..`` (disclosive), ``:`` (not applicable), ``-`` (nil or negligible); blank cells (e.g. an
        annual change with no estimate the year before) are NA with no flag. The CV colour coding of the
        workbooks is not carried.
    """
    ds = EARNINGS
    df = load(ds)
    for column, wanted in (("basis", basis), ("pay_period", pay_period), ("statistic", statistic),
                           ("group", group), ("area_type", area_types)):
        df = t.select(df, column, wanted, what=column, dataset=ds.name)
    return t.select_areas(df, areas, dataset=ds.name)
