"""Validation: run the model under the baseline, the plan and the plan in every zone, run
the trade probe, hold every statistic against its pattern, and write the report.

    done = run_validation(scenarios, replications=10, months=120, seed=1,
                          out_dir=Path("results/validation"), report=Path("docs/VALIDATION.md"))
    done.patterns            # one row per pattern: observed band, model value, met

The scenarios are named by role: ``baseline`` (no measures), ``plan`` (the plan as
published) and ``all_zones`` (every measure in every zone, for uptake speeds with as many
eligible firms as the zones hold).
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..model import ZoneScenario
from ..model.parameters import Parameters
from ..studies.runner import environment, run_study, spawn_seeds
from ..studies.storage import write_text_atomic
from . import market, patterns, report
from .patterns import CASH_POOL_MONTHS, EFFECT_MONTH, UPTAKE_MONTHS

ROLES = ("baseline", "plan", "all_zones")
SEED = 20251127  # not the fits' seed (the scenarios'), so the checks run on unseen runs
FIGURES = "validation"  # the report's figures go to this folder next to it


@dataclass(frozen=True)
class Validation:
    """What :func:`run_validation` found. ``patterns`` is None when runs failed."""

    patterns: pd.DataFrame | None
    paths: list[Path]
    failed: Mapping[str, str]
    details: dict = field(default_factory=dict)


def shortest_horizon(scenarios: Mapping[str, ZoneScenario]) -> int:
    """The fewest months that give every measure of the all-zones scenario the last
    comparison month of exposure, the cash pool its later date, and the plan's effect its
    month."""
    policy = scenarios["all_zones"].policy
    return max(
        patterns.months_needed(policy),
        patterns.months_needed(policy, CASH_POOL_MONTHS),
        EFFECT_MONTH,
    )


def check_months(months: int, scenarios: Mapping[str, ZoneScenario]) -> None:
    if months < (least := shortest_horizon(scenarios)):
        raise ValueError(
            f"months must be at least {least}, for {max(UPTAKE_MONTHS)} months of every measure"
        )


def run_validation(
    scenarios: Mapping[str, ZoneScenario],
    replications: int,
    months: int,
    seed: int,
    out_dir: Path,
    report_path: Path,
    executor: Executor | None = None,
    progress: bool = True,
    resume: bool = False,
    calibration: Path | None = None,
    manifest: Mapping | None = None,
) -> Validation:
    """Run the study (``scenarios`` maps each role in ROLES to a scenario, run under the
    role's name for ``months``) into ``out_dir``,
    the trade probe, the checks, and write patterns.csv there and the report at ``report_path``
    with its figures in a ``validation`` folder beside it. ``calibration``: a folder written
    by ``zonesim calibrate`` whose posterior the report includes."""
    if missing := [r for r in ROLES if r not in scenarios]:
        raise ValueError(f"no scenario for '{missing[0]}'")
    check_months(months, scenarios)
    out_dir, report_path = Path(out_dir), Path(report_path)
    env = environment()  # before anything is written: the report's own files are no change
    study = run_study(
        [scenarios[r].replace(name=r, months=months) for r in ROLES], replications, seed, out_dir,
        progress=progress, executor=executor, resume=resume, manifest=manifest,
    )  # fmt: skip
    if study.failed:
        return Validation(None, [], study.failed)
    kpis = pd.read_parquet(out_dir / "zone_kpis.parquet")
    uptake = pd.read_parquet(
        out_dir / "measure_kpis.parquet",
        columns=["scenario", "replication", "month", "measure", "zone", "eligible", "adopted"],
        filters=[("scenario", "==", "all_zones")],
    )
    found = _statistics(kpis, uptake, scenarios, spawn_seeds(seed, replications))
    table = found["patterns"]
    paths = [write_text_atomic(table.to_csv(), out_dir / "patterns.csv")]
    folder = report_path.parent / FIGURES
    paths += _figures(found, folder)
    settings = {"replications": replications, "months": months, "seed": seed}
    text = report.validation_markdown(found, settings, folder.name, env, calibration)
    if calibration is not None:
        paths += report.copy_calibration_figures(calibration, folder)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    paths.append(write_text_atomic(text, report_path))
    return Validation(table, paths, {}, found)


def _statistics(kpis, uptake, scenarios, seeds) -> dict:
    """Every statistic and the tables behind the figures."""
    baseline = kpis[kpis["scenario"] == "baseline"]
    plan = kpis[kpis["scenario"] == "plan"]
    all_zones = scenarios["all_zones"].policy
    since = patterns.uptake_since_start(uptake.drop(columns="scenario"), all_zones)
    followed, survived = patterns.entrant_survival(baseline)
    trade = patterns.trade_response(seeds[0])
    values = {
        **patterns.scale_statistics(baseline),
        **patterns.demography_statistics(baseline),
        **patterns.trade_statistics(trade),
        "cash_pool.growth_ratio": patterns.cash_pool_ratio(since),
        **patterns.far_statistics(baseline, plan, scenarios["plan"].policy),
        **market.forecast_statistics(Parameters()),
        "plan.effect_order": patterns.plan_effect(baseline, plan),
        "demography.entrant_survival": survived / followed if followed else float("nan"),
    }
    classes = patterns.class_uptake(since)
    curves = patterns.pooled_share(
        patterns.with_classes(since), ["uptake_class", "months", "replication"]
    )
    cash = since[since["measure"] == patterns.CASH_POOL].groupby("months")["adopted"].sum()
    return {
        "values": values,
        "patterns": pd.concat([patterns.check(values), _class_rows(classes)]),
        "classes": classes,
        "measures": patterns.measure_uptake(since),
        "curves": curves,
        "cash": cash[cash.index <= max(CASH_POOL_MONTHS) + 12],
        "market": market.fit_market(Parameters()),
        "demography": patterns.demography_years(baseline),
        "trade": trade,
        "entrants": (followed, survived),
    }


def _class_rows(classes: pd.DataFrame) -> pd.DataFrame:
    """The class uptake checks as rows of the patterns table."""
    meta = patterns.uptake_classes()
    rows = {}
    for r in classes.itertuples():
        c = meta.loc[r.uptake_class]
        rows[f"uptake.{r.uptake_class}@{r.months}"] = {
            "group": "uptake",
            "role": "fitted",
            "statistic": f"share of eligible firms adopted after {r.months} months live, "
            f"{r.uptake_class} measures, every measure in every zone",
            "value": float("nan"),
            "model": r.share,
            "low": r.low,
            "high": r.high,
            "unit": "share",
            "grade": c.grade,
            "source": f"{c.source}; band: Bass F(t) at the low and at the high p and q",
            "note": "",
            "met": bool(r.met),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("pattern")


def _figures(found: dict, folder: Path) -> list[Path]:
    # matplotlib: slow to import, and `zonesim list` must start fast
    from ..studies.plots import save
    from . import figures

    folder.mkdir(parents=True, exist_ok=True)
    rates = patterns.targets().loc["demography.death_rate", ["low", "high"]].astype(float)
    made = {
        "uptake_classes.png": figures.uptake_classes_figure(found["curves"]),
        "cash_pool.png": figures.cash_pool_figure(found["cash"]),
        "market_forecast.png": figures.market_forecast_figure(Parameters()),
        "demography.png": figures.demography_figure(found["demography"], tuple(rates)),
    }
    return [save(fig, folder / name) for name, fig in made.items()]
