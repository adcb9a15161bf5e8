"""Where a pack's time goes: exclusive time per phase, accumulated in the process.

The pack builder reads :func:`totals` from each kernel to split a build into data loading, computing and
charting (``benchmarks/run.py`` reports it). A phase nested in another is counted only once, in the inner
phase: a chart function that loads data counts the load as ``data_loading`` and the rest as ``charting``.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

F = TypeVar("F", bound=Callable)

_TOTALS: defaultdict[str, float] = defaultdict(float)
_STACK: list[list] = []  # [name, start of the current uninterrupted stretch]


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Count the time inside the block as ``name`` (minus any phase nested in it).

    >>> reset()
    >>> with phase("outer"):
    ...     with phase("inner"):
    ...         pass
    >>> sorted(totals())
    ['inner', 'outer']
    """
    now = time.perf_counter()
    if _STACK:
        outer = _STACK[-1]
        _TOTALS[outer[0]] += now - outer[1]
    _STACK.append([name, now])
    try:
        yield
    finally:
        end = time.perf_counter()
        _TOTALS[name] += end - _STACK.pop()[1]
        if _STACK:
            _STACK[-1][1] = end


def phased(name: str) -> Callable[[F], F]:
    """Decorator form of :func:`phase`."""
    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            with phase(name):
                return fn(*args, **kwargs)
        return inner  # type: ignore[return-value]
    return wrap


def totals() -> dict[str, float]:
    """Seconds per phase so far in this process."""
    return dict(_TOTALS)


def reset() -> None:
    """Start counting again."""
    _TOTALS.clear()
