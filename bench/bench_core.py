"""Speed and memory of the simulation core.

    .venv/bin/python bench/bench_core.py [--repeat 5]

(i)   the six-zone 2024 plan, 120 months, real firm counts: build + run, best of ``repeat``
      after one warm-up run;
(ii)  about 10,000 starting firms (firm_scale = 10000 / 455), 120 months: run time without
      the build, best of ``repeat``, and agent-steps per second = the sum over months 1..120
      of the number of firms, divided by the run time;
(iii) Mesa's BoltzmannWealth example in Mesa's own benchmark configuration (10,000 agents on
      a 100 x 100 grid, 10 steps): time of the 10 steps, best of ``repeat`` seeds,
      agent-steps per second = 10,000 x 10 / seconds. Runs of (ii) and (iii) alternate, so
      that both meet the same spells of load.

Every figure is the best of ``repeat`` runs, as ``timeit`` advises: on a shared machine the
spread between runs (here +-30 %) is other load, and the minimum is the code's own speed.
Each figure prints all its runs as well. The garbage collector is off while a timed section
runs. The last lines are ``key: value``, one per line, for scripts to read.
"""

from __future__ import annotations

import argparse
import gc
import platform
import resource
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from functools import partial

import mesa
import numpy as np
from zonesim.model.calendar import DEFAULT_MONTHS

import zonesim

MONTHS = DEFAULT_MONTHS
REAL_FIRMS = 455  # starting firms in the six zones (zone.<id>.firms in the parameter table)
LARGE_FIRMS = 10_000
BOLTZMANN = {"n": 10_000, "width": 100, "height": 100, "steps": 10}


@contextmanager
def no_gc():
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    with no_gc():
        start = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - start
    return seconds, out


def bench_plan(repeat: int) -> float:
    """Build + run of the 2024 plan at real scale, best of ``repeat`` after a warm-up."""

    def build_and_run(seed: int) -> zonesim.ZoneModel:
        return zonesim.ZoneModel(rng=seed, months=MONTHS).run()

    build_and_run(0)  # warm-up: imports, caches, data tables
    times = []
    for seed in range(1, repeat + 1):
        seconds, model = timed(partial(build_and_run, seed))
        times.append(seconds)
    kpis = model.zone_kpis()
    firms = kpis.loc[kpis["month"] == MONTHS, "firms"].sum()
    print(
        f"plan_2024, {REAL_FIRMS} starting firms, {MONTHS} months: build + run best of "
        f"{repeat}: {min(times):.3f} s (all: {', '.join(f'{t:.3f}' for t in times)}); "
        f"{firms} firms at the horizon"
    )
    return min(times)


def time_large(seed: int) -> tuple[float, int, int]:
    """One run with about 10,000 starting firms: seconds (no build), agent-steps over months
    1..120, and starting firms."""
    model = zonesim.ZoneModel(rng=seed, months=MONTHS, firm_scale=LARGE_FIRMS / REAL_FIRMS)
    start_firms = len(model.enterprises())
    seconds, _ = timed(model.run)
    kpis = model.zone_kpis()
    steps = int(kpis.loc[kpis["month"].between(1, MONTHS), "firms"].sum())
    print(
        f"  10k firms, seed {seed}: {start_firms} starting firms, run {seconds:.3f} s, "
        f"{steps:,} agent-steps, {steps / seconds:,.0f} agent-steps/s"
    )
    return seconds, steps, start_firms


def time_boltzmann(seed: int) -> float:
    """Seconds for Mesa's BoltzmannWealth in Mesa's benchmark configuration."""
    from mesa.examples.basic.boltzmann_wealth_model.model import (
        BoltzmannScenario,
        BoltzmannWealth,
    )

    n, steps = BOLTZMANN["n"], BOLTZMANN["steps"]
    model = BoltzmannWealth(
        BoltzmannScenario(n=n, width=BOLTZMANN["width"], height=BOLTZMANN["height"], rng=seed)
    )
    seconds, _ = timed(partial(_step, model, steps))
    print(
        f"  BoltzmannWealth, seed {seed}: {seconds:.3f} s, {n * steps / seconds:,.0f} agent-steps/s"
    )
    return seconds


def bench_large_and_boltzmann(repeat: int) -> tuple[float, float]:
    """Agent-steps per second, ours at 10,000 firms and Mesa's BoltzmannWealth, each the best
    of ``repeat`` runs. The runs alternate, ours then Boltzmann, so that both meet the same
    spells of load on a shared machine."""
    ours, theirs = [], []
    for seed in range(1, repeat + 1):
        ours.append(time_large(seed))
        theirs.append(time_boltzmann(seed))
    seconds, steps, start_firms = min(ours)
    rate = steps / seconds
    print(
        f"~{LARGE_FIRMS:,} firms (firm_scale {LARGE_FIRMS / REAL_FIRMS:.3f}, {start_firms} at "
        f"the start), {MONTHS} months: run best of {repeat}: {seconds:.3f} s, "
        f"{rate:,.0f} agent-steps/s"
    )
    n, steps = BOLTZMANN["n"], BOLTZMANN["steps"]
    boltzmann = n * steps / min(theirs)
    print(
        f"Mesa BoltzmannWealth, {n:,} agents, {BOLTZMANN['width']}x{BOLTZMANN['height']} grid, "
        f"{steps} steps: best of {repeat} seeds {min(theirs):.3f} s, {boltzmann:,.0f} agent-steps/s"
    )
    return rate, boltzmann


def _step(model: mesa.Model, steps: int) -> None:
    for _ in range(steps):
        model.step()


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions (default 5)")
    args = parser.parse_args(argv)
    print(
        f"python {platform.python_version()}, mesa {mesa.__version__}, numpy {np.__version__}, "
        f"{platform.machine()} {platform.system()}"
    )

    plan_seconds = bench_plan(args.repeat)
    ours, boltzmann = bench_large_and_boltzmann(args.repeat)

    print(f"peak_rss_mb: {peak_rss_mb():.0f}")
    print(f"plan_run_seconds: {plan_seconds:.3f}")
    print(f"agent_steps_per_s: {ours:.0f}")
    print(f"mesa_boltzmann_agent_steps_per_s: {boltzmann:.0f}")
    print(f"speedup_vs_mesa_boltzmann: {ours / boltzmann:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
