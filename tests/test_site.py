"""The static site (``evidence site``): pages over a small site of real packs, links, and a real browser."""

from __future__ import annotations

import csv
import functools
import html.parser
import http.server
import os
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from evidence import geography
from evidence.errors import EvidenceError
from evidence.pack import site

SMALL = ["lep:Lancashire", "lep:Greater Manchester", "ca:Greater Manchester", "lad:Blackpool", "region:North West",
         "Oxford–Cambridge Arc"]


@pytest.fixture(scope="module")
def small_site(tmp_path_factory) -> tuple[Path, dict, dict]:
    """The small site built once for the module (eight packs, one process: the two LEPs at 2017 and 2021), then
    rebuilt with no change. The last test of the module rebuilds some of its packs."""
    out = tmp_path_factory.mktemp("site") / "site"
    first = site.build_site(out, areas=SMALL, jobs=1, progress=False)
    mark = time.time()
    start = time.perf_counter()
    second = site.build_site(out, areas=SMALL, jobs=1, progress=False)
    second["wall"] = time.perf_counter() - start
    second["written"] = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                               if p.is_file() and p.stat().st_mtime > mark)
    return out, first, second


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, dict]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for attr in ("href", "src"):
            if a.get(attr) is not None:
                self.links.append((tag, a[attr], a))


def _links(page: Path) -> list[tuple[str, str, dict]]:
    p = _Links()
    p.feed(page.read_text(encoding="utf-8"))
    return p.links


# ----------------------------------------------------------------------------------------------- pure helpers
def test_rank_leaves_missing_values_unranked():
    # by hand: 5.0 first, the two 3.0 share second, 1.0 fourth; None is not ranked (never as a zero would be)
    assert site.rank({"a": 3.0, "b": None, "c": 5.0, "d": 3.0, "e": 1.0}) == {"a": 2, "b": None, "c": 1, "d": 2,
                                                                             "e": 4}
    assert site.fmt(None, "gva-per-hour") == "n/a" and site.fmt(float("nan"), "jobs") == "n/a"


def test_pack_key_changes_with_data_code_and_parameters():
    a = geography.resolve("Lancashire")
    base = site.pack_key(a, 2021, data="d1", code="c1")
    assert base == site.pack_key(a, 2021, data="d1", code="c1")
    assert len({base, site.pack_key(a, 2017, data="d1", code="c1"), site.pack_key(a, 2021, data="d2", code="c1"),
                site.pack_key(a, 2021, data="d1", code="c2"),
                site.pack_key(geography.resolve("lad:Blackpool"), 2021, data="d1", code="c1")}) == 5


def test_names_are_escaped_and_missing_values_shown_as_such(tmp_path):
    """Hand-written packs (no build): a name with markup is escaped everywhere; a missing value is n/a, unranked."""
    odd = site.SiteArea(geography.Area("E06000009", '<script>alert("x")</script> & Co', "lad"), "odd",
                        {"headline": {"gva-per-hour": {"year": 2023, "value": None, "unit": "£ per hour"}}})
    other = site.SiteArea(geography.Area("E06000008", "Blackburn with Darwen", "lad"), "bwd",
                          {"headline": {"gva-per-hour": {"year": 2023, "value": 33.5, "unit": "£ per hour"}}})
    site.write_pages(tmp_path, [odd, other], vintage=2021)
    for page in tmp_path.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text, page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in (tmp_path / "index.html").read_text()
    league = (tmp_path / "league" / "gva-per-hour-lad.html").read_text()
    assert "n/a" in league and "£33.50" in league
    with open(tmp_path / "league" / "gva-per-hour-lad.csv", newline="", encoding="utf-8") as f:
        rows = {r["area_code"]: r for r in csv.DictReader(f)}
    assert rows["E06000008"]["rank"] == "1" and rows["E06000008"]["value"] == "33.5"
    assert rows["E06000009"]["rank"] == "" and rows["E06000009"]["value"] == ""  # not 0, not ranked
    assert "not ranked (no value)" in (tmp_path / "areas" / "odd.html").read_text()


# ---------------------------------------------------------------------------------------------- the small site
def test_small_site_pages(small_site):
    out, first, second = small_site
    assert not first["failed"] and len(first["built"]) == 8
    assert second["built"] == [] and len(second["reused"]) == 8 and second["wall"] < 60
    assert second["written"] == []  # a rebuild with no change writes no page, not even site.json
    areas = sorted(p.name for p in (out / "areas").glob("*.html"))
    # both LEPs at 2021 and at 2017 (the acceptance of issue 17), the other areas once
    assert areas == ["blackpool-lad.html", "greater-manchester-2017.html", "greater-manchester-ca.html",
                     "greater-manchester.html", "lancashire-2017.html", "lancashire.html", "north-west.html",
                     "oxford-cambridge-arc.html"]
    index = (out / "index.html").read_text(encoding="utf-8")
    for a in areas:
        assert f'href="areas/{a}"' in index
    assert "<svg" in index and 'data-code="E37000019"' in index  # the LEP map, Lancashire a link
    for name in ("index", "compare", "about", "league/index", "league/gva-per-hour-lep", "maps/lad-jobs",
                 "league/gva-per-hour-lep-2017", "maps/lep-2017-gva-per-hour"):
        assert (out / f"{name}.html").exists()


def test_two_lep_vintages(small_site):
    """Each LEP vintage has its own league tables, map and search entries; a 2017 LEP's name carries its year."""
    out, _, _ = small_site
    import json

    pack = json.loads((out / "packs" / "lancashire-2017" / "pack.json").read_text())
    assert pack["area"]["vintage"] == 2017 and pack["area"]["code"] == "E37000019"
    page = (out / "areas" / "lancashire-2017.html").read_text(encoding="utf-8")
    assert "<h1>Lancashire (2017)</h1>" in page and "2017 geography" in page
    assert 'href="../league/gva-per-hour-lep-2017.html"' in page
    with open(out / "league" / "gva-per-hour-lep-2017.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["area_code"] for r in rows) == ["E37000015", "E37000019"]
    assert {r["area_type"] for r in rows} == {"lep"} and {r["lep_vintage"] for r in rows} == {"2017"}
    data = json.loads((out / "assets" / "data.js").read_text().removeprefix("window.SITE = ").rstrip(";\n"))
    entry = next(a for a in data["areas"] if a["t"] == "lep-2017" and a["c"] == "E37000019")
    assert entry["n"] == "Lancashire (2017)" and entry["u"] == "areas/lancashire-2017.html"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "LEPs (2017 geography)" in index and "LEPs (2021 geography)" in index
    assert 'href="areas/lancashire-2017.html">Lancashire (2017)<' in index
    # a district's page links its LEP at both vintages
    bp = (out / "areas" / "blackpool-lad.html").read_text(encoding="utf-8")
    assert '<a href="lancashire-2017.html">Lancashire</a>' in bp and '<a href="lancashire.html">Lancashire</a>' in bp


def test_reports_link_their_chart_files(small_site):
    """In a site, a pack's report links ``charts/<key>.svg`` (which exists) rather than embedding it."""
    out, _, _ = small_site
    folder = out / "packs" / "blackpool-lad"
    links = [url for tag, url, _ in _links(folder / "blackpool-lad.html") if tag == "img"]
    linked = [u for u in links if u.startswith("charts/")]
    assert len(linked) >= 10 and all((folder / u).is_file() for u in linked)
    assert all(u.endswith(".svg") for u in linked)  # vector, and the PNGs can leave the site
    assert sum(u.startswith("data:") for u in links) <= 1  # an image without a chart key stays embedded


def test_site_packs_are_slim(small_site):
    """Issue 17 (size): a site pack's notebooks have no image outputs (each chart is a line naming its file,
    which exists), no PNG is left that nothing links, the PDF is compressed (object streams) and still whole, and
    ``pack.json`` lists exactly the files there are."""
    import json

    import pypdf

    out, _, _ = small_site
    for folder in sorted(p.parent for p in (out / "packs").glob("*/pack.json")):
        named = []
        for nb in sorted((folder / "notebooks").glob("*.ipynb")):
            for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
                for o in cell.get("outputs", []):
                    assert not [k for k in o.get("data", {}) if k.startswith("image/")], (nb, o.get("data", {}).keys())
                    text = "".join(o.get("data", {}).get("text/plain", ""))
                    if text.startswith("Chart: charts/"):
                        named.append(text.removeprefix("Chart: "))
        manifest = json.loads((folder / "pack.json").read_text())
        assert sorted(n.removeprefix("charts/").removesuffix(".svg") for n in named) == manifest["charts"]
        assert all((folder / n).is_file() for n in named)
        linked = {u for page in folder.glob("*.html") for tag, u, _ in _links(page) if u.startswith("charts/")}
        assert {f"charts/{p.name}" for p in (folder / "charts").glob("*.png")} <= linked
        assert not list((folder / "charts").glob("*.png"))  # every chart has its SVG: the report links those
        assert manifest["files"] == sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                                           if p.is_file() and p.name != "pack.json")
        pdf = folder / manifest["pdf"]["file"] if manifest["pdf"]["file"] else None
        if pdf is not None:
            assert b"/ObjStm" in pdf.read_bytes()
            assert len(pypdf.PdfReader(pdf).pages) > 20
        assert site.slim_pack(folder) == {"notebooks": 0, "charts": 0, "pdf": 0}  # slim already: nothing to do


def test_pack_tables_store_their_provenance_once(small_site):
    """Each table of a pack has its provenance in the ``evidence`` metadata only: not in pandas' metadata (the
    frame's attrs) nor in an ``ARROW:schema`` copy; each source's sha256 is in the file's bytes exactly once, and
    the table reads back with its provenance, which the pack's ``pack.json`` lists among its sources."""
    import json

    import pyarrow.parquet as pq

    from evidence.sources.base import read_parquet

    out, _, _ = small_site
    folder = out / "packs" / "lancashire"
    sources = {r.get("sha256") for r in json.loads((folder / "pack.json").read_text())["sources"]}
    tables = sorted((folder / "tables").glob("*.parquet"))
    assert len(tables) >= 15
    checked = 0
    for path in tables:
        kv = pq.ParquetFile(path).metadata.metadata
        assert set(kv) == {b"evidence", b"pandas"}, path
        assert not json.loads(kv[b"pandas"]).get("attributes")  # no copy of the attrs
        df, meta = read_parquet(path)
        assert len(df) and meta["provenance"] and meta["key"] == path.stem
        data = path.read_bytes()
        for rec in meta["provenance"]:
            assert rec.get("sha256") in sources
            if rec.get("sha256"):  # a file's hash (an API query has none)
                assert data.count(rec["sha256"].encode()) == 1, (path, rec["name"])
                checked += 1
    assert checked >= len(tables)


def test_compact_parquet_reads_back_the_same(tmp_path):
    """A hand-made frame of every kind of column a pack's table has (strings with a missing one, nullable
    integers with NA, floats with NaN, booleans, years) reads back identical, dtypes and metadata too, whether
    written compact or not; the compact file is the smaller and has no copy of the attrs."""
    import pandas as pd

    from evidence.sources.base import read_parquet, write_parquet

    df = pd.DataFrame({"area_code": ["E06000009", "E07000117", None], "year": [2021, 2022, 2023],
                       "value": [1.5, float("nan"), 3.25], "jobs": pd.array([10, None, 30], dtype="Int64"),
                       "member": [True, False, True]})
    rec = {"name": "x", "title": "A release", "sha256": "ab" * 32, "publisher": "ONS"}
    df.attrs = {"provenance": [rec], "area": "E06000009"}
    meta = {"key": "t", "title": "T", "provenance": [rec], "unit": None}
    write_parquet(df, tmp_path / "full.parquet", meta)
    write_parquet(df, tmp_path / "compact.parquet", meta, compact=True)
    full, full_meta = read_parquet(tmp_path / "full.parquet")
    compact, compact_meta = read_parquet(tmp_path / "compact.parquet")
    pd.testing.assert_frame_equal(full, compact, check_exact=True)
    assert list(compact.dtypes) == list(full.dtypes) and compact_meta == full_meta == meta
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "compact.parquet"), df.assign(), check_exact=True)
    assert df.attrs["area"] == "E06000009"  # the caller's frame keeps its attrs
    assert (tmp_path / "compact.parquet").read_bytes().count(rec["sha256"].encode()) == 1
    assert (tmp_path / "full.parquet").read_bytes().count(rec["sha256"].encode()) == 2  # and once in base64
    assert (tmp_path / "compact.parquet").stat().st_size < (tmp_path / "full.parquet").stat().st_size


def test_a_table_s_html_has_no_id_per_cell_and_one_alignment_rule_per_numeric_column():
    """Issue 17 (size): a shown table's HTML (in every notebook and report) names no cell by id; its numeric
    columns (here the 2nd and 3rd) are right-aligned by one CSS rule each, its text column is not."""
    import pandas as pd

    from evidence.pack.notebook import _text_table

    df = pd.DataFrame({"industry": ["C", "D"], "start_value": [1200.0, 3.0], "lq": [1.25, 0.5]})
    html = _text_table("t", df, "A table")[0].to_html()
    assert "_row0_col" not in html and ' id="T_t_' not in html
    assert html.count("text-align: right;") == 2
    assert "#T_t td.col1 {\n  text-align: right;\n}" in html and "#T_t td.col2 {" in html
    assert "td.col0 {" not in html
    assert '<td class="data row0 col1" >1,200</td>' in html


def test_area_page_against_england_and_pack_links(small_site):
    out, _, _ = small_site
    import json

    pack = json.loads((out / "packs" / "blackpool-lad" / "pack.json").read_text())
    page = (out / "areas" / "blackpool-lad.html").read_text(encoding="utf-8")
    v = pack["headline"]["gva-per-hour"]["value"]
    assert site.fmt(v, "gva-per-hour") in page  # the value of pack.json, as printed
    assert "England" in page and "Key findings" in page
    for f in ("blackpool-lad.html", "blackpool-lad-evidence.xlsx", "pack.json", "notebooks/01-overview.ipynb"):
        assert f'href="../packs/blackpool-lad/{f}"' in page
    assert 'href="../csv/blackpool-lad/headline.csv"' in page
    # a district lists its LEPs at 2017 and 2021 (Lancashire both times) and its region
    assert "LEP (2017)" in page and "LEP (2021)" in page and page.count(">Lancashire<") == 2
    assert '<a href="north-west.html">North West</a>' in page
    gm = (out / "areas" / "greater-manchester-ca.html").read_text(encoding="utf-8")
    assert "Manchester" in gm and "contains" in gm


def test_about_lists_every_release_with_sha256(small_site):
    out, _, _ = small_site
    import json

    about = (out / "about.html").read_text(encoding="utf-8")
    for pack in (out / "packs").glob("*/pack.json"):
        for src in json.loads(pack.read_text())["sources"]:
            if src.get("sha256"):
                assert src["sha256"] in about
    assert "evidence site --out site/" in about


def test_link_checker_finds_no_broken_link_or_missing_image(small_site):
    out, _, _ = small_site
    pages = [p for p in out.rglob("*.html") if "packs" not in p.relative_to(out).parts]
    assert len(pages) > 50
    broken = []
    for page in pages:
        for tag, url, attrs in _links(page):
            parts = urlsplit(url)
            if parts.scheme in ("http", "https"):
                # only the sources' own pages on About, never a resource the page loads
                assert tag == "a" and attrs.get("rel") == "external", (page, url)
                continue
            if parts.scheme == "data" or (not parts.path and parts.fragment):
                continue
            assert not parts.scheme and not parts.path.startswith("/"), (page, url)  # relative links only
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file():
                broken.append((page.relative_to(out).as_posix(), url))
    assert broken == []


# -------------------------------------------------------------------------------------------------- a browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
browser = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("CI"),
                             reason="Chromium and chromedriver are not installed (Debian chromium, chromium-driver)")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(small_site):
    out = small_site[0]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM and CHROMEDRIVER, "CI must install chromium and chromium-driver"
    os.environ.setdefault("SE_OFFLINE", "true")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("profile")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", f"--user-data-dir={profile}",
                "--window-size=1280,1600"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    yield d
    d.quit()


def _errors(driver) -> list:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _results(driver, query: str) -> list[str]:
    box = driver.find_element("id", "q")
    box.clear()
    box.send_keys(query)
    return [li.text for li in driver.find_elements("css selector", "#results li.result")]


@browser
def test_search_in_browser(served, driver):
    driver.get(served + "index.html")
    found = _results(driver, "Greater Manchester")
    assert len(found) == 3, found  # the LEP at 2021 and at 2017, and the combined authority
    assert sum("combined authority" in r for r in found) == 1
    assert sum(r.startswith("Greater Manchester (2017)") and "LEP" in r for r in found) == 1
    assert sum("LEP" in r and "(2017)" not in r for r in found) == 1
    assert any(r.startswith("Blackpool") for r in _results(driver, "Blackpol"))
    assert any(r.startswith("Lancashire") for r in _results(driver, "E37000019"))
    assert _errors(driver) == []


@browser
def test_map_click_opens_area_page(served, driver):
    driver.get(served + "index.html")
    driver.find_element("css selector", 'a.area[data-code="E37000019"] path').click()
    assert driver.current_url.endswith("areas/lancashire.html")
    assert driver.find_element("tag name", "h1").text == "Lancashire"
    assert _errors(driver) == []


@browser
def test_league_table_sorts(served, driver):
    driver.get(served + "league/gva-per-hour-lep.html")

    def names():
        return [r.find_elements("tag name", "td")[1].text
                for r in driver.find_elements("css selector", "#league tbody tr")]

    def values():
        return [float(r.find_elements("tag name", "td")[4].get_attribute("data-v"))
                for r in driver.find_elements("css selector", "#league tbody tr")]

    assert sorted(names()) == ["Greater Manchester", "Lancashire"]
    value_head = driver.find_elements("css selector", "#league thead th")[4]
    value_head.click()
    assert values() == sorted(values())
    value_head.click()
    assert values() == sorted(values(), reverse=True)
    driver.find_elements("css selector", "#league thead th")[1].click()
    assert names() == ["Greater Manchester", "Lancashire"]
    assert _errors(driver) == []


@browser
def test_compare_link_shows_the_chosen_areas(served, driver):
    driver.get(served + "compare.html?a=lep:E37000019,ca:E47000001,lad:E06000009,lep-2017:E37000019")
    heads = [th.text for th in driver.find_elements("css selector", "#compare-table thead th")]
    assert heads[0] == "Indicator" and heads[-1] == "England"
    assert heads[1:5] == ["Lancashire (LEP)", "Greater Manchester (combined authority)", "Blackpool (district)",
                          "Lancashire (2017) (LEP)"]
    rows = driver.find_elements("css selector", "#compare-table tbody tr")
    assert len(rows) == len(site.INDICATORS)
    shot = Path(os.environ.get("SITE_SCREENSHOTS", "")) if os.environ.get("SITE_SCREENSHOTS") else None
    if shot:
        driver.save_screenshot(str(shot / "site-compare.png"))
        for name, url in (("site-home", "index.html"), ("site-area", "areas/blackpool-lad.html"),
                          ("site-league", "league/gva-per-hour-lep.html")):
            driver.get(served + url)
            driver.save_screenshot(str(shot / f"{name}.png"))
    assert _errors(driver) == []


def test_cli_site_options(capsys):
    from evidence.cli import build_parser, main

    args = build_parser().parse_args(["site", "--out", "x", "--types", "ca,region", "--jobs", "2", "--vintage", "2017",
                                      "--serve", "--port", "8123"])
    assert (args.out, args.types, args.jobs, args.vintage, args.serve, args.port) == (Path("x"), "ca,region", 2, 2017,
                                                                                      True, 8123)
    assert tuple(args.lep_vintages) == (2017, 2021)  # the default: LEPs at both geographies
    assert build_parser().parse_args(["site", "--lep-vintages", "2020"]).lep_vintages == [2020]
    assert build_parser().parse_args(["site", "--lep-vintages", ""]).lep_vintages == []
    with pytest.raises(SystemExit):
        build_parser().parse_args(["site", "--lep-vintages", "2019"])
    assert main(["site", "--out", "x", "--port", "8123"]) == 2  # --port without --serve: an error, nothing built
    assert "--port is for --serve" in capsys.readouterr().err
    with pytest.raises(EvidenceError, match="not 'country'"):
        site.site_areas(["country"])


# ------------------------------------------------------------------------------------------ incremental builds
def test_sources_key_follows_only_the_releases_used():
    hashes = {"gva": "1", "bres-lad-division-2015-2017": "2"}
    key = site.sources_key(["gva"], hashes, pins="p")
    assert key == site.sources_key(["gva"], {**hashes, "bres-lad-division-2015-2017": "3"}, pins="p")
    assert key != site.sources_key(["gva"], {**hashes, "gva": "9"}, pins="p")
    assert key != site.sources_key(["gva"], hashes, pins="q")


def test_touching_one_dataset_rebuilds_exactly_the_packs_that_used_it(small_site, monkeypatch):
    """Issue 18: the LEP boundaries (May 2021; the snapshot's ``boundaries-lep.parquet``) are used by every pack
    of the site at the 2021 geography but by neither LEP at 2017 (their pack.json sources, read off the packs), so a
    new content hash for them rebuilds exactly the six 2021 packs and reuses the two 2017 ones. Runs last: it
    rebuilds packs of the module's site."""
    import json

    out, _, _ = small_site
    touched = "boundaries-lep21"
    users = sorted(p.parent.name for p in (out / "packs").glob("*/pack.json")
                   if touched in {s.get("name") for s in json.loads(p.read_text())["sources"]})
    assert users == ["blackpool-lad", "greater-manchester", "greater-manchester-ca", "lancashire", "north-west",
                     "oxford-cambridge-arc"]
    real = site.source_hashes()
    assert touched in real  # a dataset of the snapshot, with a content hash
    monkeypatch.setattr(site, "source_hashes", lambda: {**real, touched: "0" * 64})
    again = site.build_site(out, areas=SMALL, jobs=1, progress=False)
    assert not again["failed"]
    assert sorted(again["built"]) == users
    assert sorted(again["reused"]) == ["greater-manchester-2017", "lancashire-2017"]
    assert json.loads((out / "site.json").read_text())["sources"][touched] == "0" * 64


def test_write_html_links_the_svg_where_there_is_one(tmp_path):
    """Without embedding, a chart with an SVG beside its PNG is linked as the SVG; one with only a PNG, as that."""
    import base64

    import nbformat

    from evidence.pack import report

    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJ"
                           "RU5ErkJggg==")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("chart()", outputs=[
        nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png).decode()},
                               metadata={"image/png": {"alt": key, "key": key}}) for key in ("vector", "raster")])])
    nbformat.write(nb, tmp_path / "01-x.ipynb")
    (tmp_path / "charts").mkdir()
    for f in ("vector.png", "vector.svg", "raster.png"):
        (tmp_path / "charts" / f).write_bytes(png)
    report.write_html([tmp_path / "01-x.ipynb"], tmp_path / "r.html", embed_charts=False, title="T",
                      params={"area": "E06000009"}, sources=[], caveats=[])
    assert [u for tag, u, _ in _links(tmp_path / "r.html") if tag == "img"] == ["charts/vector.svg",
                                                                                 "charts/raster.png"]


def test_write_html_links_chart_files_only_when_asked(tmp_path):
    """A hand-made notebook with two charts, one of which has its file in ``charts/``: without embedding, that
    one is linked and the other (no file to link) stays a data URI; by default both are embedded."""
    import base64

    import nbformat

    from evidence.pack import report

    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJ"
                           "RU5ErkJggg==")
    other = base64.b64encode(png + b"\0").decode()  # another image: the trailing byte changes its data URI
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("chart()", outputs=[
        nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png).decode()},
                               metadata={"image/png": {"alt": "A chart", "key": "gva-trend"}}),
        nbformat.v4.new_output("display_data", data={"image/png": other},
                               metadata={"image/png": {"alt": "Another", "key": "not-saved"}})])])
    nbformat.write(nb, tmp_path / "01-x.ipynb")
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "gva-trend.png").write_bytes(png)
    kw = {"title": "T", "params": {"area": "E06000009"}, "sources": [], "caveats": []}
    report.write_html([tmp_path / "01-x.ipynb"], tmp_path / "linked.html", embed_charts=False, **kw)
    report.write_html([tmp_path / "01-x.ipynb"], tmp_path / "embedded.html", **kw)
    linked = {url: a for tag, url, a in _links(tmp_path / "linked.html") if tag == "img"}
    embedded = [url for tag, url, _ in _links(tmp_path / "embedded.html") if tag == "img"]
    assert linked["charts/gva-trend.png"]["alt"] == "A chart"
    assert [u for u in linked if u.startswith("data:image/png")] == ["data:image/png;base64," + other]
    assert len(embedded) == 2 and all(u.startswith("data:image/png") for u in embedded)
