"""LIS Evidence: a reproducible economic evidence base for Local Industrial Strategies.

Importing this package reads no file and touches no network.
"""

from .errors import (
    AggregationError,
    ChecksumMismatchError,
    DownloadError,
    EvidenceError,
    GeographyError,
    SchemaError,
    SourceUnavailableError,
    UnknownAreaError,
    UnknownDatasetError,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "AggregationError",
    "ChecksumMismatchError",
    "DownloadError",
    "EvidenceError",
    "GeographyError",
    "SchemaError",
    "SourceUnavailableError",
    "UnknownAreaError",
    "UnknownDatasetError",
]
