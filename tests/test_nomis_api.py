"""The live Nomis client, offline: a fake Nomis API on 127.0.0.1 serves real Nomis-format data.

Real figures come from ../shared/data: the raw ``NM_17_5.data.csv`` answer (APS, Westminster constituencies,
Jan-Dec 2023), the BRES LAD x section extract for 13 West/North Yorkshire LADs (NM_189_1) and the Nomis
all-ages mid-year estimates (NM_2002_1). The claimant count and jobs density rows are hand-made.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging

import pandas as pd
import pytest
from nomis_fake import APS_FILE, BRES_FILE, FakeDataset, FakeNomis, aps_dataset, bres_dataset, population_dataset

from evidence import config
from evidence.cli import main
from evidence.errors import ChecksumMismatchError, DownloadError, EvidenceError, NomisError
from evidence.sources import nomis

# Port 9 (discard) on this machine: nothing listens, so a test that forgets to point at the fake fails fast
# instead of reaching the internet.
CLOSED = "http://127.0.0.1:9/api/v01"
SECRET = "0xSECRETKEY0123456789abcdef"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NOMIS_API_BASE", CLOSED)
    monkeypatch.delenv("NOMIS_API_KEY", raising=False)


def _hand_made(dataset: str, name: str, dim: str, codes: list[tuple[str, str]], values: list[str]) -> FakeDataset:
    records = []
    for n, ((code, label), value) in enumerate(zip(codes, values, strict=True)):
        records.append({
            "DATE": "2024-01", "DATE_NAME": "January 2024", "DATE_CODE": "2024-01", "GEOGRAPHY": "1811939400",
            "GEOGRAPHY_NAME": "Leeds", "GEOGRAPHY_CODE": "E08000035",
            "GEOGRAPHY_TYPE": "local authorities: district / unitary (as of April 2023)", "GEOGRAPHY_TYPECODE": "424",
            "GENDER": "0", "GENDER_NAME": "Total", "AGE": "0", "AGE_NAME": "All categories: Age 16+",
            dim: code, f"{dim}_NAME": label, "MEASURES": "20100", "MEASURES_NAME": "Value", "OBS_VALUE": value,
            "OBS_STATUS": "A", "OBS_STATUS_NAME": "Normal Value", "OBS_CONF": "F",
            "OBS_CONF_NAME": "Free (free for publication)", "URN": f"hand-made-{n}", "RECORD_OFFSET": str(n),
            "RECORD_COUNT": str(len(codes))})
    return FakeDataset.from_records(records, id=dataset, name=name, last_updated="2024-02-13 07:00:00")


@pytest.fixture(scope="module")
def server(shared_data):
    datasets = [
        aps_dataset(shared_data), bres_dataset(shared_data), population_dataset(shared_data),
        _hand_made("NM_162_1", "Claimant count by sex and age", "MEASURE",
                   [("1", "Claimant count"), ("2", "Claimants as a proportion of residents aged 16-64")],
                   ["20000", "3.9"]),
        _hand_made("NM_57_1", "Jobs density", "ITEM", [("1", "Total jobs"), ("3", "Jobs density")],
                   ["500000", "0.95"]),
    ]
    with FakeNomis(datasets) as srv:
        yield srv


@pytest.fixture
def fake(server, monkeypatch):
    server.reset()
    server.guest_cap, server.key_cap = 25_000, 100_000
    for d in server.datasets.values():
        d.last_updated = {"NM_17_5": "2024-04-16 09:30:00"}.get(d.id, d.last_updated)
    monkeypatch.setenv("NOMIS_API_BASE", server.base)
    yield server
    server.reset()


def _files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# -- paging ------------------------------------------------------------------------------------------------------


def test_three_pages_are_reassembled_in_order(fake, shared_data):
    fake.guest_cap = 3000  # the server caps pages below the client's 25,000: 3000 + 3000 + 1584 rows
    df = nomis.get("NM_17_5")
    assert [(q["recordoffset"], q["recordlimit"]) for q in fake.data_requests()] == [
        ("0", "25000"), ("3000", "25000"), ("6000", "25000")]
    assert "uid" not in fake.data_requests()[0]
    real = pd.read_csv(shared_data / APS_FILE, dtype=str, keep_default_na=False)
    assert len(df) == 7584 == len(real)
    assert df["area_code"].tolist() == real["GEOGRAPHY_CODE"].tolist()
    assert df["measures"].tolist() == real["MEASURES"].tolist()
    # The cache holds exactly the bytes Nomis sent for the whole query: the real file, byte for byte.
    cached = nomis.nomis_dir() / f"{df.attrs['nomis_key']}.csv"
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == hashlib.sha256(
        (shared_data / APS_FILE).read_bytes()).hexdigest()
    assert df.attrs["data_origin"] == "live"
    side = json.loads(cached.with_suffix(".json").read_text())
    assert side["rows"] == 7584 and side["pages"] == 3 and side["rows_per_call"] == nomis.GUEST_ROW_LIMIT


def test_an_api_key_asks_for_pages_of_100000(fake, monkeypatch):
    monkeypatch.setenv("NOMIS_API_KEY", SECRET)
    fake.guest_cap, fake.key_cap = 1000, 5000
    df = nomis.get("NM_17_5")
    reqs = fake.data_requests()
    assert [(q["recordoffset"], q["recordlimit"], q["uid"]) for q in reqs] == [
        ("0", "100000", SECRET), ("5000", "100000", SECRET)]
    assert len(df) == 7584


def test_a_short_page_is_an_error_not_a_silent_truncation(fake):
    fake.guest_cap = 3000
    # The second page comes back empty (a header only), as a server that gave up part-way would send it.
    body = b"DATE,DATE_NAME,GEOGRAPHY_NAME,GEOGRAPHY_CODE,OBS_VALUE,OBS_STATUS,RECORD_OFFSET,RECORD_COUNT\n"
    original = fake.route

    def route(path, query):
        if path.endswith(".data.csv") and query.get("recordoffset") == "3000":
            return 200, body, "text/csv"
        return original(path, query)

    fake.route = route
    try:
        with pytest.raises(NomisError, match=r"truncated.*3000 of 7584"):
            nomis.get("NM_17_5")
    finally:
        fake.route = original
    assert not _files(nomis.nomis_dir())


# -- tidy output -------------------------------------------------------------------------------------------------


def test_tidy_rows_keep_gss_codes_flags_and_confidence(fake):
    df = nomis.get("NM_17_5", geography=["E14001101", "E14001209"], date="2023-12")
    assert df["area_code"].unique().tolist() == ["E14001101", "E14001209"]
    assert len(df) == 2 * 3 * 4
    first = df.iloc[0]
    assert (first["area_name"], first["date"], first["date_name"], first["year"]) == (
        "Bishop Auckland", "2023-12", "Jan 2023-Dec 2023", 2023)
    assert (first["variable_name"], first["variable"], first["measures_name"], first["measures"]) == (
        "Economic activity rate - aged 16-64", "18", "Variable", "20599")
    assert (first["value"], first["flag"], first["conf"]) == (75.4, "A", "F")
    ealing = df[df["area_name"].eq("Ealing Southall")].set_index(["variable", "measures_name"])
    # The manifest's edge case: a rate of 100.0 with the confidence interval missing (Q).
    assert ealing.loc[("18", "Variable"), "value"] == 100.0
    assert pd.isna(ealing.loc[("18", "Confidence"), "value"]) and ealing.loc[("18", "Confidence"), "flag"] == "Q"
    # RQF4+: G, unreliable (group sample 3-9), value NA but kept with its flag.
    assert pd.isna(ealing.loc[("1902", "Confidence"), "value"]) and ealing.loc[("1902", "Confidence"), "flag"] == "G"
    assert ealing.loc[("1902", "Numerator"), "value"] == 30400.0
    assert df["area_code"].map(type).eq(str).all()


def test_whole_file_counts_and_suppressed_cells(fake):
    df = nomis.get("NM_17_5")
    assert df["area_code"].nunique() == 632
    assert df.drop_duplicates("area_code")["area_code"].str[:3].value_counts().to_dict() == {
        "E14": 543, "S14": 57, "W07": 32}
    assert sorted(df["variable"].unique()) == ["18", "1902", "45"]
    assert df["flag"].value_counts().to_dict() == {"A": 7581, "Q": 2, "G": 1}
    assert df["value"].isna().sum() == 3


def test_parse_rejects_a_csv_without_the_nomis_columns(tmp_path):
    p = tmp_path / "broken.csv"
    p.write_text("DATE,GEOGRAPHY_CODE,VALUE\n2023,E14001101,1\n")
    with pytest.raises(NomisError, match=r"lacks the Nomis column\(s\) \['DATE_NAME', 'GEOGRAPHY_NAME', "
                                         r"'OBS_VALUE', 'OBS_STATUS'\]"):
        nomis.parse_csv(p)


# -- retries, malformed answers ----------------------------------------------------------------------------------


def test_a_rate_limit_then_success(fake):
    fake.inject(".data.csv", 429, b"Too many requests", headers={"Retry-After": "0"})
    df = nomis.get("NM_17_5", geography="E14001101")
    offsets = [q["recordoffset"] for q in fake.data_requests()]
    assert offsets == ["0", "0"]  # the 429, then the retry
    assert len(df) == 12


def test_a_rate_limit_that_outlasts_the_retries(fake):
    fake.inject(".data.csv", 429, b"Too many requests", headers={"Retry-After": "0"}, times=5)
    with pytest.raises(NomisError, match="rate-limiting"):
        nomis.get("NM_17_5", geography="E14001101", retries=1)
    assert not _files(nomis.nomis_dir())


def test_an_html_error_page_is_a_clear_error(fake):
    page = b"<!DOCTYPE html><html><head><title>Nomis</title></head><body><h1>Service unavailable</h1></body></html>"
    fake.inject(".data.csv", 200, page, headers={"Content-Type": "text/html"})
    with pytest.raises(NomisError, match=r"expected CSV data, got HTML.*Service unavailable"):
        nomis.get("NM_17_5", geography="E14001101")
    assert not _files(nomis.nomis_dir())  # nothing half-written


def test_csv_missing_columns_is_a_clear_error(fake):
    fake.inject(".data.csv", 200, b"DATE,GEOGRAPHY,OBS\n2023-12,1,2\n", headers={"Content-Type": "text/csv"})
    with pytest.raises(NomisError, match=r"lacks the Nomis column"):
        nomis.get("NM_17_5", geography="E14001101")


def test_non_json_metadata_and_unknown_dataset(fake):
    fake.inject(".def.sdmx.json", 200, b"<html>oops</html>")
    with pytest.raises(NomisError, match="did not answer JSON"):
        nomis.describe("NM_17_5")
    with pytest.raises(NomisError, match="no dataset 'NM_999_1'"):
        nomis.get("NM_999_1")


def test_a_query_with_no_rows_says_so(fake):
    with pytest.raises(NomisError, match="no rows"):
        nomis.get("NM_17_5", geography="E14009999")


def test_unreachable_nomis_is_a_typed_error(monkeypatch):
    with pytest.raises(NomisError, match="could not reach Nomis") as err:
        nomis.get("NM_17_5", geography="E14001101", retries=0)
    assert isinstance(err.value, DownloadError) and isinstance(err.value, EvidenceError)


# -- cache and pins ----------------------------------------------------------------------------------------------


def test_a_cache_hit_makes_no_request(fake):
    first = nomis.get("NM_17_5", geography="E14001101", date="2023-12", variable=45)
    n = len(fake.requests)
    again = nomis.get("nm_17_5", variable="45", date=" 2023-12", geography=["E14001101"])  # same query, normalised
    assert len(fake.requests) == n
    assert again.attrs["data_origin"] == "cache"
    pd.testing.assert_frame_equal(first, again)
    key = first.attrs["nomis_key"]
    side = json.loads((nomis.nomis_dir() / f"{key}.json").read_text())
    assert side["url"] == f"{fake.base}/dataset/NM_17_5.data.csv?date=2023-12&geography=E14001101&variable=45"
    assert side["last_updated"] == "2024-04-16 09:30:00"
    assert side["query"] == {"dataset": "NM_17_5",
                             "params": {"date": "2023-12", "geography": "E14001101", "variable": "45"}}
    assert side["sha256"] == hashlib.sha256((nomis.nomis_dir() / f"{key}.csv").read_bytes()).hexdigest()
    assert side["fetched_at"].endswith("+00:00")
    rec = first.attrs["provenance"][0]
    assert (rec["release_date"], rec["sha256"], rec["licence"]) == (
        "2024-04-16 09:30:00", side["sha256"], "Open Government Licence v3.0")
    # refresh=True goes back to the API; max_age=0 treats the cache as stale.
    nomis.get("NM_17_5", geography="E14001101", date="2023-12", variable=45, refresh=True)
    nomis.get("NM_17_5", geography="E14001101", date="2023-12", variable=45, max_age=0)
    assert len(fake.data_requests()) == 3


def test_the_cache_key_ignores_order_case_and_the_api_key():
    a = nomis.build_query("NM_17_5", geography="E14001101,E14001209", date="2023-12", filters={"Variable": [18, 45]})
    b = nomis.build_query("nm_17_5", filters={"variable": "18, 45"}, date="2023-12", geography=["E14001101",
                                                                                                   "E14001209"])
    c = nomis.build_query("NM_17_5", geography="E14001101,E14001209", date="2023-12", filters={"variable": 18})
    assert a.key == b.key != c.key
    assert a.key.startswith("NM_17_5-")
    with pytest.raises(ValueError, match="set by the client"):
        nomis.build_query("NM_17_5", filters={"uid": SECRET})


def test_the_pinned_file_is_used_offline(fake, monkeypatch):
    p = nomis.pin("NM_17_5", geography="E14001101")
    assert p.path.name == f"{p.key}.csv" and p.path.parent.name == "pinned"
    assert p.sha256 == hashlib.sha256(p.path.read_bytes()).hexdigest()
    manifest = json.loads((nomis.nomis_dir() / "pins.json").read_text())["pins"]
    assert manifest[p.key]["sha256"] == p.sha256 and manifest[p.key]["last_updated"] == "2024-04-16 09:30:00"
    for f in nomis.nomis_dir().glob("NM_17_5-*"):  # drop the cache: only the pin remains
        f.unlink()
    monkeypatch.setenv("NOMIS_API_BASE", CLOSED)  # and go offline
    fake.reset()
    df = nomis.get("NM_17_5", geography="E14001101")
    assert df.attrs["data_origin"] == "pinned" and len(df) == 12 and not fake.requests
    assert df.loc[0, "value"] == 75.4
    with pytest.raises(NomisError, match="could not reach"):
        nomis.get("NM_17_5", geography="E14001101", refresh=True, retries=0)
    p.path.write_bytes(p.path.read_bytes().replace(b"75.4", b"75.5"))
    with pytest.raises(ChecksumMismatchError, match="pinned file was changed"):
        nomis.get("NM_17_5", geography="E14001101")


def test_check_reports_a_newer_release(fake):
    nomis.pin("NM_17_5", geography="E14001101")
    nomis.pin("NM_2002_1", geography="E08000035", date="2022")
    status = nomis.check().set_index("dataset")["status"].to_dict()
    assert status == {"NM_17_5": "current", "NM_2002_1": "current"}
    fake.datasets["NM_17_5"].last_updated = "2024-07-16 09:30:00"
    out = nomis.check().set_index("dataset")
    assert out.loc["NM_17_5", "status"] == "newer release"
    assert out.loc["NM_17_5", "nomis_last_updated"] == "2024-07-16 09:30:00"
    assert out.loc["NM_2002_1", "status"] == "current"
    # The pin still serves the old release until it is re-pinned with refresh=True.
    assert nomis.get("NM_17_5", geography="E14001101").attrs["data_origin"] == "pinned"
    nomis.pin("NM_17_5", geography="E14001101", refresh=True)
    assert nomis.check().set_index("dataset").loc["NM_17_5", "status"] == "current"


# -- the API key -------------------------------------------------------------------------------------------------


def test_the_api_key_is_never_written_or_logged(fake, monkeypatch, caplog):
    monkeypatch.setenv("NOMIS_API_KEY", SECRET)
    caplog.set_level(logging.DEBUG)  # urllib3 logs every request line at DEBUG
    fake.guest_cap, fake.key_cap = 1000, 3000
    df = nomis.get("NM_17_5")
    nomis.pin("NM_17_5", geography="E14001101")
    nomis.check()
    fake.inject(".data.csv", 500, b"<html>error</html>", times=5)
    with pytest.raises(NomisError) as err:
        nomis.get("NM_17_5", geography="E14001209", retries=1)
    assert SECRET not in str(err.value) and "uid" not in str(err.value)
    assert all(q.get("uid") == SECRET for q in fake.data_requests())  # the key was sent...
    assert len(df) == 7584
    written = _files(config.data_dir())
    assert written and not [p for p in written if SECRET.encode() in p.read_bytes()]  # ...never stored
    assert "uid=***" in caplog.text and SECRET not in caplog.text  # ...never logged
    for rec in df.attrs["provenance"]:
        assert SECRET not in json.dumps(rec)


def test_the_key_is_read_when_called_not_at_import(fake, monkeypatch):
    nomis.get("NM_17_5", geography="E14001101")
    monkeypatch.setenv("NOMIS_API_KEY", SECRET)
    nomis.get("NM_17_5", geography="E14001209")
    assert [q.get("uid") for q in fake.data_requests()] == [None, SECRET]


# -- geography ---------------------------------------------------------------------------------------------------


def test_geography_as_codes_or_a_nomis_type(fake):
    df = nomis.get("NM_17_5", geography="E14001101,W07000081")
    assert sorted(df["area_code"].unique()) == ["E14001101", "W07000081"]
    assert fake.data_requests()[0]["geography"] == "E14001101,W07000081"
    assert nomis.get("NM_17_5", geography="TYPE172", variable=45)["area_code"].nunique() == 632


WEST_YORKSHIRE = ["E08000032", "E08000033", "E08000034", "E08000035", "E08000036"]
BRES_LADS = sorted(WEST_YORKSHIRE + ["E06000014", "E07000163", "E07000164", "E07000165", "E07000166", "E07000167",
                                     "E07000168", "E07000169"])
BRES_IDS = {gss: str(1811939000 + i) for i, gss in enumerate(BRES_LADS)}  # as nomis_fake.bres_dataset numbers them


def _bres_2021_c(shared_data) -> pd.Series:
    real = pd.read_csv(shared_data / BRES_FILE, dtype={"DATE": int, "OBS_VALUE": float})
    return real[(real["DATE"] == 2021) & real["INDUSTRY_CODE"].eq("C")].set_index("GEOGRAPHY_CODE")["OBS_VALUE"]


def test_a_combined_authority_expands_to_its_lads_in_the_right_geography_type(fake, shared_data):
    geography = pytest.importorskip("evidence.geography")
    assert geography.lad_codes("ca:West Yorkshire") == WEST_YORKSHIRE
    df = nomis.get_bres(geography="ca:West Yorkshire", years=2021, industry="150994947", lad_type="TYPE432")
    assert [p for p, _ in fake.requests if p.endswith("/NM_189_1/geography/TYPE432.def.sdmx.json")]
    assert fake.data_requests()[0]["geography"] == ",".join(BRES_IDS[c] for c in WEST_YORKSHIRE)
    got = df.set_index("area_code")["value"]
    assert sorted(got.index) == WEST_YORKSHIRE
    assert got.to_dict() == _bres_2021_c(shared_data).loc[WEST_YORKSHIRE].to_dict()
    assert got["E08000035"] == 30000.0  # Leeds, manufacturing employment, 2021
    q = nomis.build_query("NM_189_1", geography="E47000003")  # by code, default: April 2023 LADs, TYPE424
    assert (q.lads, q.lad_type) == (tuple(WEST_YORKSHIRE), "TYPE424")


def test_a_lep_at_an_older_vintage_on_its_own_lad_codes(fake, shared_data):
    geography = pytest.importorskip("evidence.geography")
    # York, North Yorkshire and East Riding in the DfE 2020 allocation: four North Yorkshire districts (2020 codes).
    lads = geography.lad_codes("lep:York and North Yorkshire", vintage=2020, on="native")
    assert lads == ["E07000164", "E07000166", "E07000167", "E07000168"]
    with pytest.raises(ValueError, match="needs lad_type="):
        nomis.build_query("NM_189_1", geography="lep:York and North Yorkshire", vintage=2020, lad_on="native")
    df = nomis.get_bres(geography=["Leeds", "lep:York and North Yorkshire"], years=2021, industry="150994947",
                        vintage=2020, lad_on="native", lad_type="TYPE432")
    # Leeds, an LAD, goes by its GSS code; the LEP's members by their ids in TYPE432.
    assert fake.data_requests()[0]["geography"] == ",".join(["E08000035"] + [BRES_IDS[c] for c in lads])
    got = df.set_index("area_code")["value"]
    assert sorted(got.index) == sorted(["E08000035"] + lads)
    assert got.to_dict() == _bres_2021_c(shared_data).loc[got.index].to_dict()
    # The 2021 LEP on April 2023 codes includes North Yorkshire (E06000065), which is not in TYPE432 data.
    with pytest.raises(NomisError, match=r"TYPE424 has no area with code\(s\) \['E06000014', 'E06000065'\]"):
        nomis.get_bres(geography="lep:York and North Yorkshire", years=2021)


def test_an_unknown_area_name_is_an_error_with_suggestions(fake):
    pytest.importorskip("evidence.geography")
    with pytest.raises(EvidenceError, match="Unknown area 'West Yorkshre'"):
        nomis.get("NM_189_1", geography="West Yorkshre")


# -- ready-made getters ------------------------------------------------------------------------------------------


def test_get_aps_units_and_additivity(fake):
    df = nomis.get_aps(geography="E14001101", variable=[45, 1902], years=2023)
    q = fake.data_requests()[0]
    assert (q["date"], q["variable"], q["measures"]) == ("2023-12", "45,1902", "20599,21001,21002,21003")
    units = df.set_index(["variable", "measures_name"])[["unit", "additive", "value"]]
    assert units.loc[("45", "Variable")].tolist() == ["%", False, 69.3]
    assert units.loc[("45", "Numerator")].tolist() == ["persons", True, 35000.0]
    assert units.loc[("45", "Confidence")].tolist()[:2] == ["percentage points", False]
    assert units.loc[("1902", "Variable"), "unit"] == "%"


def test_get_bres_reads_real_figures(fake, shared_data):
    df = nomis.get_bres(geography=["E08000035", "E07000163"], years=range(2015, 2022), industry="150994945...150994965")
    q = fake.data_requests()[0]
    assert (q["employment_status"], q["measure"], q["measures"]) == ("4", "1", "20100")
    assert q["date"] == "2015,2016,2017,2018,2019,2020,2021"
    real = pd.read_csv(shared_data / BRES_FILE, dtype={"DATE": int, "OBS_VALUE": float})
    real = real[real["GEOGRAPHY_CODE"].isin(["E08000035", "E07000163"])]
    assert len(df) == len(real) == 2 * 21 * 7
    got = df.set_index(["area_code", "year", "industry"])["value"]
    want = real.set_index(["GEOGRAPHY_CODE", "DATE", "INDUSTRY_CODE"])["OBS_VALUE"]
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False)
    assert (got.loc[("E08000035", 2015, "C")], got.loc[("E07000163", 2020, "C")]) == (29000.0, 3500.0)
    assert set(df["unit"]) == {"persons"} and df["additive"].all()  # employment: employees + working owners
    row = df[df["industry"].eq("C")].iloc[0]
    assert (row["industry_name"], row["industry_id"], row["employment_status_name"]) == (
        "C : Manufacturing", "150994947", "Employment")
    with pytest.raises(ValueError, match="employment_status"):
        nomis.get_bres(geography="E08000035", employment_status="jobs")


def test_get_population_by_age(fake):
    df = nomis.get_population_by_age(geography=["E08000035", "E07000163"], years=[2021, 2022], age="all")
    q = fake.data_requests()[0]
    assert (q["gender"], q["c_age"], q["date"]) == ("0", "200", "2021,2022")
    v = df.set_index(["area_code", "year"])["value"]
    assert v.loc[("E08000035", 2022)] == 822483.0 and v.loc[("E07000163", 2022)] == 57804.0
    assert set(df["unit"]) == {"persons"} and df["additive"].all()
    assert nomis._population_ages([16, "16-64", 90]) == "117,203,191"
    with pytest.raises(ValueError):
        nomis._population_ages(91)


def test_get_population_keeps_missing_as_na(fake):
    df = nomis.get_population_by_age(geography="S12000033", years=2022, age="all")  # Aberdeen City: '-' in 2022
    assert len(df) == 1 and pd.isna(df.loc[0, "value"]) and df.loc[0, "flag"] == "Q"


def test_get_claimant_count_and_jobs_density(fake):
    cc = nomis.get_claimant_count(geography="E08000035", date="2024-01", measure=["count", "rate"])
    q = fake.data_requests()[0]
    assert (q["gender"], q["age"], q["measure"], q["measures"]) == ("0", "0", "1,2", "20100")
    assert cc[["unit", "additive"]].values.tolist() == [["persons", True], ["%", False]]
    jd = nomis.get_jobs_density(geography="E08000035", date="2024-01")
    assert fake.data_requests()[1]["item"] == "1,3"
    assert jd[["value", "unit", "additive"]].values.tolist() == [
        [500000.0, "jobs", True], [0.95, "jobs per resident aged 16-64", False]]


# -- search, describe, CLI ---------------------------------------------------------------------------------------


def test_search_and_describe(fake):
    found = nomis.search("population survey")
    assert found["id"].tolist() == ["NM_17_5"]
    assert found.loc[0, "last_updated"] == "2024-04-16 09:30:00"
    assert nomis.search("no such thing").empty
    info = nomis.describe("nm_17_5")
    assert (info.id, info.name, info.last_updated) == ("NM_17_5", "annual population survey", "2024-04-16 09:30:00")
    assert info.dimensions == ("GEOGRAPHY", "VARIABLE", "MEASURES", "TIME")
    codes = info.codes.set_index(["dimension", "code"])["label"]
    assert codes.loc[("VARIABLE", "45")] == "Employment rate - aged 16-64"
    assert codes.loc[("GEOGRAPHY", "TYPE172")] == "Westminster Parliamentary Constituencies (July 2024)"
    members = nomis.geography_codes("NM_17_5", "TYPE172")
    assert len(members) == 632 and members.set_index("gss").loc["E14001101", "nomis_id"] == "721420327"


def test_cli(fake, capsys):
    assert main(["nomis", "search", "population survey", "--format", "csv"]) == 0
    assert "NM_17_5,annual population survey" in capsys.readouterr().out
    assert main(["nomis", "describe", "NM_17_5", "--format", "csv"]) == 0
    assert "VARIABLE,45,Employment rate - aged 16-64" in capsys.readouterr().out
    assert main(["nomis", "get", "NM_17_5", "--geography", "E14001101", "--filter", "variable=45",
                 "--filter", "measures=20599", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("area_code,area_name,") and len(out) == 2 and ",69.3," in out[1]
    assert main(["nomis", "pin", "NM_17_5", "--geography", "E14001101"]) == 0
    assert "pinned NM_17_5-" in capsys.readouterr().err
    assert main(["nomis", "check", "--format", "csv"]) == 0
    assert ",current" in capsys.readouterr().out
    assert main(["nomis", "get", "NM_999_1"]) == 2
    assert "no dataset" in capsys.readouterr().err
    assert main(["nomis", "get", "nm_17_5", "--geography", "not a code"]) == 2
    assert "Unknown area" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse: "expected DIMENSION=CODES"
        main(["nomis", "get", "NM_17_5", "--filter", "variable"])
    assert "expected DIMENSION=CODES" in capsys.readouterr().err


def test_cli_expands_an_area(fake, capsys):
    pytest.importorskip("evidence.geography")
    assert main(["nomis", "get", "NM_189_1", "--geography", "ca:West Yorkshire", "--lad-type", "TYPE432", "--date",
                 "2021", "-f", "industry=150994947", "--format", "csv"]) == 0
    rows = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"area_code": str})
    assert rows["area_code"].tolist() == WEST_YORKSHIRE and rows["value"].tolist()[3] == 30000.0


# -- online ------------------------------------------------------------------------------------------------------


@pytest.mark.network
def test_one_real_query(monkeypatch):
    """Run with ``pytest -m network``: one small query against the real API (jobs density, England)."""
    monkeypatch.setenv("NOMIS_API_BASE", nomis.DEFAULT_BASE)
    df = nomis.get_jobs_density(geography="E92000001", date="latest", item="density")
    assert len(df) == 1 and df.loc[0, "area_code"] == "E92000001" and 0.5 < df.loc[0, "value"] < 1.5
    assert df.attrs["provenance"][0]["release_date"]
