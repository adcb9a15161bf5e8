"""The built HTML report in a real browser: headless Chromium, pointed only at a local file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from evidence.report import build_pack

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("CI"),
    reason="Chromium and chromedriver are not installed (Debian packages chromium, chromium-driver)",
)


@pytest.fixture(scope="module")
def report(tmp_path_factory, raw_data_dir) -> Path:
    folder = build_pack("Buckinghamshire Thames Valley", out=tmp_path_factory.mktemp("reports"))
    return next(folder.glob("*.html"))


def test_report_renders_in_headless_chromium(report, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM and CHROMEDRIVER, "CI must install chromium and chromium-driver"
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not look for drivers online
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", f"--user-data-dir={tmp_path / 'profile'}",
                "--window-size=1280,2000"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        driver.get(report.as_uri())
        assert "Local Industrial Strategy evidence" in driver.title
        body = driver.find_element("tag name", "body").text
        assert "Contents" in body and "Data releases used" in body and "Parameters" in body
        links = driver.execute_script("return Array.from(document.querySelectorAll('a[href^=\"#\"]')).length")
        assert links >= 5
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.src.slice(0, 30)])")
        assert len(images) >= 5
        broken = [src for complete, width, src in images if not complete or width == 0]
        assert broken == []
        shot = tmp_path / "report.png"
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    finally:
        driver.quit()
