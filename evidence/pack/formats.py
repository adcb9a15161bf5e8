"""How a table reads: unit-aware formats and human names, in one place for the HTML report and the workbook.

A column's format comes from, in order:

1. the row's own unit, for the value columns of a long table with a ``unit`` column (a headline or scorecard
   table holds £, % and counts in one column);
2. a small registry of known columns (:data:`COLUMNS`) and of indicator slugs used as column names (their
   unit from :mod:`evidence.indicators.comparators`);
3. the column's name and dtype: years as bare integers, shares as %, integers as counts.

Stored scales differ, so each format knows its own: a ``share`` (sector shares, CAGRs) is a fraction 0–1 and is
shown ×100; a ``%`` unit (foundation metrics, back-test errors) is already 0–100. A difference of two rates is
in percentage points ("pp"), never "%". Every :class:`Format` gives the text shown in HTML
(:meth:`Format.text`) and the Excel ``number_format`` of the same cell (:attr:`Format.excel`), which keeps the
number a number.

:func:`present` turns a stored table into the one a reader sees (human headers, slugs replaced by names); the
HTML and the workbook both call it. User-supplied text (area, group and sector names) goes through
:func:`escape_html`, :func:`escape_markdown` and :func:`csv_safe` where it enters HTML, Markdown or a CSV file.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

import pandas as pd

from .. import frames
from ..frames import FORMULA_START, csv_safe, csv_safe_frame, csv_unquote, csv_unquote_frame  # noqa: F401 (re-exported)

NA = "n/a"


@dataclass(frozen=True)
class Format:
    """How one cell reads: ``kind`` is one of ``text``, ``year``, ``count``, ``number``, ``money``, ``pct``
    (a value already in 0–100), ``share`` (a fraction 0–1 shown as %), ``pp`` (percentage points, 0–100
    scale), ``lq`` (2 dp), ``log`` (log points).

    >>> Format("share", 1).text(0.0123), Format("pct", 1).text(12.3), Format("pp", 1).text(-1.26)
    ('1.2%', '12.3%', '−1.3 pp')
    >>> Format("year").text(2004), Format("count").text(1570373.0), Format("money", 2, "£").text(37.4)
    ('2004', '1,570,373', '£37.40')
    >>> Format("share", 1).excel, Format("year").excel, Format("money", 0, "£", "m").excel
    ('0.0%', '0', '"£"#,##0"m"')
    """

    kind: str
    decimals: int = 0
    prefix: str = ""
    suffix: str = ""
    signed: bool = False

    def text(self, v) -> str:
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return "" if self.kind == "text" else NA
        if isinstance(v, bool):
            return "yes" if v else "no"
        if self.kind == "text" or isinstance(v, str):
            return str(v)
        try:
            x = float(v)
        except (TypeError, ValueError):
            return str(v)
        if self.kind == "year":
            return f"{int(round(x))}"
        d = self.decimals
        sign = "+" if self.signed else ""
        if self.kind == "share":
            body = f"{100 * x:{sign},.{d}f}%"
        elif self.kind == "pct":
            body = f"{x:{sign},.{d}f}%"
        elif self.kind == "pp":
            body = f"{x:+,.{d}f} pp"
        elif self.kind == "count":
            body = f"{x:{sign},.0f}"
        elif self.kind == "money":
            body = f"{self.prefix}{abs(x):,.{d}f}{self.suffix}"
            body = ("−" if x < 0 and round(abs(x), d) else "+" if self.signed and x > 0 else "") + body
            return body
        elif self.kind == "log":
            body = f"{x:+,.{d}f}"
        else:
            body = f"{x:{sign},.{d}f}"
        return body.replace("-", "−") if body.startswith("-") else body

    @property
    def excel(self) -> str:
        """The cell's Excel number format (the stored number is unchanged)."""
        dec = "." + "0" * self.decimals if self.decimals else ""
        if self.kind == "text":
            return "@"
        if self.kind == "year":
            return "0"
        if self.kind == "share":
            body = f"0{dec}%"
            return f"+{body};-{body};{body}" if self.signed else body
        if self.kind == "pct":
            body = f'0{dec}"%"'
            return f"+{body};-{body};{body}" if self.signed else body
        if self.kind == "pp":
            body = f'0{dec}" pp"'
            return f"+{body};-{body};{body}"
        if self.kind == "count":
            return "+#,##0;-#,##0;0" if self.signed else "#,##0"
        if self.kind == "money":
            body = (f'"{self.prefix}"' if self.prefix else "") + f"#,##0{dec}" + (f'"{self.suffix}"' if self.suffix
                                                                                 else "")
            return f"+{body};-{body};{body}" if self.signed else body
        if self.kind == "log":
            return f"+0{dec};-0{dec};0{dec}"
        if self.kind == "lq":
            return f"0{dec}"
        body = f"#,##0{dec}"
        return f"+{body};-{body};{body}" if self.signed else body


TEXT = Format("text")
YEAR = Format("year")
COUNT = Format("count")
PCT = Format("pct", 1)
SHARE = Format("share", 1)
CAGR = Format("share", 1)
PP = Format("pp", 1)
LQ = Format("lq", 2)
LOG = Format("log", 1)
NUMBER = Format("number", 1)


def unit_format(unit: str | None) -> Format:
    """The format of a value in ``unit`` (the units the toolkit's frames carry).

    >>> unit_format("£ per hour").text(40.15), unit_format("£ million").text(19176.0), unit_format("%").text(3.1)
    ('£40.15', '£19,176m', '3.1%')
    >>> unit_format("jobs").text(276367.0), unit_format("% a year").text(5.06)
    ('276,367', '5.1%')
    """
    u = str(unit or "").strip().lower()
    if not u or u in ("nan", "none"):
        return NUMBER
    if u in ("pp", "percentage points") or "percentage point" in u:
        return PP
    if u.startswith("%"):
        return PCT
    if u.startswith("£"):
        if "million" in u:
            return Format("money", 0, "£", "m")
        if "billion" in u:
            return Format("money", 1, "£", "bn")
        if "per hour" in u:
            return Format("money", 2, "£")
        return Format("money", 0, "£")
    if u in ("hours per week", "employee jobs") or u.split(" ")[0] in (
            "jobs", "persons", "people", "enterprises", "businesses", "employees", "dwellings", "count"):
        return COUNT
    if u in ("ratio", "lq", "mean score (0-10)"):
        return LQ
    if u in ("log points",):
        return LOG
    return NUMBER


#: Known columns: (header, format). A format of None means "by the row's unit" (see :func:`formats_for`).
COLUMNS: dict[str, tuple[str, Format | None]] = {
    "area_code": ("Area code", TEXT), "area_name": ("Area", TEXT), "lad_code": ("District code", TEXT),
    "lad_name": ("District", TEXT), "industry": ("Industry code", TEXT), "industry_name": ("Industry", TEXT),
    "sector": ("Sector", TEXT), "indicator": ("Indicator", TEXT), "metric": ("Indicator", TEXT),
    "title": ("Indicator", TEXT), "measure": ("Measure", TEXT), "scenario": ("Scenario", TEXT),
    "reading": ("Reading", TEXT), "unit": ("Unit", TEXT), "period": ("Period", TEXT), "flag": ("Flag", TEXT),
    "note": ("Note", TEXT), "method": ("Method", TEXT), "source": ("Source", TEXT), "status": ("Status", TEXT),
    "foundation": ("Foundation", TEXT), "polarity": ("Better when", TEXT), "compare": ("Compared on", TEXT),
    "aggregation": ("Aggregation", TEXT), "ranked_among": ("Ranked among", TEXT), "basis": ("Basis", TEXT),
    "level": ("Level", TEXT), "part": ("Part", TEXT), "component": ("Component", TEXT),
    "trend_period": ("Trend period", TEXT), "trend_basis": ("Trend basis", TEXT), "label": ("Label", TEXT),
    "approximate": ("Approximate", TEXT), "member": ("Member", TEXT),
    "year": ("Year", YEAR), "base_year": ("Base year", YEAR), "horizon": ("Horizon", YEAR),
    "fit_start": ("Fit from", YEAR), "fit_end": ("Fit to", YEAR), "test_start": ("Test from", YEAR),
    "test_end": ("Test to", YEAR),
    "rank": ("Rank", COUNT), "of": ("Of", COUNT), "indicators_used": ("Indicators used", COUNT),
    "industries": ("Industries", COUNT), "count": ("Count", COUNT),
    "share": ("Share", SHARE), "england_share": ("England share", SHARE), "share_of_gap": ("Share of gap", SHARE),
    "lq": ("LQ", LQ), "lq_low": ("LQ (lower bound)", LQ),
    "cagr": ("Growth (CAGR)", CAGR), "growth_cagr": ("GVA growth (CAGR, nominal)", CAGR),
    "national_growth_cagr": ("England GVA growth (CAGR, nominal)", CAGR),
    "jobs_cagr": ("Jobs growth (CAGR)", CAGR), "productivity_cagr": ("Productivity growth (CAGR)", CAGR),
    "gva_cagr": ("GVA growth (CAGR)", CAGR),
    "mape": ("Mean absolute error (%)", PCT), "mean_pct_error": ("Mean error (%)", Format("pct", 1, signed=True)),
    "final_year_pct_error": ("Final-year error (%)", Format("pct", 1, signed=True)),
    "share of England (%)": ("Share of England", Format("pct", 2)),
    "index (England = 100)": ("Index (England = 100)", NUMBER),
    "log_points": ("Log points", LOG), "distance": ("Distance", LQ),
    "krugman": ("Krugman index", Format("number", 3)), "hhi": ("HHI", Format("number", 3)),
    "hhi_normalised": ("HHI (normalised)", Format("number", 3)),
    "jobs": ("Jobs", COUNT), "gva": ("GVA (£ million)", Format("money", 0, "£", "m")),
    "gva_change": ("Change in GVA (£ million)", Format("money", 0, "£", "m", signed=True)),
    "size": ("GVA (£ million)", Format("money", 0, "£", "m")),
    "start_value": ("Start value", None), "end_value": ("End value", None), "change": ("Change", None),
    "national_growth": ("National growth", None), "industry_mix": ("Industry mix", None),
    "regional_share": ("Regional share", None),
    "value": ("Value", None), "base_value": ("Base value", None), "horizon_value": ("Value at horizon", None),
    "vs_trend": ("Against trend", None), "lci_95": ("Lower 95%", None), "uci_95": ("Upper 95%", None),
    "lower 95%": ("Lower 95%", None), "upper 95%": ("Upper 95%", None), "england_value": ("England", None),
    "uk_value": ("UK", None), "trend_5y": ("5-year change", None), "england_trend_5y": ("England 5-year change", None),
}
#: Columns whose sign matters (a change): shown with + or −.
SIGNED = frozenset({"change", "vs_trend", "national_growth", "industry_mix", "regional_share", "trend_5y",
                    "england_trend_5y"})
#: Columns that hold a machine slug naming an indicator, metric or measure.
SLUG_COLUMNS = ("indicator", "metric", "measure")

_ACRONYMS = {"gva": "GVA", "uk": "UK", "lq": "LQ", "hhi": "HHI", "cagr": "CAGR", "nvq4": "NVQ4", "imd": "IMD",
             "fdi": "FDI", "berd": "BERD", "rd": "R&D", "kibs": "KIBS", "gdhi": "GDHI", "sic": "SIC", "lad": "LAD",
             "lep": "LEP", "ca": "CA", "4g": "4G", "3y": "3-year", "5y": "5-year", "pct": "%", "vs": "vs"}
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)+$|^[a-z]+$")


def humanise(slug: str) -> str:
    """A readable name for a machine slug.

    >>> humanise("gva-per-head"), humanise("gva_per_job"), humanise("kibs-share")
    ('GVA per head', 'GVA per job', 'KIBS share')
    """
    words = re.split(r"[-_ ]+", str(slug))
    out = [_ACRONYMS.get(w.lower(), w) for w in words if w]
    if out and out[0] == out[0].lower():
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)


#: The measures of a scenario table (:mod:`evidence.scenarios`).
MEASURES = {"jobs": "Filled jobs", "gva": "GVA", "gva_per_job": "GVA per filled job"}


def name_of(slug: str, *, measure: bool = False) -> str:
    """The registered title of an indicator or metric (of a scenario's measure with ``measure``); else the
    slug made readable."""
    from ..indicators import area, foundations

    s = str(slug)
    if measure and s in MEASURES:
        return MEASURES[s]
    if s in area.INDICATORS:
        return area.INDICATORS[s].title
    try:
        return foundations.get_metric(s).title
    except Exception:  # noqa: BLE001 - any unknown name is made readable instead
        return humanise(s)


def _slug_unit(col: str) -> str | None:
    from ..indicators import comparators

    c = comparators.COMPARATORS.get(str(col))
    return c.unit if c is not None else None


def header(col) -> str:
    """The header a reader sees for a column.

    >>> header("england_share"), header("gva-per-head"), header("Buckinghamshire")
    ('England share', 'GVA per head', 'Buckinghamshire')
    """
    c = str(col)
    if c in COLUMNS:
        return COLUMNS[c][0]
    if _SLUG.match(c) and c.lower() == c:
        return humanise(c)
    return c


def _is_pct_name(c: str) -> bool:
    lc = c.lower()
    return lc.endswith("(%)") or lc.endswith("_pct") or "rate" in lc.split("_") or lc.endswith("-share") \
        or lc.endswith("_share") or lc == "share" or "percent" in lc


def column_format(col, s: pd.Series) -> Format | None:
    """The format of a whole column, or None when it depends on each row's unit."""
    c = str(col)
    if c in COLUMNS:
        fmt = COLUMNS[c][1]
        if fmt is not None and c in SIGNED:
            fmt = Format(fmt.kind, fmt.decimals, fmt.prefix, fmt.suffix, signed=True)
        return fmt
    if frames.is_year_column(c, s):
        return YEAR
    unit = _slug_unit(c)
    if unit is not None:
        return unit_format(unit)
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        return TEXT
    if _is_pct_name(c):
        vals = pd.to_numeric(s, errors="coerce").dropna()
        return SHARE if len(vals) and vals.abs().max() <= 1 else PCT
    if pd.api.types.is_integer_dtype(s):
        return COUNT
    vals = pd.to_numeric(s, errors="coerce").dropna()
    if len(vals) and (vals == vals.round()).all() and vals.abs().max() >= 100:
        return COUNT
    return None


def _row_unit_column(df: pd.DataFrame, col: str) -> str | None:
    if col in ("trend_5y", "england_trend_5y") and "trend_basis" in df:
        return "trend_basis"
    return "unit" if "unit" in df else None


def formats_for(df: pd.DataFrame) -> dict[str, list[Format]]:
    """Every cell's format, column by column (one :class:`Format` per row)."""
    out: dict[str, list[Format]] = {}
    n = len(df)
    for col in df.columns:
        s = df[col]
        fmt = column_format(col, s)
        by_row = (str(col) not in COLUMNS and "unit" in df and pd.api.types.is_float_dtype(s)
                  and _slug_unit(col) is None)
        if fmt is not None and not by_row:
            out[col] = [fmt] * n
            continue
        by = _row_unit_column(df, str(col))
        signed = str(col) in SIGNED
        if by is not None:
            cells = []
            for unit in df[by].tolist():
                u = str(unit)
                if by == "trend_basis":
                    f = PP if "percentage point" in u else Format("pct", 1) if "%" in u else unit_format(u)
                else:
                    f = unit_format(u)
                if signed and f.kind != "pp":
                    f = Format(f.kind, f.decimals, f.prefix, f.suffix, signed=True)
                cells.append(f)
            out[col] = cells
            continue
        vals = pd.to_numeric(s, errors="coerce").dropna() if pd.api.types.is_numeric_dtype(s) else pd.Series([])
        fmt = COUNT if len(vals) and (vals == vals.round()).all() else NUMBER
        out[col] = [Format(fmt.kind, fmt.decimals, signed=signed)] * n
    return out


def present(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[Format]]]:
    """The table as a reader sees it: slugs replaced by registered names (a slug column is dropped where the
    table already has a ``title`` column), headers made readable. Returns the frame (values unchanged, ready to
    write as numbers) and each column's cell formats, keyed by the new headers."""
    out = df.copy()
    if "title" in out:
        out = out.drop(columns=[c for c in SLUG_COLUMNS if c in out and c != "measure"])
    for c in SLUG_COLUMNS:
        if c in out and not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = [name_of(v, measure=c == "measure") if isinstance(v, str) else v for v in out[c]]
    fmts = formats_for(out)
    unit = df.attrs.get("unit")
    if unit and "value" in out and "unit" not in out and pd.api.types.is_numeric_dtype(out["value"]):
        fmts["value"] = [unit_format(unit)] * len(out)
    heads = [header(c) for c in out.columns]
    seen: dict[str, int] = {}
    unique = []
    for h in heads:
        seen[h] = seen.get(h, 0) + 1
        unique.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    renamed = dict(zip(out.columns, unique, strict=True))
    return out.rename(columns=renamed), {renamed[c]: f for c, f in fmts.items()}


def as_text(df: pd.DataFrame) -> pd.DataFrame:
    """The presented table with every cell as the text shown in the HTML report."""
    shown, fmts = present(df)
    return pd.DataFrame({c: [f.text(v) for f, v in zip(fmts[c], shown[c].tolist(), strict=True)]
                         for c in shown.columns}, columns=shown.columns)


# ----------------------------------------------------------------------------------------- escaping
def escape_html(text) -> str:
    """Text that a browser shows as written: ``& < > " '`` escaped."""
    return html.escape(str(text), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]])")
_MD_LINE_START = re.compile(r"^(\s*)([#+\-]|\d+[.)])")


def escape_markdown(text) -> str:
    """User-supplied text made inert in Markdown rendered to HTML: HTML escaped (so no tag, script or
    autolink passes) and the Markdown syntax that could make emphasis, code, a link or a heading
    backslash-escaped, so a name is shown as written.

    >>> escape_markdown("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    >>> escape_markdown("[x](javascript:alert(1)) *b* # c")
    '\\\\[x\\\\](javascript:alert(1)) \\\\*b\\\\* # c'
    """
    out = _MD_SPECIAL.sub(r"\\\1", escape_html(text).replace("&#x27;", "'").replace("&quot;", '"'))
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), out)


__all__ = ["COLUMNS", "Format", "as_text", "column_format", "csv_safe", "csv_safe_frame", "csv_unquote",
           "csv_unquote_frame", "escape_html", "escape_markdown", "formats_for", "header", "humanise", "name_of",
           "present", "unit_format"]
