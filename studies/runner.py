"""Run a study: every scenario x every replication, one model run each, written as it finishes.

Replication ``r`` uses the same seed in every scenario (common random numbers), so that a
difference between scenarios is the policy, not noise. Seeds are spawned from one root seed
with :class:`numpy.random.SeedSequence`.

Layout of ``out_dir`` (schema: results/README.md)::

    runs/<scenario>__r<replication>.zone_kpis.parquet   one file per run and table
    runs/<scenario>__r<replication>.sector_kpis.parquet
    runs/<scenario>__r<replication>.measure_kpis.parquet
    zone_kpis.parquet                                   all finished runs, combined
    sector_kpis.parquet
    measure_kpis.parquet
    manifest.json                                       code, environment, design, each run
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..model import ZoneScenario
from .storage import write_parquet_atomic, write_text_atomic

TABLES = ("zone_kpis", "sector_kpis", "measure_kpis")


@dataclass(frozen=True)
class RunSpec:
    """One model run of a study: a scenario, a replication, and the replication's seed."""

    scenario: ZoneScenario
    replication: int
    seed: int

    @property
    def name(self) -> str:
        return f"{self.scenario.name}__r{self.replication:03d}"


def spawn_seeds(root_seed: int, replications: int) -> list[int]:
    """One integer seed per replication, spawned from ``root_seed``."""
    children = np.random.SeedSequence(root_seed).spawn(replications)
    return [int(child.generate_state(1)[0]) for child in children]


def check_scenarios(scenarios: Sequence[ZoneScenario]) -> None:
    """ValueError unless ``scenarios`` can make one study: at least one, each a named
    ZoneScenario, no name twice, one horizon (comparisons pair months)."""
    if not scenarios:
        raise ValueError("a study needs at least one scenario")
    for scenario in scenarios:
        if not isinstance(scenario, ZoneScenario):
            raise ValueError(f"a study's scenarios are ZoneScenarios, not {scenario!r}")
        if not scenario.name:
            raise ValueError("every scenario of a study needs a name: ZoneScenario(name=...)")
    names = [s.name for s in scenarios]
    if twice := sorted({n for n in names if names.count(n) > 1}):
        raise ValueError(f"two scenarios are named '{twice[0]}'")
    if len(horizons := {s.months for s in scenarios}) > 1:
        raise ValueError(f"the scenarios of a study need one horizon, got months {horizons}")


def plan_runs(
    scenarios: Sequence[ZoneScenario], replications: int, root_seed: int
) -> list[RunSpec]:
    """Every (scenario, replication) of the study, replication-major so that an interrupted
    study has complete pairs; replication r has the same seed in every scenario."""
    seeds = spawn_seeds(root_seed, replications)
    return [RunSpec(s, r, seeds[r]) for r in range(replications) for s in scenarios]


def execute(spec: RunSpec) -> dict[str, pd.DataFrame]:
    """Run one model and return its tables, each with the scenario, replication and seed."""
    scenario = spec.scenario.replace(rng=spec.seed)
    model = scenario.model_class(scenario).run()
    frames = {
        "zone_kpis": model.zone_kpis(),
        "sector_kpis": model.sector_kpis(),
        "measure_kpis": model.measure_kpis(),
    }
    for frame in frames.values():
        frame.insert(0, "seed", np.int64(spec.seed))
        frame.insert(0, "replication", np.int64(spec.replication))
        frame.insert(0, "scenario", spec.scenario.name)
    return frames


def run_path(runs_dir: Path, spec: RunSpec, table: str) -> Path:
    return runs_dir / f"{spec.name}.{table}.parquet"


def execute_to_disk(spec: RunSpec, runs_dir: Path) -> dict:
    """Run one model and write its tables (each atomically); never raises. Returns the run's
    record for the manifest: name, status ("done" or "failed"), seconds, error."""
    start = time.perf_counter()
    try:
        for table, frame in execute(spec).items():
            write_parquet_atomic(frame, run_path(runs_dir, spec, table))
    except Exception:  # a failed run is recorded and the study goes on
        status, error = "failed", traceback.format_exc()
    else:
        status, error = "done", None
    seconds = round(time.perf_counter() - start, 3)
    return {"run": spec.name, "status": status, "seconds": seconds, "error": error}


def is_done(spec: RunSpec, runs_dir: Path) -> bool:
    """Both of the run's tables are on disk (they are written atomically, so complete)."""
    return all(run_path(runs_dir, spec, table).is_file() for table in TABLES)


def run_study(
    scenarios: Sequence[ZoneScenario],
    replications: int,
    root_seed: int,
    out_dir: Path | str,
    progress: bool = True,
    executor: Executor | None = None,
    resume: bool = False,
    manifest: Mapping | None = None,
) -> StudyResult:
    """Run every scenario ``replications`` times and write the tables.

    Parameters
    ----------
    scenarios : sequence of ZoneScenario
        Named, with one horizon (``scenario.months``); see :func:`check_scenarios`.
    replications : int
        Runs per scenario; replication r has the same seed in every scenario.
    root_seed : int
        The seeds of the replications are spawned from it.
    out_dir : path
        Where the tables and the manifest go (layout: this module's description).
    executor : concurrent.futures.Executor, optional
        Where runs go (a process pool, Dask's executor); None runs them here, one after
        another. A run gives the same tables on every executor.
    resume : bool
        Keep the runs whose tables are already in ``out_dir`` and run only the others.
    manifest : mapping, optional
        Entries added to the manifest (e.g. ``{"work": ...}``, what --resume compares).

    Each run's tables are written to ``out_dir/runs/`` the moment it finishes, and
    ``out_dir/manifest.json`` records it; a run that raises is recorded with its traceback
    and the others go on. The finished runs are combined, in the study's order, into
    ``out_dir/<table>.parquet`` (see :class:`CombinedTables`).
    """
    scenarios = list(scenarios)
    check_scenarios(scenarios)
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if scenarios[0].months < 1:
        raise ValueError(f"months must be >= 1, got {scenarios[0].months}")
    out_dir = Path(out_dir)
    runs_dir = out_dir / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)

    specs = plan_runs(scenarios, replications, root_seed)
    extra = {"scenarios": describe_scenarios(scenarios), **(manifest or {})}
    book = Manifest(out_dir / "manifest.json", specs, root_seed, extra)
    earlier = [spec for spec in specs if resume and is_done(spec, runs_dir)]
    todo = [spec for spec in specs if spec not in earlier]
    book.skip(earlier)
    report = Progress(len(todo)) if progress else None
    with CombinedTables(out_dir, specs) as combined:
        combined.finished(earlier)
        for spec, record in _results(todo, runs_dir, executor):
            book.record(record)
            combined.finished([spec])
            if report:
                report(spec, record["seconds"])
    if report:
        report.close()
    book.close()
    return StudyResult(out_dir, book.failed())


def describe_scenarios(scenarios: Sequence[ZoneScenario]) -> dict[str, dict]:
    """The manifest's record of each scenario: what it resolves to (measures on, parameter
    overrides, horizon, start month, market path, firm scale, model class: what ``zonesim
    compare`` reads back), its description
    and SHA-256, and, for a scenario read from a file, where from and its [simulation]."""
    return {s.name: {"description": s.description, **s.as_dict(), "sha256": s.digest()}
            for s in scenarios}  # fmt: skip


class CombinedTables:
    """``out_dir/zone_kpis.parquet`` and ``out_dir/measure_kpis.parquet``: every finished run, in
    the study's order (the same on every executor), written while the study runs.

    A run is appended as soon as it and every run before it have finished, one run in memory
    at a time, so memory stays flat however many runs a study has, and little is left to do
    when the last run ends. The files get their final names (atomically) on a clean exit;
    after an error they are not written. A study whose runs all failed writes none. Those
    of an earlier study in the folder are removed first, so that combined tables are never
    those of another study (a study that is killed leaves none; ``resume`` rebuilds them).
    """

    def __init__(self, out_dir: Path, specs: list[RunSpec]):
        self.out_dir, self.runs_dir = out_dir, out_dir / "runs"
        self.order, self.next, self.done = specs, 0, set()
        self.writers: dict[str, tuple[Path, pq.ParquetWriter]] = {}
        for table in TABLES:
            (out_dir / f"{table}.parquet").unlink(missing_ok=True)

    def __enter__(self) -> CombinedTables:
        return self

    def finished(self, specs: list[RunSpec]) -> None:
        """Note runs that have finished (done or failed); append those now in order."""
        self.done.update(spec.name for spec in specs)
        while self.next < len(self.order) and self.order[self.next].name in self.done:
            spec = self.order[self.next]
            self.next += 1
            if is_done(spec, self.runs_dir):  # a failed run has no tables
                for table in TABLES:
                    self._append(table, pq.read_table(run_path(self.runs_dir, spec, table)))

    def _append(self, table: str, data) -> None:
        if table not in self.writers:
            tmp = self.out_dir / f".{table}.parquet.{os.getpid()}.tmp"
            self.writers[table] = (tmp, pq.ParquetWriter(tmp, data.schema))
        self.writers[table][1].write_table(data)

    def __exit__(self, kind, error, trace) -> None:
        for table, (tmp, writer) in self.writers.items():
            try:
                writer.close()
                if kind is None:
                    os.replace(tmp, self.out_dir / f"{table}.parquet")
            finally:
                tmp.unlink(missing_ok=True)  # gone already when renamed


def _results(specs: list[RunSpec], runs_dir: Path, executor: Executor | None):
    """(spec, record) for each run as it finishes."""
    if executor is None:
        for spec in specs:
            yield spec, execute_to_disk(spec, runs_dir)
        return
    futures = {executor.submit(execute_to_disk, spec, runs_dir): spec for spec in specs}
    for future in as_completed(futures):
        yield futures[future], future.result()


@dataclass(frozen=True)
class StudyResult:
    """Where a study's results are, and the runs that failed (name -> traceback)."""

    out_dir: Path
    failed: Mapping[str, str]


class Manifest:
    """manifest.json: code and environment, the study's design and seeds, and each run's
    status and wall time; rewritten (atomically) as runs finish."""

    def __init__(self, path: Path, specs: list[RunSpec], root_seed: int, extra: Mapping):
        self.path = path
        self.data = {
            "started": _now(),
            "ended": None,
            "environment": environment(),
            "root_seed": root_seed,
            "months": specs[0].scenario.months,
            "replications": len({spec.replication for spec in specs}),
            "seeds": sorted({spec.replication: spec.seed for spec in specs}.items()),
            **extra,
            "runs": {
                spec.name: {
                    "scenario": spec.scenario.name,
                    "replication": spec.replication,
                    "seed": spec.seed,
                    "status": "pending",
                }
                for spec in specs
            },
        }
        self._write()

    def skip(self, specs: list[RunSpec]) -> None:
        for spec in specs:
            self.data["runs"][spec.name]["status"] = "done (earlier)"
        self._write()

    def record(self, record: dict) -> None:
        entry = self.data["runs"][record["run"]]
        entry.update({k: v for k, v in record.items() if k != "run" and v is not None})
        self._write()

    def close(self) -> None:
        self.data["ended"] = _now()
        self._write()

    def failed(self) -> dict[str, str]:
        return {n: r["error"] for n, r in self.data["runs"].items() if r["status"] == "failed"}

    def _write(self) -> None:
        write_text_atomic(json.dumps(self.data, indent=1, default=str) + "\n", self.path)


def environment() -> dict:
    """Git commit and dirty flag, package versions, Python and platform."""
    import importlib.metadata as metadata

    root = Path(__file__).resolve().parents[1]
    versions = {}
    for package in ("zonesim", "mesa", "numpy", "pandas", "pyarrow", "matplotlib"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "git_commit": _git(root, "rev-parse", "HEAD"),
        "git_dirty": bool(_git(root, "status", "--porcelain", "--untracked-files=no")),
        "packages": versions,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _git(root: Path, *args: str) -> str | None:
    if not (root / ".git").exists():  # installed, not a checkout: not the commit of a repo above
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Progress:
    """One line on stderr: runs done / total, elapsed and estimated time left.

    Time left = runs left x the time per run so far, where "so far" starts when the first
    run started, not when the study did: it leaves out the start-up of a pool's workers,
    which would otherwise make the early estimates many times too long. On a pool of n
    workers, runs finish about n at a time, so the estimate settles once n have finished.
    """

    def __init__(self, total: int, stream=None, clock: Callable[[], float] = time.perf_counter):
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.clock = clock
        self.start = clock()
        self.began: float | None = None  # when the first run started
        self.inline = self.stream.isatty()

    def __call__(self, spec: RunSpec, seconds: float) -> None:
        """Note that ``spec`` finished after running ``seconds``, and print the line."""
        self.done += 1
        now = self.clock()
        if self.began is None:
            self.began = max(self.start, now - seconds)
        left = (now - self.began) / self.done * (self.total - self.done)
        line = (
            f"run {self.done}/{self.total} ({spec.scenario.name}, replication {spec.replication}) "
            f"elapsed {_duration(now - self.start)}, about {_duration(left)} left"
        )
        if self.inline:
            self.stream.write(f"\r\x1b[K{line}")
        else:
            self.stream.write(f"{line}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.inline:
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
