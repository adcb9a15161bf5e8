"""Shared fixtures. Real official files are read from ../shared/data (never copied into the repo)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from evidence import config
from evidence.sources import catalogue


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real official files (../shared/data); tests needing it skip when it is absent."""
    path = config.shared_data_dir()
    if path is None:
        pytest.skip("../shared/data (the official files) is not beside this checkout")
    return path


@pytest.fixture(scope="session")
def raw_data_dir(tmp_path_factory, shared_data) -> Path:
    """A data folder whose raw/ holds every catalogue file, fetched from ../shared/data as a mirror.

    EVIDENCE_DATA_DIR points at it for the whole session, so loaders parse the real files (and cache
    them in its processed/cache) instead of reading the committed snapshot.
    """
    from evidence.sources.fetch import fetch

    root = tmp_path_factory.mktemp("data")
    old = os.environ.get("EVIDENCE_DATA_DIR")
    os.environ["EVIDENCE_DATA_DIR"] = str(root)
    fetch(mirror=str(shared_data), progress=False)
    yield root
    if old is None:
        os.environ.pop("EVIDENCE_DATA_DIR", None)
    else:
        os.environ["EVIDENCE_DATA_DIR"] = old


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """A data folder holding only a copy of the committed snapshot: no raw files, no ../shared."""
    data = tmp_path / "data"
    shutil.copytree(config.CHECKOUT_DIR / "data" / "processed" / "snapshot", data / "processed" / "snapshot")
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(data))
    monkeypatch.setenv("EVIDENCE_SHARED_DATA", str(tmp_path / "nowhere"))
    monkeypatch.delenv("EVIDENCE_MIRROR", raising=False)
    return data


@pytest.fixture
def isolated_data_dir(tmp_path, monkeypatch) -> Path:
    """An empty data folder for tests that must not see any other files."""
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def shared_file(name: str) -> Path:
    """The path of a catalogue entry's file inside ../shared/data."""
    base = config.shared_data_dir()
    if base is None:
        pytest.skip("../shared/data is not available")
    return base / catalogue.entry(name).path
