"""ONS Business demography, UK: enterprise births, deaths, active stock, high growth and survival by area.

Two pinned editions of the reference tables (``business-demography-2022``: years 2017-2022, survival
cohorts 2017-2021; ``business-demography-2024``: 2019-2024, cohorts 2019-2023) give two tidy datasets,
each with an ``edition`` column:

- ``business-demography``: counts of enterprises by area and year, from Tables 1.1 (births), 2.1
  (deaths), 3.1 (active), 7.1 (high-growth) and 7.3 (active with 10+ employees), each split over
  sheets ``a``-``d`` that cover different years; plus employer births, deaths and active (Table 6.1,
  latest year only, 2024 edition only: see below);
- ``business-survival``: Tables 5.1a-e, one sheet per birth cohort: births and the number and per cent
  surviving 1 to 5 years later.

Layout: three title rows (title, "This worksheet contains one table", "Units: Counts (control rounded to
base 5)"), then a header row whose first two cells are blank, then ``code, NAME, values...``. Codes
sometimes carry trailing spaces; UK/nation/region names are upper case and are kept as published. A
``*`` after a name marks an area with more than 500 businesses registered at a single postcode (ONS note
13); it is moved into ``flag``. Survival tables print ``:`` where a horizon is not yet reached.

Each year's sheet uses the local authority geography of that year, so the 2019 and 2020 sheets hold
districts abolished in April 2021-2023 (e.g. Allerdale E07000026) and not their successors; the 2021-2023
sheet of the 2024 edition is still on April 2022 boundaries.

The 2022 edition's Table 6.1 is not read: the codes of its first ~90 rows are shifted against the names
(``E92000001`` is printed beside "GREAT BRITAIN"), so its figures cannot be keyed by code.

Otherwise the counts add up exactly (UK = GB + NI, GB = England and Wales + Scotland, each nation = its
districts, England = its regions), except in these published cells, which are kept as published:

- 2022 edition, Table 7.3d, 2022: the GREAT BRITAIN and ENGLAND AND WALES counts are swapped;
- 2022 edition, Table 5.1d (2020 births), 2-year survival: GB and E&W counts (and per cents) are swapped;
- 2024 edition, Table 5.1a (2019 births), 5-year survival: GB is 4,470 below E&W + Scotland;
- 2024 edition, Table 5.1b (2020 births), 2-year per cent for E&W (75.1) divides GB's survivors by E&W's
  births; E&W's count itself is consistent.

Use district, region and nation rows rather than the GB and E&W rows where these matter.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import SchemaError
from . import _ons_tables as t
from .base import Dataset, load

_FILES = {"business-demography-2022": 2022, "business-demography-2024": 2024}

#: Table family -> (measure, a fragment of the lower-cased sheet title).
_COUNT_TABLES = {
    "1.1": ("births", "count of births of new enterprises"),
    "2.1": ("deaths", "count of deaths of"),
    "3.1": ("active", "count of active enterprises for"),
    "7.1": ("high_growth", "count of high growth enterprises"),
    "7.3": ("active_10plus", "count of active enterprises with 10+ employees"),
}
_EMPLOYER_EDITIONS = (2024,)
_EMPLOYER_MEASURES = {"births": "employer_births", "deaths": "employer_deaths", "active": "employer_active"}
_UNITS_ROW = "units: counts (control rounded to base 5)"
_HEADER_ROW = 3
_UNIT = "enterprises"
_SURVIVAL_MARKERS = {":": ":"}
_MULTIPLE_REGISTRATIONS = "*"

_COUNT_COLUMNS = ("area_code", "area_name", "area_type", "edition", "year", "measure", "value", "unit", "flag",
                  "additive", "table")
_SURVIVAL_COLUMNS = ("area_code", "area_name", "area_type", "edition", "year", "horizon", "measure", "value", "unit",
                     "flag", "additive", "table")


def _check_edition(book, path: Path, edition: int) -> None:
    rows = t.sheet_rows(book, "Contents", file=path)
    title = t.norm(t.cell(rows[0], 0)) if rows else ""
    if title != f"business demography {edition}":
        raise SchemaError(f"the Contents sheet should be titled 'Business Demography {edition}', found {title!r}.",
                          file=path.name, sheet="Contents")


def _sheets(book, family: str, path: Path) -> list[str]:
    names = [s for s in book.sheet_names if re.fullmatch(rf"Table {re.escape(family)}[a-z]", s.strip())]
    if not names:
        raise SchemaError(f"expected sheets 'Table {family}a', 'Table {family}b', ...; found {list(book.sheet_names)}.",
                          file=path.name)
    return sorted(names)


def _check_titles(rows: list[list], fragment: str, *, file: Path, sheet: str) -> None:
    title = t.norm(t.cell(rows[0], 0)) if rows else ""
    if fragment not in title:
        raise SchemaError(f"the title should mention {fragment!r}, found {title!r}.", file=file.name, sheet=sheet)
    units = t.norm(t.cell(rows[2], 0)) if len(rows) > 2 else ""
    if units != _UNITS_ROW:
        raise SchemaError(f"row 3 should read 'Units: Counts (control rounded to base 5)', found {units!r}; the "
                          "title rows may have changed.", file=file.name, sheet=sheet)


def _year(value: object) -> int | None:
    m = re.fullmatch(r"(\d{4})", t.text(value))
    return int(m.group(1)) if m else None


def _area_rows(rows: list[list], first: int, *, file: Path, sheet: str):
    """Yield ``(row number, code, name, flag, row)`` for the data rows.

    The data end at the first row without a code, or with a text note and no figures ("Footnotes:");
    stray cells may follow (2024 Table 7.1d has two), but no further area row may.
    """
    for i, row in enumerate(rows[first:], start=first + 1):
        if t.ends_data(rows, i - 1, code_col=0, first_value_col=2, pattern=t.GSS_CODE, file=file, sheet=sheet):
            return
        code = t.text(t.cell(row, 0))
        if not t.GSS_CODE.match(code) or code[:3] not in t.AREA_TYPES:
            raise SchemaError(f"row {i}: {code!r} is not a known kind of GSS area code.", file=file.name, sheet=sheet)
        raw_name = t.text(t.cell(row, 1))
        flag = _MULTIPLE_REGISTRATIONS if raw_name.endswith("*") else None
        yield i, code, raw_name.rstrip("*").strip(), flag, row


def _parse_count_sheet(rows: list[list], measure: str, fragment: str, *, file: Path, sheet: str) -> pd.DataFrame:
    _check_titles(rows, fragment, file=file, sheet=sheet)
    header = rows[_HEADER_ROW] if len(rows) > _HEADER_ROW else []
    if t.text(t.cell(header, 0)) or t.text(t.cell(header, 1)):
        raise SchemaError(f"row {_HEADER_ROW + 1} should be the year header with two blank cells first, found "
                          f"{[t.text(v) for v in header[:4]]}; the header may have moved.", file=file.name, sheet=sheet)
    years = []
    for j in range(2, len(header)):
        if t.text(header[j]) == "":
            break
        year = _year(header[j])
        if year is None:
            raise SchemaError(f"header cell {j + 1} should be a year, found {t.text(header[j])!r}.",
                              file=file.name, sheet=sheet)
        years.append((j, year))
    if not years:
        raise SchemaError(f"no years in the header row {_HEADER_ROW + 1}.", file=file.name, sheet=sheet)
    records = []
    for i, code, name, flag, row in _area_rows(rows, _HEADER_ROW + 1, file=file, sheet=sheet):
        for j, year in years:
            value, _ = t.value_and_flag(t.cell(row, j), {}, file=file, sheet=sheet, where=f"row {i}, {year}")
            records.append((code, name, year, value, flag))
    if not records:
        raise SchemaError("no data rows below the header.", file=file.name, sheet=sheet)
    return pd.DataFrame.from_records(records, columns=["area_code", "area_name", "year", "value", "flag"]).assign(
        measure=measure, table=sheet)


def _parse_employer_sheet(rows: list[list], reference: dict[str, str], *, file: Path) -> pd.DataFrame:
    sheet = "Table 6.1"
    _check_titles(rows, "employer demography: counts of births, deaths and active", file=file, sheet=sheet)
    year = _year(re.sub(r"\s*employer demography$", "", t.norm(t.cell(rows[3], 2)))) if len(rows) > 4 else None
    labels = [t.norm(t.cell(rows[4], j)) for j in (2, 3, 4)] if len(rows) > 4 else []
    if year is None or labels != ["births", "deaths", "active"]:
        raise SchemaError("rows 4-5 should read '<year> Employer Demography' over 'Births, Deaths, Active'.",
                          file=file.name, sheet=sheet)
    records = []
    for i, code, name, flag, row in _area_rows(rows, 5, file=file, sheet=sheet):
        # Guard against the shifted code column seen in the 2022 edition's Table 6.1.
        if code in reference and _alpha(reference[code]) != _alpha(name):
            raise SchemaError(f"row {i}: code {code} is printed beside {name!r}, but Table 3.1 names it "
                              f"{reference[code]!r}; the code column looks misaligned.", file=file.name, sheet=sheet)
        for j, label in zip((2, 3, 4), ("births", "deaths", "active"), strict=True):
            value, _ = t.value_and_flag(t.cell(row, j), {}, file=file, sheet=sheet, where=f"row {i}, {label}")
            records.append((code, name, year, value, flag, _EMPLOYER_MEASURES[label]))
    return pd.DataFrame.from_records(records, columns=["area_code", "area_name", "year", "value", "flag",
                                                       "measure"]).assign(table=sheet)


def _alpha(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


def _parse_survival_sheet(rows: list[list], *, file: Path, sheet: str) -> pd.DataFrame:
    _check_titles(rows, "survival of newly born enterprises", file=file, sheet=sheet)
    m = re.search(r"births of units in (\d{4})", t.norm(t.cell(rows[0], 0)))
    header = rows[_HEADER_ROW] if len(rows) > _HEADER_ROW else []
    cohort = _year(re.sub(r"\s*births$", "", t.norm(t.cell(header, 2))))
    if m is None or cohort is None or int(m.group(1)) != cohort:
        raise SchemaError(f"the title and header should name the birth cohort ('... Births Of Units In <year>', "
                          f"'<year> Births'); found {t.norm(t.cell(header, 2))!r}.", file=file.name, sheet=sheet)
    columns = []  # (column index, horizon, measure)
    for j in range(3, len(header)):
        label = t.norm(header[j])
        if label == "":
            break
        hit = re.fullmatch(r"(\d)-year (survival|per cent)", label)
        if not hit:
            raise SchemaError(f"header cell {j + 1} should read '<n>-year survival' or '<n>-year per cent', found "
                              f"{t.text(header[j])!r}.", file=file.name, sheet=sheet)
        columns.append((j, int(hit.group(1)), "survivors" if hit.group(2) == "survival" else "survival_rate"))
    if not columns:
        raise SchemaError("no survival columns in the header.", file=file.name, sheet=sheet)
    records = []
    for i, code, name, star, row in _area_rows(rows, _HEADER_ROW + 1, file=file, sheet=sheet):
        births, _ = t.value_and_flag(t.cell(row, 2), {}, file=file, sheet=sheet, where=f"row {i}, births")
        records.append((code, name, cohort, 0, "births", births, star))
        for j, horizon, measure in columns:
            value, flag = t.value_and_flag(t.cell(row, j), _SURVIVAL_MARKERS, file=file, sheet=sheet,
                                           where=f"row {i}, {t.text(header[j])}")
            records.append((code, name, cohort, horizon, measure, value, flag or star))
    if not records:
        raise SchemaError("no data rows below the header.", file=file.name, sheet=sheet)
    return pd.DataFrame.from_records(records, columns=["area_code", "area_name", "year", "horizon", "measure",
                                                       "value", "flag"]).assign(table=sheet)


def _latest_names(df: pd.DataFrame) -> pd.Series:
    return df.sort_values("year", ascending=False, kind="stable").drop_duplicates("area_code").set_index(
        "area_code")["area_name"]


def _counts_of_edition(path: Path, edition: int) -> pd.DataFrame:
    book = t.open_workbook(path)
    _check_edition(book, path, edition)
    parts = []
    for family, (measure, fragment) in _COUNT_TABLES.items():
        sheets = _sheets(book, family, path)
        frames = [_parse_count_sheet(t.sheet_rows(book, s, file=path), measure, fragment, file=path, sheet=s)
                  for s in sheets]
        fam = pd.concat(frames, ignore_index=True)
        years = sorted(fam["year"].unique())
        if years != list(range(years[0], years[0] + len(years))) or fam.duplicated(["area_code", "year"]).any():
            raise SchemaError(f"Tables {family}{{a..}} should cover consecutive years once each; found years "
                              f"{[int(y) for y in years]} with {int(fam.duplicated(['area_code', 'year']).sum())} "
                              "repeated area-years.", file=path.name)
        parts.append(fam)
    df = pd.concat(parts, ignore_index=True)
    if edition in _EMPLOYER_EDITIONS:
        reference = _latest_names(df[df["measure"] == "active"]).to_dict()
        parts.append(_parse_employer_sheet(t.sheet_rows(book, "Table 6.1", file=path), reference, file=path))
        df = pd.concat(parts, ignore_index=True)
    df["area_name"] = df["area_code"].map(_latest_names(df))
    return df.assign(edition=edition)


def _survival_of_edition(path: Path, edition: int) -> pd.DataFrame:
    book = t.open_workbook(path)
    _check_edition(book, path, edition)
    frames = [_parse_survival_sheet(t.sheet_rows(book, s, file=path), file=path, sheet=s)
              for s in _sheets(book, "5.1", path)]
    df = pd.concat(frames, ignore_index=True)
    if df.duplicated(["area_code", "year", "horizon", "measure"]).any():
        raise SchemaError("a birth cohort appears in more than one of Tables 5.1a-e.", file=path.name)
    df["area_name"] = df["area_code"].map(_latest_names(df))
    return df.assign(edition=edition)


def parse_business_demography(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse births, deaths, active, high-growth and 10+-employee counts of both editions into one tidy frame."""
    df = pd.concat([_counts_of_edition(paths[name], edition) for name, edition in _FILES.items()],
                   ignore_index=True)
    df["area_type"] = df["area_code"].map(t.area_type)
    df = df.assign(unit=_UNIT, additive=True)
    return t.finish(df, categorical=("area_code", "area_name", "area_type", "measure", "unit", "table"),
                    order=_COUNT_COLUMNS)


def parse_business_survival(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse the survival tables (5.1a-e) of both editions into one tidy frame (cohort x horizon)."""
    df = pd.concat([_survival_of_edition(paths[name], edition) for name, edition in _FILES.items()],
                   ignore_index=True)
    df["area_type"] = df["area_code"].map(t.area_type)
    is_rate = df["measure"].eq("survival_rate")
    df["unit"] = _UNIT
    df.loc[is_rate, "unit"] = "%"
    df["additive"] = ~is_rate
    return t.finish(df, categorical=("area_code", "area_name", "area_type", "measure", "unit", "table"),
                    order=_SURVIVAL_COLUMNS)


BUSINESS_DEMOGRAPHY = Dataset(
    name="business-demography",
    title="ONS Business demography, UK: enterprise births, deaths, active, high-growth (2022 and 2024 editions)",
    files=tuple(_FILES),
    parse=parse_business_demography,
    version="1",
    dims=("edition", "measure"),
    period="year",
    description="Counts of enterprises (control rounded to 5) by UK, nation, region, county and local authority: "
                "births, deaths, active, high_growth, active_10plus; employer_births/deaths/active (2024 edition, "
                "2024 only).",
)

BUSINESS_SURVIVAL = Dataset(
    name="business-survival",
    title="ONS Business demography, UK: survival of newly born enterprises (2022 and 2024 editions)",
    files=tuple(_FILES),
    parse=parse_business_survival,
    version="1",
    dims=("edition", "horizon", "measure"),
    period="year",
    description="For each birth cohort (year): births (horizon 0), and survivors and survival_rate (%) 1-5 years on.",
)

DATASETS = [BUSINESS_DEMOGRAPHY, BUSINESS_SURVIVAL]


def get_business_demography(*, edition: int = 2024, measure: str | list[str] | None = None,
                            areas: str | list[str] | None = None, years: int | list[int] | None = None
                            ) -> pd.DataFrame:
    """Enterprise births, deaths and active stock by area and year, from ONS Business demography, UK.

    Publisher: Office for National Statistics, *Business demography, UK* reference tables, 2024 edition
    (published 20 November 2025; years 2019-2024) and 2022 edition (22 November 2023; 2017-2022). Source:
    the Inter-Departmental Business Register (VAT and/or PAYE-registered enterprises).

    Parameters
    ----------
    edition : {2024, 2022}
        Which edition. The latest two years of deaths in each edition are provisional.
    measure : str or list of str, optional
        ``births`` (Table 1.1), ``deaths`` (2.1), ``active`` (3.1), ``high_growth`` (7.1: enterprises with
        average annualised employment growth over 20% over three years and 10+ employees at the start),
        ``active_10plus`` (7.3: active enterprises with 10+ employees, the high-growth denominator), and for
        the 2024 edition ``employer_births``, ``employer_deaths``, ``employer_active`` (6.1, 2024 only).
        Birth and death rates are not published in these tables: divide by ``active``. Default: all.
    areas : str or list of str, optional
        GSS codes: UK (K02000001), GB, England and Wales, nations, regions, metropolitan counties, Inner/Outer
        London, counties and local authority districts as they were in each year (see the module notes on
        boundaries). Default: all.
    years : int or list of int, optional
        Reference years. Default: all.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``area_code, area_name, area_type, edition, year, measure, value, unit, flag, additive, table``.
        ``unit`` is ``"enterprises"`` (counts rounded to the nearest 5; additive). ``flag`` is ``"*"`` where
        ONS marks an area with over 500 businesses registered at a single postcode.
    """
    ds = BUSINESS_DEMOGRAPHY
    df = t.select(load(ds), "edition", edition, what="edition", dataset=ds.name)
    df = t.select(df, "measure", measure, what="measure", dataset=ds.name)
    df = t.select_areas(df, areas, dataset=ds.name)
    return t.select(df, "year", years, what="year", dataset=ds.name)


def get_business_survival(*, edition: int = 2024, measure: str | list[str] | None = None,
                          cohorts: int | list[int] | None = None, horizons: int | list[int] | None = None,
                          areas: str | list[str] | None = None) -> pd.DataFrame:
    """Survival of newly born enterprises by area and birth cohort, from ONS Business demography, UK (Table 5.1).

    An enterprise born in year t survives to t+n if it is active (turnover or employment) in any part of
    t+n. Counts are control rounded to 5 independently for each horizon, so they can rise from one horizon
    to the next; ``survival_rate`` = survivors / births x 100 as published (from the rounded counts).

    Parameters
    ----------
    edition : {2024, 2022}
        2024 edition: cohorts 2019-2023; 2022 edition: cohorts 2017-2021.
    measure : str or list of str, optional
        ``births`` (the cohort, at horizon 0), ``survivors`` (enterprises), ``survival_rate`` (%).
    cohorts : int or list of int, optional
        Birth years (the ``year`` column).
    horizons : int or list of int, optional
        Years after birth, 1 to 5 (0 for the cohort's births).
    areas : str or list of str, optional
        GSS codes, as in :func:`get_business_demography`.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``area_code, area_name, area_type, edition, year, horizon, measure, value, unit, flag, additive,
        table``. Horizons not yet reached are NA with flag ``":"``; ``*`` flags as in
        :func:`get_business_demography`.
    """
    ds = BUSINESS_SURVIVAL
    df = t.select(load(ds), "edition", edition, what="edition", dataset=ds.name)
    df = t.select(df, "measure", measure, what="measure", dataset=ds.name)
    df = t.select(df, "year", cohorts, what="cohort", dataset=ds.name)
    df = t.select(df, "horizon", horizons, what="horizon", dataset=ds.name)
    return t.select_areas(df, areas, dataset=ds.name)
