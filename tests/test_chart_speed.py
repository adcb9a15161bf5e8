"""Faster chart layout, same charts: the wrapping of titles and notes, and the bytes a chart is saved as."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from evidence.pack import charts

TITLE = ("Gross value added per hour worked in Buckinghamshire Thames Valley Local Enterprise Partnership was "
         "12.3% above the United Kingdom average in 2022, the fourth highest of the 38 LEPs")
NOTE = ("Source: Office for National Statistics (ONS), Subregional productivity: labour productivity indices by "
        "UK ITL2 and ITL3 subregions, release of June 2024; Nomis, Business Register and Employment Survey "
        "open access, 2015 to 2024, Supercalifragilisticexpialidocious-and-an-extremely-long-unbroken-token-"
        "that-must-be-hyphenated-somewhere-to-fit-the-figure-width-of-the-chart")


def _word_by_word(fig, text, width, *, fontsize, bold=False):
    """The fill ``charts.wrap`` made before it bisected: add words one at a time while the line fits."""
    def w(s):
        return charts._text_width(fig, s, fontsize=fontsize, bold=bold)

    lines = []
    for para in str(text).split("\n"):
        line = ""
        for word in para.split():
            trial = f"{line} {word}" if line else word
            if w(trial) <= width:
                line = trial
                continue
            if line:
                lines.append(line)
            while w(word) > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and w(word[:cut] + "-") > width:
                    cut -= 1
                lines.append(word[:cut] + "-")
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


@pytest.mark.parametrize("text", [TITLE, NOTE, "", "One", "Two paragraphs\n\nwith an empty one between",
                                  "Supercalifragilisticexpialidocious " * 3, "a " * 200])
@pytest.mark.parametrize(("width", "fontsize", "bold"), [(7.8, 7, False), (6.6, 12, True), (1.0, 10, False)])
def test_wrap_gives_the_lines_of_a_word_by_word_fill(text, width, fontsize, bold):
    fig, _ = charts.new_figure()
    assert charts.wrap(fig, text, width, fontsize=fontsize, bold=bold) == \
        _word_by_word(fig, text, width, fontsize=fontsize, bold=bold)


def test_wrap_measures_a_long_note_a_few_times_per_line(monkeypatch):
    fig, _ = charts.new_figure()
    calls = []
    measure = charts._text_width
    monkeypatch.setattr(charts, "_text_width", lambda *a, **k: calls.append(a[1]) or measure(*a, **k))
    text = " ".join(NOTE.split()[:40])  # 40 words, no word too wide: a word-by-word fill measures 40 times
    lines = charts.wrap(fig, text, 7.8, fontsize=7)
    assert 1 < len(lines) < 5
    assert len(calls) <= 8 * len(lines) < 40


def test_a_chart_is_saved_as_the_same_bytes_as_before():
    """The PNG (200 dpi), SVG and display PNG of a chart with a wrapped title and note are byte for byte those
    the toolkit wrote before wrapping was bisected (sha256 recorded from that version, with the pinned
    matplotlib, FreeType and Pillow of constraints.txt)."""
    df = pd.DataFrame({"year": list(range(2010, 2023)) * 2,
                       "value": [float(i * 1.5 + j * 3) for j in range(2) for i in range(13)],
                       "area_name": ["Area A"] * 13 + ["England"] * 13})
    fig = charts.line_trend(df, title=TITLE, ylabel="£ per hour", highlight="Area A", note=NOTE)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        shown = charts.render(fig, Path(tmp) / "line")
        png, svg = (Path(tmp) / "line.png").read_bytes(), (Path(tmp) / "line.svg").read_bytes()
    digest = [hashlib.sha256(b).hexdigest()[:16] for b in (png, svg, shown)]
    assert digest == ["49cf43063a22775a", "a0ff19356f97a0a4", "03ae89f054c167e7"]


def test_render_without_svg_writes_the_same_png_and_no_svg(tmp_path):
    df = pd.DataFrame({"area_name": ["Area A", "England"], "value": [3.0, 4.0]})
    fig = charts.bars(df, title="A short title", ylabel="Jobs", label="area_name", note="Source: ONS")
    both = charts.render(fig, tmp_path / "both" / "c")
    png = charts.render(fig, tmp_path / "png" / "c", formats=("png",))
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == ["c.png"]
    assert sorted(p.name for p in (tmp_path / "both").iterdir()) == ["c.png", "c.svg"]
    assert png == both
    assert (tmp_path / "png" / "c.png").read_bytes() == (tmp_path / "both" / "c.png").read_bytes()


_CHART_CELL = '''\
import pandas as pd
import evidence.pack.notebook, evidence.pack.charts
ctx = evidence.pack.notebook.setup(area=area, vintage=vintage)
df = pd.DataFrame({"area_name": [ctx.name, "England"], "value": [3.0, 4.0]})
ctx.figure("two-bars", evidence.pack.charts.bars(df, title="Two bars", ylabel="Jobs", label="area_name",
                                                 note="Source: a hand-written test frame"))
'''


def _chart_notebook(path):
    cells = [
        {"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# A chart"},
        {"cell_type": "code", "id": "params", "metadata": {"tags": ["parameters"]}, "execution_count": None,
         "outputs": [], "source": 'area = "E37000002"\nvintage = 2021\nyear = 2023\ncomparators = []'},
        {"cell_type": "code", "id": "body", "metadata": {}, "execution_count": None, "outputs": [],
         "source": _CHART_CELL},
    ]
    path.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}))
    return path


def test_a_pack_built_without_svgs_has_the_same_pngs_and_report(tmp_path):
    from evidence.pack.report import build_pack

    nb = _chart_notebook(tmp_path / "01-chart.ipynb")
    full = build_pack("E37000002", out=tmp_path / "full", notebooks=[nb], pdf=False)
    lean = build_pack("E37000002", out=tmp_path / "lean", notebooks=[nb], pdf=False, chart_formats=("png",))
    assert sorted(p.name for p in (full / "charts").iterdir()) == ["two-bars.png", "two-bars.svg"]
    assert sorted(p.name for p in (lean / "charts").iterdir()) == ["two-bars.png"]
    assert (full / "charts" / "two-bars.png").read_bytes() == (lean / "charts" / "two-bars.png").read_bytes()
    html = next(full.glob("*.html")).name
    assert (full / html).read_text()[-20000:] == (lean / html).read_text()[-20000:]  # the charts, not the date
    assert json.loads((lean / "pack.json").read_text())["charts"] == ["two-bars"]


def test_a_pack_built_with_svgs_only_links_them(tmp_path):
    from evidence.pack.report import build_pack

    nb = _chart_notebook(tmp_path / "01-chart.ipynb")
    svg = build_pack("E37000002", out=tmp_path / "svg", notebooks=[nb], pdf=False, chart_formats=("svg",),
                     embed_charts=False)
    assert sorted(p.name for p in (svg / "charts").iterdir()) == ["two-bars.svg"]
    assert json.loads((svg / "pack.json").read_text())["charts"] == ["two-bars"]
    assert 'src="charts/two-bars.svg"' in next(svg.glob("*.html")).read_text()


@pytest.mark.parametrize("formats", [("png", "pdf"), ("jpeg",), ()])
def test_chart_formats_must_be_png_or_svg(formats, tmp_path):
    from evidence.errors import EvidenceError
    from evidence.pack.report import build_pack

    with pytest.raises(EvidenceError, match="chart formats"):
        build_pack("E37000002", out=tmp_path, chart_formats=formats)
