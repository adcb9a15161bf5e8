"""House-style charts: tidy frame in, matplotlib Figure out, source note attached.

One style for every chart in a pack: the title states the finding, axis labels carry units, the
Okabe–Ito colour-blind-safe palette is used with the area highlighted against greyed comparators, and a
source note built from the frame's provenance (:func:`evidence.provenance.source_note`) sits under the
chart. :func:`save` writes PNG (200 dpi) and SVG.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .. import provenance, timing

#: Okabe & Ito (2008) colour-blind-safe palette, in the order used for series.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
OKABE_ITO = list(PALETTE)
HIGHLIGHT = PALETTE[0]
COMPARATOR = "#8C8C8C"
GREY = "#6E6E6E"
POSITIVE, NEGATIVE, TOTAL = "#009E73", "#D55E00", "#0072B2"
DPI = 200
NOTE_WIDTH = 150


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)


def _text_width(fig, text: str, *, fontsize: float, bold: bool = False) -> float:
    """The width of ``text`` in inches when drawn on ``fig`` (measured by the Agg renderer, not guessed)."""
    from matplotlib.font_manager import FontProperties

    renderer = _canvas(fig).get_renderer()
    prop = FontProperties(size=fontsize, weight="bold" if bold else "normal")
    w, _, _ = renderer.get_text_width_height_descent(text, prop, ismath=False)
    return w / fig.dpi


def wrap(fig, text: str, width: float, *, fontsize: float, bold: bool = False) -> list[str]:
    """``text`` broken into lines no wider than ``width`` inches at ``fontsize`` on ``fig``: at spaces, and
    inside a word only when the word alone is wider than the line.

    Each line takes as many words as fit (greedy, as a word-by-word fill would). A line's width only grows
    with each word added to it, so the first guess at a line (from the width of a character measured so far)
    is checked and moved a word at a time: two or three measurements a line instead of one a word, and
    measuring text is most of a chart's layout time.

    Examples
    --------
    >>> fig, _ = new_figure(width=4, height=3)
    >>> lines = wrap(fig, "GVA per hour worked in a very long area name is 12% above the UK", 2.0, fontsize=10)
    >>> len(lines) > 1 and all(_text_width(fig, line, fontsize=10) <= 2.0 for line in lines)
    True
    """
    measured: dict[str, float] = {}
    per_char = [0.55 * fontsize / 72, 1]  # inches per character: a first guess, then the measured mean

    def fits(s: str) -> bool:
        if s not in measured:
            measured[s] = _text_width(fig, s, fontsize=fontsize, bold=bold)
            if len(s) > 1:
                per_char[0] = (per_char[0] * per_char[1] + measured[s]) / (per_char[1] + len(s))
                per_char[1] += len(s)
        return measured[s] <= width

    lines: list[str] = []
    for para in str(text).split("\n"):
        words = para.split()
        line, i = "", 0
        while i < len(words):
            start = [line] if line else []
            run = partial(_join, start, words, i)
            k, room = 0, width / per_char[0]
            while i + k < len(words) and len(run(k + 1)) <= room:
                k += 1
            if k and fits(run(k)):
                while i + k < len(words) and fits(run(k + 1)):
                    k += 1
            else:
                k = max(k, 1)
                while k and not fits(run(k)):
                    k -= 1
            if k:
                line, i = run(k), i + k
                continue
            # the next word does not fit after ``line``: it starts a new line, cut with hyphens if too wide alone
            if line:
                lines.append(line)
            word = words[i]
            while not fits(word) and len(word) > 1:
                cut, hi = 1, len(word) - 1  # the longest piece that fits with its hyphen (at least 1 letter)
                while cut < hi:
                    mid = (cut + hi + 1) // 2
                    if fits(word[:mid] + "-"):
                        cut = mid
                    else:
                        hi = mid - 1
                lines.append(word[:cut] + "-")
                word = word[cut:]
            line, i = word, i + 1
        lines.append(line)
    return lines


def _join(start: list[str], words: list[str], i: int, k: int) -> str:
    return " ".join(start + words[i:i + k])


def shorten(label: str, width: int = 45) -> str:
    """A tick or legend label cut at a word boundary to at most ``width`` characters, with an ellipsis (the
    full name stays in the table beside the chart).

    Examples
    --------
    >>> shorten("Derby, Derbyshire, Nottingham and Nottinghamshire", 30)
    'Derby, Derbyshire, Nottingham…'
    >>> shorten("Lancashire")
    'Lancashire'
    """
    label = str(label)
    if len(label) <= width:
        return label
    cut = label[:width]
    cut = cut[: cut.rindex(" ")] if " " in cut[width // 2:] else cut[:-1]
    return cut.rstrip(" ,;:-–") + "…"


def _wrap_legend(ax, width: int = 40) -> None:
    """Wrap long legend labels (e.g. a long area name) so the legend stays inside the axes."""
    legend = ax.get_legend()
    if legend is None:
        return
    for t in legend.get_texts():
        t.set_text("\n".join(textwrap.wrap(t.get_text(), width)) or t.get_text())


def _canvas(fig):
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    return fig.canvas


def _finish(fig, title: str, note: str, *, title_size: float = 12, note_size: float = 7, ax=None) -> Figure:
    # The title and the note are wrapped to the figure's width as drawn (measured, not guessed from a count of
    # characters), so no area name's length pushes them out of the figure. With ``ax``, the title is that axes'
    # left-aligned title (the layout then makes room for it) rather than the figure's.
    _canvas(fig)
    width = fig.get_figwidth()
    usable = width - 0.2
    title_lines = wrap(fig, title, usable - (1.2 if ax is not None else 0.0), fontsize=title_size, bold=True)
    note_lines = wrap(fig, note, usable, fontsize=note_size)
    for a in fig.axes:
        _wrap_legend(a)
    title_h = 0.12 + title_size * 1.25 * len(title_lines) / 72
    note_h = 0.1 + note_size * 1.25 * len(note_lines) / 72
    if ax is None:
        # The figure grows by the note's height and by a title longer than two lines, so neither squeezes the chart.
        height = fig.get_figheight() + note_h + max(0.0, title_h - 0.5)
    else:
        # A fixed-size chart (the scenario charts) keeps its size unless its title and note would take over a third.
        height = max(fig.get_figheight(), 1.5 * (title_h + note_h))
    fig.set_figheight(height)
    if ax is None:
        sup = fig.suptitle("\n".join(title_lines), x=0.1 / width, y=1 - 0.06 / height, ha="left", va="top",
                           fontsize=title_size, fontweight="bold")
        sup.set_in_layout(False)  # its room is the rect's top margin: tight_layout would reserve it twice
        top = 1 - (title_h + 0.05) / height
    else:
        ax.set_title("\n".join(title_lines), loc="left", fontsize=title_size, fontweight="bold")
        top = 1 - 0.05 / height
    fig.text(0.1 / width, 0.04 / height, "\n".join(note_lines), fontsize=note_size, color="#555555", ha="left",
             va="bottom")
    fig.tight_layout(rect=(0, (note_h + 0.05) / height, 1, top))
    return fig


def new_figure(*, width: float = 8.0, height: float = 5.0) -> tuple[Figure, object]:
    """A house-style figure and its single axes on an Agg canvas (not registered with pyplot, so building a
    chart changes no global state and shows nothing by itself)."""
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    _style(ax)
    ax.tick_params(labelsize=8)
    return fig, ax


def figure(width: float = 9, height: float = 5):
    """:func:`new_figure` with positional size."""
    return new_figure(width=width, height=height)


def thousands(x, _pos=None) -> str:
    return f"{x:,.0f}"


@timing.phased("charting")
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


@timing.phased("charting")
def ranked_bars(df: pd.DataFrame, *, title: str, xlabel: str, highlight_code: str, label: str = "area_name",
                value: str = "value", code: str = "area_code", reference: float | None = None,
                reference_label: str = "", note: str | None = None) -> Figure:
    """Horizontal bars for every area, sorted, with the area highlighted (e.g. its rank among the 38 LEPs)."""
    d = df.dropna(subset=[value]).sort_values(value)
    fig, ax = figure(8, max(4.0, 0.2 * len(d) + 1.2))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    colours = [HIGHLIGHT if c == highlight_code else "#BBBBBB" for c in d[code]]
    ax.barh([shorten(v, 60) for v in d[label]], d[value], color=colours)
    if reference is not None:
        ax.axvline(reference, color=OKABE_ITO[5], linestyle="--", linewidth=1.2, label=reference_label)
        ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.set_xlabel(xlabel)
    ax.tick_params(axis="y", labelsize=7)
    ax.xaxis.set_major_formatter(FuncFormatter(thousands if d[value].abs().max() >= 1000 else lambda v, p: f"{v:,.1f}"))
    return _finish(fig, title, note or provenance.source_note(df))


@timing.phased("charting")
def bars(df: pd.DataFrame, *, title: str, ylabel: str, label: str, value: str = "value", highlight: str | None = None,
         note: str | None = None, percent: bool = False) -> Figure:
    """Vertical bars by ``label`` (e.g. an area against its comparators, or the parts of a decomposition)."""
    fig, ax = figure(8, 4.5)
    colours = [HIGHLIGHT if (highlight is None or lab == highlight) else COMPARATOR for lab in df[label]]
    if highlight is None:
        colours = [OKABE_ITO[0] if v >= 0 else OKABE_ITO[5] for v in df[value].fillna(0)]
    ax.bar([shorten(v, 40) for v in df[label]], df[value], color=colours)
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.set_ylabel(ylabel)
    if percent:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, p: f"{v:.0%}"))
    for tick in ax.get_xticklabels():
        tick.set(rotation=20, ha="right", fontsize=8)
    return _finish(fig, title, note or provenance.source_note(df))


def _hbars_axes(rows: int, *, per_row: float) -> tuple[Figure, Axes]:
    """An 8-inch-wide figure for ``rows`` horizontal bars (``per_row`` inches each, at least 4 inches in all),
    with vertical grid lines only."""
    fig = Figure(figsize=(8, max(4.0, per_row * rows + 1.4)))
    _canvas(fig)
    ax = fig.subplots()
    _style(ax)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    return fig, ax


@timing.phased("charting")
def mix_bars(df: pd.DataFrame, *, title: str, label: str = "industry_name", note: str | None = None) -> Figure:
    """Horizontal paired bars of an industry-mix split (:func:`evidence.pack.themes.industry_mix`): each industry's
    mix and within-industry contribution to the gap in GVA per job, £ per job, with the total last."""
    d = df.iloc[::-1]
    fig, ax = _hbars_axes(len(d), per_row=0.32)
    y = np.arange(len(d))
    ax.barh(y + 0.2, d["mix"], height=0.4, color=OKABE_ITO[1], label="Industry mix")
    ax.barh(y - 0.2, d["within"], height=0.4, color=HIGHLIGHT, label="Productivity within the industry")
    ax.set_yticks(y, [textwrap.shorten(str(v), 55, placeholder="…") for v in d[label]])
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, p: f"{'−' if v < 0 else ''}£{abs(v):,.0f}"))
    ax.set_xlabel("Contribution to the gap in GVA per job against England, £ per job")
    ax.tick_params(axis="y", labelsize=7)
    ax.axhline(0.5, color="#BBBBBB", linewidth=0.8)
    ax.legend(fontsize=8, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2)
    method = " ".join(df.attrs.get("caveats", [])[:1])
    return _finish(fig, title, note or f"{method} {provenance.source_note(df)}".strip())


@timing.phased("charting")
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


@timing.phased("charting")
def area_map(lads, *, highlight: Sequence[str], context, title: str, note: str | None = None,
             shade: pd.Series | None = None, shade_label: str = "") -> Figure:
    """The area's LADs (highlighted) within the surrounding LADs (e.g. its region), from boundary frames.

    With ``shade`` (values indexed by LAD code), every LAD with a value is shaded by it (a sequential,
    colour-blind-safe scale with a labelled colour bar, ``shade_label``), and the area's LADs are outlined
    instead of filled; LADs without a value stay grey."""
    fig = Figure(figsize=(7, 7))
    _canvas(fig)
    ax = fig.subplots()
    context.plot(ax=ax, color="#EEEEEE", edgecolor="white", linewidth=0.5)
    members = lads[lads["area_code"].isin(list(highlight))]
    if shade is None:
        members.plot(ax=ax, color=HIGHLIGHT, edgecolor="white", linewidth=0.6)
    else:
        shown = pd.concat([context, members]).drop_duplicates("area_code")
        shown = shown.assign(_value=shown["area_code"].map(shade)).dropna(subset=["_value"])
        if not shown.empty:
            shown.plot(ax=ax, column="_value", cmap="viridis", edgecolor="white", linewidth=0.5, legend=True,
                       legend_kwds={"label": shade_label, "shrink": 0.6})
        members.boundary.plot(ax=ax, color="black", linewidth=1.2)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return _finish(fig, title, note or provenance.source_note(lads))


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (for display in a notebook)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def save(fig: Figure, path_stem: str | Path) -> tuple[Path, Path]:
    """Write ``<path_stem>.png`` (200 dpi) and ``<path_stem>.svg`` (text kept as text); return both paths."""
    render(fig, path_stem)
    return Path(f"{path_stem}.png"), Path(f"{path_stem}.svg")


@timing.phased("charting")
def render(fig: Figure, path_stem: str | Path | None = None, *, display_dpi: int = 100,
           formats: Sequence[str] = ("png", "svg")) -> bytes:
    """Draw the figure once and return PNG bytes for display at ``display_dpi``; with ``path_stem``, also
    write ``<path_stem>.png`` (200 dpi) and, if ``"svg"`` is in ``formats``, ``<path_stem>.svg`` (an SVG is a
    second full draw). With ``formats=("svg",)`` only the SVG is written, and the display image is drawn
    directly at ``display_dpi``: the static site links the SVGs and needs no 200-dpi raster.

    The display image is the 200-dpi drawing scaled down, so a pack draws each chart once for both PNGs
    instead of twice.

    Examples
    --------
    >>> import tempfile
    >>> fig, _ = new_figure(width=4, height=3)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     png = render(fig, Path(tmp) / "chart")
    ...     sorted(p.name for p in Path(tmp).iterdir())
    ['chart.png', 'chart.svg']
    >>> png[:4] == b"\\x89PNG"
    True
    """
    import io

    from PIL import Image

    if path_stem is None:
        return png_bytes(fig, dpi=display_dpi)
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    if "png" not in formats:
        # the SVG alone (a site links it): the display image is drawn at its own size, a quarter of the
        # 200-dpi pixels
        with rc_context({"svg.fonttype": "none", "svg.hashsalt": "lis-evidence"}):
            fig.savefig(f"{stem}.svg", metadata={"Date": None})
        return png_bytes(fig, dpi=display_dpi)
    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=DPI)
    w, h = (int(v) for v in fig.get_size_inches() * DPI)  # Agg truncates the canvas size the same way
    image = Image.frombuffer("RGBA", (w, h), raw.getbuffer(), "raw", "RGBA", 0, 1)
    image.save(f"{stem}.png", format="png", dpi=(DPI, DPI), compress_level=1)  # 2/3 of the time, 1/8 larger
    if "svg" in formats:
        with rc_context({"svg.fonttype": "none", "svg.hashsalt": "lis-evidence"}):
            fig.savefig(f"{stem}.svg", metadata={"Date": None})
    if DPI % display_dpi == 0:
        small = image.reduce(DPI // display_dpi)  # a box filter: exact for whole factors, and fast
    else:
        small = image.resize((round(w * display_dpi / DPI), round(h * display_dpi / DPI)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, format="png", dpi=(display_dpi, display_dpi))
    return out.getvalue()


@timing.phased("charting")
def lq_bars(df: pd.DataFrame, *, title: str, label: str = "industry_name", value: str = "lq",
            xlabel: str = "Location quotient (England = 1)", note: str | None = None) -> Figure:
    """Horizontal bars of location quotients, sorted, with the England line at 1: above 1 is a relative
    specialisation (house colour), below 1 muted."""
    d = df.dropna(subset=[value]).sort_values(value)
    fig, ax = _hbars_axes(len(d), per_row=0.28)
    labels = [textwrap.shorten(str(v), 55, placeholder="…") for v in d[label]]
    ax.barh(labels, d[value], color=[HIGHLIGHT if v >= 1 else "#BBBBBB" for v in d[value]])
    ax.axvline(1, color=OKABE_ITO[5], linestyle="--", linewidth=1.2)
    ax.set_xlabel(xlabel)
    ax.tick_params(axis="y", labelsize=7)
    return _finish(fig, title, note or provenance.source_note(df))


#: How each scenario measure is scaled, labelled and formatted on charts.
_SCALES = {
    "jobs": (1e6, "Filled jobs, millions", "{:.2f}m", "filled jobs", "rise", "fall"),
    "gva": (1e3, "GVA, £ billion", "£{:.1f}bn", "GVA", "rises", "falls"),
    "gva_per_job": (1e3, "GVA per filled job, £ thousand", "£{:.1f}k", "GVA per filled job", "rises", "falls"),
}


def _priced(label: str, df: pd.DataFrame, measure: str) -> str:
    """A money axis label with the frame's price basis (``"... (2023 prices)"``); jobs are a count and get none.
    A frame without a ``prices`` column is taken to be at current prices, as scenario frames once were."""
    if measure == "jobs":
        return label
    p = df["prices"].dropna().unique() if "prices" in df else []
    return f"{label} ({p[0] if len(p) == 1 else 'current prices'})"


def finish(fig: Figure, ax, *, title: str, note: str) -> Figure:
    """Set the title (wrapped to the figure's width as drawn) above the chart and put ``note`` (the source
    note) under it, laid out so that neither, nor any label, lies outside the figure."""
    return _finish(fig, title, note, title_size=11, note_size=6.5, ax=ax)


def fmt_value(value: float, measure: str) -> str:
    """A value in a measure's chart units, e.g. ``2.11m`` jobs or ``£143.1bn``."""
    scale, fmt = _SCALES[measure][0], _SCALES[measure][2]
    return fmt.format(value / scale)


# ------------------------------------------------------------------------------------------ scenarios
@timing.phased("charting")
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
    from ..scenarios import scenario_label

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
        label = scenario_label(sc) + (f" ({rd} reading)" if dashed else "")
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
    ax.set_ylabel(_priced(ylabel, t, measure))
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    area = t["area_name"].iloc[0]
    highs = sorted(v for v, _ in ends)
    span = fmt_value(highs[0], measure) if len(highs) == 1 or np.isclose(highs[0], highs[-1]) else \
        f"{fmt_value(highs[0], measure)}–{fmt_value(highs[-1], measure)}"
    verb = up if highs[0] >= base else down if highs[-1] < base else "move"
    title = f"{area}: {what} {verb} from {fmt_value(base, measure)} in {base_year} to {span} by {horizon}" + (
        f" across {len(ends)} scenario paths" if len(ends) > 1 else f" ({scenario_label(scenarios[0])})")
    if measure != "jobs":
        title += f", {_priced('', t, measure).strip(' ()')}"
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


@timing.phased("charting")
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
    ax.set_ylabel(_priced(_SCALES["gva"][1], decomp, "gva"))
    from ..scenarios import scenario_label

    je, pe = steps.loc["jobs effect", "value"], steps.loc["productivity effect", "value"]
    change = steps.loc["horizon", "value"] - steps.loc["base", "value"]
    area, sc = decomp["area_name"].iloc[0], decomp["scenario"].iloc[0]
    rd = decomp["reading"].iloc[0]
    verb = "rises" if change >= 0 else "falls"
    if je >= 0 and pe >= 0 and change > 0:
        split = f"{je / change:.0%} from more jobs, {pe / change:.0%} from higher GVA per job"
    else:
        split = f"jobs effect {fmt_value(je, 'gva')}, productivity effect {fmt_value(pe, 'gva')}"
    title = (f"{area}: GVA ({_priced('', decomp, 'gva').strip(' ()')}) {verb} by {fmt_value(abs(change), 'gva')} "
             f"from {b} to {h} ({scenario_label(sc)}"
             f"{'' if rd == 'chosen' else f', {rd} reading'}): {split}")
    return finish(fig, ax, title=title, note=provenance.source_note(decomp))


__all__ = ["PALETTE", "new_figure", "finish", "fmt_value", "save", "scenario_lines", "waterfall"]


@timing.phased("charting")
def category_comparison(df: pd.DataFrame, *, title: str, xlabel: str, category: str, area: str,
                        reference: str = "England", lower: str | None = "lower 95%", upper: str | None = "upper 95%",
                        note: str | None = None) -> Figure:
    """Horizontal paired bars by ``category`` (e.g. occupation groups): the ``area`` column in the house colour
    with its 95% interval as error bars where it has one, the ``reference`` column muted beside it. A category
    with no value for the area is drawn without its bar and labelled "n/a"."""
    d = df.iloc[::-1].reset_index(drop=True)
    fig, ax = figure(8, max(4.0, 0.45 * len(d) + 1.4))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    y = np.arange(len(d))
    h = 0.38
    vals = d[area].astype(float)
    ax.barh(y + h / 2, vals.fillna(0), height=h, color=HIGHLIGHT, label=area)
    if lower in d and upper in d:
        ok = (vals.notna() & d[lower].notna() & d[upper].notna()).to_numpy()
        if ok.any():
            v, lo, hi = vals.to_numpy(), d[lower].astype(float).to_numpy(), d[upper].astype(float).to_numpy()
            ax.errorbar(v[ok], y[ok] + h / 2, xerr=[(v - lo)[ok], (hi - v)[ok]],
                        fmt="none", ecolor="#333333", elinewidth=0.9, capsize=2, label="95% interval")
    if reference in d:
        ax.barh(y - h / 2, d[reference].astype(float), height=h, color=COMPARATOR, label=reference)
    for yi, v in zip(y, vals, strict=True):
        if pd.isna(v):
            ax.text(0.2, yi + h / 2, "n/a", va="center", fontsize=7, color=GREY)
    ax.set_yticks(y, [shorten(v, 55) for v in d[category]])
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel(xlabel)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return _finish(fig, title, note or provenance.source_note(df))
