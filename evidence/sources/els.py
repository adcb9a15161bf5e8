"""ONS Explore Local Statistics (ELS) indicator series: one dataset per published CSV.

Each indicator is published by ONS as a long CSV (one row per area x indicator x period, 12 columns:
``areacd, areanm, geography, indicator, period, observation, measure, unit, lci_95, uci_95, status,
notes``) with a JSON sidecar of metadata (``ess-beta-metadata``: label, subtitle, source date, source URL,
caveats, whether the series is official statistics in development). The loader reads both and returns
the tidy contract of :mod:`evidence.sources.base`, plus:

``area_code_2023``
    The April-2023 GSS code, so every ELS series joins on one LAD vintage. Housing affordability and
    gigabit broadband use 2025 codes, in which Barnsley and Sheffield were recoded after a small boundary
    change (E08000038 -> E08000016, E08000039 -> E08000019); every other code is the same in both
    vintages. ITL codes are kept as published.
``code_vintage``
    The code set ``area_code`` belongs to: ``"GSS 2023"`` or ``"GSS 2025"`` (GSS codes as of that April;
    they differ only for Barnsley and Sheffield), ``"ITL 2025"``, or ``"ITL 2021"`` for the ITL codes
    the publisher notes as "Obsolete code since 2025" (exports 2019-2022 only, see below).
``geography_level``
    The publisher's ``geography`` value (``Country``, ``Nation``, ``Region``, ``County or Unitary
    Authority``, ``Local Authority District``, ``Combined Authority or City Region``, ``ITL Level 1/2/3``).
    English unitary authorities (E06) are tagged ``County or Unitary Authority`` only, so select every
    English LAD with ``area_code.str.match("^E0[6-9]")``, not by level.
``indicator`` / ``metric``
    The CSV's indicator name and the official label from the sidecar.
``period`` / ``period_type`` / ``year``
    ``period`` as published; ``period_type`` is ``"calendar year"`` (``2023-01-01/P1Y``), ``"financial
    year"`` (``2020-04-01/P1Y``: April 2020 to March 2021) or ``"reference date"`` (ASHE survey dates such
    as ``2025-04-30``, the affordability April reference ``2025-04-01``, the gigabit snapshot
    ``2026-01-01``). ``year`` is always the year in which the period starts, so financial year 2020-21
    is ``year == 2020``.
``lci_95`` / ``uci_95``
    95% confidence limits (survey-based series only), rounded to 10 significant digits to remove binary
    float noise (``73.60000000000001`` -> ``73.6``). Ten digits keep every published digit: the ASHE
    limits carry six decimals (``573.773196``), which six significant digits would change.
``measure`` / ``notes``
    As published, except for the corrections listed below, which are stated in ``notes``.

Corrections and drops (each documented where it happens):

* Housing affordability: published with ``measure`` ``Percentage`` and ``unit`` ``%`` but the value is a
  ratio (median house price / median gross annual residence-based earnings, e.g. 7.56), so ``unit`` is
  set to ``"ratio (house price / annual earnings)"`` and ``measure`` to ``"Ratio"``.
* Exports: ITL 2021 and ITL 2025 codes are both present for the same places (TLC11 and TLC31...), but
  NOT for the same years: 2019-2022 are published on the ITL 2021 geography (179 ITL3 and 40 ITL2
  areas, of which 57 and 10 codes are now "Obsolete code since 2025") and 2023 on the ITL 2025 geography
  (182 ITL3, 45 ITL2). Each year is therefore one complete, non-overlapping set and no (area, year) key
  is duplicated, so the superseded-code rows are KEPT (``code_vintage`` ``"ITL 2021"``): dropping them,
  as their notes might suggest, would delete 268 real observations and leave 2019-2022 with only 122 of
  179 ITL3 areas. A consistent ITL3 series across 2022-2023 needs a best fit between the two ITL
  vintages. (North of Tyne CA, E47000011, also noted obsolete, is the only North East CA row and is kept.)
* FDI: the three Scottish city regions (Aberdeen, Edinburgh and South East Scotland, Glasgow) have the
  literal code ``na`` (60 rows sharing 20 (areacd, indicator, period) keys); they are dropped because
  they have no GSS code to join on and the toolkit's focus is England. Scotland's ITL1/ITL2 rows remain.

Suppressed cells (``status`` ``x`` not available, ``u`` low reliability, ``c`` confidential; the
observation is empty in every case) come back as ``value`` NA with ``flag`` set to the marker.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SchemaError, UnknownAreaError, UnknownDatasetError
from . import catalogue
from .base import Dataset, load, require_columns

COLUMNS = ("areacd", "areanm", "geography", "indicator", "period", "observation", "measure", "unit",
           "lci_95", "uci_95", "status", "notes")
GEOGRAPHY_LEVELS = ("Country", "Nation", "Region", "County or Unitary Authority", "Local Authority District",
                    "Combined Authority or City Region", "ITL Level 1", "ITL Level 2", "ITL Level 3")
#: Publisher's status markers; the observation is empty whenever one is set.
STATUS_MARKERS = {"x": "not available", "u": "low reliability", "c": "confidential"}
#: 2025 GSS codes that differ from the April 2023 ones (Barnsley/Sheffield boundary change, April 2025).
LAD25_TO_LAD23 = {"E08000038": "E08000016", "E08000039": "E08000019"}
CI_SIGNIFICANT_DIGITS = 10
AFFORDABILITY_UNIT = "ratio (house price / annual earnings)"

_CODE = re.compile(r"^(?:[EWSNK]\d{8}|TL[A-Z0-9]{1,3})$")
_ITL = re.compile(r"^TL[A-Z0-9]{1,3}$")
_PERIOD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(/P1Y)?$")
_OBSOLETE = "Obsolete code since"


@dataclass(frozen=True)
class _Spec:
    """How to read one ELS file."""

    csv: str
    meta: str
    title: str
    additive: bool
    lad_vintage: int  # April of the GSS code set the file uses (2023 or 2025)
    description: str
    drop_uncoded: bool = False
    unit: str | None = None
    measure: str | None = None
    unit_note: str | None = None


_SPECS: tuple[_Spec, ...] = (
    _Spec("els-claimant-count", "els-claimant-count-meta", "Claimant Count as % of residents aged 16-64",
          False, 2023, "Annual, 2001-2025; UK (NI LGDs from 2013). The % uses mid-2023 16-64 populations as the "
          "denominator for every year (see caveats). Only the percentage is published, no counts."),
    _Spec("els-employment-rate", "els-employment-rate-meta",
          "Employment rate and economic inactivity rate, 16-64 (APS)", False, 2023,
          "Calendar years 2004-2023, APS; GB areas with UK/NI national figures; 95% CIs."),
    _Spec("els-modelled-unemployment", "els-modelled-unemployment-meta", "Modelled unemployment rate, aged 16+",
          False, 2023, "Calendar years 2004-2023, model-based APS estimates; GB; 95% CIs."),
    _Spec("els-median-weekly-pay", "els-median-weekly-pay-meta",
          "Gross median weekly pay, all employee jobs, residence-based (ASHE)", False, 2023,
          "April 2008-April 2025 (period = ASHE reference date); UK; £ per week, current prices; 95% CIs."),
    _Spec("els-gdhi-per-head", "els-gdhi-per-head-meta", "Gross disposable household income (GDHI) per head",
          False, 2023, "1997-2023 (2023 provisional); UK; £ per head, current prices; ITL rows on ITL 2025 codes."),
    _Spec("els-housing-affordability", "els-housing-affordability-meta",
          "Housing affordability ratio (residence-based)", False, 2025,
          "April 2002-April 2025; England and Wales; median house price / median gross annual residence-based "
          "earnings (a ratio, not a %).",
          unit=AFFORDABILITY_UNIT, measure="Ratio",
          unit_note="unit corrected by LIS Evidence: published as measure=Percentage, unit=%, but the value is "
                    "the ratio of median house price to median gross annual earnings"),
    _Spec("els-berd", "els-berd-meta", "Business enterprise expenditure on R&D (BERD)", True, 2025,
          "2022-2024; UK, nations and the 9 English regions only; £ million, current prices."),
    _Spec("els-public-rd", "els-public-rd-meta",
          "UK public-funded gross regional capital and non-capital expenditure on R&D", True, 2023,
          "Financial years 2020-21 and 2021-22 (year = 2020, 2021); UK, nations and English regions only; "
          "£ million, current prices."),
    _Spec("els-exports", "els-exports-meta", "Value of UK exports (goods and services)", True, 2025,
          "2019-2023; UK, ITL1-3 and city regions; no LAD level; £ million, current prices. 2019-2022 are on "
          "ITL 2021 codes (code_vintage 'ITL 2021' where the code has since changed), 2023 on ITL 2025 codes."),
    _Spec("els-fdi", "els-fdi-meta", "Inward and outward foreign direct investment positions", True, 2025,
          "2015-2024; GB ITL1/ITL2 (ITL 2025 codes) and city regions; £ million, end-period positions (stocks). "
          "Scottish city regions (code 'na') are dropped.", drop_uncoded=True),
    _Spec("els-level3-qualifications", "els-level3-qualifications-meta",
          "% of people aged 16-64 with RQF level 3+ qualifications (APS)", False, 2023,
          "Calendar years 2022 and 2023; GB; 95% CIs."),
    _Spec("els-gigabit-broadband", "els-gigabit-broadband-meta", "% of premises with gigabit-capable broadband",
          False, 2025, "Single snapshot, January 2026 (Ofcom Connected Nations, aggregated by ONS); UK."),
)
SPECS: dict[str, _Spec] = {s.csv: s for s in _SPECS}


# --------------------------------------------------------------------------------------------- sidecar


def _parts(text: str | None) -> list[str]:
    """The ``|``-separated parts of a sidecar field (multi-source series list one per source), de-duplicated."""
    return list(dict.fromkeys(p.strip() for p in (text or "").split("|") if p.strip()))


def _iso_date(text: str) -> str:
    try:
        return datetime.strptime(text, "%d/%m/%Y").date().isoformat()
    except ValueError:
        return text


def read_sidecar(path: Path) -> dict:
    """Parse an ELS ``.json`` sidecar into a flat dict (pure).

    Returns ``{"indicators": {name: {"label", "subtitle", "caveats", "long_description"}}, "source_date",
    "source_url", "source_urls", "source_org", "experimental_statistic", "caveats"}``. Single-indicator
    files are keyed by the ``label``; multi-indicator files (employment rate, FDI) nest one block per CSV
    indicator name beside a ``shared`` block, whose keys apply to all of them. Multi-source series list
    their sources separated by ``|`` (weekly pay: ``23/10/2025|23/10/2025``, ONS|NISRA): ``source_date``
    is the distinct dates as ISO ``YYYY-MM-DD`` joined by ``|``, ``source_url`` the first URL,
    ``source_urls`` all of them and ``source_org`` the organisations joined by ``; ``.

    Raises
    ------
    SchemaError
        If the file is not JSON or has no ``ess-beta-metadata`` object.
    """
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError(f"could not be read as JSON ({exc}). Is it truncated? Re-fetch it with "
                          "`evidence fetch --force`.", file=Path(path).name) from exc
    meta = raw.get("ess-beta-metadata") if isinstance(raw, dict) else None
    if not isinstance(meta, dict):
        raise SchemaError("expected an 'ess-beta-metadata' object.", file=Path(path).name)
    shared = meta.get("shared")
    if isinstance(shared, dict):
        blocks = {k: v for k, v in meta.items() if k != "shared" and isinstance(v, dict)}
    else:
        shared, blocks = meta, {}
        if "label" not in meta:
            raise SchemaError("'ess-beta-metadata' has neither a 'label' nor a 'shared' block.",
                              file=Path(path).name)
        blocks = {meta["label"]: meta}
    indicators = {}
    for name, block in blocks.items():
        indicators[name] = {
            "label": block.get("label") or name,
            "subtitle": block.get("subtitle"),
            "caveats": block.get("caveats") or shared.get("caveats"),
            "long_description": block.get("longDescription") or shared.get("longDescription"),
        }
    exp = shared.get("experimentalStatistic")
    urls = _parts(shared.get("sourceURL"))
    return {
        "indicators": indicators,
        "source_date": "|".join(_iso_date(d) for d in _parts(shared.get("sourceDate"))) or None,
        "source_url": urls[0] if urls else None,
        "source_urls": urls,
        "source_org": "; ".join(_parts(shared.get("sourceOrg"))) or None,
        "experimental_statistic": None if exp is None else exp == "T",
        "caveats": shared.get("caveats"),
    }


def _indicator_meta(side: dict, indicator: str, *, file: str) -> dict:
    """Sidecar block of a CSV indicator; a single-indicator sidecar serves whatever the CSV calls it."""
    inds = side["indicators"]
    if indicator in inds:
        return inds[indicator]
    if len(inds) == 1:
        return next(iter(inds.values()))
    raise SchemaError(f"indicator {indicator!r} has no metadata block in the JSON sidecar "
                      f"(blocks: {sorted(inds)}).", file=file)


# --------------------------------------------------------------------------------------------- parse


def _spec_for(paths: dict[str, Path]) -> _Spec:
    found = [SPECS[n] for n in paths if n in SPECS]
    if len(found) != 1:
        raise ValueError(f"expected exactly one ELS csv entry among {sorted(paths)}; known: {sorted(SPECS)}.")
    return found[0]


def _read_csv(path: Path) -> pd.DataFrame:
    """All fields as stripped text; a row with the wrong number of fields (a cut-short file) is an error."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # BOM or not; universal newlines handle CRLF
        rows = list(csv.reader(io.StringIO(text)))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SchemaError(f"could not be read as CSV ({type(exc).__name__}: {exc}). Is it truncated? "
                          "Re-fetch it with `evidence fetch --force`.", file=path.name) from exc
    rows = [r for r in rows if r]
    if not rows:
        raise SchemaError("is empty.", file=path.name)
    header = [c.strip() for c in rows[0]]
    require_columns(pd.DataFrame(columns=header), COLUMNS, file=path)
    short = [i + 1 for i, r in enumerate(rows[1:], start=1) if len(r) != len(header)]
    if short:
        raise SchemaError(f"{len(short)} row(s) without {len(header)} fields (lines {short[:3]}). Is the file "
                          "truncated? Re-fetch it with `evidence fetch --force`.", file=path.name)
    df = pd.DataFrame(rows[1:], columns=header, dtype="str")
    return df.apply(lambda s: s.str.strip())


def _round_sig(x: pd.Series, digits: int) -> pd.Series:
    """Round to ``digits`` significant digits (NaN and 0 pass through)."""
    v = x.to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.floor(np.log10(np.abs(v)))
    mag = np.where(np.isfinite(mag), mag, 0)
    scale = 10.0 ** (digits - 1 - mag)
    return pd.Series(np.round(v * scale) / scale, index=x.index)


def _bad(df: pd.DataFrame, mask: pd.Series, what: str, *, file: str, cols=("areacd", "period")) -> None:
    if mask.any():
        rows = df.loc[mask, list(cols)].head(3).to_dict("records")
        raise SchemaError(f"{int(mask.sum())} row(s) with {what}, e.g. {rows} (CSV data rows "
                          f"{[int(i) + 2 for i in df.index[mask][:3]]}).", file=file)


def parse_local_indicator(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse one Explore Local Statistics CSV and its JSON sidecar into the tidy long frame.

    Pure: ``paths`` maps the catalogue names of the CSV (e.g. ``els-claimant-count``) and its sidecar
    (``els-claimant-count-meta``) to files. See the module docstring for the output columns, the
    corrections and the rows dropped.

    Raises
    ------
    SchemaError
        If a column is missing, the CSV or JSON cannot be read (e.g. truncated), a period, code,
        geography level or status marker is not one of the known forms, an observation is not numeric or
        is empty without a status marker, or (area, indicator, period) keys are duplicated.
    """
    spec = _spec_for(paths)
    path = paths[spec.csv]
    side = read_sidecar(paths[spec.meta])
    df = _read_csv(path)
    file = path.name
    if df.empty:
        raise SchemaError("has a header but no data rows.", file=file)

    if spec.drop_uncoded:
        df = df[df["areacd"].str.lower() != "na"]
    _bad(df, ~df["areacd"].str.match(_CODE), "an area code that is not a GSS or ITL code", file=file)
    _bad(df, ~df["geography"].isin(GEOGRAPHY_LEVELS), f"a geography level not in {GEOGRAPHY_LEVELS}",
         file=file, cols=("areacd", "geography"))
    _bad(df, ~df["status"].isin(("", *STATUS_MARKERS)), f"a status marker not in {sorted(STATUS_MARKERS)}",
         file=file, cols=("areacd", "period", "status"))
    _bad(df, df["indicator"].eq("") | df["unit"].eq("") | df["measure"].eq(""),
         "an empty indicator, measure or unit (a truncated row?)", file=file)

    parts = df["period"].str.extract(_PERIOD)
    _bad(df, parts[0].isna(), "a period not of the form YYYY-MM-DD or YYYY-MM-DD/P1Y", file=file)
    yearly = parts[3].eq("/P1Y")
    month_day = parts[1] + "-" + parts[2]
    _bad(df, yearly & ~month_day.isin(("01-01", "04-01")), "a yearly period starting neither 1 Jan nor 1 Apr",
         file=file)
    period_type = np.where(~yearly, "reference date", np.where(month_day.eq("01-01"), "calendar year",
                                                                  "financial year"))

    obs = df["observation"]
    value = pd.to_numeric(obs.where(obs.ne("")), errors="coerce")
    _bad(df, obs.ne("") & value.isna(), "a non-numeric observation", file=file,
         cols=("areacd", "period", "observation"))
    _bad(df, obs.eq("") & df["status"].eq(""), "an empty observation but no status marker", file=file)

    ci = {}
    for c in ("lci_95", "uci_95"):
        num = pd.to_numeric(df[c].where(df[c].ne("")), errors="coerce")
        _bad(df, df[c].ne("") & num.isna(), f"a non-numeric {c}", file=file, cols=("areacd", "period", c))
        ci[c] = _round_sig(num, CI_SIGNIFICANT_DIGITS)

    metric = {}
    for ind in df["indicator"].unique():
        metric[ind] = _indicator_meta(side, ind, file=paths[spec.meta].name)["label"]

    codes = df["areacd"]
    is_itl = codes.str.match(_ITL)
    itl_vintage = np.where(df["notes"].str.startswith(_OBSOLETE + " 2025"), "ITL 2021", "ITL 2025")
    code_2023 = codes.replace(LAD25_TO_LAD23) if spec.lad_vintage == 2025 else codes
    notes = df["notes"]
    if spec.unit_note:
        notes = notes.where(notes.eq(""), notes + "; ") + spec.unit_note

    out = pd.DataFrame({
        "area_code": codes.astype("str"),
        "area_name": df["areanm"],
        "area_code_2023": code_2023.astype("str"),
        "code_vintage": np.where(is_itl, itl_vintage, f"GSS {spec.lad_vintage}"),
        "geography_level": df["geography"],
        "indicator": df["indicator"],
        "metric": df["indicator"].map(metric),
        "period": df["period"],
        "period_type": period_type,
        "year": parts[0].astype("int64"),
        "value": value.astype("float64"),
        "unit": spec.unit or df["unit"],
        "measure": spec.measure or df["measure"],
        "flag": df["status"].where(df["status"].ne("")),
        "additive": spec.additive,
        "lci_95": ci["lci_95"],
        "uci_95": ci["uci_95"],
        "notes": notes.where(notes.ne("")),
    })
    dup = out.duplicated(["area_code", "indicator", "period"], keep=False)
    _bad(out.rename(columns={"area_code": "areacd"}), dup, "a duplicated (area, indicator, period) key", file=file)
    out = out.sort_values(["indicator", "area_code", "year"], ignore_index=True)
    for c in ("area_name", "code_vintage", "geography_level", "indicator", "metric", "period", "period_type",
              "unit", "measure", "flag", "notes"):
        out[c] = out[c].astype("category")
    out["additive"] = out["additive"].astype(bool)
    return out


# --------------------------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class LocalIndicatorDataset(Dataset):
    """A :class:`Dataset` whose provenance also carries the ELS sidecar metadata.

    The CSV's record gains ``indicator_label``, ``subtitle``, ``caveats``, ``source_date`` (ISO),
    ``source_url``, ``source_org``, ``experimental_statistic`` (official statistics in development),
    ``indicators`` (per-indicator label/subtitle/caveats for multi-indicator files) and ``loader_notes``
    (what the loader corrected or dropped), whenever the verified sidecar is on disk.
    """

    def provenance(self) -> list[dict]:
        recs = super().provenance()
        spec = SPECS[self.files[0]]
        meta_path = catalogue.verified_path(catalogue.entry(spec.meta))
        if meta_path is None:
            return recs
        side = read_sidecar(meta_path)
        inds = side["indicators"]
        recs[0].update({
            "indicator_label": "; ".join(v["label"] for v in inds.values()),
            "subtitle": "; ".join(v["subtitle"] for v in inds.values() if v.get("subtitle")),
            "caveats": "\n\n".join(dict.fromkeys(v["caveats"] for v in inds.values() if v.get("caveats"))),
            "source_date": side["source_date"],
            "source_url": side["source_url"],
            "source_urls": side["source_urls"],
            "source_org": side["source_org"],
            "experimental_statistic": side["experimental_statistic"],
            "indicators": inds,
            "loader_notes": spec.description + (f" {spec.unit_note}." if spec.unit_note else ""),
        })
        return recs


DATASETS = [
    LocalIndicatorDataset(
        name=s.csv,
        title=f"Explore Local Statistics: {s.title}",
        files=(s.csv, s.meta),
        parse=parse_local_indicator,
        version="1",
        dims=("indicator", "metric", "geography_level", "period_type"),
        period="year",
        description=s.description,
    )
    for s in _SPECS
]
_BY_NAME = {ds.name: ds for ds in DATASETS}


def local_indicator_names() -> list[str]:
    """The names of the ELS datasets (``els-claimant-count``, ...)."""
    return list(_BY_NAME)


def _dataset(name: str) -> Dataset:
    key = name if name.startswith("els-") else f"els-{name}"
    if key in _BY_NAME:
        return _BY_NAME[key]
    import difflib

    close = difflib.get_close_matches(key, list(_BY_NAME), n=5, cutoff=0.4)
    hint = f" Closest: {', '.join(close)}." if close else ""
    raise UnknownDatasetError(f"No Explore Local Statistics dataset named {name!r}.{hint} "
                              f"Known: {', '.join(_BY_NAME)}.")


def _as_list(x) -> list | None:
    if x is None:
        return None
    if isinstance(x, str | int):
        return [x]
    return list(x)


def get_local_indicator(name: str, *, areas: str | Iterable[str] | None = None,
                        years: int | Iterable[int] | None = None) -> pd.DataFrame:
    """One ONS Explore Local Statistics indicator series, tidy.

    Publisher: Office for National Statistics, *Explore Local Statistics* data (github.com/ONSdigital/
    explore-local-statistics-data), each series from its original source (APS, ASHE, regional accounts,
    BERD, subnational trade, FDI, Ofcom, ...). Units are as published (``%``, ``£``, ``£ million``),
    except the housing affordability ratio (see the module docstring). Money is in current prices.
    Geography: UK/GB/E&W, nations, regions, counties/UAs, LADs (April 2023 codes, or April 2025 for
    housing affordability and gigabit broadband: use ``area_code_2023`` to join), combined authorities,
    ITL areas (ITL 2025; exports 2019-2022 on ITL 2021); which levels exist depends on the series.

    ========================== ============================================= ==========================
    name                       series                                        years
    ========================== ============================================= ==========================
    els-claimant-count         Claimant Count, % of residents aged 16-64     2001-2025
    els-employment-rate        Employment rate, economic inactivity (16-64)  2004-2023
    els-modelled-unemployment  Modelled unemployment rate (16+)              2004-2023
    els-median-weekly-pay      Median gross weekly pay (residence, ASHE)     2008-2025 (April)
    els-gdhi-per-head          GDHI per head (£)                             1997-2023
    els-housing-affordability  Median house price / median earnings          2002-2025 (April)
    els-berd                   BERD (£ million), UK/nations/regions          2022-2024
    els-public-rd              Public-funded R&D (£ million)                 FY 2020-21, 2021-22
    els-exports                Exports of goods and services (£ million)     2019-2023
    els-fdi                    Inward/outward FDI positions (£ million)      2015-2024
    els-level3-qualifications  % aged 16-64 with RQF level 3+                2022-2023
    els-gigabit-broadband      % premises with gigabit-capable broadband     Jan 2026 snapshot
    ========================== ============================================= ==========================

    Parameters
    ----------
    name : str
        A dataset name from the table (the ``els-`` prefix may be omitted).
    areas : str or iterable of str, optional
        GSS/ITL codes to keep, matched against ``area_code`` and ``area_code_2023``.
    years : int or iterable of int, optional
        Years to keep (the year in which each period starts).

    Returns
    -------
    pandas.DataFrame
        Tidy rows (see the module docstring for the columns) with provenance in ``attrs``.

    Raises
    ------
    UnknownDatasetError
        If ``name`` is not an ELS dataset.
    UnknownAreaError
        If a requested area code is not in the series.
    """
    ds = _dataset(name)
    df = load(ds)
    keep = pd.Series(True, index=df.index)
    wanted = _as_list(areas)
    if wanted is not None:
        have = set(df["area_code"]) | set(df["area_code_2023"])
        for code in wanted:
            if code not in have:
                raise UnknownAreaError(code, kind=f"area code in {ds.name}")
        keep &= df["area_code"].isin(wanted) | df["area_code_2023"].isin(wanted)
    yrs = _as_list(years)
    if yrs is not None:
        keep &= df["year"].isin([int(y) for y in yrs])
    out = df[keep].reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return out


__all__ = ["DATASETS", "SPECS", "get_local_indicator", "local_indicator_names", "parse_local_indicator",
           "read_sidecar"]
