"""The machinery every loader shares: find the pinned files, parse them once, cache, validate.

A getter calls :func:`load` with its dataset's registry entry. ``load``:

1. uses the files in ``data/raw`` when every one of them is present and matches its pinned sha256;
   their parse is cached as parquet in ``data/processed/cache``, keyed by the files' sha256 and the
   parser's version, so the second load reads no spreadsheet;
2. otherwise falls back to the committed snapshot in ``data/processed/snapshot`` (made by
   ``evidence process``), so a fresh clone runs offline;
3. otherwise raises ``SourceUnavailableError`` saying which files to fetch.

The frame returned always carries its provenance (see :mod:`evidence.provenance`) and a
``data_origin`` attribute (``raw``, ``cache`` or ``snapshot``).

Workbooks are read with calamine. Setting ``EVIDENCE_EXCEL_ENGINE=openpyxl`` reads .xlsx workbooks with openpyxl
instead: several times slower, it exists so that ``benchmarks/run.py`` can time the loaders with each engine.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import config, provenance, timing
from ..errors import ChecksumMismatchError, CorruptFileError, InvalidArgumentError, SchemaError, SourceUnavailableError
from . import catalogue

#: Columns every tidy frame has. ``additive`` says whether ``value`` may be summed across areas.
TIDY_COLUMNS = ("area_code", "area_name", "value", "unit", "flag", "additive")
_META_KEY = b"evidence"
#: The environment variable naming the engine that reads .xlsx workbooks: ``calamine`` (default) or ``openpyxl``.
EXCEL_ENGINE_ENV = "EVIDENCE_EXCEL_ENGINE"
EXCEL_ENGINES = ("calamine", "openpyxl")


@dataclass(frozen=True)
class Dataset:
    """A registry entry: one tidy dataset built from one or more catalogue files.

    ``parse`` is a pure function ``(paths: dict[name, Path]) -> DataFrame``; ``version`` must be bumped
    whenever the parser's output changes, so that stale caches are not reused.
    """

    name: str
    title: str
    files: tuple[str, ...]
    parse: Callable[[dict[str, Path]], pd.DataFrame]
    version: str
    dims: tuple[str, ...] = ()
    period: str = "year"
    description: str = ""
    snapshot: bool = True
    extra: dict = field(default_factory=dict)

    def entries(self) -> list[catalogue.Entry]:
        return [catalogue.entry(n) for n in self.files]

    def provenance(self) -> list[dict]:
        return [e.provenance() for e in self.entries()]


def validate(df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    """Check the tidy contract; raise ``SchemaError`` naming what is wrong."""
    expected = list(TIDY_COLUMNS) + [ds.period] + list(ds.dims)
    missing = [c for c in expected if c not in df.columns]
    if missing:
        raise SchemaError(f"dataset {ds.name!r} is missing columns {missing}; it has {list(df.columns)}.")
    if df.empty:
        raise SchemaError(f"dataset {ds.name!r} parsed to an empty table.")
    codes = df["area_code"]
    if not (pd.api.types.is_string_dtype(codes) or isinstance(codes.dtype, pd.CategoricalDtype)):
        raise SchemaError(f"dataset {ds.name!r}: area_code must be strings, got {codes.dtype}.")
    if not pd.api.types.is_numeric_dtype(df["value"]):
        raise SchemaError(f"dataset {ds.name!r}: value must be numeric, got {df['value'].dtype}.")
    return df


def _cache_key(ds: Dataset) -> str:
    h = hashlib.sha256(ds.version.encode())
    for e in ds.entries():
        h.update(e.sha256.encode())
    return h.hexdigest()[:16]


def write_table(table: pa.Table, path: Path, meta: dict, *, compression_level: int | None = None,
                store_schema: bool = True) -> None:
    """Write an Arrow table atomically as parquet with ``meta`` (JSON) added to its schema metadata.

    With ``store_schema=False`` the file has no ``ARROW:schema`` entry, Arrow's base64 copy of the whole schema,
    metadata and all (so a second copy of ``meta``): the parquet schema and pandas' metadata restore the frame
    alone when its columns are plain (no categoricals, durations or nested types), as a pack's tables are.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    md = dict(table.schema.metadata or {})
    md[_META_KEY] = json.dumps(meta).encode()
    table = table.replace_schema_metadata(md)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".parquet.part")
    os.close(fd)
    try:
        if store_schema:
            pq.write_table(table, tmp, compression="zstd", compression_level=compression_level)
        else:  # pyarrow drops the schema's metadata with the schema: add it to the file's key-value metadata
            with pq.ParquetWriter(tmp, table.schema.remove_metadata(), compression="zstd",
                                  compression_level=compression_level, store_schema=False) as writer:
                writer.write_table(table.replace_schema_metadata(None))
                writer.add_key_value_metadata(md)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_parquet(df: pd.DataFrame, path: Path, meta: dict, *, compression_level: int | None = None,
                  compact: bool = False) -> None:
    """Write ``df`` atomically as parquet with ``meta`` (JSON) in the file's schema metadata.

    ``compact`` keeps ``meta`` (which :func:`read_parquet` returns, provenance and all) the file's only copy of
    the metadata: pandas does not also store ``df.attrs`` (which :func:`read_parquet` drops anyway), and there is
    no ``ARROW:schema`` copy (:func:`write_table`). For frames of plain columns only, such as a pack's tables
    (categoricals would come back as strings).
    """
    if compact:
        df = df.copy(deep=False)
        df.attrs = {}
    write_table(pa.Table.from_pandas(df, preserve_index=False), path, meta, compression_level=compression_level,
                store_schema=not compact)


def read_parquet(path: Path) -> tuple[pd.DataFrame, dict]:
    """Read a parquet written by :func:`write_parquet`; return the frame and its metadata."""
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {}).get(_META_KEY, b"{}"))
        df = table.to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:  # truncated or damaged: say so, as a typed error
        if isinstance(exc, FileNotFoundError):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise CorruptFileError(f"{path} is corrupt or truncated and cannot be read ({type(exc).__name__}: "
                               f"{first}).") from exc
    df.attrs = {}
    return df, meta


def raw_paths(ds: Dataset) -> dict[str, Path] | None:
    """The verified raw files of a dataset, or ``None`` if any is missing or mismatched."""
    out = {}
    for e in ds.entries():
        p = catalogue.verified_path(e)
        if p is None:
            return None
        out[e.name] = p
    return out


def check_years(df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    """Check that the years parsed are the ones the catalogue pins for the dataset's files.

    The expected span runs from the earliest ``first_year`` to the latest ``last_year`` of the files (see
    :meth:`evidence.sources.catalogue.Entry.years_for`); the years parsed (the first four digits of the period) must
    start and end there. A year header moved by one, which would put each year's values under another year,
    raises ``SchemaError``.
    """
    spans = [(e, e.years_for(ds.name)) for e in ds.entries()]
    spans = [(e, s) for e, s in spans if s is not None]
    if not spans or ds.period not in df.columns:
        return df
    first, last = min(s[0] for _, s in spans), max(s[1] for _, s in spans)
    years = pd.to_numeric(df[ds.period].astype(str).str.extract(r"^(\d{4})", expand=False), errors="coerce")
    if years.isna().all():
        raise SchemaError(f"dataset {ds.name!r}: no year could be read from its {ds.period!r} column.")
    got = (int(years.min()), int(years.max()))
    if got != (first, last):
        files = ", ".join(f"{e.name} ({e.local_path.name}: {s[0]}-{s[1]})" for e, s in spans)
        raise SchemaError(f"dataset {ds.name!r}: the years parsed run {got[0]}-{got[1]}, but the catalogue pins "
                          f"{first}-{last} for {files}. The year header has probably moved, which would put each "
                          "year's values under another year. Check the file's layout; if the publisher really "
                          "changed the years, update first_year/last_year in evidence/data/catalogue.toml.",
                          file=spans[0][0].local_path.name if len(spans) == 1 else None)
    return df


def parse_raw(ds: Dataset, paths: dict[str, Path]) -> pd.DataFrame:
    """Parse and validate a dataset from raw files (no cache), checking its years against the catalogue."""
    df = check_years(validate(ds.parse(paths), ds), ds)
    df = df.reset_index(drop=True)
    provenance.attach(df, ds.provenance())
    return df


def snapshot_path(ds: Dataset) -> Path:
    return config.snapshot_dir() / f"{ds.name}.parquet"


#: Frames already read from a parquet cache or snapshot in this process, keyed by the file and its mtime.
_READ: dict[tuple[str, int], pd.DataFrame] = {}


def _read_once(path: Path, origin: str) -> pd.DataFrame:
    """Read a cache or snapshot parquet once per process; every caller gets its own (copy-on-write) frame.

    A pack asks for the same dataset dozens of times across its notebooks; the key includes the file's
    mtime, so a rewritten file is read again.
    """
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _READ:
        df, meta = read_parquet(path)
        provenance.attach(df, meta.get("provenance", []))
        df.attrs["data_origin"] = origin
        _READ[key] = df
    return _READ[key].copy(deep=False)


class CacheRebuiltWarning(UserWarning):
    """A cached parse could not be read back and was rebuilt from the raw files."""


class RawFileMismatchWarning(UserWarning):
    """An official file in data/raw does not match its pinned sha256; the snapshot was used instead."""


def _shown(path: Path) -> str:
    try:
        return path.relative_to(config.CHECKOUT_DIR).as_posix()
    except ValueError:
        return str(path)


def mismatch_message(e: catalogue.Entry) -> str:
    """What to say about a raw file whose sha256 is not its pin."""
    return f"checksum mismatch in {e.local_path}; run `evidence fetch --force {e.name}`"


def _check_not_mismatched(ds: Dataset, *, raw_only: bool) -> None:
    """A raw file that is present but not the pinned one is never passed over in silence: an error when only
    the raw files will do, else a warning before the snapshot is used."""
    bad = [e for e in ds.entries() if catalogue.status(e) == "checksum mismatch"]
    if not bad:
        return
    msg = "; ".join(mismatch_message(e) for e in bad)
    if raw_only:
        raise ChecksumMismatchError(msg + ".")
    warnings.warn(f"{msg} (dataset {ds.name!r} is read from the committed snapshot meanwhile).",
                  RawFileMismatchWarning, stacklevel=3)


@timing.phased("data_loading")
def load(ds: Dataset, *, use_cache: bool = True, source: str = "auto") -> pd.DataFrame:
    """Load a dataset: verified raw files (cached parse) first, then the committed snapshot.

    ``source`` may be ``"auto"``, ``"raw"`` (never the snapshot) or ``"snapshot"``.
    """
    paths = raw_paths(ds) if source in ("auto", "raw") else None
    if paths is None and source in ("auto", "raw"):
        _check_not_mismatched(ds, raw_only=source == "raw")
    if paths is not None:
        cache = config.cache_dir() / f"{ds.name}-{_cache_key(ds)}.parquet"
        if use_cache and cache.exists():
            try:
                return _read_once(cache, "cache")
            except CorruptFileError as exc:
                warnings.warn(f"{exc} It is a cached parse of the official files of {ds.name!r}: rebuilding it "
                              "from data/raw.", CacheRebuiltWarning, stacklevel=2)
                cache.unlink(missing_ok=True)
        df = parse_raw(ds, paths)
        if use_cache:
            write_parquet(df, cache, {"dataset": ds.name, "version": ds.version,
                                      "provenance": provenance.records(df)})
        df.attrs["data_origin"] = "raw"
        return df
    snap = snapshot_path(ds)
    if source in ("auto", "snapshot") and snap.exists():
        try:
            return _read_once(snap, "snapshot")
        except CorruptFileError as exc:
            files = " ".join(e.name for e in ds.entries())
            restore = f"restore it with `git checkout -- {_shown(snap)}`, or " if _shown(snap) != str(snap) else ""
            raise CorruptFileError(
                f"{exc} It is the snapshot of {ds.name!r}: {restore}rebuild it from the official files with "
                f"`evidence fetch {files}` then `evidence process {ds.name}`.") from exc.__cause__
    missing = [e.name for e in ds.entries() if catalogue.status(e) != "ok"]
    raise SourceUnavailableError(
        f"Dataset {ds.name!r} needs the official files {', '.join(missing)} in {config.raw_dir()}, and no "
        f"snapshot is at {snap}. Run `evidence fetch {' '.join(missing)}` (with --mirror DIR_OR_URL when "
        "offline), then `evidence process` to rebuild the snapshot."
    )


def require_sheets(book: dict | Sequence[str], wanted: Sequence[str], *, file: Path) -> None:
    """Raise ``SchemaError`` if any sheet in ``wanted`` is not in ``book``."""
    have = list(book)
    missing = [s for s in wanted if s not in have]
    if missing:
        raise SchemaError(f"expected sheet(s) {missing}, found {have}.", file=file.name)


def require_columns(df: pd.DataFrame, wanted: Sequence[str], *, file: Path, sheet: str | None = None) -> None:
    """Raise ``SchemaError`` if any column in ``wanted`` is missing (e.g. renamed, or the header moved)."""
    have = [str(c) for c in df.columns]
    missing = [c for c in wanted if c not in have]
    if missing:
        raise SchemaError(f"expected column(s) {missing} in the header row, found {have[:12]}"
                          f"{'…' if len(have) > 12 else ''}.", file=file.name, sheet=sheet)


def excel_engine(path: Path) -> str:
    """The engine that reads the workbook at ``path``: ``calamine``, unless ``EVIDENCE_EXCEL_ENGINE`` is
    ``openpyxl`` and the file is an .xlsx (openpyxl cannot read .xls, so those stay with calamine).

    Raises
    ------
    InvalidArgumentError
        If ``EVIDENCE_EXCEL_ENGINE`` names another engine.

    Examples
    --------
    >>> excel_engine(Path("table.xls")), excel_engine(Path("table.xlsx"))
    ('calamine', 'calamine')
    """
    name = os.environ.get(EXCEL_ENGINE_ENV, "").strip().lower() or "calamine"
    if name not in EXCEL_ENGINES:
        raise InvalidArgumentError(f"{EXCEL_ENGINE_ENV}={name!r}: the engine must be one of "
                                   f"{', '.join(EXCEL_ENGINES)}.")
    return "openpyxl" if name == "openpyxl" and Path(path).suffix.lower() in (".xlsx", ".xlsm") else "calamine"


def read_excel(path: Path, *, sheet_name=0, **kwargs) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Read a spreadsheet with calamine (fast; handles .xlsx and .xls), or with openpyxl when
    :func:`excel_engine` says so; a broken file raises ``SchemaError``."""
    import zipfile

    from python_calamine import CalamineError

    try:
        return pd.read_excel(path, sheet_name=sheet_name, engine=excel_engine(path), **kwargs)
    except (ValueError, OSError, KeyError, CalamineError, zipfile.BadZipFile) as exc:
        if isinstance(exc, SchemaError):
            raise
        raise SchemaError(f"could not be read as a spreadsheet ({type(exc).__name__}: {exc}). "
                          "Is it truncated or not the expected file? Re-fetch it with `evidence fetch --force`.",
                          file=path.name, sheet=None if sheet_name in (0, None) else str(sheet_name)) from exc


def sheet_names(path: Path) -> list[str]:
    """The sheet names of a workbook, read with :func:`excel_engine`'s engine."""
    try:
        if excel_engine(path) == "openpyxl":
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True)
            try:
                return list(book.sheetnames)
            finally:
                book.close()
        from python_calamine import CalamineWorkbook

        return list(CalamineWorkbook.from_path(str(path)).sheet_names)
    except InvalidArgumentError:
        raise
    except Exception as exc:  # calamine and openpyxl raise their own error types for corrupt files
        raise SchemaError(f"could not be opened as a workbook ({exc}). Re-fetch it with `evidence fetch --force`.",
                          file=path.name) from exc
