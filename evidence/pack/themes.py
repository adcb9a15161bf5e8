"""The theme notebooks' building blocks: indicators composed into presentation-ready tables and findings.

Each function takes the notebook's :class:`~evidence.pack.notebook.Context` and returns a tidy frame (with
provenance) or a sentence computed from the data, so the notebooks hold no logic of their own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import geography, provenance
from ..errors import EvidenceError, NoDataError, NotApplicableError
from ..indicators.area import ENGLAND, INDICATORS, compute, get_indicator, membership_table, rank_among
from ..indicators.productivity import decompose_gva_per_head_gap, decompose_productivity_gap

HEADLINE = ["population", "jobs", "gva", "gva-per-head", "gva-per-hour", "gva-per-job"]
#: Headline indicators that are totals: compared with England as a share, not an index.
TOTALS = frozenset({"population", "jobs", "gva", "hours"})


def _own(df: pd.DataFrame, ctx, what: str | None = None) -> pd.DataFrame:
    """``df`` unchanged if it has a value for the area; otherwise ``NoDataError`` saying why (the sources
    cover England's districts only, or every cell is suppressed)."""
    mine = df[df["area_code"] == ctx.area.code]
    if mine["value"].notna().any():
        return df
    label = what
    if label is None and "indicator" in df and len(df):
        name = str(df["indicator"].iloc[0])
        label = get_indicator(name).title if name in INDICATORS else name
    if not any(c.startswith("E") for c in geography.lad_codes(ctx.area, vintage=ctx.vintage, allow_partial=True)):
        raise NoDataError(f"The district figures behind {label} cover England only.")
    raise NoDataError(f"Every value of {label} for {ctx.name} is suppressed or missing in the source.")


def _latest(df: pd.DataFrame, year: int) -> pd.DataFrame:
    have = df.dropna(subset=["value"])
    y = min(year, int(have["year"].max()))
    return df[df["year"] == y]


def headline(ctx, indicators: list[str] = HEADLINE) -> pd.DataFrame:
    """Headline indicators for the area in the latest year available (at most ``ctx.year``), against England
    and the UK: for a total (population, jobs, GVA) the area's share of England in %, for a ratio (GVA per
    head, hour or job) its index on England = 100."""
    rows, frames = [], []
    for name in indicators:
        df = _own(compute(name, [ctx.area, *ctx.partners], vintage=ctx.vintage, comparators=ctx.comparators), ctx)
        frames.append(df)
        latest = _latest(df, ctx.year).drop_duplicates("area_code").set_index("area_code")["value"]
        area = latest.get(ctx.area.code)
        eng = latest.get(ENGLAND.code)
        ratio = 100 * area / eng if area is not None and pd.notna(area) and eng else None
        total = get_indicator(name).name in TOTALS
        rows.append({"indicator": df["indicator"].iloc[0], "unit": df["unit"].iloc[0],
                     "year": int(_latest(df, ctx.year)["year"].iloc[0]), ctx.area.name: area,
                     **{p.name: latest.get(p.code) for p in ctx.partners}, "England": eng,
                     "UK": latest.get("UKX"),
                     "share of England (%)": ratio if total else None,
                     "index (England = 100)": None if total else ratio})
    out = pd.DataFrame(rows)
    return provenance.combine(out, *frames)


def trend(ctx, name: str, *, start: int | None = None) -> pd.DataFrame:
    """An indicator over time for the area, the partnerships it belongs to and its comparators; raises
    ``NoDataError`` when the area has no value."""
    return _own(compute(name, [ctx.area, *ctx.partners], vintage=ctx.vintage, comparators=ctx.comparators,
                        years=(start, ctx.year)), ctx)


def gap_sentence(df: pd.DataFrame, ctx, *, what: str, unit_fmt: str = "£{:,.2f}") -> str:
    """A finding such as "GVA per hour worked in X was £38.10 in 2023: 9.0% below the UK (£41.87) ..."."""
    latest = _latest(df, ctx.year).set_index("area_code")["value"]
    year = int(_latest(df, ctx.year)["year"].iloc[0])
    area = latest.get(ctx.area.code)
    parts = [f"{what} in {ctx.area.name} was {unit_fmt.format(area)} in {year}"]
    others = [("UKX", "the UK"), (ENGLAND.code, "England")] + [(p.code, f"the {p.name}") for p in ctx.partners]
    for code, label in others:
        if code == ctx.area.code:
            continue
        ref = latest.get(code)
        if ref is not None and pd.notna(ref) and area is not None:
            pct = 100 * (area / ref - 1)
            side = "above" if pct >= 0 else "below"
            parts.append(f"{abs(pct):.1f}% {side} {label} ({unit_fmt.format(ref)})")
    return parts[0] + ": " + "; ".join(parts[1:]) + "." if len(parts) > 1 else parts[0] + "."


def gap_title(df: pd.DataFrame, ctx, *, what: str, against: str = "UKX") -> str:
    """A chart title that states the finding, e.g. "GVA per hour worked in X is 4% below the UK (2023)".

    The year is that of the chart's last point: the latest year in ``df`` with values for both the area and
    ``against`` (else the area's latest), not ``ctx.year``, which a metric's own series may pass."""
    have = df.dropna(subset=["value"])
    mine = set(have.loc[have["area_code"] == ctx.area.code, "year"])
    both = mine & set(have.loc[have["area_code"] == against, "year"])
    years = both or mine or set(have["year"])
    year = int(max(years))
    latest = have[have["year"] == year].drop_duplicates("area_code").set_index("area_code")["value"]
    label = "the UK" if against == "UKX" else "England"
    if against == ctx.area.code or against not in latest or ctx.area.code not in latest \
            or pd.isna(latest[ctx.area.code]):
        return f"{what} in {ctx.area.name}, {year}"
    if "unit" in df and df["unit"].astype(str).str.startswith("%").any():
        # a gap between two rates is a difference in percentage points, not a % of a %
        pp = latest[ctx.area.code] - latest[against]
        return (f"{what} in {ctx.area.name} is {abs(pp):.1f} percentage points {'above' if pp >= 0 else 'below'} "
                f"{label} ({year})")
    pct = 100 * (latest[ctx.area.code] / latest[against] - 1)
    return f"{what} in {ctx.area.name} is {abs(pct):.0f}% {'above' if pct >= 0 else 'below'} {label} ({year})"


def map_title(ctx, regions: list[str]) -> str:
    names = " and ".join(geography.resolve(r).name for r in regions)
    n = len(geography.members(ctx.area, vintage=ctx.vintage))
    if not regions:
        return f"{ctx.area.name} ({ctx.kind.abbreviation}): {n} local authority district{'s' if n != 1 else ''}"
    return f"{ctx.area.name} ({ctx.kind.abbreviation}): {n} local authority district{'s' if n != 1 else ''} " \
           f"in the {names} region{'s' if len(regions) != 1 else ''}"


def decomposition_title(dec: pd.DataFrame, ctx) -> str:
    total = dec.set_index("component")["log_points"]
    pct = 100 * (float(np.exp(total["total"] / 100)) - 1)
    main = total.drop("total").abs().idxmax()
    labels = {"productivity": "productivity", "hours_per_job": "hours per job",
              "jobs_per_resident": "jobs per resident"}
    return (f"GVA per head in {ctx.area.name} is {abs(pct):.0f}% {'above' if pct >= 0 else 'below'} England; "
            f"{labels[main]} contributes most to the difference")


def growth_sentence(df: pd.DataFrame, ctx, *, what: str, years: int = 10) -> str:
    """Compound annual growth of the area, its partnerships and its comparators over the last ``years`` years;
    a money series is said to be nominal (current prices)."""
    end = int(_latest(df, ctx.year)["year"].iloc[0])
    start = end - years
    w = df[df["year"].isin([start, end])].pivot_table(index="area_code", columns="year", values="value")
    if start not in w or end not in w:
        return f"{what}: no {start}–{end} growth can be computed."
    g = ((w[end] / w[start]) ** (1 / years) - 1) * 100
    bits = [f"{ctx.area.name} {g.get(ctx.area.code, float('nan')):.1f}% a year"]
    for code, label in [(p.code, f"the {p.name}") for p in ctx.partners] + [("UKX", "the UK"),
                                                                            (ENGLAND.code, "England")]:
        if code in g and pd.notna(g[code]) and code != ctx.area.code:
            bits.append(f"{label} {g[code]:.1f}%")
    money = "unit" in df and df["unit"].astype(str).str.contains("£").any()
    head = f"Nominal growth in {what} {start}–{end} (current prices, not adjusted for inflation)" if money else \
        f"Growth in {what} {start}–{end}"
    return f"{head}: " + ", ".join(bits) + "."


def indexed(df: pd.DataFrame, *, base: int) -> pd.DataFrame:
    """Each area's series as an index, ``value / value[base] * 100``; areas without a ``base`` value are
    dropped. Keeps the frame's provenance.

    Examples
    --------
    >>> df = pd.DataFrame({"area_code": ["A", "A"], "area_name": ["A", "A"], "year": [2013, 2023],
    ...                    "value": [200.0, 250.0]})
    >>> indexed(df, base=2013)["value"].tolist()
    [100.0, 125.0]
    """
    base_values = df[df["year"] == base].set_index("area_code")["value"]
    out = df[df["area_code"].isin(base_values.dropna().index) & (df["year"] >= base)].copy()
    out["value"] = 100 * out["value"] / out["area_code"].map(base_values)
    if "unit" in out:
        out["unit"] = f"index ({base} = 100)"
    return provenance.combine(out, df)


#: Above this many areas a ranked-bar chart shows the top, the bottom and the area's neighbourhood only.
RANK_CHART_MAX = 40


def ranking(ctx, name: str, *, among: str | None = None) -> pd.DataFrame:
    """The indicator for every area of the area's comparison set (:mod:`evidence.geography.areatypes`; ``among`` picks
    another) in the latest year, ranked. An area outside the set (a grouping among the LEPs) is added with the
    rank it would take (``member`` False). ``df.attrs["among"]`` names the set; raises ``NoDataError`` for a
    type with no comparison set (a country)."""
    sets = ctx.kind.rank_among
    if among is None and not sets:
        raise NotApplicableError(f"{ctx.name} is a {ctx.kind.label}: there is no set of comparable areas to rank "
                                 "it among.")
    among = among or sets[0]
    year = int(_latest(trend(ctx, name), ctx.year)["year"].iloc[0])
    ranks = rank_among(name, year=year, vintage=ctx.vintage, type=among)
    ranks = ranks.assign(member=True)
    if ctx.area.code not in set(ranks["area_code"]):
        mine = compute(name, [ctx.area], vintage=ctx.vintage, comparators=(), years=(year, year))
        value = mine["value"].iloc[0] if len(mine) else np.nan
        if pd.notna(value):
            others = ranks["value"].dropna()
            better = others < value if get_indicator(name).higher_is_better is False else others > value
            row = mine.iloc[[0]].assign(rank=int(better.sum()) + 1, of=int(ranks["of"].iloc[0]), member=False)
            ranks = provenance.combine(pd.concat([ranks, row[ranks.columns]], ignore_index=True), ranks, mine)
            ranks = ranks.sort_values("value", ascending=get_indicator(name).higher_is_better is False,
                                      na_position="last").reset_index(drop=True)
    ranks["rank"] = ranks["rank"].astype("Int64")
    ranks.attrs["among"] = geography.type_label(among, vintage=ctx.vintage)
    return ranks


def ranking_for_chart(ranks: pd.DataFrame, ctx) -> pd.DataFrame:
    """The rows of a ranking to draw, labelled "rank. name": all of them, or for a long ranking (districts)
    the top and bottom ten and five either side of the area."""
    ranks = ranks.assign(label=[f"{r}. {n}" if pd.notna(r) else str(n)
                                for r, n in zip(ranks["rank"], ranks["area_name"], strict=True)])
    if len(ranks) <= RANK_CHART_MAX:
        return ranks
    ranked = ranks.dropna(subset=["value"]).reset_index(drop=True)
    pos = ranked.index[ranked["area_code"] == ctx.area.code]
    keep = set(range(10)) | set(range(len(ranked) - 10, len(ranked)))
    if len(pos):
        keep |= set(range(max(0, pos[0] - 5), min(len(ranked), pos[0] + 6)))
    out = ranked.loc[sorted(keep)]
    out.attrs = dict(ranks.attrs)
    return out


def ranking_title(ranks: pd.DataFrame, shown: pd.DataFrame, *, what: str) -> str:
    """The title of a ranking table, saying when the report shows part of it (the workbook has every row)."""
    title = f"{what}: {ranks.attrs.get('among', 'areas')}"
    if len(shown) < len(ranks):
        title += f" (the top and bottom ten and the area's neighbourhood; all {len(ranks)} in the workbook)"
    return title


def rank_sentence(ranks: pd.DataFrame, ctx, *, what: str) -> str:
    """ "X ranks 4 of 11 combined authorities on GVA per hour worked in 2023", saying what it ranks among;
    for an area outside the set, the rank it would take."""
    among = ranks.attrs.get("among", "areas")
    row = ranks[ranks["area_code"] == ctx.area.code]
    if row.empty or pd.isna(row["rank"].iloc[0]):
        return f"{ctx.area.name} is not ranked among the {among} on {what}."
    r = row.iloc[0]
    verb = "ranks" if bool(r.get("member", True)) else "would rank"
    text = f"{ctx.area.name} {verb} {int(r['rank'])} of {int(r['of'])} {among} on {what} in {int(r['year'])}"
    return text + ("." if bool(r.get("member", True)) else f" (it is not one of the {among}).")


def placement_sentence(ctx, name: str, *, what: str) -> str:
    """Where the area would stand in its further comparison sets (a CA among the LEPs, a grouping among the
    combined authorities), one clause each; empty when it has none."""
    bits = []
    for among in ctx.kind.rank_among[1:]:
        bits.append(rank_sentence(ranking(ctx, name, among=among), ctx, what=what))
    return " ".join(bits)


def gap_decomposition(ctx) -> pd.DataFrame:
    """The area's GVA-per-head gap against England split into productivity, hours per job and jobs per
    resident (log points; the parts add up to the total). All four inputs come from ONS releases on the same
    April-2023 LADs: GVA (April 2025), hours and jobs (June 2025), population (April 2025)."""
    if ctx.area.code == ENGLAND.code:
        raise NotApplicableError("England is the reference: there is no gap against England to decompose.")
    frames = {n: _own(compute(n, [ctx.area], vintage=ctx.vintage, comparators=["England"]), ctx)
              for n in ("gva", "hours", "jobs", "population")}
    year = min(int(f.dropna(subset=["value"])["year"].max()) for f in frames.values())
    year = min(year, ctx.year)
    wide = None
    for n, f in frames.items():
        part = f[f["year"] == year][["area_code", "year", "value"]].rename(columns={"value": n})
        wide = part if wide is None else wide.merge(part, on=["area_code", "year"])
    out = decompose_gva_per_head_gap(wide, reference=ENGLAND.code)
    out = out[out["area_code"] == ctx.area.code]
    labels = {"productivity": "Productivity (balanced GVA per hour worked, unsmoothed)",
              "hours_per_job": "Hours per job", "jobs_per_resident": "Jobs per resident",
              "total": "Total gap in GVA per head"}
    out = out.assign(part=out["component"].map(labels), percent=100 * np.expm1(out["log_points"] / 100))
    return provenance.combine(out.reset_index(drop=True), *frames.values())


#: Sections left out of the industry-mix split: real estate's GVA is mostly owner-occupiers' imputed rent, which
#: has no jobs, and households and extraterritorial bodies employ almost nobody.
MIX_EXCLUDED = ("L", "T", "U")


def decomposition_sentence(dec: pd.DataFrame, ctx) -> str:
    """Reconcile the decomposition's productivity part with the headline GVA per hour: the first is balanced
    GVA over hours (so that the parts multiply to GVA per head), the second ONS's smoothed productivity series."""
    d = dec.set_index("component")
    p = d.loc["productivity"]
    year = int(p["year"])
    head = _latest(_own(trend(ctx, "gva-per-hour"), ctx), year)
    eng = head[head["area_code"] == ENGLAND.code]["value"]
    own = head[head["area_code"] == ctx.area.code]["value"]
    line = (f"The productivity part divides balanced GVA by hours worked, so that the three parts multiply to GVA "
            f"per head: {float(p['log_points']):+.1f} log points, or {abs(float(p['percent'])):.1f}% "
            f"{'below' if p['percent'] < 0 else 'above'} England in {year}.")
    if len(eng) and len(own) and int(head["year"].iloc[0]) == year:
        pct = 100 * (float(own.iloc[0]) / float(eng.iloc[0]) - 1)
        line += (f" ONS's headline GVA per hour worked (smoothed), used in the rest of this pack, puts {ctx.name} "
                 f"{abs(pct):.1f}% {'below' if pct < 0 else 'above'} England in the same year.")
    return line

def industry_mix(ctx) -> pd.DataFrame:
    """The area's gap in GVA per job against England split into industry mix and within-industry productivity
    (:func:`~evidence.indicators.productivity.decompose_productivity_gap`), by industry section.

    GVA is ONS balanced GVA at current prices; jobs are BRES employment (employees and working owners) of the
    same year: 2019 (the last year before the pandemic) where the area's type has its own BRES section rows,
    else 2017, the last year of the district file. One year in one year's prices, so no deflation is needed.
    ``attrs["year"]`` gives the year and ``attrs["caveats"]`` the method's notes."""
    from ..indicators import sectors

    if ctx.area.code == ENGLAND.code:
        raise NotApplicableError("England is the reference: there is no gap against England to split.")
    year = None
    for y in (2019, 2017):
        try:
            emp = sectors.industry_structure(ctx.area, year=y, vintage=ctx.vintage, basis="employment",
                                             level="section")
        except NoDataError:
            raise
        except EvidenceError:  # no BRES sections for this area in that year: try the district file's last year
            continue
        year = y
        break
    if year is None:
        raise NoDataError(f"No BRES employment by industry section covers {ctx.name} in 2017 or 2019.")
    gva = sectors.industry_structure(ctx.area, year=year, vintage=ctx.vintage, basis="gva", level="section")
    gva = gva[gva["industry"] != "unallocated"]
    # GVA sections group some BRES sections ("AB (1-9)", "DE (35-39)"): map each BRES letter to its GVA row.
    letters = {ch: code for code in gva["industry"] for ch in str(code).split(" ")[0]}
    emp = emp.assign(industry=emp["industry"].map(letters))
    rows = []
    if set(gva["unit"]) != {"£ million, current prices"}:
        raise EvidenceError(f"expected GVA in £ million, got {sorted(set(gva['unit']))}")
    for code, v in ((ctx.area.code, "value"), (ENGLAND.code, "england_value")):
        part = gva[["industry", v]].rename(columns={v: "gva"})
        rows.append(part.assign(area_code=code, gva=part["gva"] * 1e6))
    g = pd.concat(rows)
    rows = []
    for code, v in ((ctx.area.code, "value"), (ENGLAND.code, "england_value")):
        e = emp.dropna(subset=["industry"]).groupby("industry", as_index=False)[v].sum(min_count=1)
        rows.append(e.rename(columns={v: "jobs"}).assign(area_code=code))
    tidy = g.merge(pd.concat(rows), on=["area_code", "industry"])
    tidy = tidy[~tidy["industry"].str[0].isin(MIX_EXCLUDED) | tidy["industry"].str.startswith("AB")]
    out = decompose_productivity_gap(tidy, area=ctx.area.code, reference=ENGLAND.code)
    names = dict(zip(gva["industry"], gva["industry_name"], strict=True))
    out.insert(1, "industry_name", out["industry"].map(names).fillna("All industries shown"))
    out.insert(2, "year", year)
    out = provenance.combine(out, gva, emp)
    out.attrs["year"] = year
    out.attrs["caveats"] = list(dict.fromkeys(
        [f"GVA per job here is balanced GVA (current prices, {year}) over BRES employment (employees and working "
         f"owners, {year}), excluding real estate (its GVA is mostly imputed rent), households and extraterritorial "
         "bodies. It differs from ONS's headline GVA per filled job, which uses productivity jobs and smoothed GVA."]
        + gva.attrs.get("caveats", [])[:1] + emp.attrs.get("caveats", [])))
    return out


def _pounds(x: float) -> str:
    return f"{'−' if x < 0 else '+' if x > 0 else ''}£{abs(x):,.0f}"


def industry_mix_sentence(mix: pd.DataFrame, ctx) -> str:
    """The split in words: the gap, how much of it is industry mix and how much productivity within industries,
    and the two industries that contribute most to the within-industry part."""
    t = mix.set_index("industry").loc["Total"]
    gap = float(t["area_per_job"] - t["reference_per_job"])
    pct = 100 * gap / float(t["reference_per_job"])
    body = mix[mix["industry"] != "Total"]
    top = body.nsmallest(2, "within") if gap < 0 else body.nlargest(2, "within")
    names = " and ".join(str(n).lower() for n in top["industry_name"])
    year = int(mix["year"].iloc[0])
    return (f"In {year}, GVA per job (balanced GVA over BRES employment, excluding real estate) in {ctx.name} was "
            f"£{float(t['area_per_job']):,.0f}, {abs(pct):.1f}% {'below' if gap < 0 else 'above'} England "
            f"(£{float(t['reference_per_job']):,.0f}): a gap of {_pounds(gap)} a job, of which industry mix accounts "
            f"for {_pounds(float(t['mix']))} and productivity within industries for {_pounds(float(t['within']))}. "
            f"Within industries, {names} contribute most.")


def industry_mix_title(mix: pd.DataFrame, ctx) -> str:
    t = mix.set_index("industry").loc["Total"]
    main = "productivity within industries" if abs(t["within"]) >= abs(t["mix"]) else "the industry mix"
    return f"{ctx.name}'s gap in GVA per job to England, {int(mix['year'].iloc[0])}: mostly {main}"

def members_table(ctx) -> pd.DataFrame:
    """The area's member LADs with their region."""
    m = geography.members(ctx.area, vintage=ctx.vintage)
    return m


def members_by_vintage(ctx) -> pd.DataFrame:
    """For an area whose membership depends on the LEP vintage (a LEP, a grouping of LEPs): each district
    (April-2023 codes) and whether it is in the area at each vintage: ``member``, ``partial`` (only some of
    the districts it merged were) or blank."""
    from ..indicators.area import _partial_lads

    if not ctx.kind.by_vintage:
        raise NotApplicableError(f"Its districts do not depend on the LEP vintage ({ctx.kind.plural} have one "
                                 "membership, listed in the overview).")
    cols = {}
    for v in geography.VINTAGES:
        a = geography.resolve(ctx.area.code, vintage=v)
        codes = geography.lad_codes(a, vintage=v, allow_partial=True)
        part = set(_partial_lads(a, v))
        cols[f"{v} ({a.code})" if a.code != ctx.area.code else str(v)] = {
            c: "partial" if c in part else "member" for c in codes}
    out = pd.DataFrame(cols).fillna("").rename_axis("lad_code").reset_index()
    names = geography.areas(type="lad").set_index("area_code")["area_name"]
    out.insert(1, "lad_name", out["lad_code"].map(names))
    out = out.sort_values("lad_code").reset_index(drop=True)
    return provenance.combine(out, geography.members(ctx.area, vintage=ctx.vintage))


def members_sentence(table: pd.DataFrame, ctx) -> str:
    """How the area's districts change between the vintages."""
    vint = [c for c in table.columns if c not in ("lad_code", "lad_name")]
    counts = ", ".join(f"{(table[c] != '').sum()} at {c.split()[0]}" for c in vint)
    return f"{ctx.name} holds {counts} of England's districts (April-2023 codes; partial members counted)."


def family_of_strategies(ctx) -> pd.DataFrame:
    """A grouping of LEPs (the Oxford–Cambridge Arc) beside each of its LEPs on the five foundations: each
    metric's latest value for the grouping, every member LEP and England, with the LEPs' ranks among the
    LEPs. Raises ``NoDataError`` for an area that is not a grouping of LEPs."""
    from ..indicators.scorecard import scorecards

    parts = [p for p in geography.group_parts(ctx.area, vintage=ctx.vintage) if p.type == "lep"]
    if not parts:
        raise NotApplicableError(f"{ctx.name} is not a grouping of LEPs, so there is no family of strategies to "
                                 "compare.")
    cards = scorecards([ctx.area, *parts], vintage=ctx.vintage)
    own = cards[ctx.area.code]
    out = own[["foundation", "title", "unit", "period"]].rename(columns={"title": "indicator"}).copy()
    out[ctx.name] = own["value"]
    for p in parts:
        out[p.name] = cards[p.code]["value"].to_numpy()
        out[f"{p.name}: rank"] = cards[p.code]["rank"].to_numpy()
    out["England"] = own["england_value"]
    out = out[out[[ctx.name, *[p.name for p in parts]]].notna().any(axis=1)].reset_index(drop=True)
    return provenance.combine(out, *cards.values())


def map_frames(ctx):
    """(all LAD boundaries, the LADs to highlight, the surrounding LADs of the area's region(s))."""
    from ..sources.boundaries import get_boundaries

    lads = get_boundaries("lad")
    members, _ = membership_table([ctx.area], vintage=ctx.vintage, partial="include")
    codes = list(members["lad_code"])
    regions = {geography.region_of(c).code for c in codes if c.startswith("E")}
    around = set()
    for r in regions:
        around |= set(geography.lad_codes(r))
    context = lads[lads["area_code"].isin(around | set(codes))]
    return lads, codes, context, sorted(regions)


# ------------------------------------------------------------------------------------------------ sectors
#: The LIS priority-sector families shipped with the toolkit, and the LEPs whose strategies define them.
LIS_FAMILIES = {"buckinghamshire": "Buckinghamshire Thames Valley",
                "leicester-leicestershire": "Leicester and Leicestershire"}


def lis_family(ctx) -> str | None:
    """The area's own LIS priority-sector family, where one is defined."""
    for family, lep in LIS_FAMILIES.items():
        try:
            if geography.resolve(lep, vintage=ctx.vintage).code == ctx.area.code:
                return family
        except geography.UnknownAreaError:
            continue
    return None


def specialisation_title(lq: pd.DataFrame, ctx, *, what: str) -> str:
    from .charts import shorten

    top = lq.dropna(subset=["lq"]).nlargest(3, "lq")
    label = "industry_name" if "industry_name" in lq else "sector"
    names = ", ".join(f"{shorten(str(r[label]), 40)} ({r['lq']:.1f})" for _, r in top.iterrows())
    years = sorted({int(y) for y in lq["year"].dropna()}) if "year" in lq else []
    when = f", {years[-1]}" if years else ""
    return f"{ctx.area.name} is most specialised, by {what}{when}, in {names}"


def employment_year(ctx) -> int:
    """The latest year of BRES employment by section, with England beside it, that the shipped files give for
    this kind of area and that is not a pandemic year (2020 and 2021, when furlough and closures distort the
    structure): 2019 where the type has its own published rows to 2020 (LEPs on their 2021 boundaries,
    combined authorities, against the England row of the same LEP file), else 2017, the last year of the
    district file."""
    from ..indicators.sectors import PANDEMIC_YEARS

    own = ctx.kind.datasets
    last = 2020 if ("bres-lep" in own and ctx.vintage == 2021) or "bres-ca" in own else 2017
    return max(y for y in range(2015, last + 1) if y not in PANDEMIC_YEARS)


def employment_year_note(ctx) -> str:
    """Why the employment structure is of the year it is (for the notebook's markdown)."""
    y = employment_year(ctx)
    if y == 2019:
        return ("*Employment structure: BRES 2019, the latest year before the pandemic. The LEP file also has 2020, "
                "left out because furlough and closures distort that year's structure; no later year with an England "
                "comparison is in the shipped files.*")
    return ("*Employment structure: BRES 2017, the last year of the open district-by-industry file (Nomis), the latest "
            f"with England beside it for {ctx.area.name}.*")


def shift_share_title(ss: pd.DataFrame, ctx) -> str:
    total = ss[["national_growth", "industry_mix", "regional_share", "change"]].sum()
    start, end = int(ss["start"].iloc[0]), int(ss["end"].iloc[0])
    side = "outgrew" if total["regional_share"] >= 0 else "grew more slowly than"
    return (f"{ctx.area.name}'s GVA {side} its industry mix implied, {start}–{end}: regional share "
            f"£{total['regional_share']:,.0f}m of a £{total['change']:,.0f}m change (nominal)")


# ---------------------------------------------------------------------------------------------- scenarios
ARC = "GRP-OXCAM"


def arc_scenarios(ctx) -> pd.DataFrame | None:
    """The shipped Arc scenarios (trend and transformational) for the Arc itself or for its share of them when
    the area lies inside the Arc; ``None`` for other areas."""
    from .. import scenarios

    arc_lads = set(geography.lad_codes(ARC, vintage=ctx.vintage, allow_partial=True))
    mine = set(geography.lad_codes(ctx.area, vintage=ctx.vintage, allow_partial=True))
    if ctx.area.code != ARC and not (mine and mine <= arc_lads):
        return None
    # The baseline follows the pack's LEP vintage (the files are written for 2021).
    runs = [scenarios.run(name, area=ctx.area.code, vintage=ctx.vintage)
            for name in ("arc-trend", "arc-transformational")]
    out = pd.concat(runs, ignore_index=True)
    out.attrs["caveats"] = list(dict.fromkeys(c for r in runs for c in r.attrs.get("caveats", [])))
    return provenance.combine(_own_name(out, ctx), *runs)


def _own_name(traj: pd.DataFrame, ctx) -> pd.DataFrame:
    """The area's rows named as the pack names it: a LEP's code may carry another vintage's name in the data
    (E37000003 is "Buckinghamshire" at 2021 but "Buckinghamshire Thames Valley" at 2017)."""
    traj.loc[traj["area_code"] == ctx.area.code, "area_name"] = ctx.name
    return traj


def own_trend(ctx, *, window: tuple[int, int] = (2013, 2023), horizon: int = 2050,
              prices: str = "real") -> pd.DataFrame:
    """A trend scenario for any area: its own jobs and GVA growth over ``window`` carried to ``horizon`` from
    the latest real year. GVA is real by default (chain-linked, in ``window[1]`` prices); ``prices="nominal"``
    carries current-price growth instead, labelled nominal."""
    from .. import scenarios

    what = (f"GVA in {window[1]} prices (real, chain-linked over its districts)" if prices == "real"
            else "current-price GVA (nominal)")
    sc = scenarios.parse_scenario({
        "name": "own-trend",
        "title": f"{ctx.area.name}: its own {window[0]}–{window[1]} growth carried to {horizon}",
        "description": f"Jobs and {what} each grow at the area's own compound annual rate over the "
                       f"window {window[0]}–{window[1]} (real ONS data).",
        "area": ctx.area.code, "vintage": ctx.vintage, "base_year": window[1], "horizon": horizon,
        "prices": prices, "jobs": {"history": list(window)},
        "gva": {"history": list(window), **({"price_basis": "current"} if prices == "nominal" else {})},
        "source": {"publisher": "LIS Evidence", "title": "Trend projection on the area's own history",
                   "date": str(window[1])},
    }, origin="own-trend")
    return _own_name(scenarios.run(sc), ctx)


def jobs_backtest(ctx, *, fit: tuple[int, int] = (2004, 2013), test: tuple[int, int] = (2014, 2023)) -> pd.DataFrame:
    """Back-test of a trend on the area's own jobs: fit the growth rate on ``fit``, project ``test``, compare."""
    from .. import scenarios

    series = scenarios.history("jobs", ctx.area, vintage=ctx.vintage)
    return scenarios.backtest_summary(scenarios.backtest(series, fit=fit, test=test))


def price_basis(frame: pd.DataFrame) -> str:
    """The price basis of a scenario frame's GVA, for a title: ``"GVA in 2023 prices"`` or
    ``"GVA at current prices (nominal)"``."""
    p = frame["prices"].dropna().unique() if "prices" in frame else []
    if len(p) != 1:
        return "GVA at current prices (nominal)"
    return f"GVA at {p[0]}" if p[0].startswith("current") else f"GVA in {p[0]}"


def scenario_sentence(summary: pd.DataFrame, ctx) -> str:
    """What each scenario means for jobs and GVA at the horizon, naming each scenario as the legends do."""
    from ..scenarios import scenario_label
    from .findings import gbp_millions, signed_pct

    bits = []
    s = summary[(summary["reading"] == "chosen") & (summary["area_code"] == ctx.area.code)]
    for name, g in s.groupby("scenario", sort=False):
        g = g.set_index("measure")
        if "jobs" in g.index and "gva" in g.index:
            j, v = g.loc["jobs"], g.loc["gva"]
            basis = v.get("prices") if isinstance(v.get("prices"), str) else "current prices (nominal)"
            gva = ("+" if v["change"] >= 0 else "") + gbp_millions(v["change"])
            jobs = ("+" if j["change"] >= 0 else "−") + f"{abs(j['change']):,.0f}"
            bits.append(f"under “{scenario_label(name)}”, {jobs} jobs ({signed_pct(j['cagr'])} a year) "
                        f"and {gva} GVA in {basis} ({signed_pct(v['cagr'])} a year) "
                        f"from {int(j['base_year'])} to {int(j['horizon'])}")
    return f"For {ctx.area.name}: " + "; ".join(bits) + "." if bits else f"No scenario covers {ctx.area.name}."


# ------------------------------------------------------------------------------------- foundation metrics
def metric_trend(ctx, name: str) -> pd.DataFrame:
    """A foundation metric over time for the area and its comparators, in the shape of the chart functions."""
    from ..indicators import foundations

    df = foundations.compute(name, [ctx.area], vintage=ctx.vintage, comparators=ctx.comparators)
    return df.dropna(subset=["value"])


def metric_table(ctx, names: list[str]) -> pd.DataFrame:
    """The latest value of each metric for the area beside England, with the survey's confidence interval
    where it has one, the aggregation method and any note."""
    from ..indicators import foundations

    rows, frames = [], []
    for name in names:
        df = foundations.compute(name, [ctx.area], vintage=ctx.vintage, comparators=["England"])
        frames.append(df)
        mine = df[(df["area_code"] == ctx.area.code) & df["value"].notna()]
        if mine.empty:
            note = next((n for n in df["note"].dropna()), "no value for this area")
            rows.append({"metric": name, "title": foundations.get_metric(name).title, "note": note})
            continue
        last = mine.sort_values("year").iloc[-1]
        eng = df[(df["area_code"] == ENGLAND.code) & (df["year"] == last["year"])]["value"]
        rows.append({"metric": name, "title": foundations.get_metric(name).title, "period": last["period"],
                     "unit": last["unit"], ctx.area.name: last["value"], "lower 95%": last["lci_95"],
                     "upper 95%": last["uci_95"], "England": eng.iloc[0] if len(eng) else None,
                     "method": last["method"], "note": last["note"]})
    return provenance.combine(pd.DataFrame(rows), *frames)


# -------------------------------------------------------------------------------------------- scorecard
STATUSES = ("better than England", "similar to England", "worse than England")


def status_counts(card: pd.DataFrame) -> pd.DataFrame:
    """How many indicators with values of each foundation fall in each status group
    (:func:`.scorecard.status_group`: better, similar, worse, neutral, no comparison): the counts add up to the
    indicators with values, as :func:`scorecard_sentence` counts them."""
    from ..indicators import scorecard

    valued = card[card["value"].notna()]
    if not valued["status"].isin(STATUSES).any():
        raise NoDataError("no indicator has a value to compare with England.")
    groups = valued.assign(status=valued["status"].astype(str).map(scorecard.status_group))
    c = groups.groupby(["foundation", "status"], sort=False).size()
    out = c.rename("count").reset_index()
    short = {"better than England": "better", "similar to England": "similar", "worse than England": "worse",
             scorecard.STATUS_GROUPS[3]: "neutral", scorecard.STATUS_GROUPS[4]: "no comparison"}
    out["label"] = out["foundation"] + ": " + out["status"].map(short)
    return provenance.combine(out, card)


def scorecard_sentence(card: pd.DataFrame, ctx) -> str:
    """The scorecard's status counts in a sentence that adds up (:func:`.scorecard.status_sentence`)."""
    from ..indicators import scorecard

    return scorecard.status_sentence(card, ctx.area.name)


def monitoring_baseline(ctx, card: pd.DataFrame, targets: str | None = None) -> pd.DataFrame:
    """The scorecard frozen to its latest year; in a pack it is also written as ``monitoring-baseline.csv``.
    With ``targets`` (a targets TOML), each indicator also carries its target and the distance to it."""
    from ..indicators import scorecard

    year = pd.to_numeric(card["year"], errors="coerce").max()
    if pd.isna(year):
        raise NoDataError("no indicator of the scorecard has a value for the area, so there is nothing to freeze.")
    year = int(year)
    targets = targets or None
    if ctx.pack_dir is not None:
        return scorecard.monitoring_baseline(ctx.area, vintage=ctx.vintage, year=year,
                                             path=ctx.pack_dir / "monitoring-baseline.csv", targets=targets)
    return scorecard.scorecard(ctx.area, vintage=ctx.vintage, year=year, targets=targets)


def distance_to_targets(card: pd.DataFrame) -> pd.DataFrame:
    """The indicators that have a target: value, target, year and the distance ``target - value`` in the
    indicator's unit (percentage points for rates), and whether it is met.

    Raises
    ------
    NoDataError
        No targets were given (``evidence build AREA --targets FILE``).
    """
    if "target" not in card.columns or card["target"].isna().all():
        raise NotApplicableError("no targets were given; write a targets TOML and pass it with "
                          "`evidence build AREA --targets FILE` (see the README, 'Monitoring with ambitions').")
    cols = ["foundation", "indicator", "title", "unit", "period", "value", "target", "target_year", "to_target",
            "to_target_basis", "target_status", "target_note"]
    return provenance.combine(card.loc[card["target"].notna(), cols].reset_index(drop=True), card)


def targets_sentence(dist: pd.DataFrame) -> str:
    """How many targets are met, e.g. "2 of the 3 targets are met; furthest: employment-rate (3.5 percentage
    points to go by 2030)"."""
    valued = dist[dist["target_status"].isin(["met", "not yet met"])]
    met = int((valued["target_status"] == "met").sum())
    text = f"{met} of the {len(dist)} target{'s' if len(dist) != 1 else ''} {'is' if met == 1 else 'are'} met"
    if len(valued) < len(dist):
        text += f" ({len(dist) - len(valued)} without a value)"
    todo = valued[valued["target_status"] == "not yet met"]
    if not todo.empty:
        rel = (todo["to_target"].abs() / todo["target"].abs().where(todo["target"] != 0)).fillna(np.inf)
        r = todo.loc[rel.idxmax()]
        text += (f"; the furthest, relative to its target, is {r['title']} ({abs(r['to_target']):,.1f} "
                 f"{r['to_target_basis']} to go by {int(r['target_year'])})")
    return text + "."


# ------------------------------------------------------------------------------------- districts inside
#: The span of real GVA growth in the districts table (10 years to the latest year of the GVA tables).
DISTRICT_GROWTH_YEARS = 10


def _district_codes(ctx) -> list[str]:
    members, _ = membership_table([ctx.area], vintage=ctx.vintage, partial="include")
    return sorted(members["lad_code"].astype(str).unique())


def _latest_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Each area's row of the latest year in which the frame has values."""
    have = df[df["value"].notna()]
    return have[have["year"] == have["year"].max()].drop_duplicates("area_code").set_index("area_code")


def _gva_growth(codes: list[str], england: list[str]) -> tuple[pd.Series, str, pd.DataFrame]:
    """Real GVA growth (% a year, chain-linked) of each district, of all ``codes`` together and of England's
    districts, over :data:`DISTRICT_GROWTH_YEARS` to the latest year."""
    from ..errors import AggregationError
    from ..indicators.districts import chained_volume_growth
    from ..sources import get

    gva = get("gva")
    tot = gva[(gva["industry"] == "Total") & gva["measure"].isin(["current_prices", "cvm"])]
    wide = tot.pivot_table(index=["area_code", "year"], columns="measure", values="value", aggfunc="first",
                           observed=True).reset_index()
    end = int(wide["year"].max())
    start = end - DISTRICT_GROWTH_YEARS
    out = {}
    for c in codes:
        rows = wide[wide["area_code"] == c]
        try:
            out[c] = chained_volume_growth(rows, start=start, end=end)
        except AggregationError:  # a district without the full series keeps NA
            out[c] = np.nan
    have = wide[wide["area_code"].isin(codes)]
    try:
        out["area"] = chained_volume_growth(have, start=start, end=end)
    except AggregationError:
        out["area"] = np.nan
    try:
        out["england"] = chained_volume_growth(wide[wide["area_code"].isin(england)], start=start, end=end)
    except AggregationError:
        out["england"] = np.nan
    return pd.Series(out), f"{start}-{end}", tot


def districts_table(ctx) -> pd.DataFrame:
    """Each district of the area beside the area and England: GVA per hour and its share of the area's gap
    to England, real GVA growth, median residence pay and the APS employment rate with their 95% confidence
    intervals (and whether each differs significantly from England), and IMD 2025 deprivation.

    The area's row uses the scorecard's methods (ratio of sums, population-weighted means labelled
    approximations); its employment rate is the published combined-authority row where ONS publishes one,
    else the population-weighted mean of its districts. Attributes: ``attrs["gap"]`` (the gap sentence's
    inputs) and ``attrs["growth_period"]``.

    Raises
    ------
    NoDataError
        The area has no English districts.
    """
    from ..indicators.districts import concentration, gap_contributions
    from ..indicators.foundations import compute as fcompute
    from ..indicators.scorecard import status
    from ..sources import get

    if ctx.area.code == ENGLAND.code:
        raise NotApplicableError("England is the reference each district is compared with: its 296 districts are set "
                          "against it in their own packs and ranked in the district league tables.")
    codes = _district_codes(ctx)
    codes = [c for c in codes if c.startswith("E")]
    if not codes:
        raise NoDataError("the district figures cover England's districts only.")
    areas = codes if ctx.area.type == "lad" else [*codes, ctx.area.code]
    eng_code = ENGLAND.code
    frames = []

    def metric(name):
        df = fcompute(name, areas, vintage=ctx.vintage, comparators=("England",))
        frames.append(df)
        return _latest_rows(df)

    gph, pay = metric("gva-per-hour"), metric("pay-residence")
    imd, dec = metric("imd-average-score"), metric("imd-lsoas-most-deprived-decile")
    prod = get("productivity")
    hours = prod[(prod["measure"] == "hours") & (prod["year"] == int(gph["year"].iloc[0]))]
    hours = hours.drop_duplicates("area_code").set_index("area_code")["value"]
    emp = get("els-employment-rate")
    emp = emp[(emp["indicator"] == "Employment rate") & emp["value"].notna()]
    # The Isles of Scilly's rate is suppressed in every year: their row stays missing, England's latest is shown.
    own = emp[emp["area_code_2023"].isin(codes)]
    emp_year = int((own if len(own) else emp)["year"].max())
    emp = emp[emp["year"] == emp_year].drop_duplicates("area_code_2023").set_index("area_code_2023")
    pop = get("population")
    pop = pop[pop["year"] == int(pop["year"].max())].drop_duplicates("area_code").set_index("area_code")["value"]
    eng_lads = [c for c in geography.lad_codes(eng_code) if c.startswith("E")]
    growth, growth_period, gva = _gva_growth(codes, eng_lads)

    names = gph["area_name"].to_dict() if "area_name" in gph else {}
    rows = []
    for c in [*codes, *([ctx.area.code] if ctx.area.type != "lad" else []), eng_code]:
        is_area, is_eng = c == ctx.area.code and ctx.area.type != "lad", c == eng_code
        if c in emp.index:
            e, elo, ehi = emp.loc[c, ["value", "lci_95", "uci_95"]]
        elif is_area:
            w = pop.reindex(codes)
            v = emp["value"].reindex(codes)
            ok = v.notna() & w.notna()
            e, elo, ehi = (float((v[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() else np.nan), np.nan, np.nan
        else:
            e = elo = ehi = np.nan
        p = pay.loc[c] if c in pay.index else None
        rows.append({
            "district": "England" if is_eng else names.get(c, c),
            "code": c,
            "row": "England" if is_eng else ("area" if is_area else "district"),
            "gva_per_hour": gph["value"].get(c, np.nan),
            "hours": hours.get(c, np.nan) if not (is_area or is_eng) else np.nan,
            "gva_growth_pa": growth.get("england" if is_eng else ("area" if is_area else c), np.nan),
            "pay_residence": p["value"] if p is not None else np.nan,
            "pay_lci_95": p["lci_95"] if p is not None else np.nan,
            "pay_uci_95": p["uci_95"] if p is not None else np.nan,
            "employment_rate": e, "employment_lci_95": elo, "employment_uci_95": ehi,
            "imd_average_score": imd["value"].get(c, np.nan),
            "lsoas_most_deprived_decile": dec["value"].get(c, np.nan),
        })
    out = pd.DataFrame(rows)
    eng = out[out["row"] == "England"].iloc[0]
    for col, lo, hi in (("pay_residence", "pay_lci_95", "pay_uci_95"),
                        ("employment_rate", "employment_lci_95", "employment_uci_95")):
        out[col.split("_")[0] + "_vs_england"] = [
            None if r["row"] == "England" else
            status(r[col], eng[col], polarity="higher", lci=r[lo], uci=r[hi])
            .replace("better than", "above").replace("worse than", "below")
            .replace("similar to England", "not significantly different from England"
                     if pd.notna(r[lo]) and pd.notna(r[hi]) else "similar to England (within 2%)")
            for _, r in out.iterrows()]
    dist = out[out["row"] == "district"]
    gap = pd.Series(np.nan, index=out.index)
    if ctx.area.type != "lad" and dist["gva_per_hour"].notna().all() and dist["hours"].notna().all():
        contrib = gap_contributions(dist, benchmark=float(eng["gva_per_hour"]), value="gva_per_hour",
                                    weight="hours")
        gap[contrib.index] = contrib["share"]
        if contrib["share"].notna().any():
            gap[out.index[out["row"] == "area"]] = 100.0
        out.attrs["concentration"] = concentration(contrib.rename(columns={"code": "area_code"}))
    out.insert(out.columns.get_loc("hours"), "share_of_gap", gap)
    out = out.drop(columns=["hours"])
    out = provenance.combine(out, *frames, get("productivity"), get("els-employment-rate"), gva, pop)
    out.attrs.update({"growth_period": growth_period, "gph_year": int(gph["year"].iloc[0]),
                      "pay_period": str(pay["period"].iloc[0]), "employment_year": emp_year,
                      "concentration": out.attrs.get("concentration", [])})
    return out


def districts_columns(table: pd.DataFrame) -> dict[str, str]:
    """Human column names, with units and years, for :func:`districts_table`."""
    a = table.attrs
    return {
        "district": "District", "code": "Code", "row": "Row",
        "gva_per_hour": f"GVA per hour worked (£, {a['gph_year']}, current prices)",
        "share_of_gap": "Share of the area's GVA-per-hour gap to England (%)",
        "gva_growth_pa": f"Real GVA growth (% a year, {a['growth_period']}, chained volume)",
        "pay_residence": f"Median weekly pay, residence-based (£, ASHE {a['pay_period'][:4]})",
        "pay_lci_95": "Pay: 95% CI lower (£)", "pay_uci_95": "Pay: 95% CI upper (£)",
        "employment_rate": f"Employment rate 16-64 (%, APS {a['employment_year']})",
        "employment_lci_95": "Employment rate: 95% CI lower (%)",
        "employment_uci_95": "Employment rate: 95% CI upper (%)",
        "imd_average_score": "IMD 2025 average score (higher = more deprived)",
        "lsoas_most_deprived_decile": "% of LSOAs in England's most deprived 10% (IMD 2025)",
        "pay_vs_england": "Pay against England (95% CI)",
        "employment_vs_england": "Employment rate against England (95% CI)",
    }


def districts_sentence(table: pd.DataFrame, ctx) -> str:
    """Where the area's GVA-per-hour gap to England is concentrated, or that the area is a single district."""
    eng = table[table["row"] == "England"].iloc[0]
    dist = table[table["row"] == "district"]
    year = table.attrs["gph_year"]
    if ctx.area.type == "lad" or len(dist) == 1:
        one = "" if ctx.area.type == "lad" else f" ({dist['district'].iloc[0]})"
        own = table[table["row"] != "England"].iloc[0]
        return (f"{ctx.name} is a single district{one}, so it has no districts inside it to compare; the map shows "
                f"it among the districts of its region, shaded by GVA per hour. Its GVA per hour was "
                f"£{own['gva_per_hour']:,.2f} in {year}, against £{eng['gva_per_hour']:,.2f} for England.")
    area = table[table["row"] == "area"].iloc[0]
    text = (f"{ctx.name} has {len(dist)} districts. Its GVA per hour was £{area['gva_per_hour']:,.2f} in {year}, "
            f"against £{eng['gva_per_hour']:,.2f} for England")
    names = dict(zip(table["code"], table["district"], strict=True))
    above = dist[dist["gva_per_hour"] >= eng["gva_per_hour"]]["district"].tolist()
    conc = table.attrs.get("concentration", [])
    if area["gva_per_hour"] >= eng["gva_per_hour"]:
        text += "; the area has no gap to England to split."
    elif conc:
        share = table.set_index("code").loc[conc, "share_of_gap"].sum()
        listed = [names[c] for c in conc]
        who = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]
        text += (f". {who} account{'s' if len(listed) == 1 else ''} for {share:.0f}% of the gap (each district's "
                 "hours times its shortfall from England's GVA per hour)")
        listed_above = above[0] if len(above) == 1 else ", ".join(above[:-1]) + " and " + above[-1] if above else ""
        text += "." if not above else f"; {listed_above} {'is' if len(above) == 1 else 'are'} above England."
    else:
        text += "."
    noisy = int((dist["employment_vs_england"] == "not significantly different from England").sum())
    if noisy:
        text += (f" The APS employment rate of {noisy} of the {len(dist)} districts is not significantly different "
                 "from England's (England lies within the district's 95% confidence interval): district survey "
                 "estimates are noisy.")
    return text


def districts_map(ctx, table: pd.DataFrame):
    """(all LAD boundaries, the area's LADs, the surrounding LADs, GVA per hour by LAD for shading, title) for
    :func:`evidence.pack.charts.area_map`: every district of the area's region(s) is shaded, so a single district
    is seen among its neighbours."""
    from ..sources import get

    lads, codes, around, regions = map_frames(ctx)
    prod = get("productivity")
    year = table.attrs["gph_year"]
    gph = prod[(prod["measure"] == "gva_per_hour") & (prod["year"] == year)].drop_duplicates("area_code")
    shade = gph.set_index("area_code")["value"]
    lads = provenance.combine(lads, lads, prod)
    from .findings import running_name

    title = (f"GVA per hour worked by district, {year}: {ctx.name} (outlined) and the districts of "
             f"{', '.join(running_name(geography.resolve(r).name) for r in regions) or 'its region'}")
    return lads, codes, around, shade, title


def districts_display(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`districts_table` with human column names (units and years), for the report and workbook."""
    out = table.drop(columns=["row"]).rename(columns=districts_columns(table))
    return provenance.combine(out, table)


# --------------------------------------------------------------------------------- people beyond the rates
def _occupation_rows(ctx, aps: pd.DataFrame) -> tuple[pd.DataFrame, str, bool, str]:
    """The area's T09a sub-major counts, how they were built, whether they are published rows (so their
    intervals apply and a suppressed cell may be left out of the total), and the label of the area they describe.

    In order: the area's own published row (England; a district, or an area of one district, on its April-2021
    code); the published rows of the 2021 LEPs whose districts are exactly the area's (one LEP: the Greater
    Manchester CA; several: the Oxford-Cambridge Arc, most regions), summed; the sum of its member districts'
    counts, if none is suppressed; else the published row of the smallest 2021 LEP containing all its districts,
    labelled as such."""
    from ..indicators.area import membership_table

    code = ctx.area.code
    have = set(aps["area_code"].astype(str))
    lads = set(membership_table([ctx.area], vintage=ctx.vintage)[0]["lad_code"])
    own = code if code in have and ctx.area.type in ("country", "lad") else \
        next(iter(lads)) if len(lads) == 1 and next(iter(lads)) in have else None
    if own is not None:
        rows = aps[aps["area_code"] == own]
        return (rows.assign(area_code=code), f"the published APS row of {rows['area_name'].astype(str).iloc[0]} "
                f"({own})", True, ctx.name)
    m = geography.membership(2021, on="2023")
    leps = {c: set(g["lad_code"]) for c, g in m.groupby("lep_code") if c in have}
    names = dict(zip(aps["area_code"].astype(str), aps["area_name"].astype(str), strict=False))
    inside = sorted(c for c, s in leps.items() if s <= lads)
    union = set().union(*(leps[c] for c in inside)) if inside else set()
    if inside and union == lads and sum(len(leps[c]) for c in inside) == len(union):
        rows = aps[aps["area_code"].isin(inside)]
        if len(inside) == 1:
            return (rows.assign(area_code=code), f"the published APS row of the {names[inside[0]]} LEP (the same "
                    "districts)", True, ctx.name)
        summed = rows.groupby(["year", "variable"], observed=True)["value"].sum(min_count=len(inside)).reset_index()
        return (provenance.combine(summed.assign(area_code=code, ci95=np.nan), rows),
                f"the sum of the published APS rows of the {len(inside)} LEPs with the same districts "
                f"({', '.join(names[c] for c in inside)}); a sub-major group suppressed in any of them is left out",
                True, ctx.name)
    lad = aps[(aps["area_type"].astype(str) == "lad") & aps["area_code"].astype(str).str.startswith("E")]
    cur = geography.to_current_codes(
        lad[["area_code", "year", "variable", "value", "flag", "additive"]].astype({"area_code": str, "variable": str}),
        incomplete="drop")
    cur = cur[cur["area_code"].isin(lads)]
    n = len(lads)
    summed = cur.groupby(["year", "variable"])["value"].agg(
        lambda v: v.sum(min_count=n) if len(v) == n else np.nan).reset_index()
    if summed["value"].notna().all() and len(summed) == 25:
        return (provenance.combine(summed.assign(area_code=code, ci95=np.nan), aps),
                f"the sum of its {n} districts' APS counts", False, ctx.name)
    around = sorted((len(s), c) for c, s in leps.items() if lads <= s)
    if not around:
        raise NoDataError(f"APS occupation counts for {ctx.name} are incomplete: some of its districts' counts are "
                          "suppressed (sample too small), and no LEP contains all of its districts.")
    lep = around[0][1]
    return (aps[aps["area_code"] == lep].assign(area_code=code),
            f"its districts' counts are suppressed (sample too small), so the published APS row of the "
            f"{names[lep]} LEP, which contains it, is shown instead", True, f"{names[lep]} LEP (containing {ctx.name})")


def occupation_structure(ctx) -> pd.DataFrame:
    """The share of employed residents in each SOC2010 major group, the area against England (APS T09a, latest
    Jan-Dec period up to ``ctx.year``), with 95% intervals where the area's figures are one published row.

    Method and caveats are in ``attrs["method"]``, the period in ``attrs["period"]`` and the column of the area
    in ``attrs["label"]`` (a containing LEP's name where the area's own counts are suppressed). Published rows
    with a suppressed sub-major cell (sample of 0-2) leave it, and its major group, out (n/a); the total is the
    sum of the published cells, and the method says how many were left out."""
    from ..indicators.people import major_groups, occupation_shares
    from ..sources.aps import get_aps

    aps = get_aps(table="t09a")
    year = min(ctx.year, int(aps["year"].max()))
    aps = aps[aps["year"] == year]
    period = str(aps["period"].iloc[0])
    rows, method, published, label = _occupation_rows(ctx, aps)
    eng = aps[aps["area_code"] == ENGLAND.code]
    groups = major_groups(rows, keys=["area_code"])
    mine = occupation_shares(groups, keys=["area_code"], total="published_total" if published else None)
    england = occupation_shares(major_groups(eng, keys=["area_code"]), keys=["area_code"])
    if mine["share"].isna().all():
        raise NoDataError(f"APS occupation counts for {ctx.name} in {period} are all suppressed or missing.")
    out = pd.DataFrame({
        "SOC2010 major group": mine["soc_major"].to_numpy(),
        "occupation": mine["occupation"].to_numpy(),
        label: mine["share"].to_numpy(),
        "lower 95%": mine["share_lci"].to_numpy() if published else np.nan,
        "upper 95%": mine["share_uci"].to_numpy() if published else np.nan,
    })
    if ctx.area.code != ENGLAND.code:
        out["England"] = england["share"].to_numpy()
        out["England lower 95%"] = england["share_lci"].to_numpy()
        out["England upper 95%"] = england["share_uci"].to_numpy()
        out["difference (percentage points)"] = out[label] - out["England"]
    out = provenance.combine(out, aps)
    dropped = int(groups["suppressed_cells"].iloc[0])
    left_out = (f" {dropped} of the 25 sub-major groups {'is' if dropped == 1 else 'are'} suppressed (sample of "
                f"0-2) and left out of the total, with {'its' if dropped == 1 else 'their'} major group (n/a)."
                if dropped and published else "")
    shaky = int((rows["flag"].astype(str) == "*").sum()) if "flag" in rows else 0
    if shaky:
        left_out += (f" {shaky} sub-major estimate{'s are' if shaky != 1 else ' is'} marked unreliable by Nomis "
                     "(sample of 3-9): kept, but the major groups containing them have no interval.")
    out.attrs.update(period=period, label=label, method=(
        f"{ctx.name}: {method}. Shares of all people in employment (aged 16+) with a coded occupation, the nine "
        "major groups summed from Nomis' 25 sub-major groups; 95% intervals approximate, the sub-major intervals "
        f"combined as if independent (conservative), none for sums of areas.{left_out}"))
    return out


def occupation_title(table: pd.DataFrame, ctx) -> str:
    """A title stating the finding: the share in the top three groups (managers, professionals, associate
    professionals) against England, with the period."""
    label = table.attrs.get("label", ctx.name)
    top = table[table["SOC2010 major group"] <= 3]
    area = top[label].sum(min_count=3)
    period = table.attrs.get("period", "")
    if "England" not in table or pd.isna(area):
        share = "" if pd.isna(area) else f": {area:.1f}% in the top three groups"
        return f"Employed residents of {label} by occupation{share}, {period}"
    eng = top["England"].sum()
    diff = area - eng
    side = "more than" if diff > 0.05 else "less than" if diff < -0.05 else "the same as"
    gap = f"{abs(diff):.1f} points {side}" if side != "the same as" else side
    return (f"{area:.1f}% of employed residents of {label} work in the top three occupation groups, {gap} "
            f"England ({eng:.1f}%), {period}")


def age_structure(ctx) -> pd.DataFrame:
    """Population by age band and the old-age dependency ratio (65+ per 100 aged 16-64), now and ten years
    earlier, for the area against England.

    Needs mid-year population estimates by single year of age for districts, which the toolkit's catalogue does
    not hold: its Nomis population download (``population-nomis-1991-2022``) is the *All Ages* total only, and the
    ONS population workbook is the total resident population. Raises ``NoDataError`` saying so (the pure
    calculations are :func:`evidence.indicators.people.age_bands` and
    :func:`~evidence.indicators.people.old_age_dependency_ratio`)."""
    raise NoDataError("the data catalogue has no population estimates by age for districts: its Nomis download "
                      "(population-nomis-1991-2022) is for all ages only (Age = 'All Ages') and the ONS workbook is "
                      "the total resident population, so the age structure and the old-age dependency ratio cannot "
                      "be computed from official figures yet. The source needed is ONS mid-year population "
                      "estimates by single year of age (Nomis dataset NM_2002_1).")


# ------------------------------------------------------------------------------------ charts' alt text
def trend_alt(df: pd.DataFrame, ctx, *, what: str, unit_fmt: str = "£{:,.2f}", against: str = ENGLAND.code) -> str:
    """A line chart's finding for its alt text: the area's latest value against ``against`` (England), and
    where the line started.

    The gap is relative (``100 (a / b - 1)``) for levels, and a difference in points for rates in % or per 100.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> ctx = SimpleNamespace(area=SimpleNamespace(code="E1", name="Ashire"), name="Ashire")
    >>> df = pd.DataFrame({"area_code": ["E1", "E1", "E92000001", "E92000001"], "area_name": "x",
    ...                    "year": [2013, 2023, 2013, 2023], "value": [30.0, 44.1, 28.0, 39.37], "unit": "£"})
    >>> trend_alt(df, ctx, what="GVA per hour worked")
    "GVA per hour worked in Ashire was £44.10 in 2023, 12.0% above England's £39.37 (£30.00 in 2013)."
    """
    have = df.dropna(subset=["value"])
    mine = have[have["area_code"] == ctx.area.code].sort_values("year")
    if mine.empty:
        return f"{what} in {ctx.name}: no value."
    last, first = mine.iloc[-1], mine.iloc[0]
    year = int(last["year"])
    text = f"{what} in {ctx.name} was {unit_fmt.format(last['value'])} in {year}"
    ref = have[(have["area_code"] == against) & (have["year"] == year)]["value"]
    if against != ctx.area.code and len(ref):
        r = float(ref.iloc[0])
        label = "England's" if against == ENGLAND.code else "the UK's"
        unit = str(df["unit"].dropna().iloc[0]) if "unit" in df and df["unit"].notna().any() else ""
        if "%" in unit or "per 100" in unit:
            gap = float(last["value"]) - r
            points = "percentage points" if "%" in unit else "points"
            text += f", {abs(gap):.1f} {points} {'above' if gap >= 0 else 'below'} {label} {unit_fmt.format(r)}"
        elif r:
            pct = 100 * (float(last["value"]) / r - 1)
            text += f", {abs(pct):.1f}% {'above' if pct >= 0 else 'below'} {label} {unit_fmt.format(r)}"
    if int(first["year"]) != year:
        text += f" ({unit_fmt.format(first['value'])} in {int(first['year'])})"
    return text + "."


def map_alt(ctx, title: str) -> str:
    """The overview map's alt text: its title and the districts it highlights, by name."""
    names = geography.members(ctx.area, vintage=ctx.vintage)["lad_name"].astype(str).tolist()
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Map. {title}: {listed}."


def bubble_alt(df: pd.DataFrame, ctx) -> str:
    """The growth-against-specialisation chart's finding: how many sections are relative specialisations
    (LQ above 1) and which of them grew fastest, against the same section in England."""
    d = df.dropna(subset=["lq", "growth_cagr"])
    spec = d[d["lq"] > 1]
    label = "industry_name" if "industry_name" in d else "industry"
    text = f"Of {len(d)} industry sections, {len(spec)} are relative specialisations of {ctx.name} (LQ above 1)"
    if len(spec):
        top = spec.loc[spec["growth_cagr"].idxmax()]
        text += (f"; the fastest-growing of them is {top[label]} (LQ {top['lq']:.2f}), at "
                 f"{100 * top['growth_cagr']:.1f}% a year in nominal GVA")
        if "national_growth_cagr" in top and pd.notna(top["national_growth_cagr"]):
            text += f" against {100 * top['national_growth_cagr']:.1f}% in England"
    return text + "."


def scenario_alt(traj: pd.DataFrame, ctx, *, measure: str) -> str:
    """A scenario chart's finding: the area's ``measure`` (``"jobs"`` or ``"gva"``) at the base year and at the
    horizon under each scenario (its chosen reading), with the implied compound annual growth."""
    from ..scenarios import scenario_label
    from .charts import fmt_value

    t = traj[(traj["measure"] == measure) & (traj["reading"] == "chosen") & (traj["area_code"] == ctx.area.code)]
    if t.empty:
        return f"No {measure} scenario for {ctx.name}."
    what = "filled jobs" if measure == "jobs" else f"GVA ({price_basis(t)[4:].removeprefix('in ')})"
    bits = []
    for sc, g in t.groupby("scenario", sort=False):
        g = g.sort_values("year")
        b, h = float(g["value"].iloc[0]), float(g["value"].iloc[-1])
        n = int(g["year"].iloc[-1]) - int(g["year"].iloc[0])
        rate = 100 * ((h / b) ** (1 / n) - 1) if b > 0 and n else float("nan")
        bits.append(f"{fmt_value(h, measure)} by {int(g['year'].iloc[-1])} under {scenario_label(sc)} "
                    f"({rate:.2f}% a year)")
    base_year = int(t["year"].min())
    base = float(t.loc[t["year"] == base_year, "value"].iloc[0])
    return f"{what[:1].upper() + what[1:]} in {ctx.name}: {fmt_value(base, measure)} in {base_year}; " \
           + "; ".join(bits) + "."


def waterfall_alt(decomp: pd.DataFrame, ctx) -> str:
    """A scenario waterfall's finding: GVA at the base year and the horizon, and how much of the change comes
    from more jobs and how much from GVA per job."""
    from ..scenarios import scenario_label
    from .charts import fmt_value

    s = decomp.set_index("step")["value"]
    b, h = int(decomp["base_year"].iloc[0]), int(decomp["horizon"].iloc[0])

    def signed(v: float) -> str:
        return ("+" if v >= 0 else "−") + fmt_value(abs(v), "gva")

    basis = price_basis(decomp)[4:].removeprefix("in ")
    return (f"GVA ({basis}) in {ctx.name} under {scenario_label(decomp['scenario'].iloc[0])}: "
            f"{fmt_value(s['base'], 'gva')} in {b} to {fmt_value(s['horizon'], 'gva')} in {h}; the jobs effect is "
            f"{signed(s['jobs effect'])} and the productivity effect {signed(s['productivity effect'])}.")
