"""``zonesim sensitivity``: a global sensitivity analysis of one scenario.

    zonesim sensitivity SCENARIO [--method morris|sobol] (--params NAMES | --grade P|D|G)
        [--samples N] [--kpis KPIS] [--months M] [-r R] [--seed S] [--out DIR]
        [--executor ...] [--workers N] [--resume] [--force] [-q]

The command's parser, checks and run; the analysis itself is zonesim.studies.sensitivity.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .options import (
    UsageError,
    add_execution_options,
    at_least,
    check_execution_options,
    check_study_size,
    clear_output,
    executor,
    load_one,
    report_failed_runs,
    with_horizon,
)
from .studies.sensitivity import DEFAULT_KPIS, METHODS
from .studies.summary import MAIN_KPIS

DEFAULT_SAMPLES = {"morris": 10, "sobol": 64}  # trajectories; base samples (a power of 2)


def add_parser(sub) -> None:
    parser = sub.add_parser(
        "sensitivity",
        help="which parameters drive the KPIs: Morris or Sobol over the table's ranges",
    )
    parser.add_argument("scenario", metavar="SCENARIO", help="a scenario file or shipped name")
    parser.add_argument("--method", choices=METHODS, default="morris")
    chosen = parser.add_mutually_exclusive_group(required=True)
    chosen.add_argument(
        "--params", metavar="NAMES", help="parameters to vary, comma-separated (table names)"
    )
    chosen.add_argument(
        "--grade", choices=("P", "D", "G"), help="vary every parameter of this grade"
    )
    parser.add_argument(
        "--samples",
        type=int,
        help="Morris: trajectories (default 10; runs = samples x (parameters + 1)); Sobol: "
        "base samples, a power of 2 (default 64; runs = samples x (parameters + 2))",
    )
    parser.add_argument(
        "--kpis",
        default=",".join(DEFAULT_KPIS),
        help=f"KPIs, all zones at the horizon, comma-separated (default: %(default)s; "
        f"any of {', '.join(MAIN_KPIS)})",
    )
    parser.add_argument(
        "--baseline",
        metavar="NAME",
        help="analyse the effect: run every point on this scenario too, with the same seeds, "
        "and compute the indices of SCENARIO minus it (which parameters change what the "
        "plan achieves)",
    )
    parser.add_argument("--months", type=int, help="horizon (default: the scenario's)")
    parser.add_argument(
        "-r", "--replications", type=int, default=1, help="runs per point (default: 1)"
    )
    parser.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    parser.add_argument(
        "--out", type=Path, help="output folder (default: results/sensitivity_<scenario>)"
    )
    add_execution_options(parser)


def check(args: argparse.Namespace) -> None:
    """Load the scenario and draw the design, or raise UsageError (nothing written)."""
    from .studies.sensitivity import choose_parameters, design, design_size

    base = load_one(args.scenario, args.force)
    args.months = base.months if args.months is None else args.months
    args.seed = base.seed if args.seed is None else args.seed
    args.out = args.out or Path("results") / f"sensitivity_{base.name}"
    args.kpi_names = [k.strip() for k in args.kpis.split(",") if k.strip()]
    if unknown := [k for k in args.kpi_names if k not in MAIN_KPIS]:
        raise UsageError(f"--kpis: unknown KPI '{unknown[0]}'; one of {', '.join(MAIN_KPIS)}")
    at_least(args, months=1, replications=1, seed=0)
    baseline = None if args.baseline is None else load_one(args.baseline, args.force)
    samples = DEFAULT_SAMPLES[args.method] if args.samples is None else args.samples
    names = [n.strip() for n in args.params.split(",")] if args.params else None
    try:
        chosen = choose_parameters(names, args.grade)
        points = design_size(args.method, len(chosen), samples)  # sized before it is drawn
        scenarios = 1 if baseline is None else 2  # each point on the baseline too
        check_study_size(args, points * scenarios * args.replications, args.months, "points")
        args.plan = design(args.method, chosen, samples, seed=args.seed)
    except ValueError as err:
        raise UsageError(f"--params/--grade/--samples: {err}") from None
    args.resolved = with_horizon(base, args.months)  # the horizon is checked above
    args.baseline_scenario = None if baseline is None else with_horizon(baseline, args.months)
    if baseline is not None and args.baseline_scenario.digest() == args.resolved.digest():
        raise UsageError(f"--baseline {args.baseline}: the same scenario as {args.scenario}")
    check_execution_options(args, work(args))


def work(args: argparse.Namespace) -> dict:
    """What determines the analysis (--resume must find it unchanged)."""
    from .studies.sensitivity import describe

    baseline = args.baseline_scenario
    return {
        "design": describe(args.plan),
        "base": args.resolved.digest(),
        "baseline": None if baseline is None else baseline.digest(),
        "root_seed": args.seed,
        "months": args.months,
    }


def run(args: argparse.Namespace) -> int:
    from .studies.sensitivity import run_sensitivity

    plan, base, baseline = args.plan, args.resolved, args.baseline_scenario
    effect = "" if baseline is None else f", the effect against {baseline.name}"
    print(
        f"{plan.method}: {len(plan.names)} parameters, {len(plan.points)} points x "
        f"{args.replications} replication(s) x {args.months} months, base {base.name}{effect}"
    )
    clear_output(args)
    with executor(args) as pool:
        done = run_sensitivity(
            plan, base, args.kpi_names, args.replications, args.seed, args.out,
            executor=pool, progress=not args.quiet, resume=args.resume,
            manifest={"base": {"name": base.name, **base.as_dict(), "sha256": base.digest()},
                      "work": work(args), "scenarios": {}},  # the points: design.csv
            baseline=baseline,
        )  # fmt: skip
    if done.failed:
        return report_failed_runs(done.failed, args.out, "no indices")
    _print_top(done.indices, plan.method)
    print(f"Wrote {len(done.paths)} files:")
    for path in done.paths:
        print(f"  {path}")
    return 0


def _print_top(table, method: str, top: int = 3) -> None:
    """The parameters that matter most for each KPI."""
    index = "mu_star" if method == "morris" else "ST"
    for kpi, rows in table[table["index"] == index].groupby("kpi", sort=False):
        best = rows.nlargest(top, "value")
        named = ", ".join(f"{r.parameter} {r.value:.3g}" for r in best.itertuples())
        print(f"  {kpi}: {named}")
