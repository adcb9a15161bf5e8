"""A fake Nomis API on 127.0.0.1 for offline tests of :mod:`evidence.sources.nomis`.

It answers the endpoints the client uses, in Nomis' documented formats:

- ``/api/v01/dataset/def.sdmx.json?search=*text*`` and ``/api/v01/dataset/<id>.def.sdmx.json``: SDMX-JSON
  ``structure.keyfamilies.keyfamily[]`` with ``name``, ``annotations.annotation[]`` (``LastUpdated`` ...) and
  ``components`` (``dimension[]``, ``timedimension``, ``primarymeasure``);
- ``/api/v01/dataset/<id>/<dim>.def.sdmx.json``: ``structure.codelists.codelist[].code[]`` (``value``,
  ``description.value``); ``geography/TYPE.def.sdmx.json`` lists the geography types and
  ``geography/TYPE<n>.def.sdmx.json`` the areas of one type with ``TypeName``, ``TypeCode`` and ``GeogCode``
  annotations;
- ``/api/v01/dataset/<id>.data.csv?geography=..&date=..&<dim>=..&recordoffset=..&recordlimit=..``: the native CSV
  columns, filtered, paged with ``RECORD_OFFSET``/``RECORD_COUNT`` recomputed over the filtered rows, at most
  ``guest_cap`` rows per call (``key_cap`` when a ``uid`` is given).

The data are real rows: the raw Nomis API answer in ``../shared/data/nomis_api`` is served line for line, and
other datasets are built from real figures in ``../shared/data`` laid out in the native columns. Only the Nomis
internal ids of areas and industries that those files do not carry are invented (see :func:`bres_dataset`).

``inject`` queues canned answers (a 429 with ``Retry-After``, an HTML error page...) for the next matching
requests; ``requests`` records every request (path and decoded query, ``uid`` included) for assertions.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

_HEADER = {"id": "none", "prepared": "2026-01-01T00:00:00Z", "sender": {"id": "NOMIS"}, "test": "false"}


@dataclass
class FakeDataset:
    """One dataset: native CSV ``header`` and ``rows`` (strings, exactly as Nomis writes them)."""

    id: str
    name: str
    header: list[str]
    rows: list[list[str]]
    last_updated: str
    description: str = ""
    lineterminator: str = "\n"

    @classmethod
    def from_csv(cls, path: Path, *, id: str, name: str, last_updated: str) -> FakeDataset:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            rows = list(reader)
        return cls(id=id, name=name, header=header, rows=rows, last_updated=last_updated)

    @classmethod
    def from_records(cls, records: list[dict], *, id: str, name: str, last_updated: str) -> FakeDataset:
        header = list(records[0])
        return cls(id=id, name=name, header=header, rows=[[str(r[c]) for c in header] for r in records],
                   last_updated=last_updated)

    def col(self, name: str) -> int:
        return self.header.index(name)

    def dimensions(self) -> list[str]:
        skip = {"DATE", "OBS_STATUS", "OBS_CONF"}
        return [c for c in self.header if f"{c}_NAME" in self.header and c not in skip]

    def keyfamily(self) -> dict:
        n = self.id.removeprefix("NM_")
        return {
            "id": self.id, "agencyid": "NOMIS", "version": 1.0, "uri": f"Nm-{n}",
            "name": {"value": self.name, "lang": "en"},
            "description": {"value": self.description or self.name, "lang": "en"},
            "annotations": {"annotation": [
                {"annotationtitle": "Status", "annotationtext": "Current (being actively updated)"},
                {"annotationtitle": "Units", "annotationtext": "Persons"},
                {"annotationtitle": "LastUpdated", "annotationtext": self.last_updated},
            ]},
            "components": {
                "dimension": [{"conceptref": d, "codelist": f"CL_{n}_{d}"} for d in self.dimensions()],
                "timedimension": {"conceptref": "TIME", "codelist": f"CL_{n}_TIME"},
                "primarymeasure": {"conceptref": "OBS_VALUE"},
                "attribute": [{"conceptref": "OBS_STATUS", "codelist": "CL_OBS_STATUS"},
                              {"conceptref": "OBS_CONF", "codelist": "CL_OBS_CONF"}],
            },
        }

    def codelist(self, dim: str) -> list[dict]:
        dim = "DATE" if dim.upper() in ("TIME", "DATE") else dim.upper()
        if dim not in self.header or f"{dim}_NAME" not in self.header:
            return []
        i, j = self.col(dim), self.col(f"{dim}_NAME")
        seen: dict[str, str] = {}
        for r in self.rows:
            seen.setdefault(r[i], r[j])
        return [{"value": _num(v), "description": {"value": label, "lang": "en"}} for v, label in seen.items()]

    def geography_types(self) -> list[dict]:
        t, n = self.col("GEOGRAPHY_TYPECODE"), self.col("GEOGRAPHY_TYPE")
        seen: dict[str, str] = {}
        for r in self.rows:
            seen.setdefault(r[t], r[n])
        return [{"value": f"TYPE{code}", "description": {"value": name, "lang": "en"}} for code, name in seen.items()]

    def geography_members(self, type_code: str) -> list[dict]:
        g, name, gss = self.col("GEOGRAPHY"), self.col("GEOGRAPHY_NAME"), self.col("GEOGRAPHY_CODE")
        t, tn = self.col("GEOGRAPHY_TYPECODE"), self.col("GEOGRAPHY_TYPE")
        seen: dict[str, dict] = {}
        for r in self.rows:
            if r[t] == type_code and r[g] not in seen:
                seen[r[g]] = {"value": int(r[g]), "description": {"value": r[name], "lang": "en"},
                              "annotations": {"annotation": [
                                  {"annotationtitle": "TypeName", "annotationtext": r[tn]},
                                  {"annotationtitle": "TypeCode", "annotationtext": int(r[t])},
                                  {"annotationtitle": "GeogCode", "annotationtext": r[gss]}]}}
        return list(seen.values())

    def select(self, query: dict[str, str]) -> list[list[str]]:
        """Rows matching the query's dimension filters (Nomis semantics: comma = or, ``a...b`` = range)."""
        rows = self.rows
        for name, value in query.items():
            if name in ("uid", "recordoffset", "recordlimit", "select", "search"):
                continue
            tokens = [t for t in value.split(",") if t]
            if name == "geography":
                g, gss, t = self.col("GEOGRAPHY"), self.col("GEOGRAPHY_CODE"), self.col("GEOGRAPHY_TYPECODE")
                rows = [r for r in rows if any(_geo_match(tok, r[g], r[gss], r[t]) for tok in tokens)]
            elif name in ("date", "time"):
                d = self.col("DATE")
                latest = max(r[d] for r in self.rows)
                wanted = {latest if tok.lower() == "latest" else tok for tok in tokens}
                rows = [r for r in rows if r[d] in wanted]
            else:
                dim = name.upper()
                if dim not in self.header:
                    raise KeyError(name)
                i = self.col(dim)
                c = self.col(f"{dim}_CODE") if f"{dim}_CODE" in self.header else i
                rows = [r for r in rows if any(_code_match(tok, r[i]) or tok == r[c] for tok in tokens)]
        return rows


def _num(v: str):
    return int(v) if re.fullmatch(r"-?\d+", v) else v


def _code_match(token: str, value: str) -> bool:
    if "..." in token:
        lo, hi = token.split("...")
        return value.isdigit() and int(lo) <= int(value) <= int(hi)
    return token == value


def _geo_match(token: str, nomis_id: str, gss: str, type_code: str) -> bool:
    token = token.upper()
    if token.startswith("TYPE"):
        return token == f"TYPE{type_code}"
    return token == gss or _code_match(token, nomis_id)


@dataclass
class Fault:
    match: str
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    times: int = 1


class FakeNomis:
    """A threaded HTTP server on 127.0.0.1 playing the Nomis API over ``datasets``."""

    def __init__(self, datasets: list[FakeDataset], *, guest_cap: int = 25_000, key_cap: int = 100_000):
        self.datasets = {d.id: d for d in datasets}
        self.guest_cap = guest_cap
        self.key_cap = key_cap
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output (and captured logs) clean
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k.lower(): v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                with server.lock:
                    server.requests.append((parts.path, query))
                    fault = next((f for f in server.faults if f.times > 0 and f.match in parts.path), None)
                    if fault is not None:
                        fault.times -= 1
                if fault is not None:
                    self._send(fault.status, fault.body, fault.headers.get("Content-Type", "text/html"),
                               {k: v for k, v in fault.headers.items() if k != "Content-Type"})
                    return
                try:
                    status, body, ctype = server.route(parts.path, query)
                except KeyError as exc:
                    status, body, ctype = 400, f"<html><body>Bad request: {exc}</body></html>".encode(), "text/html"
                self._send(status, body, ctype, {})

            def _send(self, status, body, ctype, headers):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # -- control -------------------------------------------------------------------------------------------------

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/api/v01"

    def inject(self, match: str, status: int, body: bytes = b"", *, headers: dict | None = None,
               times: int = 1) -> None:
        """Answer the next ``times`` requests whose path contains ``match`` with this canned response."""
        self.faults.append(Fault(match=match, status=status, body=body, headers=dict(headers or {}), times=times))

    def reset(self) -> None:
        self.faults.clear()
        self.requests.clear()

    def data_requests(self) -> list[dict[str, str]]:
        return [q for p, q in self.requests if p.endswith(".data.csv")]

    def __enter__(self) -> FakeNomis:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- routes --------------------------------------------------------------------------------------------------

    def route(self, path: str, query: dict[str, str]) -> tuple[int, bytes, str]:
        if path == "/api/v01/dataset/def.sdmx.json":
            term = query.get("search", "").strip("*").lower()
            found = [d.keyfamily() for d in self.datasets.values()
                     if term in d.name.lower() or term in d.id.lower() or term in d.description.lower()]
            return self._json({"keyfamilies": {"keyfamily": found} if found else None})
        m = re.fullmatch(r"/api/v01/dataset/(NM_\d+_\d+)\.def\.sdmx\.json", path)
        if m:
            d = self.datasets.get(m.group(1))
            return self._json({"keyfamilies": {"keyfamily": [d.keyfamily()]} if d else None})
        m = re.fullmatch(r"/api/v01/dataset/(NM_\d+_\d+)/geography/TYPE(\d*)\.def\.sdmx\.json", path)
        if m:
            d = self.datasets[m.group(1)]
            codes = d.geography_members(m.group(2)) if m.group(2) else d.geography_types()
            return self._codelist(d, "GEOGRAPHY", codes)
        m = re.fullmatch(r"/api/v01/dataset/(NM_\d+_\d+)/(\w+)\.def\.sdmx\.json", path)
        if m:
            d = self.datasets[m.group(1)]
            return self._codelist(d, m.group(2).upper(), d.codelist(m.group(2)))
        m = re.fullmatch(r"/api/v01/dataset/(NM_\d+_\d+)\.data\.csv", path)
        if m and m.group(1) in self.datasets:
            return self._data(self.datasets[m.group(1)], query)
        return 404, b"<html><body><h1>404 - Not Found</h1></body></html>", "text/html"

    def _json(self, structure: dict) -> tuple[int, bytes, str]:
        body = {"structure": {**structure, "header": _HEADER,
                              "xmlns": "http://www.SDMX.org/resources/SDMXML/schemas/v2_0/message"}}
        return 200, json.dumps(body).encode(), "application/json"

    def _codelist(self, d: FakeDataset, dim: str, codes: list[dict]) -> tuple[int, bytes, str]:
        n = d.id.removeprefix("NM_")
        lists = [{"agencyid": "NOMIS", "id": f"CL_{n}_{dim}", "name": {"value": dim.lower(), "lang": "en"},
                  "code": codes, "uri": ""}] if codes else []
        return self._json({"codelists": {"codelist": lists} if lists else None})

    def _data(self, d: FakeDataset, query: dict[str, str]) -> tuple[int, bytes, str]:
        rows = d.select(query)
        cap = self.key_cap if query.get("uid") else self.guest_cap
        limit = min(int(query.get("recordlimit") or cap), cap)
        offset = int(query.get("recordoffset") or 0)
        total = len(rows)
        off_i, cnt_i = d.col("RECORD_OFFSET"), d.col("RECORD_COUNT")
        out = io.StringIO()
        w = csv.writer(out, lineterminator=d.lineterminator)
        w.writerow(d.header)
        for i, r in enumerate(rows[offset: offset + limit], start=offset):
            r = list(r)
            r[off_i], r[cnt_i] = str(i), str(total)
            w.writerow(r)
        return 200, out.getvalue().encode("utf-8"), "text/csv"


# -- datasets built from the real files in ../shared/data ---------------------------------------------------------

APS_FILE = "nomis_api/NM_17_5_aps_westminster_constituencies_jan-dec_2023.csv"
BRES_FILE = "bres/BRES_employment_by_LAD_and_SIC07_section_West_and_North_Yorkshire_2015-2021.csv"
MYE_FILE = "population/Population_estimates_local_authority_based_by_single_year_of_age_All_Ages_1991-2022.csv"
LAD21_TYPE = ("432", "local authorities: district / unitary (as of April 2021)")


def aps_dataset(shared: Path) -> FakeDataset:
    """``NM_17_5``: the real raw API answer, served line for line."""
    return FakeDataset.from_csv(shared / APS_FILE, id="NM_17_5", name="annual population survey",
                                last_updated="2024-04-16 09:30:00")


def _native(date: str, area: tuple[str, str, str], dims: list[tuple[str, str, str, str]], value: str,
            status: str = "A") -> dict:
    geo_id, gss, name = area
    row = {"DATE": date, "DATE_NAME": date, "DATE_CODE": date, "DATE_TYPE": "date", "DATE_TYPECODE": "0",
           "DATE_SORTORDER": "0", "GEOGRAPHY": geo_id, "GEOGRAPHY_NAME": name, "GEOGRAPHY_CODE": gss,
           "GEOGRAPHY_TYPE": LAD21_TYPE[1], "GEOGRAPHY_TYPECODE": LAD21_TYPE[0], "GEOGRAPHY_SORTORDER": "0"}
    for dim, code, label, pub_code in dims:
        row[dim] = code
        row[f"{dim}_NAME"] = label
        if pub_code is not None:
            row[f"{dim}_CODE"] = pub_code
    row.update({"MEASURES": "20100", "MEASURES_NAME": "Value", "OBS_VALUE": value, "OBS_STATUS": status,
                "OBS_STATUS_NAME": "Normal Value" if status == "A" else "These figures are missing.",
                "OBS_CONF": "F", "OBS_CONF_NAME": "Free (free for publication)", "URN": "", "RECORD_OFFSET": "0",
                "RECORD_COUNT": "0"})
    return row


def bres_dataset(shared: Path) -> FakeDataset:
    """``NM_189_1`` for 13 West and North Yorkshire LADs x SIC sections, 2015-2021, employment counts.

    The figures, GSS codes and names are the real Nomis extract; the Nomis area ids (``GEOGRAPHY``) are
    invented (``1811939000`` + n), and the section ids follow Nomis' ``150994945`` (A) ... ``150994965`` (U).
    """
    with open(shared / BRES_FILE, newline="", encoding="utf-8") as fh:
        src = list(csv.DictReader(fh))
    ids = {gss: str(1811939000 + i) for i, gss in enumerate(sorted({r["GEOGRAPHY_CODE"] for r in src}))}
    records = []
    for r in src:
        section = r["INDUSTRY_CODE"]
        industry = (str(150994945 + ord(section) - ord("A")), r["INDUSTRY_NAME"], section)
        records.append(_native(r["DATE"], (ids[r["GEOGRAPHY_CODE"]], r["GEOGRAPHY_CODE"], r["GEOGRAPHY_NAME"]),
                               [("INDUSTRY", industry[0], industry[1], industry[2]),
                                ("EMPLOYMENT_STATUS", "4", "Employment", None),
                                ("MEASURE", "1", "Count", None)], r["OBS_VALUE"]))
    return FakeDataset.from_records(records, id="NM_189_1",
                                    name="Business Register and Employment Survey : open access",
                                    last_updated="2023-10-04 09:30:00")


def population_dataset(shared: Path) -> FakeDataset:
    """``NM_2002_1`` all ages, 1991-2022, on April 2021 LADs (``-`` becomes an empty value with status ``Q``)."""
    with open(shared / MYE_FILE, newline="", encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
    head = next(i for i, r in enumerate(lines) if len(r) > 2 and r[1] == "mnemonic")
    years = lines[head][2:]
    areas = [r for r in lines[head + 1:] if len(r) > 2 and re.fullmatch(r"[EWSN]\d{8}", r[1])]
    records = []
    for n, r in enumerate(areas):
        area = (str(1946157000 + n), r[1], r[0])
        for year, value in zip(years, r[2:], strict=False):
            missing = value.strip() == "-"
            records.append(_native(year, area, [("GENDER", "0", "Total", None), ("C_AGE", "200", "All Ages", None)],
                                   "" if missing else value.strip(), "Q" if missing else "A"))
    return FakeDataset.from_records(records, id="NM_2002_1",
                                    name="population estimates - local authority based by single year of age",
                                    last_updated="2024-07-15 07:00:00")
