"""House-style charts: tidy frame in, matplotlib Figure out, source note attached.

One style for every chart in a pack: the title states the finding, axis labels carry units, the
Okabe–Ito colour-blind-safe palette is used with the area highlighted against greyed comparators, and a
source note built from the frame's provenance (:func:`evidence.provenance.source_note`) sits under the
chart. :func:`save` writes PNG (200 dpi) and SVG.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from . import provenance

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
HIGHLIGHT = OKABE_ITO[0]
COMPARATOR = "#8C8C8C"
NOTE_WIDTH = 150


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)


def _finish(fig, title: str, note: str) -> Figure:
    fig.suptitle(textwrap.fill(title, 90), x=0.01, ha="left", fontsize=12, fontweight="bold")
    wrapped = textwrap.fill(note, NOTE_WIDTH)
    lines = wrapped.count("\n") + 1
    fig.text(0.01, 0.01, wrapped, fontsize=7, color="#555555", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.02 + 0.025 * lines, 1, 0.95))
    return fig


def figure(width: float = 9, height: float = 5):
    """A new figure and axes in the house style (a plain Figure, not registered with pyplot, so building a
    chart changes no global state and shows nothing by itself)."""
    fig = Figure(figsize=(width, height))
    ax = fig.subplots()
    _style(ax)
    return fig, ax


def thousands(x, _pos=None) -> str:
    return f"{x:,.0f}"


def line_trend(df: pd.DataFrame, *, title: str, ylabel: str, highlight: str, x: str = "year", y: str = "value",
               group: str = "area_name", note: str | None = None) -> Figure:
    """Lines over time, one per ``group``; the ``highlight`` group in the house colour, the others muted."""
    fig, ax = figure()
    others = [g for g in df[group].dropna().unique() if g != highlight]
    colours = dict(zip(others, OKABE_ITO[1:], strict=False))
    for g, d in df.sort_values(x).groupby(group, sort=False, observed=True):
        is_main = g == highlight
        ax.plot(d[x], d[y], color=HIGHLIGHT if is_main else colours.get(g, COMPARATOR),
                linewidth=2.6 if is_main else 1.6, label=g, zorder=3 if is_main else 2)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(x.capitalize())
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(thousands if df[y].abs().max() >= 1000 else lambda v, p: f"{v:,.1f}"))
    ax.legend(frameon=False, fontsize=8)
    return _finish(fig, title, note or provenance.source_note(df))


def ranked_bars(df: pd.DataFrame, *, title: str, xlabel: str, highlight_code: str, label: str = "area_name",
                value: str = "value", code: str = "area_code", reference: float | None = None,
                reference_label: str = "", note: str | None = None) -> Figure:
    """Horizontal bars for every area, sorted, with the area highlighted (e.g. its rank among the 38 LEPs)."""
    d = df.dropna(subset=[value]).sort_values(value)
    fig, ax = figure(8, max(4.0, 0.2 * len(d) + 1.2))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    colours = [HIGHLIGHT if c == highlight_code else "#BBBBBB" for c in d[code]]
    ax.barh(d[label].astype(str), d[value], color=colours)
    if reference is not None:
        ax.axvline(reference, color=OKABE_ITO[5], linestyle="--", linewidth=1.2, label=reference_label)
        ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.set_xlabel(xlabel)
    ax.tick_params(axis="y", labelsize=7)
    ax.xaxis.set_major_formatter(FuncFormatter(thousands if d[value].abs().max() >= 1000 else lambda v, p: f"{v:,.1f}"))
    return _finish(fig, title, note or provenance.source_note(df))


def bars(df: pd.DataFrame, *, title: str, ylabel: str, label: str, value: str = "value", highlight: str | None = None,
         note: str | None = None, percent: bool = False) -> Figure:
    """Vertical bars by ``label`` (e.g. an area against its comparators, or the parts of a decomposition)."""
    fig, ax = figure(8, 4.5)
    colours = [HIGHLIGHT if (highlight is None or lab == highlight) else COMPARATOR for lab in df[label]]
    if highlight is None:
        colours = [OKABE_ITO[0] if v >= 0 else OKABE_ITO[5] for v in df[value].fillna(0)]
    ax.bar(df[label].astype(str), df[value], color=colours)
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.set_ylabel(ylabel)
    if percent:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, p: f"{v:.0%}"))
    for tick in ax.get_xticklabels():
        tick.set(rotation=20, ha="right", fontsize=8)
    return _finish(fig, title, note or provenance.source_note(df))


def bubble(df: pd.DataFrame, *, title: str, x: str = "lq", y: str = "growth_cagr", size: str = "size",
           label: str = "industry", xlabel: str = "Location quotient (England = 1)",
           ylabel: str = "Growth, compound annual rate", note: str | None = None) -> Figure:
    """The growth-versus-specialisation bubble chart: LQ against growth, bubble area proportional to size."""
    d = df.dropna(subset=[x, y, size])
    fig, ax = figure(9, 6)
    scale = 1500 / max(float(d[size].max()), 1e-9)
    ax.scatter(d[x], d[y], s=d[size] * scale, alpha=0.55, color=HIGHLIGHT, edgecolor="white")
    for _, r in d.nlargest(12, size).iterrows():
        ax.annotate(str(r[label]), (r[x], r[y]), fontsize=7, ha="center", va="center")
    ax.axvline(1, color=COMPARATOR, linewidth=1)
    if "national_growth_cagr" in d:
        ax.axhline(float(d["national_growth_cagr"].median()), color=COMPARATOR, linewidth=1, linestyle=":")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, p: f"{v:.1%}"))
    return _finish(fig, title, note or provenance.source_note(df))


def area_map(lads, *, highlight: Sequence[str], context, title: str, note: str | None = None) -> Figure:
    """The area's LADs (highlighted) within the surrounding LADs (e.g. its region), from boundary frames."""
    fig = Figure(figsize=(7, 7))
    ax = fig.subplots()
    context.plot(ax=ax, color="#EEEEEE", edgecolor="white", linewidth=0.5)
    lads[lads["area_code"].isin(list(highlight))].plot(ax=ax, color=HIGHLIGHT, edgecolor="white", linewidth=0.6)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return _finish(fig, title, note or provenance.source_note(lads))


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (for display in a notebook)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def save(fig: Figure, stem: str | Path) -> list[Path]:
    """Write ``stem.png`` (200 dpi) and ``stem.svg``; returns both paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    fig.savefig(png, dpi=200, metadata={"Software": None})
    fig.savefig(svg, metadata={"Date": None})
    return [png, svg]


def lq_bars(df: pd.DataFrame, *, title: str, label: str = "industry_name", value: str = "lq",
            xlabel: str = "Location quotient (England = 1)", note: str | None = None) -> Figure:
    """Horizontal bars of location quotients, sorted, with the England line at 1: above 1 is a relative
    specialisation (house colour), below 1 muted."""
    d = df.dropna(subset=[value]).sort_values(value)
    fig = Figure(figsize=(8, max(4.0, 0.28 * len(d) + 1.4)))
    ax = fig.subplots()
    _style(ax)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    labels = [textwrap.shorten(str(v), 55, placeholder="…") for v in d[label]]
    ax.barh(labels, d[value], color=[HIGHLIGHT if v >= 1 else "#BBBBBB" for v in d[value]])
    ax.axvline(1, color=OKABE_ITO[5], linestyle="--", linewidth=1.2)
    ax.set_xlabel(xlabel)
    ax.tick_params(axis="y", labelsize=7)
    return _finish(fig, title, note or provenance.source_note(df))
