"""The theme notebooks' building blocks: indicators composed into presentation-ready tables and findings.

Each function takes the notebook's :class:`~evidence.notebook.Context` and returns a tidy frame (with
provenance) or a sentence computed from the data, so the notebooks hold no logic of their own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import geography, provenance
from .errors import NoDataError
from .indicators.area import ENGLAND, INDICATORS, compute, get_indicator, membership_table, rank_among
from .indicators.productivity import decompose_gva_per_head_gap

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
    """The indicator for every area of the area's comparison set (:mod:`evidence.areatypes`; ``among`` picks
    another) in the latest year, ranked. An area outside the set (a grouping among the LEPs) is added with the
    rank it would take (``member`` False). ``df.attrs["among"]`` names the set; raises ``NoDataError`` for a
    type with no comparison set (a country)."""
    sets = ctx.kind.rank_among
    if among is None and not sets:
        raise NoDataError(f"{ctx.name} is a {ctx.kind.label}: there is no set of comparable areas to rank it among.")
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
        raise NoDataError("England is the reference: there is no gap against England to decompose.")
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
    labels = {"productivity": "Productivity (GVA per hour)", "hours_per_job": "Hours per job",
              "jobs_per_resident": "Jobs per resident", "total": "Total gap in GVA per head"}
    out = out.assign(part=out["component"].map(labels))
    return provenance.combine(out.reset_index(drop=True), *frames.values())


def members_table(ctx) -> pd.DataFrame:
    """The area's member LADs with their region."""
    m = geography.members(ctx.area, vintage=ctx.vintage)
    return m


def members_by_vintage(ctx) -> pd.DataFrame:
    """For an area whose membership depends on the LEP vintage (a LEP, a grouping of LEPs): each district
    (April-2023 codes) and whether it is in the area at each vintage: ``member``, ``partial`` (only some of
    the districts it merged were) or blank."""
    from .indicators.area import _partial_lads

    if not ctx.kind.by_vintage:
        raise NoDataError(f"its districts do not depend on the LEP vintage ({ctx.kind.plural} have one membership, "
                          "listed above).")
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
    from .indicators.scorecard import scorecards

    parts = [p for p in geography.group_parts(ctx.area, vintage=ctx.vintage) if p.type == "lep"]
    if not parts:
        raise NoDataError(f"{ctx.name} is not a grouping of LEPs, so there is no family of strategies to compare.")
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
    from .sources.boundaries import get_boundaries

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
    top = lq.dropna(subset=["lq"]).nlargest(3, "lq")
    label = "industry_name" if "industry_name" in lq else "sector"
    names = ", ".join(f"{str(r[label])[:40]} ({r['lq']:.1f})" for _, r in top.iterrows())
    return f"{ctx.area.name} is most specialised, by {what}, in {names}"


def employment_year(ctx) -> int:
    """The latest year of BRES employment by section the shipped files give for this kind of area: 2020 where
    the type has its own published rows (LEPs on their 2021 boundaries, combined authorities), else 2017, the
    last year of the district file."""
    own = ctx.kind.datasets
    return 2020 if ("bres-lep" in own and ctx.vintage == 2021) or "bres-ca" in own else 2017


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
    from . import scenarios

    arc_lads = set(geography.lad_codes(ARC, vintage=ctx.vintage, allow_partial=True))
    mine = set(geography.lad_codes(ctx.area, vintage=ctx.vintage, allow_partial=True))
    if ctx.area.code != ARC and not (mine and mine <= arc_lads):
        return None
    runs = [scenarios.run(name, area=ctx.area.code) for name in ("arc-trend", "arc-transformational")]
    out = pd.concat(runs, ignore_index=True)
    out.attrs["caveats"] = list(dict.fromkeys(c for r in runs for c in r.attrs.get("caveats", [])))
    return provenance.combine(out, *runs)


def own_trend(ctx, *, window: tuple[int, int] = (2013, 2023), horizon: int = 2050) -> pd.DataFrame:
    """A trend scenario for any area: its own jobs and nominal GVA growth over ``window`` carried to
    ``horizon`` from the latest real year."""
    from . import scenarios

    sc = scenarios.parse_scenario({
        "name": "own-trend",
        "title": f"{ctx.area.name}: its own {window[0]}–{window[1]} growth carried to {horizon}",
        "description": "Jobs and current-price GVA each grow at the area's own compound annual rate over the "
                       f"window {window[0]}–{window[1]} (real ONS data).",
        "area": ctx.area.code, "vintage": ctx.vintage, "base_year": window[1], "horizon": horizon,
        "jobs": {"history": list(window)},
        "gva": {"history": list(window), "price_basis": "current"},
        "source": {"publisher": "LIS Evidence", "title": "Trend projection on the area's own history",
                   "date": str(window[1])},
    }, origin="own-trend")
    return scenarios.run(sc)


def jobs_backtest(ctx, *, fit: tuple[int, int] = (2004, 2013), test: tuple[int, int] = (2014, 2023)) -> pd.DataFrame:
    """Back-test of a trend on the area's own jobs: fit the growth rate on ``fit``, project ``test``, compare."""
    from . import scenarios

    series = scenarios.history("jobs", ctx.area, vintage=ctx.vintage)
    return scenarios.backtest_summary(scenarios.backtest(series, fit=fit, test=test))


def scenario_sentence(summary: pd.DataFrame, ctx) -> str:
    """What each scenario means for jobs and GVA at the horizon."""
    bits = []
    s = summary[(summary["reading"] == "chosen") & (summary["area_code"] == ctx.area.code)]
    for name, g in s.groupby("scenario", sort=False):
        g = g.set_index("measure")
        if "jobs" in g.index and "gva" in g.index:
            j, v = g.loc["jobs"], g.loc["gva"]
            sign = "+" if v["change"] >= 0 else "-"
            bits.append(f"{name}: {j['change']:+,.0f} jobs ({100 * j['cagr']:.2f}% a year) and "
                        f"{sign}£{abs(v['change']) / 1000:,.1f}bn GVA ({100 * v['cagr']:.2f}% a year, nominal) "
                        f"from {int(j['base_year'])} to {int(j['horizon'])}")
    return f"For {ctx.area.name}: " + "; ".join(bits) + "." if bits else f"No scenario covers {ctx.area.name}."


# ------------------------------------------------------------------------------------- foundation metrics
def metric_trend(ctx, name: str) -> pd.DataFrame:
    """A foundation metric over time for the area and its comparators, in the shape of the chart functions."""
    from .indicators import foundations

    df = foundations.compute(name, [ctx.area], vintage=ctx.vintage, comparators=ctx.comparators)
    return df.dropna(subset=["value"])


def metric_table(ctx, names: list[str]) -> pd.DataFrame:
    """The latest value of each metric for the area beside England, with the survey's confidence interval
    where it has one, the aggregation method and any note."""
    from .indicators import foundations

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
    from .indicators import scorecard

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
    from .indicators import scorecard

    return scorecard.status_sentence(card, ctx.area.name)


def monitoring_baseline(ctx, card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard frozen to its latest year; in a pack it is also written as ``monitoring-baseline.csv``."""
    from .indicators import scorecard

    year = pd.to_numeric(card["year"], errors="coerce").max()
    if pd.isna(year):
        raise NoDataError("no indicator of the scorecard has a value for the area, so there is nothing to freeze.")
    year = int(year)
    if ctx.pack_dir is not None:
        return scorecard.monitoring_baseline(ctx.area, vintage=ctx.vintage, year=year,
                                             path=ctx.pack_dir / "monitoring-baseline.csv")
    return scorecard.scorecard(ctx.area, vintage=ctx.vintage, year=year)
