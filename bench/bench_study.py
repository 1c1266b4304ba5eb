"""Speed and memory of studies: the `zonesim run` command as a planner uses it.

    .venv/bin/python bench/bench_study.py [--repeat 3] [--replications 30] [--runs 200]

(i)   a study of 2 scenarios (plan_2024, baseline) x 30 replications x 120 months, run by
      the study runner as `zonesim run` runs it, with ``--executor serial`` and with the
      process pool (the default, one worker per core). The pool is created inside the timing,
      so the start-up of its workers (spawned processes that import zonesim, about 2 s) is
      counted; the interpreter's own start, the same for both, is not. Each run writes to a
      fresh folder. Wall time, best of ``repeat``. Serial and pool alternate, in rounds, so
      that the two of a round meet the same load; the speed-up is the median over rounds of
      serial / process of the round (on this shared machine a single run's time varies by
      +-20 %, so the ratio of two minima taken in different spells can be far off).
(ii)  memory: a study of ``runs`` runs (the same 2 scenarios x runs / 2 replications) on the
      process pool, and one of 20 runs: the peak resident set size (RSS) of the largest
      process (the command or one of its workers); equal peaks show that memory does not grow
      with the number of runs. Then `zonesim compare` on the large study: wall time and peak
      RSS.

The last lines are ``key: value``, one per line, for scripts to read.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zonesim.model.calendar import DEFAULT_MONTHS, DEFAULT_SEED
from zonesim.studies.executors import executor_for
from zonesim.studies.runner import run_study
from zonesim.studies.scenario_files import load_scenario

SCENARIOS = ("plan_2024", "baseline")
MONTHS = DEFAULT_MONTHS
SEED = DEFAULT_SEED  # the shipped scenarios' root seed


def zonesim(*args: str) -> tuple[float, float]:
    """Run the zonesim command in a child process; its wall time (s) and the peak RSS (MB) of
    its largest process (the command or a worker)."""
    command = [sys.executable, "-m", "zonesim.cli", *args]
    script = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        f"done = subprocess.run({command!r}, stdout=subprocess.DEVNULL)\n"
        "seconds = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(seconds, peak, done.returncode)\n"
    )
    # a fresh interpreter per measurement, so that RUSAGE_CHILDREN sees this command only
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    seconds, peak, status = out.stdout.split()
    if int(status) != 0:
        raise SystemExit(f"zonesim {' '.join(args)} exited {status}: {out.stderr}")
    return float(seconds), float(peak)


def time_study(folder: Path, replications: int, executor: str) -> float:
    """Wall time (s) of a study in this process on ``executor`` (serial or process)."""
    scenarios = [load_scenario(name).replace(months=MONTHS) for name in SCENARIOS]
    start = time.perf_counter()
    with executor_for(executor, workers=None) as pool:
        run_study(scenarios, replications, SEED, folder, progress=False, executor=pool)
    return time.perf_counter() - start


def run_command(folder: Path, replications: int, executor: str) -> tuple[float, float]:
    """`zonesim run` in a child process: wall time (s) and peak RSS (MB), as zonesim()."""
    return zonesim(
        "run", *SCENARIOS, "-r", str(replications), "--months", str(MONTHS),
        "--executor", executor, "--out", str(folder), "-q",
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds of (i)")
    parser.add_argument("--replications", type=int, default=30, help="per scenario in (i)")
    parser.add_argument("--runs", type=int, default=200, help="runs of the study in (ii)")
    args = parser.parse_args(argv)

    print(f"Python {platform.python_version()}, {os.cpu_count()} cores, {platform.platform()}")
    runs = len(SCENARIOS) * args.replications
    print(f"(i) {len(SCENARIOS)} scenarios x {args.replications} replications = {runs} runs")
    with tempfile.TemporaryDirectory() as tmp:
        times: dict[str, list[float]] = {"serial": [], "process": []}
        for i in range(args.repeat):
            for executor in times:
                seconds = time_study(Path(tmp) / f"{executor}{i}", args.replications, executor)
                times[executor].append(seconds)
                print(f"    {executor:<8} {seconds:6.1f} s  ({seconds / runs:.2f} s a run)")
            print(f"    round {i + 1}: speed-up {times['serial'][i] / times['process'][i]:.2f}")
        serial, process = min(times["serial"]), min(times["process"])
        speedup = statistics.median(a / b for a, b in zip(*times.values(), strict=True))

        half = args.runs // len(SCENARIOS)
        print(f"(ii) peak RSS of a {args.runs}-run and a 20-run study, process pool")
        big = Path(tmp) / "big"
        big_seconds, big_rss = run_command(big, half, "process")
        print(f"    {args.runs} runs: `zonesim run` {big_seconds:.1f} s, peak RSS {big_rss:.0f} MB")
        _, small_rss = run_command(Path(tmp) / "small", 20 // len(SCENARIOS), "process")
        print(f"    20 runs: peak RSS {small_rss:.0f} MB")
        compare_seconds, compare_rss = zonesim("compare", str(big))
        print(f"    zonesim compare of the {args.runs}-run study: {compare_seconds:.1f} s")

    print(f"bench_peak_rss_mb: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    print(f"compare_{args.runs}_seconds: {compare_seconds:.1f}")
    print(f"compare_{args.runs}_peak_rss_mb: {compare_rss:.0f}")
    print(f"study_20_peak_rss_mb: {small_rss:.0f}")
    print(f"study_{args.runs}_peak_rss_mb: {big_rss:.0f}")
    print(f"study_serial_seconds: {serial:.1f}")
    print(f"study_process_seconds: {process:.1f}")
    print(f"process_speedup: {speedup:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
