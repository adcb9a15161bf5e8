"""A live client for the Nomis API, with a query cache and pinned releases.

Nomis (https://www.nomisweb.co.uk/api/v01/, run by Durham University for ONS) is the only practical source of
several series an evidence base needs: BRES by local authority after 2017, Annual Population Survey time series,
the claimant count, population aged 16-64 and jobs density. This module is a *live* client, not a pinned-file
loader (it defines no ``DATASETS``): it answers a query from, in order,

1. a **pinned** result (``data/raw/nomis/pinned/<key>.csv``, listed with its sha256 in
   ``data/raw/nomis/pins.json``), verified by sha256, unless ``refresh=True``;
2. the **cache** (``data/raw/nomis/<key>.csv`` and its ``<key>.json`` sidecar), unless ``refresh=True`` or the
   entry is older than ``max_age``;
3. the **API**, paging past the row cap, and then writes the cache.

``<key>`` is ``<dataset>-<hash>``, the hash of the API root and its version (``v01``), the dataset and the
normalised query: parameter names lower-cased and sorted, values stripped, and the API key, ``recordoffset`` and
``recordlimit`` left out, so the same query to the same API always maps to the same file whoever runs it, and
an answer from one server is never served for a query to another (:meth:`NomisQuery.cache_key`; pins, which
are shared, keep the query's own :attr:`NomisQuery.key`). Pages are appended to a temporary file beside the
cache as they arrive, which is renamed into place when complete.

The API and its documented limits
---------------------------------
- ``GET {base}/dataset/def.sdmx.json?search=*text*``: datasets whose metadata match ``text`` (SDMX-JSON).
- ``GET {base}/dataset/<id>.def.sdmx.json``: a dataset's dimensions and annotations, including
  ``LastUpdated``, the date of the latest release (SDMX-JSON).
- ``GET {base}/dataset/<id>/<dimension>.def.sdmx.json``: a dimension's codelist;
  ``.../geography/TYPE.def.sdmx.json`` lists the geography types and ``.../geography/TYPE424.def.sdmx.json``
  the areas of one type, each with its GSS code in the ``GeogCode`` annotation.
- ``GET {base}/dataset/<id>.data.csv?geography=..&date=..&measures=..&<dimension>=..``: the data, 28 or so
  native columns (``DATE, DATE_NAME, GEOGRAPHY, GEOGRAPHY_NAME, GEOGRAPHY_CODE, <DIM>, <DIM>_NAME, <DIM>_CODE,
  MEASURES, MEASURES_NAME, OBS_VALUE, OBS_STATUS, OBS_CONF, URN, RECORD_OFFSET, RECORD_COUNT`` ...).
  A call returns at most 25,000 rows without an API key and 100,000 with one (the ``uid`` parameter);
  ``RECORD_COUNT`` gives the total and ``recordoffset`` asks for the next page. The client asks for pages of
  that size (``recordlimit``) and keeps going until it holds ``RECORD_COUNT`` rows, so it also copes with a
  server that caps pages lower than documented; each page's ``RECORD_OFFSET`` is checked so that pages are
  reassembled in order, and a short or empty page raises :class:`~evidence.errors.NomisError`.

Sources for these limits: the Nomis API help (https://www.nomisweb.co.uk/api/v01/help) and nomisr's
documentation ("Guest users are limited to 25,000 rows per query"; "Using the key means that 100,000 rows can
be returned per call").

HTTP goes through :func:`evidence.sources.fetch.session`; the client retries connection errors, 429 and 5xx itself,
waiting ``Retry-After`` up to a cap, within an overall deadline per request, and stops a query over a row or
byte ceiling (:class:`NomisLimits`). The base URL is ``base=``, else ``NOMIS_API_BASE``,
else the public API. The API key is read from ``NOMIS_API_KEY`` at call time (never at import), sent only as the
``uid`` parameter, only over https (or to this machine), and never written to the cache, sidecars, pins, log
records or exception messages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import numpy as np
import pandas as pd
import requests

from .. import config, provenance
from ..errors import ChecksumMismatchError, NomisError, UnknownAreaError

log = logging.getLogger(__name__)

#: The public Nomis API root. Tests and mirrors override it with ``base=`` or ``NOMIS_API_BASE``.
DEFAULT_BASE = "https://www.nomisweb.co.uk/api/v01"
#: Rows per call without an API key, and with one (``uid``).
GUEST_ROW_LIMIT = 25_000
KEY_ROW_LIMIT = 100_000
#: Nomis geography types of local authority districts, by the April of the LAD boundaries (``lad_type=``).
LAD_GEOGRAPHY_TYPES = {"2021": "TYPE432", "2023": "TYPE424"}
#: ``OBS_STATUS`` codes whose value is missing or suppressed: ``Q`` "These figures are missing", ``G`` estimate
#: unreliable (APS group sample 3-9, not published), and the SDMX missing-value codes ``M``, ``O``, ``L``, ``H``.
MISSING_STATUS = frozenset({"Q", "G", "M", "O", "L", "H"})
LICENCE = "Open Government Licence v3.0"
PUBLISHER = "Office for National Statistics (via Nomis)"

#: Native columns a data response must have.
REQUIRED_COLUMNS = ("DATE", "DATE_NAME", "GEOGRAPHY_NAME", "GEOGRAPHY_CODE", "OBS_VALUE", "OBS_STATUS")
_RESERVED = frozenset({"uid", "recordoffset", "recordlimit", "select"})
_NOT_DIMENSIONS = frozenset({"DATE", "GEOGRAPHY", "OBS_STATUS", "OBS_CONF"})
_UID_RE = re.compile(r"(?i)\buid=[^&\s'\"<>)]*")
_GSS_RE = re.compile(r"^[EWSNK]\d{8}$")
_NOMIS_GEO_RE = re.compile(r"^(TYPE\d+|\d+(TYPE\d+)?|\d+\.\.\.\d+)$", re.IGNORECASE)
# GSS codes Nomis can take directly: LADs, counties, regions, countries, constituencies, wards...
# LEPs (E37) and combined authorities (E47) are expanded to their member LADs instead.
_AREA_GROUP_PREFIXES = ("E37", "E47")


# --------------------------------------------------------------------------------------------------------------
# Small helpers: base URL, key, redaction, atomic writes
# --------------------------------------------------------------------------------------------------------------


#: The layout of cached answers; a change of it makes new cache keys.
CACHE_FORMAT = 2


def _api_version(root: str) -> str:
    """``v01`` for ``https://www.nomisweb.co.uk/api/v01``; ``unknown`` for a root without ``/api/<version>``."""
    m = re.search(r"/api/(v\d+)(?:/|$)", urlsplit(root).path, re.IGNORECASE)
    return m.group(1).lower() if m else "unknown"


def api_base(base: str | None = None) -> str:
    """The API root: ``base``, else ``$NOMIS_API_BASE``, else :data:`DEFAULT_BASE` (no trailing slash)."""
    return (base or os.environ.get("NOMIS_API_BASE") or DEFAULT_BASE).rstrip("/")


def _api_key(api_key: str | None) -> str | None:
    # Read at call time so that setting NOMIS_API_KEY after import works, and nothing is read at import.
    return api_key or os.environ.get("NOMIS_API_KEY") or None


def redact(text: str, key: str | None = None) -> str:
    """``text`` with every ``uid=...`` parameter (and the key itself, if given) replaced by ``***``.

    Examples
    --------
    >>> redact("https://x/api/v01/dataset/NM_1_1.data.csv?geography=TYPE480&uid=0xabc123&date=latest")
    'https://x/api/v01/dataset/NM_1_1.data.csv?geography=TYPE480&uid=***&date=latest'
    """
    out = _UID_RE.sub("uid=***", text)
    if key:
        out = out.replace(key, "***")
    return out


class _RedactUid(logging.Filter):
    """Rewrites log records that would show a ``uid=`` (urllib3 logs every request line at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # a malformed record is not ours to fix; let logging report it
            return True
        clean = redact(msg, os.environ.get("NOMIS_API_KEY") or None)
        if clean != msg:
            record.msg, record.args = clean, None
        return True


_LOG_FILTER = _RedactUid()
_REDACTED_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.connection", "requests", __name__)


def _install_log_redaction() -> None:
    for name in _REDACTED_LOGGERS:
        lg = logging.getLogger(name)
        if _LOG_FILTER not in lg.filters:
            lg.addFilter(_LOG_FILTER)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, so no partial file is ever seen."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_json(path: Path, obj) -> None:
    _write_atomic(path, (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def nomis_dir() -> Path:
    """``data/raw/nomis``: the cache, the pinned results and ``pins.json``."""
    return config.raw_dir() / "nomis"


def _pins_file() -> Path:
    return nomis_dir() / "pins.json"


# --------------------------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------------------------


_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise NomisError(f"{name}={value!r} is not a number.") from None
    if number <= 0:
        raise NomisError(f"{name}={value!r} must be positive.")
    return number


@dataclass(frozen=True)
class NomisLimits:
    """What one query may cost: a wait the client accepts, a deadline per request, and a ceiling on its size.

    Attributes
    ----------
    retry_after_cap : float
        The longest ``Retry-After`` (seconds) the client waits before retrying a 429 or 5xx answer; a server
        asking for longer gets a :class:`~evidence.errors.NomisError` at once (``$NOMIS_RETRY_AFTER_CAP``,
        default 60).
    deadline : float or None
        Seconds one request may take from first try to last byte, retries and waits included
        (``$NOMIS_DEADLINE``; default: three times the read timeout, at most 600).
    max_rows : int
        The most rows a query may have (its ``RECORD_COUNT``; ``$NOMIS_MAX_ROWS``, default 5,000,000).
    max_bytes : int
        The most bytes the answers to a query may add up to (``$NOMIS_MAX_BYTES``, default 1 GiB).

    Examples
    --------
    >>> NomisLimits(max_rows=1000).max_rows
    1000
    """

    retry_after_cap: float = 60.0
    deadline: float | None = None
    max_rows: int = 5_000_000
    max_bytes: int = 1 << 30

    @classmethod
    def from_env(cls) -> NomisLimits:
        """The limits set by ``$NOMIS_RETRY_AFTER_CAP``, ``$NOMIS_DEADLINE``, ``$NOMIS_MAX_ROWS`` and
        ``$NOMIS_MAX_BYTES`` (defaults for those unset)."""
        d = cls()
        deadline = os.environ.get("NOMIS_DEADLINE", "").strip()
        return cls(retry_after_cap=_env_number("NOMIS_RETRY_AFTER_CAP", d.retry_after_cap),
                   deadline=_env_number("NOMIS_DEADLINE", 1.0) if deadline else None,
                   max_rows=int(_env_number("NOMIS_MAX_ROWS", d.max_rows)),
                   max_bytes=int(_env_number("NOMIS_MAX_BYTES", d.max_bytes)))


@dataclass
class _Answer:
    status_code: int
    reason: str
    content: bytes


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (a number of seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _check_scheme(base: str, key: str | None) -> None:
    """Refuse to send an API key in clear: only over https (or to this machine, which it never leaves)."""
    if not key:
        return
    parts = urlsplit(base)
    if parts.scheme == "https" or (parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK):
        return
    raise NomisError(f"refusing to send the Nomis API key over plain {parts.scheme or 'unknown'}:// to "
                     f"{parts.hostname or base}: the key would travel in clear. Use an https:// base URL (the "
                     f"public API is {DEFAULT_BASE}), or unset NOMIS_API_KEY (api_key=) for this server.")


class _Client:
    """One session against one API root; the key is added to each request and nowhere else.

    Every request has an overall deadline (:class:`NomisLimits`), retries connection errors, 429 and 5xx
    answers itself (waiting ``Retry-After`` up to the cap, else a back-off), and reads the body in pieces as
    they arrive, so that neither a long ``Retry-After`` nor a server that trickles bytes can hold it longer.
    """

    def __init__(self, base: str | None, api_key: str | None, *, timeout: float, retries: int,
                 limits: NomisLimits | None = None):
        from .fetch import session

        _install_log_redaction()
        self.base = api_base(base)
        self.key = _api_key(api_key)
        _check_scheme(self.base, self.key)
        self.limits = limits or NomisLimits.from_env()
        self.timeout = (min(10.0, timeout), timeout)
        self.deadline = self.limits.deadline if self.limits.deadline is not None else min(600.0, 3 * timeout)
        self.retries = retries
        self.session = session(retries=0)  # retries are done here, within the deadline
        self.bytes_read = 0

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, *exc) -> None:
        self.session.close()

    def url(self, path: str, params: Mapping[str, str] | None = None) -> str:
        """The URL of a request as recorded and shown: never with the key."""
        url = f"{self.base}/{path}"
        if params:
            url += "?" + urlencode(list(params.items()), safe=",*")
        return url

    def _late(self, what: str, shown: str, doing: str) -> NomisError:
        return NomisError(f"{what}: {shown} did not finish within the {self.deadline:g} s deadline ({doing}). "
                          "The server is too slow or stalled; try again later, or allow longer with "
                          "NomisLimits(deadline=...) or NOMIS_DEADLINE.")

    def _body(self, resp: requests.Response, end: float, what: str, shown: str) -> bytes:
        """The body, read piece by piece as it arrives, against the deadline and the query's byte ceiling."""
        parts, got = [], 0
        raw = resp.raw
        while True:
            if time.monotonic() > end:
                raise self._late(what, shown, f"{got:,} bytes of the answer received so far")
            # decoded (gzip) here, as requests would; read1 returns what has arrived instead of waiting for more
            block = raw.read1(1 << 16, decode_content=True)
            if not block:
                return b"".join(parts)
            got += len(block)
            self.bytes_read += len(block)
            if self.bytes_read > self.limits.max_bytes:
                raise NomisError(f"{what}: the answers to this query exceed the ceiling of "
                                 f"{self.limits.max_bytes:,} bytes ({shown}). Narrow the query (fewer areas, dates "
                                 "or codes), or raise NomisLimits(max_bytes=...) or NOMIS_MAX_BYTES.")
            parts.append(block)

    def get(self, path: str, params: Mapping[str, str] | None = None, *, what: str) -> _Answer:
        shown = self.url(path, params)
        query = dict(params or {})
        if self.key:
            query["uid"] = self.key
        log.debug("Nomis: GET %s", shown)
        end = time.monotonic() + self.deadline
        attempt = 0
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise self._late(what, shown, f"after {attempt} attempt(s)")
            try:
                with self.session.get(f"{self.base}/{path}", params=query, stream=True,
                                      timeout=(min(self.timeout[0], left), min(self.timeout[1], left))) as resp:
                    status, reason = resp.status_code, resp.reason or ""
                    wait = _retry_after(resp.headers.get("Retry-After"))
                    body = self._body(resp, end, what, shown)
            except requests.RequestException as exc:
                if time.monotonic() >= end:
                    raise self._late(what, shown, f"{type(exc).__name__} on attempt {attempt + 1}") from None
                if attempt < self.retries:
                    attempt += 1
                    time.sleep(min(0.5 * 2 ** (attempt - 1), max(0.0, end - time.monotonic())))
                    continue
                # ``from None``: the original exception's text holds the full URL, key included.
                raise NomisError(f"{what}: could not reach Nomis at {shown}: {redact(str(exc), self.key)}. "
                                 "Check the connection (or NOMIS_API_BASE), or use a pinned result.") from None
            if status in _RETRY_STATUS and attempt < self.retries:
                if wait is not None and wait > self.limits.retry_after_cap:
                    raise NomisError(f"{what}: {shown} answered HTTP {status} and asked to wait {wait:g} s before "
                                     f"retrying (Retry-After), longer than the {self.limits.retry_after_cap:g} s "
                                     "this client waits. Try again later, or allow a longer wait with "
                                     "NomisLimits(retry_after_cap=...) or NOMIS_RETRY_AFTER_CAP.")
                wait = 0.5 * 2 ** attempt if wait is None else wait
                if time.monotonic() + wait > end:
                    raise self._late(what, shown, f"HTTP {status}, and the {wait:g} s wait before retrying would "
                                     "pass it")
                attempt += 1
                time.sleep(wait)
                continue
            break
        if status == 429:
            raise NomisError(f"{what}: Nomis is rate-limiting requests (HTTP 429 after retries) for {shown}. "
                             "Wait a few minutes and try again; an API key (NOMIS_API_KEY) allows larger pages, "
                             "so fewer calls.")
        if status != 200:
            raise NomisError(f"{what}: {shown} answered HTTP {status} {redact(reason, self.key)}"
                             f"{_snippet(body, self.key)}.")
        return _Answer(status, reason, body)

    def json(self, path: str, params: Mapping[str, str] | None = None, *, what: str) -> dict:
        resp = self.get(path, params, what=what)
        try:
            data = json.loads(resp.content)
        except ValueError:
            raise NomisError(f"{what}: {self.url(path, params)} did not answer JSON{_snippet(resp.content, self.key)}."
                             ) from None
        if not isinstance(data, dict) or not isinstance(data.get("structure"), dict):
            raise NomisError(f"{what}: {self.url(path, params)} answered JSON without an SDMX 'structure' object.")
        return data["structure"]


def _snippet(body: bytes, key: str | None) -> str:
    text = body[:600].decode("utf-8", "replace")
    text = re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())[:200]
    return f" (the answer began: {redact(text, key)!r})" if text else ""


# --------------------------------------------------------------------------------------------------------------
# Metadata: search, describe, last-updated
# --------------------------------------------------------------------------------------------------------------


def _text(obj) -> str | None:
    if isinstance(obj, dict):
        return obj.get("value")
    return obj if isinstance(obj, str) else None


def _annotations(obj: dict) -> dict[str, str]:
    items = ((obj.get("annotations") or {}).get("annotation")) or []
    if isinstance(items, dict):
        items = [items]
    return {str(a.get("annotationtitle")): str(a.get("annotationtext")) for a in items if isinstance(a, dict)}


def _keyfamilies(structure: dict) -> list[dict]:
    kf = structure.get("keyfamilies")
    items = (kf.get("keyfamily") or []) if isinstance(kf, dict) else []
    return [items] if isinstance(items, dict) else list(items)


def _codes(structure: dict) -> list[dict]:
    cl = structure.get("codelists")
    lists = (cl.get("codelist") or []) if isinstance(cl, dict) else []
    if isinstance(lists, dict):
        lists = [lists]
    out = []
    for c in lists:
        items = c.get("code") or []
        out.extend([items] if isinstance(items, dict) else items)
    return out


@dataclass(frozen=True)
class DatasetInfo:
    """What :func:`describe` says about a Nomis dataset."""

    id: str
    name: str
    description: str | None
    last_updated: str | None
    dimensions: tuple[str, ...]
    annotations: dict = field(default_factory=dict)
    codes: pd.DataFrame | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        lines = [f"{self.id}: {self.name}", f"last updated: {self.last_updated or 'not stated'}",
                 f"dimensions: {', '.join(self.dimensions)}"]
        return "\n".join(lines)


def _dataset_info(client: _Client, dataset: str) -> DatasetInfo:
    what = f"Nomis dataset {dataset}"
    families = _keyfamilies(client.json(f"dataset/{dataset}.def.sdmx.json", what=what))
    match = [k for k in families if str(k.get("id", "")).upper() == dataset.upper()] or families[:1]
    if not match:
        raise NomisError(f"Nomis has no dataset {dataset!r}. Search for one with `evidence nomis search TEXT`.")
    k = match[0]
    ann = _annotations(k)
    comps = k.get("components") or {}
    dims = comps.get("dimension") or []
    dims = [dims] if isinstance(dims, dict) else dims
    names = [str(d.get("conceptref")) for d in dims if d.get("conceptref")]
    time = (comps.get("timedimension") or {}).get("conceptref")
    if time:
        names.append(str(time))
    return DatasetInfo(id=str(k.get("id", dataset)), name=_text(k.get("name")) or dataset,
                       description=_text(k.get("description")) or ann.get("SubDescription"),
                       last_updated=ann.get("LastUpdated"), dimensions=tuple(names), annotations=ann)


def search(text: str, *, base: str | None = None, api_key: str | None = None, timeout: float = 60.0,
           retries: int = 3) -> pd.DataFrame:
    """Find Nomis datasets whose metadata match ``text`` (Nomis' ``search=*text*``).

    Returns
    -------
    DataFrame
        One row per dataset: ``id`` (e.g. ``NM_189_1``), ``name``, ``last_updated`` (the ``LastUpdated``
        annotation) and ``description``; empty when nothing matches.
    """
    term = text.strip()
    if not term:
        raise ValueError("search text is empty")
    if "*" not in term:
        term = f"*{term}*"
    with _Client(base, api_key, timeout=timeout, retries=retries) as client:
        families = _keyfamilies(client.json("dataset/def.sdmx.json", {"search": term},
                                            what=f"Nomis search {text!r}"))
    rows = []
    for k in families:
        ann = _annotations(k)
        rows.append({"id": str(k.get("id", "")), "name": _text(k.get("name")),
                     "last_updated": ann.get("LastUpdated"),
                     "description": _text(k.get("description")) or ann.get("SubDescription")})
    return pd.DataFrame(rows, columns=["id", "name", "last_updated", "description"])


def describe(dataset: str, *, base: str | None = None, api_key: str | None = None, timeout: float = 60.0,
             retries: int = 3) -> DatasetInfo:
    """A dataset's name, last-updated date, dimensions and codelists.

    ``codes`` is a frame with one row per code: ``dimension``, ``code`` (what a query takes, e.g. ``18`` or
    ``TYPE424``), ``label``, ``parent`` and ``gss`` (for geographies). For ``GEOGRAPHY`` it lists the geography
    *types* (``TYPE...``), not every area; pass a type to a query or ask for its areas with
    :func:`geography_codes`.
    """
    dataset = dataset.strip().upper()
    with _Client(base, api_key, timeout=timeout, retries=retries) as client:
        info = _dataset_info(client, dataset)
        rows = []
        for dim in info.dimensions:
            path = (f"dataset/{info.id}/geography/TYPE.def.sdmx.json" if dim.upper() == "GEOGRAPHY"
                    else f"dataset/{info.id}/{dim.lower()}.def.sdmx.json")
            for c in _codes(client.json(path, what=f"Nomis codelist {info.id}/{dim}")):
                ann = _annotations(c)
                rows.append({"dimension": dim, "code": str(c.get("value")), "label": _text(c.get("description")),
                             "parent": None if c.get("parentcode") is None else str(c.get("parentcode")),
                             "gss": ann.get("GeogCode")})
    codes = pd.DataFrame(rows, columns=["dimension", "code", "label", "parent", "gss"])
    return DatasetInfo(id=info.id, name=info.name, description=info.description, last_updated=info.last_updated,
                       dimensions=info.dimensions, annotations=info.annotations, codes=codes)


def _geography_members(client: _Client, dataset: str, geography_type: str) -> dict[str, str]:
    """GSS code -> Nomis geography id for the areas of one geography type in one dataset."""
    out: dict[str, str] = {}
    for c in _codes(client.json(f"dataset/{dataset}/geography/{geography_type}.def.sdmx.json",
                                what=f"Nomis geography {geography_type} of {dataset}")):
        gss = _annotations(c).get("GeogCode")
        if gss and c.get("value") is not None:
            out[gss] = str(c["value"])
    return out


def geography_codes(dataset: str, geography_type: str, *, base: str | None = None, api_key: str | None = None,
                    timeout: float = 60.0, retries: int = 3) -> pd.DataFrame:
    """The areas of one Nomis geography type (e.g. ``TYPE424``) in a dataset: ``gss``, ``nomis_id``."""
    with _Client(base, api_key, timeout=timeout, retries=retries) as client:
        members = _geography_members(client, dataset.strip().upper(), geography_type.strip().upper())
    return pd.DataFrame({"gss": list(members), "nomis_id": list(members.values())})


# --------------------------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NomisQuery:
    """A normalised query. ``key`` names its cache and pin files; it never depends on the API key.

    ``lads`` are member LADs of one of our areas (a LEP, a combined authority...); they are sent as the Nomis
    geography ids of ``lad_type`` (e.g. ``TYPE424``, LADs as of April 2023), looked up when the query is run.
    """

    dataset: str
    params: tuple[tuple[str, str], ...]
    lads: tuple[str, ...] = ()
    lad_type: str | None = None

    @property
    def key(self) -> str:
        body = {"dataset": self.dataset, "params": [list(p) for p in self.params]}
        if self.lads:
            body["lads"] = list(self.lads)
            body["lad_type"] = self.lad_type
        digest = _sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())
        return f"{self.dataset}-{digest[:16]}"

    def cache_key(self, base: str | None = None) -> str:
        """The name of the query's cache files: ``<dataset>-<hash>`` of the API root (``base``, see
        :func:`api_base`), its version, the dataset and the full query, so that an answer from one server is
        never served for a query to another (pins keep :attr:`key` and record their API root)."""
        root = api_base(base)
        body = {"api": root, "api_version": _api_version(root), "client": CACHE_FORMAT, "dataset": self.dataset,
                "params": [list(p) for p in self.params], "lads": list(self.lads), "lad_type": self.lad_type}
        digest = _sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())
        return f"{self.dataset}-{digest[:16]}"

    def as_dict(self) -> dict:
        d = {"dataset": self.dataset, "params": dict(self.params)}
        if self.lads:
            d["lads"] = list(self.lads)
            d["lad_type"] = self.lad_type
        return d


def _param_value(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return ",".join(p.strip() for p in value.split(",") if p.strip()) or None
    if isinstance(value, bool):
        raise TypeError("a Nomis parameter cannot be a bool")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Iterable):
        parts = [_param_value(v) for v in value]
        return ",".join(p for p in parts if p) or None
    return str(value)


def _looks_like_code(item: str) -> bool:
    return bool(_NOMIS_GEO_RE.match(item) or _GSS_RE.match(item.upper()))


def _geography_items(geography) -> list[str]:
    if isinstance(geography, str):
        parts = [p.strip() for p in geography.split(",") if p.strip()]
        # "Bristol, City of" is one name; "E06000001,E06000002" is two codes.
        if len(parts) > 1 and all(_looks_like_code(p) for p in parts):
            return parts
        return [geography.strip()] if geography.strip() else []
    return [str(g).strip() for g in geography if str(g).strip()]


def _member_lads(item: str, *, vintage: int, lad_on: str) -> tuple[list[str], list[str]]:
    """(codes to pass as they are, LAD codes to send as ids of the LAD geography type) for one of our areas."""
    try:
        from .. import geography as geo
    except ImportError:
        raise UnknownAreaError(item, kind="area (evidence.geography is not available; pass GSS codes)") from None
    area = geo.resolve(item, vintage=vintage)
    if area.type in ("lad", "region", "country"):
        return [area.code], []  # Nomis takes these GSS codes directly
    return [], list(geo.lad_codes(area, vintage=vintage, on=lad_on))


def _lad_type(lad_type: str | None, *, lad_on: str, vintage: int) -> str:
    if lad_type is not None:
        if not re.fullmatch(r"TYPE\d+", lad_type.strip().upper()):
            raise ValueError(f"lad_type={lad_type!r} is not a Nomis geography type such as TYPE424")
        return lad_type.strip().upper()
    if lad_on == "2023" or vintage == 2021:  # the 2021 vintage's own codes are the December 2023 LADs
        return LAD_GEOGRAPHY_TYPES["2023"]
    known = "; ".join(f"{v}: LADs as of April {k}" for k, v in sorted(LAD_GEOGRAPHY_TYPES.items()))
    raise ValueError(f"the {vintage} LEP vintage on its own LAD codes needs lad_type=, the Nomis geography type "
                     f"that holds those LADs ({known}; list a dataset's types with describe()).")


def build_query(dataset: str, *, geography=None, date=None, measures=None, vintage: int = 2021,
                lad_on: str = "2023", lad_type: str | None = None,
                filters: Mapping[str, object] | None = None) -> NomisQuery:
    """Normalise a query (see :func:`get` for the arguments); expands our areas to member LADs."""
    dataset = dataset.strip().upper()
    if not re.fullmatch(r"NM_\d+_\d+", dataset):
        raise ValueError(f"{dataset!r} is not a Nomis dataset id (like NM_189_1); find one with search().")
    params: dict[str, str] = {}
    for name, value in {"date": date, "measures": measures, **(filters or {})}.items():
        pname = name.strip().lower()
        if pname in _RESERVED:
            raise ValueError(f"{name!r} is set by the client and cannot be passed as a filter")
        if pname == "geography":
            raise ValueError("pass geography with geography=, not as a filter")
        v = _param_value(value)
        if v is not None:
            params[pname] = v
    lads: list[str] = []
    if geography is not None:
        direct: list[str] = []
        for item in _geography_items(geography):
            if _NOMIS_GEO_RE.match(item):
                direct.append(item.upper())
            elif _GSS_RE.match(item.upper()) and not item.upper().startswith(_AREA_GROUP_PREFIXES):
                direct.append(item.upper())
            else:
                d, m = _member_lads(item, vintage=vintage, lad_on=str(lad_on))
                direct.extend(d)
                lads.extend(c for c in m if c not in lads)
        if direct:
            params["geography"] = ",".join(dict.fromkeys(direct))
        if not direct and not lads:
            raise ValueError("geography is empty")
    lad_type = _lad_type(lad_type, lad_on=str(lad_on), vintage=vintage) if lads else None
    return NomisQuery(dataset=dataset, params=tuple(sorted(params.items())), lads=tuple(lads), lad_type=lad_type)


# --------------------------------------------------------------------------------------------------------------
# Fetch with paging
# --------------------------------------------------------------------------------------------------------------


def _read_csv_bytes(body: bytes, *, source: str) -> pd.DataFrame:
    stripped = body.lstrip()
    if stripped[:1] in (b"<", b"{"):
        kind = "HTML/XML" if stripped[:1] == b"<" else "JSON"
        raise NomisError(f"{source}: expected CSV data, got {kind}{_snippet(body, None)}. Nomis answers an error "
                         "page like this for a malformed query or when it is unavailable.")
    try:
        df = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise NomisError(f"{source}: the answer is not readable CSV ({type(exc).__name__}: {exc}).") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise NomisError(f"{source}: the CSV lacks the Nomis column(s) {missing}; it has {list(df.columns)[:12]}. "
                         "The API's format may have changed.")
    return df


def _header(body: bytes) -> bytes:
    body = body.removeprefix(b"\xef\xbb\xbf")
    end = body.find(b"\n")
    return body if end < 0 else body[: end + 1]


@dataclass
class _Fetched:
    part: Path  # the reassembled answer, in a temporary file beside the cache
    sha256: str
    url: str
    name: str
    last_updated: str | None
    rows: int
    pages: int
    page_size: int
    geography_ids: str | None = None


def _fetch(q: NomisQuery, client: _Client, key: str) -> _Fetched:
    """Ask for every page of a query and append each, as it comes, to a temporary file beside the cache
    (only one page is held in memory); the caller renames it into the cache. A query larger than
    ``client.limits`` allows (rows by ``RECORD_COUNT``, or bytes) stops with :class:`NomisError`."""
    info = _dataset_info(client, q.dataset)
    params = dict(q.params)
    geography_ids = None
    if q.lads:
        members = _geography_members(client, q.dataset, q.lad_type)
        absent = [c for c in q.lads if c not in members]
        if absent:
            known = "; ".join(f"{v}: LADs as of April {k}" for k, v in sorted(LAD_GEOGRAPHY_TYPES.items()))
            raise NomisError(f"{q.dataset}: Nomis geography {q.lad_type} has no area with code(s) {absent}. These "
                             f"LADs are on other boundaries: choose lad_on= and lad_type= to match them ({known}).")
        geography_ids = ",".join(members[c] for c in q.lads)
        params["geography"] = ",".join(p for p in (params.get("geography"), geography_ids) if p)
    page_size = KEY_ROW_LIMIT if client.key else GUEST_ROW_LIMIT
    path = f"dataset/{q.dataset}.data.csv"
    shown = client.url(path, params)
    header = b""
    got, total, pages = 0, None, 0
    folder = nomis_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fd, part = tempfile.mkstemp(prefix=f".{key}.", suffix=".part", dir=folder)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            while total is None or got < total:
                page_params = {**params, "recordlimit": str(page_size), "recordoffset": str(got)}
                what = f"{q.dataset} page {pages + 1} (rows from {got})"
                body = client.get(path, page_params, what=what).content
                pages += 1
                frame = _read_csv_bytes(body, source=f"{shown} [{what}]")
                n = len(frame)
                if total is None:
                    if n == 0:
                        raise NomisError(f"{shown}: Nomis returned no rows. Check the query's codes with "
                                         f"`evidence nomis describe {q.dataset}`.")
                    if "RECORD_COUNT" not in frame.columns:
                        raise NomisError(f"{shown}: the CSV has no RECORD_COUNT column, so its completeness cannot "
                                         "be checked.")
                    count = frame["RECORD_COUNT"].iloc[0].strip()
                    if not count.isdigit():
                        raise NomisError(f"{shown}: RECORD_COUNT is {count!r}, not a number of rows.")
                    total = int(count)
                    if total > client.limits.max_rows:
                        raise NomisError(f"{shown}: the query has {total:,} rows (RECORD_COUNT), more than the "
                                         f"ceiling of {client.limits.max_rows:,} rows per query; nothing was kept. "
                                         "Narrow the query (fewer areas, dates or codes), or raise "
                                         "NomisLimits(max_rows=...) or NOMIS_MAX_ROWS.")
                    header = _header(body)
                    if total > page_size:
                        log.info("Nomis: %s has %d rows; fetching them in pages of up to %d%s.", q.dataset, total,
                                 page_size, "" if client.key else " (set NOMIS_API_KEY for pages of 100,000)")
                elif n == 0:
                    raise NomisError(f"{shown}: truncated: Nomis stopped after {got} of {total} rows (an empty page "
                                     f"at recordoffset={got}).")
                elif _header(body) != header:
                    raise NomisError(f"{shown}: page {pages} has different columns from page 1.")
                if "RECORD_OFFSET" in frame.columns:
                    first = frame["RECORD_OFFSET"].iloc[0].strip()
                    if first.isdigit() and int(first) != got:
                        raise NomisError(f"{shown}: page {pages} starts at record {first}, not {got}; pages out of "
                                         "order.")
                chunk = body.removeprefix(b"\xef\xbb\xbf")
                if pages > 1:
                    chunk = chunk[len(header):]
                if chunk and not chunk.endswith(b"\n"):
                    chunk += b"\n"
                out.write(chunk)
                digest.update(chunk)
                got += n
                if got > total:
                    raise NomisError(f"{shown}: received {got} rows but RECORD_COUNT says {total}.")
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise
    return _Fetched(part=Path(part), sha256=digest.hexdigest(), url=shown, name=info.name,
                    last_updated=info.last_updated, rows=got, pages=pages, page_size=page_size,
                    geography_ids=geography_ids)


# --------------------------------------------------------------------------------------------------------------
# Cache and pins
# --------------------------------------------------------------------------------------------------------------


def _cache_paths(key: str) -> tuple[Path, Path]:
    return nomis_dir() / f"{key}.csv", nomis_dir() / f"{key}.json"


def _read_cache(q: NomisQuery, max_age: float | dt.timedelta | None, base: str | None = None
                ) -> tuple[Path, dict] | None:
    csv_path, meta_path = _cache_paths(q.cache_key(base))
    if not (csv_path.exists() and meta_path.exists()):
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log.warning("Nomis cache sidecar %s is unreadable; fetching again.", meta_path.name)
        return None
    if _sha256(csv_path.read_bytes()) != meta.get("sha256"):
        log.warning("Nomis cache file %s does not match its sidecar's sha256; fetching again.", csv_path.name)
        return None
    if max_age is not None:
        age = max_age if isinstance(max_age, dt.timedelta) else dt.timedelta(seconds=float(max_age))
        fetched = dt.datetime.fromisoformat(meta["fetched_at"])
        if dt.datetime.now(dt.UTC) - fetched > age:
            return None
    return csv_path, meta


def _write_cache(q: NomisQuery, f: _Fetched, base: str | None = None) -> tuple[Path, dict]:
    key = q.cache_key(base)
    csv_path, meta_path = _cache_paths(key)
    root = api_base(base)
    meta = {"key": key, "query_key": q.key, "api": root, "api_version": _api_version(root), "dataset": q.dataset,
            "name": f.name, "query": q.as_dict(), "url": f.url, "fetched_at": _now(), "last_updated": f.last_updated,
            "sha256": f.sha256, "rows": f.rows, "pages": f.pages, "rows_per_call": f.page_size}
    if f.geography_ids:
        meta["geography_ids"] = f.geography_ids
    try:
        os.replace(f.part, csv_path)
    except BaseException:
        f.part.unlink(missing_ok=True)
        raise
    _write_json(meta_path, meta)
    return csv_path, meta


def _load_pins() -> dict[str, dict]:
    path = _pins_file()
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("pins", {})
    except ValueError as exc:
        raise NomisError(f"{path} is not valid JSON ({exc}); restore it from version control.") from None


def _pinned(q: NomisQuery) -> tuple[Path, dict] | None:
    # a pin is a frozen release, shared and used offline whatever the API root (its entry records the root)
    entry = _load_pins().get(q.key)
    if entry is None:
        return None
    path = nomis_dir() / entry["file"]
    if not path.exists():
        raise NomisError(f"{q.key} is pinned in {_pins_file()} but {path} is missing. Restore it, or re-pin the "
                         "query with refresh=True (`evidence nomis pin ... --refresh`).")
    digest = _sha256(path.read_bytes())
    if digest != entry["sha256"]:
        raise ChecksumMismatchError(f"{path.name}: sha256 {digest[:12]}… is not the pinned {entry['sha256'][:12]}…; "
                                    "the pinned file was changed. Restore it, or re-pin with refresh=True.")
    return path, entry


@dataclass(frozen=True)
class Pin:
    """A frozen query result: ``path`` holds exactly the bytes Nomis sent, with this ``sha256``."""

    key: str
    dataset: str
    path: Path
    sha256: str
    last_updated: str | None
    url: str
    rows: int


def _obtain(q: NomisQuery, *, refresh: bool, max_age, base, api_key, timeout, retries,
            limits: NomisLimits | None = None) -> tuple[Path, dict, str]:
    if not refresh:
        pinned = _pinned(q)
        if pinned is not None:
            return pinned[0], pinned[1], "pinned"
        cached = _read_cache(q, max_age, base)
        if cached is not None:
            return cached[0], cached[1], "cache"
    with _Client(base, api_key, timeout=timeout, retries=retries, limits=limits) as client:
        fetched = _fetch(q, client, q.cache_key(base))
    path, meta = _write_cache(q, fetched, base)
    return path, meta, "live"


# --------------------------------------------------------------------------------------------------------------
# Parse: native CSV -> tidy
# --------------------------------------------------------------------------------------------------------------


def parse_csv(path: Path) -> pd.DataFrame:
    """Parse a Nomis ``data.csv`` answer (one page or reassembled pages) into a tidy long frame.

    Columns: ``area_code`` (GSS, from ``GEOGRAPHY_CODE``), ``area_name``, ``geography_type``, ``date`` (the Nomis
    date code, e.g. ``2023-12``), ``date_name`` (``Jan 2023-Dec 2023``), ``year`` (int: the year the period ends
    in), then for every other dimension (``variable``, ``industry``, ``measures``...) ``<dim>``, its code as a
    string (the publisher's code from ``<DIM>_CODE`` where Nomis gives one, e.g. the SIC section ``C``, else the
    Nomis code, e.g. ``45``), ``<dim>_name`` (Nomis' label) and, where Nomis gives both, ``<dim>_id`` (the
    Nomis code a query takes, e.g. ``150994947``); then ``value`` (float; NA where ``OBS_VALUE`` is empty or
    ``OBS_STATUS`` is a missing or suppressed code, see :data:`MISSING_STATUS`), ``unit``
    and ``additive`` (unknown here: ``None`` and ``False``; the ready-made getters set them), ``flag``
    (``OBS_STATUS``: ``A`` normal, ``Q`` missing, ``G`` unreliable...) and ``conf`` (``OBS_CONF``: ``F`` free
    for publication). Rows keep Nomis' order.

    A file that is not a Nomis CSV raises :class:`~evidence.errors.NomisError` naming what is missing.
    """
    df = _read_csv_bytes(Path(path).read_bytes(), source=Path(path).name)
    if "RECORD_OFFSET" in df.columns and len(df):
        offsets = pd.to_numeric(df["RECORD_OFFSET"], errors="coerce")
        if offsets.notna().all() and not (offsets.to_numpy() == np.arange(len(df))).all():
            raise NomisError(f"{Path(path).name}: RECORD_OFFSET does not run 0..{len(df) - 1}; the pages are "
                             "incomplete or out of order. Fetch again with refresh=True.")
    out = pd.DataFrame({"area_code": df["GEOGRAPHY_CODE"].astype("str"),
                        "area_name": df["GEOGRAPHY_NAME"].astype("str")})
    out["geography_type"] = df["GEOGRAPHY_TYPE"] if "GEOGRAPHY_TYPE" in df.columns else None
    out["date"] = df["DATE"]
    out["date_name"] = df["DATE_NAME"]
    year = pd.to_numeric(df["DATE"].str.extract(r"^(\d{4})", expand=False), errors="coerce")
    out["year"] = year.astype("int64") if year.notna().all() else year.astype("Int64")
    for col in df.columns:
        if col in _NOT_DIMENSIONS or f"{col}_NAME" not in df.columns:
            continue
        name = col.lower()
        out[name] = df[f"{col}_CODE"] if f"{col}_CODE" in df.columns else df[col]
        out[f"{name}_name"] = df[f"{col}_NAME"]
        if f"{col}_CODE" in df.columns:
            out[f"{name}_id"] = df[col]
    raw = df["OBS_VALUE"].str.strip()
    value = pd.to_numeric(raw, errors="coerce")
    bad = raw.ne("") & value.isna()
    if bad.any():
        raise NomisError(f"{Path(path).name}: OBS_VALUE is not numeric in {int(bad.sum())} row(s), e.g. "
                         f"{raw[bad].iloc[0]!r}.")
    flag = df["OBS_STATUS"].str.strip()
    value = value.astype("float64").mask(flag.isin(MISSING_STATUS))
    out["value"] = value
    out["unit"] = None
    out["flag"] = flag.where(flag.ne(""), None)
    conf = df["OBS_CONF"].str.strip() if "OBS_CONF" in df.columns else pd.Series("", index=df.index)
    out["conf"] = conf.where(conf.ne(""), None)
    out["additive"] = False
    return out


def _provenance(meta: dict, path: Path) -> dict:
    return {"name": f"nomis-{meta['dataset']}", "title": f"{meta.get('name') or meta['dataset']} ({meta['dataset']})",
            "publisher": PUBLISHER, "release": f"Nomis, last updated {meta.get('last_updated') or 'not stated'}",
            "release_date": meta.get("last_updated"), "url": meta.get("url"), "licence": LICENCE,
            "sha256": meta.get("sha256"), "file": path.name, "retrieved": meta.get("fetched_at")}


# --------------------------------------------------------------------------------------------------------------
# Public: get, pin, pins, check
# --------------------------------------------------------------------------------------------------------------


def get(dataset: str, *, geography=None, date=None, measures=None, vintage: int = 2021, lad_on: str = "2023",
        lad_type: str | None = None, refresh: bool = False, max_age: float | dt.timedelta | None = None,
        base: str | None = None, api_key: str | None = None, timeout: float = 120.0, retries: int = 3,
        limits: NomisLimits | None = None, **filters) -> pd.DataFrame:
    """Query a Nomis dataset and return tidy rows (pinned result, else cache, else the API).

    Parameters
    ----------
    dataset
        A Nomis dataset id, e.g. ``NM_189_1``.
    geography
        GSS codes (a list, or a comma-separated string), a Nomis geography (``TYPE424``, a Nomis id, a range
        ``a...b``), or our areas by name or code (see :func:`evidence.geography.resolve`). An LAD, region or
        country is sent by its GSS code; a LEP (at ``vintage``), combined authority, ITL area or grouping is
        expanded to its member LADs and sent as the ids of those LADs in one Nomis geography type, so that
        every member is counted once, on the intended boundaries. ``None`` leaves Nomis' default.
    vintage, lad_on, lad_type
        The LEP vintage; the member LADs' codes (``evidence.geography.lad_codes``: ``"2023"``, April 2023
        codes, or ``"native"``, the vintage's own); and the Nomis geography type holding them. ``lad_type``
        defaults to ``TYPE424`` (LADs as of April 2023) for ``"2023"`` codes and for the 2021 vintage; other
        native codes need it given, e.g. ``TYPE432`` (LADs as of April 2021), see :data:`LAD_GEOGRAPHY_TYPES`.
    date
        Nomis dates: codes (``2022``, ``2023-12``), ``latest``, ``latestMINUS4-latest``... (list or string).
    measures
        Nomis ``measures`` codes, e.g. ``20100`` (value) or APS ``20599,21001,21002,21003``.
    refresh
        Ignore pinned and cached results and ask the API (the cache is then updated; pins are not).
    max_age
        Use a cached (not pinned) result only if it is younger than this (seconds or a timedelta).
    base, api_key
        API root and key; default ``$NOMIS_API_BASE`` and ``$NOMIS_API_KEY`` (read now, never stored). A key is
        only sent over https (or to this machine): with an ``http://`` root elsewhere the query is refused.
    limits
        The longest ``Retry-After`` waited, each request's deadline, and the rows and bytes a query may have
        (:class:`NomisLimits`; default from the environment, see :meth:`NomisLimits.from_env`).
    **filters
        Other dimensions by name, e.g. ``industry=...``, ``employment_status=4``, ``variable=[18, 45]``.

    Returns
    -------
    DataFrame
        See :func:`parse_csv`. ``df.attrs["provenance"]`` holds the source (dataset, last-updated date, URL
        without the key, sha256) and ``df.attrs["data_origin"]`` is ``pinned``, ``cache`` or ``live``.
    """
    q = build_query(dataset, geography=geography, date=date, measures=measures, vintage=vintage, lad_on=lad_on,
                    lad_type=lad_type, filters=filters)
    return _get_query(q, refresh=refresh, max_age=max_age, base=base, api_key=api_key, timeout=timeout,
                      retries=retries, limits=limits)


def _get_query(q: NomisQuery, *, refresh=False, max_age=None, base=None, api_key=None, timeout=120.0,
               retries=3, limits: NomisLimits | None = None) -> pd.DataFrame:
    path, meta, origin = _obtain(q, refresh=refresh, max_age=max_age, base=base, api_key=api_key, timeout=timeout,
                                 retries=retries, limits=limits)
    df = parse_csv(path)
    provenance.attach(df, [_provenance(meta, path)])
    df.attrs["data_origin"] = origin
    df.attrs["nomis_key"] = q.key if origin == "pinned" else q.cache_key(base)
    return df


def pin(dataset: str, *, geography=None, date=None, measures=None, vintage: int = 2021, lad_on: str = "2023",
        lad_type: str | None = None, refresh: bool = False, base: str | None = None, api_key: str | None = None,
        timeout: float = 120.0, retries: int = 3, **filters) -> Pin:
    """Freeze a query's result: copy it to ``data/raw/nomis/pinned/<key>.csv`` and record its sha256.

    Later :func:`get` calls for the same query use the pinned file (verified by sha256, no network) unless
    ``refresh=True``. Pinning an already pinned query returns the existing pin; ``refresh=True`` fetches the
    query again from the API and replaces the pin. Arguments as for :func:`get`.
    """
    q = build_query(dataset, geography=geography, date=date, measures=measures, vintage=vintage, lad_on=lad_on,
                    lad_type=lad_type, filters=filters)
    return _pin_query(q, refresh=refresh, base=base, api_key=api_key, timeout=timeout, retries=retries)


def _pin_query(q: NomisQuery, *, refresh=False, base=None, api_key=None, timeout=120.0, retries=3) -> Pin:
    pins = _load_pins()
    if not refresh and q.key in pins:
        path, entry = _pinned(q)
        return _as_pin(entry, path)
    path, meta, _ = _obtain(q, refresh=refresh, max_age=None, base=base, api_key=api_key, timeout=timeout,
                            retries=retries)
    data = path.read_bytes()
    rel = f"pinned/{q.key}.csv"
    dest = nomis_dir() / rel
    _write_atomic(dest, data)
    entry = {"key": q.key, "dataset": q.dataset, "name": meta.get("name"), "query": q.as_dict(), "url": meta["url"],
             "file": rel, "sha256": _sha256(data), "last_updated": meta.get("last_updated"),
             "fetched_at": meta.get("fetched_at"), "pinned_at": _now(), "rows": meta.get("rows"),
             "api": api_base(base)}
    pins = _load_pins()
    pins[q.key] = entry
    _write_json(_pins_file(), {"pins": dict(sorted(pins.items()))})
    return _as_pin(entry, dest)


def _as_pin(entry: dict, path: Path) -> Pin:
    return Pin(key=entry["key"], dataset=entry["dataset"], path=path, sha256=entry["sha256"],
               last_updated=entry.get("last_updated"), url=entry["url"], rows=int(entry.get("rows") or 0))


def pins() -> pd.DataFrame:
    """Every pinned query: ``key``, ``dataset``, ``name``, ``last_updated``, ``pinned_at``, ``rows``, ``url``."""
    cols = ["key", "dataset", "name", "last_updated", "pinned_at", "rows", "url"]
    return pd.DataFrame([{c: e.get(c) for c in cols} for e in _load_pins().values()], columns=cols)


def _as_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def check(*, base: str | None = None, api_key: str | None = None, timeout: float = 60.0,
          retries: int = 3) -> pd.DataFrame:
    """For each pinned query, whether Nomis has published a newer release since it was pinned.

    Compares the pin's ``last_updated`` with the dataset's current ``LastUpdated`` annotation. ``status`` is
    ``current``, ``newer release`` (re-pin with ``refresh=True`` to move to it) or ``unknown`` (a date missing).
    """
    entries = list(_load_pins().values())
    current: dict[str, str | None] = {}
    if entries:
        with _Client(base, api_key, timeout=timeout, retries=retries) as client:
            for ds in sorted({e["dataset"] for e in entries}):
                current[ds] = _dataset_info(client, ds).last_updated
    rows = []
    for e in entries:
        now, then = current.get(e["dataset"]), e.get("last_updated")
        t_now, t_then = _as_time(now), _as_time(then)
        if t_now is None or t_then is None:
            status = "unknown" if now != then or now is None else "current"
        else:
            status = "newer release" if t_now > t_then else "current"
        rows.append({"key": e["key"], "dataset": e["dataset"], "name": e.get("name"), "pinned_last_updated": then,
                     "nomis_last_updated": now, "status": status})
    return pd.DataFrame(rows, columns=["key", "dataset", "name", "pinned_last_updated", "nomis_last_updated",
                                       "status"])


# --------------------------------------------------------------------------------------------------------------
# Ready-made getters
# --------------------------------------------------------------------------------------------------------------


def _codes_for(value, mapping: Mapping[str, int], what: str) -> str | None:
    """Map names (or pass codes) to Nomis codes: ``"employment"`` -> ``4``; ``[1, "employees"]`` -> ``"1,1"``."""
    if value is None:
        return None
    items = [value] if isinstance(value, str | int) else list(value)
    out = []
    for v in items:
        if isinstance(v, int) or (isinstance(v, str) and v.strip().isdigit()):
            out.append(str(v).strip())
        elif isinstance(v, str) and v.strip().lower() in mapping:
            out.append(str(mapping[v.strip().lower()]))
        else:
            raise ValueError(f"{what}: {v!r} is not one of {sorted(mapping)} or a Nomis code")
    return ",".join(dict.fromkeys(out))


def _dates(years, date, *, month: str | None = None) -> str | None:
    if years is not None and date is not None:
        raise ValueError("give years= or date=, not both")
    if years is None:
        return _param_value(date)
    ys = [years] if isinstance(years, int) else list(years)
    return ",".join(f"{int(y)}{month or ''}" for y in ys)


def _nomis_code(df: pd.DataFrame, dim: str) -> pd.Series:
    """The Nomis code (what a query takes) of a dimension, as strings."""
    col = f"{dim}_id" if f"{dim}_id" in df.columns else dim
    return df[col].astype(str).str.strip()


def _finish(df: pd.DataFrame, unit: pd.Series | str, additive: pd.Series | bool) -> pd.DataFrame:
    df["unit"] = unit
    df["additive"] = additive
    df["additive"] = df["additive"].astype(bool)
    return df


BRES_EMPLOYMENT_STATUS = {"employees": 1, "full-time employees": 2, "part-time employees": 3, "employment": 4}
BRES_MEASURE = {"count": 1, "industry percentage": 2}


def get_bres(*, geography, years=None, date=None, industry=None, employment_status="employment",
             measure="count", vintage: int = 2021, lad_on: str = "2023", lad_type: str | None = None,
             refresh: bool = False,
             base: str | None = None, api_key: str | None = None) -> pd.DataFrame:
    """Business Register and Employment Survey: open access, from Nomis dataset ``NM_189_1`` (2015 onwards).

    ONS BRES, the official source of employee and employment estimates by detailed geography and industry
    (SIC 2007). Workplace-based; the open-access figures are rounded (counts under 1,000 to the nearest 5 or
    10). Employment is employees plus working owners. Use it for BRES by LAD after 2017, which the pinned files
    do not cover.

    Parameters
    ----------
    geography
        See :func:`get` (also for ``vintage``, ``lad_on`` and ``lad_type``): GSS codes, a Nomis geography, or
        a LEP / combined authority expanded to its LADs (by default on April 2023 codes, Nomis ``TYPE424``).
    years, date
        Years (e.g. ``range(2018, 2024)``) or Nomis dates (``latest``); the latest year is provisional.
    industry
        Nomis ``industry`` codes (e.g. an id list or a range ``150994945...150994965`` for the SIC sections);
        ``None`` for Nomis' default (total).
    employment_status
        ``employees``, ``full-time employees``, ``part-time employees`` or ``employment`` (Nomis 1-4).
    measure
        ``count`` (additive; ``unit`` ``persons`` for employment, ``employees`` for the employee statuses, as in
        :mod:`evidence.sources.bres`) or ``industry percentage`` (% of the area's total; not additive).

    Returns
    -------
    DataFrame
        Tidy (see :func:`parse_csv`): ``industry`` (the SIC code, e.g. ``C``), ``industry_name``, ``industry_id``
        (Nomis), ``employment_status``, ``measure``.
    """
    df = get("NM_189_1", geography=geography, date=_dates(years, date), measures=20100, vintage=vintage,
             lad_on=lad_on, lad_type=lad_type, refresh=refresh, base=base, api_key=api_key,
             industry=_param_value(industry),
             employment_status=_codes_for(employment_status, BRES_EMPLOYMENT_STATUS, "employment_status"),
             measure=_codes_for(measure, BRES_MEASURE, "measure"))
    count = _nomis_code(df, "measure").eq("1")
    persons = _nomis_code(df, "employment_status").eq("4")
    unit = pd.Series("employees", index=df.index).mask(persons, "persons").mask(~count, "%")
    return _finish(df, unit, count)


APS_MEASURES = {"value": 20599, "numerator": 21001, "denominator": 21002, "confidence": 21003}


def get_aps(*, geography, variable, years=None, date=None, measures=("value", "numerator", "denominator",
            "confidence"), vintage: int = 2021, lad_on: str = "2023", lad_type: str | None = None,
             refresh: bool = False, base: str | None = None,
            api_key: str | None = None) -> pd.DataFrame:
    """Annual Population Survey (and Labour Force Survey), from Nomis dataset ``NM_17_5``.

    ONS APS, residence-based, for 12-month periods: ``years=2023`` asks for ``2023-12`` (Jan-Dec 2023); use
    ``date=`` for other periods (``2023-03`` is Apr 2022-Mar 2023) or ``latest``.

    Parameters
    ----------
    variable
        Nomis ``variable`` codes, e.g. ``18`` economic activity rate 16-64, ``45`` employment rate 16-64,
        ``83`` unemployment rate, ``1902`` % with RQF4+ aged 16-64.
    measures
        Any of ``value`` (the rate, ``%``, not additive), ``numerator`` and ``denominator`` (persons, additive)
        and ``confidence`` (half-width of the 95% confidence interval, in the variable's unit, not additive).

    Returns
    -------
    DataFrame
        Tidy (see :func:`parse_csv`): ``variable`` and ``measures`` (codes) with their ``_name`` labels; ``flag``
        ``G`` (group sample 3-9, value NA) and ``Q`` (missing) are kept.
    """
    df = get("NM_17_5", geography=geography, date=_dates(years, date, month="-12"),
             measures=_codes_for(measures, APS_MEASURES, "measures"), vintage=vintage, lad_on=lad_on,
             lad_type=lad_type, refresh=refresh, base=base, api_key=api_key, variable=_param_value(variable))
    label = df["variable_name"].astype(str).str.lower()
    rate = label.str.contains("%", regex=False) | label.str.contains("rate", regex=False)
    m = _nomis_code(df, "measures")
    persons = m.isin(["21001", "21002"]) | ~rate
    unit = pd.Series("persons", index=df.index).mask(rate & m.eq("20599"), "%")
    unit = unit.mask(rate & m.eq("21003"), "percentage points")
    return _finish(df, unit, persons & ~m.eq("21003"))


CLAIMANT_GENDER = {"total": 0, "male": 1, "female": 2}
CLAIMANT_MEASURE = {"count": 1, "rate": 2}


def get_claimant_count(*, geography, date=None, gender="total", age=0, measure="count", vintage: int = 2021,
                       lad_on: str = "2023", lad_type: str | None = None,
             refresh: bool = False, base: str | None = None,
                       api_key: str | None = None) -> pd.DataFrame:
    """Claimant count by sex and age, monthly, from Nomis dataset ``NM_162_1`` (January 2013 onwards).

    DWP/ONS experimental statistics: people claiming Jobseeker's Allowance plus Universal Credit claimants
    required to seek work, residence-based, not seasonally adjusted.

    Parameters
    ----------
    date
        Months (``2024-01``), ``latest`` or ``latestMINUS12-latest``; ``None`` for Nomis' default.
    gender
        ``total``, ``male`` or ``female`` (Nomis 0-2).
    age
        Nomis ``age`` codes; ``0`` is all aged 16+.
    measure
        ``count`` (persons, additive) or ``rate`` (claimants as a % of residents aged 16-64, not additive).
    """
    df = get("NM_162_1", geography=geography, date=date, measures=20100, vintage=vintage, lad_on=lad_on,
             lad_type=lad_type, refresh=refresh, base=base, api_key=api_key,
             gender=_codes_for(gender, CLAIMANT_GENDER, "gender"), age=_param_value(age),
             measure=_codes_for(measure, CLAIMANT_MEASURE, "measure"))
    count = _nomis_code(df, "measure").eq("1")
    return _finish(df, count.map({True: "persons", False: "%"}), count)


POPULATION_AGE = {"all": 200, "all ages": 200, "16-64": 203}
POPULATION_SEX = {"total": 0, "male": 1, "female": 2}


def _population_ages(age) -> str:
    items = [age] if isinstance(age, str | int) else list(age)
    out = []
    for a in items:
        if isinstance(a, int):
            if not 0 <= a <= 90:
                raise ValueError(f"age {a}: single years run 0 to 90 (90 is 90 and over)")
            out.append(str(101 + a))  # Nomis c_age 101 is age 0, ..., 191 is 90+
        else:
            out.append(_codes_for(a, POPULATION_AGE, "age"))
    return ",".join(out)


def get_population_by_age(*, geography, years=None, date=None, age="16-64", sex="total", vintage: int = 2021,
                          lad_on: str = "2023", lad_type: str | None = None,
             refresh: bool = False, base: str | None = None,
                          api_key: str | None = None) -> pd.DataFrame:
    """Mid-year population estimates by single year of age, from Nomis dataset ``NM_2002_1``.

    ONS mid-year estimates (30 June), persons, residence-based; Nomis holds them on current and earlier LAD
    boundaries. Additive across areas.

    Parameters
    ----------
    age
        ``"16-64"`` (Nomis ``c_age`` 203, the working-age denominator), ``"all"`` (200), single years as ints
        (0-90, 90 = 90+), or Nomis ``c_age`` codes as strings; a list for several.
    sex
        ``total``, ``male`` or ``female`` (Nomis ``gender`` 0-2).
    """
    df = get("NM_2002_1", geography=geography, date=_dates(years, date), measures=20100, vintage=vintage,
             lad_on=lad_on, lad_type=lad_type, refresh=refresh, base=base, api_key=api_key,
             gender=_codes_for(sex, POPULATION_SEX, "sex"), c_age=_population_ages(age))
    return _finish(df, "persons", True)


JOBS_DENSITY_ITEM = {"jobs": 1, "density": 3}


def get_jobs_density(*, geography, years=None, date=None, item=("jobs", "density"), vintage: int = 2021,
                     lad_on: str = "2023", lad_type: str | None = None,
             refresh: bool = False, base: str | None = None,
                     api_key: str | None = None) -> pd.DataFrame:
    """Jobs density, from Nomis dataset ``NM_57_1`` (2000 onwards).

    ONS: the number of jobs in an area (employees, self-employed, government-supported trainees and HM Forces;
    workplace-based) divided by its resident population aged 16-64. A density of 1.0 means one job for every
    resident aged 16-64.

    Parameters
    ----------
    item
        ``jobs`` (total jobs, additive) and/or ``density`` (jobs per resident aged 16-64, a ratio, not additive).
    """
    df = get("NM_57_1", geography=geography, date=_dates(years, date), measures=20100, vintage=vintage,
             lad_on=lad_on, lad_type=lad_type, refresh=refresh, base=base, api_key=api_key,
             item=_codes_for(item, JOBS_DENSITY_ITEM, "item"))
    jobs = _nomis_code(df, "item").eq("1")
    return _finish(df, jobs.map({True: "jobs", False: "jobs per resident aged 16-64"}), jobs)


__all__ = [
    "DEFAULT_BASE", "GUEST_ROW_LIMIT", "KEY_ROW_LIMIT", "LAD_GEOGRAPHY_TYPES", "MISSING_STATUS", "DatasetInfo",
    "NomisError", "NomisLimits", "NomisQuery", "Pin", "api_base", "build_query", "check", "describe",
    "geography_codes", "get",
    "get_aps", "get_bres", "get_claimant_count", "get_jobs_density", "get_population_by_age", "nomis_dir",
    "parse_csv", "pin", "pins", "redact", "search",
]
