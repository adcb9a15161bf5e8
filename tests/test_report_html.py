"""The report page (evidence.pack.htmlreport) on small hand-made notebooks: its order, anchors, linked or embedded
charts, accessibility checks (lang, heading order, alt text, captions, contrast) and the PDF."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from evidence import cli
from evidence.indicators import scorecard
from evidence.pack import htmlreport
from evidence.pack.report import _print_pdf, write_html

# a 1x1 PNG
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cfc0"
    "f01f0005000201c1e3b5dd0000000049454e44ae426082")).decode()
AREA_PARAGRAPH = "**Test area** (E06000009, district): 1 local authority district."


def _image(key, alt):
    return nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"},
                                  metadata={"image/png": {"alt": alt, "key": key}})


def _md(text):
    return nbformat.v4.new_output("display_data", data={"text/markdown": text, "text/plain": text})


def _table_html(key):
    cols = "".join(f"<th>Column {i}</th>" for i in range(17))
    cells = "".join(f"<td>{i * 1000:,}</td>" for i in range(17))
    return (f'<style type="text/css"></style><table id="T_{key}"><thead><tr>{cols}</tr></thead>'
            f"<tbody><tr>{cells}</tr></tbody></table>")


def _notebook(path: Path, title: str, section: str, key: str, alt: str) -> Path:
    code = nbformat.v4.new_code_cell("ctx = setup(area=area)", outputs=[
        _md(AREA_PARAGRAPH),
        nbformat.v4.new_output("stream", name="stdout", text="STRAY STDOUT\n"),
        nbformat.v4.new_output("stream", name="stderr", text="STRAY STDERR\n"),
    ])
    chart = nbformat.v4.new_code_cell("ctx.figure(...)", outputs=[
        _md(f"A finding about {section}."), _image(key, alt),
        _md(f"**The {section} table**"),
        nbformat.v4.new_output("display_data", data={"text/html": _table_html(key), "text/plain": "t"}),
        _md("*Source: ONS, a release.*")])
    params = nbformat.v4.new_code_cell("area = 'x'", metadata={"tags": ["parameters"]})
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(f"# {title}"), params, code,
        nbformat.v4.new_markdown_cell(f"## {section}"), chart])
    nbformat.write(nb, path)
    return path


@pytest.fixture
def executed(tmp_path):
    return [_notebook(tmp_path / "01-one.ipynb", "01 Productivity", "GVA per hour worked", "gva-per-hour-trend",
                      "GVA per hour worked is 4% below the UK"),
            _notebook(tmp_path / "02-two.ipynb", "02 Scenarios", "Trend", "trend-jobs", "")]


FINDINGS = [
    {"text": "GVA per hour worked was £40.15 in 2023, 5.5% below England.", "chart": "gva-per-hour-trend",
     "table": "gva-per-hour-trend", "topic": "Productivity"},
    {"text": "A finding whose chart is not in the report.", "chart": "no-such-chart", "table": "nope",
     "topic": "Other <b>topic</b>"},
]
SOURCES = [{"publisher": "ONS", "title": "Subregional productivity", "release": "June 2025",
            "sha256": "ab12cd34ef56" + "0" * 52}]


def _page(executed, tmp_path, **kw) -> tuple[str, BeautifulSoup]:
    path = tmp_path / "report.html"
    write_html(executed, path, title="Local Industrial Strategy evidence: Test area (district)",
               params={"area": "E06000009", "vintage": 2021, "comparators": ["England", "UK"]}, sources=SOURCES,
               caveats=["A caveat."], area_name="Test area", subtitle="District (E06000009)", **kw)
    text = path.read_text(encoding="utf-8")
    return text, BeautifulSoup(text, "html.parser")


def test_page_order_findings_before_contents_then_themes_then_appendix(executed, tmp_path):
    text, soup = _page(executed, tmp_path, key_findings=FINDINGS,
                       omitted=["Oxford–Cambridge Arc scenarios: the area is not in the Arc.",
                                {"section": "A family of strategies", "reason": "not a grouping of LEPs."}])
    order = [text.index(s) for s in ('id="top"', 'id="key-findings"', 'id="contents"', ">01 Productivity<",
                                     ">02 Scenarios<", 'id="sources-and-method"', 'id="data-releases-used"')]
    assert order == sorted(order)
    assert soup.find("h1").get_text() == "Test area"
    header = soup.find("header").get_text(" ", strip=True)
    assert "District (E06000009)" in header and re.search(r"Built \d{4}-\d\d-\d\d", header)
    items = soup.select("#key-findings li")
    assert [li.get_text(" ", strip=True).startswith(("Productivity", "Other <b>topic</b>")) for li in items] == \
        [True, True]                                         # the topic is text, never markup
    assert items[0].find("a")["href"] == "#chart-gva-per-hour-trend"
    assert soup.find(id="chart-gva-per-hour-trend").find("img") is not None
    assert items[1].find("a") is None                          # no anchor to link to: no dead link
    appendix = soup.find(id="sources-and-method")
    left_out = [li.get_text() for li in appendix.select("#sections-left-out + ul li")]
    assert left_out == ["Oxford–Cambridge Arc scenarios: the area is not in the Arc.",
                        "A family of strategies: not a grouping of LEPs."]
    assert "ab12cd34ef56…" in appendix.get_text() and "A caveat." in appendix.get_text()
    assert "E06000009" in appendix.find("dl").get_text()


def test_no_code_no_prompts_no_streams_and_the_area_paragraph_once(executed, tmp_path):
    text, soup = _page(executed, tmp_path)
    assert "STRAY" not in text and "ctx.figure" not in text and "setup(area" not in text
    assert "In&nbsp;[" not in text and "In [" not in text
    assert soup.get_text().count("1 local authority district.") == 1
    assert "No key findings were computed" in soup.find(id="key-findings").get_text()


@pytest.mark.parametrize("embed", [True, False])
def test_charts_embedded_or_linked(executed, tmp_path, embed):
    (tmp_path / "charts").mkdir()
    for key in ("gva-per-hour-trend", "trend-jobs"):  # linked only where the file is beside the report
        (tmp_path / "charts" / f"{key}.png").write_bytes(b"png")
    _, soup = _page(executed, tmp_path, embed_charts=embed)
    srcs = [img["src"] for img in soup.find_all("img")]
    assert len(srcs) == 2
    if embed:
        assert all(s.startswith("data:image/png;base64,") for s in srcs)
    else:
        assert srcs == ["charts/gva-per-hour-trend.png", "charts/trend-jobs.png"]


def test_accessibility_lang_headings_alt_captions(executed, tmp_path):
    _, soup = _page(executed, tmp_path, key_findings=FINDINGS, omitted=["x"])
    assert soup.find("html").get("lang") == "en-GB"
    levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels  # no skipped level
    alts = [img.get("alt", "").strip() for img in soup.find_all("img")]
    # the chart without a title gets its section's heading
    assert alts == ["GVA per hour worked is 4% below the UK", "Chart: Trend"]
    tables = soup.find_all("table")
    assert tables and all(t.find("caption") and t.find("caption").get_text(strip=True) for t in tables)
    assert tables[0].find("caption").get_text(strip=True) == "The GVA per hour worked table"
    # the 17-column table scrolls inside its own box
    assert all(t.find_parent("div", class_="scroll") is not None for t in tables)
    ids = [t["id"] for t in soup.find_all(id=True)]
    assert len(ids) == len(set(ids))


def test_text_colours_meet_wcag_aa_and_are_the_stylesheets():
    css = (htmlreport.TEMPLATES / "report.css").read_text().lower()
    for name, fg, bg in htmlreport.TEXT_COLOURS:
        assert fg in css and bg in css, name
        assert htmlreport.contrast_ratio(fg, bg) >= 4.5, name
    # by hand: white on black is (1 + 0.05) / (0 + 0.05) = 21; #777777 has luminance 0.1845 -> 4.48, below AA
    assert htmlreport.contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert htmlreport.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.005)


def test_baseline_files_get_the_umask_mode_like_every_other_file(tmp_path):
    old = os.umask(0o027)
    try:
        scorecard._atomic_write(tmp_path / "monitoring-baseline.csv", "a,b\n")
        (tmp_path / "other.json").write_text("{}")
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert modes == {"monitoring-baseline.csv": 0o640, "other.json": 0o640}


def test_without_chromium_the_pack_says_how_to_get_the_pdf(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(htmlreport.CHROMIUM_ENV, "")
    assert htmlreport.find_chromium() is None
    state = _print_pdf(tmp_path / "r.html", tmp_path / "r.pdf", True, None)
    assert state["file"] is None and "evidence pdf PACK_FOLDER" in state["reason"]
    assert not (tmp_path / "r.pdf").exists()
    with pytest.raises(htmlreport.PdfError, match="install chromium"):
        htmlreport.write_pdf(tmp_path / "r.html", tmp_path / "r.pdf")


needs_chromium = pytest.mark.skipif(htmlreport.find_chromium() is None and not os.environ.get("CI"),
                                    reason="no Chromium (Debian package chromium)")


def _pages(pdf: Path) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))
    return len(PdfReader(pdf).pages)


@needs_chromium
def test_pdf_has_page_numbers_and_the_cli_adds_it_to_a_pack(executed, tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    for p in executed:
        shutil.copy(p, pack / p.name)
    write_html([pack / p.name for p in executed], pack / "area.html", title="T", params={}, sources=[],
               caveats=[], key_findings=FINDINGS)
    (pack / "pack.json").write_text(json.dumps({"files": ["area.html"], "area": {"code": "X"}}))
    assert cli.main(["pdf", str(pack)]) == 0
    manifest = json.loads((pack / "pack.json").read_text())
    assert manifest["pdf"] == {"file": "area.pdf"} and "area.pdf" in manifest["files"]
    pdf = pack / "area.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and _pages(pdf) >= 2  # findings and contents, then each theme
    try:
        from pypdf import PdfReader
    except ImportError:
        return
    text = PdfReader(pdf).pages[0].extract_text()
    assert f"Page 1 of {_pages(pdf)}" in text


def test_build_without_chromium_says_in_one_line_how_to_get_the_pdf(monkeypatch, capsys):
    import evidence.pack.report

    monkeypatch.setenv(htmlreport.CHROMIUM_ENV, "")
    monkeypatch.setattr(evidence.pack.report, "build_many", lambda areas, **kw: {a: None for a in areas})
    assert cli.main(["build", "Blackpool", "--quiet"]) == 0
    hints = [line for line in capsys.readouterr().err.splitlines() if "PDF" in line]
    assert len(hints) == 1 and "install chromium" in hints[0] and "evidence pdf PACK_FOLDER" in hints[0]


def test_a_table_the_notebook_captioned_keeps_one_caption():
    from evidence.pack.htmlreport import _Ids, _table

    out = _table('<table id="T_districts"><caption>The districts of North West</caption><tr><td>1</td></tr></table>',
                 caption="<p>The districts inside the area</p>", note=None, ids=_Ids())
    assert out["html"].count("<caption") == 1 and out["label"] == "The districts of North West"
    out = _table('<table id="T_x"><tr><td>1</td></tr></table>', caption=None, note=None, ids=_Ids(), fallback="Jobs")
    assert out["html"].count("<caption>Jobs</caption>") == 1


def test_a_report_without_findings_says_why(tmp_path):
    from evidence.pack.htmlreport import render_report

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01 Overview")])
    path = tmp_path / "01.ipynb"
    nbformat.write(nb, path)
    html = render_report([path], title="T", params={}, sources=[], caveats=[],
                         no_findings="They are computed from district figures that cover England only.")
    assert "No key findings were computed for this pack. They are computed from district figures" in html
