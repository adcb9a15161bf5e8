"""House-style charts: a tidy frame in, a matplotlib ``Figure`` out.

Every chart in the toolkit follows one style:

- colours from the colour-blind-safe Okabe–Ito palette (:data:`PALETTE`);
- a title that states the finding, not the topic;
- axis labels that carry their units;
- a source note under the chart, built from the frame's provenance by
  :func:`evidence.provenance.source_note` and never typed by hand.

Figures are built with the object-oriented API on the Agg canvas, so no GUI backend and no global pyplot
state are involved. :func:`save` writes a PNG (200 dpi) and an SVG (with text kept as text) for each
figure. Other themes add their chart functions here, using :func:`new_figure`, :func:`finish` and
:func:`fmt_value`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import provenance

#: Okabe & Ito (2008) colour-blind-safe palette, in the order used for series.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
GREY = "#6E6E6E"
POSITIVE, NEGATIVE, TOTAL = "#009E73", "#D55E00", "#0072B2"
DPI = 200

#: How each scenario measure is scaled, labelled and formatted on charts.
_SCALES = {
    "jobs": (1e6, "Filled jobs, millions", "{:.2f}m", "filled jobs", "rise", "fall"),
    "gva": (1e3, "GVA, £ billion (current prices)", "£{:.1f}bn", "GVA", "rises", "falls"),
    "gva_per_job": (1e3, "GVA per filled job, £ thousand (current prices)", "£{:.1f}k", "GVA per filled job",
                    "rises", "falls"),
}


def new_figure(*, width: float = 8.0, height: float = 5.0) -> tuple[Figure, object]:
    """A house-style figure and its single axes on an Agg canvas."""
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8)
    return fig, ax


def finish(fig: Figure, ax, *, title: str, note: str) -> Figure:
    """Set the title (wrapped to the figure's width) and put ``note`` (the source note) under the chart."""
    width = fig.get_figwidth()
    title_lines = textwrap.wrap(title, int(width * 8.5))
    width_chars = int(width * 16)
    ax.set_title("\n".join(title_lines), loc="left", fontsize=11, fontweight="bold")
    lines = textwrap.wrap(note, width_chars)
    fig.text(0.01, 0.015, "\n".join(lines), ha="left", va="bottom", fontsize=6.5, color=GREY)
    bottom = 0.12 + 0.025 * len(lines)
    top = 0.93 - 0.045 * (len(title_lines) - 1)
    fig.subplots_adjust(left=0.1, right=0.86, bottom=bottom, top=top)
    return fig


def fmt_value(value: float, measure: str) -> str:
    """A value in a measure's chart units, e.g. ``2.11m`` jobs or ``£143.1bn``."""
    scale, fmt = _SCALES[measure][0], _SCALES[measure][2]
    return fmt.format(value / scale)


def save(fig: Figure, path_stem: str | Path) -> tuple[Path, Path]:
    """Write ``<path_stem>.png`` (200 dpi) and ``<path_stem>.svg`` (text kept as text); return both paths."""
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = Path(f"{stem}.png"), Path(f"{stem}.svg")
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "lis-evidence"}):
        fig.savefig(png, dpi=DPI, metadata={"Software": None})
        fig.savefig(svg, metadata={"Date": None})
    return png, svg


# ------------------------------------------------------------------------------------------ scenarios
def scenario_lines(traj: pd.DataFrame, *, measure: str = "jobs") -> Figure:
    """One line per scenario and reading of a trajectories frame (:func:`evidence.scenarios.run`).

    The base value and each line's horizon value are labelled. Alternative readings are dashed, in their
    scenario's colour. The frame must hold one area.
    """
    if measure not in _SCALES:
        raise ValueError(f"measure must be one of {', '.join(_SCALES)}")
    t = traj[traj["measure"] == measure]
    if t.empty:
        raise ValueError(f"the frame has no {measure} rows")
    if t["area_code"].nunique() != 1:
        raise ValueError("scenario_lines draws one area; filter the frame first")
    scale, ylabel, _, what, up, down = _SCALES[measure]
    fig, ax = new_figure()
    scenarios = list(dict.fromkeys(t["scenario"]))
    ends, drawn = [], {}
    for (sc, rd), g in t.groupby(["scenario", "reading"], sort=False):
        g = g.sort_values("year")
        values = g["value"].to_numpy()
        if sc in drawn and np.array_equal(drawn[sc], values):
            continue  # this reading does not change the measure: one line is enough
        drawn.setdefault(sc, values)
        colour = PALETTE[scenarios.index(sc) % len(PALETTE)]
        dashed = rd != "chosen"
        label = sc + (f" ({rd} reading)" if dashed else "")
        ax.plot(g["year"], g["value"] / scale, color=colour, linewidth=2, linestyle="--" if dashed else "-",
                label=label)
        ends.append((g["value"].iloc[-1], colour))
    base_year, horizon = int(t["year"].min()), int(t["year"].max())
    base = float(t.loc[t["year"] == base_year, "value"].iloc[0])
    ax.plot([base_year], [base / scale], marker="o", color=GREY, zorder=3)
    ax.annotate(f"{fmt_value(base, measure)} ({base_year})", (base_year, base / scale), textcoords="offset points",
                xytext=(6, -12), fontsize=8, color=GREY)
    for y, (value, colour) in zip(_spread([v / scale for v, _ in ends], ax), ends, strict=True):
        ax.annotate(fmt_value(value, measure), (horizon, value / scale), xytext=(horizon + 0.6, y),
                    textcoords="data", fontsize=8, color=colour, va="center", annotation_clip=False)
    ax.margins(y=0.08)
    ax.set_xlim(base_year - 0.5, horizon + 0.5)
    ax.set_xlabel("Year")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    area = t["area_name"].iloc[0]
    highs = sorted(v for v, _ in ends)
    span = fmt_value(highs[0], measure) if len(highs) == 1 or np.isclose(highs[0], highs[-1]) else \
        f"{fmt_value(highs[0], measure)}–{fmt_value(highs[-1], measure)}"
    verb = up if highs[0] >= base else down if highs[-1] < base else "move"
    title = f"{area}: {what} {verb} from {fmt_value(base, measure)} in {base_year} to {span} by {horizon}" + (
        f" across {len(ends)} scenario paths" if len(ends) > 1 else f" ({scenarios[0]})")
    return finish(fig, ax, title=title, note=provenance.source_note(traj))


def _spread(values: list[float], ax, *, gap: float = 0.045) -> list[float]:
    """Label positions near ``values`` but at least ``gap`` of the y-range apart."""
    lo = min(min(values), ax.get_ylim()[0])
    hi = max(max(values), ax.get_ylim()[1])
    step = gap * (hi - lo or 1.0)
    order = np.argsort(values)
    out = list(values)
    prev = None
    for i in order:
        if prev is not None and out[i] - prev < step:
            out[i] = prev + step
        prev = out[i]
    return out


def waterfall(decomp: pd.DataFrame) -> Figure:
    """A waterfall of GVA from the base year to the horizon: the jobs effect and the productivity effect
    (a frame from :func:`evidence.scenarios.decompose`)."""
    steps = decomp.set_index("step")
    needed = ["base", "jobs effect", "productivity effect", "horizon"]
    if list(steps.index) != needed:
        raise ValueError(f"expected the steps {needed}")
    scale = _SCALES["gva"][0]
    fig, ax = new_figure(width=7.0)
    b, h = int(decomp["base_year"].iloc[0]), int(decomp["horizon"].iloc[0])
    labels = [f"{b}", "Jobs\neffect", "Productivity\neffect", f"{h}"]
    for i, step in enumerate(needed):
        r = steps.loc[step]
        lo, hi = sorted((r["start"] / scale, r["end"] / scale))
        colour = TOTAL if step in ("base", "horizon") else (POSITIVE if r["value"] >= 0 else NEGATIVE)
        ax.bar(i, hi - lo, bottom=lo, color=colour, width=0.6)
        text = fmt_value(r["value"], "gva")
        if step not in ("base", "horizon"):
            text = ("+" if r["value"] >= 0 else "−") + text.replace("-", "")
        ax.annotate(text, (i, hi), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)
        if i < 3:
            ax.plot([i + 0.3, i + 0.7], [r["end"] / scale] * 2, color=GREY, linewidth=0.8)
    ax.set_xticks(range(4), labels)
    ax.set_ylabel(_SCALES["gva"][1])
    je, pe = steps.loc["jobs effect", "value"], steps.loc["productivity effect", "value"]
    change = steps.loc["horizon", "value"] - steps.loc["base", "value"]
    area, sc = decomp["area_name"].iloc[0], decomp["scenario"].iloc[0]
    rd = decomp["reading"].iloc[0]
    verb = "rises" if change >= 0 else "falls"
    if je >= 0 and pe >= 0 and change > 0:
        split = f"{je / change:.0%} from more jobs, {pe / change:.0%} from higher GVA per job"
    else:
        split = f"jobs effect {fmt_value(je, 'gva')}, productivity effect {fmt_value(pe, 'gva')}"
    title = (f"{area}: GVA {verb} by {fmt_value(abs(change), 'gva')} from {b} to {h} under {sc}"
             f"{'' if rd == 'chosen' else f' ({rd} reading)'}: {split}")
    return finish(fig, ax, title=title, note=provenance.source_note(decomp))


__all__ = ["PALETTE", "new_figure", "finish", "fmt_value", "save", "scenario_lines", "waterfall"]
