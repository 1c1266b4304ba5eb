"""``zonesim calibrate`` and ``zonesim validate-model``: the commands' parsers, checks and
runs; the work itself is zonesim.calibration.

    zonesim calibrate [SCENARIO] [--target uptake|survival] [--samples N] [-r R] [--accept F]
        [--seed S] [--out DIR] [--apply] [--executor ...] [--workers N] [--resume] [--force] [-q]
    zonesim calibrate --target market [--apply]
    zonesim validate-model [-r R] [--months M] [--seed S] [--out DIR] [--report FILE]
        [--calibration DIR] [--executor ...] [--workers N] [--resume] [--force] [-q]
"""

from __future__ import annotations

import argparse
import csv
import io
from importlib.resources import files
from pathlib import Path

from .calibration.fit import METHOD, apply_fit, default_knobs, describe, draw, table_digest
from .calibration.patterns import months_needed
from .calibration.report import CALIBRATION_FIGURES, evidence_count
from .calibration.validation import SEED, shortest_horizon
from .model import measure_table, parameter_table
from .model.calendar import DEFAULT_MONTHS
from .options import (
    UsageError,
    add_execution_options,
    at_least,
    check_execution_options,
    check_folder,
    check_study_size,
    clear_output,
    executor,
    load_one,
    report_failed_runs,
)

CALIBRATION_SCENARIO = "plan_2024_all_zones"
VALIDATION_SCENARIOS = {
    "baseline": "baseline",
    "plan": "plan_2024",
    "all_zones": "plan_2024_all_zones",
}
CALIBRATION_FILES = ("posterior.csv", "statistics.csv", "fitted_parameters.csv")
TARGETS = ("uptake", "survival", "market")
DEFAULTS = {  # samples, replications, output folder
    "uptake": (400, 3, Path("results/calibration")),
    "survival": (9, 12, Path("results/calibration_survival")),
}


def add_parsers(sub) -> None:
    cal = sub.add_parser(
        "calibrate",
        help="fit the uptake parameters to the published uptake speeds (ABC rejection)",
    )
    cal.add_argument(
        "scenario",
        nargs="?",
        default=CALIBRATION_SCENARIO,
        metavar="SCENARIO",
        help="the policy the draws run under (default: %(default)s, every measure everywhere)",
    )
    cal.add_argument(
        "--target",
        choices=TARGETS,
        default="uptake",
        help="uptake: the uptake parameters against the Bass bands (ABC rejection); "
        "survival: the first-year exit multiplier against entrants' one-year survival (grid "
        "search); market: the market rent equation on the JLL record to 2024-03, and its "
        "forecast of the rest of 2024 (no runs) (default: %(default)s)",
    )
    cal.add_argument(
        "--samples", type=int, help="draws (uptake, default 400) or grid points (survival, 9)"
    )
    cal.add_argument(
        "-r",
        "--replications",
        type=int,
        help="runs per draw or grid point (default: 3 for uptake, 12 for survival)",
    )
    cal.add_argument(
        "--accept",
        type=float,
        default=0.1,
        help="fraction of draws kept, the closest to the patterns (default: %(default)s)",
    )
    cal.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    cal.add_argument(
        "--out", type=Path, help="default: results/calibration (survival: ..._survival)"
    )
    cal.add_argument(
        "--apply",
        action="store_true",
        help="write the fitted values into model/data/parameters.csv (grade D); only in a "
        "source checkout, not in an installed package",
    )
    add_execution_options(cal)

    val = sub.add_parser(
        "validate-model",
        help="run the model against the real patterns and write docs/VALIDATION.md",
    )
    val.add_argument(
        "-r", "--replications", type=int, default=10, help="runs per scenario (default: 10)"
    )
    val.add_argument(
        "--months", type=int, default=DEFAULT_MONTHS, help="horizon, >= 65 (default: %(default)s)"
    )
    val.add_argument(
        "--seed",
        type=int,
        default=SEED,
        help="root seed (default: %(default)s, not the fits' seed, so the checks are out of "
        "sample)",
    )
    val.add_argument(
        "--out", type=Path, default=Path("results/validation"), help="default: %(default)s"
    )
    val.add_argument(
        "--report",
        type=Path,
        default=Path("docs/VALIDATION.md"),
        help="the report; its figures go to a 'validation' folder beside it (default: %(default)s)",
    )
    val.add_argument(
        "--calibration",
        type=Path,
        metavar="DIR",
        help="include the posterior of a `zonesim calibrate` folder in the report",
    )
    add_execution_options(val)


# ---------------------------------------------------------------------- calibrate
def check_calibrate(args: argparse.Namespace) -> None:
    """Settle the settings and draw the samples, or raise UsageError (nothing written)."""
    if args.apply:
        _source_table()
    if args.target == "market":
        return _check_market(args)
    args.resolved = load_one(args.scenario, args.force)
    args.seed = args.resolved.seed if args.seed is None else args.seed
    samples, replications, out = DEFAULTS[args.target]
    args.samples = samples if args.samples is None else args.samples
    args.replications = replications if args.replications is None else args.replications
    args.out = out if args.out is None else args.out
    at_least(args, samples=2, replications=1, seed=0)
    if not 0 < args.accept <= 1:
        raise UsageError(f"--accept must be in (0, 1], got {args.accept}")
    if args.target == "uptake":
        on = {m for m, s in args.resolved.policy.measures.items() if s.enabled and s.zones}
        classes = measure_table()["uptake_class"]
        if missing := sorted(set(classes) - set(classes[sorted(on)])):
            raise UsageError(
                f"{args.resolved.path}: turns on no measure of class '{missing[0]}'; the fit "
                "needs every class (plan_2024_all_zones turns on every measure)"
            )
    _check_size(args)
    if args.target == "uptake":
        args.knobs = default_knobs()
        args.draws = draw(args.knobs, args.samples, args.seed)
    check_execution_options(args, calibration_work(args))


def _check_market(args: argparse.Namespace) -> None:
    """The market fit runs no model: the options about runs and their output are refused."""
    given = {
        "--samples": args.samples, "-r": args.replications, "--seed": args.seed,
        "--out": args.out, "--workers": args.workers, "--scheduler": args.scheduler,
    }  # fmt: skip
    flags = {"--resume": args.resume, "--overwrite": args.overwrite, "--force": args.force}
    used = [k for k, v in given.items() if v is not None] + [k for k, v in flags.items() if v]
    if args.scenario != CALIBRATION_SCENARIO:
        used.insert(0, "SCENARIO")
    if used:
        raise UsageError(
            f"{used[0]}: --target market fits the market record and runs no model; it takes "
            "only --apply"
        )
    from .calibration.market import fit_market
    from .model.parameters import Parameters

    prm = Parameters()
    try:
        args.market = prm, fit_market(prm)
    except ValueError as err:
        raise UsageError(f"model/data/parameters.csv: the market record: {err}") from None


def _source_table() -> Path:
    """The parameter table, if it lies in a source checkout (model/data/parameters.csv of a
    folder whose pyproject.toml names zonesim); UsageError for an installed package, whose
    table a fit must not rewrite."""
    table = Path(str(files("zonesim.model").joinpath("data", "parameters.csv")))
    project = table.parents[2] / "pyproject.toml"
    if not (project.is_file() and 'name = "zonesim"' in project.read_text(encoding="utf-8")):
        raise UsageError(
            f"--apply: {table} is inside an installed package, not a source checkout; paste "
            "the fitted rows into model/data/parameters.csv of a checkout instead"
        )
    return table


def _check_size(args: argparse.Namespace) -> None:
    """The fit's study checked for size before its draws are made: the draws and the
    table's values (uptake), or the grid points (survival), each run --replications times
    for as many months as the fit takes."""
    from .calibration.survival import HORIZON

    if args.target == "uptake":
        points, months, unit = args.samples + 1, months_needed(args.resolved.policy), "draws"
    else:
        points, months, unit = args.samples, HORIZON, "grid points"
    check_study_size(args, points * args.replications, months, unit)


def calibration_work(args: argparse.Namespace) -> dict:
    """What determines a fit's results (--resume must find it unchanged)."""
    from .calibration.survival import grid_values

    if args.target == "survival":
        return {
            "target": "survival",
            "grid": grid_values(args.samples).tolist(),
            "root_seed": args.seed,
            "parameter_table_sha256": table_digest(),
        }
    record = describe(args.knobs, args.draws, args.accept, args.seed)
    return {"target": "uptake", **record, "scenario": args.resolved.digest()}


def run_calibrate(args: argparse.Namespace) -> int:
    from .calibration.fit import run_calibration

    if args.target == "market":
        return _run_market(args)
    clear_output(args)
    if args.target == "survival":
        return _run_survival(args)
    print(
        f"{METHOD}: {len(args.knobs)} knobs, {args.samples} draws (and the table's values) x "
        f"{args.replications} run(s), under {args.resolved.name}"
    )
    work = calibration_work(args)
    with executor(args) as pool:
        done = run_calibration(
            args.resolved, args.knobs, args.samples, args.replications, args.seed, args.out,
            accept=args.accept, executor=pool, progress=not args.quiet,
            resume=args.resume, manifest={"calibration": work, "work": work},
        )  # fmt: skip
    if done.failed:
        return report_failed_runs(done.failed, args.out, "no fit")
    kept = int(done.statistics["accepted"].sum())
    print(f"Kept {kept} of {args.samples} draws. Fitted (median of the kept; 5-95%):")
    for r in done.posterior.itertuples():
        judged = (
            ""
            if r.identified
            else f"; NOT IDENTIFIED ({r.coverage:.0%} of the prior range): kept as in the table"
        )
        print(
            f"  {r.knob}: {r.median:.3g} ({r.q05:.3g} - {r.q95:.3g}); table {r.table:.3g}{judged}"
        )
    _finish(args, done.fitted, done.paths, "--apply --resume")
    return 0


def _run_survival(args: argparse.Namespace) -> int:
    from .calibration.survival import HORIZON, PARAMETER, run_survival_fit

    print(
        f"Grid search: {PARAMETER} at {args.samples} values x {args.replications} baseline "
        f"run(s) of {HORIZON} months, entrants followed for a year"
    )
    with executor(args) as pool:
        done = run_survival_fit(
            args.samples, args.replications, args.seed, args.out, executor=pool,
            progress=not args.quiet, resume=args.resume,
            manifest={"work": calibration_work(args)},
        )  # fmt: skip
    if done.failed:
        return report_failed_runs(done.failed, args.out, "no fit")
    print(f"Fitted {PARAMETER}: {done.value:.3g}")
    _finish(args, done.fitted, done.paths, "--apply --resume")
    return 0


def _run_market(args: argparse.Namespace) -> int:
    from .calibration import market

    prm, done = args.market
    print(
        f"Market rent equation fitted on the record to {market.FIT_END} (weighted least "
        "squares, intervals weighted by their months):"
    )
    for r in done.intervals.itertuples():
        print(
            f"  {r.start} - {r.end} ({r.months} months): log rent change {r.growth:+.4f}/yr, "
            f"mean vacancy {r.vacancy:.4f}"
        )
    print(f"  lambda {done.rent_lambda:.4g} /yr, v* {done.natural_vacancy:.4g}")
    rows = market.fitted_rows(done)
    values = dict(zip(rows["name"], rows["value"], strict=True))
    path = market.forecast(prm, values[market.LAMBDA], values[market.NATURAL])
    recorded = market.record(prm)["rent"]
    print(f"Forecast from {market.FIT_END} (rounded values; record held out):")
    for month in market.FORECAST_PATTERNS.values():
        print(f"  {month}: {path[month]:.3f} RMB/m2/day, record {recorded[month]:.3f}")
    if args.apply:
        apply_fit(rows, table := _source_table())
        print(f"Wrote {len(rows)} fitted rows into {table}")
        return 0
    print("Rows to paste into model/data/parameters.csv (or run again with --apply):")
    print(_table_rows(rows), end="")
    return 0


def _table_rows(fitted) -> str:
    """Fitted rows as lines of the parameter table: its other columns as they are now."""
    table = parameter_table()
    out = io.StringIO()
    lines = csv.writer(out, lineterminator="\n")
    for r in fitted.itertuples():
        now = table.loc[r.name]
        lines.writerow([r.name, f"{r.value:g}", now["unit"], f"{now['low']:g}",
                        f"{now['high']:g}", r.grade, r.source, now["description"]])  # fmt: skip
    return out.getvalue()


def _finish(args: argparse.Namespace, fitted, paths: list[Path], adopt: str) -> None:
    """Apply the fit to the parameter table if asked; say what was written."""
    if args.apply:
        table = _source_table()
        apply_fit(fitted, table)
        print(f"Wrote {len(fitted)} fitted rows into {table}")
    print(f"Wrote {len(paths)} files in {args.out}")
    if not args.apply:
        print(f"Next: the same command with {adopt} adopts the fit")


# ---------------------------------------------------------------------- validate-model
def check_validate(args: argparse.Namespace) -> None:
    """Load the scenarios and check the settings, or raise UsageError (nothing written)."""
    args.scenarios = {
        role: load_one(name, args.force) for role, name in VALIDATION_SCENARIOS.items()
    }
    at_least(args, replications=1, months=shortest_horizon(args.scenarios), seed=0)
    check_study_size(args, len(args.scenarios) * args.replications, args.months, "scenarios")
    check_folder(args.report.parent, "--report")
    if args.report.exists() and not args.report.is_file():
        raise UsageError(f"--report {args.report} exists and is not a file")
    if args.calibration is not None:
        needed = [*CALIBRATION_FILES, *(f"figures/{n}" for n in CALIBRATION_FIGURES)]
        missing = [n for n in needed if not (args.calibration / n).is_file()]
        if missing:
            raise UsageError(
                f"--calibration {args.calibration}: no {missing[0]} (run zonesim calibrate)"
            )
    check_execution_options(args, validation_work(args))


def validation_work(args: argparse.Namespace) -> dict:
    """What determines the validation's runs (--resume must find it unchanged)."""
    return {
        "months": args.months,
        "replications": args.replications,
        "root_seed": args.seed,
        "scenarios": {role: s.digest() for role, s in args.scenarios.items()},
        "parameter_table_sha256": table_digest(),
    }


def run_validate(args: argparse.Namespace) -> int:
    from .calibration.validation import run_validation

    print(
        f"Validation: baseline, plan_2024 and plan_2024_all_zones x {args.replications} runs "
        f"x {args.months} months, then the trade probe"
    )
    clear_output(args)
    work = validation_work(args)
    with executor(args) as pool:
        done = run_validation(
            args.scenarios, args.replications, args.months, args.seed, args.out, args.report,
            executor=pool, progress=not args.quiet, resume=args.resume,
            calibration=args.calibration, manifest={"validation": work, "work": work},
        )  # fmt: skip
    if done.failed:
        return report_failed_runs(done.failed, args.out, "no report")
    table = done.patterns
    met, total = evidence_count(table)
    print(
        f"The model meets {met} of {total} independent and out-of-sample patterns, and "
        f"{int(table['met'].sum()) - met} of {len(table) - total} consistency checks."
    )
    for group, rows in table.groupby("group", sort=False):
        missed = ", ".join(rows.index[~rows["met"]]) or "none"
        print(f"  {group}: {int(rows['met'].sum())} of {len(rows)} met; missed: {missed}")
    print(f"Wrote {args.report} and {len(done.paths) - 1} more files")
    return 0
