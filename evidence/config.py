"""Where things live on disk. Every path can be set by an environment variable.

- ``EVIDENCE_DATA_DIR``: the folder holding ``raw/`` and ``processed/`` (default: ``data/`` of this
  checkout when the package is installed from a checkout, else ``./data``).
- ``EVIDENCE_REPORTS_DIR``: where packs are written (default: ``reports/`` beside the data folder).
- ``EVIDENCE_MIRROR``: a folder or URL laid out like the official-data mirror, used by ``evidence fetch``.
- ``EVIDENCE_SHARED_DATA``: the local copy of the official files used by the tests (default
  ``../shared/data`` beside the checkout).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parent


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else None


def data_dir() -> Path:
    """The data folder (``raw/`` and ``processed/`` live inside it)."""
    env = _env_path("EVIDENCE_DATA_DIR")
    if env:
        return env
    if (CHECKOUT_DIR / "pyproject.toml").exists() and (CHECKOUT_DIR / "data").is_dir():
        return CHECKOUT_DIR / "data"
    return Path.cwd() / "data"


def raw_dir() -> Path:
    """Immutable downloads of official files: ``data/raw/<name>/<file>``."""
    return data_dir() / "raw"


def processed_dir() -> Path:
    """Derived tables: the committed snapshot and the parquet cache."""
    return data_dir() / "processed"


def snapshot_dir() -> Path:
    """The committed compact snapshot that lets a fresh clone run offline."""
    return processed_dir() / "snapshot"


def cache_dir() -> Path:
    """Parquet cache of parsed files, keyed by sha256 and parser version (safe to delete)."""
    return processed_dir() / "cache"


def reports_dir() -> Path:
    """Where evidence packs are written."""
    env = _env_path("EVIDENCE_REPORTS_DIR")
    return env if env else data_dir().parent / "reports"


def mirror() -> str | None:
    """The mirror set by ``EVIDENCE_MIRROR``, if any."""
    return os.environ.get("EVIDENCE_MIRROR") or None


def shared_data_dir() -> Path | None:
    """The local folder of official files used by tests, if present."""
    env = _env_path("EVIDENCE_SHARED_DATA")
    candidates = [env] if env else [CHECKOUT_DIR.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for c in candidates:
        if c is not None and (c / "MANIFEST.md").exists():
            return c
    return None
