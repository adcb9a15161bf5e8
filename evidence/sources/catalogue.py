"""The catalogue of official files: one pinned entry per file the toolkit uses.

The entries live in ``evidence/data/catalogue.toml``. Each records the file's title, publisher, release,
the publisher's page, licence and the sha256 of the pinned release. A file is stored at
``data/raw/<name>/<file name>`` and is only ever trusted when its sha256 matches the pin.
"""

from __future__ import annotations

import functools
import hashlib
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

from .. import config
from ..errors import UnknownDatasetError

CATALOGUE_FILE = config.PACKAGE_DIR / "data" / "catalogue.toml"


@dataclass(frozen=True)
class Entry:
    """One official file, pinned to a release by its sha256."""

    name: str
    title: str
    publisher: str
    release: str
    release_date: str
    years: str
    geography: str
    url: str
    licence: str
    sha256: str
    path: str
    bytes: int
    #: The first and last year the file's data cover, as the parsers read them (None for lookups and metadata).
    first_year: int | None = None
    last_year: int | None = None
    #: Another span for a dataset that reads other years from the file (e.g. survival cohorts), or ``[]`` for a
    #: dataset that takes no years from it, by dataset name.
    dataset_years: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def filename(self) -> str:
        """The publisher's file name."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def local_path(self) -> Path:
        """Where the file lives once fetched: ``data/raw/<name>/<file name>``."""
        return config.raw_dir() / self.name / self.filename

    @property
    def download_url(self) -> str | None:
        """The publisher's direct link to the current edition of the file, where one is known.

        ONS dataset pages serve their files at ``/file?uri=<page path>/current/<file name>``. Nomis,
        the Open Geography Portal and data.gov.uk have no stable direct link, so those files come from a
        mirror (``--mirror``) or are placed by hand.
        """
        prefix = "https://www.ons.gov.uk/"
        if self.url.startswith(prefix) and "/datasets/" in self.url:
            page = self.url[len(prefix) - 1 :].rstrip("/")
            return f"{prefix}file?uri={page}/current/{quote(self.filename)}"
        return None

    def mirror_url(self, mirror: str) -> str:
        """The file's address in a mirror laid out like ``../shared/data``."""
        return mirror.rstrip("/") + "/" + quote(self.path)

    def years_for(self, dataset: str) -> tuple[int, int] | None:
        """The ``(first, last)`` years ``dataset`` must read from this file; None if it pins none for it.

        Examples
        --------
        >>> e = entry("business-demography-2024")
        >>> e.years_for("business-demography"), e.years_for("business-survival")
        ((2019, 2024), (2019, 2023))
        """
        if dataset in self.dataset_years:
            span = self.dataset_years[dataset]
            return (int(span[0]), int(span[1])) if span else None
        if self.first_year is None or self.last_year is None:
            return None
        return self.first_year, self.last_year

    def provenance(self) -> dict[str, str]:
        """What travels with every frame parsed from this file."""
        return {
            "name": self.name,
            "title": self.title,
            "publisher": self.publisher,
            "release": self.release,
            "release_date": self.release_date,
            "url": self.url,
            "licence": self.licence,
            "sha256": self.sha256,
            "file": self.filename,
        }

    def to_dict(self) -> dict:
        return asdict(self)


@functools.cache
def _load(path: Path = CATALOGUE_FILE) -> dict[str, Entry]:
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    entries = {}
    for item in raw["file"]:
        e = Entry(**item)
        if (e.first_year is None) != (e.last_year is None) or (e.first_year or 0) > (e.last_year or 0):
            raise ValueError(f"catalogue entry {e.name!r} in {path}: give first_year <= last_year, or neither")
        if e.name in entries:
            raise ValueError(f"duplicate catalogue name {e.name!r} in {path}")
        entries[e.name] = e
    return entries


def entries() -> dict[str, Entry]:
    """Every catalogue entry, by name."""
    return dict(_load())


def entry(name: str) -> Entry:
    """One entry by name; an unknown name raises ``UnknownDatasetError`` with the closest names."""
    cat = _load()
    if name in cat:
        return cat[name]
    raise UnknownDatasetError.for_name("catalogue entry", name, cat)


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@functools.lru_cache(maxsize=512)
def _sha_cached(path: str, size: int, mtime_ns: int) -> str:
    return sha256_of(Path(path))


def file_sha256(path: Path) -> str:
    """sha256 of a file, memoised on (path, size, mtime) so repeated checks in one process are free."""
    st = path.stat()
    return _sha_cached(str(path), st.st_size, st.st_mtime_ns)


def status(e: Entry) -> str:
    """``ok``, ``missing`` or ``checksum mismatch`` for the file in ``data/raw``."""
    p = e.local_path
    if not p.exists():
        return "missing"
    return "ok" if file_sha256(p) == e.sha256 else "checksum mismatch"


def verified_path(e: Entry) -> Path | None:
    """The local file if it is present and matches its pin, else ``None``."""
    return e.local_path if status(e) == "ok" else None
