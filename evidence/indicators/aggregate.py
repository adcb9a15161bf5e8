"""Aggregation of LAD data to any area: LEPs at any vintage, combined authorities, regions, the Arc, or a
user's grouping.

Rules (the same everywhere in the toolkit):

- **Additive measures are summed** over member LADs: current-price GVA, jobs, hours, population, business
  counts. A LAD that belongs to two areas (a 2017 LEP overlap) counts in each.
- **Ratios are recomputed from summed components** (:func:`ratio_of_sums`): GVA per hour is
  ΣGVA / Σhours, never a mean of the members' ratios.
- **Chained-volume measures refuse to be summed** (:class:`~evidence.errors.AggregationError`). Chain-linking
  makes each series additive only in its reference year, so a sum of LAD CVMs is not the area's CVM. Real
  growth for an aggregated area is *chain-linked* instead (:func:`chain_link`), the way ONS builds its own
  regional volumes: annual previous-year-prices weights from current prices, volume growth from each LAD's CVM.
- **A missing member makes the total missing**, flagged ``incomplete``, never a partial sum shown as whole.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import provenance
from ..errors import AggregationError
from ._groups import group_ids

INCOMPLETE = "incomplete"


def _non_additive_message(df: pd.DataFrame) -> str:
    bad = df[~df["additive"].astype(bool)]
    desc = set()
    for col in ("measure", "unit"):
        if col in bad.columns:
            desc |= {str(v) for v in bad[col].dropna().unique()[:4]}
    text = " ".join(desc).lower()
    if "chain" in text or "cvm" in text or "volume" in text:
        return (f"cannot sum chained-volume measures ({', '.join(sorted(desc))}): chain-linked volumes are not "
                "additive across areas, so the sum of LAD CVMs is not the area's CVM. Sum current prices, or "
                "chain-link the area's real growth with chain_link().")
    return (f"cannot sum non-additive values ({', '.join(sorted(desc))}): rates, ratios, indices and medians must be "
            "recomputed from summed numerators and denominators (see ratio_of_sums).")


def _unique_pairs(codes: np.ndarray, key_id: np.ndarray, n_members: int, n_keys: int) -> np.ndarray | None:
    """The distinct (member, key) pairs as ``member * n_keys + key``, or ``None`` if no pair repeats."""
    pairs = codes.astype(np.int64)
    pairs *= n_keys
    pairs += key_id
    if (codes < 0).any():
        pairs = pairs[codes >= 0]
    if n_members * n_keys <= 4 * len(pairs) + 2**20:  # a dense count is cheaper than hashing
        counts = np.bincount(pairs, minlength=n_members * n_keys)
        return np.flatnonzero(counts) if counts.max(initial=0) > 1 else None
    unique = pd.unique(pairs)
    return None if len(unique) == len(pairs) else unique


def aggregate(df: pd.DataFrame, members: pd.DataFrame, *, by: Sequence[str] = ("year",), area: str = "area_code",
              value: str = "value", member_code: str = "lad_code", group_code: str = "area_code",
              group_name: str | None = "area_name") -> pd.DataFrame:
    r"""Sum an additive measure over each group's member LADs.

    .. math:: X_{G,t} = \sum_{l \in G} x_{l,t}

    ``members`` maps ``member_code`` (LAD) to ``group_code`` (one row per membership, so an overlapping LAD
    appears once per group). Each output row carries ``members`` (how many LADs the group has) and
    ``present`` (how many had a value); if any is missing the value is NA with flag ``incomplete``.

    Examples
    --------
    >>> df = pd.DataFrame({"area_code": ["L1", "L2", "L3"], "year": 2020, "value": [1.0, 2.0, 4.0],
    ...                    "additive": True})
    >>> m = pd.DataFrame({"lad_code": ["L1", "L2", "L2", "L3"], "area_code": ["A", "A", "B", "B"],
    ...                   "area_name": ["Area A", "Area A", "Area B", "Area B"]})
    >>> aggregate(df, m)[["area_code", "year", "value", "members", "present"]].values.tolist()
    [['A', 2020, 3.0, 2, 2], ['B', 2020, 6.0, 2, 2]]
    """
    if "additive" not in df.columns:
        raise AggregationError("the frame has no `additive` column, so it cannot be known whether it may be summed")
    if not df["additive"].astype(bool).all():
        raise AggregationError(_non_additive_message(df))
    by = list(by)
    names = [group_name] if group_name and group_name in members else []
    m = members[[member_code, group_code, *names]].drop_duplicates([member_code, group_code])
    groups = m[[group_code, *names]].drop_duplicates().sort_values([group_code, *names]).reset_index(drop=True)
    gid = m.merge(groups.reset_index(), on=[group_code, *names], how="left")["index"].to_numpy()
    n_groups = len(groups)

    # Integer positions throughout: at BRES-by-LSOA scale (30M rows) a merge on string codes, or the full
    # group x member x key grid, costs gigabytes. Every (group, key) is still reported, as that grid would be.
    codes, uniques = pd.factorize(df[area])
    uniques = pd.Index(np.asarray(uniques, dtype=object)).astype(str)
    key_id, keys = group_ids(df, by)
    n_keys = len(keys)
    pos = uniques.get_indexer(m[member_code].astype(str))
    has_data = pos >= 0
    pos, pos_gid = pos[has_data], gid[has_data]
    layer = pd.Series(pos).groupby(pos).cumcount().to_numpy()  # a member of k groups is taken in k passes
    values = df[value].to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(values)
    any_missing = bool(missing.any())
    if any_missing:
        values = np.where(missing, 0.0, values)
    pairs = _unique_pairs(codes, key_id, len(uniques), n_keys)  # None when no member has two rows for one key
    size = n_groups * n_keys
    total, rows, absent = np.zeros(size), np.zeros(size), np.zeros(size)
    distinct = np.zeros(size) if pairs is not None else rows
    group_of = np.empty(len(uniques) + 1, dtype=np.int64)  # the last slot takes code -1 (no area code)
    for k in range(int(layer.max()) + 1 if len(layer) else 0):
        group_of.fill(-1)
        group_of[pos[layer == k]] = pos_gid[layer == k]
        row_group = group_of[codes]
        sel = np.flatnonzero(row_group >= 0) if (row_group < 0).any() else slice(None)
        bins = row_group[sel]
        bins *= n_keys
        bins += key_id[sel]
        total += np.bincount(bins, weights=values[sel], minlength=size)
        rows += np.bincount(bins, minlength=size)
        if any_missing:
            absent += np.bincount(bins, weights=missing[sel], minlength=size)
        if pairs is not None:
            pair_group = group_of[pairs // n_keys]
            in_group = pair_group >= 0
            distinct += np.bincount(pair_group[in_group] * n_keys + pairs[in_group] % n_keys, minlength=size)
    n_members = np.bincount(gid, minlength=n_groups)
    out = pd.concat([groups.iloc[np.repeat(np.arange(n_groups), n_keys)].reset_index(drop=True),
                     keys.iloc[np.tile(np.arange(n_keys), n_groups)].reset_index(drop=True)], axis=1)
    out["value"] = total
    # A member with no row for a key counts once, as absent; a member with several rows counts each of them.
    out["members"] = (np.repeat(n_members, n_keys) + rows - distinct).astype(np.int64)
    out["present"] = (rows - absent).astype(np.int64)
    complete = out["present"] == out["members"]
    out["value"] = out["value"].where(complete, np.nan)
    out["flag"] = np.where(complete, None, INCOMPLETE)
    out["additive"] = True
    out = out.rename(columns={group_code: "area_code"} if group_code != "area_code" else {})
    for col in ("unit", "measure"):
        if col in df.columns and col not in out.columns and df[col].nunique() == 1:
            out[col] = df[col].iloc[0]
    return provenance.combine(out.reset_index(drop=True), df)


def ratio_of_sums(numerator: pd.DataFrame, denominator: pd.DataFrame, *, on: Sequence[str] = ("area_code", "year"),
                  value: str = "value", scale: float = 1.0, unit: str | None = None) -> pd.DataFrame:
    r"""A ratio recomputed from summed components: :math:`r_G = s \cdot \sum_l N_l / \sum_l D_l`.

    Both frames are already aggregated to the same areas (e.g. by :func:`aggregate`). A missing or zero
    denominator gives NA; an incomplete component gives NA flagged ``incomplete``.

    Examples
    --------
    >>> gva = pd.DataFrame({"area_code": ["A"], "year": [2022], "value": [90.0]})
    >>> hours = pd.DataFrame({"area_code": ["A"], "year": [2022], "value": [2.0]})
    >>> ratio_of_sums(gva, hours)["value"].tolist()
    [45.0]
    """
    on = list(on)
    cols_n = on + [value] + (["flag"] if "flag" in numerator else [])
    cols_d = on + [value] + (["flag"] if "flag" in denominator else [])
    j = numerator[cols_n].merge(denominator[cols_d], on=on, how="outer", suffixes=("_num", "_den"))
    den = j[f"{value}_den"].where(j[f"{value}_den"] != 0)
    j["value"] = scale * j[f"{value}_num"] / den
    flags = [c for c in ("flag_num", "flag_den") if c in j]
    incomplete = np.zeros(len(j), dtype=bool)
    for c in flags:
        incomplete |= (j[c] == INCOMPLETE).to_numpy()
    j["flag"] = np.where(incomplete, INCOMPLETE, None)
    j["additive"] = False
    if unit:
        j["unit"] = unit
    out = j[on + ["value", "flag", "additive"] + (["unit"] if unit else [])]
    return provenance.combine(out, numerator, denominator)


def chain_link(current: pd.DataFrame, volume: pd.DataFrame, members: pd.DataFrame, *, reference_year: int,
               area: str = "area_code", year: str = "year", value: str = "value", member_code: str = "lad_code",
               group_code: str = "area_code", group_name: str | None = "area_name") -> pd.DataFrame:
    r"""An area's real (chain-linked volume) series from its members' current prices and chained volumes.

    The annual previous-year-prices (PYP) method of ONS: each member's volume change is valued at the
    previous year's prices, the values are summed (PYP values *are* additive), and the area's growth rates
    are chained from ``reference_year``, where the real series equals current prices:

    .. math::
        PYP_{l,t} = CP_{l,t-1}\,\frac{CVM_{l,t}}{CVM_{l,t-1}}, \qquad
        g_{G,t} = \frac{\sum_{l\in G} PYP_{l,t}}{\sum_{l\in G} CP_{l,t-1}}, \qquad
        R_{G,t} = CP_{G,r}\prod_{s=r+1}^{t} g_{G,s} \;(t > r),\quad
        R_{G,t} = CP_{G,r}\Big/\prod_{s=t+1}^{r} g_{G,s} \;(t < r)

    The member CVMs are never summed: only their ratios :math:`CVM_t / CVM_{t-1}` are used, so their own
    reference year does not matter. The implied deflator is :math:`100\,CP_{G,t} / R_{G,t}` (``r`` = 100).

    Parameters
    ----------
    current, volume
        Tidy member rows (``area``, ``year``, ``value``): current prices and chained volume measures.
    members
        ``member_code`` -> ``group_code`` (and ``group_name``), one row per membership.
    reference_year
        The year whose prices the real series is expressed in (:math:`R_{G,r} = CP_{G,r}`).

    Returns
    -------
    DataFrame
        ``area_code, area_name, year, value`` (the real series, in ``reference_year`` prices), ``current``
        (:math:`\sum CP`), ``volume_growth`` (:math:`g_{G,t}`, NA in the first year), ``deflator``
        (``reference_year`` = 100), ``flag`` (``incomplete`` where a member lacks a value in the year or the
        year before, which makes that year's growth and everything chained through it NA) and
        ``additive=False``.

    References
    ----------
    ONS, *Regional economic activity by gross domestic product, UK: methodology* (chain-linking of regional
    volume estimates); Robjohns, J. (2006), *Methodology Notes: Annual chain-linking*, Economic Trends 630.

    Examples
    --------
    Two districts; A grows 5% a year in volume, B falls 10% and then stays flat:

    >>> cp = pd.DataFrame({"area_code": ["A"] * 3 + ["B"] * 3, "year": [2020, 2021, 2022] * 2,
    ...                    "value": [100.0, 110.0, 121.0, 50.0, 50.0, 60.0]})
    >>> cvm = cp.assign(value=[100.0, 105.0, 110.25, 50.0, 45.0, 45.0])
    >>> m = pd.DataFrame({"lad_code": ["A", "B"], "area_code": "G", "area_name": "Group"})
    >>> out = chain_link(cp, cvm, m, reference_year=2020)
    >>> out[["year", "volume_growth", "value"]].values.tolist()
    [[2020.0, nan, 150.0], [2021.0, 1.0, 150.0], [2022.0, 1.034375, 155.15625]]

    (2021: (105 + 45) / (100 + 50) = 1; 2022: (110 x 110.25 / 105 + 50) / (110 + 50) = 165.5 / 160.)
    """
    names = [group_name] if group_name and group_name in members else []
    m = members[[member_code, group_code, *names]].drop_duplicates([member_code, group_code])
    cp = current.pivot_table(index=area, columns=year, values=value, aggfunc="first")
    cv = volume.pivot_table(index=area, columns=year, values=value, aggfunc="first")
    years = sorted(set(cp.columns) | set(cv.columns))
    if reference_year not in years:
        raise AggregationError(f"the reference year {reference_year} is outside the data ({years[0]}-{years[-1]}).")
    pieces = []
    for (code, *name), g in m.groupby([group_code, *names], sort=True, observed=True):
        lads = list(dict.fromkeys(g[member_code].astype(str)))
        c = cp.reindex(index=lads, columns=years).to_numpy(dtype=float)
        v = cv.reindex(index=lads, columns=years).to_numpy(dtype=float)
        total = c.sum(axis=0)
        total[np.isnan(c).any(axis=0)] = np.nan
        growth = np.full(len(years), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            pyp = c[:, :-1] * v[:, 1:] / v[:, :-1]
            ok = ~(np.isnan(pyp).any(axis=0) | np.isnan(c[:, :-1]).any(axis=0))
            growth[1:] = np.where(ok, pyp.sum(axis=0) / c[:, :-1].sum(axis=0), np.nan)
        r = years.index(reference_year)
        index = np.full(len(years), np.nan)
        index[r] = 1.0
        for i in range(r + 1, len(years)):
            index[i] = index[i - 1] * growth[i]
        for i in range(r - 1, -1, -1):
            index[i] = index[i + 1] / growth[i + 1]
        real = total[r] * index
        pieces.append(pd.DataFrame({"area_code": code, "area_name": name[0] if name else code, "year": years,
                                    "value": real, "current": total, "volume_growth": growth,
                                    "deflator": 100 * total / real}))
    cols = ["area_code", "area_name", "year", "value", "current", "volume_growth", "deflator"]
    out = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=cols)
    out["flag"] = np.where(out["value"].isna(), INCOMPLETE, None)
    out["additive"] = False
    return provenance.combine(out, current, volume)
