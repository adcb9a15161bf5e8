r"""The five foundations of productivity: a map of metrics, stored as data, computed for any area.

The Industrial Strategy (HM Government, November 2017) framed Local Industrial Strategies around five
foundations: **Ideas**, **People**, **Infrastructure**, **Business Environment** and **Places**. The map
in ``evidence/data/foundations.toml`` gives every metric its foundation, polarity (is higher better?),
unit, the geography its source publishes, the series it is built from and **how it may be aggregated**
to a LEP, combined authority or grouping. :func:`compute` applies that method to the member LADs of any
number of areas at once (April-2023 codes, through :func:`~evidence.indicators.area.membership_table`)
and names the method on every row (columns ``aggregation`` and ``method``).

Aggregation methods
-------------------
``sum``
    Counts (jobs, enterprises): :math:`X_A = \sum_{l \in A} x_l`, through
    :func:`~evidence.indicators.aggregate.aggregate`, which refuses a non-additive series (a rate with no
    denominator is never summed: ``AggregationError``).
``ratio_of_sums``
    Where a numerator and a denominator both exist: :math:`r_A = s \cdot \sum_l N_l / \sum_l D_l`
    (birth rate = Σbirths/Σactive). Where ONS publishes a ratio with its denominator (GVA per hour with
    hours) the numerator implied by each LAD (ratio x denominator) is summed, which is exact.
``weighted_mean``
    A rate, median or score published without a denominator: :math:`\bar r_A = \sum_l w_l r_l / \sum_l w_l`
    with a stated base :math:`w` (population; ASHE jobs for workplace pay). This is an **approximation**
    (the right weights would be each rate's own denominator, e.g. the 16-64 population, and a median of
    a union is not a mean of medians), and the output says so: method ``"population-weighted mean
    (approximation)"``.
``containing_area``
    Published only for fixed areas (regions, ITL areas): the value of the smallest such area containing
    every member LAD, named in ``method`` (``"containing area: South East (E12000008)"``). An area that
    spans two regions has no value, and the note gives both regions' values. Such values are not ranked.
``published``
    Where the source publishes the area itself (a combined authority or region row of an Explore Local
    Statistics series; England and the UK wherever present) that row is used, not an aggregate.
``difference``
    One metric minus another (workplace minus residence pay), each with its own method.

A base (population) published up to an earlier year than the series is carried forward from its latest
year (and back from its first); the row's ``note`` says which year was used. A member LAD with no value
makes the area's value NA (flag ``incomplete``; ``missing`` lists the LADs), never a partial sum. Series
published on older LAD codes are carried onto April-2023 codes: counts of merged districts are summed
(:func:`~evidence.geography.to_current_codes`); rates of merged districts cannot be combined, so the
merged LAD has no value.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config, frames, geography, provenance
from ..errors import AggregationError, EvidenceError, SchemaError, UnknownDatasetError
from ..sources import get as get_dataset
from . import memo
from .aggregate import INCOMPLETE, aggregate, ratio_of_sums
from .area import lep_codes, membership_table

FOUNDATIONS_FILE = config.PACKAGE_DIR / "data" / "foundations.toml"
FOUNDATIONS = ("Ideas", "People", "Infrastructure", "Business Environment", "Places")
AGGREGATIONS = ("sum", "ratio_of_sums", "weighted_mean", "containing_area", "difference")
POLARITIES = ("higher", "lower", "neutral")
TRENDS = ("percent", "difference", "none")
ENGLAND_CODES = ("E92000001", "TLB")  # TLB: England as an ITL1 area (FDI)
UK_CODES = ("K02000001", "UKX")
ENGLAND_CODE = "E92000001"
_LAD = r"^E0[6-9]\d{6}$"
_CONTAINER_TYPES = ("itl3", "itl2", "itl1", "region")
_PUBLISHED_TYPES = ("ca", "region", "lep", "itl1", "itl2", "itl3")


# ------------------------------------------------------------------------------------------------- the map
@dataclass(frozen=True)
class Series:
    """An input of one or more metrics, read from a registered dataset (or derived in Python)."""

    id: str
    dataset: str | tuple[str, ...] | None = None
    where: tuple[tuple[str, tuple], ...] = ()
    code: str | None = None
    sum_rows: bool = False
    times: str | None = None
    derived: str | None = None
    label: str | None = None
    also: str | None = None


@dataclass(frozen=True)
class Metric:
    """One metric of the foundation map (see the header of ``foundations.toml`` for each field)."""

    id: str
    foundation: str
    title: str
    unit: str
    polarity: str
    geography: str
    aggregation: str
    series: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    weight: str | None = None
    per: str | None = None
    minuend: str | None = None
    subtrahend: str | None = None
    scale: float = 1.0
    published: tuple[str, ...] = ()
    trend: str = "none"
    compare: str = "value"
    lad_range: bool = False
    note: str = ""

    @property
    def inputs(self) -> tuple[str, ...]:
        """The series (or, for ``difference``, metrics) it is computed from."""
        names = (self.series, self.numerator, self.denominator, self.weight, self.per, self.minuend, self.subtrahend)
        return tuple(n for n in names if n)

    @property
    def higher_is_better(self) -> bool | None:
        return {"higher": True, "lower": False}.get(self.polarity)


@dataclass(frozen=True)
class FoundationMap:
    """The parsed ``foundations.toml``: foundations (name -> description), series and metrics, in file order."""

    foundations: dict[str, str]
    series: dict[str, Series]
    metrics: dict[str, Metric] = field(default_factory=dict)


def _tuple(v) -> tuple:
    return tuple(v) if isinstance(v, list) else (v,)


def read_foundation_map(path: Path | str = FOUNDATIONS_FILE) -> FoundationMap:
    """Read and check a foundation map file (pure).

    Raises
    ------
    SchemaError
        If the file is not TOML, a foundation is not one of the five, a metric lacks a field its aggregation
        needs, names an unknown series or metric, or has an unknown polarity, aggregation or trend.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(f"is not valid TOML ({exc}).", file=path.name) from exc
    foundations = {f["name"]: f.get("description", "") for f in raw.get("foundation", [])}
    if tuple(foundations) != FOUNDATIONS:
        raise SchemaError(f"[[foundation]] must list {FOUNDATIONS} in that order, found {tuple(foundations)}.",
                          file=path.name)
    series = {}
    for sid, s in raw.get("series", {}).items():
        if bool(s.get("dataset")) == bool(s.get("derived")):
            raise SchemaError(f"series {sid!r} needs exactly one of 'dataset' or 'derived'.", file=path.name)
        if s.get("derived") and s["derived"] not in DERIVED:
            raise SchemaError(f"series {sid!r}: unknown derived series {s['derived']!r}; known: {sorted(DERIVED)}.",
                              file=path.name)
        where = tuple((k, _tuple(v)) for k, v in s.get("where", {}).items())
        unknown = sorted(set(s) - {"dataset", "where", "code", "sum_rows", "times", "derived", "label", "also"})
        if unknown:
            raise SchemaError(f"series {sid!r}: unknown field(s) {unknown}.", file=path.name)
        dataset = tuple(s["dataset"]) if isinstance(s.get("dataset"), list) else s.get("dataset")
        series[sid] = Series(sid, dataset, where, s.get("code"), bool(s.get("sum_rows", False)),
                             s.get("times"), s.get("derived"), s.get("label"), s.get("also"))
    for s in series.values():
        for key in ("times", "also"):
            if getattr(s, key) and getattr(s, key) not in series:
                raise SchemaError(f"series {s.id!r}: {key!r} names unknown series {getattr(s, key)!r}.",
                                  file=path.name)
    metrics: dict[str, Metric] = {}
    needs = {"sum": ("series",), "ratio_of_sums": ("numerator", "denominator"), "weighted_mean": ("series", "weight"),
             "containing_area": ("series",), "difference": ("minuend", "subtrahend")}
    known = set(Metric.__dataclass_fields__)
    for m in raw.get("metric", []):
        mid = m.get("id", "?")
        unknown = sorted(set(m) - known)
        if unknown:
            raise SchemaError(f"metric {mid!r}: unknown field(s) {unknown}.", file=path.name)
        for key in ("id", "foundation", "title", "unit", "polarity", "geography", "aggregation"):
            if not m.get(key):
                raise SchemaError(f"metric {mid!r} has no {key!r}.", file=path.name)
        checks = (("foundation", FOUNDATIONS), ("polarity", POLARITIES), ("aggregation", AGGREGATIONS),
                  ("trend", TRENDS), ("compare", ("value", "trend")))
        for key, allowed in checks:
            if key in m and m[key] not in allowed:
                raise SchemaError(f"metric {mid!r}: {key} {m[key]!r} is not one of {allowed}.", file=path.name)
        for key in needs[m["aggregation"]]:
            if not m.get(key):
                raise SchemaError(f"metric {mid!r}: aggregation {m['aggregation']!r} needs {key!r}.", file=path.name)
        metric = Metric(**{**m, "published": tuple(m.get("published", ())), "scale": float(m.get("scale", 1.0))})
        for name in metric.inputs:
            pool = metrics if metric.aggregation == "difference" else series
            if name not in pool:
                raise SchemaError(f"metric {mid!r} names unknown {'metric' if pool is metrics else 'series'} "
                                  f"{name!r}.", file=path.name)
        bad = [t for t in metric.published if t not in _PUBLISHED_TYPES]
        if bad:
            raise SchemaError(f"metric {mid!r}: published area types {bad} not in {_PUBLISHED_TYPES}.",
                              file=path.name)
        if mid in metrics:
            raise SchemaError(f"metric {mid!r} is defined twice.", file=path.name)
        metrics[mid] = metric
    return FoundationMap(foundations, series, metrics)


_MAP: FoundationMap | None = None


def foundation_map() -> FoundationMap:
    """The shipped foundation map (read once, on first use)."""
    global _MAP
    if _MAP is None:
        _MAP = read_foundation_map()
    return _MAP


def get_metric(name: str) -> Metric:
    """A metric of the foundation map by id; unknown ids raise ``UnknownDatasetError`` listing them."""
    metrics = foundation_map().metrics
    if name not in metrics:
        raise UnknownDatasetError(f"No foundation metric named {name!r}. Metrics: {', '.join(metrics)}.")
    return metrics[name]


def metrics_table() -> pd.DataFrame:
    """The foundation map as a table: one row per metric, in order, with its method and inputs.

    A foundation with no metric gets a row with ``metric`` NA saying so.
    """
    fm = foundation_map()
    rows = []
    for f in fm.foundations:
        ms = [m for m in fm.metrics.values() if m.foundation == f]
        for m in ms:
            rows.append({"foundation": f, "metric": m.id, "title": m.title, "unit": m.unit, "polarity": m.polarity,
                         "geography": m.geography, "aggregation": m.aggregation, "inputs": ", ".join(m.inputs),
                         "published": ", ".join(m.published), "trend": m.trend, "compare": m.compare,
                         "note": m.note})
        if not ms:
            rows.append({"foundation": f, "metric": None, "note": "no indicator in the data for this foundation"})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------ derived
#: England's share of LSOAs in its own most deprived decile: 10% by construction (the deciles are cut at
#: England's LSOAs ranked on the IMD), so the comparator is the definition, not an estimate.
ENGLAND_MOST_DEPRIVED_DECILE_SHARE = 0.1


def _lsoas_in_most_deprived_decile(ctx: _Context) -> pd.DataFrame:
    """Each LAD's share of its LSOAs in England's most deprived 10% on the IMD 2025 (File 10's "Proportion of
    LSOAs in most deprived 10% nationally", a fraction), with England's row at 0.1 by construction.

    England's LSOAs are cut into deciles of the IMD rank, so exactly a tenth of them are in the most deprived
    decile: England's value is :data:`ENGLAND_MOST_DEPRIVED_DECILE_SHARE` by definition (File 10 has no
    England row). A rate, not additive: an area aggregates it as a mean weighted by population.
    """
    imd = ctx.dataset("iod2025-lad")
    rows = imd[frames.equals(imd["domain"], "IMD")
               & frames.equals(imd["measure"], "proportion_lsoas_most_deprived_10pct")]
    year = int(rows["year"].max())
    codes = [*rows["area_code"].astype(str), ENGLAND_CODE]
    out = pd.DataFrame({"area_code": codes, "year": year, "period": f"IoD {year}",
                        "value": [*rows["value"].astype(float), ENGLAND_MOST_DEPRIVED_DECILE_SHARE],
                        "flag": None, "additive": False, "lci_95": np.nan, "uci_95": np.nan})
    return provenance.combine(out, imd)


DERIVED: dict[str, Callable[[_Context], pd.DataFrame]] = {
    "lsoas_in_most_deprived_decile": _lsoas_in_most_deprived_decile,
}


# ------------------------------------------------------------------------------------------------ series
_SERIES_COLUMNS = ["area_code", "year", "period", "value", "flag", "additive", "lci_95", "uci_95"]


def _period_label(period: str) -> str:
    """Explore Local Statistics periods made readable: ``2023-01-01/P1Y`` -> ``2023``, ``2020-04-01/P1Y`` ->
    ``2020-21``; anything else as published.

    >>> _period_label("2020-04-01/P1Y"), _period_label("2023-01-01/P1Y"), _period_label("2025-04-30")
    ('2020-21', '2023', '2025-04-30')
    """
    m = re.fullmatch(r"(\d{4})-(01|04)-01/P1Y", period)
    if m is None:
        return period
    return m.group(1) if m.group(2) == "01" else f"{m.group(1)}-{(int(m.group(1)) + 1) % 100:02d}"


def _filter(df: pd.DataFrame, s: Series, dataset: str) -> pd.DataFrame:
    keep = pd.Series(True, index=df.index)
    for col, values in s.where:
        if col not in df.columns:
            raise SchemaError(f"series {s.id!r}: dataset {dataset!r} has no column {col!r} "
                              f"(columns: {list(df.columns)}).")
        keep &= frames.isin(df[col], values)
    out = df[keep]
    if out.empty:
        raise EvidenceError(f"series {s.id!r}: no rows of dataset {dataset!r} match {dict(s.where)}.")
    return out


def _tidy_rows(df: pd.DataFrame, s: Series) -> pd.DataFrame:
    code = s.code or ("area_code_2023" if "area_code_2023" in df.columns else "area_code")
    period = df["period"].astype(str).map(_period_label) if "period" in df.columns else df["year"].astype(str)
    return pd.DataFrame({
        "area_code": df[code].astype(str).to_numpy(),
        "year": df["year"].astype(int).to_numpy(),
        "period": period.to_numpy(),
        "value": df["value"].astype(float).to_numpy(),
        "flag": df["flag"].astype(object).where(df["flag"].notna(), None).to_numpy(),
        "additive": df["additive"].astype(bool).to_numpy(),
        "lci_95": _column(df, "lci_95"),
        "uci_95": _column(df, "uci_95"),
    })


def _column(df: pd.DataFrame, name: str) -> np.ndarray:
    return df[name].astype(float).to_numpy() if name in df.columns else np.full(len(df), np.nan)


def _read_series(ctx: _Context, s: Series) -> pd.DataFrame:
    """One series as ``area_code, year, period, value, flag, additive, lci_95, uci_95`` on its own codes."""
    if s.derived:
        return DERIVED[s.derived](ctx)
    names = s.dataset if isinstance(s.dataset, tuple) else (s.dataset,)
    raws = [ctx.dataset(n) for n in names]
    out = pd.concat([_tidy_rows(_filter(raw, s, n), s) for raw, n in zip(raws, names, strict=True)],
                    ignore_index=True)
    raw = provenance.combine(pd.DataFrame(), *raws)
    if s.sum_rows:
        if not out["additive"].all():
            raise AggregationError(f"series {s.id!r}: sum_rows needs additive rows, and {names} marks them "
                                   "non-additive.")
        out = out.groupby(["area_code", "year"], as_index=False, sort=False).agg(
            period=("period", "first"), value=("value", lambda v: v.sum(min_count=len(v))),
            flag=("flag", lambda f: ";".join(dict.fromkeys(str(x) for x in f if x)) or None),
            additive=("additive", "all"))
        out["lci_95"] = np.nan
        out["uci_95"] = np.nan
    dup = out.duplicated(["area_code", "year"], keep=False)
    if dup.any():
        raise EvidenceError(f"series {s.id!r}: {int(dup.sum())} rows share an (area, year) key, e.g. "
                            f"{out.loc[dup, ['area_code', 'year']].head(3).to_dict('records')}; add a filter.")
    if s.times:
        other = ctx.series(s.times)
        out = out.merge(other[["area_code", "year", "value"]], on=["area_code", "year"], how="left",
                        suffixes=("", "_by"))
        out["value"] = out["value"] * out.pop("value_by")
        out["additive"] = True  # a ratio times its own denominator is a total (GVA per hour x hours = GVA)
        out["lci_95"] = np.nan
        out["uci_95"] = np.nan
        return provenance.combine(out[_SERIES_COLUMNS], raw, other)
    return provenance.combine(out[_SERIES_COLUMNS], raw)


def _english_lads(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["area_code"].str.match(_LAD)]


def _on_current_codes(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """English LAD rows carried onto April-2023 codes, and caveats for what could not be carried.

    Counts of merged districts are summed (:func:`~evidence.geography.to_current_codes`); an incomplete
    merger is dropped with a caveat (so the area is incomplete). A non-additive series on older codes
    cannot be carried (``AggregationError``): weighted means carry their implied totals instead.
    """
    lad = _english_lads(df)
    if lad["area_code"].isin(_current_lads()).all():
        return lad.reset_index(drop=True), []
    periods = lad.groupby("year")["period"].first()
    out = geography.to_current_codes(lad[["area_code", "year", "value", "flag", "additive"]], incomplete="drop")
    out["period"] = out["year"].map(periods)
    out["lci_95"] = np.nan
    out["uci_95"] = np.nan
    return out[_SERIES_COLUMNS].reset_index(drop=True), list(out.attrs.get("caveats", []))


_CURRENT: frozenset[str] | None = None


def _current_lads() -> frozenset[str]:
    global _CURRENT
    if _CURRENT is None:
        _CURRENT = frozenset(geography.membership(2021, on="2023")["lad_code"])
    return _CURRENT


# -------------------------------------------------------------------------------------------- context
class _Context:
    """Caches of one computation (series, LAD frames, memberships), so a scorecard reads each dataset once."""

    def __init__(self, *, vintage: int, partial: str):
        self.vintage = vintage
        self.partial = partial
        self._datasets: dict[str, pd.DataFrame] = {}
        self._areas: dict[str, geography.Area] = {}
        self._codes: dict[str, frozenset[str]] = {}
        self._series: dict[str, pd.DataFrame] = {}
        self._lad: dict[str, tuple[pd.DataFrame, list[str]]] = {}
        self._members: dict[tuple[str, ...], tuple[pd.DataFrame, list[str]]] = {}
        self._containers: dict[str, tuple[str, str, str, frozenset[str]]] | None = None
        self.results: dict[tuple, pd.DataFrame] = {}
        self.caveats: list[str] = []  # what carrying series onto April-2023 codes could not do

    def resolve(self, area: str | geography.Area) -> geography.Area:
        key = area if isinstance(area, str) else area.code
        if key not in self._areas:
            self._areas[key] = geography.resolve(area, vintage=self.vintage)
        return self._areas[key]

    def codes(self, sid: str) -> frozenset[str]:
        """The area codes a series has rows for."""
        if sid not in self._codes:
            self._codes[sid] = frozenset(self.series(sid)["area_code"].unique())
        return self._codes[sid]

    def dataset(self, name: str) -> pd.DataFrame:
        if name not in self._datasets:
            self._datasets[name] = get_dataset(name)
        return self._datasets[name]

    def series(self, sid: str) -> pd.DataFrame:
        if sid not in self._series:
            self._series[sid] = _read_series(self, foundation_map().series[sid])
        return self._series[sid]

    def lad(self, sid: str) -> pd.DataFrame:
        """The series' English LAD rows on April-2023 codes."""
        return self.lad_with_caveats(sid)[0]

    def lad_with_caveats(self, sid: str) -> tuple[pd.DataFrame, list[str]]:
        if sid not in self._lad:
            df = self.series(sid)
            lad, caveats = _on_current_codes(df)
            self._lad[sid] = (provenance.combine(lad, df), [f"{sid}: {c}" for c in caveats])
        self.caveats += self._lad[sid][1]
        return self._lad[sid]

    def members(self, areas: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
        key = tuple(areas)
        if key not in self._members:
            self._members[key] = membership_table(list(areas), vintage=self.vintage, partial=self.partial)
        return self._members[key]

    def containers(self) -> dict[str, tuple[str, str, str, frozenset[str]]]:
        """code -> (code, name, type, April-2023 LADs) of every English region and ITL area."""
        if self._containers is None:
            out = {}
            for t in _CONTAINER_TYPES:
                for code, name in geography.areas(type=t)[["area_code", "area_name"]].itertuples(index=False):
                    lads = frozenset(geography.lad_codes(geography.Area(code, name, t), on="2023",
                                                         allow_partial=True))
                    if lads and lads <= _current_lads():
                        out[code] = (code, name, t, lads)
            self._containers = out
        return self._containers


# ------------------------------------------------------------------------------------------- computation
_OUT = ["area_code", "year", "period", "value", "lci_95", "uci_95", "flag", "aggregation", "method", "missing",
        "note"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float if c in ("value", "lci_95", "uci_95") else object) for c in _OUT})


def _year_map(have: Sequence[int], years: Sequence[int]) -> dict[int, int]:
    """For each wanted year, the year of a base to use: its own, else the latest earlier, else the first.

    >>> _year_map([2021, 2022, 2023], [2020, 2022, 2025])
    {2020: 2021, 2022: 2022, 2025: 2023}
    """
    have = sorted(set(have))
    use = {}
    for y in years:
        earlier = [h for h in have if h <= y]
        use[y] = earlier[-1] if earlier else have[0]
    return use


def _at_years(df: pd.DataFrame, years: Sequence[int]) -> tuple[pd.DataFrame, dict[int, int]]:
    """A base frame re-stamped for each of ``years`` (carrying its nearest year), and the carried years."""
    if df.empty:
        return df, {}
    use = _year_map(df["year"].unique(), years)
    frames = [df[df["year"] == w].assign(year=y) for y, w in use.items()]
    out = pd.concat(frames, ignore_index=True)
    return provenance.combine(out, df), {y: w for y, w in use.items() if y != w}


def _carried_note(sid: str, carried: dict[int, int]) -> dict[int, str]:
    label = foundation_map().series[sid].label or sid
    return {y: f"{label} of {w} used for {y}" for y, w in carried.items()}


def _join_notes(*notes: dict[int, str]) -> dict[int, str]:
    out: dict[int, list[str]] = {}
    for n in notes:
        for y, text in n.items():
            out.setdefault(y, []).append(text)
    return {y: "; ".join(t) for y, t in out.items()}


def _missing(data: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """(area_code, year) -> the member LADs without a value in ``data`` (LAD rows on April-2023 codes)."""
    cols = ["area_code", "year", "missing"]
    if data.empty:
        return pd.DataFrame(columns=cols)
    years = pd.DataFrame({"year": sorted(set(data["year"]))})
    have = data.loc[data["value"].notna(), ["area_code", "year"]].rename(columns={"area_code": "lad_code"})
    full = members[["lad_code", "area_code"]].drop_duplicates().merge(years, how="cross")
    full = full.merge(have.drop_duplicates().assign(_h=True), on=["lad_code", "year"], how="left")
    gaps = full[full["_h"].isna()]
    if gaps.empty:
        return pd.DataFrame(columns=cols)
    return gaps.groupby(["area_code", "year"])["lad_code"].agg(lambda s: ", ".join(sorted(s))).reset_index(
        name="missing")


def _with_missing(out: pd.DataFrame, members: pd.DataFrame, *data: pd.DataFrame) -> pd.DataFrame:
    miss = pd.concat([_missing(d, members) for d in data], ignore_index=True)
    if miss.empty:
        return provenance.combine(out.assign(missing=None), out)
    miss = miss.groupby(["area_code", "year"])["missing"].agg(
        lambda s: ", ".join(sorted(set(", ".join(s).split(", "))))).reset_index()
    j = out.merge(miss, on=["area_code", "year"], how="left")
    j["missing"] = j["missing"].where(j["value"].isna() & j["missing"].notna(), None)
    return provenance.combine(j, out)


def _periods(ctx: _Context, sid: str) -> dict[int, str]:
    df = ctx.series(sid)
    return df.groupby("year")["period"].agg(lambda p: p.mode().iloc[0]).to_dict()


def _finish(out: pd.DataFrame, aggregation: str, method: str | pd.Series, periods: dict[int, str],
            notes: dict[int, str] | pd.Series | None = None) -> pd.DataFrame:
    out = out.reset_index(drop=True).copy()
    out["period"] = out["year"].map(periods).fillna(out["year"].astype(str))
    out["aggregation"] = aggregation
    out["method"] = method.to_numpy() if isinstance(method, pd.Series) else method
    if isinstance(notes, pd.Series):
        out["note"] = notes.to_numpy()
    else:
        mapped = out["year"].map(notes or {})
        out["note"] = mapped.astype(object).where(mapped.notna(), None)
    for c in ("lci_95", "uci_95"):
        if c not in out:
            out[c] = np.nan
    for c in ("missing", "flag"):
        if c not in out:
            out[c] = None
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return provenance.combine(out[_OUT], out)


def _compute_sum(ctx: _Context, metric: Metric, members: pd.DataFrame) -> pd.DataFrame:
    lad = ctx.lad(metric.series)
    out = _with_missing(aggregate(lad, members, by=("year",)), members, lad)
    return _finish(out, "sum", "sum", _periods(ctx, metric.series))


def _compute_ratio(ctx: _Context, metric: Metric, members: pd.DataFrame) -> pd.DataFrame:
    num_lad = ctx.lad(metric.numerator)
    years = sorted(set(num_lad["year"]))
    den_lad, carried = _at_years(ctx.lad(metric.denominator), years)
    out = ratio_of_sums(aggregate(num_lad, members), aggregate(den_lad, members), scale=metric.scale)
    out = _with_missing(out[out["year"].isin(years)], members, num_lad, den_lad)
    return _finish(out, "ratio_of_sums", "ratio of sums", _periods(ctx, metric.numerator),
                   _carried_note(metric.denominator, carried))


def _weights(ctx: _Context, metric: Metric, codes: set[str], years: Sequence[int]
             ) -> tuple[pd.DataFrame, dict[int, str]]:
    """The weight of each English LAD code in ``codes`` (the series' own codes) for each of ``years``, and
    notes on the years carried.

    The base series is used where it has the code, its ``also`` series (other LAD codes) otherwise.
    """
    spec = foundation_map().series[metric.weight]
    base, carried = _at_years(_english_lads(ctx.series(metric.weight)), years)
    notes = _carried_note(metric.weight, carried)
    if spec.also:
        extra = _english_lads(ctx.series(spec.also))
        extra = extra[extra["area_code"].isin(codes - set(base["area_code"]))]
        if not extra.empty:
            extra, carried_also = _at_years(extra, years)
            base = provenance.combine(pd.concat([base, extra], ignore_index=True), base, ctx.series(spec.also))
            notes = _join_notes(notes, _carried_note(spec.also, carried_also))
    # A district whose code changed 1:1 (Gateshead E08000020 -> E08000037, minor boundary changes) takes the
    # weight of its successor; districts that merged have none (their current LAD then has no value).
    have = set(base["area_code"])
    succ = {c: _current_or_none(c) for c in codes - have}
    counts = pd.Series(list(succ.values()), dtype=object).value_counts()
    recode = {old: new for old, new in succ.items() if new in have and new not in codes and counts.get(new) == 1}
    if recode:
        back = {new: old for old, new in recode.items()}
        moved = base[base["area_code"].isin(back)].assign(area_code=lambda d: d["area_code"].map(back))
        base = provenance.combine(pd.concat([base, moved], ignore_index=True), base)
    return base, notes


def _current_or_none(code: str) -> str | None:
    try:
        return geography.current_code(code)
    except EvidenceError:
        return None


def _compute_weighted(ctx: _Context, metric: Metric, members: pd.DataFrame) -> pd.DataFrame:
    """Σ w·r / Σ w over members: the implied totals w·r and the weights are carried onto April-2023 codes
    (merged districts summed) before they are summed over the area."""
    v = _english_lads(ctx.series(metric.series))
    years = sorted(set(v["year"]))
    w, notes = _weights(ctx, metric, set(v["area_code"]), years)
    j = v[["area_code", "year", "period", "value"]].merge(w[["area_code", "year", "value"]],
                                                         on=["area_code", "year"], how="left", suffixes=("", "_w"))
    implied = j.assign(value=metric.scale * j["value"] * j["value_w"], flag=None, additive=True, lci_95=np.nan,
                       uci_95=np.nan)
    weight = j.assign(value=j["value_w"], flag=None, additive=True, lci_95=np.nan, uci_95=np.nan)
    num, caveats = _on_current_codes(implied[_SERIES_COLUMNS])
    den, _ = _on_current_codes(weight[_SERIES_COLUMNS])
    ctx.caveats += [f"{metric.series} (x {metric.weight}): {c}" for c in caveats]
    out = ratio_of_sums(aggregate(num, members), aggregate(den, members))
    out = _with_missing(out, members, num, den)
    label = foundation_map().series[metric.weight].label or metric.weight
    method = f"{label}-weighted mean (approximation)"
    out = provenance.combine(out, ctx.series(metric.series), w)
    res = _finish(out, "weighted_mean", method, _periods(ctx, metric.series), notes)
    if metric.lad_range:
        res["note"] = _range_notes(res, v, members, metric)
    return res


def _range_notes(res: pd.DataFrame, v: pd.DataFrame, members: pd.DataFrame, metric: Metric) -> np.ndarray:
    """Each row's note, with the range of its member LADs' published values (a median cannot be averaged)."""
    current = _current_lads()
    lad = v.assign(lad_code=v["area_code"].map(lambda c: c if c in current else _current_or_none(c)))
    j = lad.merge(members[["lad_code", "area_code"]].drop_duplicates(), on="lad_code", suffixes=("_lad", ""))
    rng = j.groupby(["area_code", "year"])["value"].agg(["min", "max", "count"])
    notes = []
    for code, year, note in zip(res["area_code"], res["year"], res["note"], strict=True):
        parts = [note] if isinstance(note, str) and note else []
        if (code, year) in rng.index:
            r = rng.loc[(code, year)]
            if r["count"] > 1:
                lo, hi = metric.scale * r["min"], metric.scale * r["max"]
                parts.append(f"member LADs range from {lo:,.2f} to {hi:,.2f} ({metric.unit})")
        notes.append("; ".join(parts) or None)
    return np.array(notes, dtype=object)


def _lad_sets(members: pd.DataFrame) -> dict[str, frozenset[str]]:
    return {a: frozenset(g["lad_code"]) for a, g in members.groupby("area_code")}


def _container_per(ctx: _Context, metric: Metric, years: Sequence[int]) -> tuple[pd.Series, dict[int, int]]:
    """The per-head base of every container, by (code, year)."""
    cm = pd.DataFrame([(c, lad) for c, v in ctx.containers().items() for lad in v[3]],
                      columns=["area_code", "lad_code"])
    base, carried = _at_years(ctx.lad(metric.per), years)
    per = aggregate(base, cm, by=("year",), group_name=None)
    return per.set_index(["area_code", "year"])["value"], carried


def _compute_containing(ctx: _Context, metric: Metric, members: pd.DataFrame) -> pd.DataFrame:
    s = ctx.series(metric.series)
    containers = ctx.containers()
    have = s[s["area_code"].isin(containers) & s["value"].notna()]
    by_year = {int(y): dict(zip(g["area_code"], g["value"], strict=True)) for y, g in have.groupby("year")}
    years = sorted(by_year)
    per, carried = _container_per(ctx, metric, years) if metric.per else (None, {})
    carried_notes = _carried_note(metric.per, carried) if metric.per else {}
    rows = []
    for area, lads in _lad_sets(members).items():
        cands = sorted((len(v[3]), code) for code, v in containers.items() if lads <= v[3])
        for y in years:
            hit = next((code for _, code in cands if code in by_year[y]), None)
            if hit is None:
                rows.append((area, y, np.nan, "containing area: none", _spanning_note(metric, lads, by_year[y],
                                                                                      containers)))
                continue
            code, name, typ, clads = containers[hit]
            value = by_year[y][hit]
            if per is not None:
                value = metric.scale * value / per.get((hit, y), np.nan)
            kind = typ.upper() if typ.startswith("itl") else typ
            same = "; the same LADs as the area" if clads == lads else ""
            note = f"published only for fixed areas ({metric.geography}): the value of {name}"
            if y in carried_notes:
                note += f"; {carried_notes[y]}"
            rows.append((area, y, value, f"containing area: {name} ({code}, {kind}{same})", note))
    out = pd.DataFrame(rows, columns=["area_code", "year", "value", "method", "note"])
    out = provenance.combine(out, s, *([ctx.series(metric.per)] if metric.per else []))
    return _finish(out.drop(columns=["method", "note"]), "containing_area", out["method"],
                   _periods(ctx, metric.series), out["note"])


def _spanning_note(metric: Metric, lads: frozenset[str], values: dict[str, float],
                   containers: dict[str, tuple[str, str, str, frozenset[str]]]) -> str:
    touched = sorted({c for c, v in containers.items() if v[2] == "region" and v[3] & lads})
    if len(touched) > 1:
        parts = []
        for c in touched:
            # the region's value, or that of the ITL1 area with the same LADs (TLF = East Midlands)
            same = [k for k, v in containers.items() if v[3] == containers[c][3] and k in values]
            parts.append(f"{containers[c][1]} ({c}): {values[same[0]]:,.1f}" if same else f"{containers[c][1]} ({c})")
        raw = " (published values, before any per-head division)" if metric.per else ""
        return (f"the area spans {len(touched)} regions and {metric.id} is published only for fixed areas "
                f"({metric.geography}), so it has no value; the regions{raw}: " + "; ".join(parts))
    return (f"{metric.id} is published only for fixed areas ({metric.geography}); none containing every member "
            "LAD has a value for this year")


_COMPUTE = {"sum": _compute_sum, "ratio_of_sums": _compute_ratio, "weighted_mean": _compute_weighted,
            "containing_area": _compute_containing}


# ----------------------------------------------------------------------------------------- published rows
def _district_intervals(ctx: _Context, metric: Metric, out: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """A district is its own published row, so it keeps that row's 95% confidence interval: the published
    interval of a rate (scaled), or for a ratio of counts the numerator's interval over the denominator
    (survey totals such as APS's are weighted to population estimates, so the denominator is treated as fixed)."""
    if metric.aggregation == "weighted_mean":
        rows = _published_rows(ctx, metric.series, codes)
        ci = rows.assign(lci=rows["lci_95"] * metric.scale, uci=rows["uci_95"] * metric.scale)
    elif metric.aggregation == "ratio_of_sums":
        num = _published_rows(ctx, metric.numerator, codes)
        den = _published_rows(ctx, metric.denominator, codes)[["area_code", "year", "value"]]
        ci = num.merge(den, on=["area_code", "year"], suffixes=("", "_den"))
        ci = ci.assign(lci=metric.scale * ci["lci_95"] / ci["value_den"],
                       uci=metric.scale * ci["uci_95"] / ci["value_den"])
    else:
        return out
    ci = ci.dropna(subset=["lci", "uci"]).drop_duplicates(["area_code", "year"])
    if ci.empty:
        return out
    j = out.merge(ci[["area_code", "year", "lci", "uci"]], on=["area_code", "year"], how="left")
    # Only where the interval brackets the value: a different vintage of the row would not.
    ok = j["lci_95"].isna() & (j["lci"] <= j["value"] + 1e-9) & (j["value"] <= j["uci"] + 1e-9)
    out = out.copy()
    out["lci_95"] = j["lci"].where(ok, out["lci_95"]).to_numpy()
    out["uci_95"] = j["uci"].where(ok, out["uci_95"]).to_numpy()
    return out


def _published_rows(ctx: _Context, sid: str, codes: Sequence[str]) -> pd.DataFrame:
    s = ctx.series(sid)
    return provenance.combine(s[s["area_code"].isin(codes)].copy(), s)


def _published(ctx: _Context, metric: Metric, codes: Sequence[str], *, as_code: str | None = None,
               members: pd.DataFrame | None = None) -> pd.DataFrame:
    """The source's own rows for ``codes`` (a CA, region, LEP, England, the UK), computed as the metric says:
    a ratio of the published numerator and denominator, a published rate, or a containing-area value divided
    by the area's own base (summed over ``members``). Empty where the source has no such row."""
    agg = metric.aggregation
    if agg in ("sum", "weighted_mean", "containing_area"):
        rows = _published_rows(ctx, metric.series, codes)
        src = [rows]
        scale = metric.scale if agg == "weighted_mean" else 1.0
        rows = rows.assign(value=rows["value"] * scale, lci_95=rows["lci_95"] * scale, uci_95=rows["uci_95"] * scale)
    else:
        num = _published_rows(ctx, metric.numerator, codes)
        den = _published_rows(ctx, metric.denominator, codes)
        src = [num, den]
        if num.empty or den.empty:
            return _empty()
        rows = ratio_of_sums(num, den, scale=metric.scale).merge(
            num[["area_code", "year", "period"]], on=["area_code", "year"], how="inner")
        rows["lci_95"] = np.nan
        rows["uci_95"] = np.nan
    rows = rows[rows["value"].notna()].drop_duplicates("year" if as_code else ["area_code", "year"])
    if as_code:
        rows = rows.assign(area_code=as_code)
    method, notes = "published", {}
    if agg == "containing_area" and metric.per and not rows.empty:
        if members is None:
            return _empty()
        base, carried = _at_years(ctx.lad(metric.per), sorted(set(rows["year"])))
        per = aggregate(base, members, by=("year",), group_name=None)[["area_code", "year", "value"]]
        rows = rows.merge(per, on=["area_code", "year"], how="left", suffixes=("", "_per"))
        rows["value"] = metric.scale * rows["value"] / rows["value_per"]
        rows["lci_95"] = np.nan
        rows["uci_95"] = np.nan
        label = foundation_map().series[metric.per].label or metric.per
        method = f"published (divided by the {label} of its LADs)"
        notes = _carried_note(metric.per, carried)
        src.append(base)
    if rows.empty:
        return _empty()
    out = rows.assign(aggregation="published", method=method, missing=None)
    mapped = out["year"].map(notes)
    out["note"] = mapped.astype(object).where(mapped.notna(), None)
    out["flag"] = out["flag"].astype(object).where(out["flag"].notna(), None) if "flag" in out else None
    return provenance.combine(out[_OUT].reset_index(drop=True), *src)


# ------------------------------------------------------------------------------------------------ public
def _is_england(a) -> bool:
    if isinstance(a, geography.Area):
        return a.code == ENGLAND_CODE
    return isinstance(a, str) and a.strip().lower() in ("england", ENGLAND_CODE.lower())


def compute(name: str, areas: Sequence[str | geography.Area], *, vintage: int = geography.DEFAULT_VINTAGE,
            comparators: Sequence[str] = ("England", "UK"), partial: str = "exclude",
            _ctx: _Context | None = None) -> pd.DataFrame:
    """A foundation metric for ``areas`` (and England/UK comparators), by area and year, method named.

    Parameters
    ----------
    name
        A metric id of the foundation map (see :func:`metrics_table`).
    areas
        Areas (names, codes, :class:`~evidence.geography.Area`); LEPs are taken at ``vintage``.
    vintage
        LEP vintage (2017, 2020 or 2021). Nomis' published LEP rows are on the 2021 LEPs, so they are used
        for the 2021 vintage only.
    comparators
        ``"England"`` (the source's published England row where it has one, else its 296 LADs aggregated
        by the metric's method) and ``"UK"`` (published rows only).
    partial
        How partial members are treated (see :func:`~evidence.indicators.area.membership_table`).

    Returns
    -------
    pandas.DataFrame
        ``metric, area_code, area_name, year, period, value, unit, lci_95, uci_95, flag, aggregation, method,
        missing, note``: ``aggregation`` is the method's key (``sum``, ``ratio_of_sums``, ``weighted_mean``,
        ``containing_area``, ``difference`` or ``published``) and ``method`` says it in words, including
        "(approximation)" for weighted means and the containing area's name. ``missing`` lists the member
        LADs without a value where that makes the value NA. Provenance in ``attrs["provenance"]``, caveats
        in ``attrs["caveats"]``.

    Raises
    ------
    UnknownDatasetError
        An unknown metric, or a dataset the metric needs is not registered.
    AggregationError
        The map asks to sum a non-additive series (a rate with no denominator is never summed).
    SourceUnavailableError
        A file the metric needs is neither on disk nor in the snapshot.

    Examples
    --------
    >>> df = compute("business-birth-rate", ["Lancashire"])          # doctest: +SKIP
    """
    metric = get_metric(name)
    ctx = _ctx or shared_context(vintage, partial)
    resolved: dict[str, geography.Area] = {}
    for a in areas:
        if not _is_england(a):
            ar = ctx.resolve(a)
            resolved.setdefault(ar.code, ar)
    want_england = any(c.lower() == "england" for c in comparators) or any(_is_england(a) for a in areas)
    want_uk = any(c.upper() == "UK" for c in comparators)
    key = (metric.id, tuple(resolved), (want_england, want_uk))
    if key not in ctx.results and _from_all_leps(resolved, ctx):
        ctx.results[key] = _lep_slice(metric, resolved, vintage=vintage, comparators=comparators, ctx=ctx)
    if key not in ctx.results:
        ctx.results[key] = _cached(ctx, "foundation-metric",
                                   (*key, vintage, tuple(comparators)),
                                   lambda: _compute(metric, resolved, vintage=vintage, comparators=comparators,
                                                    want_england=want_england, want_uk=want_uk, ctx=ctx))
    return ctx.results[key].copy(deep=False)


def _compute(metric: Metric, resolved: dict[str, geography.Area], *, vintage: int, comparators: Sequence[str],
             want_england: bool, want_uk: bool, ctx: _Context) -> pd.DataFrame:
    if metric.aggregation == "difference":
        return _compute_difference(metric, list(resolved.values()), comparators=comparators, ctx=ctx,
                                   england=want_england)
    names = {c: a.name for c, a in resolved.items()}
    inputs = [s for s in metric.inputs if s not in (metric.weight, metric.per)]
    published_codes = frozenset.intersection(*(ctx.codes(s) for s in inputs))
    types = set(metric.published) - ({"lep"} if vintage != 2021 else set())
    pub = [c for c, a in resolved.items() if a.type in types and c in published_codes]
    agg = [c for c in resolved if c not in pub]
    members, caveats = ctx.members(tuple(resolved)) if resolved else (None, [])
    seen = len(ctx.caveats)
    pieces = []
    if agg and metric.aggregation != "containing_area" and not any(
            _english_lads(ctx.series(sid)).shape[0] for sid in inputs):
        pieces.append(_not_from_lads(ctx, metric, agg, inputs))
    elif agg:
        pieces.append(_COMPUTE[metric.aggregation](ctx, metric, members[members["area_code"].isin(agg)]))
    if pub:
        pieces.append(_published(ctx, metric, pub, members=members))
    if want_england:
        names[ENGLAND_CODE] = "England"
        pieces.append(_cached(ctx, "foundation-england", (metric.id, ctx.vintage, ctx.partial),
                              lambda: _england(ctx, metric)))
    if want_uk and not (metric.aggregation == "containing_area" and metric.per):
        for code in UK_CODES:
            uk = _published(ctx, metric, [code])
            if not uk.empty:
                names[code] = "United Kingdom" + (" (less Extra-Regio)" if code == "UKX" else "")
                pieces.append(uk)
                break
    pieces = [p for p in pieces if not p.empty]
    out = pd.concat(pieces, ignore_index=True) if pieces else _empty()
    districts = [c for c in agg if resolved[c].type == "lad"]
    if districts and not out.empty:
        out = _district_intervals(ctx, metric, out, districts)
    caveats = caveats + ctx.caveats[seen:]
    out = out.assign(metric=metric.id, area_name=out["area_code"].map(names), unit=metric.unit)
    cols = ["metric", "area_code", "area_name", "year", "period", "value", "unit", "lci_95", "uci_95", "flag",
            "aggregation", "method", "missing", "note"]
    out = out[cols].sort_values(["area_code", "year"], kind="stable").reset_index(drop=True)
    res = provenance.combine(out, *pieces, *[ctx.series(s) for s in metric.inputs])
    res.attrs["caveats"] = list(dict.fromkeys(caveats + ([metric.note] if metric.note else [])))
    return res


def _from_all_leps(resolved: dict[str, geography.Area], ctx: _Context) -> bool:
    """Whether to answer for some LEPs from the (cached) result for all LEPs of the vintage: each area's rows
    are computed independently of the others, and every pack needs the all-LEP result for its ranks."""
    if not (memo.enabled() and resolved):
        return False
    leps = set(lep_codes(ctx.vintage))
    return set(resolved) < leps and all(a.type == "lep" for a in resolved.values())


def _lep_slice(metric: Metric, resolved: dict[str, geography.Area], *, vintage: int, comparators: Sequence[str],
               ctx: _Context) -> pd.DataFrame:
    """``compute`` for some LEPs, cut from its result for all LEPs (rows and caveats of these LEPs only)."""
    leps = lep_codes(ctx.vintage)
    full = compute(metric.id, leps, vintage=vintage, comparators=comparators, partial=ctx.partial, _ctx=ctx)
    others = set(leps) - set(resolved)
    out = full[~full["area_code"].isin(others)].reset_index(drop=True)
    everyone = set(ctx.members(tuple(leps))[1])
    own = ctx.members(tuple(resolved))[1]
    out.attrs["caveats"] = list(dict.fromkeys(own + [c for c in full.attrs.get("caveats", []) if c not in everyone]))
    return out


def _england(ctx: _Context, metric: Metric) -> pd.DataFrame:
    """England's rows: the source's published England row, else its 296 LADs aggregated by the metric's method."""
    em, _ = ctx.members(("England",))
    eng = _published(ctx, metric, list(ENGLAND_CODES), as_code=ENGLAND_CODE, members=em)
    if eng.empty:
        eng = _COMPUTE[metric.aggregation](ctx, metric, em)
        eng["method"] = eng["method"] + " of England's 296 LADs"
    return eng


def _cached(ctx: _Context, kind: str, key: tuple, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """:func:`evidence.indicators.memo.cached`, replaying onto ``ctx`` the caveats the computation added to it."""
    ran = False

    def run():
        nonlocal ran
        ran, seen = True, len(ctx.caveats)
        value = build()
        return value, ctx.caveats[seen:]

    value, carried = memo.cached(kind, key, run)
    if not ran:
        ctx.caveats += carried
    return value


_SHARED: dict[tuple, _Context] = {}


def shared_context(vintage: int, partial: str) -> _Context:
    """The process's context for a vintage (series and results computed once across notebooks); a fresh one
    whenever the data on disk has changed, or every time when the result cache is off."""
    if not memo.enabled():
        return _Context(vintage=vintage, partial=partial)
    key = (vintage, partial, memo.data_state())
    if key not in _SHARED:
        _SHARED.clear()
        _SHARED[key] = _Context(vintage=vintage, partial=partial)
    return _SHARED[key]


def _not_from_lads(ctx: _Context, metric: Metric, codes: Sequence[str], inputs: Sequence[str]) -> pd.DataFrame:
    """NA rows for areas that would be built from LADs when the source publishes no LAD rows."""
    years = sorted(set(ctx.series(inputs[0])["year"]))
    out = pd.DataFrame([(c, y) for c in codes for y in years], columns=["area_code", "year"]).assign(value=np.nan)
    note = (f"{metric.id} is published only for {metric.geography}, not for local authority districts, so it cannot "
            "be built for this area")
    return _finish(out, metric.aggregation, "not computable from LADs", _periods(ctx, inputs[0]),
                   pd.Series([note] * len(out)))


def _compute_difference(metric: Metric, areas: list[geography.Area], *, comparators: Sequence[str], ctx: _Context,
                        england: bool) -> pd.DataFrame:
    comps = list(comparators) + (["England"] if england else [])
    a = compute(metric.minuend, areas, vintage=ctx.vintage, comparators=comps, partial=ctx.partial, _ctx=ctx)
    b = compute(metric.subtrahend, areas, vintage=ctx.vintage, comparators=comps, partial=ctx.partial, _ctx=ctx)
    j = a.merge(b, on=["area_code", "area_name", "year"], how="inner", suffixes=("_a", "_b"))
    out = pd.DataFrame({
        "metric": metric.id, "area_code": j["area_code"], "area_name": j["area_name"], "year": j["year"],
        "period": j["period_a"].where(j["period_a"] == j["period_b"], j["period_a"] + " / " + j["period_b"]),
        "value": j["value_a"] - j["value_b"], "unit": metric.unit, "lci_95": np.nan, "uci_95": np.nan,
        "flag": j["flag_a"].where(j["flag_a"].notna(), j["flag_b"]),
        "aggregation": "difference",
        "method": "difference: " + metric.minuend + " (" + j["method_a"] + ") minus " + metric.subtrahend + " ("
                  + j["method_b"] + ")",
        "missing": j["missing_a"].where(j["missing_a"].notna(), j["missing_b"]),
        "note": j["note_a"].where(j["note_a"].notna(), j["note_b"]),
    })
    # The two values of the same year, so that the difference can be checked against the rows shown beside it
    # (which may be of a later year for one of the two).
    parts = [f"{metric.minuend} {x:,.1f} minus {metric.subtrahend} {y:,.1f} ({metric.unit}), both {int(yr)}"
             if pd.notna(x) and pd.notna(y) else None for x, y, yr in zip(j["value_a"], j["value_b"], j["year"],
                                                                         strict=True)]
    out["note"] = [p if n is None or pd.isna(n) else f"{p}; {n}" if p else n
                   for p, n in zip(parts, out["note"], strict=True)]
    res = provenance.combine(out.reset_index(drop=True), a, b)
    res.attrs["caveats"] = list(dict.fromkeys(a.attrs.get("caveats", []) + b.attrs.get("caveats", [])
                                              + ([metric.note] if metric.note else [])))
    return res


__all__ = ["AGGREGATIONS", "DERIVED", "FOUNDATIONS", "INCOMPLETE", "FoundationMap", "Metric", "Series", "compute",
           "foundation_map", "get_metric", "metrics_table", "read_foundation_map"]
