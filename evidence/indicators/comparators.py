"""Comparators: rank an indicator across a comparison set (the LEPs of a vintage, the combined authorities,
England's districts, the regions, an ITL level), and find an area's nearest statistical neighbours.

Indicators
----------
Every headline indicator of :data:`evidence.indicators.area.INDICATORS` (``gva``, ``gva-per-hour``,
``gva-per-job``, ``jobs``, ``hours``, ``population``, ``gva-per-head``), plus three structure and growth
indicators computed here from current-price GVA by industry (see :data:`COMPARATORS`):

``manufacturing-share``
    % of GVA in manufacturing (the six leaves of ``C (10-33)``).
``kibs-share``
    % of GVA in knowledge-intensive business services, approximated on the published rows as
    ``61-63`` (telecoms and IT), ``69`` (legal and accounting), ``70`` (head offices and management
    consultancy), ``71`` (architecture and engineering) and ``72-75`` (R&D, advertising, design and other
    professional services). The Eurostat KIBS aggregate (divisions 62-63 and 69-73) is not separable in
    these rows: they add telecoms (61), veterinary (75) and other professional activities (74).
``gva-growth-5y``
    Nominal GVA growth, % a year (compound) over the five years to ``year``. It is in current prices and so
    includes inflation (real growth cannot be built for aggregated areas).

An area containing a suppressed GVA cell (Cornwall and the Isles of Scilly) has no value for a share that
needs it.

Nearest neighbours: the method
------------------------------
1. Take the comparison set of the area's type (:mod:`evidence.geography.areatypes`): the 38 LEPs of ``vintage``, the
   combined authorities, England's 296 districts, the regions or an ITL level, each as the sum of its member
   LADs. A grouping is placed among the LEPs.
2. Compute each indicator for every member of the set in ``year``. ``population`` enters as its natural
   logarithm: areas' populations span two orders of magnitude, and on the raw scale London alone would
   dominate the z-scores.
3. Standardise each indicator across the set: :math:`z_{ai} = (x_{ai} - \\bar x_i) / \\sigma_i`, with the
   mean and population standard deviation (ddof = 0) over the areas that have a value.
4. The distance between two areas is the weighted Euclidean distance between their z-scores,

   .. math:: d_{ab} = \\sqrt{\\frac{W}{W_{ab}} \\sum_{i} w_i (z_{ai} - z_{bi})^2}

   with equal weights :math:`w_i = 1` by default (``weights=`` changes them). :math:`W` is the sum of all
   weights, and :math:`W_{ab}` the sum over the indicators both areas have. An indicator missing for
   either area is left out and the sum rescaled, so one blank indicator does not make an area look closer.
   ``indicators_used`` reports how many were used.
5. The area's ``k`` nearest neighbours are the other members with the smallest distances, the area itself
   excluded, sorted by distance.

This follows the usual "statistical nearest neighbours" approach, e.g. the CIPFA model, with its choice of
indicators and weights left to the user. Equal weights on z-scores treat the indicators as equally
important. Correlated indicators (GVA per hour and per job) therefore weigh more together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import geography, provenance
from ..errors import InvalidArgumentError, NoDataError, NotApplicableError, UnknownDatasetError
from ..geography import areatypes
from ..sources import get, ons_gva
from . import area as area_ind
from . import memo
from .sectors import gva_shares

KIBS_ROWS = ("61-63", "69", "70", "71", "72-75")
DEFAULT_NEIGHBOUR_INDICATORS = ("gva-per-hour", "gva-per-job", "gva-per-head", "population", "manufacturing-share",
                                "kibs-share", "gva-growth-5y")


@dataclass(frozen=True)
class Comparator:
    """An indicator that can be computed for every area of a comparison set in a year."""

    name: str
    title: str
    unit: str
    higher_is_better: bool | None
    compute: Callable[[list[str], int, int], pd.DataFrame]   # (area codes, year, vintage) -> area_code, value
    log: bool = False
    note: str = ""


def _headline(name: str) -> Callable[[list[str], int, int], pd.DataFrame]:
    def compute(codes: list[str], year: int, vintage: int) -> pd.DataFrame:
        members, _ = area_ind.membership_table(codes, vintage=vintage)
        out = area_ind.get_indicator(name).compute(members)
        return out[out["year"] == year]
    return compute


def _share(label: str, rows: Sequence[str] | str) -> Callable[[list[str], int, int], pd.DataFrame]:
    """A GVA share of leaf rows, or of the leaves under one industry code (read when computed)."""
    def compute(codes: list[str], year: int, vintage: int) -> pd.DataFrame:
        leaves = ons_gva.leaves(rows) if isinstance(rows, str) else list(rows)
        return gva_shares(codes, year=year, industries={label: leaves}, vintage=vintage)
    return compute


def _growth(codes: list[str], year: int, vintage: int, years: int = 5) -> pd.DataFrame:
    members, _ = area_ind.membership_table(codes, vintage=vintage)
    g = area_ind.get_indicator("gva").compute(members)
    w = g.pivot_table(index="area_code", columns="year", values="value", aggfunc="first")
    if year not in w or year - years not in w:
        return pd.DataFrame({"area_code": pd.Series(dtype=str), "value": pd.Series(dtype=float)})
    value = 100 * ((w[year] / w[year - years]) ** (1 / years) - 1)
    return provenance.combine(value.rename("value").reset_index().assign(year=year), g)


#: Every indicator that can be ranked or used for neighbours, by name.
COMPARATORS: dict[str, Comparator] = {
    name: Comparator(name, ind.title, ind.unit, ind.higher_is_better, _headline(name), log=name == "population",
                     note=ind.note)
    for name, ind in area_ind.INDICATORS.items()
}
COMPARATORS["manufacturing-share"] = Comparator(
    "manufacturing-share", "Share of GVA in manufacturing (C)", "% of GVA", None,
    _share("manufacturing-share", "C (10-33)"))
COMPARATORS["kibs-share"] = Comparator(
    "kibs-share", "Share of GVA in knowledge-intensive business services (approx.)", "% of GVA", None,
    _share("kibs-share", KIBS_ROWS), note="KIBS approximated by the GVA rows " + ", ".join(KIBS_ROWS) + ".")
COMPARATORS["gva-growth-5y"] = Comparator(
    "gva-growth-5y", "Nominal GVA growth over five years", "% a year", True, _growth,
    note="Current prices: nominal growth, including inflation.")


def get_comparator(name: str) -> Comparator:
    """A comparator indicator by name; unknown names raise ``UnknownDatasetError`` listing them."""
    if name not in COMPARATORS:
        raise UnknownDatasetError(f"No comparator indicator named {name!r}. Indicators: {', '.join(COMPARATORS)}.")
    return COMPARATORS[name]


def _codes(type: str, vintage: int) -> list[str]:
    if areatypes.get(type).neighbours_among != type:
        sets = sorted({t.neighbours_among for t in areatypes.AREA_TYPES.values() if t.neighbours_among})
        raise InvalidArgumentError(f"{type!r} is not a comparison set; use one of {sets}.")
    return geography.comparison_set(type, vintage=vintage)


def _names(type: str, vintage: int) -> dict[str, str]:
    a = geography.areas(type=type, vintage=vintage)
    return dict(zip(a["area_code"], a["area_name"], strict=True))


def _target_row(a: geography.Area, indicators: Sequence[str], year: int, vintage: int) -> pd.Series:
    """The indicators for an area outside the comparison set (a grouping among the LEPs)."""
    cols = {}
    for name in indicators:
        out = get_comparator(name).compute([a.code], year, vintage)
        hit = out[out["area_code"] == a.code]["value"]
        cols[name] = float(hit.iloc[0]) if len(hit) and pd.notna(hit.iloc[0]) else np.nan
    return pd.Series(cols, name=a.code, dtype=float)


def values(indicators: Sequence[str], *, year: int, vintage: int = geography.DEFAULT_VINTAGE,
           type: str = "lep") -> pd.DataFrame:
    """Every indicator for every area of the comparison set in ``year``: a wide frame indexed by area code,
    one column per indicator (raw values, not logged or standardised). Cached per vintage (see
    :mod:`evidence.indicators.memo`): every pack's neighbours use the same table."""
    return memo.cached("comparator-values", (tuple(indicators), year, vintage, type),
                       lambda: _values(indicators, year=year, vintage=vintage, type=type))


def _values(indicators: Sequence[str], *, year: int, vintage: int, type: str) -> pd.DataFrame:
    codes = _codes(type, vintage)
    cols, srcs = {}, []
    for name in indicators:
        c = get_comparator(name)
        out = c.compute(codes, year, vintage)
        srcs.append(out)
        cols[name] = out.drop_duplicates("area_code").set_index("area_code")["value"].astype(float)
    table = pd.DataFrame(cols).reindex(codes)
    table.index.name = "area_code"
    return provenance.combine(table, *srcs)


def rank(indicator: str, *, year: int, vintage: int = geography.DEFAULT_VINTAGE, type: str = "lep") -> pd.DataFrame:
    """Rank every LEP of ``vintage`` (or every combined authority) on an indicator in ``year``.

    Rank 1 is the best where the indicator has a polarity, else the highest. Headline indicators go through
    :func:`evidence.indicators.area.rank_among`. Missing values are unranked.

    Returns ``indicator, area_code, area_name, year, value, unit, flag, rank, of``.
    """
    c = get_comparator(indicator)
    if indicator in area_ind.INDICATORS:
        return area_ind.rank_among(indicator, year=year, vintage=vintage, type=type)
    table = values([indicator], year=year, vintage=vintage, type=type)
    v = table[indicator]
    out = pd.DataFrame({"indicator": indicator, "area_code": v.index, "area_name": v.index.map(_names(type, vintage)),
                        "year": year, "value": v.to_numpy(), "unit": c.unit})
    out["flag"] = np.where(out["value"].isna(), "suppressed", None)
    out["rank"] = out["value"].rank(ascending=c.higher_is_better is False, method="min").astype("Int64")
    out["of"] = int(out["value"].notna().sum())
    out = out.sort_values(["rank", "area_code"], na_position="last").reset_index(drop=True)
    out = provenance.combine(out, table)
    out.attrs["among"] = geography.type_label(type, vintage=vintage)
    return out


def standardise(table: pd.DataFrame, *, log: Sequence[str] = (), reference: Sequence[str] | None = None
                ) -> pd.DataFrame:
    """Z-scores of each column of a wide area x indicator table (columns in ``log`` logged first).

    .. math:: z_{ai} = (x_{ai} - \\bar x_i) / \\sigma_i

    with the population standard deviation (ddof = 0) over the areas with a value, or over the rows
    ``reference`` only (the comparison set, when the table also holds an area from outside it). A column
    with no spread is all zero.

    >>> t = pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=["A", "B", "C"])
    >>> standardise(t)["x"].round(4).tolist()
    [-1.2247, 0.0, 1.2247]
    """
    t = table.astype(float).copy()
    for c in log:
        if (t[c] <= 0).any():
            raise InvalidArgumentError(f"{c} has values <= 0 and cannot be logged.")
        t[c] = np.log(t[c])
    ref = t if reference is None else t.loc[list(reference)]
    sd = ref.std(ddof=0).replace(0.0, np.nan)
    return ((t - ref.mean()) / sd).fillna({c: 0.0 for c in t.columns if pd.isna(sd[c])})


def distances(z: pd.DataFrame, target: str, *, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Weighted Euclidean distances from ``target`` to every other row of a z-score table, with indicators
    missing for either area left out and the sum rescaled (see the module docstring).

    Returns ``area_code, distance, indicators_used`` for every other area, sorted by distance (ties by code).

    >>> z = pd.DataFrame({"x": [0.0, 0.0, 3.0], "y": [1.0, 1.0, 5.0]}, index=["A", "B", "C"])
    >>> distances(z, "A").values.tolist()
    [['B', 0.0, 2], ['C', 5.0, 2]]
    """
    if target not in z.index:
        raise InvalidArgumentError(f"{target!r} is not in the comparison table.")
    w = pd.Series({c: 1.0 for c in z.columns} if weights is None else dict(weights), dtype=float)
    unknown = sorted(set(w.index) - set(z.columns))
    if unknown:
        raise InvalidArgumentError(f"weights for {unknown}, which are not among the indicators {list(z.columns)}.")
    w = w.reindex(z.columns).fillna(0.0)
    if (w < 0).any() or w.sum() <= 0:
        raise InvalidArgumentError("weights must be non-negative and not all zero.")
    others = z.drop(index=target)
    diff2 = (others - z.loc[target]) ** 2
    have = diff2.notna()
    w_have = have.mul(w, axis=1).sum(axis=1)
    total = (diff2.fillna(0.0) * w).sum(axis=1)
    d = np.sqrt(total * w.sum() / w_have.replace(0.0, np.nan))
    out = pd.DataFrame({"area_code": others.index, "distance": d.to_numpy(),
                        "indicators_used": (have & (w > 0)).sum(axis=1).to_numpy()})
    return out.sort_values(["distance", "area_code"], na_position="last").reset_index(drop=True)


def _latest_year(indicators: Sequence[str]) -> int:
    """The latest year that the LAD sources of every chosen indicator cover."""
    years = [int(get("gva")["year"].max())]
    if any(n in ("population", "gva-per-head") for n in indicators):
        years.append(int(get("population")["year"].max()))
    if any(n in ("gva-per-hour", "gva-per-job", "jobs", "hours") for n in indicators):
        years.append(int(area_ind._prod("gva_per_hour")["year"].max()))
    return min(years)


def nearest_neighbours(area: str | geography.Area, *, vintage: int = geography.DEFAULT_VINTAGE, k: int = 5,
                       indicators: Sequence[str] = DEFAULT_NEIGHBOUR_INDICATORS, year: int | None = None,
                       weights: Mapping[str, float] | None = None, type: str | None = None) -> pd.DataFrame:
    """An area's ``k`` nearest statistical neighbours among the areas of its comparison set (see
    :mod:`evidence.geography.areatypes`: LEPs of ``vintage`` for a LEP or a grouping, combined authorities for a CA,
    England's districts for a district, regions for a region, its own level for an ITL area; ``type=``
    chooses another), on standardised ``indicators`` in ``year`` (default: the latest year all of them have).
    An area outside the set (a grouping) is standardised with the set's means and deviations. The method is in
    the module docstring.

    Returns
    -------
    DataFrame
        ``rank, area_code, area_name, distance, indicators_used`` and one column per indicator (its raw
        value), sorted by distance, the area itself excluded. ``df.attrs["target"]`` holds the area's own
        values, ``df.attrs["method"]`` a one-line description, ``df.attrs["among"]`` the comparison set, and
        ``df.attrs["caveats"]`` the notes.

    Raises
    ------
    NoDataError
        The area's type has no comparison set (a country), or the area has no value for any indicator (an
        area outside England, whose districts the sources do not cover).

    Examples
    --------
    >>> nn = nearest_neighbours("Leicester and Leicestershire", k=5)             # doctest: +SKIP
    """
    if k < 1:
        raise InvalidArgumentError("k must be at least 1.")
    indicators = list(dict.fromkeys(indicators))
    if not indicators:
        raise InvalidArgumentError("give at least one indicator.")
    for name in indicators:
        get_comparator(name)
    a = area if isinstance(area, geography.Area) else geography.resolve(area, vintage=vintage)
    among = type or areatypes.get(a.type).neighbours_among
    if among is None:
        raise NotApplicableError(f"{a.name} is a {areatypes.get(a.type).label}: it has no set of comparable areas "
                                 "to draw statistical neighbours from.")
    codes = _codes(among, vintage)
    year = _latest_year(indicators) if year is None else year
    table = values(indicators, year=year, vintage=vintage, type=among)
    if a.code not in codes:
        table = provenance.combine(pd.concat([table, _target_row(a, indicators, year, vintage).to_frame().T]),
                                   table)
        table.index.name = "area_code"
    if table.loc[a.code].isna().all():
        raise NoDataError(f"{a.name} has no value for any of {', '.join(indicators)} in {year}: the district "
                          "figures they are built from cover England only.")
    z = standardise(table, log=[c for c in indicators if get_comparator(c).log], reference=codes)
    d = distances(z, a.code, weights=weights)
    names = _names(among, vintage)
    out = d.head(k).copy()
    out.insert(0, "rank", range(1, len(out) + 1))
    out.insert(2, "area_name", out["area_code"].map(names))
    out = out.join(table, on="area_code")
    label = geography.type_label(among, vintage=vintage)
    caveats = [f"Nearest neighbours among the {len(codes)} {label} in {year}, on z-scores of "
               f"{', '.join(indicators)} ({'equal weights' if weights is None else 'weights ' + str(dict(weights))})"
               + ("" if a.code in codes else f"; {a.name} is not one of them and is placed among them") + "."]
    missing = table.loc[codes].isna().any(axis=1)
    if missing.any():
        caveats.append("Missing values (left out of those pairs' distances): "
                       + "; ".join(f"{names[c]} ({', '.join(table.columns[table.loc[c].isna()])})"
                                   for c in missing.index[missing]) + ".")
    caveats += [get_comparator(c).note for c in indicators if get_comparator(c).note]
    provenance.combine(out, table)
    out.attrs["target"] = {"area_code": a.code, "area_name": a.name, "year": year, **table.loc[a.code].to_dict()}
    out.attrs["method"] = "weighted Euclidean distance on z-scores (log population), area excluded"
    out.attrs["among"] = label
    out.attrs["caveats"] = caveats
    return out


__all__ = ["COMPARATORS", "Comparator", "DEFAULT_NEIGHBOUR_INDICATORS", "KIBS_ROWS", "distances", "get_comparator",
           "nearest_neighbours", "rank", "standardise", "values"]
