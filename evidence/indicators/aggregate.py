"""Aggregation of LAD data to any area: LEPs at any vintage, combined authorities, regions, the Arc, or a
user's grouping.

Rules (the same everywhere in the toolkit):

- **Additive measures are summed** over member LADs: current-price GVA, jobs, hours, population, business
  counts. A LAD that belongs to two areas (a 2017 LEP overlap) counts in each.
- **Ratios are recomputed from summed components** (:func:`ratio_of_sums`): GVA per hour is
  ΣGVA / Σhours, never a mean of the members' ratios.
- **Chained-volume measures refuse to be summed** (:class:`~evidence.errors.AggregationError`). Chain-linking
  makes each series additive only in its reference year, so a sum of LAD CVMs is not the area's CVM. Real
  growth for an aggregated area is therefore *not offered*; nominal growth comes from summed current prices.
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
                "additive across areas, so the sum of LAD CVMs is not the area's CVM. Sum current prices instead; "
                "real growth for aggregated areas is not offered.")
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
