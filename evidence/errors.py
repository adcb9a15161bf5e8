"""The exception hierarchy: every error the toolkit raises on purpose is an ``EvidenceError``."""

from __future__ import annotations


class EvidenceError(Exception):
    """Base class for errors that LIS Evidence raises deliberately."""


class UnknownAreaError(EvidenceError, LookupError):
    """An area name or code could not be resolved."""

    def __init__(self, query: str, suggestions: list[str] | None = None, *, kind: str = "area"):
        self.query = query
        self.suggestions = list(suggestions or [])
        msg = f"Unknown {kind} {query!r}."
        if self.suggestions:
            msg += " Closest matches: " + "; ".join(self.suggestions) + "."
        msg += " Run `evidence areas` to list every area."
        super().__init__(msg)


class AmbiguousAreaError(UnknownAreaError):
    """A name refers to more than one area (the Greater Manchester LEP and the Greater Manchester combined
    authority); the message lists them with their codes and types."""

    def __init__(self, query: str, candidates: list[str], types: list[str]):
        self.query = query
        self.suggestions = list(candidates)
        prefixes = " or ".join(f"'{t}:{query}'" for t in dict.fromkeys(types))
        EvidenceError.__init__(
            self, f"{query!r} names more than one area: " + "; ".join(candidates) + ". Give the code, or choose the "
            f"type with --type (Python: type=...) or a prefix: {prefixes}.")


class NoDataError(EvidenceError, LookupError):
    """The data behind a figure does not cover the area (e.g. an England-only source for a Scottish area, or
    every cell suppressed). Packs show the message in place of the chart or table."""


class NotApplicableError(NoDataError):
    """The section does not apply to the area (the districts at each vintage of a combined authority, a family
    of strategies for a single LEP, the gap to England of England itself). Packs leave the section out and say
    so in one line of the report's appendix, unlike a :class:`NoDataError`, whose message is shown in place."""


class UnknownDatasetError(EvidenceError, LookupError):
    """A dataset or catalogue entry name is not known."""

    @classmethod
    def for_name(cls, kind: str, name: str, choices, *, hint: str = "Run `evidence datasets` to list them."):
        """The error for an unknown ``name`` among ``choices``, naming the closest ones."""
        import difflib

        close = difflib.get_close_matches(name, list(choices), n=5, cutoff=0.4)
        closest = f" Closest: {', '.join(close)}." if close else ""
        return cls(f"No {kind} named {name!r}.{closest} {hint}")


class SourceUnavailableError(EvidenceError):
    """An official file is not on disk and could not be fetched."""


class DownloadError(SourceUnavailableError):
    """A download failed (HTTP error, timeout, truncated body)."""


class ChecksumMismatchError(DownloadError):
    """A file's sha256 is not the pinned one."""


class CorruptFileError(SourceUnavailableError):
    """A derived file the toolkit wrote (a cached or snapshot parquet) cannot be read back: truncated or
    damaged. A cached parse is rebuilt from the raw files with a warning; for a snapshot file the message says
    what to run."""


class SchemaError(EvidenceError, ValueError):
    """An official file's layout is not what the parser expects (missing sheet, renamed column, moved header)."""

    def __init__(self, message: str, *, file: str | None = None, sheet: str | None = None):
        self.file = file
        self.sheet = sheet
        where = ""
        if file:
            where = f"{file}"
            if sheet:
                where += f" [sheet {sheet!r}]"
            where += ": "
        super().__init__(where + message)


class TargetsError(EvidenceError, ValueError):
    """A targets file (TOML of monitoring ambitions) is missing, not TOML, names an unknown indicator or gives
    a target without a numeric value and a year; the message names the file and the entry."""


class InvalidArgumentError(EvidenceError, ValueError):
    """A getter was asked for something its dataset does not offer (an unknown measure, group, year...)."""


class AggregationError(EvidenceError, ValueError):
    """A measure was aggregated in a way that is not valid (e.g. summing chained-volume measures)."""


class GeographyError(EvidenceError):
    """A geography operation cannot be done faithfully (e.g. a member is only part of a current LAD)."""


class ScenarioError(EvidenceError, ValueError):
    """A scenario definition is invalid."""


class NomisError(DownloadError):
    """The Nomis API did not answer a query usefully: unreachable, an HTTP error or rate limit that outlasted the
    retries, or a malformed, empty or truncated response. Messages never contain the API key."""


class SectorDefinitionError(EvidenceError, ValueError):
    """A sector definition (TOML) is invalid: bad syntax, an unknown SIC code, a duplicate name..."""


class UnknownSectorError(EvidenceError, LookupError):
    """A sector or sector family name is not among the loaded definitions."""


class MissingDependencyError(EvidenceError, ImportError):
    """An optional dependency is not installed (e.g. Dask, for ``evidence build --scheduler``); the message
    names the extra to install."""


class SchedulerError(EvidenceError, ConnectionError):
    """A Dask scheduler could not be reached (``evidence build --scheduler ADDRESS``) or a local cluster could
    not be started (``--scheduler local``)."""


class PackFolderError(EvidenceError):
    """A pack cannot be written to its folder: the folder holds another area's pack, files that no build wrote,
    or something that is not a pack at all. The message names the folder, what is in it and what to do."""


class InconsistentPackError(EvidenceError):
    """A built pack states one figure with two values (see :mod:`evidence.pack.consistency`)."""


class BuildInterrupted(KeyboardInterrupt):
    """A pack build was stopped by SIGTERM or SIGINT; its temporary folders are already removed.

    Not an ``EvidenceError``: like ``KeyboardInterrupt``, it must pass through the ``except Exception`` that lets
    one failing area not stop the others."""
