"""What the theme notebooks call: set up an area, show tables and figures, and register them for the pack.

Notebooks stay thin: they call :func:`setup` once, then ``ctx.table(...)`` / ``ctx.figure(...)`` /
``ctx.say(...)``. When ``evidence build`` runs a notebook it sets ``EVIDENCE_PACK_DIR``; every registered
table is then also written to ``<pack>/tables/<key>.parquet`` (with its provenance, for the Excel workbook) and
every figure to ``<pack>/charts/<key>.png`` (200 dpi) and ``.svg``. Run interactively, nothing is written.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import geography, provenance
from ..errors import EvidenceError, NoDataError, NotApplicableError
from ..geography import areatypes
from ..sources.base import write_parquet
from . import formats

PACK_DIR_ENV = "EVIDENCE_PACK_DIR"
#: The files a pack writes for each chart: ``"png,svg"`` (the default) or ``"png"`` (set by the pack builder).
CHART_FORMATS_ENV = "EVIDENCE_CHART_FORMATS"
#: The file in a pack where each notebook's caveats are gathered (merged into ``pack.json`` by the build).
CAVEATS_FILE = "caveats.json"
#: The file in a pack where the sections left out because they do not apply are gathered (see
#: :meth:`Context.not_applicable`; merged into ``pack.json`` by the build).
OMITTED_FILE = "omitted.json"


def _display(obj) -> None:
    try:
        from IPython.display import display
    except ImportError:  # plain Python: print instead
        print(obj)
    else:
        display(obj)


def _display_styled(styler, plain: str | None = None) -> None:
    """Show a pandas Styler as its HTML, with ``plain`` (default: its formatted cells, tab-separated) as the
    plain-text form.

    Displayed directly, a Styler's plain-text form is its repr, which holds a memory address: it would differ
    between two runs of the same notebook.
    """
    text = plain if plain is not None else styler.to_string(delimiter="\t")
    try:
        from IPython.display import display
    except ImportError:
        print(text)
    else:
        display({"text/html": styler.to_html(), "text/plain": text}, raw=True)


def _markdown(text: str) -> None:
    try:
        from IPython.display import Markdown, display
    except ImportError:
        print(text)
    else:
        display(Markdown(text))


def _safe(text: str, names=()) -> str:
    """Markdown built by the library, made safe for the user-supplied ``names`` in it: no raw HTML passes, and
    each name is shown as written (its Markdown syntax escaped), never as markup or a link."""
    out = formats.escape_html(text).replace("&quot;", '"').replace("&#x27;", "'")
    for name in sorted({str(n) for n in names if n}, key=len, reverse=True):
        shown = formats.escape_html(name).replace("&quot;", '"').replace("&#x27;", "'")
        out = out.replace(shown, formats.escape_markdown(name))
    return out


def _with_units(shown: pd.DataFrame, text: pd.DataFrame) -> pd.DataFrame:
    """``text`` with the table's unit added to the headers of the value columns that are formatted by it
    (``Value``, ``Change``, ``Start value``...), when the whole table has one unit (its ``unit`` attribute, or a
    ``unit`` column with a single value); a table of several units keeps its per-row ``Unit`` column."""
    units = shown["unit"].dropna().astype(str).unique() if "unit" in shown else []
    unit = shown.attrs.get("unit") or (units[0] if len(units) == 1 else None)
    if not unit:
        return text
    by_unit = {formats.header(c) for c in shown.columns
               if str(c) in formats.COLUMNS and formats.COLUMNS[str(c)][1] is None}
    return text.rename(columns={h: f"{h} ({unit})" for h in text.columns if h in by_unit and "(" not in h})


def _text_table(key: str, shown: pd.DataFrame, caption: str | None = None):
    """The table as the report shows it: every cell formatted by its unit (:mod:`evidence.pack.formats`) and
    escaped, headers readable (with the unit where the table has one), numbers right-aligned, ``caption`` as
    its ``<caption>``; and the same cells as tab-separated plain text."""
    values, _ = formats.present(shown)
    text = _with_units(shown, formats.as_text(shown))
    values.columns = text.columns
    numeric = [c for c in values.columns
               if pd.api.types.is_numeric_dtype(values[c]) and not pd.api.types.is_bool_dtype(values[c])]
    # no id on every cell, and one CSS rule per numeric column rather than a selector per cell: the HTML of a
    # long table is a third smaller (it is in the notebooks and the report of every pack)
    from pandas.io.formats.style import Styler

    styler = (Styler(text, cell_ids=False, uuid=key).hide(axis="index").format(escape="html")
              .format_index(escape="html", axis=1))
    if numeric:
        styler = styler.set_table_styles({c: [{"selector": "td", "props": "text-align: right;"}] for c in numeric},
                                         overwrite=False)
    wide = {}
    for c in text.columns:
        # A text column in a wide table that scrolls is squeezed to a word a line, which makes every row tall:
        # give it room for about two lines of its longest cell (at most 16em).
        longest = int(text[c].astype(str).str.len().max()) if c not in numeric and len(text) else 0
        if longest > 12:
            wide[c] = [{"selector": "td", "props": f"min-width: {min(-(-longest // 3), 16)}em;"}]
    if wide:
        styler = styler.set_table_styles(wide, overwrite=False)
    plain = "\n".join("\t".join(map(str, row)) for row in [list(text.columns), *text.itertuples(index=False)])
    if caption:
        styler = styler.set_caption(formats.escape_html(caption)).set_table_styles(
            [{"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: bold;"}],
            overwrite=False)
        plain = f"{caption}\n{plain}"
    return styler, plain


@dataclass
class Context:
    """The area a notebook reports on, and where its outputs go."""

    area: geography.Area
    vintage: int
    year: int
    comparators: list[str]
    pack_dir: Path | None = None
    caveats: list[str] = field(default_factory=list)
    partners: list[geography.Area] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.area.name

    @property
    def kind(self) -> areatypes.AreaType:
        """The area's type (:mod:`evidence.geography.areatypes`): its labels and comparison sets."""
        return areatypes.get(self.area.type)

    @property
    def in_england(self) -> bool:
        """Whether any of the area's districts is English: the district sources the packs sum are England's."""
        return any(c.startswith("E") for c in geography.lad_codes(self.area, vintage=self.vintage,
                                                                  allow_partial=True))

    @contextmanager
    def covered(self, what: str):
        """Run a section; if its data do not cover the area (:class:`~evidence.errors.NoDataError`), say so
        in place of its chart or table instead of failing the pack. For an area outside England, whose districts
        the England-only sources have no rows for, any error of the toolkit or of empty data in the section is
        taken as that, and named."""
        try:
            yield
        except NotApplicableError as exc:
            self.left_out.append(what)
            self.not_applicable(what, str(exc))
        except NoDataError as exc:
            self.unavailable.append(what)
            reason = str(exc)
            _markdown(self._md(f"*{what}: not available for {self.name}. {reason[:1].upper() + reason[1:]}*"))
        except NameError:
            # A section built on an earlier one that was not available, or that does not apply: say so, naming it.
            if not self.unavailable and self.left_out:
                self.left_out.append(what)
                self.not_applicable(what, f"It is built on “{self.left_out[0]}”, which does not apply to "
                                          f"{self.name}.")
                return
            if not self.unavailable:
                raise
            self.unavailable.append(what)
            _markdown(self._md(f"*{what}: not available for {self.name}. It is built on an earlier section that is "
                               f"not available above ({', '.join(self.unavailable[:-1])}).*"))
        except (EvidenceError, ValueError, KeyError, IndexError) as exc:
            if self.in_england:
                raise
            self.unavailable.append(what)
            _markdown(self._md(f"*{what}: not available for {self.name}. The district figures behind this section "
                               f"cover England only ({type(exc).__name__}: "
                               f"{str(exc).splitlines()[0][:160] if str(exc) else ''}).*"))

    def _md(self, text: str) -> str:
        return _safe(text, [self.area.name, *(p.name for p in self.partners)])

    def say(self, text: str) -> None:
        """Show a finding (computed by the library, never typed by hand) as Markdown; nothing if it is empty.
        The area's and partners' names in it are escaped, and no raw HTML passes."""
        if text:
            _markdown(self._md(text))

    def caveat(self, text: str) -> None:
        """Register a caveat: the pack lists it with every other (``pack.json`` and the report's Caveats)."""
        if text and text not in self.caveats:
            self.caveats.append(text)
        self._save_caveats()

    def not_applicable(self, section: str, reason: str) -> None:
        """Record that ``section`` (its ``##`` heading, as written in the notebook) does not apply to the area,
        and show nothing: the pack leaves the section out, heading included, and lists it with ``reason`` in the
        report's appendix and in ``pack.json`` (``omitted``). For data that is missing for the area, let a
        :class:`~evidence.errors.NoDataError` say so in place instead."""
        reason = reason.strip()
        reason = reason[:1].upper() + reason[1:]
        if self.pack_dir is None:
            return
        path = self.pack_dir / OMITTED_FILE
        have = json.loads(path.read_text()) if path.exists() else []
        rec = {"section": section, "reason": reason}
        if rec not in have:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps([*have, rec], indent=1, ensure_ascii=False) + "\n")
            tmp.replace(path)

    def _save_caveats(self, more=()) -> None:
        """Merge this notebook's caveats (and ``more``) into the pack's caveats file, in order, once each."""
        if self.pack_dir is None:
            return
        path = self.pack_dir / CAVEATS_FILE
        have = json.loads(path.read_text()) if path.exists() else []
        merged = list(dict.fromkeys([*have, *self.caveats, *(str(c) for c in more if c)]))
        if merged != have:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(merged, indent=1, ensure_ascii=False) + "\n")
            tmp.replace(path)

    def table(self, key: str, title: str, df: pd.DataFrame, *, show: pd.DataFrame | None = None) -> None:
        """Show a table with its source note, and register it for the pack's workbook. With ``show``, the
        report displays ``show`` (e.g. part of a long ranking) and the workbook still gets all of ``df``."""
        shown = df if show is None else show
        if isinstance(shown, pd.DataFrame):
            _display_styled(*_text_table(key, shown, title))
        else:
            _markdown(f"**{formats.escape_markdown(title)}**")
            _display(shown)
        _markdown(f"*{formats.escape_markdown(provenance.source_note(df))}*")
        table_caveats = [str(c) for c in df.attrs.get("caveats", []) if c] if isinstance(df, pd.DataFrame) else []
        self._save_caveats(table_caveats)
        if self.pack_dir is not None:
            out = df.copy()
            for col in out.columns:
                if isinstance(out[col].dtype, pd.CategoricalDtype):
                    out[col] = out[col].astype(str)
            write_parquet(out, self.pack_dir / "tables" / f"{key}.parquet",
                          {"key": key, "title": title, "provenance": provenance.records(df),
                           "note": provenance.source_note(df), "caveats": table_caveats,
                           "unit": df.attrs.get("unit")}, compact=True)

    def figure(self, key: str, fig, *, alt: str | None = None) -> None:
        """Show a figure and, in a pack, save it as PNG (200 dpi) and SVG. ``alt`` is the image's alt text: the
        chart's finding in words, computed from the data (default: the chart's title)."""
        from . import charts

        formats = os.environ.get(CHART_FORMATS_ENV, "png,svg").split(",")
        png = charts.render(fig, None if self.pack_dir is None else self.pack_dir / "charts" / key, formats=formats)
        try:
            from IPython.display import Image, display
        except ImportError:
            return
        title = fig._suptitle.get_text() if fig._suptitle is not None else \
            next((t for a in fig.axes for t in (a.get_title(loc="left"), a.get_title()) if t), key)
        # the key lets the report give the image an anchor (``chart-<key>``) that key findings link to
        text = " ".join(str(alt if alt else title).split())
        meta = {"image/png": {"alt": text, "key": key}}
        display(Image(data=png, format="png"), metadata=meta)


def setup(*, area: str, vintage: int = geography.DEFAULT_VINTAGE, year: int | None = None,
          comparators: list[str] | None = None) -> Context:
    """Resolve the notebook's parameters, show the area's membership and caveats, and return the context."""
    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = "lis-evidence"  # reproducible SVG ids
    a = geography.resolve(area, vintage=vintage)
    pack = os.environ.get(PACK_DIR_ENV)
    comparators = list(comparators or ["England", "UK"])
    if a.code == "E92000001":  # England's own pack compares it with the UK only
        comparators = [c for c in comparators if str(c).lower() not in ("england", "e92000001")]
    ctx = Context(area=a, vintage=vintage, year=year or 2023, comparators=comparators,
                  pack_dir=Path(pack) if pack else None, partners=geography.partnerships(a, vintage=vintage))
    members = geography.members(a, vintage=vintage)
    ctx.caveats = geography.caveats(a, vintage=vintage)
    lads = ", ".join(f"{n} ({c})" for c, n in zip(members.lad_code, members.lad_name, strict=True))
    kind = ctx.kind.label if ctx.kind.key != "lep" else "LEP"
    geog = f", {vintage} geography" if ctx.kind.by_vintage else ""
    text = f"**{a.name}** ({a.code}, {kind}{geog}): {len(members)} local authority " \
           f"district{'s' if len(members) != 1 else ''}: {lads}."
    if not any(c.startswith("E") for c in members.lad_code):
        text += ("\n\n*The district figures this pack sums (ONS regional accounts and productivity, BRES, the "
                 "business and labour-market files) are England's: outside England most sections say what is "
                 "missing instead of showing a chart.*")
    if ctx.partners:
        text += "\n\nAlso compared with " + " and ".join(f"the {p.name} ({p.code})" for p in ctx.partners) + "."
    if ctx.caveats:
        text += "\n\n" + "\n".join(f"- *Caveat:* {c}" for c in ctx.caveats)
    _markdown(ctx._md(text))
    ctx._save_caveats()
    return ctx
