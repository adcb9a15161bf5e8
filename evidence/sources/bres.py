"""Business Register and Employment Survey (BRES, ONS) open-access extracts from Nomis.

Five files, five datasets (one getter, :func:`get_bres`):

========================================  =======================================================================
dataset (``source=``)                     content
========================================  =======================================================================
``bres-lad-division-2015-2017``           employment, GB LADs (2016 codes) x 87 SIC07 2-digit divisions, 2015-2017
(``"lad-division"``)                      (a Nomis CSV reshaped wide by its downloader; divisions lose their
                                          leading zero there, restored here: ``1`` -> ``"01"``)
``bres-itl3-section-2023``                employees, GB ITL3 areas (January 2021 codes) x SIC07 sections A-U, 2023
(``"itl3-section"``)                      (Nomis Excel download; ITL 2021 codes, not ITL 2025)
``bres-lep-nuts3-2015-2020``              employment, England + 38 LEPs + 168 GB NUTS3 (2016) areas x 21 sections
(``"lep-nuts3"``)                         and x 18 broad industry groups, 2015-2020 (Nomis Excel download)
``bres-ca-2015-2024``                     4 employment statuses, 15 English combined authorities x 18 broad
(``"ca"``)                                groups, 21 sections and 88 divisions, 2015-2024 (Nomis CSV download;
                                          2024 provisional)
``bres-lad-section-yorkshire-2015-2021``  employment, 13 West/North Yorkshire LADs (pre-2023 codes) x sections
(``"lad-section-yorkshire"``)             A-U, 2015-2021 (a tidy Nomis API extract)
========================================  =======================================================================

Every frame has the dimensions ``employment_status`` (``Employment`` = employees plus working owners,
``Employees``, ``Full-time employees``, ``Part-time employees``), ``classification`` and ``industry``.
``classification`` says which breakdown an industry code belongs to: ``section`` (``"A"``..``"U"``),
``broad_group`` (the 18 Nomis broad industry groups, ``"1"``..``"18"``) or ``division`` (SIC07 2-digit,
``"01"``..``"99"``, always two digits). The breakdowns are alternatives, each adding up to the same total:
**never sum across classifications**, and never match codes without their classification (broad group
``"10"`` is Information & communication, division ``"10"`` is food manufacturing).

Counts are Nomis open-access estimates, rounded (the rounding varies with size, see Nomis article 1103),
so zeros may be rounded-down small numbers, and sums of rounded cells differ from published totals.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SchemaError
from . import nomis_downloads as nd
from .base import Dataset, load, require_columns

STATUSES = ("Employees", "Full-time employees", "Part-time employees", "Employment")
_INDUSTRY = re.compile(r"^(?P<code>[A-Z]|\d{1,2})\s*:\s*(?P<name>.+)$", re.S)
_SECTIONS = tuple("ABCDEFGHIJKLMNOPQRSTU")
_GROUPS = tuple(str(i) for i in range(1, 19))
_CATEGORIES = ("area_code", "area_name", "area_type", "employment_status", "classification", "industry",
               "industry_name", "unit", "flag")
_COLUMNS = ["area_code", "area_name", "area_type", "year", "employment_status", "classification", "industry",
            "industry_name", "value", "unit", "flag", "additive"]


def _unit(status: pd.Series) -> pd.Series:
    """``persons`` for Employment (employees and working owners), ``employees`` for the employee statuses."""
    return np.where(status == "Employment", "persons", "employees")


def classify_industries(labels: Sequence[str], order: Sequence[str], *, file: Path | str,
                        sheet: str | None = nd.DATA_SHEET) -> list[tuple[str, str, str]]:
    """Classify Nomis industry labels, in file order, as sections, broad groups or divisions.

    Nomis writes ``A : Agriculture, forestry and fishing`` (a section), ``1 : Agriculture, forestry &
    fishing (A)`` (a broad group) and ``01 : Crop and animal production...`` (a division). Codes 10-18 are
    both broad groups and divisions, so the labels are classified by position: consecutive runs of letter
    codes and of numeric codes must match ``order`` (e.g. ``("broad_group", "section", "division")``), and
    each run is then checked (broad groups ``1``..``18`` in order, sections ``A``..``U`` in order,
    divisions two digits, ascending).

    Returns
    -------
    list of (classification, code, name)
    """
    name = Path(file).name
    parsed = []
    for label in labels:
        m = _INDUSTRY.match(label.strip())
        if not m:
            raise SchemaError(f"industry label {label!r} is not 'CODE : name'.", file=name, sheet=sheet)
        parsed.append((m["code"], " ".join(m["name"].split())))
    runs: list[list[tuple[str, str]]] = []
    for code, text in parsed:
        if runs and runs[-1][0][0].isalpha() == code.isalpha():
            runs[-1].append((code, text))
        else:
            runs.append([(code, text)])
    kinds = ["section" if run[0][0].isalpha() else "numeric" for run in runs]
    wanted = ["section" if o == "section" else "numeric" for o in order]
    if kinds != wanted:
        raise SchemaError(f"industries are not in the expected order {list(order)} (found runs of "
                          f"{[f'{k} x{len(r)}' for k, r in zip(kinds, runs, strict=True)]}).", file=name, sheet=sheet)
    out = []
    for cls, run in zip(order, runs, strict=True):
        codes = [c for c, _ in run]
        if cls == "section" and codes != list(_SECTIONS):
            raise SchemaError(f"expected sections A..U in order, found {codes}.", file=name, sheet=sheet)
        if cls == "broad_group" and codes != list(_GROUPS):
            raise SchemaError(f"expected broad industry groups 1..18 in order, found {codes}.", file=name, sheet=sheet)
        if cls == "division":
            if not all(len(c) == 2 for c in codes) or codes != sorted(codes) or len(set(codes)) != len(codes):
                raise SchemaError(f"expected two-digit SIC07 divisions in ascending order, found {codes[:8]}...",
                                  file=name, sheet=sheet)
        out.extend((cls, c, t) for c, t in run)
    return out


def _finish(df: pd.DataFrame, *, key: Sequence[str], file: Path, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Check uniqueness, order the columns, use categoricals."""
    if df.duplicated(list(key)).any():
        first = df[df.duplicated(list(key))].iloc[0]
        raise SchemaError(f"duplicate cell for {dict(first[list(key)])}.", file=file.name)
    df = df[_COLUMNS + list(extra)].sort_values(["year", "employment_status", "area_type", "area_code",
                                                 "classification"], kind="stable").reset_index(drop=True)
    return nd.to_categories(df, _CATEGORIES)


# --- bres-lad-division-2015-2017 -------------------------------------------------------------------------

LAD_DIVISION_HEADER = ("timestep", "lad16nm", "lad16cd")


def parse_bres_lad_division(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse ``bres-lad-division-2015-2017`` (employment, GB LAD 2016 x SIC07 division, 2015-2017).

    The file is a Nomis CSV with 6 metadata lines, reshaped wide by its downloader: one row per year x
    LAD, one column per division written without its leading zero (``1``, ``2``, ``3``, ``5``...).
    """
    path = Path(paths["bres-lad-division-2015-2017"])
    try:
        raw = pd.read_csv(path, skiprows=6, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise SchemaError(f"could not be read as CSV ({exc}).", file=path.name) from exc
    with open(path, encoding="utf-8-sig") as fh:
        head = [next(fh, "") for _ in range(6)]
    if not head[0].startswith("Business Register and Employment Survey") or not any(
            h.startswith("Employment status:,Employment") for h in head):
        raise SchemaError("expected 6 Nomis metadata lines (title, copyright, Analysis, Date, "
                          "'Employment status:,Employment', measure) before the header.", file=path.name)
    require_columns(raw, LAD_DIVISION_HEADER, file=path)
    divisions = [c for c in raw.columns if c not in LAD_DIVISION_HEADER]
    bad = [c for c in divisions if not re.fullmatch(r"\d{1,2}", c)]
    if bad or not divisions:
        raise SchemaError(f"expected SIC07 division columns '1'..'99' after {list(LAD_DIVISION_HEADER)}, found "
                          f"{bad[:5] or 'none'}.", file=path.name)
    if not raw["lad16cd"].str.fullmatch(r"[EWSN]\d{8}").all():
        row = raw[~raw["lad16cd"].str.fullmatch(r"[EWSN]\d{8}")].index[0]
        raise SchemaError(f"row {row + 8}: {raw.loc[row, 'lad16cd']!r} is not a GSS LAD code.", file=path.name)
    long = raw.melt(id_vars=list(LAD_DIVISION_HEADER), var_name="division", value_name="raw")
    value = pd.to_numeric(long["raw"], errors="coerce")
    if value.isna().any():
        row = long[value.isna()].iloc[0]
        raise SchemaError(f"missing or non-numeric count for {row['lad16nm']} {row['timestep']} division "
                          f"{row['division']} ({row['raw']!r}); is the file truncated?", file=path.name)
    years = pd.to_numeric(raw["timestep"], errors="coerce")
    if years.isna().any():
        raise SchemaError("'timestep' must be a year on every row.", file=path.name)
    per_year = raw.groupby("timestep")["lad16cd"].apply(frozenset)
    if per_year.nunique() != 1:
        raise SchemaError(f"the years do not cover the same LADs (counts {raw['timestep'].value_counts().to_dict()}); "
                          "is the file truncated?", file=path.name)
    df = pd.DataFrame({
        "area_code": long["lad16cd"],
        "area_name": long["lad16nm"],
        "area_type": "lad",
        "year": long["timestep"].astype("int64"),
        "employment_status": "Employment",
        "classification": "division",
        "industry": long["division"].str.zfill(2),
        "industry_name": None,
        "value": value.astype("float64"),
        "flag": None,
        "additive": True,
    })
    df["unit"] = _unit(df["employment_status"])
    return _finish(df, key=["area_code", "year", "industry"], file=path)


# --- bres-itl3-section-2023 ------------------------------------------------------------------------------

ITL3_HEADER = "international territorial levels - level 3 (as of Jan 2021)"


def _bres_blocks(path: Path, header: str | Sequence[str]) -> list[nd.Block]:
    return nd.split_blocks(nd.read_rows(path), file=path, header=header,
                           sheet=None if path.suffix.lower() == ".csv" else nd.DATA_SHEET)


def _area_by_industry(blocks: list[nd.Block], order: Sequence[str], *, path: Path,
                      status: set[str]) -> pd.DataFrame:
    """Cells of blocks whose rows are areas and columns industries; year/status from each block's metadata."""
    frames = []
    for b in blocks:
        year = nd.year_of(nd.require_meta(b, "date", file=path.name), file=path.name)
        st = nd.require_meta(b, "employment status", file=path.name, allowed=status)
        nd.require_meta(b, "measure", file=path.name, allowed={"Count"})
        classes = classify_industries([c.label for c in b.columns], order, file=path)
        cells = nd.block_cells(b)
        cells["year"] = year
        cells["employment_status"] = st
        cells["classification"] = [classes[i][0] for i in cells["col_pos"]]
        cells["industry"] = [classes[i][1] for i in cells["col_pos"]]
        cells["industry_name"] = [classes[i][2] for i in cells["col_pos"]]
        frames.append(cells)
    df = pd.concat(frames, ignore_index=True)
    value, vmark = nd.split_numbers(df["raw"], allowed=(), file=path)
    _, flag = nd.split_numbers(df["raw_flags"], allowed={"*"}, file=path, what="Flags")
    if value.isna().any():
        row = df[value.isna()].iloc[0]
        raise SchemaError(f"empty count for {row['row_label']!r}, {row['column']}, {row['year']}.", file=path.name)
    df["value"] = value
    df["flag"] = flag
    return df


def parse_bres_itl3_section(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse ``bres-itl3-section-2023`` (employees, GB ITL3 (January 2021) x SIC07 section, 2023).

    Area labels hold the ITL3 code and name in one cell (``TLC11 Hartlepool and Stockton-on-Tees``); the
    code is taken from the cell, the name is the rest of it. These are **ITL 2021** codes (Nomis: "as of
    Jan 2021"), not the ITL 2025 codes of :mod:`evidence.geography`: 57 of the 168 codes no longer exist
    in ITL 2025, and a code kept in both may cover a different area (TLM93 is "East Ayrshire and North
    Ayrshire mainland" here, "North Ayrshire and East Ayrshire" in ITL 2025), so never join the two by code.
    """
    path = Path(paths["bres-itl3-section-2023"])
    df = _area_by_industry(_bres_blocks(path, ITL3_HEADER), ["section"], path=path, status={"Employees"})
    areas = {lab: nd.split_coded_label(lab, file=path, pattern=r"TL[C-N]\w\d") for lab in df["row_label"].unique()}
    df["area_code"] = df["row_label"].map({k: v[0] for k, v in areas.items()})
    df["area_name"] = df["row_label"].map({k: v[1] for k, v in areas.items()})
    df["area_type"] = "itl3"
    df["additive"] = True
    df["unit"] = _unit(df["employment_status"])
    return _finish(df, key=["area_code", "year", "industry"], file=path)


# --- bres-lep-nuts3-2015-2020 ----------------------------------------------------------------------------


def read_bres_lep_nuts3_cells(path: Path) -> pd.DataFrame:
    """The pure block step for ``bres-lep-nuts3-2015-2020``: cells keyed by the raw Nomis ``row_label``."""
    return _area_by_industry(_bres_blocks(path, "Area"), ["section", "broad_group"], path=path,
                             status={"Employment"})


def parse_bres_lep_nuts3(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse ``bres-lep-nuts3-2015-2020`` (employment, England, 38 LEPs and GB NUTS3 2016, 2015-2020).

    Every label is resolved through :func:`evidence.geography.resolve_nomis_label`: ``country:England``,
    the 38 ``lep:`` names (2021 LEP codes) and ``nuts316:UKC11 Hartlepool and Stockton-on-Tees`` (the NUTS
    2016 code and name the label carries).
    """
    path = Path(paths["bres-lep-nuts3-2015-2020"])
    df = read_bres_lep_nuts3_cells(path)
    nd.attach_areas(df, nd.resolve_labels(df["row_label"].unique(), file=path))
    df["additive"] = True
    df["unit"] = _unit(df["employment_status"])
    return _finish(df, key=["area_code", "year", "classification", "industry"], file=path)


# --- bres-ca-2015-2024 -----------------------------------------------------------------------------------

#: The latest year of the combined-authority file is provisional (the file's footnote: "ONS will revise
#: the provisional 2024 tables ... in October 2026").
CA_PROVISIONAL_YEARS = frozenset({2024})


def read_bres_ca_cells(path: Path) -> pd.DataFrame:
    """The pure block step for ``bres-ca-2015-2024``: rows are industries, columns combined-authority names.

    Returns one row per block x industry x area with the raw area name in ``area_label``.
    """
    blocks = _bres_blocks(path, "Industry")
    frames = []
    first_rows = None
    for b in blocks:
        year = nd.year_of(nd.require_meta(b, "date", file=path.name, sheet=None), file=path.name, sheet=None)
        status = nd.require_meta(b, "employment status", file=path.name, sheet=None, allowed=set(STATUSES))
        nd.require_meta(b, "measure", file=path.name, sheet=None, allowed={"Count"})
        labels = [nd.cell_text(r[0]) for r in b.rows]
        if first_rows is None:
            first_rows = labels
            classes = classify_industries(labels, ["broad_group", "section", "division"], file=path, sheet=None)
        elif labels != first_rows:
            raise SchemaError(f"{b.describe()}: the industry rows differ from the first block's.", file=path.name)
        cells = nd.block_cells(b)
        cells["year"] = year
        cells["employment_status"] = status
        frames.append(cells)
    df = pd.concat(frames, ignore_index=True)
    per_year = df.groupby("year")["employment_status"].unique()
    incomplete = {int(y): sorted(s) for y, s in per_year.items() if sorted(s) != sorted(STATUSES)}
    if incomplete:
        raise SchemaError(f"every year must have the blocks {list(STATUSES)}; found {incomplete}. Is the file "
                          "truncated?", file=path.name)
    pos = df["row_pos"].to_numpy()
    value, _ = nd.split_numbers(df["raw"], allowed=(), file=path, sheet=None)
    _, flag = nd.split_numbers(df["raw_flags"], allowed=(), file=path, sheet=None, what="Flags")
    if value.isna().any():
        row = df[value.isna()].iloc[0]
        raise SchemaError(f"empty count for {row['column']!r}, {row['row_label'][:40]!r}, {row['year']}; is the "
                          "file truncated?", file=path.name)
    out = pd.DataFrame({
        "area_label": df["column"],
        "year": df["year"].astype("int64"),
        "employment_status": df["employment_status"],
        "classification": np.array([c[0] for c in classes], dtype=object)[pos],
        "industry": np.array([c[1] for c in classes], dtype=object)[pos],
        "industry_name": np.array([c[2] for c in classes], dtype=object)[pos],
        "value": value,
        "flag": flag,
    })
    dupes = out.duplicated(["area_label", "year", "employment_status", "classification", "industry"])
    if dupes.any():
        first = out[dupes].iloc[0]
        raise SchemaError(f"block for {first['year']} {first['employment_status']} appears twice.", file=path.name)
    return out


#: An ONS file listing every combined authority by E47 code and name, including the four created after the
#: May 2024 LAD -> CA lookup behind :mod:`evidence.geography` (E47000015 Devon and Torbay, E47000016 Hull
#: and East Yorkshire, E47000017 Greater Lincolnshire, E47000018 Lancashire).
CA_CODES_ENTRY = "els-employment-rate"
_CA_GEOGRAPHY = "Combined Authority or City Region"


def ons_ca_codes(path: Path) -> dict[str, tuple[str, str, str]]:
    """Combined-authority name -> ``(E47 code, name, "ca")`` from an Explore Local Statistics CSV (ONS).

    Rows tagged ``Combined Authority or City Region`` with an E47 code; codes the file notes as obsolete
    are left out. A name with two codes raises ``SchemaError``.
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False,
                          usecols=["areacd", "areanm", "geography", "notes"])
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise SchemaError(f"could not read the combined-authority codes ({exc}); expected the Explore Local "
                          "Statistics columns areacd, areanm, geography, notes.", file=path.name) from exc
    ca = raw[(raw["geography"] == _CA_GEOGRAPHY) & raw["areacd"].str.fullmatch(r"E47\d{6}")
             & ~raw["notes"].str.contains("bsolete")].drop_duplicates(["areacd", "areanm"])
    if ca.empty or ca["areanm"].duplicated().any():
        raise SchemaError(f"expected one E47 code per combined-authority name, found {len(ca)} rows.",
                          file=path.name)
    return {n: (c, n, "ca") for c, n in zip(ca["areacd"], ca["areanm"], strict=True)}


def parse_bres_ca(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse ``bres-ca-2015-2024`` (15 English combined authorities, 4 statuses, 2015-2024; 2024 provisional).

    The file names the combined authorities without codes. Each name is resolved to its E47 code with
    :func:`evidence.geography.resolve` (type ``ca``); the four authorities created after the geography
    module's May 2024 lookup (Devon and Torbay, Greater Lincolnshire, Hull and East Yorkshire, Lancashire)
    take their codes from the ONS Explore Local Statistics file ``els-employment-rate`` instead, and a
    name found in neither raises ``UnknownAreaError``. Where both know a name, their codes must agree.
    ``provisional`` is True for 2024.
    """
    path = Path(paths["bres-ca-2015-2024"])
    df = read_bres_ca_cells(path)
    ons = ons_ca_codes(paths[CA_CODES_ENTRY])
    resolved = nd.resolve_labels(df["area_label"].unique(), file=path, type="ca", fallback=ons)
    clash = {lab: (code, ons[lab][0]) for lab, (code, _, _) in resolved.items() if lab in ons and ons[lab][0] != code}
    if clash:
        raise SchemaError(f"the geography module and {Path(paths[CA_CODES_ENTRY]).name} disagree on combined-"
                          f"authority codes: {clash}.", file=path.name)
    nd.attach_areas(df, resolved, label="area_label")
    df["additive"] = True
    df["unit"] = _unit(df["employment_status"])
    df["provisional"] = df["year"].isin(CA_PROVISIONAL_YEARS)
    return _finish(df, key=["area_code", "year", "employment_status", "classification", "industry"], file=path,
                   extra=["provisional"])


# --- bres-lad-section-yorkshire-2015-2021 ---------------------------------------------------------------

YORKSHIRE_HEADER = ("DATE", "GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "INDUSTRY_CODE", "INDUSTRY_NAME", "OBS_VALUE")


def parse_bres_lad_section_yorkshire(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse ``bres-lad-section-yorkshire-2015-2021`` (employment, 13 LADs x SIC07 section, 2015-2021).

    A tidy Nomis API extract (NM_189_1, employment status 4 = Employment, measure 1 = Count). LAD codes
    are those in force before April 2023 (e.g. Craven E07000163, since merged into North Yorkshire).
    """
    path = Path(paths["bres-lad-section-yorkshire-2015-2021"])
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise SchemaError(f"could not be read as CSV ({exc}).", file=path.name) from exc
    require_columns(raw, YORKSHIRE_HEADER, file=path)
    value = pd.to_numeric(raw["OBS_VALUE"], errors="coerce")
    year = pd.to_numeric(raw["DATE"], errors="coerce")
    bad = value.isna() | year.isna() | ~raw["GEOGRAPHY_CODE"].str.fullmatch(r"[EWSN]\d{8}") | ~raw[
        "INDUSTRY_CODE"].isin(_SECTIONS)
    if bad.any():
        row = raw[bad].iloc[0]
        raise SchemaError(f"unexpected row {dict(row)} (expected a year, a GSS code, a section letter A-U and a "
                          "count); is the file truncated?", file=path.name)
    per_area = raw.groupby(["DATE", "GEOGRAPHY_CODE"])["INDUSTRY_CODE"].nunique()
    if (per_area != len(_SECTIONS)).any():
        raise SchemaError(f"{(per_area != len(_SECTIONS)).sum()} area-years lack some of the 21 sections; is the "
                          "file truncated?", file=path.name)
    names = raw["INDUSTRY_NAME"].str.extract(_INDUSTRY)["name"].str.strip()
    df = pd.DataFrame({
        "area_code": raw["GEOGRAPHY_CODE"],
        "area_name": raw["GEOGRAPHY_NAME"],
        "area_type": "lad",
        "year": year.astype("int64"),
        "employment_status": "Employment",
        "classification": "section",
        "industry": raw["INDUSTRY_CODE"],
        "industry_name": names,
        "value": value.astype("float64"),
        "flag": None,
        "additive": True,
    })
    df["unit"] = _unit(df["employment_status"])
    return _finish(df, key=["area_code", "year", "industry"], file=path)


# --- registry and getter -------------------------------------------------------------------------------

_DIMS = ("employment_status", "classification", "industry")
DATASETS = [
    Dataset(name="bres-lad-division-2015-2017",
            title="BRES open access: employment by LAD (2016) and SIC07 division, GB, 2015-2017",
            files=("bres-lad-division-2015-2017",), parse=parse_bres_lad_division, version="1", dims=_DIMS),
    Dataset(name="bres-itl3-section-2023", title="BRES open access: employees by ITL3 (2021) and SIC07 section, 2023",
            files=("bres-itl3-section-2023",), parse=parse_bres_itl3_section, version="1", dims=_DIMS),
    Dataset(name="bres-lep-nuts3-2015-2020",
            title="BRES open access: employment by LEP and NUTS3 (2016), SIC07 sections and broad groups, 2015-2020",
            files=("bres-lep-nuts3-2015-2020",), parse=parse_bres_lep_nuts3, version="1", dims=_DIMS),
    Dataset(name="bres-ca-2015-2024",
            title="BRES open access: combined authorities by industry and employment status, 2015-2024",
            files=("bres-ca-2015-2024", CA_CODES_ENTRY), parse=parse_bres_ca, version="1", dims=_DIMS),
    Dataset(name="bres-lad-section-yorkshire-2015-2021",
            title="BRES open access: employment by LAD and SIC07 section, West and North Yorkshire, 2015-2021",
            files=("bres-lad-section-yorkshire-2015-2021",), parse=parse_bres_lad_section_yorkshire, version="1",
            dims=_DIMS),
]
SOURCES = {
    "lad-division": DATASETS[0],
    "itl3-section": DATASETS[1],
    "lep-nuts3": DATASETS[2],
    "ca": DATASETS[3],
    "lad-section-yorkshire": DATASETS[4],
}


def get_bres(
    *,
    source: str,
    area_codes: str | Sequence[str] | None = None,
    area_types: str | Sequence[str] | None = None,
    years: int | Sequence[int] | None = None,
    classification: str | Sequence[str] | None = None,
    industries: str | Sequence[str] | None = None,
    employment_status: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Business Register and Employment Survey open-access employment (ONS, via Nomis).

    Parameters
    ----------
    source
        Which extract (see the module docstring): ``"lad-division"`` (GB LAD 2016 codes x SIC07 division,
        employment, 2015-2017), ``"itl3-section"`` (GB ITL3 January 2021 x section, employees, 2023),
        ``"lep-nuts3"`` (England, 38 LEPs and GB NUTS3 2016 x sections and broad groups, employment,
        2015-2020), ``"ca"`` (15 English combined authorities, E47 codes, x broad groups, sections and
        divisions, four employment statuses, 2015-2024 with 2024 provisional) or
        ``"lad-section-yorkshire"`` (13 West/North Yorkshire LADs, pre-2023 codes, x section, employment,
        2015-2021). The dataset names (e.g. ``"bres-ca-2015-2024"``) are accepted too.
    area_codes, area_types, years, classification, industries, employment_status
        Optional filters (a value or a list). ``classification`` is ``"section"``, ``"broad_group"`` or
        ``"division"``; ``industries`` are codes as strings (``"C"``, ``"3"``, ``"01"``).

    Returns
    -------
    DataFrame
        ``area_code, area_name, area_type, year, employment_status, classification, industry,
        industry_name, value, unit, flag, additive`` (and ``provisional`` for ``"ca"``). ``unit`` is
        ``persons`` for Employment (employees plus working owners) and ``employees`` otherwise; counts are
        rounded and ``additive`` (but never across classifications). ``flag`` ``*`` marks section A and
        broad group 1 for Scottish NUTS3 areas in 2015-2017: farm agriculture (SIC 01000) is excluded.
    """
    by_name = {ds.name: ds for ds in DATASETS}
    ds = SOURCES.get(source) or by_name.get(source)
    if ds is None:
        raise ValueError(f"source must be one of {sorted(SOURCES)} (or a dataset name), not {source!r}.")
    df = load(ds)
    return nd.filter_frame(df, area_code=area_codes, area_type=area_types, year=years, classification=classification,
                           industry=industries, employment_status=employment_status)
