"""Bring official files to ``data/raw/<name>/`` reproducibly.

A file is written to a temporary name beside its destination, hashed while it is written, checked against
the pinned sha256 (and, for HTTP, against ``Content-Length``), and only then renamed into place. A failed
or mismatching download therefore never replaces a good file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from tqdm.auto import tqdm
from urllib3.util.retry import Retry

from .. import config
from ..errors import ChecksumMismatchError, DownloadError, SourceUnavailableError
from . import catalogue

USER_AGENT = "lis-evidence (https://github.com/lis-evidence)"


def session(retries: int = 3, backoff: float = 0.5) -> requests.Session:
    """A requests session that retries connection errors, read timeouts and 429/5xx answers."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    s = requests.Session()
    s.mount("http://", HTTPAdapter(max_retries=retry))
    s.mount("https://", HTTPAdapter(max_retries=retry))
    s.headers["User-Agent"] = USER_AGENT
    return s


def _is_url(s: str) -> bool:
    return s.startswith(("http://", "https://", "file://"))


def _source_for(e: catalogue.Entry, mirror: str | None) -> str:
    if mirror:
        return e.mirror_url(mirror) if _is_url(mirror) else str(Path(mirror).expanduser() / e.path)
    if e.download_url:
        return e.download_url
    raise SourceUnavailableError(
        f"{e.name}: the publisher has no stable direct download link for {e.filename!r}. "
        f"Download it from {e.url or e.publisher} into {e.local_path.parent}/, "
        "or point --mirror (or EVIDENCE_MIRROR) at a folder or URL laid out like the official-data mirror."
    )


def _copy_into(tmp, src: str, h, progress: bool, label: str, expected_size: int | None, *,
               timeout: float, retries: int) -> None:
    if not _is_url(src):
        p = Path(src)
        if not p.exists():
            raise DownloadError(f"{label}: not found in the mirror at {p}.")
        with open(p, "rb") as fh, tqdm(total=p.stat().st_size, unit="B", unit_scale=True, desc=label,
                                        disable=not progress, leave=False) as bar:
            for block in iter(lambda: fh.read(1 << 20), b""):
                tmp.write(block)
                h.update(block)
                bar.update(len(block))
        return
    with session(retries=retries) as s:
        try:
            resp = s.get(src, stream=True, timeout=(timeout, timeout))
        except requests.RequestException as exc:
            raise DownloadError(f"{label}: could not download {src}: {exc}") from exc
        with resp:
            if resp.status_code != 200:
                raise DownloadError(f"{label}: {src} answered HTTP {resp.status_code} {resp.reason}.")
            total = int(resp.headers.get("Content-Length") or 0) or expected_size
            got = 0
            try:
                with tqdm(total=total, unit="B", unit_scale=True, desc=label, disable=not progress,
                          leave=False) as bar:
                    for block in resp.iter_content(1 << 16):
                        tmp.write(block)
                        h.update(block)
                        got += len(block)
                        bar.update(len(block))
            except (requests.RequestException, OSError) as exc:
                raise DownloadError(f"{label}: the download from {src} broke off after {got} bytes: {exc}") from exc
            declared = resp.headers.get("Content-Length")
            if declared is not None and got != int(declared):
                raise DownloadError(f"{label}: truncated download from {src}: {got} of {declared} bytes.")


def fetch_one(e: catalogue.Entry, *, mirror: str | None = None, force: bool = False, progress: bool = True,
              timeout: float = 30.0, retries: int = 3) -> Path:
    """Fetch one catalogue entry into ``data/raw/<name>/`` and return its path.

    A file already present with the pinned sha256 is kept (unless ``force``). Whatever happens, an
    existing good file is never replaced by a failed or mismatching download.
    """
    dest = e.local_path
    if not force and dest.exists() and catalogue.file_sha256(dest) == e.sha256:
        return dest
    src = _source_for(e, mirror)
    dest.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{e.filename}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as tmp:
            _copy_into(tmp, src, h, progress, e.name, e.bytes, timeout=timeout, retries=retries)
        digest = h.hexdigest()
        if digest != e.sha256:
            raise ChecksumMismatchError(
                f"{e.name}: the file from {src} has sha256 {digest[:12]}…, not the pinned {e.sha256[:12]}…. "
                "It was not saved. Either the download is corrupt (try again) or the publisher has issued a new "
                f"release (check {e.url or e.publisher} and update evidence/data/catalogue.toml)."
            )
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, dest)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return dest


def fetch(names: Iterable[str] | None = None, *, mirror: str | None = None, force: bool = False,
          progress: bool = True, timeout: float = 30.0, retries: int = 3) -> list[Path]:
    """Fetch catalogue entries (all of them when ``names`` is empty); return their local paths.

    ``mirror`` defaults to ``EVIDENCE_MIRROR``. Every entry is attempted; if any failed, a
    ``DownloadError`` listing each failure is raised after the others have been fetched.
    """
    mirror = mirror or config.mirror()
    chosen = [catalogue.entry(n) for n in names] if names else list(catalogue.entries().values())
    paths, failures = [], []
    for e in tqdm(chosen, desc="fetch", unit="file", disable=not progress or len(chosen) < 2):
        try:
            paths.append(fetch_one(e, mirror=mirror, force=force, progress=progress, timeout=timeout,
                                   retries=retries))
        except SourceUnavailableError as exc:
            failures.append(exc)
    if failures:
        if len(failures) == 1:
            raise failures[0]
        msg = f"{len(failures)} of {len(chosen)} files could not be fetched:\n" + "\n".join(
            f"  - {f}" for f in failures)
        raise DownloadError(msg)
    return paths


def copy_tree_from_mirror(mirror_dir: Path, names: Iterable[str] | None = None) -> list[Path]:
    """Fetch from a local mirror folder without progress bars (used by tests and ``make``)."""
    return fetch(names, mirror=str(mirror_dir), progress=False)


__all__ = ["fetch", "fetch_one", "session", "copy_tree_from_mirror"]
