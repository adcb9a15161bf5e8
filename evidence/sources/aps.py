"""Annual Population Survey (APS) tables downloaded from Nomis as Excel (T01, T19, T13a, T09a).

Each file stacks one block per 12-month period (``Jan 2018-Dec 2018``, ...). A block's rows are areas
(``country:England``, 38 ``lep:`` LEPs, GB ``ladu:`` local authorities as of April 2021, and DfE
"User Defined Geography" LSIP groupings, which are dropped); its columns come in triples: the estimate
(``number``), a ``Flags`` column and the 95% confidence interval half-width (``conf``).

Markers (from the files' footnotes), kept in the ``flag`` column:

- ``!`` estimate and CI not available (group sample size 0-2, or disclosive): value NA;
- ``*`` estimate and CI unreliable (sample size 3-9): the value is kept, the CI is NA;
- ``~`` estimate is less than 500: value NA;
- ``-`` figures missing: value NA.

Where a cell has more than one marker (``~`` in the estimate and ``*`` in its CI) the estimate's marker is
kept. ``year`` is the end year of the 12-month period (``Jan 2018-Dec 2018`` -> 2018); ``period`` keeps
the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .. import provenance
from ..errors import SchemaError
from . import nomis_downloads as nd
from .base import Dataset, load

#: Table key -> (catalogue entry, Nomis table code as in the column labels, official title).
TABLES = {
    "t01": ("aps-t01-economic-activity", "T01", "APS T01: economic activity by age, aged 16-64"),
    "t19": ("aps-t19-qualifications", "T19", "APS T19: qualifications (NVQ) by age and sex, aged 16-64"),
    "t13a": ("aps-t13a-industry", "T13a", "APS T13a: employment by industry (SIC 2007 broad groups)"),
    "t09a": ("aps-t09a-occupation", "T09a", "APS T09a: employment by occupation (SOC2010 sub-major group)"),
}
_LABEL = re.compile(r"^(?P<code>T\w+:\d+)\s*\((?P<label>.*)\)$")
_CATEGORIES = ("area_code", "area_name", "area_type", "period", "variable", "variable_label", "measure", "unit",
               "flag")


def read_aps_cells(path: Path, table: str) -> pd.DataFrame:
    """Parse an APS download into one row per area label x period x variable (no area resolution).

    The pure block step: ``area_label`` is the Nomis label as written (``lep:Black Country``); the
    "User Defined Geography" rows are dropped. Columns: ``area_label, year, period, variable,
    variable_label, value, ci95, flag``.
    """
    code = TABLES[table][1]
    rows = nd.read_rows(path)
    blocks = nd.split_blocks(rows, file=path, header="Area")
    frames = []
    for b in blocks:
        period = nd.require_meta(b, "date", file=path.name)
        nd.require_meta(b, "confidence", file=path.name, allowed={"95% confidence interval (+/-)"})
        for c in b.columns:
            m = _LABEL.match(c.label)
            if not m or not m["code"].startswith(code + ":"):
                raise SchemaError(f"{b.describe()}: column {c.label!r} is not an {code} variable such as "
                                  f"'{code}:1 (...)'.", file=path.name, sheet=nd.DATA_SHEET)
            if c.conf is None:
                raise SchemaError(f"{b.describe()}: column {c.label!r} has no 'conf' (95% CI) column; expected "
                                  "'number, Flags, conf' triples.", file=path.name, sheet=nd.DATA_SHEET)
        cells = nd.block_cells(b)
        cells["year"] = nd.year_of(period, file=path.name)
        cells["period"] = period
        frames.append(cells)
    df = pd.concat(frames, ignore_index=True)
    df = df[~df["row_label"].str.startswith(nd.USER_DEFINED_PREFIX)].reset_index(drop=True)
    allowed = set(nd.MARKERS)
    value, vmark = nd.split_numbers(df["raw"], allowed=allowed, file=path)
    ci95, cmark = nd.split_numbers(df["raw_conf"], allowed=allowed, file=path, what="confidence interval")
    _, fmark = nd.split_numbers(df["raw_flags"], allowed=allowed, file=path, what="Flags")
    parts = df["column"].str.extract(_LABEL)
    out = pd.DataFrame({
        "area_label": df["row_label"],
        "year": df["year"].astype("int64"),
        "period": df["period"],
        "variable": parts["code"],
        "variable_label": parts["label"].str.strip(),
        "value": value,
        "ci95": ci95,
        "flag": vmark.combine_first(fmark).combine_first(cmark),
    })
    dupes = out.duplicated(["area_label", "year", "variable"])
    if dupes.any():
        first = out[dupes].iloc[0]
        raise SchemaError(f"area {first['area_label']!r} appears twice for {first['variable']} in {first['period']}.",
                          file=path.name, sheet=nd.DATA_SHEET)
    return out


def _tidy(cells: pd.DataFrame, *, file: Path) -> pd.DataFrame:
    """The resolution step: Nomis labels -> GSS codes, official names and area types; the tidy frame."""
    resolved = nd.resolve_labels(cells["area_label"].unique(), file=file)
    df = cells.copy()
    nd.attach_areas(df, resolved, label="area_label")
    if df.duplicated(["area_code", "year", "variable"]).any():
        clash = df[df.duplicated(["area_code", "year", "variable"], keep=False)]["area_label"].unique()
        raise SchemaError(f"different area labels resolve to the same code: {list(clash)[:4]}.", file=file.name)
    df["measure"] = "count"
    df["unit"] = "persons"
    # Survey estimates of people; published aggregates (England, LEPs) should still be preferred to sums.
    df["additive"] = True
    cols = ["area_code", "area_name", "area_type", "year", "period", "variable", "variable_label", "measure",
            "value", "ci95", "unit", "flag", "additive"]
    return nd.to_categories(df[cols], _CATEGORIES)


def _parser(table: str):
    entry = TABLES[table][0]

    def parse(paths: dict[str, Path]) -> pd.DataFrame:
        path = Path(paths[entry])
        return _tidy(read_aps_cells(path, table), file=path)

    parse.__name__ = f"parse_aps_{table}"
    parse.__doc__ = f"Parse the Nomis {TABLES[table][1]} download (``{entry}``) into a tidy frame."
    return parse


parse_aps_t01 = _parser("t01")
parse_aps_t19 = _parser("t19")
parse_aps_t13a = _parser("t13a")
parse_aps_t09a = _parser("t09a")

_DESCRIPTION = ("Annual Population Survey via Nomis: estimates (persons) with 95% CI half-widths and Nomis "
                "markers; England, 38 LEPs and GB local authorities (April 2021); year = end of Jan-Dec period.")

DATASETS = [
    Dataset(name=TABLES[t][0], title=TABLES[t][2], files=(TABLES[t][0],), parse=p, version="1",
            dims=("variable", "measure"), period="year", description=_DESCRIPTION)
    for t, p in (("t01", parse_aps_t01), ("t19", parse_aps_t19), ("t13a", parse_aps_t13a), ("t09a", parse_aps_t09a))
]
_BY_TABLE = {t: ds for t, ds in zip(TABLES, DATASETS, strict=True)}


def get_aps(
    *,
    table: str = "t01",
    area_codes: str | Sequence[str] | None = None,
    area_types: str | Sequence[str] | None = None,
    years: int | Sequence[int] | None = None,
    variables: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Annual Population Survey estimates from the Nomis downloads (ONS, via Nomis, downloaded 24 Apr 2023).

    Tables: ``"t01"`` economic activity by age, aged 16-64 (Jan-Dec 2018..2022); ``"t19"`` qualifications
    (NVQ levels) by age and sex (2017..2021); ``"t13a"`` employment by industry, SIC 2007 broad groups
    (2018..2022); ``"t09a"`` employment by occupation, SOC2010 sub-major groups (2017..2021).

    Geography: England, the 38 LEPs (Nomis LEP geography, names as of 2021) and GB local authority
    districts as of April 2021, keyed by GSS code (``area_type`` country / lep / lad). Units: persons
    (survey estimates, rounded to hundreds); ``ci95`` is the 95% confidence interval half-width (so the
    interval is ``value ± ci95``). ``year`` is the end year of the Jan-Dec period, ``period`` its text.

    Parameters
    ----------
    table
        ``"t01"``, ``"t19"``, ``"t13a"`` or ``"t09a"``.
    area_codes, area_types, years, variables
        Optional filters (a value or a list); variables are codes such as ``"T01:28"``.

    Returns
    -------
    DataFrame
        ``area_code, area_name, area_type, year, period, variable, variable_label, measure, value, ci95,
        unit, flag, additive``. Markers: ``!`` (sample 0-2/disclosive, value NA), ``*`` (unreliable, value
        kept), ``~`` (< 500, value NA), ``-`` (missing, value NA).
    """
    if table not in _BY_TABLE:
        raise ValueError(f"table must be one of {sorted(_BY_TABLE)}, not {table!r}.")
    df = load(_BY_TABLE[table])
    return nd.filter_frame(df, area_code=area_codes, area_type=area_types, year=years, variable=variables)


def _combine_flags(flags: pd.DataFrame) -> pd.Series:
    """Join the distinct markers of each row (``None`` when there are none)."""
    def join(row):
        marks = sorted({m for m in row if isinstance(m, str)})
        return ",".join(marks) if marks else None

    return flags.astype(object).apply(join, axis=1)


def _ratio(df: pd.DataFrame, num: Sequence[str], den: Sequence[str], *, variable: str, label: str) -> pd.DataFrame:
    """``100 * sum(num) / sum(den)`` per area and year, NA where any component is NA."""
    keys = ["area_code", "area_name", "area_type", "year", "period"]
    plain = df.astype({c: object for c in df.select_dtypes("category").columns})
    indexed = plain.set_index(keys + ["variable"])
    wide = indexed["value"].unstack("variable")
    flags = indexed["flag"].unstack("variable")
    wanted = sorted(set(num) | set(den))
    missing = [v for v in wanted if v not in wide.columns]
    if missing:
        raise SchemaError(f"the APS table has no variable(s) {missing} needed for {label}.")
    wide = wide.reindex(columns=wanted)
    numer = wide[list(num)].sum(axis=1, min_count=len(num), skipna=False)
    denom = wide[list(den)].sum(axis=1, min_count=len(den), skipna=False)
    out = (100 * numer / denom).rename("value").reset_index()
    out["variable"] = variable
    out["variable_label"] = label
    out["measure"] = "rate"
    out["ci95"] = np.nan
    out["unit"] = "%"
    out["flag"] = _combine_flags(flags.reindex(columns=wanted)).to_numpy()
    out["additive"] = False
    cols = ["area_code", "area_name", "area_type", "year", "period", "variable", "variable_label", "measure",
            "value", "ci95", "unit", "flag", "additive"]
    out = out[cols].sort_values(["year", "area_type", "area_code"]).reset_index(drop=True)
    out = nd.to_categories(out, _CATEGORIES)
    return provenance.attach(out, provenance.records(df))


def get_employment_rate(
    *,
    area_codes: str | Sequence[str] | None = None,
    area_types: str | Sequence[str] | None = None,
    years: int | Sequence[int] | None = None,
) -> pd.DataFrame:
    """Employment rate, aged 16-64, from APS table T01 (ONS, via Nomis): a rate, never summed.

    .. math:: \\text{rate} = 100 \\times \\frac{\\text{T01:28 (aged 16-64 in employment)}}
              {\\text{T01:22 (aged 16-64, all people)}}

    Computed for each published row, so a LEP's rate comes from the LEP's own published estimates
    (never from summing its districts). Years 2018-2022 (Jan-Dec periods); England, 38 LEPs and GB
    LADs (April 2021). ``unit`` is ``%``, ``additive`` False, ``ci95`` NA (ONS publish the rate's CI
    separately); ``flag`` joins the markers of the two counts. Filters as in :func:`get_aps`.
    """
    df = get_aps(table="t01", area_codes=area_codes, area_types=area_types, years=years,
                 variables=["T01:28", "T01:22"])
    return _ratio(df, ["T01:28"], ["T01:22"], variable="T01:28/T01:22", label="Employment rate - aged 16-64")


NVQ_VARIABLES = tuple(f"T19:{i}" for i in range(1, 8))


def get_nvq4_share(
    *,
    area_codes: str | Sequence[str] | None = None,
    area_types: str | Sequence[str] | None = None,
    years: int | Sequence[int] | None = None,
) -> pd.DataFrame:
    """Share of people aged 16-64 qualified to NVQ level 4 or above, from APS table T19 (ONS, via Nomis).

    .. math:: \\text{share} = 100 \\times \\frac{\\text{T19:6 (NVQ4+)}}{\\sum_{i=1}^{7} \\text{T19:}i}

    where T19:1..7 are none, NVQ1, NVQ2, trade apprenticeships, NVQ3, NVQ4+ and other qualifications,
    all people aged 16-64. NA where any of the seven counts is suppressed (``!``, ``~``, ``-``); ``flag``
    joins the components' markers. Years 2017-2021 (Jan-Dec periods); ``unit`` %, ``additive`` False.
    """
    df = get_aps(table="t19", area_codes=area_codes, area_types=area_types, years=years,
                 variables=list(NVQ_VARIABLES))
    return _ratio(df, ["T19:6"], list(NVQ_VARIABLES), variable="T19:6/T19:1-7",
                  label="NVQ4+ - share of all people aged 16-64")
