"""One figure, one value: a check that every headline quantity of a built pack agrees wherever it appears.

A pack states the same quantity in several places: the headline table, the scorecard, the people and business
tables, the scenario's base year, the sentences of the report, and ``pack.json`` (its headline block and its key
findings). Two places that name the same quantity, year and definition must give the same value (to the precision
printed). Where two definitions are both right, they carry different names (the scenario's "GVA per filled job
(balanced GVA)" is not ONS's smoothed headline), so they are never compared.

:func:`collect` gathers the quantities of a pack folder (its ``tables/*.parquet``, the Markdown of its executed
notebooks and ``pack.json``); :func:`check` raises :class:`~evidence.errors.InconsistentPackError` on any
disagreement. ``evidence build`` runs :func:`check` on every pack before the pack is put in place, so a pack that
contradicts itself is never delivered.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd

from ..errors import InconsistentPackError

#: Headline quantities collected, by the id used in the headline table and the scorecard.
HEADLINE_IDS = ("population", "jobs", "gva", "gva-per-head", "gva-per-hour", "gva-per-job")

#: Sentences of the report that state a headline quantity (see :func:`evidence.pack.themes.gap_sentence`).
_SENTENCES = {
    "gva-per-hour": re.compile(r"GVA per hour worked in (?P<area>.+?) was £(?P<value>[\d,]+(?:\.\d+)?) in "
                               r"(?P<year>\d{4})"),
    "gva-per-job": re.compile(r"GVA per filled job in (?P<area>.+?) was £(?P<value>[\d,]+(?:\.\d+)?) in "
                              r"(?P<year>\d{4})"),
}
_GAP = re.compile(r"(?P<pct>\d+(?:\.\d+)?)% (?P<side>above|below) England \(£")
_COUNTS = re.compile(r"Of the (?P<n>\d+) indicators? with values for .+?, (?P<better>\d+) (?:is|are) better than "
                     r"England, (?P<similar>\d+) similar and (?P<worse>\d+) worse(?:; (?P<neutral>\d+) (?:is|are) "
                     r"higher or lower than England)?(?:.*?(?P<none>\d+) (?:has|have) no England value)?")


def _row(quantity: str, year, value, where: str, digits: int | None = None) -> dict:
    return {"quantity": quantity, "year": int(year), "value": float(value), "where": where, "digits": digits}


def _table(folder: Path, key: str) -> pd.DataFrame | None:
    path = folder / "tables" / f"{key}.parquet"
    return pd.read_parquet(path) if path.exists() else None


def _area_column(df: pd.DataFrame, name: str) -> str | None:
    return name if name in df.columns else None


def _markdown(folder: Path) -> list[tuple[str, str]]:
    """Every Markdown output of the pack's executed notebooks, with the notebook's name."""
    out = []
    for nb in sorted((Path(folder) / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8")).get("cells", [])
        for cell in cells:
            for o in cell.get("outputs", []):
                text = o.get("data", {}).get("text/markdown")
                if text:
                    out.append((nb.stem, "".join(text) if isinstance(text, list) else text))
    return out


def collect(folder: str | Path) -> pd.DataFrame:
    """The headline quantities a pack states, one row per statement: ``quantity, year, value, where, digits``.

    ``digits`` is the number of decimals printed where the value is read from text (``None`` for a table cell,
    which holds the full value).
    """
    folder = Path(folder)
    manifest = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
    name, code = manifest["area"]["name"], manifest["area"]["code"]
    rows: list[dict] = []
    head = _table(folder, "headline")
    if head is not None and _area_column(head, name):
        for _, r in head.iterrows():
            if r["indicator"] in HEADLINE_IDS and pd.notna(r[name]):
                rows.append(_row(r["indicator"], r["year"], r[name], "headline table"))
            if r["indicator"] == "gva-per-hour" and "England" in head.columns and pd.notna(r[name]) \
                    and pd.notna(r["England"]):
                rows.append(_row("gva-per-hour gap to England (%)", r["year"], 100 * (r[name] / r["England"] - 1),
                                 "headline table"))
    card = _table(folder, "scorecard")
    if card is not None:
        for _, r in card.dropna(subset=["value", "year"]).iterrows():
            rows.append(_row(r["indicator"], r["year"], r["value"], "scorecard"))
    for key in ("people", "business"):
        t = _table(folder, key)
        if t is None or not _area_column(t, name):
            continue
        for _, r in t.dropna(subset=[name]).iterrows():
            year = re.search(r"(\d{4})\D*$", str(r["period"]).split(" / ")[0])
            if year and re.fullmatch(r"\d{4}", str(r["period"]).strip()):
                rows.append(_row(r["metric"], year.group(1), r[name], f"{key} table"))
    for key in ("trend-scenario",):
        t = _table(folder, key)
        if t is None:
            continue
        t = t[(t["area_code"] == code) & (t["measure"].isin(["jobs", "gva"]))]
        if "reading" in t:
            t = t[t["reading"] == "chosen"]
        for _, r in t.iterrows():
            unit = str(r.get("unit", ""))
            # GVA in another year's prices differs from the base year's current-price GVA by design.
            if r["measure"] == "gva" and "prices" in unit and f"{int(r['base_year'])} prices" not in unit \
                    and "current prices" not in unit:
                continue
            rows.append(_row(r["measure"], r["base_year"], r["base_value"], f"{key} table (base year)"))
    texts = _markdown(folder) + [("key findings", str(f.get("text", ""))) for f in manifest.get("key_findings") or []]
    for nb, text in texts:
        for qty, pattern in _SENTENCES.items():
            for m in pattern.finditer(text):
                if m.group("area") != name:
                    continue
                raw = m.group("value").replace(",", "")
                digits = len(raw.split(".")[1]) if "." in raw else 0
                where = "key findings" if nb == "key findings" else f"text of {nb}"
                rows.append(_row(qty, m.group("year"), raw, where, digits))
                if qty == "gva-per-hour":
                    g = _GAP.search(text, m.end())
                    if g:
                        pct = float(g.group("pct")) * (1 if g.group("side") == "above" else -1)
                        rows.append(_row("gva-per-hour gap to England (%)", m.group("year"), pct, where, 1))
    for qty, rec in (manifest.get("headline") or {}).items():
        if rec.get("value") is not None:
            rows.append(_row(qty, rec["year"], rec["value"], "pack.json"))
    return pd.DataFrame(rows, columns=["quantity", "year", "value", "where", "digits"])


def _agree(a: float, da: int | None, b: float, db: int | None) -> bool:
    """Whether two statements of one value agree: exactly (to 1e-9 relative) for two table cells, and to half a
    unit of the last printed digit where either is read from text."""
    tol = max(0.5 * 10 ** -d if d is not None else 0.0 for d in (da, db))
    if da is not None or db is not None:
        return abs(a - b) <= tol + 1e-9 * max(abs(a), abs(b))
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def mismatches(quantities: pd.DataFrame) -> list[str]:
    """Every pair of statements of one quantity and year that disagree, in words."""
    out = []
    for (qty, year), g in quantities.groupby(["quantity", "year"], sort=True):
        recs = g.to_dict("records")
        first = recs[0]
        for r in recs[1:]:
            if not _agree(first["value"], _digits(first), r["value"], _digits(r)):
                out.append(f"{qty} {year}: {first['value']:,.6g} in the {first['where']} but {r['value']:,.6g} in "
                           f"the {r['where']}")
    return out


def _digits(rec: dict) -> int | None:
    d = rec.get("digits")
    return None if d is None or (isinstance(d, float) and math.isnan(d)) else int(d)


def count_mismatches(folder: str | Path) -> list[str]:
    """Sentences that count the scorecard's statuses ("better than England on 7, similar on 4 and worse on 25 of
    the 38 indicators") must add up and match the scorecard table."""
    folder = Path(folder)
    card = _table(folder, "scorecard")
    out = []
    for nb, text in _markdown(folder):
        for m in _COUNTS.finditer(text):
            b, s, w, n = (int(m.group(k)) for k in ("better", "similar", "worse", "n"))
            rest = sum(int(m.group(k) or 0) for k in ("neutral", "none"))
            if card is not None:
                status = card["status"].astype(str)
                want = (int((status == "better than England").sum()), int((status == "similar to England").sum()),
                        int((status == "worse than England").sum()))
                if (b, s, w) != want:
                    out.append(f"the text of {nb} counts {b}/{s}/{w} better/similar/worse but the scorecard has "
                               f"{want[0]}/{want[1]}/{want[2]}")
            if b + s + w + rest != n:
                out.append(f"the text of {nb} counts {b} + {s} + {w} + {rest} = {b + s + w + rest} indicators, not "
                           f"the {n} it says")
    return out


def check(folder: str | Path) -> pd.DataFrame:
    """Raise :class:`~evidence.errors.InconsistentPackError` if any headline quantity of the pack in ``folder``
    has two values, or a count of the scorecard does not add up; return the quantities checked.

    Examples
    --------
    >>> import tempfile, json, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "pack.json").write_text(json.dumps({"area": {"name": "A", "code": "X"},
    ...                                             "headline": {"jobs": {"year": 2023, "value": 10}}}))
    >>> check(d)[["quantity", "value", "where"]].values.tolist()
    [['jobs', 10.0, 'pack.json']]
    """
    q = collect(folder)
    bad = mismatches(q) + count_mismatches(folder)
    if bad:
        raise InconsistentPackError(f"The pack in {folder} states {len(bad)} figure(s) two ways: " + "; ".join(bad)
                                    + ". This is a bug in LIS Evidence: please report it with this message.")
    return q


def headline(tables: list[tuple[str, pd.DataFrame, dict]], name: str) -> dict:
    """The headline quantities for ``pack.json``: ``{id: {"year", "value", "unit"}}`` from the headline table."""
    for key, df, _ in tables:
        if key == "headline" and name in df.columns:
            return {r["indicator"]: {"year": int(r["year"]), "value": None if pd.isna(r[name]) else float(r[name]),
                                     "unit": r["unit"]}
                    for _, r in df.iterrows() if r["indicator"] in HEADLINE_IDS}
    return {}
