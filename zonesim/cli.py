"""The ``zonesim`` command.

    zonesim run [SCENARIO ...] [-r N] [--months M] [--start YYYY-MM] [--market PATH]
                [--seed S] [--out DIR] [--executor ...]
    zonesim compare STUDY_DIR [--baseline NAME] [--map-kpi KPI] [--map-month M]
    zonesim sensitivity SCENARIO [--method morris|sobol] (--params NAMES | --grade G) ...
    zonesim calibrate [SCENARIO] [--samples N] [-r R] [--accept F] [--apply] ...
    zonesim validate-model [-r R] [--months M] [--report FILE] [--calibration DIR] ...
    zonesim validate FILE...
    zonesim list zones|sectors|measures|parameters|metrics|scenarios [--format table|long|csv]
    zonesim list parameters [--name GLOB] [--measure ID] [--grade P|D|G]
    zonesim dashboard [--port N]

Bad input ends with one line on stderr and exit status 2, before anything is written.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from . import calibration_command, decompose_command, sensitivity_command
from .model import (
    MEASURE_KPIS,
    SECTOR_KPIS,
    ZONE_KPIS,
    measure_table,
    parameter_table,
    sector_table,
    zone_table,
)
from .model.calendar import DEFAULT_MARKET, DEFAULT_START, FIRST_START, LAST_START, MARKET_PATHS
from .options import (
    UsageError,
    add_execution_options,
    at_least,
    check_execution_options,
    check_study_size,
    clear_output,
    executor,
    load_all,
    with_clock,
    with_horizon,
)
from .studies.scenario_files import (
    MAX_PROBLEMS,
    SHIPPED,
    ScenarioError,
    describe,
    problems,
    shown_description,
)
from .studies.summary import ALL_ZONES, DEFAULT_BASELINE, DEFAULT_MAP_KPI, MAIN_KPIS, fmt
from .studies.sweeps import MAX_VARIANTS, load_sweep

DEFAULT_STUDY = ("plan_2024", "baseline")  # shipped scenarios run when none is named
DEFAULT_MAX_REPLICATIONS = 200  # --precision stops adding replications there
LISTS = ("zones", "sectors", "measures", "parameters", "metrics", "scenarios")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="zonesim", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="{run,compare,sensitivity,calibrate,validate-model,validate,list,dashboard}",
    )

    run = sub.add_parser("run", help="run a study and write its tables and manifest")
    run.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help="scenario files (scenarios/*.toml), or the names of the shipped ones (default: "
        "plan_2024 baseline)",
    )
    run.add_argument(
        "-r", "--replications", type=int, help="per scenario (default: the scenario files')"
    )
    run.add_argument(
        "--months", type=int, help="horizon in months from the start (default: the files')"
    )
    run.add_argument(
        "--start",
        metavar="YYYY-MM",
        help=f"month 0 of every run, {FIRST_START} to {LAST_START} (default: each file's, "
        f"else {DEFAULT_START})",
    )
    run.add_argument(
        "--market",
        choices=MARKET_PATHS,
        metavar="PATH",
        help=f"market rent after the market record: {', '.join(MARKET_PATHS)} (default: each "
        f"file's, else {DEFAULT_MARKET})",
    )
    run.add_argument("--seed", type=int, help="root seed (default: the scenario files')")
    run.add_argument(
        "--precision",
        metavar="KPI=HALFWIDTH",
        help="add replications in rounds until the paired 95%% CI of KPI's difference from "
        "the baseline (all zones at the horizon) is at most HALFWIDTH wide on each side, in "
        "the KPI's unit (e.g. firms=5)",
    )
    run.add_argument(
        "--max-replications",
        type=int,
        default=DEFAULT_MAX_REPLICATIONS,
        help="with --precision: stop there (default: %(default)s)",
    )
    run.add_argument(
        "--out",
        type=Path,
        default=Path("results/plan_vs_baseline"),
        help="output folder (default: %(default)s)",
    )
    add_execution_options(run)

    compare = sub.add_parser(
        "compare", help="summary tables and figures of a finished study, against a baseline"
    )
    compare.add_argument("study", type=Path, metavar="STUDY_DIR", help="the folder of `run --out`")
    compare.add_argument(
        "--baseline",
        metavar="NAME",
        help="the scenario differences are taken from (default: 'baseline' if the study has it)",
    )
    compare.add_argument(
        "--map-kpi",
        choices=list(MAIN_KPIS),
        default=DEFAULT_MAP_KPI,
        metavar="KPI",
        help=f"the KPI whose difference colours the map: {', '.join(MAIN_KPIS)} "
        "(default: %(default)s)",
    )
    compare.add_argument(
        "--map-month", type=int, metavar="M", help="the month of the map (default: the horizon)"
    )

    validate = sub.add_parser(
        "validate", help="check scenario files: every problem, or what each resolves to"
    )
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.add_argument(
        "--force",
        action="store_true",
        help=f"accept what `run --force` runs: a sweep of more than {MAX_VARIANTS:,} variants, "
        "a [simulation] past the soft limits",
    )

    from .listing import FORMATS  # here: another engineer edits the import block

    lister = sub.add_parser(
        "list",
        help="print a data table",
        description="Print a data table. The parameter table can be filtered (the filters "
        "combine); long text is cut to the terminal's width: --format long or csv shows it.",
    )
    lister.add_argument("table", choices=LISTS)
    lister.add_argument(
        "--name",
        metavar="GLOB",
        help="parameters whose name matches a pattern, e.g. 'space.*' or '*.far_cap'",
    )
    lister.add_argument(
        "--measure", metavar="ID", help="parameters of one sub-measure (m<ID>.*), e.g. 6 or 10b"
    )
    lister.add_argument(
        "--grade",
        type=str.upper,
        metavar="P|D|G",
        help="parameters of one evidence grade: P published, D derived, G guess",
    )
    lister.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table: a line per row, long text cut to the terminal's width (default; "
        "nothing cut when piped, unless COLUMNS is set); "
        "long: every field in full, wrapped; csv: everything, for other tools",
    )

    sensitivity_command.add_parser(sub)
    decompose_command.add_parser(sub)
    calibration_command.add_parsers(sub)

    dashboard = sub.add_parser(
        "dashboard", help="start the dashboard (a Solara app) and serve it until Ctrl-C"
    )
    dashboard.add_argument(
        "--port", type=int, help="port on localhost, 0 for any free one (default: Solara's, 8765)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "run":
            _check_run(args)
        if args.command == "sensitivity":
            sensitivity_command.check(args)
        if args.command == "decompose":
            decompose_command.check(args)
        if args.command == "calibrate":
            calibration_command.check_calibrate(args)
        if args.command == "validate-model":
            calibration_command.check_validate(args)
    except UsageError as err:
        print(f"zonesim: error: {err}", file=sys.stderr)
        return 2
    try:
        if args.command == "list":
            return list_command(args)
        if args.command == "validate":
            return validate(args.files, args.force)
        if args.command == "compare":
            return compare(args)
        if args.command == "dashboard":
            return dashboard(args.port)
        if args.command == "sensitivity":
            return sensitivity_command.run(args)
        if args.command == "decompose":
            return decompose_command.run(args)
        if args.command == "calibrate":
            return calibration_command.run_calibrate(args)
        if args.command == "validate-model":
            return calibration_command.run_validate(args)
        return run(args)
    except BrokenPipeError:  # e.g. `zonesim list parameters | head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stays open until exit
        return 0


def _check_run(args: argparse.Namespace) -> None:
    """Load the scenarios and settle the simulation settings, or raise UsageError."""
    scenarios = load_all(list(dict.fromkeys(args.scenarios or DEFAULT_STUDY)), args.force)
    for key in ("replications", "months", "seed"):
        if getattr(args, key) is None:
            setattr(args, key, _common(scenarios, key))
    at_least(args, replications=1, months=1, seed=0)
    check_study_size(args, len(scenarios) * args.replications, args.months, "scenarios")
    clock = with_clock(args.start, args.market)
    args.resolved = [clock(with_horizon(s, args.months)) for s in scenarios]
    args.target = _precision(args)
    check_execution_options(args, run_work(args))


def _precision(args: argparse.Namespace) -> tuple[str, float] | None:
    """--precision as (KPI, half-width), checked with --max-replications; None without it."""
    if args.precision is None:
        return None
    kpi, _, width = args.precision.partition("=")
    if kpi not in MAIN_KPIS:
        raise UsageError(f"--precision {args.precision}: KPI '{kpi}' is not one of "
                         f"{', '.join(MAIN_KPIS)}")  # fmt: skip
    try:
        half = float(width)
    except ValueError:
        half = math.nan
    if not half > 0 or math.isinf(half):
        raise UsageError(f"--precision {args.precision}: the half-width must be a number > 0")
    if DEFAULT_BASELINE not in {s.name for s in args.resolved}:
        raise UsageError(f"--precision: the study needs a scenario named {DEFAULT_BASELINE}")
    if args.max_replications < max(args.replications, 2):
        raise UsageError(
            f"--max-replications {args.max_replications}: below the replications to start "
            f"with ({max(args.replications, 2)}; a CI needs two)"
        )
    check_study_size(args, len(args.resolved) * args.max_replications, args.months, "scenarios")
    args.replications = max(args.replications, 2)
    return kpi, half


def run_work(args: argparse.Namespace) -> dict:
    """What determines a study's results (--resume must find it unchanged): each scenario's
    content, the root seed and the horizon. More replications may be added."""
    return {
        "scenarios": {s.name: s.digest() for s in args.resolved},
        "root_seed": args.seed,
        "months": args.months,
    }


def _common(scenarios, key: str) -> int:
    """The value all scenarios give a simulation setting; UsageError if they differ."""
    values = {getattr(s, key) for s in scenarios}
    if len(values) > 1:
        given = ", ".join(f"{s.name} {getattr(s, key)}" for s in scenarios)
        raise UsageError(f"the scenarios set different {key} ({given}); pass --{key}")
    return values.pop()


def run(args: argparse.Namespace) -> int:
    # here, so that `zonesim list` and bad input stay fast
    from .studies.compare import remove_comparison
    from .studies.precision import run_to_precision
    from .studies.runner import TABLES, run_study

    clear_output(args)
    if args.out.is_dir():
        remove_comparison(args.out)  # --resume: it would describe other tables
    start = time.perf_counter()
    options = {"progress": not args.quiet, "resume": args.resume,
               "manifest": {"work": run_work(args)}}  # fmt: skip
    with executor(args) as pool:
        if args.target is None:
            result = run_study(
                args.resolved, args.replications, args.seed, args.out, executor=pool, **options
            )
        else:
            kpi, target = args.target
            done = run_to_precision(
                args.resolved, kpi, target, args.replications, args.max_replications,
                args.seed, args.out, executor=pool, **options,
            )  # fmt: skip
            result = done.study
            if done.rounds:  # none when the first round's runs failed
                args.replications = done.rounds[-1]["replications"]
            if done.rounds and not done.met:
                print(f"Note: --precision {kpi}=±{fmt(target)} not reached within "
                      f"{args.max_replications} replications (--max-replications)")  # fmt: skip
    out = result.out_dir
    total = len(args.resolved) * args.replications
    print(
        f"{len(args.resolved)} scenario(s) x {args.replications} replication(s) x {args.months} "
        f"months in {time.perf_counter() - start:.1f} s. Results in {out}/:"
    )
    if len(result.failed) < total:
        for table in TABLES:
            print(f"  {out / f'{table}.parquet'}")
    print(f"  {out / 'runs'}/  (one file per run and table)")
    print(f"  {out / 'manifest.json'}")
    if result.failed:
        first = next(iter(result.failed.values())).strip().splitlines()[-1]
        print(
            f"zonesim: {len(result.failed)} of {total} runs failed (tracebacks in "
            f"{out / 'manifest.json'}): {', '.join(result.failed)}; first error: {first}",
            file=sys.stderr,
        )
        return 1
    print(f"Next: zonesim compare {out}")
    return 0


def compare(args: argparse.Namespace) -> int:
    """Summaries and figures of a finished study; exit 2 when it cannot be compared."""
    from .studies.compare import StudyError, compare_study

    try:
        done = compare_study(args.study, args.baseline, args.map_kpi, args.map_month)
    except StudyError as err:
        print(f"zonesim: error: {err}", file=sys.stderr)
        return 2
    summary = done.summary
    horizon = int(summary["month"].max())
    headline = summary[(summary["zone"] == ALL_ZONES) & (summary["month"] == horizon)]
    for scenario, rows in headline.dropna(subset=["diff"]).groupby("scenario", sort=False):
        print(f"{scenario} minus {done.baseline}, all zones, month {horizon} (95% CI):")
        for r in rows.itertuples():
            net = (
                ""
                if pd.isna(r.net_diff)
                else (f"; net {fmt(r.net_diff)} [{fmt(r.net_ci_low)}, {fmt(r.net_ci_high)}]")
            )
            print(
                f"  {r.kpi:<16} {fmt(r.diff):>12} [{fmt(r.diff_ci_low)}, "
                f"{fmt(r.diff_ci_high)}] {r.unit}{net}; detectable {fmt(r.detectable)}"
            )
        _print_measures(done, str(scenario))
    for note in done.notes:
        print(f"Note: {note}")
    print(f"Wrote {len(done.paths)} files:")
    for path in done.paths:
        print(f"  {path}")
    return 0


PRINTED_MEASURE_KPIS = ("adopted", "net_benefit_rmb_m", "entrants_drawn")


def _print_measures(done, scenario: str) -> None:
    """The measures ``scenario`` changes, all zones, with their differences from the baseline
    (as measure_summary.md gives them)."""
    measures = done.shown.get(scenario, [])
    if not measures:
        return
    rows = done.measures[
        (done.measures["scenario"] == scenario)
        & (done.measures["zone"] == ALL_ZONES)
        & done.measures["measure"].isin(measures)
    ].set_index(["measure", "kpi"])
    horizon = rows["how"].iloc[0]  # adopted's: "month <horizon>"
    print(
        f"  the measures it sets differently, Δ (95% CI): adopters ({horizon}) | net benefit "
        "(RMB m/yr) | entrants drawn (expected firms, over the run); more in measure_summary.md"
    )
    for m in measures:
        cells = []
        for kpi in PRINTED_MEASURE_KPIS:
            r = rows.loc[(m, kpi)]
            cells.append(f"{fmt(r['diff'])} [{fmt(r['diff_ci_low'])}, {fmt(r['diff_ci_high'])}]")
        print(f"    {m:<4} " + " | ".join(cells))


def dashboard(port: int | None) -> int:
    """Serve the dashboard (zonesim.views.app) with ``solara run``, on ``port`` if given;
    returns its exit status (0 after Ctrl-C, 2 for a port out of range)."""
    if port is not None and not 0 <= port <= 65535:
        print(f"zonesim: error: --port must be 0-65535, got {port}", file=sys.stderr)
        return 2
    command = [sys.executable, "-m", "solara", "run", "zonesim.views.app"]
    command += [] if port is None else ["--port", str(port)]
    env = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false", **os.environ}  # no usage data sent
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0


def validate(files: list[Path], force: bool = False) -> int:
    """Print each scenario file's resolved content (a sweep: its variants), or every
    problem of it, one line each (status 2)."""
    status = 0
    for path in files:
        found = problems(path, force)
        for err in found:
            print(f"zonesim: error: {err}", file=sys.stderr)
        if len(found) >= MAX_PROBLEMS:
            print(f"zonesim: error: {path}: stopped after {MAX_PROBLEMS} problems", file=sys.stderr)
        if found:
            status = 2
            continue
        variants = load_sweep(path, force)
        if len(variants) == 1 and not variants[0].swept:
            print(describe(variants[0]))
            continue
        print(f"{variants[0].path}: valid, a sweep of {len(variants):,} variants")
        for variant in variants:
            print(f"  {variant.name}  sha256 {variant.digest()[:12]}")
    return status


def list_command(args: argparse.Namespace) -> int:
    """Print the table ``args.table``, filtered and formatted; one line and status 2 for a
    bad filter."""
    import shutil

    from .listing import render, select_parameters

    filters = {"name": args.name, "measure": args.measure, "grade": args.grade}
    try:
        table = list_table(args.table)
        if args.table == "parameters":
            table = select_parameters(table, **filters)
        elif given := [f"--{k}" for k, v in filters.items() if v is not None]:
            raise UsageError(f"{', '.join(given)}: only for `zonesim list parameters`")
    except UsageError as err:
        print(f"zonesim: error: {err}", file=sys.stderr)
        return 2
    # cut to fit a terminal (or COLUMNS); piped elsewhere, every character is kept
    terminal = sys.stdout.isatty() or "COLUMNS" in os.environ
    print(render(table, args.format, shutil.get_terminal_size().columns if terminal else None))
    return 0


def list_table(name: str) -> pd.DataFrame:
    """The data table ``name`` (one of LISTS) as shipped with the model."""
    if name == "zones":
        return zone_table().drop(columns=["source"])
    if name == "sectors":
        return sector_table().drop(columns=["source"], errors="ignore")
    if name == "measures":
        cols = ["title", "plan_zones", "start_month", "mechanism", "bass_p", "bass_q", "grade"]
        return measure_table()[cols]
    if name == "parameters":
        columns = ["value", "unit", "low", "high", "grade", "description", "source"]
        return parameter_table()[columns]
    if name == "metrics":
        rows = [
            (table, col, u, desc)
            for table, spec in (
                ("zone_kpis", ZONE_KPIS),
                ("sector_kpis", SECTOR_KPIS),
                ("measure_kpis", MEASURE_KPIS),
            )
            for col, (u, desc) in spec.items()
        ]
        return pd.DataFrame(rows, columns=["table", "metric", "unit", "description"]).set_index(
            ["table", "metric"]
        )
    if name == "scenarios":
        return scenario_list(SHIPPED)
    raise ValueError(name)


def scenario_list(folder: Path) -> pd.DataFrame:
    """The scenario files in ``folder``: name, measures on, variants (1 without a sweep),
    description (or the problem)."""
    rows = []
    for path in sorted(folder.glob("*.toml")):
        try:
            variants = load_sweep(path)
            scenario = variants[0]
            on = sum(s.enabled for s in scenario.policy.measures.values())
            rows.append((path.stem, on, len(variants), shown_description(scenario)))
        except ScenarioError as err:
            rows.append((path.stem, None, None, f"INVALID: {err}"))
    columns = ["scenario", "measures_on", "variants", "description"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.set_index("scenario")


if __name__ == "__main__":
    sys.exit(main())
