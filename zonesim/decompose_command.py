"""``zonesim decompose``: the plan decomposed by measure.

    zonesim decompose SCENARIO --baseline NAME [--months M] [-r R] [--seed S] [--out DIR]
        [--executor ...] [--workers N] [--resume] [--force] [-q]

The command's parser, checks and run; the analysis itself is zonesim.studies.decompose.
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

DEFAULT_REPLICATIONS = 10


def add_parser(sub) -> None:
    parser = sub.add_parser(
        "decompose",
        help="the plan by measure: each sub-measure alone on the baseline and the scenario "
        "without it, with paired 95%% CIs",
    )
    parser.add_argument("scenario", metavar="SCENARIO", help="a scenario file or shipped name")
    parser.add_argument(
        "--baseline", metavar="NAME", default="baseline", help="default: %(default)s"
    )
    parser.add_argument("--months", type=int, help="horizon (default: the scenario's)")
    parser.add_argument(
        "-r",
        "--replications",
        type=int,
        default=DEFAULT_REPLICATIONS,
        help="runs per scenario (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    parser.add_argument(
        "--out", type=Path, help="output folder (default: results/decompose_<scenario>)"
    )
    add_execution_options(parser)


def check(args: argparse.Namespace) -> None:
    """Load both scenarios and size the study, or raise UsageError (nothing written)."""
    from .studies.decompose import measures_of

    scenario = load_one(args.scenario, args.force)
    args.months = scenario.months if args.months is None else args.months
    args.seed = scenario.seed if args.seed is None else args.seed
    args.out = args.out or Path("results") / f"decompose_{scenario.name}"
    at_least(args, months=1, replications=1, seed=0)
    baseline = load_one(args.baseline, args.force)
    measures = measures_of(scenario, baseline)
    if not measures:
        raise UsageError(
            f"--baseline {args.baseline}: {args.scenario} turns on no measure it does not"
        )
    runs = (2 + 2 * len(measures)) * args.replications
    check_study_size(args, runs, args.months, "runs")
    args.resolved = with_horizon(scenario, args.months)  # the horizon is checked above
    args.baseline_scenario = with_horizon(baseline, args.months)
    check_execution_options(args, work(args))


def work(args: argparse.Namespace) -> dict:
    """What determines the analysis (--resume must find it unchanged)."""
    return {
        "scenario": args.resolved.digest(),
        "baseline": args.baseline_scenario.digest(),
        "root_seed": args.seed,
        "months": args.months,
    }


def run(args: argparse.Namespace) -> int:
    from .studies.decompose import measures_of, run_decomposition

    scenario, baseline = args.resolved, args.baseline_scenario
    measures = measures_of(scenario, baseline)
    print(
        f"decompose {scenario.name} against {baseline.name}: {len(measures)} measures, "
        f"{2 + 2 * len(measures)} scenarios x {args.replications} replication(s) x "
        f"{args.months} months"
    )
    clear_output(args)
    with executor(args) as pool:
        done = run_decomposition(
            scenario, baseline, args.replications, args.seed, args.out,
            executor=pool, progress=not args.quiet, resume=args.resume,
            manifest={"work": work(args)},
        )  # fmt: skip
    if done.failed:
        return report_failed_runs(done.failed, args.out, "no decomposition")
    _print_ranking(done.table)
    print(f"Wrote {len(done.paths)} files:")
    for path in done.paths:
        print(f"  {path}")
    return 0


def _print_ranking(table, kpis=("firms", "revenue_rmb_m")) -> None:
    """Per KPI, the measures by their effect alone, with both ways and the interaction."""
    from .studies.summary import fmt

    for kpi in kpis:
        rows = table[table["kpi"] == kpi].set_index(["measure", "way"])
        alone = rows.xs("alone", level="way").sort_values("diff", ascending=False)
        last = rows.xs("last", level="way")
        print(f"{kpi} ({alone['unit'].iloc[0]}), alone [95% CI] / last [95% CI]:")
        for m, r in alone.iterrows():
            q = last.loc[m]
            print(
                f"  {m:<5} {fmt(r['diff']):>10} [{fmt(r['ci_low'])}, {fmt(r['ci_high'])}]"
                f" / {fmt(q['diff'])} [{fmt(q['ci_low'])}, {fmt(q['ci_high'])}]"
            )
        for name in ("all measures", "interaction"):
            r = rows.xs(name, level="measure").iloc[0]
            print(f"  {name}: {fmt(r['diff'])} [{fmt(r['ci_low'])}, {fmt(r['ci_high'])}]")
