"""A user-supplied name is data, never markup or a formula (issue 19, items 3 and 4).

Packs are built with the real theme notebooks for user groups (``EVIDENCE_GROUPS``) named
``<script>alert(1)</script>`` and ``=HYPERLINK("http://x","y")``: the report is opened in headless Chromium (no
script runs, the name shows as text), the workbook is read with openpyxl (every string cell a string, no
formula), and CSV output quotes a leading formula character (OWASP) while numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from evidence import config, geography
from evidence.cli import main
from evidence.pack.report import build_pack

XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'
GROUPS = f"""\
[[group]]
code = "GRP-XSS"
name = "{XSS}"
lads = ["E08000021", "E08000037"]

[[group]]
code = "GRP-FORMULA"
name = '{FORMULA}'
lads = ["E08000021", "E08000037"]
"""
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _notebooks(*names: str) -> list[Path]:
    return [config.CHECKOUT_DIR / "notebooks" / n for n in names]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    path = tmp_path_factory.mktemp("groups") / "groups.toml"
    path.write_text(GROUPS, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(geography.GROUPS_ENV, str(path))
        yield tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="module")
def xss_pack(hostile) -> Path:
    return build_pack("GRP-XSS", out=hostile,
                      notebooks=_notebooks("01-overview.ipynb", "02-productivity.ipynb"))


@pytest.fixture(scope="module")
def formula_pack(hostile) -> Path:
    return build_pack("GRP-FORMULA", out=hostile, notebooks=_notebooks("01-overview.ipynb", "06-scorecard.ipynb"))


def test_the_report_never_holds_the_name_as_markup(xss_pack):
    body = next(xss_pack.glob("*.html")).read_text()
    assert XSS not in body
    assert body.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 10  # title, sentences, tables, alt text


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Chromium and chromedriver are not installed")
def test_no_script_runs_in_chromium_and_the_name_shows_as_text(xss_pack, tmp_path):
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", f"--user-data-dir={tmp_path / 'profile'}"):
        opts.add_argument(arg)
    opts.unhandled_prompt_behavior = "ignore"  # an alert stays open, so that the test can see it
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        driver.get(next(xss_pack.glob("*.html")).as_uri())
        with pytest.raises(NoAlertPresentException):
            driver.switch_to.alert.text  # noqa: B018 - raises when no alert() ran
        scripts = driver.execute_script(
            "return Array.from(document.scripts).filter(s => s.text.includes('alert(1)')).length")
        assert scripts == 0
        h1 = driver.find_element("tag name", "h1").text
        assert XSS in h1
        body = driver.find_element("tag name", "body").text
        assert body.count(XSS) >= 5
        headers = driver.execute_script(
            "return Array.from(document.querySelectorAll('th')).map(t => t.textContent.trim())")
        assert XSS in headers  # the area's column of the headline table
        alts = driver.execute_script("return Array.from(document.images).map(i => i.alt)")
        assert any(XSS in a for a in alts)
    finally:
        driver.quit()


def test_the_workbook_holds_no_formula(formula_pack):
    path = next(formula_pack.glob("*-evidence.xlsx"))
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<f>" in s or "<f " in s for s in sheets)
    wb = openpyxl.load_workbook(path)
    named = [c for ws in wb for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert named, "the name should appear in the workbook"
    assert all(c.data_type == "s" for c in named)
    headers = [c.value for c in wb["headline"][2]]
    assert FORMULA in headers  # the header is the name, as a string
    value = wb["headline"].cell(row=3, column=headers.index(FORMULA) + 1)
    assert value.data_type == "n"


def test_csv_quotes_a_leading_formula_character_and_keeps_numbers(formula_pack, capsys):
    assert main(["show", "commuting-pay-gap", "--area", "GRP-FORMULA", "--format", "csv"]) in (0, None)
    out = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out)))
    mine = [r for r in rows if r["area_code"] == "GRP-FORMULA"]
    assert mine and all(r["area_name"] == "'" + FORMULA for r in mine)
    # England's commuting gap is negative (ASHE 2024: workplace £728.30 - residence £728.40 = -£0.10): a number
    england = [r for r in rows if r["area_code"] == "E92000001"]
    assert england and float(england[0]["value"]) == pytest.approx(-0.1)
    assert not england[0]["value"].startswith("'")
    baseline = (formula_pack / "monitoring-baseline.csv").read_text()
    for row in csv.reader(io.StringIO(baseline)):
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
