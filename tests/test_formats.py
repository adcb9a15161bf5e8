"""Tables read right (issue 15, defects 4, 5 and 8): unit-aware formats in the HTML report and the workbook,
human names, counts that add up, one list of caveats.

The packs here run one small notebook that registers hand-made tables shaped like the real ones (the back-test,
the sensitivity grid, the headline and scorecard tables), so the expectations are typed by hand, not computed by
the formatting code.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from evidence import geography
from evidence.indicators import scorecard
from evidence.pack import formats
from evidence.pack.report import build_pack

_BODY = '''\
import pandas as pd
import evidence.pack.notebook
ctx = evidence.pack.notebook.setup(area=area, vintage=vintage)
backtest = pd.DataFrame({"area_code": [ctx.area.code], "area_name": [ctx.name], "fit_start": [2004],
                         "fit_end": [2013], "cagr": [-0.00552], "test_start": [2014], "test_end": [2023],
                         "mape": [12.354513], "mean_pct_error": [-12.354513]})
ctx.table("trend-backtest", "Back-test", backtest)
grid = pd.DataFrame({"base_year": [2023, 2023], "horizon": [2050, 2050], "jobs_cagr": [-0.005, 0.01],
                     "productivity_cagr": [0.0, 0.02], "jobs": [241384.491678, 390000.2],
                     "gva": [16748.703761, 50000.0], "gva_change": [-2427.296239, 30824.0], "unit": ["£ million"] * 2})
grid.attrs["caveats"] = ["A table caveat.", "A table caveat."]
ctx.table("sensitivity", "Sensitivity", grid)
headline = pd.DataFrame({"indicator": ["population", "gva-per-hour", "gva-per-head"],
                         "unit": ["persons", "£ per hour", "£ per head"], "year": [2023, 2023, 2023],
                         ctx.name: [1570373.0, 40.15, 33838.367796], "England": [57690324.0, 42.50873, 36632.3]})
ctx.table("headline", "Headline", headline)
card = pd.DataFrame({"indicator": ["claimant-rate"], "unit": ["%"], "value": [3.1], "england_value": [4.0],
                     "trend_5y": [-0.5], "trend_basis": ["change in percentage points"], "share": [0.0123],
                     "lq": [1.379779]})
ctx.table("card", "Card", card)
ctx.caveat("A notebook caveat.")
ctx.caveat("A table caveat.")
'''


def _notebook(path: Path) -> Path:
    cells = [
        {"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# Formats"},
        {"cell_type": "code", "id": "params", "metadata": {"tags": ["parameters"]}, "execution_count": None,
         "outputs": [], "source": 'area = "E37000002"\nvintage = 2017\nyear = 2023\ncomparators = []'},
        {"cell_type": "code", "id": "body", "metadata": {}, "execution_count": None, "outputs": [], "source": _BODY},
    ]
    nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))
    return path


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    nb = _notebook(tmp_path_factory.mktemp("notebooks") / "01-formats.ipynb")
    # Buckinghamshire Thames Valley at 2017: Aylesbury Vale is also in South East Midlands (an overlap caveat)
    return build_pack("E37000002", vintage=2017, out=tmp_path_factory.mktemp("reports"), notebooks=[nb])


def _sheet(pack: Path, name: str):
    wb = openpyxl.load_workbook(next(pack.glob("*-evidence.xlsx")))
    ws = wb[name]
    heads = [c.value for c in ws[2]]
    return ws, heads


def _cell(ws, heads, col: str, row: int = 0):
    return ws.cell(row=3 + row, column=heads.index(col) + 1)


def _html_text(pack: Path) -> str:
    body = next(pack.glob("*.html")).read_text()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


# ------------------------------------------------------------------------------------------- the cells
@pytest.mark.parametrize("fmt, value, text", [
    (formats.YEAR, 2004, "2004"),
    (formats.COUNT, 1570373.0, "1,570,373"),
    (formats.SHARE, 0.0123, "1.2%"),          # a fraction 0-1
    (formats.PCT, 12.354513, "12.4%"),        # already 0-100
    (formats.PP, -0.5, "−0.5 pp"),
    (formats.LQ, 1.379779, "1.38"),
    (formats.CAGR, -0.00552, "−0.6%"),
    (formats.unit_format("£ per hour"), 40.15, "£40.15"),
    (formats.unit_format("£ million"), 16748.703761, "£16,749m"),
    (formats.unit_format("£ per head"), 33838.367796, "£33,838"),
    (formats.COUNT, float("nan"), "n/a"),
])
def test_a_cell_reads_in_its_unit(fmt, value, text):
    assert fmt.text(value) == text


def test_slugs_become_names():
    assert formats.header("gva-per-head") == "GVA per head"
    assert formats.header("england_share") == "England share"
    shown, _ = formats.present(pd.DataFrame({"indicator": ["gva-per-hour", "jobs"], "value": [1.0, 2.0]}))
    assert shown["Indicator"].tolist() == ["GVA per hour worked", "Filled jobs (productivity jobs)"]
    # a table that has the title already shows it, not the slug beside it
    shown, _ = formats.present(pd.DataFrame({"metric": ["jobs"], "title": ["Filled jobs"], "value": [1.0]}))
    assert list(shown.columns) == ["Indicator", "Value"]


def test_a_share_column_is_read_on_its_stored_scale():
    fractions = pd.Series([0.1, 0.25])
    percents = pd.Series([8.8, 13.7])
    assert formats.column_format("manufacturing_share", fractions).text(0.25) == "25.0%"
    assert formats.column_format("other_share", percents).text(13.7) == "13.7%"


# ------------------------------------------------------------------------------------------- the workbook
def test_workbook_number_formats(pack):
    ws, heads = _sheet(pack, "trend-backtest")
    assert heads[:3] == ["Area code", "Area", "Fit from"]
    assert _cell(ws, heads, "Fit from").value == 2004 and _cell(ws, heads, "Fit from").number_format == "0"
    assert _cell(ws, heads, "Growth (CAGR)").value == pytest.approx(-0.00552)  # the number is kept
    assert _cell(ws, heads, "Growth (CAGR)").number_format == "0.0%"
    assert _cell(ws, heads, "Mean absolute error (%)").number_format == '0.0"%"'  # stored 0-100: not ×100
    ws, heads = _sheet(pack, "sensitivity")
    assert _cell(ws, heads, "Jobs growth (CAGR)").number_format == "0.0%"
    assert _cell(ws, heads, "Jobs").number_format == "#,##0"
    assert _cell(ws, heads, "GVA (£ million)").number_format == '"£"#,##0"m"'
    gc = _cell(ws, heads, "Change in GVA (£ million)")
    assert gc.value == pytest.approx(-2427.296239) and gc.data_type == "n"  # a negative number stays a number
    ws, heads = _sheet(pack, "headline")
    assert [c.value for c in ws["A"][2:5]] == ["Resident population", "GVA per hour worked",
                                               "GVA per head (not a productivity measure)"]
    area = heads[3]
    assert [_cell(ws, heads, area, i).number_format for i in range(3)] == ["#,##0", '"£"#,##0.00', '"£"#,##0']
    ws, heads = _sheet(pack, "card")
    assert _cell(ws, heads, "5-year change").number_format.startswith('+0.0" pp"')
    assert _cell(ws, heads, "Value").number_format == '0.0"%"'
    assert _cell(ws, heads, "Share").number_format == "0.0%"
    assert _cell(ws, heads, "LQ").number_format == "0.00"


# ------------------------------------------------------------------------------------------- the report
def test_html_tables_read_in_their_units(pack):
    text = _html_text(pack)
    assert "2004 2013 −0.6% 2014 2023 12.4% −12.4%" in text
    assert "2,004" not in text and "1,570,373.0" not in text
    assert "Resident population persons 2023 1,570,373 57,690,324" in text
    assert "GVA per hour worked £ per hour 2023 £40.15 £42.51" in text
    assert "−0.5% 0.0% 241,384 £16,749m −£2,427m" in text
    assert "3.1% 4.0% −0.5 pp change in percentage points 1.2% 1.38" in text
    assert "gva-per-hour" not in text and "fit_start" not in text


# ------------------------------------------------------------------------------------------- caveats
def test_every_caveat_is_listed_once(pack):
    manifest = json.loads((pack / "pack.json").read_text())
    overlap = geography.caveats(geography.resolve("E37000002", vintage=2017), vintage=2017)
    assert overlap and "South East Midlands" in overlap[0]
    # in the order they were registered, once each (the table's caveat came first and twice)
    assert manifest["caveats"] == [*overlap, "A table caveat.", "A notebook caveat."]
    assert not (pack / "caveats.json").exists() and "caveats.json" not in manifest["files"]
    text = _html_text(pack)
    caveats = text[text.index("Caveats"):]
    assert "A notebook caveat." in caveats and "A table caveat." in caveats and "Aylesbury Vale" in caveats


# ------------------------------------------------------------------------------------------- counts
def test_status_counts_add_up():
    card = pd.DataFrame({"foundation": ["Ideas"] * 6 + ["People"] * 3,
                         "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, float("nan")],
                         "status": ["better than England", "better than England", "worse than England",
                                    "similar to England", "higher than England", "lower than England",
                                    "no comparison", "worse than England", "no comparison"]})
    # by hand: 8 with values = 2 better + 1 similar + 2 worse + 2 neutral + 1 without an England value
    assert scorecard.status_summary(card)["count"].tolist() == [2, 1, 2, 2, 1]
    sentence = scorecard.status_sentence(card, "X")
    assert sentence == ("Of the 8 indicators with values for X, 2 are better than England, 1 similar and 2 worse; "
                        "2 are higher or lower than England with no better or worse direction and 1 has no England "
                        "value to compare with")
    from evidence.pack import themes

    counts = themes.status_counts(card)
    assert counts["count"].sum() == 8
