"""ONS population estimates by local authority, 1998-2023, as published with Regional GVA by local authority.

Catalogue entry ``population-la-1998-2023``: sheet ``Population data`` has one header row
``ITL1 Region, LA code, LA name, 1998 ... 2023`` (the year headers are text), one row per local authority
on April 2023 boundaries (361 rows), then a blank row and a source footnote. ``[u]`` marks Northern
Ireland's 2023 estimates, which were not yet available.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import SchemaError
from . import _ons_tables as t
from .base import Dataset, load

_SHEET = "Population data"
_ID_COLUMNS = ["ITL1 Region", "LA code", "LA name"]
_LA_CODE = re.compile(r"^[EWSN]\d{8}$")
_MARKERS = {"[u]": "[u]", "[x]": "[x]", "[c]": "[c]"}
_COLUMNS = ("area_code", "area_name", "year", "value", "unit", "flag", "additive", "itl1_region")


def parse_population(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse the population workbook into a tidy frame (one row per local authority and year)."""
    path = paths["population-la-1998-2023"]
    rows = t.sheet_rows(t.open_workbook(path), _SHEET, file=path)
    if not rows:
        raise SchemaError("the sheet is empty.", file=path.name, sheet=_SHEET)
    header = [t.text(v) for v in rows[0]]
    if header[:3] != _ID_COLUMNS:
        raise SchemaError(f"expected the first row to be the header starting {_ID_COLUMNS}, found {header[:3]}; "
                          "the header may have moved.", file=path.name, sheet=_SHEET)
    years = [(j, h) for j, h in enumerate(header[3:], start=3) if h != ""]
    if not years or not all(re.fullmatch(r"\d{4}", h) for _, h in years):
        raise SchemaError(f"expected year columns after {_ID_COLUMNS}, found {[h for _, h in years][:8]}.",
                          file=path.name, sheet=_SHEET)
    year_values = [int(h) for _, h in years]
    if year_values != list(range(year_values[0], year_values[0] + len(year_values))):
        raise SchemaError(f"the year columns are not consecutive: {year_values}.", file=path.name, sheet=_SHEET)

    records = []
    for i, row in enumerate(rows[1:], start=2):
        if t.ends_data(rows, i - 1, code_col=1, first_value_col=3, pattern=_LA_CODE, file=path, sheet=_SHEET):
            break  # the source footnote follows
        code = t.text(t.cell(row, 1))
        if not _LA_CODE.match(code):
            raise SchemaError(f"row {i}: {code!r} is not a local authority code; expected the data to run to the "
                              "first blank row.", file=path.name, sheet=_SHEET)
        region, name = t.text(t.cell(row, 0)), t.text(t.cell(row, 2))
        for j, year in years:
            value, flag = t.value_and_flag(t.cell(row, j), _MARKERS, file=path, sheet=_SHEET, where=f"row {i}, {year}")
            records.append((code, name, int(year), value, flag, region))
    if not records:
        raise SchemaError("no data rows below the header.", file=path.name, sheet=_SHEET)
    df = pd.DataFrame.from_records(records, columns=["area_code", "area_name", "year", "value", "flag", "itl1_region"])
    if df.duplicated(["area_code", "year"]).any():
        raise SchemaError(f"local authority {df.loc[df.duplicated(['area_code', 'year']), 'area_code'].iloc[0]!r} "
                          "appears twice.", file=path.name, sheet=_SHEET)
    df = df.assign(unit="persons", additive=True)
    return t.finish(df, categorical=("area_code", "area_name", "unit", "itl1_region"), order=_COLUMNS)


POPULATION = Dataset(
    name="population",
    title="ONS population estimates by local authority, 1998-2023 (total resident population)",
    files=("population-la-1998-2023",),
    parse=parse_population,
    version="1",
    dims=(),
    period="year",
    description="Mid-year total resident population, all ages, by local authority (April 2023 boundaries); "
                "the denominator ONS uses for regional GVA per head.",
)

DATASETS = [POPULATION]


def get_population(*, areas: str | list[str] | None = None, years: int | list[int] | None = None) -> pd.DataFrame:
    """Total resident population (mid-year estimates, all ages) by local authority, 1998-2023.

    Publisher: Office for National Statistics, *Population estimates by local authority*, published with
    *Regional gross value added (balanced) by industry: local authorities by ITL1 region* (April 2025); the
    estimates are the ONS, NRS and NISRA mid-year estimates used as the denominator of GVA per head.

    Parameters
    ----------
    areas : str or list of str, optional
        GSS codes of local authorities on April 2023 boundaries (E06/E07/E08/E09, W06, S12, N09; 361 in all).
        There are no region or national totals in this table. Default: all.
    years : int or list of int, optional
        1998 to 2023. Default: all.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``area_code, area_name, year, value, unit, flag, additive, itl1_region``; ``unit`` is
        ``"persons"`` and ``additive`` is True. Northern Ireland's 2023 values are NA with flag ``"[u]"``.
    """
    df = load(POPULATION)
    df = t.select_areas(df, areas, dataset=POPULATION.name)
    return t.select(df, "year", years, what="year", dataset=POPULATION.name)
