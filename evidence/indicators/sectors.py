"""Industry structure and sector specialisation of any area, on real data, against England.

Every public function here takes an area (a LEP at a vintage, a combined authority, a region, a grouping,
a LAD, or England) and applies the pure measures of :mod:`evidence.indicators.specialisation` to official
data:

``basis="gva"``
    ONS regional GVA (balanced) by local authority and industry, **current prices** (£ million), April 2025
    release, 1998-2023 (dataset ``gva``). Areas are sums of their member LADs (April-2023 codes); England
    is the sum of its 296 LADs. ``level="leaf"`` (default) uses the 37 leaf industries of the published
    hierarchy (so nothing is counted twice); ``level="section"`` uses the 18 sections and section groups
    (``AB (1-9)``, ``C (10-33)``, ``DE (35-39)``, ``F (41-43)``, ``G (45-47)`` ... ``T (97-98)``). Growth
    on this basis is **nominal**: chained-volume GVA cannot be summed over LADs (see
    :mod:`evidence.indicators.aggregate`), so no real growth is offered for aggregated areas.
``basis="employment"``
    BRES open-access employment (employees plus working owners, rounded counts, from Nomis):

    - ``level="division"`` (SIC 2-digit; the default where available): GB LADs 2015-2017
      (``bres-lad-division-2015-2017``, LAD 2016 codes carried onto April-2023 codes), summed over members;
      England is the sum of the English LADs. Combined authorities use the CA rows of
      ``bres-ca-2015-2024`` directly (2015-2024 for their structure; England, from the LAD file, only
      2015-2017).
    - ``level="section"`` / ``"broad_group"``: the 38 LEPs of the 2021 vintage use their own rows of
      ``bres-lep-nuts3-2015-2020`` (2015-2020) and England its England row; combined authorities their
      rows of ``bres-ca-2015-2024`` against that England row (2015-2020); any other area sums the LAD
      divisions into sections (2015-2017).

Suppressed GVA cells
--------------------
ONS suppresses (``[c]``) 29 leaf industries of Cornwall and the Isles of Scilly and two (``AB (1-9)``,
``DE (35-39)``) of Broxbourne and Stevenage, in every year, while publishing their totals. The rules here:

- An area containing a suppressed cell has no value for that industry (NA, flag ``suppressed``): it is
  never computed from a partial sum. Its share denominator is still its published total, so its other
  industries are exact. Use ``level="section"`` to see more of such an area: Cornwall's manufacturing,
  construction, retail and real estate are published as sections.
- Every structure carries an ``unallocated`` row: the published total less the sum of the published
  industries (suppressed cells plus rounding). It makes shares add to 1 and shift-share parts add to the
  actual change of the total, and is never given an LQ.
- England's value in an industry with a suppressed cell is the sum of the published cells, a **lower
  bound** (``england_complete`` False, flag ``England lower bound``). ``lq_low`` is the LQ if the
  suppressed cells held as much as their published parents allow (a tight upper bound on England's
  value), so the true LQ lies in ``[lq_low, lq]``. In 2023 the bound is widest for ``AB (1-9)`` and
  ``58-60``.

Outputs are tidy frames with codes as strings, ``df.attrs["provenance"]`` (every source file) and
``df.attrs["caveats"]`` (text to show with the figures).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import frames, geography, provenance
from ..errors import InvalidArgumentError, NoDataError
from ..sources import get, ons_gva
from . import memo, specialisation
from . import sector_definitions as sector_defs
from .aggregate import aggregate
from .area import ENGLAND, ENGLISH_LAD, membership_table

BASES = ("gva", "employment")
LEVELS = {"gva": ("leaf", "section"), "employment": ("division", "section", "broad_group")}
UNALLOCATED = "unallocated"
SUPPRESSED = "suppressed"
ENGLAND_LOWER_BOUND = "England lower bound"
GVA_UNIT = "£ million, current prices"
EMPLOYMENT_UNIT = "persons (employment)"
NOMINAL_CAVEAT = ("GVA is in current prices: growth is nominal (it includes inflation). Chained-volume GVA "
                  "cannot be summed over local authorities, so real growth is not offered for aggregated areas.")
BRES_CAVEAT = ("BRES open-access counts are rounded (Nomis article 1103), so small industries carry large "
               "relative rounding errors; employment includes working owners.")
_LEP_FILE_YEARS = range(2015, 2021)
_LAD_FILE_YEARS = range(2015, 2018)
_CA_FILE_YEARS = range(2015, 2025)


def _section_level() -> list[str]:
    return ons_gva.children("A-E") + ["F (41-43)"] + ons_gva.children("G-T")


def _gva_categories(level: str) -> list[str]:
    return ons_gva.leaves() if level == "leaf" else _section_level()


def _division_section() -> dict[str, str]:
    divs = sector_defs.sic_codes("division")
    return dict(zip(divs["code"], divs["parent"], strict=True))


def _names(basis: str, level: str) -> dict[str, str]:
    if basis == "gva":
        h = ons_gva.industry_hierarchy()
        return dict(zip(h["code"], h["name"], strict=True))
    if level in ("division", "section"):
        s = sector_defs.sic_codes(level)
        names = s["name"] if level == "division" else s["name"].str.capitalize()
        return dict(zip(s["code"], names, strict=True))
    return {}


# --------------------------------------------------------------------------------------------- panels
@dataclass
class _Panel:
    """One or more areas and England by category and year, all additive, with their totals."""

    basis: str
    level: str
    unit: str
    area: pd.DataFrame          # area_code, area_name, year, industry, value, flag (incl. UNALLOCATED rows)
    nation: pd.DataFrame        # year, industry, value, complete, upper (incl. UNALLOCATED rows)
    caveats: list[str] = field(default_factory=list)
    sources: list = field(default_factory=list)

    def records(self) -> list[dict]:
        return provenance.records([r for s in self.sources for r in provenance.records(s)])


def _check(basis: str, level: str | None) -> str | None:
    if basis not in BASES:
        raise InvalidArgumentError(f"basis must be one of {BASES}, not {basis!r}.")
    if level is None:
        return "leaf" if basis == "gva" else None
    if level not in LEVELS[basis]:
        raise InvalidArgumentError(f"level {level!r} is not available for basis {basis!r}; use one of "
                                   f"{LEVELS[basis]}.")
    return level


def _resolve(area: str | geography.Area, vintage: int) -> geography.Area:
    if isinstance(area, str) and area.strip().lower() in ("england", ENGLAND.code.lower()):
        return ENGLAND
    if isinstance(area, geography.Area) and area.code == ENGLAND.code:
        return ENGLAND
    return geography.resolve(area, vintage=vintage)


def _with_unallocated(cats: pd.DataFrame, totals: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Add, per ``keys`` group, a row ``UNALLOCATED`` = total less the sum of the published categories."""
    published = cats.groupby(keys, observed=True)["value"].sum(min_count=1).rename("published")
    t = totals.set_index(keys)["value"]
    un = (t - published.reindex(t.index).fillna(0.0)).rename("value").reset_index()
    un["industry"] = UNALLOCATED
    return pd.concat([cats, un], ignore_index=True)


def _gva_lads(years: Sequence[int], industries: Sequence[str]) -> pd.DataFrame:
    return memo.cached("gva-lads", (tuple(years), tuple(industries)), lambda: _read_gva_lads(years, industries),
                       disk=False)


def _read_gva_lads(years: Sequence[int], industries: Sequence[str]) -> pd.DataFrame:
    g = get("gva")
    keep = frames.equals(g["measure"], "current_prices") & g["year"].isin(list(years))
    g = g[keep]
    g = g[frames.matches(g["area_code"], ENGLISH_LAD) & frames.isin(g["industry"], industries)]
    out = pd.DataFrame({"area_code": g["area_code"].astype(str).to_numpy(), "year": g["year"].astype(int).to_numpy(),
                        "industry": g["industry"].astype(str).to_numpy(), "value": g["value"].astype(float).to_numpy(),
                        "additive": True})
    return provenance.combine(out, g)


def _upper_bounds(lads: pd.DataFrame, categories: list[str]) -> pd.DataFrame:
    """For every suppressed (LAD, year, category) cell, the most it can hold given its published ancestors.

    The bound is ``min over published ancestors a of (a - K(a))``, where ``K(a)`` sums what is known to be
    elsewhere under ``a``: each published node not on the path to the cell (or the published mass below an
    unpublished one). Returns ``year, industry, bound`` summed over LADs.
    """
    h = ons_gva.industry_hierarchy()
    parent = dict(zip(h["code"], h["parent"], strict=True))
    kids: dict[str, list[str]] = {}
    for c, p in parent.items():
        if p:
            kids.setdefault(p, []).append(c)
    def best(v: dict, n: str) -> float:
        x = v.get(n, np.nan)
        return float(x) if pd.notna(x) else sum(best(v, k) for k in kids.get(n, []))

    def known(v: dict, a: str, c: str, path: list[str]) -> float:
        total = 0.0
        for k in kids.get(a, []):
            if k != c:
                total += known(v, k, c, path) if k in path else best(v, k)
        return total

    rows = []
    wide = lads.pivot_table(index=["area_code", "year"], columns="industry", values="value", aggfunc="first",
                            dropna=False)
    bad = wide[categories].isna().any(axis=1)
    for (_, year), vals in wide[bad].iterrows():
        v = vals.to_dict()
        for c in categories:
            if pd.notna(v.get(c, np.nan)):
                continue
            path = [c]
            while parent[path[-1]]:
                path.append(parent[path[-1]])
            bound = min((float(v[a]) - known(v, a, c, path) for a in path[1:] if pd.notna(v.get(a, np.nan))),
                        default=np.nan)
            rows.append({"year": year, "industry": c, "bound": max(bound, 0.0)})
    if not rows:
        return pd.DataFrame({"year": pd.Series(dtype=int), "industry": pd.Series(dtype=str),
                             "bound": pd.Series(dtype=float)})
    return pd.DataFrame(rows).groupby(["year", "industry"], as_index=False)["bound"].sum()


def _gva_panel(areas: Sequence[str | geography.Area], *, vintage: int, years: Sequence[int], level: str,
               partial: str) -> _Panel:
    lads_all, lads, totals, nation = memo.cached("gva-nation", (tuple(years), level),
                                                 lambda: _gva_nation(years, level), disk=False)
    # Areas: the aggregation rule (a missing member makes the total missing).
    resolved = [_resolve(a, vintage) for a in areas]
    others = [a for a in resolved if a.code != ENGLAND.code]
    frames, caveats = [], []
    if others:
        members, caveats = membership_table(others, vintage=vintage, partial=partial)
        if len(others) == 1:  # a peer set (gva_shares) may hold areas outside England; its callers drop them
            _require_coverage(others, members, lads, "ONS GVA by industry and local authority")
        agg = aggregate(lads, members, by=("year", "industry"))
        agg["flag"] = np.where(agg["value"].isna(), SUPPRESSED, None)
        tot = aggregate(totals, members, by=("year",))
        body = _with_unallocated(agg[["area_code", "area_name", "year", "industry", "value", "flag"]],
                                 tot[["area_code", "year", "value"]], ["area_code", "year"])
        body["area_name"] = body["area_code"].map(dict(zip(members.area_code, members.area_name, strict=False)))
        frames.append(body)
    if any(a.code == ENGLAND.code for a in resolved):
        frames.append(nation.assign(area_code=ENGLAND.code, area_name=ENGLAND.name,
                                    flag=np.where(nation["complete"], None, ENGLAND_LOWER_BOUND))
                      [["area_code", "area_name", "year", "industry", "value", "flag"]])
    area_df = pd.concat(frames, ignore_index=True)
    area_df["flag"] = area_df["flag"].astype(object).where(area_df["flag"].notna(), None)
    incomplete = sorted(nation.loc[~nation["complete"], "industry"].unique())
    if incomplete:
        caveats.append(f"England's GVA in {', '.join(incomplete)} excludes cells ONS suppresses (Cornwall, Isles of "
                       "Scilly, Broxbourne, Stevenage): it is a lower bound, so LQs in these industries are upper "
                       "bounds (lq_low gives the other end).")
    if (area_df["flag"] == SUPPRESSED).any():
        sup = area_df.loc[area_df["flag"] == SUPPRESSED]
        caveats.append(f"{', '.join(sorted(sup['area_name'].unique()))}: {sup['industry'].nunique()} industries "
                       "contain suppressed cells and are left blank (their GVA is in 'unallocated').")
    return _Panel("gva", level, GVA_UNIT, area_df, nation, caveats, [lads_all])


def _gva_nation(years: Sequence[int], level: str) -> tuple[pd.DataFrame, ...]:
    """GVA of every English LAD (all rows, the level's categories, totals) and England's panel."""
    cats = _gva_categories(level)
    lads_all = _gva_lads(years, ons_gva.industry_hierarchy()["code"].tolist())
    if lads_all.empty:
        raise InvalidArgumentError(f"GVA by local authority has no data for {sorted(years)}; it covers 1998-2023.")
    lads = lads_all[lads_all["industry"].isin(cats)]
    totals = lads_all[lads_all["industry"] == "Total"]
    # England: the published cells summed; a category with a suppressed cell is a lower bound.
    n_lads = lads["area_code"].nunique()
    nat = lads.groupby(["year", "industry"], as_index=False).agg(value=("value", "sum"),
                                                                 present=("value", "count"))
    nat["complete"] = nat["present"] == n_lads
    bounds = memo.cached("gva-upper-bounds", (tuple(years), level), lambda: _upper_bounds(lads_all, cats))
    nat = nat.merge(bounds, on=["year", "industry"], how="left")
    nat["upper"] = nat["value"] + nat["bound"].fillna(0.0)
    nat_total = totals.groupby("year", as_index=False)["value"].sum()
    nation = _with_unallocated(nat[["year", "industry", "value", "complete", "upper"]], nat_total, ["year"])
    nation["complete"] = nation["complete"].fillna(True).astype(bool)
    nation["upper"] = nation["upper"].fillna(nation["value"])
    return lads_all, lads, totals, nation


def _bres(name: str) -> pd.DataFrame:
    df = get(name)
    return df[frames.equals(df["employment_status"], "Employment")]


def _tidy_bres(df: pd.DataFrame, classification: str) -> pd.DataFrame:
    df = df[frames.equals(df["classification"], classification)]
    out = pd.DataFrame({"area_code": df["area_code"].astype(str).to_numpy(),
                        "area_name": df["area_name"].astype(str).to_numpy(),
                        "year": df["year"].astype(int).to_numpy(), "industry": df["industry"].astype(str).to_numpy(),
                        "value": df["value"].astype(float).to_numpy(), "additive": True})
    return provenance.combine(out, df)


def _lad_divisions(years: Sequence[int], level: str) -> pd.DataFrame:
    """BRES employment by English LAD (April-2023 codes) and division (or section), 2015-2017.

    The same for every area, so computed once while the code and data stay the same
    (:func:`evidence.indicators.memo.cached`).
    """
    return memo.cached("bres-lad-divisions", (tuple(int(y) for y in years), level),
                       lambda: _read_lad_divisions(years, level))


def _read_lad_divisions(years: Sequence[int], level: str) -> pd.DataFrame:
    raw = _bres("bres-lad-division-2015-2017")
    raw = raw[frames.matches(raw["area_code"], r"^E0[6789]") & raw["year"].isin(list(years))]
    cur = geography.to_current_codes(raw)
    out = _tidy_bres(cur, "division")
    if level == "section":
        out["industry"] = out["industry"].map(_division_section())
        out = provenance.combine(out.groupby(["area_code", "year", "industry"], as_index=False)
                                 .agg(area_name=("area_name", "first"), value=("value", "sum"))
                                 .assign(additive=True), out)
    return out


def _need(years: Sequence[int], allowed: range, what: str) -> None:
    bad = sorted(set(years) - set(allowed))
    if bad:
        raise InvalidArgumentError(f"{what} is available for {allowed.start}-{allowed.stop - 1} only, not {bad}.")


def _employment_panel(area: str | geography.Area, *, vintage: int, years: Sequence[int], level: str | None,
                      partial: str) -> _Panel:
    a = _resolve(area, vintage)
    caveats = [BRES_CAVEAT]
    in_lep_file = a.type == "lep" and vintage == 2021
    ca_all = _bres("bres-ca-2015-2024") if a.type == "ca" else None
    in_ca_file = ca_all is not None and a.code in set(ca_all["area_code"].astype(str))
    if level is None:
        level = "division" if in_ca_file or set(years) <= set(_LAD_FILE_YEARS) else "section"
    if level == "broad_group" and not (in_lep_file or in_ca_file):
        raise InvalidArgumentError("BRES broad industry groups are published for the 38 LEPs of the 2021 vintage and "
                                   "for combined authorities only; use level='section' or 'division'.")
    own = lads = None
    srcs: list = []
    if in_ca_file:
        _need(years, _CA_FILE_YEARS, "BRES by combined authority (bres-ca-2015-2024)")
        own = _tidy_bres(ca_all[frames.equals(ca_all["area_code"], a.code)], level)
        own = own[own["year"].isin(list(years))]
        srcs.append(own)
    if level == "division":
        ref_years = [y for y in years if y in _LAD_FILE_YEARS]
        if own is None:
            _need(years, _LAD_FILE_YEARS, "BRES employment by LAD and division (bres-lad-division-2015-2017)")
        lads = _lad_divisions(ref_years, "division") if ref_years else None
        ref_note = "the sum of English LADs (bres-lad-division-2015-2017)"
    elif in_lep_file or in_ca_file:
        ref_years = [y for y in years if y in _LEP_FILE_YEARS]
        lep = _bres("bres-lep-nuts3-2015-2020")
        if in_lep_file:
            _need(years, _LEP_FILE_YEARS, "BRES by LEP (bres-lep-nuts3-2015-2020)")
            own = _tidy_bres(lep[frames.equals(lep["area_code"], a.code)], level)
            own = own[own["year"].isin(list(years))]
            srcs.append(own)
        eng = _tidy_bres(lep[frames.equals(lep["area_code"], ENGLAND.code)], level)
        nation = eng[eng["year"].isin(ref_years)][["year", "industry", "value"]]
        srcs.append(eng)
        ref_note = "the England row of bres-lep-nuts3-2015-2020"
    else:
        _need(years, _LAD_FILE_YEARS, "BRES sections for this area (summed from bres-lad-division-2015-2017)")
        ref_years = list(years)
        lads = _lad_divisions(years, "section")
        ref_note = "the sum of English LADs (bres-lad-division-2015-2017)"
    if lads is not None:
        srcs.append(lads)
        nation = lads.groupby(["year", "industry"], as_index=False)["value"].sum()
    elif level == "division":
        nation = pd.DataFrame({"year": pd.Series(dtype=int), "industry": pd.Series(dtype=str),
                               "value": pd.Series(dtype=float)})
    if own is None and a.code != ENGLAND.code:
        members, notes = membership_table([a], vintage=vintage, partial=partial)
        _require_coverage([a], members, lads, "BRES employment by local authority")
        caveats += notes
        own = aggregate(lads, members, by=("year", "industry"))
    nation = nation.assign(complete=True, upper=nation["value"])
    if a.code == ENGLAND.code:
        own = nation.assign(area_code=ENGLAND.code, area_name=ENGLAND.name)
    own = own[["area_code", "area_name", "year", "industry", "value"]].assign(flag=None)
    if in_ca_file or (in_lep_file and level != "division"):
        which = "combined-authority rows of bres-ca-2015-2024" if in_ca_file else \
            "LEP rows (LEP 2021 boundaries) of bres-lep-nuts3-2015-2020"
        same = in_lep_file and "lep-nuts3" in ref_note
        caveats.append(f"{a.name}: the Nomis {which}; England: {ref_note}"
                       + ("" if same else ", a different Nomis download") + ".")
    elif a.code != ENGLAND.code:
        caveats.append(f"{a.name}: the sum of its member LADs; England: {ref_note}.")
    missing_ref = sorted(set(years) - set(ref_years))
    if missing_ref:
        caveats.append(f"No England {level} figures for {missing_ref} in these files: comparisons with England "
                       "are blank for those years.")
    missing = sorted(set(years) - set(own["year"]))
    if missing:
        raise InvalidArgumentError(f"no BRES {level} data for {a.name} in {missing}.")
    return _Panel("employment", level, EMPLOYMENT_UNIT, own.reset_index(drop=True), nation.reset_index(drop=True),
                  caveats, srcs)


def _require_coverage(areas: Sequence[geography.Area], members: pd.DataFrame, lads: pd.DataFrame, what: str) -> None:
    """Raise :class:`NoDataError` for an area none of whose districts is in ``lads`` (e.g. a Scottish area in an
    England-only file), rather than report its every industry as suppressed."""
    present = set(lads["area_code"])
    empty = [a.name for a in areas
             if not present & set(members.loc[members["area_code"] == a.code, "lad_code"])]
    if empty:
        raise NoDataError(f"{what} covers England's districts only: no data for {', '.join(empty)}.")


def _require_nation(panel: _Panel, years: Sequence[int]) -> None:
    missing = sorted(set(years) - set(panel.nation["year"]))
    if missing:
        raise InvalidArgumentError(f"no England {panel.level} figures on the {panel.basis} basis for {missing}, so no "
                                   "comparison with England can be made; choose years covered by both (see the "
                                   "module docstring of evidence.indicators.sectors).")


def _panel(area: str | geography.Area, *, vintage: int, years: Sequence[int], basis: str, level: str | None,
           partial: str) -> _Panel:
    level = _check(basis, level)
    if basis == "gva":
        return _gva_panel([area], vintage=vintage, years=years, level=level, partial=partial)
    return _employment_panel(area, vintage=vintage, years=years, level=level, partial=partial)


def _finish(out: pd.DataFrame, panel: _Panel, extra_caveats: Sequence[str] = ()) -> pd.DataFrame:
    out = out.reset_index(drop=True)
    provenance.attach(out, panel.records())
    out.attrs["caveats"] = list(dict.fromkeys(panel.caveats + list(extra_caveats)))
    out.attrs["unit"] = panel.unit  # the unit of ``value``, for the tables' formats
    return out


# ------------------------------------------------------------------------------------------- sectors
#: Years whose employment structure is distorted by the pandemic (furlough, closures): never chosen silently.
PANDEMIC_YEARS = (2020, 2021)
#: The last year of BRES 2-digit divisions for England in the shipped files (the district file, 2015-2017).
ENGLAND_DIVISION_YEAR = max(_LAD_FILE_YEARS)
#: An area whose member districts' BRES divisions (2015-2017) differ from a combined authority's rows by less
#: than this share of its employment (Nomis rounding) is that authority's area (e.g. Lancashire LEP 2021 and
#: the Lancashire Combined County Authority), so the CA rows (to 2024) give its divisions.
_SAME_AREA_TOLERANCE = 0.035


def _sector_rows(s: sector_defs.Sector, panel: _Panel) -> pd.DataFrame:
    """The categories a sector draws on, with whether each is approximate and (employment) the share of it
    taken: ``code_share``, the share of the division's SIC classes the sector holds."""
    if panel.basis == "gva":
        if panel.level != "leaf":
            raise InvalidArgumentError("sector values on GVA use the leaf industries: pass level='leaf'.")
        m = sector_defs.gva_rows(s).rename(columns={"industry": "code"})
    else:
        if panel.level != "division":
            raise InvalidArgumentError("sector values on employment use BRES divisions (2015-2017 for LADs, LEPs and "
                                       "groups; 2015-2024 for combined authorities): pass level='division'.")
        m = sector_defs.bres_divisions(s).rename(columns={"division": "code"})
    return m[["code", "approximate", "code_share"]]


def nearest_year(years: Sequence[int], target: int) -> int:
    """The year of ``years`` nearest ``target`` (the later one on a tie).

    >>> nearest_year([2015, 2016, 2017], 2023), nearest_year(range(2015, 2025), 2021)
    (2017, 2021)
    """
    return min(years, key=lambda y: (abs(y - target), -y))


def _division_source(area: geography.Area, vintage: int, partial: str) -> tuple[pd.DataFrame, str]:
    """The finest BRES employment (``year, industry, value``, divisions) of an area's districts, and its label.

    A combined authority, or an area whose districts are exactly one (checked on the 2015-2017 overlap),
    uses its rows of ``bres-ca-2015-2024`` (2015-2024); any other area sums its member LADs of
    ``bres-lad-division-2015-2017``; England sums the English LADs.
    """
    if area.code == ENGLAND.code:
        return memo.cached("bres-england-divisions", (), _england_divisions)
    lads = _lad_divisions(list(_LAD_FILE_YEARS), "division")
    members, _ = membership_table([area], vintage=vintage, partial=partial)
    _require_coverage([area], members, lads, "BRES employment by local authority")
    own = aggregate(lads, members, by=("year", "industry"))[["year", "industry", "value"]]
    ca = memo.cached("bres-ca-divisions", (), lambda: _tidy_bres(_bres("bres-ca-2015-2024"), "division"))
    mine = own.set_index(["year", "industry"])["value"]
    for code, rows in ca.groupby("area_code", observed=True):
        r = rows.set_index(["year", "industry"])["value"]
        if code == area.code or ((r.reindex(mine.index) - mine).abs().sum() < _SAME_AREA_TOLERANCE * mine.sum()):
            what = "its" if code == area.code else f"{rows['area_name'].iloc[0]} ({code}, the same districts)"
            return rows[["year", "industry", "value"]], f"BRES, {what} combined-authority rows (bres-ca-2015-2024)"
    return own, "BRES, sum of member districts (bres-lad-division-2015-2017)"


def _england_divisions() -> tuple[pd.DataFrame, str]:
    lads = _lad_divisions(list(_LAD_FILE_YEARS), "division")
    return (lads.groupby(["year", "industry"], as_index=False)["value"].sum(),
            "BRES, sum of English districts (bres-lad-division-2015-2017)")


def _row_weights(code_share: dict[str, float], emp: pd.Series | None, rows: Sequence[str]) -> pd.DataFrame:
    """A sector's weight in each GVA leaf row: the employment of its divisions in the row over the row's.

    .. math:: w_r = \\sum_{d \\in r} c_d E_d \\big/ \\sum_{d \\in r} E_d

    with :math:`E_d` the division's employment and :math:`c_d` the share of the division the sector holds
    (1 for a whole division; for a part, its share of the division's SIC classes). ``low`` and ``high`` take
    :math:`c_d` as 0 and 1 for the divisions held in part. A row with no employment has NA weights; with
    ``emp=None`` every division of the row counts equally (the last resort for a row nobody works in).
    """
    out = []
    for r in rows:
        divs = ons_gva.sic_divisions(r)
        e = pd.Series(1.0, index=divs) if emp is None else emp.reindex(divs).fillna(0.0)
        c = pd.Series(code_share).reindex(divs).fillna(0.0)
        tot = e.sum()
        if tot <= 0:
            out.append({"code": r, "w": np.nan, "low": np.nan, "high": np.nan})
            continue
        out.append({"code": r, "w": (c * e).sum() / tot, "low": (e * (c >= 1)).sum() / tot,
                    "high": (e * (c > 0)).sum() / tot})
    return pd.DataFrame(out).set_index("code")


def _gva_weights(secs: Sequence[sector_defs.Sector], area: geography.Area, *, vintage: int, partial: str,
                 years: Sequence[int]) -> tuple[dict, dict, list[str], list]:
    """Per (sector, GVA year): the row weights of the area and of England, and the method notes."""
    own, own_src = _division_source(area, vintage, partial)
    eng, eng_src = _division_source(ENGLAND, vintage, partial)
    w_area, w_eng, notes = {}, {}, []
    for y in years:
        ya, ye = nearest_year(sorted(own["year"].unique()), y), nearest_year(sorted(eng["year"].unique()), y)
        ea = own[own["year"] == ya].set_index("industry")["value"]
        ee = eng[eng["year"] == ye].set_index("industry")["value"]
        for s in secs:
            rows = sector_defs.gva_rows(s)["industry"].tolist()
            share = sector_defs.bres_divisions(s).set_index("division")["code_share"].to_dict()
            wa, we = _row_weights(share, ea, rows), _row_weights(share, ee, rows)
            even = _row_weights(share, None, rows)
            w_eng[s.name, y] = we.fillna(even)
            w_area[s.name, y] = wa.fillna(w_eng[s.name, y])   # a row nobody works in locally: England's mix
        notes.append(f"GVA {y}: {area.name} employment {ya} ({own_src}); England employment {ye} ({eng_src})")
    method = ("Sector GVA is apportioned, not summed: each ONS GVA row (current prices) is split among sectors by "
              "the employment of the sector's SIC divisions within that row (BRES, Nomis open access, employment), "
              "in the area and, separately, in England. Within a division the sector holds only in part, its "
              "employment is split equally across the division's SIC classes (no open data is finer than 2-digit); "
              "value_low and value_high count such divisions as none and as all of it. "
              + "; ".join(notes) + ".")
    own_years = sorted(own["year"].unique())
    lag = max(y - nearest_year(own_years, y) for y in years)
    if lag >= 3:
        method += (f" The area's division employment is {lag} years older than the GVA: open 2-digit BRES for its "
                   "districts ends in 2017, so the split is approximate and the employment-based LQ (BRES divisions, "
                   "2017) is the more direct measure of the sectors' weight.")
    srcs = [_bres("bres-lad-division-2015-2017")] + ([_bres("bres-ca-2015-2024")] if "bres-ca" in own_src else [])
    return w_area, w_eng, [method], srcs


def _sector_panel(panel: _Panel, sectors: Sequence[sector_defs.Sector], *, area: geography.Area | None = None,
                  vintage: int = geography.DEFAULT_VINTAGE, partial: str = "exclude") -> _Panel:
    """Replace the panel's categories by sectors, plus a ``rest`` for each.

    On employment a sector is the sum over its divisions of ``code_share`` x the division. On GVA each leaf row
    is apportioned by :func:`_gva_weights` (``area`` is required).
    """
    area_rows, nat_rows = [], []
    a, n = panel.area, panel.nation
    a_tot = a.groupby(["area_code", "area_name", "year"], as_index=False)["value"].sum(min_count=1)
    n_tot = n.groupby("year", as_index=False)["value"].sum()
    approx: dict[str, bool] = {}
    caveats = list(panel.caveats)
    years = sorted(a["year"].unique())
    if panel.basis == "gva":
        if area is None:
            raise InvalidArgumentError("sector GVA needs the area, to apportion its rows by employment.")
        w_area, w_eng, method, bres_srcs = _gva_weights(sectors, area, vintage=vintage, partial=partial, years=years)
        caveats += method
        sources = [*panel.sources, *bres_srcs]
    else:
        sources = list(panel.sources)
    for s in sectors:
        rows = _sector_rows(s, panel)
        approx[s.name] = bool(rows["approximate"].any())
        codes = rows["code"].tolist()
        sub = a[a["industry"].isin(codes)]
        nsub = n[n["industry"].isin(codes)]
        if panel.basis == "gva":
            wa = pd.concat({y: w_area[s.name, y] for y in years}, names=["year", "industry"]).reset_index()
            we = pd.concat({y: w_eng[s.name, y] for y in years}, names=["year", "industry"]).reset_index()
            sub = sub.merge(wa, on=["year", "industry"])
            nsub = nsub.merge(we, on=["year", "industry"])
        else:
            share = rows.set_index("code")["code_share"]
            sub = sub.assign(w=sub["industry"].map(share), low=sub["industry"].map(share.where(share >= 1, 0.0)),
                             high=1.0)
            nsub = nsub.assign(w=nsub["industry"].map(share))
        sub = sub.assign(v=sub["value"] * sub["w"], vl=sub["value"] * sub["low"], vh=sub["value"] * sub["high"])
        v = sub.groupby(["area_code", "area_name", "year"], as_index=False).agg(
            value=("v", "sum"), value_low=("vl", "sum"), value_high=("vh", "sum"),
            blank=("v", lambda x: x.isna().any()))
        bad = v.pop("blank")
        for c in ("value", "value_low", "value_high"):
            v[c] = v[c].where(~bad)
        v["industry"] = s.name
        area_rows.append(v)
        nsub = nsub.assign(value=nsub["value"] * nsub["w"], upper=nsub["upper"] * nsub["w"])
        ns = nsub.groupby("year", as_index=False).agg(value=("value", "sum"), upper=("upper", "sum"),
                                                      complete=("complete", "all"))
        ns["industry"] = s.name
        nat_rows.append(ns)
    area_df = pd.concat(area_rows, ignore_index=True)
    area_df["flag"] = np.where(area_df["value"].isna(), SUPPRESSED, None)
    nat_df = pd.concat(nat_rows, ignore_index=True)
    area_df = area_df.merge(a_tot.rename(columns={"value": "total"}), on=["area_code", "area_name", "year"])
    nat_df = nat_df.merge(n_tot.rename(columns={"value": "total"}), on="year")
    out = _Panel(panel.basis, "sector", panel.unit, area_df, nat_df, caveats, sources)
    out.method = caveats[len(panel.caveats):]  # type: ignore[attr-defined]
    out.approximate = approx  # type: ignore[attr-defined]
    return out


def _sectors_arg(family: str | None, sectors: Sequence[str | sector_defs.Sector] | None) -> list[sector_defs.Sector]:
    if sectors is not None:
        return [s if isinstance(s, sector_defs.Sector) else sector_defs.sector(s) for s in sectors]
    return sector_defs.load_sectors(family)


# ------------------------------------------------------------------------------------------- public
def industry_structure(area: str | geography.Area, *, year: int, vintage: int = geography.DEFAULT_VINTAGE,
                       basis: str = "gva", level: str | None = None, partial: str = "exclude") -> pd.DataFrame:
    """An area's industry structure in ``year``: each industry's value and share of the area's total,
    beside England's.

    .. math:: s_{ij} = x_{ij} / X_i

    where :math:`X_i` is the area's published total (GVA) or the sum over industries (employment).

    Parameters
    ----------
    area
        A LEP (at ``vintage``), combined authority, region, grouping, LAD, or ``"England"``.
    year
        GVA: 1998-2023. Employment: 2015-2017 (divisions), 2015-2020 (sections, 2021 LEPs), 2015-2024
        (combined authorities).
    basis, level
        See the module docstring. ``level`` defaults to ``"leaf"`` for GVA and to ``"division"`` for
        employment (``"section"`` after 2017, except for combined authorities, whose divisions run to 2024).
    partial
        Members of a 2017 LEP that are now only part of a LAD: see
        :func:`evidence.indicators.area.membership_table`.

    Returns
    -------
    DataFrame
        ``area_code, area_name, year, basis, level, industry, industry_name, value, unit, share,
        england_value, england_share, england_complete, flag``, in publication order, with an
        ``unallocated`` row for GVA.

    Examples
    --------
    >>> s = industry_structure("Leicester and Leicestershire", year=2023)    # doctest: +SKIP
    """
    panel = _panel(area, vintage=vintage, years=[year], basis=basis, level=level, partial=partial)
    df = panel.area
    total = df.groupby("area_code")["value"].transform("sum")
    nat = panel.nation.set_index("industry")
    out = df.assign(basis=panel.basis, level=panel.level, unit=panel.unit, share=df["value"] / total)
    out["industry_name"] = out["industry"].map(_names(panel.basis, panel.level)).fillna(
        out["industry"].map({UNALLOCATED: "Published total less the published industries (suppressed and rounding)"}))
    out["england_value"] = out["industry"].map(nat["value"]).astype(float)
    out["england_share"] = out["england_value"] / nat["value"].sum()
    out["england_complete"] = out["industry"].map(nat["complete"]).astype("boolean")
    cols = ["area_code", "area_name", "year", "basis", "level", "industry", "industry_name", "value", "unit", "share",
            "england_value", "england_share", "england_complete", "flag"]
    return _finish(_order(out[cols], panel), panel, [NOMINAL_CAVEAT] if basis == "gva" else [])


def _order(df: pd.DataFrame, panel: _Panel) -> pd.DataFrame:
    if panel.basis == "gva" and panel.level in LEVELS["gva"]:
        order = _gva_categories(panel.level) + [UNALLOCATED]
    else:
        order = sorted(set(df["industry"]) - {UNALLOCATED}, key=lambda c: (len(c), c)) + [UNALLOCATED]
        if panel.level == "sector":
            return df
    pos = {c: i for i, c in enumerate(order)}
    return df.assign(_o=df["industry"].map(pos)).sort_values(["area_code", "year", "_o"]).drop(columns="_o")


def _lq_frame(panel: _Panel) -> pd.DataFrame:
    """Location quotients on a panel's categories (one year), via :func:`specialisation.location_quotient`."""
    df, nat = panel.area, panel.nation
    nation = nat.set_index("industry")["value"]
    lq = specialisation.location_quotient(df, nation=nation)
    out = df.join(lq[["share", "national_share", "lq"]])
    out["england_value"] = out["industry"].map(nation).astype(float)
    complete = nat.set_index("industry")["complete"]
    upper = nat.set_index("industry")["upper"]
    out["england_complete"] = out["industry"].map(complete).astype(bool)
    # The other end of the LQ if England's suppressed cells held the most their parents allow.
    out["lq_low"] = out["share"] / (out["industry"].map(upper) / nation.sum())
    flag = out["flag"].astype(object)
    flag = flag.where(flag.notna() | out["england_complete"], ENGLAND_LOWER_BOUND)
    out["flag"] = flag.where(flag.notna(), None)
    out = out[out["industry"] != UNALLOCATED]
    return out.rename(columns={"national_share": "england_share"})


def location_quotients(area: str | geography.Area, *, year: int, vintage: int = geography.DEFAULT_VINTAGE,
                       basis: str = "gva", level: str | None = None, family: str | None = None,
                       sectors: Sequence[str | sector_defs.Sector] | None = None,
                       partial: str = "exclude") -> pd.DataFrame:
    r"""Location quotients of an area against England, by industry or by sector.

    .. math:: LQ_{ij} = \frac{x_{ij} / X_i}{E_j / E}

    with :math:`x_{ij}` the area's GVA (current prices) or employment in industry *j*, :math:`X_i` its total,
    and :math:`E_j, E` England's (the sum of its LADs, or the BRES England row; see the module docstring).
    England's own LQs are all 1.

    With ``family`` (e.g. ``"grand-challenges"``) or ``sectors`` (names or
    :class:`~evidence.indicators.sector_definitions.Sector`),
    the categories are sectors, against the area's total. On GVA each leaf row the sector touches
    (:func:`evidence.indicators.sector_definitions.gva_rows`) is apportioned by the employment of the sector's divisions
    within it,
    in the area and in England separately (BRES, the year nearest ``year`` for the districts; see
    ``attrs["method"]``):

    .. math:: x_{is} = \sum_r GVA_{ir} \frac{\sum_{d \in r} c_{sd} E_{id}}{\sum_{d \in r} E_{id}}

    with :math:`c_{sd}` the share of division *d* the sector holds (1, or its share of the division's SIC classes).
    On employment, :math:`x_{is} = \sum_d c_{sd} E_{id}`. ``approximate`` says the sector holds part of a
    division; ``value_low`` and ``value_high`` take :math:`c_{sd}` as 0 and 1 there.

    Returns
    -------
    DataFrame
        ``area_code, area_name, year, basis, level, industry, industry_name, value, share, england_value,
        england_share, lq, lq_low, england_complete, flag`` (plus ``family``, ``sector_id``, ``value_low``,
        ``value_high`` and ``approximate`` for sectors, and ``attrs["method"]``).
        ``flag`` is ``suppressed`` (the area has a suppressed cell: NA), ``England lower bound`` (England's
        value misses suppressed cells; the LQ lies in ``[lq_low, lq]``) or None.

    Examples
    --------
    >>> lq = location_quotients("Leicester and Leicestershire", year=2023)           # doctest: +SKIP
    >>> lq = location_quotients("BTVLEP", year=2017, basis="employment", family="buckinghamshire")  # doctest: +SKIP
    """
    panel = _panel(area, vintage=vintage, years=[year], basis=basis, level=level, partial=partial)
    _require_nation(panel, [year])
    extra = [NOMINAL_CAVEAT] if basis == "gva" else []
    if family is None and sectors is None:
        out = _lq_frame(panel)
        out["industry_name"] = out["industry"].map(_names(panel.basis, panel.level))
        out = out.assign(basis=panel.basis, level=panel.level)
        cols = ["area_code", "area_name", "year", "basis", "level", "industry", "industry_name", "value", "share",
                "england_value", "england_share", "lq", "lq_low", "england_complete", "flag"]
        return _finish(_order(out[cols], panel), panel, extra)
    secs = _sectors_arg(family, sectors)
    sp = _sector_panel(panel, secs, area=_resolve(area, vintage), vintage=vintage, partial=partial)
    frames = []
    for s in secs:
        a = sp.area[sp.area["industry"] == s.name]
        n = sp.nation[sp.nation["industry"] == s.name]
        bounds = a[["year", "value_low", "value_high"]]
        two = pd.concat([a[["area_code", "area_name", "year", "industry", "value", "flag"]],
                         a.assign(industry="rest", value=a["total"] - a["value"], flag=None)
                         [["area_code", "area_name", "year", "industry", "value", "flag"]]], ignore_index=True)
        nat = pd.concat([n[["year", "industry", "value", "complete", "upper"]],
                         n.assign(industry="rest", value=n["total"] - n["value"], complete=True,
                                  upper=n["total"] - n["value"])[["year", "industry", "value", "complete", "upper"]]])
        sub = _lq_frame(_Panel(panel.basis, "sector", panel.unit, two, nat))
        sub = sub[sub["industry"] == s.name].merge(bounds, on="year", how="left")
        frames.append(sub.assign(family=s.family, sector_id=s.id, approximate=sp.approximate[s.name]))
    out = pd.concat(frames, ignore_index=True).assign(basis=panel.basis, level="sector")
    out["industry_name"] = out["industry"]
    out["flag"] = out["flag"].astype(object).where(out["flag"].notna(), None)
    cols = ["area_code", "area_name", "year", "basis", "level", "family", "sector_id", "industry", "value",
            "value_low", "value_high", "share", "england_value", "england_share", "lq", "lq_low", "england_complete",
            "approximate", "flag"]
    approx = [s.name for s in secs if sp.approximate[s.name]]
    if approx:
        extra.append(f"Approximate sector mappings (the sector holds only part of a 2-digit SIC division, whose "
                     f"employment is split equally across its SIC classes): {', '.join(approx)}. value_low and "
                     "value_high give the range. See evidence.indicators.sector_definitions.")
    res = _finish(out[cols].rename(columns={"industry": "sector"}), sp, extra)
    res.attrs["method"] = " ".join(sp.method) if sp.method else (  # type: ignore[attr-defined]
        f"Sector employment is the sum of the sector's BRES 2-digit divisions ({year}); a division the sector holds "
        "only in part is split equally across its SIC classes (value_low and value_high: none or all of it).")
    return res


def shift_share_for(area: str | geography.Area, *, start: int, end: int, vintage: int = geography.DEFAULT_VINTAGE,
                    method: str = "classic", basis: str = "gva", level: str | None = None,
                    partial: str = "exclude") -> pd.DataFrame:
    r"""Shift-share decomposition of an area's change by industry between ``start`` and ``end``, against
    England (:func:`evidence.indicators.specialisation.shift_share`).

    .. math:: \Delta x_{ij} = \underbrace{x_{ij,0} G}_{\text{national growth}}
              + \underbrace{x_{ij,0}(G_j - G)}_{\text{industry mix}}
              + \underbrace{x_{ij,0}(g_{ij} - G_j)}_{\text{regional share}}

    On GVA the values are current prices, so every component is **nominal**. ``method="esteban-marquillas"``
    splits the regional share into competitive and allocation effects. The ``unallocated`` row (suppressed
    cells and rounding) is kept so that the parts of every row, and so of the area's total, add up to the
    actual change exactly; a suppressed industry is blank (``suppressed``).

    Returns
    -------
    DataFrame
        ``area_code, area_name, basis, level, start, end, industry, industry_name, start_value, end_value,
        change, national_growth, industry_mix, regional_share`` (and ``homothetic, competitive,
        allocation``), ``flag``.
    """
    if end <= start:
        raise InvalidArgumentError(f"end ({end}) must be after start ({start}).")
    panel = _panel(area, vintage=vintage, years=[start, end], basis=basis, level=level, partial=partial)
    _require_nation(panel, [start, end])
    df = _refold(panel.area)
    blank = sorted(set(df.loc[df["value"].isna(), "industry"]))
    keep = df[df["value"].notna()]
    nation = panel.nation[["year", "industry", "value"]]
    ss = specialisation.shift_share(keep, start=start, end=end, nation=nation, method=method)
    ss["area_name"] = ss["area_code"].map(dict(zip(df["area_code"], df["area_name"], strict=False)))
    ss["flag"] = None
    # An industry with nothing in it at either end anywhere (BRES T and U) has no growth rates: all parts are 0.
    empty = (ss["start_value"] == 0) & (ss["end_value"] == 0)
    parts = [c for c in ("industry_mix", "regional_share", "competitive", "allocation") if c in ss]
    ss.loc[empty, parts] = 0.0
    if blank:
        na = pd.DataFrame({"area_code": df["area_code"].iloc[0], "area_name": df["area_name"].iloc[0],
                           "industry": blank, "flag": SUPPRESSED})
        ss = pd.concat([ss, na], ignore_index=True)
    ss["industry_name"] = ss["industry"].map(_names(panel.basis, panel.level))
    ss = ss.assign(basis=panel.basis, level=panel.level, start=start, end=end)
    comp = ["national_growth", "industry_mix", "regional_share"]
    if method == "esteban-marquillas":
        comp += ["homothetic", "competitive", "allocation"]
    cols = ["area_code", "area_name", "basis", "level", "start", "end", "industry", "industry_name", "start_value",
            "end_value", "change", *comp, "flag"]
    extra = [NOMINAL_CAVEAT] if basis == "gva" else []
    return _finish(_order(ss.assign(year=end)[cols + ["year"]], panel).drop(columns="year"), panel, extra)


def specialisation_summary(area: str | geography.Area, *, year: int, vintage: int = geography.DEFAULT_VINTAGE,
                           basis: str = "gva", level: str | None = None, partial: str = "exclude") -> pd.DataFrame:
    r"""Krugman specialisation index (against the rest of England) and Herfindahl–Hirschman concentration of
    an area's industry structure.

    .. math:: K_i = \sum_j |s_{ij} - r_j|, \qquad HHI_i = \sum_j s_{ij}^2

    where :math:`r_j` is industry *j*'s share of the rest of England (England less the area). Shares are over
    the published industries (``unallocated`` left out), so both are NA (``suppressed``) for an area with a
    suppressed cell; try ``level="section"``. :math:`0 \le K \le 2`; :math:`1/N \le HHI \le 1`, and
    ``hhi_normalised`` rescales it to [0, 1].

    Returns
    -------
    DataFrame
        One row: ``area_code, area_name, year, basis, level, krugman, hhi, hhi_normalised, industries, flag``.
    """
    panel = _panel(area, vintage=vintage, years=[year], basis=basis, level=level, partial=partial)
    _require_nation(panel, [year])
    df = panel.area[panel.area["industry"] != UNALLOCATED]
    code, name = df["area_code"].iloc[0], df["area_name"].iloc[0]
    nat = panel.nation[panel.nation["industry"] != UNALLOCATED].set_index("industry")["value"]
    row = {"area_code": code, "area_name": name, "year": year, "basis": panel.basis, "level": panel.level,
           "krugman": np.nan, "hhi": np.nan, "hhi_normalised": np.nan, "industries": int(len(df)), "flag": None}
    if df["value"].isna().any():
        row["flag"] = SUPPRESSED
    else:
        rest = (nat - df.set_index("industry")["value"].reindex(nat.index).fillna(0.0)).rename("value").reset_index()
        if code != ENGLAND.code:
            two = pd.concat([df[["area_code", "industry", "value"]], rest.assign(area_code="rest")], ignore_index=True)
            k = specialisation.krugman_index(two, reference="rest")
            row["krugman"] = float(k.loc[k["area_code"] == code, "krugman"].iloc[0])
        h = specialisation.herfindahl(df)
        hn = specialisation.herfindahl(df, normalised=True)
        row["hhi"], row["hhi_normalised"] = float(h["hhi"].iloc[0]), float(hn["hhi"].iloc[0])
    out = pd.DataFrame([row])
    extra = []
    if code == ENGLAND.code:
        extra.append("England has no rest of England: its Krugman index is not defined.")
    if not panel.nation["complete"].all():
        extra.append("The rest of England excludes suppressed cells (Cornwall, Isles of Scilly, Broxbourne, "
                     "Stevenage) in the industries where England is a lower bound.")
    return _finish(out, panel, extra)


def growth_vs_specialisation_table(area: str | geography.Area, *, start: int, end: int,
                                   vintage: int = geography.DEFAULT_VINTAGE, basis: str = "gva",
                                   level: str | None = None, family: str | None = None,
                                   sectors: Sequence[str | sector_defs.Sector] | None = None,
                                   partial: str = "exclude") -> pd.DataFrame:
    r"""The table behind the growth-versus-specialisation bubble chart: for each industry (or sector), its
    LQ in ``end`` (x), its compound annual growth over ``start``–``end`` locally and in England (y), and its
    size in ``end`` (bubble), via :func:`evidence.indicators.specialisation.growth_vs_specialisation`.

    .. math:: CAGR = (x_{end} / x_{start})^{1/(end-start)} - 1

    On GVA, growth is nominal. Returns ``area_code, area_name, basis, level, start, end, industry,
    industry_name, size, share, lq, growth_cagr, national_growth_cagr, growth_gap, flag`` (``sector``,
    ``family`` and ``approximate`` instead of ``industry`` for sectors).
    """
    if end <= start:
        raise InvalidArgumentError(f"end ({end}) must be after start ({start}).")
    panel = _panel(area, vintage=vintage, years=[start, end], basis=basis, level=level, partial=partial)
    _require_nation(panel, [start, end])
    extra = [NOMINAL_CAVEAT] if basis == "gva" else []
    code, name = panel.area["area_code"].iloc[0], panel.area["area_name"].iloc[0]

    def run(df: pd.DataFrame, nation: pd.DataFrame) -> pd.DataFrame:
        blank = set(df.loc[df["value"].isna(), "industry"])
        ok = df[~df["industry"].isin(blank)]
        res = specialisation.growth_vs_specialisation(ok, area_code=code, start=start, end=end, nation=nation)
        res["flag"] = None
        if blank:
            res = pd.concat([res, pd.DataFrame({"industry": sorted(blank), "flag": SUPPRESSED})], ignore_index=True)
        return res

    # Blank categories must not shift the others' shares: keep the total via 'unallocated'.
    df = panel.area.copy()
    if family is None and sectors is None:
        res = run(_refold(df), panel.nation[["year", "industry", "value"]])
        res = res[res["industry"] != UNALLOCATED]
        res["industry_name"] = res["industry"].map(_names(panel.basis, panel.level))
        res = _order(res.assign(area_code=code, year=end), panel).drop(columns="year")
        key = ["industry", "industry_name"]
    else:
        secs = _sectors_arg(family, sectors)
        sp = _sector_panel(panel, secs, area=_resolve(area, vintage), vintage=vintage, partial=partial)
        extra += sp.method  # type: ignore[attr-defined]
        frames = []
        for s in secs:
            a = sp.area[sp.area["industry"] == s.name]
            n = sp.nation[sp.nation["industry"] == s.name]
            two = pd.concat([a, a.assign(industry="rest", value=a["total"] - a["value"], flag=None)], ignore_index=True)
            nat = pd.concat([n, n.assign(industry="rest", value=n["total"] - n["value"])], ignore_index=True)
            r = run(two[["area_code", "area_name", "year", "industry", "value"]], nat[["year", "industry", "value"]])
            frames.append(r[r["industry"] == s.name].assign(family=s.family, approximate=sp.approximate[s.name]))
        res = pd.concat(frames, ignore_index=True).rename(columns={"industry": "sector"})
        key = ["family", "sector", "approximate"]
    res = res.assign(area_code=code, area_name=name, basis=panel.basis, level=panel.level if family is None and
                     sectors is None else "sector", start=start, end=end)
    res["growth_gap"] = res["growth_cagr"] - res["national_growth_cagr"]
    res["flag"] = res["flag"].astype(object).where(res["flag"].notna(), None)
    cols = ["area_code", "area_name", "basis", "level", "start", "end", *key, "size", "share", "lq", "growth_cagr",
            "national_growth_cagr", "growth_gap", "flag"]
    return _finish(res[cols], panel, extra)


def _refold(df: pd.DataFrame) -> pd.DataFrame:
    """Fold categories blank in any year into ``unallocated`` in every year (the totals stay published)."""
    blank = set(df.loc[df["value"].isna(), "industry"])
    if not blank:
        return df
    tot = df.groupby(["area_code", "year"])["value"].sum()
    kept = df[~df["industry"].isin(blank) & (df["industry"] != UNALLOCATED)]
    un = (tot - kept.groupby(["area_code", "year"])["value"].sum()).rename("value").reset_index()
    un["industry"] = UNALLOCATED
    un["area_name"] = df["area_name"].iloc[0]
    blanks = df[df["industry"].isin(blank)].assign(value=np.nan)
    return pd.concat([kept, un, blanks], ignore_index=True)


# ------------------------------------------------------------------------------------- many areas (GVA)
def gva_shares(areas: Sequence[str | geography.Area], *, year: int, industries: dict[str, Sequence[str]],
               vintage: int = geography.DEFAULT_VINTAGE, partial: str = "exclude") -> pd.DataFrame:
    """The share of current-price GVA in groups of leaf industries, for many areas at once (for comparators).

    ``industries`` maps a label to leaf codes (e.g. ``{"manufacturing": ons_gva.leaves("C (10-33)")}``). A
    group containing a suppressed cell of an area is NA (``suppressed``). Returns ``area_code, area_name,
    year, indicator, value, unit, flag``.
    """
    panel = _gva_panel(areas, vintage=vintage, years=[year], level="leaf", partial=partial)
    df = panel.area
    total = df.groupby("area_code")["value"].sum()
    rows = []
    for label, codes in industries.items():
        bad = sorted(set(codes) - set(ons_gva.leaves()))
        if bad:
            raise InvalidArgumentError(f"{label}: {bad} are not leaf GVA industries; see ons_gva.leaves().")
        sub = df[df["industry"].isin(list(codes))]
        v = sub.groupby(["area_code", "area_name"], as_index=False)["value"].sum(min_count=len(codes))
        has_na = sub.groupby("area_code")["value"].apply(lambda x: x.isna().any())
        v.loc[v["area_code"].map(has_na), "value"] = np.nan
        v["value"] = 100 * v["value"] / v["area_code"].map(total)
        v["indicator"] = label
        v["flag"] = np.where(v["value"].isna(), SUPPRESSED, None)
        rows.append(v)
    out = pd.concat(rows, ignore_index=True).assign(year=year, unit="% of GVA")
    return _finish(out[["area_code", "area_name", "year", "indicator", "value", "unit", "flag"]], panel)


__all__ = ["industry_structure", "location_quotients", "shift_share_for", "specialisation_summary",
           "growth_vs_specialisation_table", "gva_shares", "UNALLOCATED", "SUPPRESSED", "ENGLAND_LOWER_BOUND"]
