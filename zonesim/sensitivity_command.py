"""``zonesim sensitivity``: a global sensitivity analysis of one scenario.

    zonesim sensitivity SCENARIO [--method morris|sobol] (--params NAMES | --grade P|D|G)
        [--samples N] [--kpis KPIS] [--months M] [-r R] [--seed S] [--out DIR]
        [--executor ...] [--workers N] [--resume] [-q]

The command's parser, checks and run; the analysis itself is zonesim.studies.sensitivity.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .options import (
    UsageError,
    add_execution_options,
    check_execution_options,
    check_horizon,
    earlier_manifest,
    executor_for,
    report_failed_runs,
    scenario_path,
)
from .studies.scenario_files import ScenarioError, load_scenario
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
    from .studies.sensitivity import choose_parameters, design

    try:
        args.resolved = load_scenario(scenario_path(args.scenario))
    except ScenarioError as err:
        raise UsageError(str(err)) from None
    base = args.resolved
    args.months = base.months if args.months is None else args.months
    args.seed = base.seed if args.seed is None else args.seed
    args.out = args.out or Path("results") / f"sensitivity_{base.name}"
    args.kpi_names = [k.strip() for k in args.kpis.split(",") if k.strip()]
    if unknown := [k for k in args.kpi_names if k not in MAIN_KPIS]:
        raise UsageError(f"--kpis: unknown KPI '{unknown[0]}'; one of {', '.join(MAIN_KPIS)}")
    for key, value in (("months", args.months), ("replications", args.replications)):
        if value < 1:
            raise UsageError(f"--{key} must be >= 1, got {value}")
    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0, got {args.seed}")
    check_horizon(base, args.months)
    samples = DEFAULT_SAMPLES[args.method] if args.samples is None else args.samples
    names = [n.strip() for n in args.params.split(",")] if args.params else None
    try:
        chosen = choose_parameters(names, args.grade)
        args.plan = design(args.method, chosen, samples, seed=args.seed)
    except ValueError as err:
        raise UsageError(f"--params/--grade/--samples: {err}") from None
    check_execution_options(args)
    if args.resume:
        _check_resume(args)


def _check_resume(args: argparse.Namespace) -> None:
    """--resume continues the same analysis: same design, base scenario and seed."""
    from .studies.sensitivity import describe

    before = earlier_manifest(args.out)
    if before is None:
        return
    same = (
        before.get("sensitivity") == describe(args.plan)
        and before.get("base", {}).get("sha256") == args.resolved.digest()
        and before.get("root_seed") == args.seed
        and before.get("months") == args.months
    )
    if not same:
        raise UsageError(f"--resume: {args.out} holds a different analysis; use another --out")


def run(args: argparse.Namespace) -> int:
    from .studies.sensitivity import run_sensitivity

    plan, base = args.plan, args.resolved
    print(
        f"{plan.method}: {len(plan.names)} parameters, {len(plan.points)} points x "
        f"{args.replications} replication(s) x {args.months} months, base {base.name}"
    )
    with executor_for(args.executor, args.workers, args.scheduler) as executor:
        done = run_sensitivity(
            plan, base.policy, base.params, args.kpi_names, args.months, args.replications,
            args.seed, args.out, executor=executor, progress=not args.quiet,
            resume=args.resume,
            manifest={"base": {**base.as_dict(), "sha256": base.digest()}, "scenarios": {}},
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
