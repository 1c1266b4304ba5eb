"""Where a study's runs go: here one after another, a local process pool, or Dask.

    with executor_for("process", workers=2) as executor:
        run_study(scenarios, replications, seed, out_dir, executor=executor)

Every executor gives the same tables (each run's seed is fixed before it is sent).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext

EXECUTORS = ("process", "serial", "dask")


def executor_for(
    kind: str, workers: int | None = None, scheduler: str | None = None
) -> AbstractContextManager[Executor | None]:
    """A context manager giving the executor runs go to.

    Parameters
    ----------
    kind : "process", "serial" or "dask"
        A local process pool; None (runs here, one after another); Dask distributed.
    workers : int, optional
        Processes of the pool or of a local Dask cluster (default: one per core).
    scheduler : str, optional
        Address of a running Dask scheduler, e.g. ``tcp://10.0.0.5:8786`` (dask only);
        without one, a local cluster of ``workers`` single-threaded processes.
    """
    if kind not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, got {kind!r}")
    if kind == "serial":
        return nullcontext(None)
    if kind == "dask":
        return _dask_executor(workers, scheduler)
    # spawn: workers start clean (forking a process that runs threads can deadlock)
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers or os.cpu_count(), mp_context=context)


@contextmanager
def _dask_executor(workers: int | None, scheduler: str | None):
    """Workers write the run files themselves, so on a real cluster the study's folder must
    be on storage they all share."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client.get_executor()
        return
    cluster = LocalCluster(
        n_workers=workers or os.cpu_count(), threads_per_worker=1, dashboard_address=None
    )
    with cluster, Client(cluster) as client:
        yield client.get_executor()
