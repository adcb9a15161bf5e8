"""ONS regional gross value added (balanced) and regional GDP.

Five datasets, all tidy and long (``area_code, area_name, year, ..., value, unit, flag, additive``):

``gva``
    GVA (balanced) by industry and local authority, April 2025 release (replacement tables of
    10 Oct 2025): the nine English ITL1 workbooks, Tables 1-4, 1998-2023, 296 LAs (April 2023 codes)
    x 49 SIC07 industry rows. See :func:`get_gva`.
``gva-itl``
    GVA (balanced) by industry for ITL1, ITL2 and ITL3 regions (ITL 2021 codes), April 2023 release,
    current prices and chained volume measures in 2019 money value, 1998-2021. See :func:`get_gva_itl`.
``gva-per-head``
    GVA (balanced) totals, per head, per-head indices, growth rates and population for the UK, England
    and every ITL1/2/3 region, April 2023 release, 1998-2021. See :func:`get_gva_per_head`.
``gva-income``
    GVA (balanced) by industry and its income components (compensation of employees, mixed income,
    gross trading profits...), UK, England, ITL1 and ITL2, April 2023 release. See :func:`get_gva_income`.
``gdp``
    Regional GDP: GVA, taxes and subsidies on products, GDP at current market prices, population, GDP
    per head, GVA deflators and GDP chained volume measures, April 2023 release. See :func:`get_gdp`.

The industry rows of the LA workbooks mix hierarchy levels (``Total``, the broad groups ``A-E`` and
``G-T``, sections such as ``C (10-33)``, groups such as ``CA-CB (10-15)``, divisions such as ``41``,
and ``68IMP``/``68``, the two parts of division 68). The hierarchy is data, in
``evidence/data/gva_industries.csv``; :func:`industry_hierarchy`, :func:`children` and :func:`leaves`
read it, so that a sector total never double counts. The ITL tables spell their industries a little
differently (``CA (10-12)``, ``52``, ``72-73``...); their frames carry ``la_industry`` (the LA-hierarchy
code covering exactly the same SIC07 divisions, else NA) and ``la_within`` (the finest LA-hierarchy code
that contains it), computed by :func:`match_la_industry`.

``additive`` is True only for current-price £ million values and population. Chained volume measures,
indices, deflators, per-head values and growth rates are ``additive=False`` and must not be summed.

Notes on the files (checked against the pinned releases)
--------------------------------------------------------
* LA workbooks: row 0 of each data sheet is the title, row 1 the header. The header case is not
  uniform (North West Table 1 says ``ITL1 Region``), so header cells are matched case-insensitively.
  SIC07 division codes are stored as numbers (41, 68...) and are returned as strings.
* ``[c]`` hits the same 1,612 cells in every table (Cornwall and Isles of Scilly in 29 industries,
  Broxbourne and Stevenage in 2). ``[u]`` hits 52 cells in Table 1, 26 in Table 2 (Southampton
  ``AB (1-9)``) and 52 in Table 4; current prices have none.
* In current prices every parent equals the sum of its children to within rounding (at most
  0.5 x (children + 1) £m). The workbooks have no region rows; the sum of an ITL1 region's LAs is within
  5% of the April 2023 ITL1 CSV (different vintage, revisions up to 4.6%).
* The regional GDP workbook prints 0 for Extra-Regio's per-head values (it has no population); they are
  returned as NA with flag ``"[z]"`` (not applicable), a flag this loader adds. The per-head workbook
  leaves Extra-Regio out of its per-head tables. Every 2021 per-head growth rate is flagged ``u``.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from .. import config
from ..errors import EvidenceError, SchemaError, UnknownAreaError
from .base import Dataset, load, read_excel, require_columns, require_sheets, sheet_names

HIERARCHY_FILE = config.PACKAGE_DIR / "data" / "gva_industries.csv"

#: Catalogue entries of the nine English LA workbooks (April 2025 release).
LA_FILES = (
    "gva-la-tlc-north-east",
    "gva-la-tld-north-west",
    "gva-la-tle-yorkshire-humber",
    "gva-la-tlf-east-midlands",
    "gva-la-tlg-west-midlands",
    "gva-la-tlh-east",
    "gva-la-tli-london",
    "gva-la-tlj-south-east",
    "gva-la-tlk-south-west",
)
#: Catalogue entries of the ITL CSVs (April 2023 release): entry -> measure.
ITL_FILES = {
    "gva-itl1-cp": "current_prices",
    "gva-itl1-cvm": "cvm",
    "gva-itl2-cp": "current_prices",
    "gva-itl2-cvm": "cvm",
    "gva-itl3-cp": "current_prices",
    "gva-itl3-cvm": "cvm",
}
PER_HEAD_FILE = "gva-per-head-income"
GDP_FILE = "gdp-itl"

#: The reference year of the ITL CSVs' chained volume measures ("2019 money value" in the table titles).
ITL_CVM_YEAR = 2019

_LA_ID = ("ITL1 region", "LA code", "LA name", "SIC07", "SIC07 description")
_ITL_ID = ("ITL", "ITL code", "Region name")
_ITL_IND = ("SIC07 code", "SIC07 industry")
_CSV_ID = ("ITL region code", "ITL region name", "SIC07 code", "SIC07 description")

_LAD_CODE = re.compile(r"^E0[6-9]\d{6}$")
_ITL_CODE = re.compile(r"^(UK|UKX|TL[A-Z][0-9A-Z]{0,3})$")
_YEAR = re.compile(r"^\d{4}$")
#: Publisher markers that stand in for a value: "[c]", "[u]", "[x]", "u", "x"...
_MARKER = re.compile(r"^(\[[a-z]+\]|[a-z])$")
#: Our flag for a value that cannot exist (Extra-Regio has no population, so no per-head value).
NOT_APPLICABLE = "[z]"


class UnknownCodeError(EvidenceError, LookupError):
    """An industry, measure, year or level asked of a GVA getter is not in the dataset."""


# --------------------------------------------------------------------------------------------
# The industry hierarchy of the LA workbooks
# --------------------------------------------------------------------------------------------

#: SIC07 sections and the 2-digit divisions they span (every number in each span is a division).
_SECTIONS = {
    "A": (1, 3), "B": (5, 9), "C": (10, 33), "D": (35, 35), "E": (36, 39), "F": (41, 43), "G": (45, 47),
    "H": (49, 53), "I": (55, 56), "J": (58, 63), "K": (64, 66), "L": (68, 68), "M": (69, 75), "N": (77, 82),
    "O": (84, 84), "P": (85, 85), "Q": (86, 88), "R": (90, 93), "S": (94, 96), "T": (97, 98), "U": (99, 99),
}
#: Every SIC07 2-digit division, with leading zeros ("01" ... "99").
SIC07_DIVISIONS = tuple(f"{d:02d}" for lo, hi in _SECTIONS.values() for d in range(lo, hi + 1))
_IMPUTED, _EXCL_IMPUTED = "68IMP", "68-excl-IMP"
_RANGE_CODE = re.compile(r"^(?:[A-U]{1,2}(?:-[A-U]{1,2})?\s*\()?(\d{1,2})(?:-(\d{1,2}))?\)?$")


def _split68(divisions: Iterable[str]) -> frozenset[str]:
    out = set(divisions)
    if "68" in out:
        out.discard("68")
        out |= {_IMPUTED, _EXCL_IMPUTED}
    return frozenset(out)


def _divisions_between(lo: int, hi: int) -> list[str]:
    return [d for d in SIC07_DIVISIONS if lo <= int(d) <= hi]


@functools.cache
def _coverage(code: str) -> frozenset[str] | None:
    """The SIC07 divisions a published industry code spans, with division 68 split into its two parts.

    Works on both spellings (LA workbooks and ITL tables): ``Total``, ``A-E``, ``C (10-33)``,
    ``CA-CB (10-15)``, ``5-8``, ``41``, ``68IMP``. A bare ``68`` is "real estate excluding imputed
    rental" in every ONS GVA table. Returns ``None`` for a code it cannot read.
    """
    code = code.strip()
    if code == "Total":
        return _split68(d for d in SIC07_DIVISIONS if d != "99")
    if code == "68IMP":
        return frozenset({_IMPUTED})
    if code == "68":
        return frozenset({_EXCL_IMPUTED})
    m = re.fullmatch(r"([A-U])-([A-U])", code)
    if m:
        lo, hi = _SECTIONS[m.group(1)][0], _SECTIONS[m.group(2)][1]
        return _split68(_divisions_between(lo, hi))
    m = _RANGE_CODE.fullmatch(code)
    if m:
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        divs = _divisions_between(lo, hi)
        return _split68(divs) if divs else None
    return None


@functools.cache
def _hierarchy() -> pd.DataFrame:
    df = pd.read_csv(HIERARCHY_FILE, dtype=str, keep_default_na=False)
    df["parent"] = pd.Series([p or None for p in df["parent"]], index=df.index, dtype=object)
    df["level"] = df["level"].astype(int)
    df["is_leaf"] = df["is_leaf"].map({"true": True, "false": False}).astype(bool)
    return df


def industry_hierarchy() -> pd.DataFrame:
    """The 49 industry rows of the ONS GVA-by-LA workbooks as a tree.

    Returns
    -------
    DataFrame
        One row per industry, in publication order, with columns ``code`` (as published, e.g.
        ``"C (10-33)"``, ``"41"``, ``"68IMP"``), ``name``, ``parent`` (None for ``Total``), ``level``
        (depth: 0 ``Total``; 1 ``A-E``, ``F (41-43)``, ``G-T``; 2 sections; 3 groups and divisions),
        ``kind`` (total, broad sector, section, section group, manufacturing group, division,
        division group, division part), ``is_leaf`` and ``sic_divisions`` (the SIC07 2-digit span,
        e.g. ``"10-15"``; ``68IMP`` and ``68`` are the two parts of division 68).

    Notes
    -----
    ``Total = A-E + F + G-T``; ``A-E = AB + C + DE``; ``G-T`` = the 14 service sections G ... T. The 37
    leaves partition the economy, so the sum of any set of leaves never double counts.

    Examples
    --------
    >>> h = industry_hierarchy()
    >>> len(h), int(h["is_leaf"].sum())
    (49, 37)
    """
    return _hierarchy().copy()


def _check_industry(code: str) -> None:
    codes = _hierarchy()["code"].tolist()
    if code not in codes:
        close = difflib.get_close_matches(str(code), codes, n=5, cutoff=0.4)
        hint = f" Closest: {', '.join(close)}." if close else ""
        raise UnknownCodeError(f"Unknown GVA industry code {code!r}.{hint} See industry_hierarchy() for all 49.")


def children(code: str) -> list[str]:
    """The industries directly below ``code`` in the LA-workbook hierarchy (empty for a leaf).

    Examples
    --------
    >>> children("Total")
    ['A-E', 'F (41-43)', 'G-T']
    >>> children("L (68)")
    ['68IMP', '68']
    """
    _check_industry(code)
    h = _hierarchy()
    return h.loc[h["parent"] == code, "code"].tolist()


def parent(code: str) -> str | None:
    """The industry directly above ``code`` (None for ``Total``).

    >>> parent("CA-CB (10-15)")
    'C (10-33)'
    """
    _check_industry(code)
    h = _hierarchy()
    return h.loc[h["code"] == code, "parent"].iloc[0]


def leaves(code: str = "Total") -> list[str]:
    """The leaf industries under ``code`` (``[code]`` itself for a leaf), in publication order.

    Summing current-price GVA over ``leaves(code)`` gives ``code``'s total (within rounding) without
    double counting.

    Examples
    --------
    >>> leaves("F (41-43)")
    ['41', '42', '43']
    >>> len(leaves("A-E")), len(leaves())
    (8, 37)
    >>> leaves("41")
    ['41']
    """
    _check_industry(code)
    out: list[str] = []
    kids = children(code)
    if not kids:
        return [code]
    for k in kids:
        out.extend(leaves(k))
    return out


def sic_divisions(code: str) -> list[str]:
    """The SIC07 2-digit divisions an LA-workbook industry spans, with leading zeros.

    ``68IMP`` and ``68`` both return ``['68']``: each is part of division 68 (imputed rental, and real
    estate excluding imputed rental).

    >>> sic_divisions("AB (1-9)")
    ['01', '02', '03', '05', '06', '07', '08', '09']
    """
    _check_industry(code)
    span = _hierarchy().set_index("code").at[code, "sic_divisions"]
    lo, _, hi = span.partition("-")
    return _divisions_between(int(lo), int(hi or lo))


def match_la_industry(code: str) -> tuple[str | None, str | None]:
    """Place an ITL-table industry spelling in the LA-workbook hierarchy.

    Parameters
    ----------
    code : str
        An industry code as published in the ITL tables, e.g. ``"CA (10-12)"``, ``"52"``, ``"C (10-33)"``.

    Returns
    -------
    (exact, within) : tuple
        ``exact`` is the LA-hierarchy code covering exactly the same SIC07 divisions (None if there is
        none); ``within`` is the finest LA-hierarchy code containing it (None if it cannot be read).

    Examples
    --------
    >>> match_la_industry("C (10-33)")
    ('C (10-33)', 'C (10-33)')
    >>> match_la_industry("CA (10-12)")
    (None, 'CA-CB (10-15)')
    >>> match_la_industry("5-8")
    (None, 'AB (1-9)')
    """
    cov = _coverage(str(code))
    if cov is None:
        return None, None
    exact, within, best = None, None, None
    for la in _hierarchy()["code"]:
        la_cov = _coverage(la)
        if la_cov == cov:
            exact = la
        if cov <= la_cov and (best is None or len(la_cov) <= best):
            within, best = la, len(la_cov)
    return exact, within


# --------------------------------------------------------------------------------------------
# Reading helpers
# --------------------------------------------------------------------------------------------


def _cell_str(x) -> str:
    """A header or code cell as text: numbers written as numbers (41, 1998.0) lose the ``.0``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x).strip()


def _split_table(raw: pd.DataFrame, id_cols: Iterable[str], *, file: Path, sheet: str):
    """Split a sheet read with ``header=None`` into its title (row 0), years and data (header = row 1)."""
    id_cols = list(id_cols)
    if raw.shape[0] < 3:
        raise SchemaError("expected a title row, a header row and data rows; the sheet is (nearly) empty.",
                          file=file.name, sheet=sheet)
    title = _cell_str(raw.iat[0, 0])
    # Header case varies between workbooks of one release (North West Table 1 has "ITL1 Region").
    canonical = {c.casefold(): c for c in id_cols}
    header = [_cell_str(x) for x in raw.iloc[1]]
    header = [canonical.get(h.casefold(), h) for h in header]
    data = raw.iloc[2:]
    data.columns = header
    require_columns(data, id_cols, file=file, sheet=sheet)
    years = [h for h in header if _YEAR.fullmatch(h)]
    if not years:
        raise SchemaError(f"expected year columns (1998, 1999, ...) in the header row, found {header[:12]}.",
                          file=file.name, sheet=sheet)
    return title, data.loc[:, id_cols + years], years


def _values(cells: np.ndarray, *, file: Path, sheet: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Numbers as float, and the publisher's marker where a cell holds one instead of a number."""
    s = pd.Series(cells, dtype=object)
    num = pd.to_numeric(s, errors="coerce").astype(float)
    text = s[num.isna() & s.notna()].astype(str).str.strip()
    text = text[text != ""]
    bad = sorted(set(text[~text.str.fullmatch(_MARKER.pattern)]))
    if bad:
        raise SchemaError(f"unexpected text in value cells: {bad[:5]} (expected numbers or markers like '[c]').",
                          file=file.name, sheet=sheet)
    flag = np.full(len(s), None, dtype=object)
    flag[text.index.to_numpy()] = text.to_numpy()
    return num.to_numpy(), flag


def _longify(data: pd.DataFrame, id_cols: list[str], years: list[str], *, file: Path, sheet: str) -> pd.DataFrame:
    """Wide rows (one column per year) to long rows with ``year``, ``value`` and ``flag``."""
    n, k = len(data), len(years)
    ids = {}
    for c in id_cols:
        # Each id repeats once per year: build categoricals from codes rather than 10^6 Python strings.
        codes, uniques = pd.factorize(data[c].map(_cell_str).to_numpy(dtype=object))
        ids[c] = pd.Categorical.from_codes(np.repeat(codes, k), categories=pd.Index(uniques, dtype=object))
    value, flag = _values(data[years].to_numpy(dtype=object).ravel(), file=file, sheet=sheet)
    return pd.DataFrame({**ids, "year": np.tile(np.array(years, dtype=int), n), "value": value, "flag": flag})


def _constant(value: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=pd.Index([value], dtype=object))


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate frames, keeping categorical columns categorical (their categories may differ)."""
    out = pd.concat(frames, ignore_index=True)
    for c in frames[0].columns:
        if all(isinstance(f[c].dtype, pd.CategoricalDtype) for f in frames):
            out[c] = union_categoricals([f[c] for f in frames])
    return out


def _keep_area_rows(data: pd.DataFrame, code_col: str, pattern: re.Pattern, years: list[str], *,
                    file: Path, sheet: str) -> pd.DataFrame:
    """Drop blank and note rows; a row with numbers but an unreadable area code is a schema change."""
    codes = data[code_col].map(_cell_str)
    ok = codes.str.fullmatch(pattern.pattern)
    if not ok.all():
        numeric = data.loc[~ok, years].apply(pd.to_numeric, errors="coerce").notna().any(axis=1)
        if numeric.any():
            bad = codes[~ok][numeric].tolist()[:5]
            raise SchemaError(f"rows with values but an unexpected {code_col!r}: {bad}.", file=file.name, sheet=sheet)
    return data.loc[ok]


def _categorical(df: pd.DataFrame, cols: Iterable[str]) -> pd.DataFrame:
    for c in cols:
        df[c] = df[c].astype("category")
    return df


def _open_book(path: Path, wanted: list[str]) -> dict[str, pd.DataFrame]:
    require_sheets(sheet_names(path), wanted, file=path)
    return read_excel(path, sheet_name=wanted, header=None, dtype=object, keep_default_na=False)


# --------------------------------------------------------------------------------------------
# gva: GVA by industry and local authority (April 2025)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LATable:
    measure: str
    title: re.Pattern
    unit: str
    additive: bool


#: Sheet -> what it holds. The unit's ``{0}`` is the reference year read from the sheet's title.
LA_TABLES = {
    "Table 1": _LATable("cvm_index", re.compile(r"chained volume measures index, (\d{4}) equals 100"),
                        "index ({0}=100)", False),
    "Table 2": _LATable("cvm", re.compile(r"chained volume measures in (\d{4}) money value"),
                        "£ million ({0} money value)", False),
    "Table 3": _LATable("current_prices", re.compile(r"current prices, pounds million()"), "£ million", True),
    "Table 4": _LATable("deflator", re.compile(r"implied deflator, (\d{4}) equals 100"), "index ({0}=100)", False),
}
LA_MEASURES = tuple(t.measure for t in LA_TABLES.values())
_ITL1_IN_TITLE = re.compile(r"ITL1 region: (TL[A-Z])\b")


def _parse_la_workbook(path: Path) -> pd.DataFrame:
    book = _open_book(path, list(LA_TABLES))
    codes = _hierarchy()["code"].tolist()
    frames = []
    for sheet, spec in LA_TABLES.items():
        title, data, years = _split_table(book[sheet], _LA_ID, file=path, sheet=sheet)
        m, region = spec.title.search(title), _ITL1_IN_TITLE.search(title)
        if not m or not region:
            raise SchemaError(f"expected a title naming the ITL1 region and matching {spec.title.pattern!r} "
                              f"({spec.measure}), found {title[:160]!r}.", file=path.name, sheet=sheet)
        data = _keep_area_rows(data, "LA code", _LAD_CODE, years, file=path, sheet=sheet)
        long = _longify(data, list(_LA_ID), years, file=path, sheet=sheet)
        rows = long.drop_duplicates(["LA code", "SIC07"])
        if len(rows) * len(years) != len(long):
            raise SchemaError("an LA x industry row appears more than once.", file=path.name, sheet=sheet)
        unknown = sorted(set(rows["SIC07"]) - set(codes))
        if unknown:
            raise SchemaError(f"unknown SIC07 codes {unknown[:5]}; expected the 49 codes of "
                              f"{HIERARCHY_FILE.name}.", file=path.name, sheet=sheet)
        per_la = rows.groupby("LA code", observed=True).size()
        if (per_la != len(codes)).any():
            la = per_la[per_la != len(codes)].index[0]
            missing = sorted(set(codes) - set(rows.loc[rows["LA code"] == la, "SIC07"]))
            raise SchemaError(f"LA {la} lacks industry rows {missing[:5]}.", file=path.name, sheet=sheet)
        long["measure"] = _constant(spec.measure, len(long))
        long["unit"] = _constant(spec.unit.format(*m.groups()), len(long))
        long["additive"] = spec.additive
        long["itl1"] = _constant(region.group(1), len(long))
        frames.append(long)
    return _concat(frames)


def parse_gva(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse the ONS GVA-by-LA workbooks (any subset of :data:`LA_FILES`) into one tidy frame.

    Tables 1-4 of each workbook (row 0 = title, row 1 = header ``ITL1 region, LA code, LA name, SIC07,
    SIC07 description, 1998 ... 2023``). ``[c]`` (confidential) and ``[u]`` (unreliable) become NA with the
    marker in ``flag``. Raises ``SchemaError`` naming the file and sheet when the layout changed.
    """
    if not paths:
        raise SchemaError("no GVA-by-LA workbook was given.")
    df = _concat([_parse_la_workbook(Path(p)) for p in paths.values()])
    df = df.rename(columns={"LA code": "area_code", "LA name": "area_name", "ITL1 region": "itl1_name",
                            "SIC07": "industry", "SIC07 description": "industry_name"})
    order = _hierarchy()["code"].tolist()
    df["industry"] = pd.Categorical(df["industry"], categories=order)
    df["measure"] = pd.Categorical(df["measure"], categories=list(LA_MEASURES))
    df = _categorical(df, ["area_code", "area_name", "itl1", "itl1_name", "industry_name", "unit", "flag"])
    cols = ["area_code", "area_name", "itl1", "itl1_name", "year", "industry", "industry_name", "measure",
            "value", "unit", "flag", "additive"]
    return df[cols]


GVA = Dataset(
    name="gva",
    title="Regional gross value added (balanced) by industry: local authorities by ITL1 region (England)",
    files=LA_FILES,
    parse=parse_gva,
    version="1",
    dims=("industry", "measure"),
    period="year",
    description="ONS, April 2025 (replacement tables of 10 Oct 2025). 296 English LAs (April 2023), 49 SIC07 "
                "industry rows, 1998-2023; current prices, CVM (2022 money value), CVM index and deflator (2022=100).",
)


# --------------------------------------------------------------------------------------------
# gva-itl: GVA by industry, ITL1/2/3 (April 2023 CSVs)
# --------------------------------------------------------------------------------------------


def _itl_level(code: str) -> str:
    """The publisher's ``ITL`` labels: UK (UK, UKX), Other (England TLB, Extra-Regio TLZ), ITL1-3."""
    if code in ("UK", "UKX"):
        return "UK"
    if code in ("TLB", "TLZ"):
        return "Other"
    return f"ITL{len(code) - 2}"


def _add_la_mapping(df: pd.DataFrame, *, file: Path) -> pd.DataFrame:
    industries = df["industry"].unique()
    pairs = {code: match_la_industry(code) for code in industries}
    unread = [c for c, (_, within) in pairs.items() if within is None]
    if unread:
        raise SchemaError(f"unreadable SIC07 code(s) {unread[:5]}.", file=file.name)
    df["la_industry"] = df["industry"].map({c: p[0] for c, p in pairs.items()})
    df["la_within"] = df["industry"].map({c: p[1] for c, p in pairs.items()})
    return df


def _read_itl_csv(path: Path, measure: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        raise SchemaError(f"could not be read as CSV ({type(exc).__name__}: {exc}). Is it truncated? Re-fetch "
                          "it with `evidence fetch --force`.", file=path.name) from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    require_columns(raw, _CSV_ID, file=path)
    years = [c for c in raw.columns if _YEAR.fullmatch(c)]
    if not years:
        raise SchemaError(f"expected year columns (1998, ...), found {list(raw.columns)[:12]}.", file=path.name)
    raw[years] = raw[years].apply(lambda col: col.str.replace(",", "", regex=False))  # "1,345,618"
    raw = _keep_area_rows(raw, "ITL region code", _ITL_CODE, years, file=path, sheet=None)
    long = _longify(raw, list(_CSV_ID), years, file=path, sheet=None)
    sets = long.groupby("ITL region code", observed=True)["SIC07 code"].apply(frozenset)
    if sets.nunique() != 1 or long.duplicated(["ITL region code", "SIC07 code", "year"]).any():
        raise SchemaError("the areas do not all have the same industry rows once each (truncated or changed "
                          "file?).", file=path.name)
    long = long.rename(columns={"ITL region code": "area_code", "ITL region name": "area_name",
                                "SIC07 code": "industry", "SIC07 description": "industry_name"})
    long["itl_level"] = long["area_code"].map(_itl_level)
    long["measure"] = _constant(measure, len(long))
    cvm = measure == "cvm"
    long["unit"] = _constant(f"£ million ({ITL_CVM_YEAR} money value)" if cvm else "£ million", len(long))
    long["additive"] = not cvm
    return _add_la_mapping(long, file=path)


def parse_gva_itl(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse the ITL1/ITL2/ITL3 GVA-by-industry CSVs (keys from :data:`ITL_FILES`) into one tidy frame.

    Numbers are text with thousands separators (``"1,345,618"``). Industry codes stay as published;
    ``la_industry`` / ``la_within`` place them in the LA-workbook hierarchy (see :func:`match_la_industry`).
    """
    unknown = sorted(set(paths) - set(ITL_FILES))
    if unknown or not paths:
        raise SchemaError(f"not ITL GVA files: {unknown or 'none given'}; expected some of {list(ITL_FILES)}.")
    df = _concat([_read_itl_csv(Path(p), ITL_FILES[name]) for name, p in paths.items()])
    df = _categorical(df, ["area_code", "area_name", "itl_level", "industry", "industry_name", "measure", "unit",
                           "flag", "la_industry", "la_within"])
    return df[["area_code", "area_name", "itl_level", "year", "industry", "industry_name", "la_industry",
               "la_within", "measure", "value", "unit", "flag", "additive"]]


GVA_ITL = Dataset(
    name="gva-itl",
    title="Regional gross value added (balanced) by industry: all ITL regions (ITL1, ITL2, ITL3)",
    files=tuple(ITL_FILES),
    parse=parse_gva_itl,
    version="1",
    dims=("industry", "measure"),
    period="year",
    description="ONS, April 2023 release, Tables 1b-3c: current prices (£m) and chained volume measures (2019 "
                "money value, £m), 1998-2021, ITL 2021 codes.",
)


# --------------------------------------------------------------------------------------------
# gva-per-head, gva-income, gdp: the ITL workbooks (April 2023)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ItlTable:
    measure: str
    unit: str
    additive: bool
    per_head: bool = False


def _norm_title(title: str) -> str:
    t = re.sub(r"^Table \d+\s*:\s*", "", title.strip())
    t = re.sub(r"\s*\[notes? [^\]]*\]", "", t)
    return re.sub(r"\s+", " ", t).strip().lower()


_M, _PCT = "£ million", "% change on previous year"
#: Normalised sheet title -> what it holds (per-head workbook, whole-economy tables 1-5 and 17).
PER_HEAD_TABLES = {
    "gross value added (balanced) at current basic prices, pounds million": _ItlTable("gva_current_prices", _M, True),
    "gross value added (balanced) per head of population at current basic prices, pounds":
        _ItlTable("gva_per_head", "£ per head", False, True),
    "gross value added (balanced) per head indices, uk less extra-regio equals 100":
        _ItlTable("gva_per_head_index", "index (UK less Extra-Regio=100)", False, True),
    "gross value added (balanced) annual growth rates, percentage": _ItlTable("gva_growth", _PCT, False),
    "gross value added (balanced) per head annual growth rates, percentage":
        _ItlTable("gva_per_head_growth", _PCT, False, True),
    "total resident population numbers, persons": _ItlTable("population", "persons", True),
}
#: Per-head workbook tables 6-16: by industry, ITL1 and ITL2 (current basic prices, £ million).
INCOME_TABLES = {
    f"{label} by industry at current basic prices, pounds million": _ItlTable(measure, _M, True)
    for label, measure in [
        ("gross value added (balanced)", "gva_current_prices"),
        ("compensation of employees", "compensation_of_employees"),
        ("mixed income", "mixed_income"),
        ("rental income", "rental_income"),
        ("non-market capital consumption", "non_market_capital_consumption"),
        ("holding gains", "holding_gains"),
        ("gross trading profits", "gross_trading_profits"),
        ("gross trading surplus", "gross_trading_surplus"),
        ("taxes on production", "taxes_on_production"),
        ("subsidies on production", "subsidies_on_production"),
    ]
}
INCOME_TABLES["statistical discrepancy between income components and balanced gva total, pounds million"] = (
    _ItlTable("statistical_discrepancy", _M, True))
_GDP = "gross domestic product (gdp)"
_CVM = f"{_GDP} chained volume measures (cvm)"
#: GDP workbook, Tables 1-13.
GDP_TABLES = {
    "gross value added (balanced) at current basic prices, pounds million": _ItlTable("gva_current_prices", _M, True),
    "value added tax (vat) on products, pounds million": _ItlTable("vat_on_products", _M, True),
    "other taxes on products, pounds million": _ItlTable("other_taxes_on_products", _M, True),
    "subsidies on products, pounds million": _ItlTable("subsidies_on_products", _M, True),
    f"{_GDP} at current market prices, pounds million": _ItlTable("gdp_current_prices", _M, True),
    "total resident population numbers, persons": _ItlTable("population", "persons", True),
    f"{_GDP} per head at current market prices, pounds": _ItlTable("gdp_per_head", "£ per head", False, True),
    "whole economy gva implied deflators, 2019 equals 100": _ItlTable("gva_deflator", "index (2019=100)", False),
    f"{_CVM} index, 2019 equals 100": _ItlTable("gdp_cvm_index", "index (2019=100)", False),
    f"{_CVM} in 2019 money value, pounds million": _ItlTable("gdp_cvm", "£ million (2019 money value)", False),
    f"{_CVM} in 2019 money value, per head, pounds":
        _ItlTable("gdp_cvm_per_head", "£ per head (2019 money value)", False, True),
    f"{_CVM} annual growth rates, percentage": _ItlTable("gdp_cvm_growth", _PCT, False),
    f"{_CVM} per head annual growth rates, percentage": _ItlTable("gdp_cvm_per_head_growth", _PCT, False, True),
}


def _parse_itl_book(path: Path, tables: dict[str, _ItlTable], *, by_industry: bool) -> pd.DataFrame:
    """Parse the ``Table N`` sheets of an ITL workbook whose (normalised) titles are in ``tables``."""
    names = [s for s in sheet_names(path) if re.fullmatch(r"Table \d+", s)]
    book = read_excel(path, sheet_name=names, header=None, dtype=object, keep_default_na=False) if names else {}
    id_cols = list(_ITL_ID) + (list(_ITL_IND) if by_industry else [])
    found: dict[str, str] = {}
    frames = []
    for sheet in names:
        raw = book[sheet]
        title = _norm_title(_cell_str(raw.iat[0, 0])) if raw.shape[0] else ""
        spec = tables.get(title)
        if spec is None:
            continue
        found[title] = sheet
        _, data, years = _split_table(raw, id_cols, file=path, sheet=sheet)
        data = _keep_area_rows(data, "ITL code", _ITL_CODE, years, file=path, sheet=sheet)
        long = _longify(data, id_cols, years, file=path, sheet=sheet)
        keys = ["ITL code", "year"] + (["SIC07 code"] if by_industry else [])
        if long.duplicated(keys).any():
            raise SchemaError("an area (x industry) row appears more than once.", file=path.name, sheet=sheet)
        if spec.per_head:
            # Extra-Regio has no population; the GDP workbook prints 0 for its per-head values.
            na = (long["ITL code"] == "TLZ").to_numpy()
            long.loc[na, "value"] = np.nan
            long.loc[na, "flag"] = NOT_APPLICABLE
        long["measure"] = _constant(spec.measure, len(long))
        long["unit"] = _constant(spec.unit, len(long))
        long["additive"] = spec.additive
        frames.append(long)
    missing = [t for t in tables if t not in found]
    if missing:
        titles = [_cell_str(book[s].iat[0, 0]) for s in names if book[s].shape[0]]
        raise SchemaError(f"expected tables titled {missing[:3]}{'…' if len(missing) > 3 else ''}; the 'Table N' "
                          f"sheets are titled {titles[:20]}.", file=path.name)
    df = _concat(frames)
    df = df.rename(columns={"ITL": "itl_level", "ITL code": "area_code", "Region name": "area_name",
                            "SIC07 code": "industry", "SIC07 industry": "industry_name"})
    df["measure"] = pd.Categorical(df["measure"], categories=list(dict.fromkeys(t.measure for t in tables.values())))
    cols = ["area_code", "area_name", "itl_level", "year"]
    cat = ["area_code", "area_name", "itl_level", "unit", "flag"]
    if by_industry:
        df = _add_la_mapping(df, file=path)
        cols += ["industry", "industry_name", "la_industry", "la_within"]
        cat += ["industry", "industry_name", "la_industry", "la_within"]
    df = _categorical(df, cat)
    return df[cols + ["measure", "value", "unit", "flag", "additive"]]


def _one(paths: dict[str, Path], name: str) -> Path:
    if name not in paths:
        raise SchemaError(f"expected the catalogue file {name!r}, got {sorted(paths)}.")
    return Path(paths[name])


def parse_gva_per_head(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse Tables 1-5 and 17 of the per-head workbook (found by title, see :data:`PER_HEAD_TABLES`)."""
    return _parse_itl_book(_one(paths, PER_HEAD_FILE), PER_HEAD_TABLES, by_industry=False)


def parse_gva_income(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse Tables 6-16 of the per-head workbook: GVA and its income components by industry."""
    return _parse_itl_book(_one(paths, PER_HEAD_FILE), INCOME_TABLES, by_industry=True)


def parse_gdp(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse Tables 1-13 of the regional GDP workbook (found by title, see :data:`GDP_TABLES`)."""
    return _parse_itl_book(_one(paths, GDP_FILE), GDP_TABLES, by_industry=False)


GVA_PER_HEAD = Dataset(
    name="gva-per-head",
    title="Regional gross value added (balanced) per head, indices, growth and population: all ITL regions",
    files=(PER_HEAD_FILE,),
    parse=parse_gva_per_head,
    version="1",
    dims=("measure",),
    period="year",
    description="ONS, April 2023 release, Tables 1-5 and 17; UK, England, ITL1/2/3 (2021 codes), 1998-2021.",
)
GVA_INCOME = Dataset(
    name="gva-income",
    title="Regional gross value added (balanced) by industry and income component: UK, ITL1 and ITL2",
    files=(PER_HEAD_FILE,),
    parse=parse_gva_income,
    version="1",
    dims=("industry", "measure"),
    period="year",
    description="ONS, April 2023 release, Tables 6-16 of the per-head and income components workbook; "
                "current basic prices, £ million, 1998-2021.",
)
GDP = Dataset(
    name="gdp",
    title="Regional gross domestic product (GDP): all ITL regions",
    files=(GDP_FILE,),
    parse=parse_gdp,
    version="1",
    dims=("measure",),
    period="year",
    description="ONS, April 2023 release, Tables 1-13: GVA, taxes and subsidies on products, GDP (current "
                "market prices and CVM 2019 money value), population, per head, deflators, growth; 1998-2021.",
)

DATASETS = [GVA, GVA_ITL, GVA_PER_HEAD, GVA_INCOME, GDP]


# --------------------------------------------------------------------------------------------
# Getters
# --------------------------------------------------------------------------------------------


def _as_list(x) -> list:
    if isinstance(x, str | int | np.integer):
        return [x]
    return list(x)


def _select(df: pd.DataFrame, column: str, wanted, *, what: str) -> pd.DataFrame:
    """Keep rows whose ``column`` is in ``wanted`` (None = all); unknown values raise a typed error."""
    if wanted is None:
        return df
    wanted = _as_list(wanted)
    have = df[column].unique().tolist()
    unknown = [w for w in wanted if w not in have]
    if unknown:
        if column == "area_code":
            areas = dict(df[["area_code", "area_name"]].drop_duplicates("area_code").astype(str)
                         .itertuples(index=False))
            by_name = {n: c for c, n in areas.items()}
            q = str(unknown[0])
            close = difflib.get_close_matches(q, list(areas), n=5, cutoff=0.6)
            close += [by_name[n] for n in difflib.get_close_matches(q, list(by_name), n=3, cutoff=0.6)]
            raise UnknownAreaError(q, [f"{c} {areas[c]}" for c in dict.fromkeys(close)], kind="area code")
        if column == "year":
            raise UnknownCodeError(f"No {what} for year(s) {unknown}; the years are {min(have)}-{max(have)}.")
        close = difflib.get_close_matches(str(unknown[0]), [str(h) for h in have], n=5, cutoff=0.4)
        hint = f" Closest: {', '.join(close)}." if close else ""
        raise UnknownCodeError(f"Unknown {what} {unknown[0]!r}.{hint} Known: {sorted(map(str, have))[:60]}.")
    return df[df[column].isin(wanted)]


def _measure(df: pd.DataFrame, measure) -> pd.DataFrame:
    return df if measure == "all" else _select(df, "measure", measure, what="measure")


def get_gva(*, measure: str | Iterable[str] = "current_prices", areas: str | Iterable[str] | None = None,
            years: int | Iterable[int] | None = None, industries: str | Iterable[str] | None = None) -> pd.DataFrame:
    """Regional gross value added (balanced) by industry and local authority (ONS, April 2025).

    Official title: "Regional gross value added (balanced) by industry: local authorities by ITL1 region",
    ONS, released 17 April 2025 (replacement tables after the 10 October 2025 correction of the CVM
    deflation at LA level). Workplace-based. 296 English local authorities on April 2023 boundaries
    (e.g. Cumberland E06000063), 49 SIC07 industry rows (see :func:`industry_hierarchy`), 1998-2023
    (2023 provisional).

    Parameters
    ----------
    measure : str or list of str, default "current_prices"
        ``"current_prices"`` (Table 3, current basic prices, £ million, ``additive=True``),
        ``"cvm"`` (Table 2, chained volume measures in 2022 money value, £ million), ``"cvm_index"``
        (Table 1, CVM index 2022=100), ``"deflator"`` (Table 4, implied deflator 2022=100), or ``"all"``.
        Only current prices may be summed across areas or industries.
    areas : str or list of str, optional
        LA codes (April 2023 GSS codes, e.g. ``"E06000042"``). Names are not accepted.
    years : int or list of int, optional
    industries : str or list of str, optional
        Industry codes as published (``"Total"``, ``"C (10-33)"``, ``"41"``, ``"68IMP"``). Do not sum
        across hierarchy levels: use :func:`leaves` or :func:`children`.

    Returns
    -------
    DataFrame
        ``area_code, area_name, itl1, itl1_name, year, industry, industry_name, measure, value, unit,
        flag, additive``. ``[c]`` (confidential) and ``[u]`` (unreliable) cells are NA with the marker
        in ``flag``.
    """
    df = load(GVA)
    df = _measure(df, measure)
    df = _select(df, "area_code", areas, what="area")
    df = _select(df, "year", years, what="GVA")
    return _select(df, "industry", industries, what="industry")


def get_gva_itl(*, measure: str | Iterable[str] = "current_prices", areas: str | Iterable[str] | None = None,
                years: int | Iterable[int] | None = None, industries: str | Iterable[str] | None = None,
                itl_level: str | Iterable[str] | None = None) -> pd.DataFrame:
    """Regional gross value added (balanced) by industry for ITL1, ITL2 and ITL3 regions (ONS, April 2023).

    Official title: "Regional gross value added (balanced) by industry: all ITL regions", ONS, 25 April
    2023, Tables 1b/1c, 2b/2c, 3b/3c. ITL 2021 codes (``TLC``, ``TLC1``, ``TLC11``); ITL1 tables also
    have ``UK``, ``UKX`` (UK less Extra-Regio), ``TLB`` (England) and ``TLZ`` (Extra-Regio). 1998-2021
    (2021 provisional). The industry detail differs by level (107 rows at ITL1, 96 at ITL2, 64 at ITL3).

    Parameters
    ----------
    measure : str or list of str, default "current_prices"
        ``"current_prices"`` (£ million, ``additive=True``), ``"cvm"`` (chained volume measures in 2019
        money value, £ million, not additive) or ``"all"``.
    areas : str or list of str, optional
        ITL codes.
    years : int or list of int, optional
    industries : str or list of str, optional
        Codes as published in the ITL tables (``"CA (10-12)"``, ``"52"``...). The columns
        ``la_industry`` (same SIC07 coverage in the LA hierarchy, else NA) and ``la_within`` (finest LA
        industry containing it) relate them to :func:`get_gva`'s codes.
    itl_level : str or list of str, optional
        ``"UK"``, ``"Other"`` (England, Extra-Regio), ``"ITL1"``, ``"ITL2"``, ``"ITL3"``.
    """
    df = load(GVA_ITL)
    df = _measure(df, measure)
    df = _select(df, "itl_level", itl_level, what="ITL level")
    df = _select(df, "area_code", areas, what="area")
    df = _select(df, "year", years, what="GVA")
    return _select(df, "industry", industries, what="industry")


def get_gva_per_head(*, measure: str | Iterable[str] = "gva_per_head", areas: str | Iterable[str] | None = None,
                     years: int | Iterable[int] | None = None,
                     itl_level: str | Iterable[str] | None = None) -> pd.DataFrame:
    """Regional GVA (balanced) totals, per head, indices, growth and population (ONS, April 2023).

    Official title: "Regional gross value added (balanced) per head and income components", ONS,
    25 April 2023, Tables 1-5 and 17. UK, England (``TLB``), Extra-Regio (``TLZ``, no per-head values),
    ITL1/ITL2/ITL3 (2021 codes); ``UKX`` = UK less Extra-Regio. Workplace-based GVA at current basic
    prices; per head uses total resident population (ONS mid-year estimates). 1998-2021 (growth rates
    from 1999; 2021 provisional).

    Parameters
    ----------
    measure : str or list of str, default "gva_per_head"
        ``"gva_current_prices"`` (£ million, additive), ``"gva_per_head"`` (£ per head),
        ``"gva_per_head_index"`` (UK less Extra-Regio = 100), ``"gva_growth"`` and
        ``"gva_per_head_growth"`` (% change on previous year; some 2021 per-head growth cells are
        flagged ``u``, unreliable), ``"population"`` (persons, additive), or ``"all"``.
    areas : str or list of str, optional
        ITL codes (``UK``, ``UKX``, ``TLB``, ``TLC``, ``TLC1``, ``TLC11``...).
    years : int or list of int, optional
    itl_level : str or list of str, optional
        ``"UK"``, ``"Other"``, ``"ITL1"``, ``"ITL2"``, ``"ITL3"``.
    """
    df = load(GVA_PER_HEAD)
    df = _measure(df, measure)
    df = _select(df, "itl_level", itl_level, what="ITL level")
    df = _select(df, "area_code", areas, what="area")
    return _select(df, "year", years, what="GVA per head")


def get_gva_income(*, measure: str | Iterable[str] = "all", areas: str | Iterable[str] | None = None,
                   years: int | Iterable[int] | None = None, industries: str | Iterable[str] | None = None,
                   itl_level: str | Iterable[str] | None = None) -> pd.DataFrame:
    """Regional GVA (balanced) by industry and its income components (ONS, April 2023).

    Official title: "Regional gross value added (balanced) per head and income components", ONS,
    25 April 2023, Tables 6-16. Current basic prices, £ million, all additive. UK, England, Extra-Regio,
    ITL1 and ITL2 (2021 codes), 32-33 industry rows (sections, and manufacturing groups), 1998-2021.

    For every area, industry and year, ``gva_current_prices`` equals the sum of the ten other measures
    (compensation of employees, mixed income, rental income, non-market capital consumption, holding
    gains, gross trading profits, gross trading surplus, taxes on production, subsidies on production
    (published as negative numbers) and the statistical discrepancy), within rounding.

    Parameters
    ----------
    measure : str or list of str, default "all"
        ``"gva_current_prices"``, ``"compensation_of_employees"``, ``"mixed_income"``,
        ``"rental_income"``, ``"non_market_capital_consumption"``, ``"holding_gains"``,
        ``"gross_trading_profits"``, ``"gross_trading_surplus"``, ``"taxes_on_production"``,
        ``"subsidies_on_production"``, ``"statistical_discrepancy"``.
    areas, years, industries, itl_level : optional
        As for :func:`get_gva_itl`. ITL1 rows split ``CD-CE (19-20)`` and ``CF (21)``; ITL2 rows have
        ``CD-CF (19-21)``.
    """
    df = load(GVA_INCOME)
    df = _measure(df, measure)
    df = _select(df, "itl_level", itl_level, what="ITL level")
    df = _select(df, "area_code", areas, what="area")
    df = _select(df, "year", years, what="GVA")
    return _select(df, "industry", industries, what="industry")


def get_gdp(*, measure: str | Iterable[str] = "gdp_current_prices", areas: str | Iterable[str] | None = None,
            years: int | Iterable[int] | None = None, itl_level: str | Iterable[str] | None = None) -> pd.DataFrame:
    """Regional gross domestic product for all ITL regions (ONS, April 2023).

    Official title: "Regional gross domestic product (GDP): all ITL regions", ONS, 25 April 2023, Tables
    1-13. UK, England (``TLB``), Extra-Regio (``TLZ``), ITL1/ITL2/ITL3 (2021 codes), ``UKX`` = UK less
    Extra-Regio. 1998-2021 (growth from 1999; 2021 provisional). GDP at current market prices = GVA at
    current basic prices + VAT on products + other taxes on products - subsidies on products.

    Parameters
    ----------
    measure : str or list of str, default "gdp_current_prices"
        Current prices, £ million, additive: ``"gva_current_prices"``, ``"vat_on_products"``,
        ``"other_taxes_on_products"``, ``"subsidies_on_products"`` (published as positive numbers),
        ``"gdp_current_prices"``; ``"population"`` (persons, additive). Not additive:
        ``"gdp_per_head"`` (£), ``"gva_deflator"`` (whole-economy GVA implied deflator, 2019=100; the UK
        row uses the GDP deflator), ``"gdp_cvm_index"`` (2019=100), ``"gdp_cvm"`` (£ million, 2019 money
        value), ``"gdp_cvm_per_head"`` (£, 2019 money value), ``"gdp_cvm_growth"`` and
        ``"gdp_cvm_per_head_growth"`` (%; some 2021 cells flagged ``u``). ``"all"`` for every measure.
        Extra-Regio per-head values (printed as 0) are NA with flag ``"[z]"`` (not applicable).
    areas, years, itl_level : optional
        As for :func:`get_gva_per_head`.
    """
    df = load(GDP)
    df = _measure(df, measure)
    df = _select(df, "itl_level", itl_level, what="ITL level")
    df = _select(df, "area_code", areas, what="area")
    return _select(df, "year", years, what="GDP")


__all__ = [
    "DATASETS", "GVA", "GVA_ITL", "GVA_PER_HEAD", "GVA_INCOME", "GDP", "UnknownCodeError",
    "industry_hierarchy", "children", "parent", "leaves", "sic_divisions", "match_la_industry",
    "parse_gva", "parse_gva_itl", "parse_gva_per_head", "parse_gva_income", "parse_gdp",
    "get_gva", "get_gva_itl", "get_gva_per_head", "get_gva_income", "get_gdp",
]
