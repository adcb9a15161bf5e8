"""The built HTML report and its PDF in a real browser: headless Chromium, pointed only at local files.

For the reference area (Buckinghamshire Thames Valley, the 2021 LEP Buckinghamshire) and a district
(Blackpool, E06000009), each pack built once for the module:

- "Key findings" comes before the contents, on the page and in the document;
- no horizontal overflow at 1280 px and at 800 px (``document.documentElement.scrollWidth <= innerWidth``);
- every image has non-empty alt text and loads;
- the headings never skip a level, and ``<html>`` has ``lang``;
- the PDF exists, is in ``pack.json``'s files, and has at least ``MIN_PAGES`` pages (counted with pypdf);
- every file of the pack has the same mode.

Screenshots (top of the report, a chart section, at 1280 and 800 px) are saved under the test's tmp folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from evidence.pack.report import build_pack

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
#: The fewest pages the PDF of each pack may have: the front matter (header, key findings, contents) and seven
#: themes, each starting on a new page, with charts that are never split.
MIN_PAGES = {"reference": 20, "district": 20}
AREAS = {"reference": "Buckinghamshire Thames Valley", "district": "E06000009"}

browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("CI"),
    reason="Chromium and chromedriver are not installed (Debian packages chromium, chromium-driver)",
)


@pytest.fixture(scope="module")
def packs(tmp_path_factory, raw_data_dir) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reports")
    return {kind: build_pack(area, out=out) for kind, area in AREAS.items()}


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM and CHROMEDRIVER, "CI must install chromium and chromium-driver"
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not look for drivers online
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--user-data-dir={tmp_path_factory.mktemp('profile')}", "--window-size=1280,1000"):
        opts.add_argument(arg)
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    yield d
    d.quit()


def _report(folder: Path) -> Path:
    return folder / f"{folder.name}.html"


def test_every_file_of_a_pack_has_one_mode(packs):
    for folder in packs.values():
        modes = {p.relative_to(folder).as_posix(): oct(p.stat().st_mode & 0o777)
                 for p in folder.rglob("*") if p.is_file()}
        assert "monitoring-baseline.csv" in modes and "monitoring-baseline.json" in modes
        assert len(set(modes.values())) == 1, modes


@browser
@pytest.mark.parametrize("kind", list(AREAS))
def test_report_in_headless_chromium(packs, driver, kind, tmp_path):
    folder = packs[kind]
    driver.set_window_size(1280, 1000)
    driver.get(_report(folder).as_uri())
    assert "Local Industrial Strategy evidence" in driver.title
    assert driver.execute_script("return document.documentElement.lang") == "en-GB"
    # Key findings before the contents: in the document and on the page
    order = driver.execute_script(
        "const f = document.getElementById('key-findings'), c = document.getElementById('contents');"
        "return [f.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING,"
        " f.getBoundingClientRect().top, c.getBoundingClientRect().top]")
    assert order[0] and order[1] < order[2]
    body = driver.find_element("tag name", "body").text
    assert body.index("Key findings") < body.index("Contents") < body.index("Sources and method")
    assert "Data releases used" in body and "Parameters" in body
    levels = [int(t[1]) for t in driver.execute_script(
        "return Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6')).map(h => h.tagName)")]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    images = driver.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, (i.alt || '').trim(), i.id"
        " || i.parentElement.id])")
    assert len(images) >= 5
    assert [im for im in images if not im[0] or im[1] == 0] == []     # every image loads
    assert [im[3] for im in images if not im[2]] == []                # every image has alt text
    assert all(im[3].startswith("chart-") for im in images)
    assert driver.execute_script("return document.querySelectorAll('table:not(:has(caption))').length") == 0
    for width in (1280, 800):
        driver.set_window_size(width, 1000)
        sizes = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert sizes[0] <= sizes[1], f"{kind} overflows at {width} px: {sizes}"
        shot = tmp_path / f"{kind}-top-{width}.png"
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    driver.set_window_size(1280, 1000)
    first_chart = images[0][3]
    driver.execute_script("document.getElementById(arguments[0]).scrollIntoView()", first_chart)
    assert driver.save_screenshot(str(tmp_path / f"{kind}-chart.png"))


def _pages(pdf: Path) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:  # pypdf is a dev dependency; count the page objects
        return len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))
    return len(PdfReader(pdf).pages)


@browser
@pytest.mark.parametrize("kind", list(AREAS))
def test_pack_has_its_pdf(packs, kind):
    folder = packs[kind]
    manifest = json.loads((folder / "pack.json").read_text())
    pdf = folder / f"{folder.name}.pdf"
    assert manifest["pdf"] == {"file": pdf.name} and pdf.name in manifest["files"]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert _pages(pdf) >= MIN_PAGES[kind]
