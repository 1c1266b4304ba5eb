"""Run a study: every scenario x every replication, one model run each, written as it finishes.

Replication ``r`` uses the same seed in every scenario (common random numbers), so that a
difference between scenarios is the policy, not noise. Seeds are spawned from one root seed
with :class:`numpy.random.SeedSequence`.

Layout of ``out_dir`` (schema: results/README.md)::

    runs/<scenario>__r<replication>.zone_kpis.parquet   one file per run and table
    runs/<scenario>__r<replication>.uptake.parquet
    zone_kpis.parquet                                   all runs of the study, combined
    uptake.parquet
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..model import Policy, ZoneModel
from .storage import write_parquet_atomic

TABLES = ("zone_kpis", "uptake")


@dataclass(frozen=True)
class RunSpec:
    """One model run of a study: which scenario, which replication, which seed."""

    scenario: str
    replication: int
    seed: int
    policy: Policy
    months: int
    params: Mapping[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.scenario}__r{self.replication:03d}"


def spawn_seeds(root_seed: int, replications: int) -> list[int]:
    """One integer seed per replication, spawned from ``root_seed``."""
    children = np.random.SeedSequence(root_seed).spawn(replications)
    return [int(child.generate_state(1)[0]) for child in children]


def plan_runs(
    scenarios: Mapping[str, Policy | tuple[Policy, Mapping[str, float]]],
    replications: int,
    months: int,
    root_seed: int,
) -> list[RunSpec]:
    """Every (scenario, replication) of the study, replication-major so that an interrupted
    study has complete pairs. A scenario is a Policy, or a (Policy, parameter overrides)
    pair."""
    seeds = spawn_seeds(root_seed, replications)
    settings = {
        name: scenario if isinstance(scenario, tuple) else (scenario, {})
        for name, scenario in scenarios.items()
    }
    return [
        RunSpec(name, r, seeds[r], policy, months, dict(params))
        for r in range(replications)
        for name, (policy, params) in settings.items()
    ]


def execute(spec: RunSpec) -> dict[str, pd.DataFrame]:
    """Run one model and return its tables, each with the scenario, replication and seed."""
    model = ZoneModel(
        rng=spec.seed, policy=spec.policy, params=dict(spec.params), months=spec.months
    ).run()
    frames = {"zone_kpis": model.zone_kpis(), "uptake": model.uptake()}
    for frame in frames.values():
        frame.insert(0, "seed", np.int64(spec.seed))
        frame.insert(0, "replication", np.int64(spec.replication))
        frame.insert(0, "scenario", spec.scenario)
    return frames


def run_path(runs_dir: Path, spec: RunSpec, table: str) -> Path:
    return runs_dir / f"{spec.name}.{table}.parquet"


def run_study(
    scenarios: Mapping[str, Policy | tuple[Policy, Mapping[str, float]]],
    replications: int,
    months: int,
    root_seed: int,
    out_dir: Path,
    progress: bool = True,
) -> Path:
    """Run every scenario ``replications`` times, serially, and write the tables.
    ``scenarios`` maps a name to a Policy, or to a (Policy, parameter overrides) pair.

    Each run's two tables are written to ``out_dir/runs/`` as soon as it finishes; then the
    combined ``out_dir/zone_kpis.parquet`` and ``out_dir/uptake.parquet``. Returns ``out_dir``.
    """
    if not scenarios:
        raise ValueError("a study needs at least one scenario")
    if replications < 1 or months < 1:
        raise ValueError("replications and months must be >= 1")
    out_dir = Path(out_dir)
    runs_dir = out_dir / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)

    specs = plan_runs(scenarios, replications, months, root_seed)
    report = _Progress(len(specs)) if progress else None
    for spec in specs:
        for table, frame in execute(spec).items():
            write_parquet_atomic(frame, run_path(runs_dir, spec, table))
        if report:
            report(spec)
    if report:
        report.close()

    for table in TABLES:
        combined = pd.concat(
            [pd.read_parquet(run_path(runs_dir, spec, table)) for spec in specs],
            ignore_index=True,
        )
        write_parquet_atomic(combined, out_dir / f"{table}.parquet")
    return out_dir


class _Progress:
    """One line on stderr: runs done / total, elapsed and estimated time left."""

    def __init__(self, total: int, stream=None, clock: Callable[[], float] = time.perf_counter):
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.clock = clock
        self.start = clock()
        self.inline = self.stream.isatty()

    def __call__(self, spec: RunSpec) -> None:
        self.done += 1
        elapsed = self.clock() - self.start
        left = elapsed / self.done * (self.total - self.done)
        line = (
            f"run {self.done}/{self.total} ({spec.scenario}, replication {spec.replication}) "
            f"elapsed {_duration(elapsed)}, about {_duration(left)} left"
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
