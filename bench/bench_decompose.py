"""Speed of `zonesim decompose`: the 2024 plan against the baseline, by measure.

    .venv/bin/python bench/bench_decompose.py [--replications 10] [--months 120]

plan_2024 against baseline: the scenario, the baseline, each of the 21 sub-measures alone on
the baseline and the plan without each (44 scenarios) x ``replications`` x ``months``, on the
default executor (a process pool, one worker per core, created inside the timing) into a
fresh folder, then the decomposition table and figure. Wall time of one such analysis (it
takes a minute or more: one measurement, not a best of several). The last lines are
``key: value``, one per line, for scripts to read.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time

from zonesim.model.calendar import DEFAULT_MONTHS, DEFAULT_SEED
from zonesim.studies.decompose import measures_of, run_decomposition
from zonesim.studies.executors import executor_for
from zonesim.studies.scenario_files import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--months", type=int, default=DEFAULT_MONTHS)
    args = parser.parse_args()
    plan = load_scenario("plan_2024").replace(months=args.months)
    baseline = load_scenario("baseline").replace(months=args.months)
    scenarios = 2 + 2 * len(measures_of(plan, baseline))
    runs = scenarios * args.replications
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores")
    print(f"plan_2024 against baseline: {scenarios} scenarios x {args.replications} "
          f"replications x {args.months} months = {runs} runs")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        with executor_for("process", None, None) as pool:
            done = run_decomposition(
                plan, baseline, args.replications, DEFAULT_SEED, folder,
                executor=pool, progress=False,
            )  # fmt: skip
        seconds = time.perf_counter() - start
    if done.failed:
        sys.exit(f"{len(done.failed)} runs failed: {', '.join(done.failed)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"decompose: {seconds:.1f} s, {seconds / runs * 1000:.0f} ms a run")
    print(f"decompose_seconds: {seconds:.1f}")
    print(f"runs: {runs}")
    print(f"peak_rss_mb_main_process: {peak:.0f}")


if __name__ == "__main__":
    main()
