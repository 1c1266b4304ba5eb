"""Speed of a sensitivity analysis: a Morris study of 20 parameters with 10 trajectories.

    .venv/bin/python bench/bench_sensitivity.py [--trajectories 10]

210 runs (10 x (20 + 1)) of the 2024 plan, 120 months each, on the process pool as
`zonesim run` makes it (one worker per core), through the study runner, with the indices
and the figure at the end. The parameters are the first 20 of the table whose range is not a
single value, in the table's order (a fixed choice, so that the figure
compares between versions). Wall time of the whole, the pool's start-up included.

The last lines are ``key: value``, for scripts to read.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from zonesim.model.calendar import DEFAULT_MONTHS, DEFAULT_SEED
from zonesim.studies.executors import executor_for
from zonesim.studies.sensitivity import DEFAULT_KPIS, design, run_sensitivity

from zonesim import ZoneScenario, parameters

PARAMETERS = 20
MONTHS = DEFAULT_MONTHS
SEED = DEFAULT_SEED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trajectories", type=int, default=10)
    args = parser.parse_args(argv)
    table = parameters()
    names = list(table[table["low"] < table["high"]].index[:PARAMETERS])
    plan = design("morris", names, args.trajectories, seed=SEED)
    print(f"{len(plan.points)} runs: {PARAMETERS} parameters x {args.trajectories} trajectories")
    print(f"parameters: {', '.join(names)}")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        with executor_for("process", workers=None) as pool:
            done = run_sensitivity(
                plan, ZoneScenario(name="plan_2024", months=MONTHS), DEFAULT_KPIS, 1, SEED,
                Path(tmp),
                executor=pool, progress=False,
            )  # fmt: skip
        seconds = time.perf_counter() - start
    if done.failed:
        raise SystemExit(f"{len(done.failed)} runs failed")
    print(f"cores: {os.cpu_count()}; seconds a run: {seconds / len(plan.points):.2f}")
    print(f"morris_{PARAMETERS}x{args.trajectories}_seconds: {seconds:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
