"""Build packs on a Dask distributed cluster: ``evidence build ... --scheduler tcp://host:8786``.

Dask is optional (``pip install 'lis-evidence[dask]'``) and imported only when a scheduler is asked for. The
builds go through Dask's own ``concurrent.futures`` executor, so :func:`evidence.pack.report.build_many` treats a
cluster like any other executor: each worker builds its pack in a temporary folder and sends the files back,
so the workers need not share a filesystem with the client::

    with dask_client("tcp://scheduler:8786") as client:
        build_many(areas, executor=client.get_executor(pure=False))
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import MissingDependencyError, SchedulerError

LOCAL = "local"
"""The ``--scheduler`` value that starts a cluster of local worker processes on 127.0.0.1."""

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a scheduler to answer before giving up."""


def _distributed():
    try:
        import distributed
    except ImportError as exc:
        raise MissingDependencyError(
            "building on a Dask cluster (--scheduler) needs Dask, which is not installed: "
            "pip install 'lis-evidence[dask]'") from exc
    return distributed


@contextmanager
def dask_client(scheduler: str, *, workers: int = 1, timeout: float = CONNECT_TIMEOUT) -> Iterator:
    """A ``distributed.Client`` connected to a Dask cluster, closed on exit.

    Parameters
    ----------
    scheduler : str
        The scheduler's address (``tcp://host:8786``), or ``"local"`` to start a ``LocalCluster`` of worker
        processes listening on 127.0.0.1 only, with no dashboard, for the duration of the block (from a script,
        under ``if __name__ == "__main__":``, as for any process pool).
    workers : int
        With ``"local"``: the number of worker processes, one build at a time each. Ignored for an address:
        the cluster's workers set the parallelism.
    timeout : float
        Seconds to wait for the scheduler to answer.

    Yields
    ------
    distributed.Client
        Its ``get_executor(pure=False)`` is the executor for :func:`evidence.pack.report.build_many` (``pure=False``:
        every submission is a new task, since a build reads files and is not a function of its arguments alone).

    Raises
    ------
    MissingDependencyError
        Dask is not installed.
    SchedulerError
        The scheduler could not be reached in ``timeout`` seconds, or the local cluster did not start.
    """
    distributed = _distributed()
    cluster = None
    try:
        if scheduler == LOCAL:
            cluster = distributed.LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                                               host="127.0.0.1", dashboard_address=None,
                                               # its HTTP server (health, metrics) on a free port, not 8787
                                               scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
            client = distributed.Client(cluster, timeout=timeout)
        else:
            client = distributed.Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError, ValueError, RuntimeError) as exc:
        if cluster is not None:
            cluster.close()
        if scheduler == LOCAL:
            raise SchedulerError(f"could not start a local Dask cluster: {exc}. A script that starts one must do "
                                 "so under `if __name__ == \"__main__\":`, since its workers import it.") from exc
        raise SchedulerError(f"could not reach the Dask scheduler {scheduler!r}: {exc}. Give the address the "
                             "scheduler prints (tcp://host:8786) and check that it is running and reachable from "
                             "here, or use --scheduler local.") from exc
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def describe(client) -> str:
    """One line about a client's cluster: its scheduler, workers and threads."""
    workers = client.scheduler_info().get("workers", {})
    threads = sum(w.get("nthreads", 0) for w in workers.values())
    return f"Dask scheduler {client.scheduler.address}: {len(workers)} worker(s), {threads} thread(s)"
