"""What the study commands share: the execution options, loading scenario arguments, the
checks of the output folder (--resume, --overwrite) and of a study's size (--force), and
UsageError, the one-line refusal of bad input (exit status 2). Every check runs before
anything is written."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from .model.calendar import start_period
from .studies import limits
from .studies.executors import EXECUTORS, executor_for
from .studies.scenario_files import FileScenario, ScenarioError, find_scenario, load_scenario
from .studies.sweeps import MAX_VARIANTS, load_sweep


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit status 2."""


def add_execution_options(parser: argparse.ArgumentParser) -> None:
    """--executor, --scheduler, --workers, --resume, --overwrite, --force and --quiet."""
    parser.add_argument(
        "--executor",
        choices=EXECUTORS,
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
        help="finish the work in --out: keep the runs already finished, run only the others",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="remove what an earlier run of this command wrote in --out, then start afresh",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help=f"run a study larger than a slip would ask for: a horizon over "
        f"{limits.SOFT_MONTHS:,} months, over {limits.SOFT_REPLICATIONS:,} replications, "
        f"{limits.SOFT_RUNS:,} runs or {limits.SOFT_OUTPUT_BYTES // 10**9} GB of output, or a "
        f"sweep of over {MAX_VARIANTS:,} variants (the model's {limits.MAX_MONTHS:,} months and "
        "the free disk space still hold)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress line")


# ---------------------------------------------------------------------- scenario arguments
def load_one(name: str, force: bool = False) -> FileScenario:
    """A scenario argument (a file, or a shipped scenario's name) read and checked (``force``:
    past the soft limits of its [simulation]); a file with a sweep is refused (it gives
    several scenarios)."""
    try:
        return load_scenario(find_scenario(name), force)
    except ScenarioError as err:
        raise UsageError(str(err)) from None


def load_all(names: list[str], force: bool = False) -> list[FileScenario]:
    """Scenario arguments read and checked, a sweep file giving its variants; names must
    differ."""
    try:
        scenarios = [s for name in names for s in load_sweep(find_scenario(name), force)]
    except ScenarioError as err:
        raise UsageError(str(err)) from None
    names = [s.name for s in scenarios]
    if twice := sorted({n for n in names if names.count(n) > 1}):
        raise UsageError(f"two scenarios are named '{twice[0]}'; rename one of the files")
    return scenarios


def with_horizon(scenario: FileScenario, months: int) -> FileScenario:
    """``scenario`` run for ``months`` (--months): UsageError when one of its measures
    would start at or after that horizon."""
    late = [m for m, s in scenario.policy.measures.items() if s.start_month >= months]
    if late:
        raise UsageError(
            f"{scenario.path}: measures.{late[0]}.start_month is past the horizon "
            f"(--months {months})"
        )
    return scenario if scenario.months == months else scenario.replace(months=months)


def with_clock(start: str | None, market: str | None) -> Callable[[FileScenario], FileScenario]:
    """What --start and --market do to a scenario: set its start month and market path (each
    only when given); UsageError for a start month no run can have."""
    changes = {"start": start, "market": market}
    changes = {key: value for key, value in changes.items() if value is not None}
    if start is not None:
        try:
            start_period(start)
        except ValueError as err:
            raise UsageError(f"--start: {err}") from None
    return lambda scenario: scenario.replace(**changes) if changes else scenario


def at_least(args: argparse.Namespace, **minimum: int) -> None:
    """UsageError unless each named option is at least its minimum."""
    for key, low in minimum.items():
        value = getattr(args, key)
        if value < low:
            raise UsageError(f"--{key} must be >= {low}, got {value}")


def check_study_size(args: argparse.Namespace, runs: int, months: int, unit: str) -> None:
    """UsageError for a study of ``runs`` runs (``unit``, e.g. "scenarios", times
    --replications) of ``months`` months that cannot be meant (the soft limits, lifted by
    --force) or done (the model's horizon, the free space at --out); see
    zonesim.studies.limits. Run it before building scenarios of that horizon (a ZoneScenario
    refuses past the model's) or drawing a design of that size."""
    force, replications = args.force, args.replications
    horizon = f"--months {months}" if hasattr(args, "months") else f"a horizon of {months} months"
    if found := limits.months_problem(months, force):
        raise UsageError(f"{horizon}: {found}")
    if found := limits.replications_problem(replications, force):
        raise UsageError(f"--replications {replications}: {found}")
    if found := limits.runs_problem(runs, force):
        per = f"{runs // replications:,} {unit} x {replications:,} replications"
        raise UsageError(f"{runs:,} runs ({per}): {found}")
    if found := limits.output_problem(runs, months, args.out, force):
        raise UsageError(f"--out {args.out}: {found}")


# ---------------------------------------------------------------------- where results go
def check_folder(folder: Path, flag: str) -> None:
    """UsageError unless ``folder`` is, or can be made, a folder: neither it nor any folder
    above it may be a file."""
    for place in (folder, *folder.parents):
        if place.exists() and not place.is_dir():
            raise UsageError(f"{flag} {folder}: {place} exists and is not a folder")


def check_execution_options(args: argparse.Namespace, work: dict) -> None:
    """UsageError for execution options that cannot work, and for an --out that holds
    earlier work: that needs --resume (and the same ``work``, the plain-data description
    of what determines the results) or --overwrite."""
    check_folder(args.out, "--out")
    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be >= 1, got {args.workers}")
    if args.resume and args.overwrite:
        raise UsageError("--resume and --overwrite: choose one")
    before = _earlier_work(args.out)
    if before is None:
        return
    if args.resume:
        if differs := [k for k in work if before.get(k) != work[k]]:
            raise UsageError(
                f"--resume: {args.out} holds different work ({differs[0]} differs); "
                "use another --out, or --overwrite"
            )
    elif not args.overwrite:
        raise UsageError(
            f"--out {args.out} holds earlier results; --resume to finish them, --overwrite "
            "to replace them, or choose another --out"
        )


def _earlier_work(out: Path) -> dict | None:
    """What determined the results already in ``out`` (the manifest's ``work``): None for
    a folder that does not exist or is empty; UsageError for a folder that holds other
    files, or a manifest that cannot be read."""
    if not out.is_dir() or not any(out.iterdir()):
        return None
    path = out / "manifest.json"
    if not path.is_file():
        raise UsageError(f"--out {out} is not empty and holds no zonesim results; choose another")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UsageError(f"--out {out}: cannot read {path.name} ({err})") from None
    return manifest.get("work", {}) if isinstance(manifest, dict) else {}


def clear_output(args: argparse.Namespace) -> None:
    """With --overwrite, remove the earlier results in --out (after every check passed)."""
    if args.overwrite and (args.out / "manifest.json").is_file():
        shutil.rmtree(args.out)


def executor(args: argparse.Namespace):
    """The executor the options ask for (a context manager)."""
    return executor_for(args.executor, args.workers, args.scheduler)


def report_failed_runs(failed: dict, out: Path, lost: str) -> int:
    """Say that runs failed and what is therefore missing (``lost``); exit status 1."""
    print(
        f"zonesim: {len(failed)} runs failed (tracebacks in {out / 'manifest.json'}); "
        f"{lost}. Fix, then --resume.",
        file=sys.stderr,
    )
    return 1
