"""ONS Subnational indicators explorer: the underlying data workbook (ninth release, 21 March 2024).

The workbook has 54 sheets: ``Notes``, ``Voluntary TQV``, ``Data dictionary`` (one row per metric:
name, description, Levelling Up category, measure, polarity, nations covered, sources, caveats, subject
matter date, geography and boundary year), ``Data inclusivity``, then one sheet per metric (50). A metric
sheet has a few metadata rows (``Metric:``, ``Date:``, ``Coverage:``, ``Geography:``), then a header row
starting ``Area Code``, followed by one column per geography level holding the area's name (``Country``,
``Nation``, ``Region``, ``County or Unitary Authority``, ``Local Authority District``, ``Combined
Authority or City Region``, ``ITL Level 1/2/3``, ``Welsh Health Board``, ``Police Force Area``), the
value column, and optionally 95% confidence limits, ``Observation Status``, ``Data accuracy`` and
``Notes``.

Every metric is a single period (mostly 2021-2023). Geographies and boundary years differ by metric
(``boundary_vintage``: e.g. the DfT travel times use 2011 districts, with notes such as "Obsolete code since
2023 (replaced by E06000066 Somerset)"), so check the vintage before joining on codes.

Conventions:

* ``metric`` is a stable snake_case id defined here (see :data:`METRICS`); ``metric_name`` is the
  dictionary's name.
* ``period`` is the sheet's ``Date:`` as published (``2021``, ``2022/23``, ``10/2022 - 09/2023``,
  ``Financial year ending 2021``, ``As at 31 January 2024``...). ``year`` is the year in which the period
  starts: the first four-digit year in ``period``, except ``Financial year ending YYYY``, which is YYYY-1
  (so financial and academic year 2022-23 are both 2022, as in :mod:`evidence.sources.els`).
* ``na`` in a value cell becomes ``value`` NA with ``flag`` ``"na"``; the publisher's explanation, where
  given, is in ``observation_status`` (e.g. "Value suppressed with due to low reliability of estimate").
* Rows whose ``Area Code`` is the literal ``na`` (the three Scottish city regions in the exports and FDI
  sheets) are dropped: they have no code to join on, and the toolkit's focus is England.
* ``additive`` is True only for counts and £ million totals (enterprise births, deaths, active and
  high-growth enterprises, FE achievements, exports, FDI positions, public R&D); rates, shares, means,
  medians, per-head and per-population values are False.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import SchemaError, SourceUnavailableError, UnknownAreaError, UnknownDatasetError
from . import catalogue
from .base import Dataset, load, read_excel, read_parquet, require_sheets, sheet_names, write_parquet

ENTRY = "subnational-indicators"
DICTIONARY_SHEET = "Data dictionary"
GEOGRAPHY_LEVELS = ("Country", "Nation", "Region", "County or Unitary Authority", "Local Authority District",
                    "Combined Authority or City Region", "ITL Level 1", "ITL Level 2", "ITL Level 3",
                    "Welsh Health Board", "Police Force Area")
_LCI, _UCI = "Lower 95% Confidence Interval", "Upper 95% Confidence Interval"
_STATUS, _ACCURACY, _NOTES = "Observation Status", "Data accuracy", "Notes"
_OPTIONAL = (_LCI, _UCI, _STATUS, _ACCURACY, _NOTES)
_CODE = re.compile(r"^(?:[EWSNK]\d{8}|TL[A-Z0-9]{1,3})$")
_MISSING = "na"


@dataclass(frozen=True)
class Metric:
    """One metric sheet: its id, the data dictionary's name for it, unit and additivity."""

    sheet: str
    id: str
    name: str
    unit: str
    additive: bool = False


_PCT, _RATE100K, _WELL = "%", "per 100,000 population", "mean score (0-10)"
_TRAVEL = "Average travel time to nearest employment centre with 500 to 4999 jobs available by "
_PA = "Persistent absences for "
_EY = "5 year olds at 'expected level' for "
_NVQ3 = ("Proportion of the population aged 16 to 64 with National Vocational Qualification (NVQ) level 3+ "
         "qualifications ")
_U75 = "Under 75 mortality rate from circulatory diseases considered preventable (per 100,000 population) "

#: The 50 metric sheets in workbook order.
METRICS: tuple[Metric, ...] = (
    Metric("GVA per hour", "gva_per_hour_worked", "Gross value added per hour worked", "£ per hour"),
    Metric("Weekly pay", "median_weekly_pay", "Gross median weekly pay", "£ per week"),
    Metric("Employment rate", "employment_rate_16_64",
           "Employment rate aged 16 to 64 years (Great Britain)", _PCT),
    Metric("Employment rate (NI)", "employment_rate_16_64_ni",
           "Employment rate aged 16 to 64 years (Northern Ireland)", _PCT),
    Metric("Unemployment rate", "modelled_unemployment_rate", "Modelled unemployment rate aged 16 years and over",
           _PCT),
    Metric("GDHI per head", "gdhi_per_head", "Gross disposable household income, per head", "£ per head"),
    Metric("New enterprises", "enterprise_births", "Births of new enterprises", "enterprises", True),
    Metric("Deaths of enterprises", "enterprise_deaths", "Deaths of enterprises", "enterprises", True),
    Metric("Active enterprises", "active_enterprises", "Active enterprises", "enterprises", True),
    Metric("High growth enterprises", "high_growth_enterprises", "High growth enterprises", "enterprises", True),
    Metric("UK exports", "exports", "Total value of UK exports", "£ million", True),
    Metric("Inward FDI", "fdi_inward", "Inward foreign direct investment (FDI)", "£ million", True),
    Metric("Outward FDI", "fdi_outward", "Outward foreign direct investment (FDI)", "£ million", True),
    Metric("Goverment R&D", "public_rd", "Public-funded gross regional capital and non-capital expenditure on "
           "research and development", "£ million", True),
    Metric("Public transport to employer", "travel_time_public_transport", _TRAVEL + "public transport or walking",
           "minutes"),
    Metric("Drive to employer", "travel_time_car", _TRAVEL + "car", "minutes"),
    Metric("Cycle to employer", "travel_time_cycle", _TRAVEL + "cycle", "minutes"),
    Metric("Broadband availability", "gigabit_broadband", "Premises with gigabit capable broadband", _PCT),
    Metric("4G area coverage", "coverage_4g", "4G coverage provided by at least one mobile network provider", _PCT),
    Metric("KS2 attainment", "ks2_expected_standard", "Percentage of pupils at the end of key stage 2 meeting the "
           "expected standard in reading, writing and maths", _PCT),
    Metric("GCSE by age 19", "gcse_english_maths_by_19", "Young people achieving GCSEs (and equivalent "
           "qualifications) in English and maths by age 19", _PCT),
    Metric("Ofsted", "schools_good_or_outstanding", "State-funded schools rated good or outstanding", _PCT),
    Metric("Persistent absences", "persistent_absence_all", _PA + "all pupils", _PCT),
    Metric("Persistent absences FSM", "persistent_absence_fsm",
           _PA + "pupils eligible for free school meals in the past 6 years", _PCT),
    Metric("Persistent absences CLA", "persistent_absence_cla", _PA + "pupils who are looked after continuously "
           "for at least 12 months by local authorities", _PCT),
    Metric("Early years comms", "early_years_communication", _EY + "communication and language early learning goals",
           _PCT),
    Metric("Early years literacy", "early_years_literacy", _EY + "literacy early learning goals", _PCT),
    Metric("Early years maths", "early_years_maths", _EY + "maths early learning goals", _PCT),
    Metric("FE and skills achievements", "fe_skills_achievements", "19+ further education and skills learner "
           "achievements (qualifications) excluding community learning and non-regulated Multiply aims",
           "achievements", True),
    Metric("Apprenticeship starts", "apprenticeship_starts", "Number of starts on apprenticeships", _RATE100K),
    Metric("Apprenticeship achievements", "apprenticeship_achievements", "Number of achievements on apprenticeships",
           _RATE100K),
    Metric("Level 3+ qualifications", "nvq3_plus", _NVQ3 + "(Great Britain)", _PCT),
    Metric("Level 3+ qualifications (NI)", "nvq3_plus_ni", _NVQ3 + "(Northern Ireland)", _PCT),
    Metric("FE and skills participation", "fe_skills_participation",
           "19+ further education and skills participation (per 100,000 population)", _RATE100K),
    Metric("Female HLE", "healthy_life_expectancy_female", "Female healthy life expectancy", "years"),
    Metric("Male HLE", "healthy_life_expectancy_male", "Male healthy life expectancy", "years"),
    Metric("Smokers", "adult_smokers", "Adults that currently smoke cigarettes", _PCT),
    Metric("Reception obesity", "obesity_reception", "Children (four to five years old) obesity prevalence", _PCT),
    Metric("Year 6 obesity", "obesity_year6", "Children (10 to 11 years old) obesity prevalence", _PCT),
    Metric("Adult obesity", "obesity_adult", "Adult (18+) obesity prevalence", _PCT),
    Metric("Cancer diagnosis", "cancer_early_diagnosis", "Proportion of cancers diagnosed at stages 1 and 2", _PCT),
    Metric("Under 75 mortality rate", "u75_circulatory_mortality", _U75 + "(England)",
           "per 100,000 population (age-standardised)"),
    Metric("Under 75 mortality rate (NI)", "u75_circulatory_mortality_ni", _U75 + "(Northern Ireland)",
           "per 100,000 population (age-standardised)"),
    Metric("Life satisfaction", "life_satisfaction", "Average life satisfaction rating", _WELL),
    Metric("Worthwhile", "worthwhile", "Average feeling that things done in life are worthwhile rating", _WELL),
    Metric("Happiness", "happiness", "Average happiness rating", _WELL),
    Metric("Anxiety", "anxiety", "Average anxiety rating", _WELL),
    Metric("Net additions", "net_housing_additions", "Net additions to the housing stock (per 1,000 stock)",
           "per 1,000 dwellings"),
    Metric("Homicide", "homicide_rate", "Homicide Offences (rate per million population)", "per 1,000,000 population"),
    Metric("Devolution", "population_under_mayoral_devolution", "Percentage of the population living in an area "
           "covered by the highest level of devolution", _PCT),
)
_BY_ID = {m.id: m for m in METRICS}

#: Data dictionary header (as published) -> column of :func:`subnational_metadata`.
DICTIONARY_COLUMNS = {
    "Metric": "metric_name",
    "Indicator (name in jitter plot visualisation)": "indicator_name",
    "Description": "description",
    "Levelling Up category": "category",
    "Measure": "measure",
    "Feature in jitter plots?": "in_explorer_plots",
    "Are higher values better than or worse than the median?": "polarity",
    "Updated since previous publication?": "updated",
    "Nations covered": "nations_covered",
    "Source UK": "source_uk",
    "Source GB": "source_gb",
    "Source England": "source_england",
    "Source Wales": "source_wales",
    "Source Scotland": "source_scotland",
    "Source NI": "source_ni",
    "Source further details": "source_details",
    "Source notes and caveats": "source_notes",
    "Subject matter date": "subject_matter_date",
    "Geography definition": "geography_definition",
    "District boundary date": "district_boundary_date",
}


# --------------------------------------------------------------------------------------------- helpers


def _text(x) -> str:
    """A cell as stripped text; whole floats lose their ``.0`` (2021.0 -> "2021")."""
    if x is None or (isinstance(x, float) and pd.isna(x)):
        return ""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x).strip()


def _year(period: str) -> int | None:
    m = re.fullmatch(r"Financial year ending (\d{4})", period)
    if m:
        return int(m.group(1)) - 1
    m = re.search(r"(?<!\d)(\d{4})(?!\d)", period)
    return int(m.group(1)) if m else None


def _header_row(raw: pd.DataFrame, *, file: str, sheet: str) -> int:
    first = raw.iloc[:30, 0].map(_text) if raw.shape[1] else pd.Series(dtype="str")
    hits = first.index[first.eq("Area Code")]
    if not len(hits):
        raise SchemaError("no header row starting 'Area Code' in the first 30 rows.", file=file, sheet=sheet)
    return int(hits[0])


def _meta_value(raw: pd.DataFrame, header: int, label: str, *, file: str, sheet: str) -> str:
    for i in range(header):
        if _text(raw.iat[i, 0]) == label and raw.shape[1] > 1:
            return _text(raw.iat[i, 1])
    raise SchemaError(f"no {label!r} row above the header.", file=file, sheet=sheet)


def _number(cell) -> tuple[float, str | None] | None:
    """(value, flag) of a value cell; None if it is neither a number nor the ``na`` marker."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float) and not pd.isna(cell):
        return float(cell), None
    if _text(cell).lower() == _MISSING:
        return float("nan"), _MISSING
    return None


# --------------------------------------------------------------------------------------------- parse


def parse_dictionary(path: Path, raw: pd.DataFrame | None = None) -> pd.DataFrame:
    """Parse the ``Data dictionary`` sheet into one row per metric (pure).

    Returns the columns of :data:`DICTIONARY_COLUMNS` plus ``metric`` (id), ``sheet``, ``unit`` and
    ``additive`` from :data:`METRICS`, in workbook order.

    Raises
    ------
    SchemaError
        If the sheet or a column is missing, or the metrics differ from :data:`METRICS`.
    """
    path = Path(path)
    if raw is None:
        require_sheets(sheet_names(path), [DICTIONARY_SHEET], file=path)
        raw = read_excel(path, sheet_name=DICTIONARY_SHEET, header=None)
    header = None
    for i in range(min(10, len(raw))):
        if _text(raw.iat[i, 0]) == "Metric":
            header = i
            break
    if header is None:
        raise SchemaError("no header row starting 'Metric' in the first 10 rows.", file=path.name,
                          sheet=DICTIONARY_SHEET)
    names = [_text(c) for c in raw.iloc[header]]
    missing = [c for c in DICTIONARY_COLUMNS if c not in names]
    if missing:
        raise SchemaError(f"expected column(s) {missing} in the header row, found {names}.", file=path.name,
                          sheet=DICTIONARY_SHEET)
    body = raw.iloc[header + 1:].copy()
    body.columns = names
    body = body[list(DICTIONARY_COLUMNS)]
    body = body[body["Metric"].map(_text).ne("")]
    out = pd.DataFrame({new: body[old].map(_text) for old, new in DICTIONARY_COLUMNS.items()})
    out = out.replace("", pd.NA).reset_index(drop=True)
    by_name = {m.name: m for m in METRICS}
    unknown = sorted(set(out["metric_name"]) - set(by_name))
    absent = [m.name for m in METRICS if m.name not in set(out["metric_name"])]
    if unknown or absent:
        raise SchemaError(f"the metrics differ from the 50 expected: unknown {unknown}, missing {absent}.",
                          file=path.name, sheet=DICTIONARY_SHEET)
    info = [by_name[n] for n in out["metric_name"]]
    out.insert(0, "metric", [m.id for m in info])
    out.insert(1, "sheet", [m.sheet for m in info])
    out["unit"] = [m.unit for m in info]
    out["additive"] = [m.additive for m in info]
    return out.astype({c: "str" for c in out.columns if c != "additive"})


def _parse_sheet(raw: pd.DataFrame, m: Metric, *, file: str) -> pd.DataFrame:
    sheet = m.sheet
    header = _header_row(raw, file=file, sheet=sheet)
    period = _meta_value(raw, header, "Date:", file=file, sheet=sheet)
    year = _year(period)
    if year is None:
        raise SchemaError(f"cannot read a year from the 'Date:' cell {period!r}.", file=file, sheet=sheet)
    names = [_text(c) for c in raw.iloc[header]]
    levels = [c for c in names if c in GEOGRAPHY_LEVELS]
    others = [c for c in names[1:] if c and c not in GEOGRAPHY_LEVELS and c not in _OPTIONAL]
    if not levels or len(others) != 1:
        raise SchemaError(f"expected 'Area Code', geography level columns (any of {GEOGRAPHY_LEVELS}), ONE value "
                          f"column and optional {_OPTIONAL}; found {names}.", file=file, sheet=sheet)
    col = {c: j for j, c in enumerate(names) if c}
    vcol = col[others[0]]
    rows = []
    for i in range(header + 1, len(raw)):
        r = raw.iloc[i]
        code = _text(r.iat[0])
        if not code and all(_text(x) == "" for x in r):
            continue
        where = f"row {i + 1} (Area Code {code!r})"
        if code.lower() == _MISSING:
            continue  # Scottish city regions without a code (see the module docstring)
        if not _CODE.match(code):
            raise SchemaError(f"{where}: not a GSS or ITL code.", file=file, sheet=sheet)
        named = [(lv, _text(r.iat[col[lv]])) for lv in levels if _text(r.iat[col[lv]])]
        if len(named) != 1:
            raise SchemaError(f"{where}: expected the area's name in exactly one geography column, found {named}.",
                              file=file, sheet=sheet)
        parsed = _number(r.iat[vcol])
        if parsed is None:
            raise SchemaError(f"{where}: value {r.iat[vcol]!r} is neither a number nor {_MISSING!r}.",
                              file=file, sheet=sheet)
        ci = []
        for c in (_LCI, _UCI):
            cell = r.iat[col[c]] if c in col else None
            num = _number(cell) if _text(cell) else (float("nan"), None)
            if num is None:
                raise SchemaError(f"{where}: {c} {cell!r} is not a number.", file=file, sheet=sheet)
            ci.append(num[0])
        rows.append({
            "area_code": code,
            "area_name": named[0][1],
            "geography_level": named[0][0],
            "value": parsed[0],
            "flag": parsed[1],
            "lci_95": ci[0],
            "uci_95": ci[1],
            "observation_status": _text(r.iat[col[_STATUS]]) if _STATUS in col else "",
            "data_accuracy": _text(r.iat[col[_ACCURACY]]) if _ACCURACY in col else "",
            "notes": _text(r.iat[col[_NOTES]]) if _NOTES in col else "",
        })
    if not rows:
        raise SchemaError("has no data rows below the header.", file=file, sheet=sheet)
    out = pd.DataFrame(rows)
    dup = out["area_code"][out["area_code"].duplicated()]
    if len(dup):
        raise SchemaError(f"duplicate area codes {dup.head(5).tolist()}.", file=file, sheet=sheet)
    out["metric"] = m.id
    out["period"] = period
    out["year"] = year
    out["unit"] = m.unit
    out["additive"] = m.additive
    return out


def parse_subnational_indicators(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse the Subnational indicators explorer workbook into one tidy frame (pure).

    Raises
    ------
    SchemaError
        If a sheet is missing or renamed, a header row or column is missing or unexpected, a code, name,
        value or period cannot be read, or the dictionary's metrics differ from :data:`METRICS`.
    """
    path = paths[ENTRY]
    sheet_names(path)  # a truncated or corrupt workbook fails here with a SchemaError
    book = read_excel(path, sheet_name=None, header=None)
    require_sheets(book, [DICTIONARY_SHEET] + [m.sheet for m in METRICS], file=path)
    meta = parse_dictionary(path, book[DICTIONARY_SHEET]).set_index("metric")
    frames = [_parse_sheet(book[m.sheet], m, file=path.name) for m in METRICS]
    out = pd.concat(frames, ignore_index=True)
    out["metric_name"] = out["metric"].map(meta["metric_name"])
    out["polarity"] = out["metric"].map(meta["polarity"].str.lower().radd("higher is "))
    out["boundary_vintage"] = out["metric"].map(meta["district_boundary_date"])
    out = out[["area_code", "area_name", "geography_level", "metric", "metric_name", "period", "year", "value",
               "unit", "flag", "additive", "lci_95", "uci_95", "observation_status", "data_accuracy", "notes",
               "polarity", "boundary_vintage"]]
    for c in ("observation_status", "data_accuracy", "notes"):
        out[c] = out[c].replace("", None)
    out["boundary_vintage"] = out["boundary_vintage"].replace("N/A", None)  # homicide: police force areas
    out["area_code"] = out["area_code"].astype("str")
    out["flag"] = out["flag"].astype("str").where(out["flag"].notna())
    for c in ("area_name", "geography_level", "metric", "metric_name", "period", "unit", "flag",
              "observation_status", "data_accuracy", "notes", "polarity", "boundary_vintage"):
        out[c] = out[c].astype("category")
    out["year"] = out["year"].astype("int64")
    out["value"] = out["value"].astype("float64")
    out["additive"] = out["additive"].astype(bool)
    return out


SUBNATIONAL = Dataset(
    name="subnational-indicators",
    title="Subnational indicators explorer: underlying data (ninth release)",
    files=(ENTRY,),
    parse=parse_subnational_indicators,
    version="1",
    dims=("metric", "geography_level"),
    period="year",
    description="50 metrics, one period each (mostly 2021-2023), for UK LADs/UAs, counties, CAs, regions, nations "
                "and ITL areas as each metric's source allows.",
)
DATASETS = [SUBNATIONAL]


# --------------------------------------------------------------------------------------------- getters


def _as_list(x) -> list | None:
    if x is None:
        return None
    return [x] if isinstance(x, str) else list(x)


def get_subnational_indicators(*, metrics: str | Iterable[str] | None = None,
                               areas: str | Iterable[str] | None = None) -> pd.DataFrame:
    """The ONS Subnational indicators explorer data, tidy: one row per area x metric.

    Publisher: Office for National Statistics, *Subnational indicators explorer: underlying publicly
    available datasets and metadata*, ninth release, 21 March 2024 (data correct as of 16 February 2024).
    50 metrics from ONS, DfE, DfT, OHID, Ofcom, Ofsted, DLUHC and NISRA sources, each for a single
    period (``period`` as published; ``year`` = the year the period starts). Units vary by metric
    (``unit``; money in current prices). Geography: UK LADs and UAs on 2022 or 2023 boundaries (2011 for
    the DfT travel times: see ``boundary_vintage``), counties, combined authorities, regions, nations,
    ITL areas, Welsh health boards or police force areas, as each source allows (``geography_level``).
    See :func:`subnational_metadata` for the data dictionary (descriptions, sources, caveats).

    Parameters
    ----------
    metrics : str or iterable, optional
        Metric ids from :data:`METRICS` (e.g. ``"gva_per_hour_worked"``, ``"median_weekly_pay"``).
    areas : str or iterable, optional
        GSS/ITL codes to keep.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_code, area_name, geography_level, metric, metric_name, period, year, value, unit,
        flag, additive, lci_95, uci_95, observation_status, data_accuracy, notes, polarity,
        boundary_vintage``; provenance in ``attrs``.

    Raises
    ------
    UnknownDatasetError
        If a metric id is not known.
    UnknownAreaError
        If an area code is in none of the metrics.
    """
    wanted = _as_list(metrics)
    if wanted is not None:
        for mid in wanted:
            if mid not in _BY_ID:
                import difflib

                close = difflib.get_close_matches(mid, list(_BY_ID), n=5, cutoff=0.4)
                hint = f" Closest: {', '.join(close)}." if close else ""
                raise UnknownDatasetError(f"No subnational indicator metric {mid!r}.{hint}")
    df = load(SUBNATIONAL)
    keep = pd.Series(True, index=df.index)
    if wanted is not None:
        keep &= df["metric"].isin(wanted)
    codes = _as_list(areas)
    if codes is not None:
        have = set(df["area_code"])
        for code in codes:
            if code not in have:
                raise UnknownAreaError(code, kind="area code in the subnational indicators")
        keep &= df["area_code"].isin(codes)
    out = df[keep].reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return out


def _dictionary_snapshot_path() -> Path:
    return config.snapshot_dir() / "subnational-indicators-dictionary.parquet"


def subnational_metadata() -> pd.DataFrame:
    """The workbook's data dictionary: one row per metric (50), in workbook order.

    Columns: ``metric`` (id), ``sheet``, ``metric_name``, ``indicator_name``, ``description``,
    ``category`` (Levelling Up mission), ``measure``, ``in_explorer_plots``, ``polarity`` (whether higher
    values are ``Better`` or ``Worse``), ``updated``, ``nations_covered``, ``source_uk`` ...
    ``source_ni``, ``source_details``, ``source_notes`` (caveats), ``subject_matter_date``,
    ``geography_definition``, ``district_boundary_date``, plus this toolkit's ``unit`` and ``additive``.

    Read from the verified raw workbook, else from the committed snapshot written by
    :func:`snapshot_subnational_metadata`.

    Raises
    ------
    SourceUnavailableError
        If neither the raw workbook nor the snapshot is available.
    """
    e = catalogue.entry(ENTRY)
    raw = catalogue.verified_path(e)
    if raw is not None:
        df = parse_dictionary(raw)
        recs = [e.provenance()]
    elif _dictionary_snapshot_path().exists():
        df, meta = read_parquet(_dictionary_snapshot_path())
        recs = meta.get("provenance", [e.provenance()])
    else:
        raise SourceUnavailableError(
            f"The subnational indicators data dictionary needs the official file {ENTRY} in {config.raw_dir()}, "
            f"and no snapshot is at {_dictionary_snapshot_path()}. Run `evidence fetch {ENTRY}`."
        )
    df.attrs["provenance"] = recs
    return df


def snapshot_subnational_metadata(dest_dir: Path | str | None = None) -> Path:
    """Write the data dictionary as parquet for the committed snapshot; returns the path written."""
    e = catalogue.entry(ENTRY)
    raw = catalogue.verified_path(e)
    if raw is None:
        raise SourceUnavailableError(f"Run `evidence fetch {ENTRY}` first: the workbook is not in {config.raw_dir()}.")
    dest = Path(dest_dir) if dest_dir is not None else config.snapshot_dir()
    path = dest / _dictionary_snapshot_path().name
    write_parquet(parse_dictionary(raw), path, {"dataset": "subnational-indicators-dictionary",
                                                "provenance": [e.provenance()]})
    return path


__all__ = ["DATASETS", "METRICS", "SUBNATIONAL", "get_subnational_indicators", "parse_dictionary",
           "parse_subnational_indicators", "snapshot_subnational_metadata", "subnational_metadata"]
