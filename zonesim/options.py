"""What the study commands share: the execution options (where runs go), scenario
arguments, and UsageError, the one-line refusal of bad input (exit status 2)."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path

from .studies.scenario_files import SHIPPED


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit status 2."""


def add_execution_options(parser: argparse.ArgumentParser) -> None:
    """--executor, --scheduler, --workers, --resume and --quiet: how a study's runs go."""
    parser.add_argument(
        "--executor",
        choices=("process", "serial", "dask"),
        default="process",
        help="where runs go: a local process pool (default), one after another here, or "
        "Dask distributed (--scheduler, or a local cluster)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --executor dask)",
    )
    parser.add_argument("--workers", type=int, help="processes in the pool (default: one per core)")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the runs already finished in --out and run only the others",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress line")


def check_horizon(scenario, months: int) -> None:
    """UsageError when a measure of ``scenario`` (a ResolvedScenario) starts at or after
    ``months``, the horizon the command line asks for."""
    late = [m for m, s in scenario.policy.measures.items() if s.start_month >= months]
    if late:
        raise UsageError(
            f"{scenario.path}: measures.{late[0]}.start_month is past the horizon "
            f"(--months {months})"
        )


def check_folder(folder: Path, flag: str) -> None:
    """UsageError unless ``folder`` is, or can be made, a folder: neither it nor any folder
    above it may be a file."""
    for place in (folder, *folder.parents):
        if place.exists() and not place.is_dir():
            raise UsageError(f"{flag} {folder}: {place} exists and is not a folder")


def check_execution_options(args: argparse.Namespace) -> None:
    """UsageError for --out, --scheduler and --workers that cannot work."""
    check_folder(args.out, "--out")
    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be >= 1, got {args.workers}")


def executor_for(kind: str, workers: int | None, scheduler: str | None = None):
    """The executor runs go to: None (here, one after another), a process pool, or Dask."""
    if kind == "serial":
        return nullcontext(None)
    if kind == "dask":
        return _dask_executor(workers, scheduler)
    # spawn: workers start clean (forking a process that runs threads can deadlock)
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers or os.cpu_count(), mp_context=context)


@contextmanager
def _dask_executor(workers: int | None, scheduler: str | None):
    """A Dask distributed executor: on the scheduler at ``scheduler``, or on a local cluster
    of ``workers`` single-threaded processes. Workers write the run files themselves, so on a
    real cluster --out must be on storage they all share."""
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


def scenario_path(name: str) -> Path:
    """A scenario argument: a file path, or the name of a shipped scenario."""
    path = Path(name)
    if path.suffix == ".toml" or path.exists():
        return path
    shipped = SHIPPED / f"{name}.toml"
    if shipped.is_file():
        return shipped
    known = ", ".join(sorted(p.stem for p in SHIPPED.glob("*.toml")))
    raise UsageError(f"unknown scenario '{name}': not a file, nor one of {known}")


def earlier_manifest(out: Path) -> dict | None:
    """The manifest of the work in ``out`` that --resume would continue (None if there is
    none); UsageError if it cannot be read."""
    path = out / "manifest.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UsageError(f"--resume: cannot read {path} ({err})") from None


def report_failed_runs(failed: dict, out: Path, lost: str) -> int:
    """Say that runs failed and what is therefore missing (``lost``); exit status 1."""
    print(
        f"zonesim: {len(failed)} runs failed (tracebacks in {out / 'manifest.json'}); "
        f"{lost}. Fix, then --resume.",
        file=sys.stderr,
    )
    return 1
