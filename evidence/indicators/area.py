"""Indicators for any area, with England and UK comparators and ranks among LEPs.

Each indicator in :data:`INDICATORS` is computed from LAD data for any number of areas at once: the
areas' member LADs (April 2023 codes) form a membership table, additive components are summed with
:func:`~evidence.indicators.aggregate.aggregate`, and ratios are recomputed from the sums. The ONS
productivity tables publish ratios (GVA per hour, per job) with their denominators (hours, jobs), so the
numerator implied by each LAD's ratio (ratio x denominator) is summed: ΣGVA/Σhours exactly, never a mean
of ratios. England is the sum of its 296 LADs; the UK is the published UK (less Extra-Regio) row where the
source has one.

Partial members (a 2017 LEP member that is now only part of a current LAD) are never apportioned: by
default they are left out and the result says so in ``df.attrs["caveats"]``; ``partial="include"`` takes
the whole current LAD, also with a caveat; ``partial="error"`` raises.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from .. import frames, geography, provenance
from ..errors import EvidenceError, UnknownDatasetError
from ..sources import get
from . import memo
from .aggregate import aggregate, ratio_of_sums
from .productivity import GVA_PER_HEAD_CAVEAT

ENGLAND = geography.Area("E92000001", "England", "country")
UK_CODE = "UKX"
ENGLISH_LAD = r"^E0[6789]"


def membership_table(areas: Sequence[str | geography.Area], *, vintage: int = geography.DEFAULT_VINTAGE,
                     partial: str = "exclude") -> tuple[pd.DataFrame, list[str]]:
    """LAD -> area rows (April 2023 codes) for ``areas``, and the caveats to show with any result.

    ``areas`` may include ``"England"`` (all English LADs).
    """
    if partial not in ("exclude", "include", "error"):
        raise ValueError("partial must be 'exclude', 'include' or 'error'")
    return memo.cached("membership", (tuple(areas), vintage, partial),
                       lambda: _membership_table(areas, vintage=vintage, partial=partial), disk=False)


def _membership_table(areas: Sequence[str | geography.Area], *, vintage: int,
                      partial: str) -> tuple[pd.DataFrame, list[str]]:
    rows, caveats = [], []
    for spec in areas:
        a = ENGLAND if (isinstance(spec, str) and spec.lower() in ("england", "e92000001")) else \
            geography.resolve(spec, vintage=vintage)
        if a.code == ENGLAND.code:
            rows.append(pd.DataFrame({"lad_code": _english_lads(), "area_code": a.code, "area_name": a.name}))
            continue
        if partial == "error":
            codes = geography.lad_codes(a, vintage=vintage, on="2023")
        else:
            codes = geography.lad_codes(a, vintage=vintage, on="2023", allow_partial=True)
            part = _partial_lads(a, vintage)
            if partial == "exclude" and part:
                codes = [c for c in codes if c not in part]
                caveats.append(f"{a.name}: {', '.join(part)} left out because only part of it was in the area in "
                               f"the {vintage} vintage (figures are not apportioned).")
            caveats += [n for n in geography.caveats(a, vintage=vintage) if n not in caveats]
        rows.append(pd.DataFrame({"lad_code": codes, "area_code": a.code, "area_name": a.name}))
    return pd.concat(rows, ignore_index=True), caveats


def _partial_lads(a: geography.Area, vintage: int) -> list[str]:
    try:
        geography.lad_codes(a, vintage=vintage, on="2023")
    except geography.GeographyError:
        whole = set(geography.lad_codes(a, vintage=vintage, on="2023", allow_partial=True))
        if a.type == "lep":
            m = geography.membership(vintage, on="2023")
            return sorted(m[(m.lep_code == a.code) & m.partial].lad_code)
        return sorted(whole)
    return []


def _english_lads() -> list[str]:
    return sorted(geography.membership(2021, on="2023")["lad_code"].unique())


def lep_codes(vintage: int = geography.DEFAULT_VINTAGE) -> list[str]:
    """The codes of the 38 LEPs of a vintage."""
    return list(geography.areas(type="lep", vintage=vintage)["area_code"])


# ------------------------------------------------------------------------------------------ computations
def _lad_rows(df: pd.DataFrame) -> pd.DataFrame:
    return df[frames.matches(df["area_code"], ENGLISH_LAD)]


def _gva_lad() -> pd.DataFrame:
    df = get("gva")
    return df[frames.equals(df["industry"], "Total") & frames.equals(df["measure"], "current_prices")]


def _prod(measure: str, release: int = 2025) -> pd.DataFrame:
    df = get("productivity" if release == 2025 else "productivity-2024")
    return df[frames.equals(df["measure"], measure)]


def _sum(lad: pd.DataFrame, members: pd.DataFrame, unit: str) -> pd.DataFrame:
    out = aggregate(_lad_rows(lad), members, by=("year",))
    out["unit"] = unit
    return out


def _implied_ratio(ratio: str, denom: str, members: pd.DataFrame, unit: str) -> pd.DataFrame:
    r, d = _prod(ratio), _prod(denom)
    key = ["area_code", "year"]
    j = r[key + ["value"]].merge(d[key + ["value"]], on=key, suffixes=("_r", "_d"))
    implied = provenance.combine(j.assign(value=j.value_r * j.value_d, additive=True), r, d)
    num = aggregate(_lad_rows(implied), members)
    den = aggregate(_lad_rows(d.assign(additive=True)), members)
    out = ratio_of_sums(num, den, unit=unit)
    out["area_name"] = out["area_code"].map(dict(zip(members.area_code, members.area_name, strict=False)))
    return out


def _uk_row(measure: str) -> pd.DataFrame:
    df = _prod(measure)
    return df[frames.equals(df["area_code"], UK_CODE)]


@dataclass(frozen=True)
class Indicator:
    """An indicator computable for any area from LAD data."""

    name: str
    title: str
    unit: str
    higher_is_better: bool | None
    compute: Callable[[pd.DataFrame], pd.DataFrame]
    uk: Callable[[], pd.DataFrame] | None = None
    note: str = ""


INDICATORS: dict[str, Indicator] = {}


def _register(ind: Indicator) -> None:
    INDICATORS[ind.name] = ind


_register(Indicator("gva", "Gross value added, current prices", "£ million", True,
                    lambda m: _sum(_gva_lad(), m, "£ million"),
                    note="Balanced GVA, all industries, current prices (ONS, April 2025)."))
_register(Indicator("gva-per-hour", "GVA per hour worked", "£ per hour", True,
                    lambda m: _implied_ratio("gva_per_hour", "hours", m, "£ per hour"),
                    uk=lambda: _uk_row("gva_per_hour"),
                    note="ONS subregional productivity (smoothed); areas are ΣGVA/Σhours."))
_register(Indicator("gva-per-job", "GVA per filled job", "£ per job", True,
                    lambda m: _implied_ratio("gva_per_job", "jobs", m, "£ per job"),
                    uk=lambda: _uk_row("gva_per_job"),
                    note="ONS subregional productivity (smoothed); areas are ΣGVA/Σjobs."))
_register(Indicator("jobs", "Filled jobs (productivity jobs)", "jobs", True,
                    lambda m: _sum(_prod("jobs").assign(additive=True), m, "jobs"), uk=lambda: _uk_row("jobs")))
_register(Indicator("hours", "Hours worked in an average week", "hours per week", None,
                    lambda m: _sum(_prod("hours").assign(additive=True), m, "hours per week"),
                    uk=lambda: _uk_row("hours")))
_register(Indicator("population", "Resident population", "persons", None,
                    lambda m: _sum(get("population"), m, "persons")))


def _gva_per_head(m: pd.DataFrame) -> pd.DataFrame:
    gva = _sum(_gva_lad(), m, "£ million")
    pop = _sum(get("population"), m, "persons")
    out = ratio_of_sums(gva, pop, scale=1e6, unit="£ per head")
    out["area_name"] = out["area_code"].map(dict(zip(m.area_code, m.area_name, strict=False)))
    return out


_register(Indicator("gva-per-head", "GVA per head (not a productivity measure)", "£ per head", True, _gva_per_head,
                    note=GVA_PER_HEAD_CAVEAT))


def _finish(out: pd.DataFrame, ind: Indicator, years: tuple[int | None, int | None]) -> pd.DataFrame:
    lo, hi = years
    if lo is not None:
        out = out[out["year"] >= lo]
    if hi is not None:
        out = out[out["year"] <= hi]
    out = out.assign(indicator=ind.name, unit=ind.unit)
    cols = ["indicator", "area_code", "area_name", "year", "value", "unit", "flag"]
    return out[cols].sort_values(["area_code", "year"]).reset_index(drop=True)


#: Names by which `evidence show` reaches indicators whose own name is also a dataset's (datasets win there).
ALIASES = {"gva-current-prices": "gva", "resident-population": "population"}


def get_indicator(name: str) -> Indicator:
    """An indicator by name (or alias); unknown names raise ``UnknownDatasetError`` listing them."""
    name = ALIASES.get(name, name)
    if name not in INDICATORS:
        raise UnknownDatasetError.for_name("indicator", name, INDICATORS,
                                           hint=f"Indicators: {', '.join(sorted(INDICATORS))}.")
    return INDICATORS[name]


def compute(name: str, areas: Sequence[str | geography.Area], *, vintage: int = geography.DEFAULT_VINTAGE,
            comparators: Sequence[str] = ("England", "UK"), years: tuple[int | None, int | None] = (None, None),
            partial: str = "exclude") -> pd.DataFrame:
    """An indicator for ``areas`` and the comparators (``"England"``, ``"UK"``), tidy by area and year.

    Examples
    --------
    >>> df = compute("gva-per-hour", ["OxLEP"], years=(2023, 2023))          # doctest: +SKIP
    """
    ind = get_indicator(name)
    pieces, caveats = [], []
    if len(areas):
        members, caveats = membership_table(list(areas), vintage=vintage, partial=partial)
        pieces.append(ind.compute(members))
    if any(c.lower() == "england" for c in comparators):
        # England is the same in every pack: computed once per vintage (each area's sum is independent)
        pieces.append(memo.cached("indicator-england", (ind.name, vintage, partial),
                                  lambda: ind.compute(membership_table(["England"], vintage=vintage,
                                                                       partial=partial)[0])))
    if any(c.upper() == "UK" for c in comparators) and ind.uk is not None:
        uk = ind.uk()
        pieces.append(uk.assign(area_name="United Kingdom (less Extra-Regio)", flag=uk["flag"].astype(object)))
    res = provenance.combine(_finish(pd.concat(pieces, ignore_index=True), ind, years), *pieces)
    res.attrs["caveats"] = caveats + ([ind.note] if ind.note else [])
    return res


def rank_among(name: str, *, year: int, vintage: int = geography.DEFAULT_VINTAGE, type: str = "lep",
               partial: str = "exclude") -> pd.DataFrame:
    """Rank every area of a type (:func:`evidence.geography.comparison_set`: the LEPs of a vintage, the
    combined authorities, England's districts, the regions, an ITL level) on an indicator in ``year``: rank 1
    is the best where the indicator has a polarity (highest otherwise). Missing values are unranked.
    ``df.attrs["among"]`` names the set ("LEPs (2021 geography)")."""
    return memo.cached("indicator-ranks", (name, year, vintage, type, partial),
                       lambda: _rank_among(name, year=year, vintage=vintage, type=type, partial=partial))


def _rank_among(name: str, *, year: int, vintage: int, type: str, partial: str) -> pd.DataFrame:
    ind = get_indicator(name)
    codes = geography.comparison_set(type, vintage=vintage)
    members, _ = membership_table(codes, vintage=vintage, partial=partial)
    out = ind.compute(members)
    out = out[out["year"] == year].copy()
    if out.empty:
        raise EvidenceError(f"{name} has no values for {year}")
    ascending = ind.higher_is_better is False
    res = _finish(out, ind, (year, year))
    res["rank"] = res["value"].rank(ascending=ascending, method="min").astype("Int64")
    res["of"] = int(res["value"].notna().sum())
    res = provenance.combine(res.sort_values("rank", na_position="last").reset_index(drop=True), out)
    res.attrs["among"] = geography.type_label(type, vintage=vintage)
    return res


__all__ = ["INDICATORS", "Indicator", "compute", "rank_among", "membership_table", "lep_codes", "get_indicator"]
