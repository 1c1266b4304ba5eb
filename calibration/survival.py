"""Fitting the first-year exit multiplier to entrants' one-year survival, by grid search.

The multiplier was first derived as (1 - 0.8) / 0.09 from the published one-year survival
and the annual exit rate. In the model, entrants also start small (entry.size_factor) and
small firms exit more (exit.size_elasticity), so that derivation overstates it. The fit runs
the baseline at each value of a grid, as a study (one scenario per value, the same seeds at
every value), follows every cohort of entrants for a year (zone KPIs ``entries`` and
``one_year_survivors``), and interpolates linearly to the value at which survival equals
the published figure.

    run_study(grid_scenarios(values), replications, seed, out_dir)
    grid = survival_grid(kpis)                        # value, replication, followed, survived
    value = fitted_value(grid, target=0.81)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..model import Policy, ZoneScenario, parameter_table
from ..studies.plots import new_figure, save
from ..studies.runner import run_study
from ..studies.storage import write_text_atomic
from .patterns import entrant_survival, targets

PARAMETER = "exit.young_multiplier"
PATTERN = "demography.entrant_survival"
HORIZON = 72  # months: five years of cohorts, each followed for twelve months


def grid_values(points: int) -> np.ndarray:
    """``points`` evenly spaced values over the parameter's range in the table."""
    if points < 2:
        raise ValueError(f"a grid needs at least 2 points, got {points}")
    low, high = parameter_table().loc[PARAMETER, ["low", "high"]].astype(float)
    return np.linspace(low, high, points)


def grid_scenarios(values: Sequence[float], months: int = HORIZON) -> list[ZoneScenario]:
    """The baseline at each value of the multiplier, named ``<parameter>=<value>``."""
    return [
        ZoneScenario(
            name=f"{PARAMETER}={value:.6g}",
            description=f"the baseline with {PARAMETER} = {value:.6g}",
            policy=Policy.baseline(),
            params={PARAMETER: float(value)},
            months=months,
        )
        for value in values
    ]


def survival_grid(kpis: pd.DataFrame) -> pd.DataFrame:
    """Entrants followed and survived in each run of a grid study's zone KPIs: value,
    replication, followed, survived."""
    rows = [
        (float(scenario.partition("=")[2]), replication, *entrant_survival(runs))
        for (scenario, replication), runs in kpis.groupby(["scenario", "replication"], sort=False)
    ]
    return pd.DataFrame(rows, columns=["value", "replication", "followed", "survived"])


def survival_by_value(grid: pd.DataFrame) -> pd.Series:
    """Pooled one-year survival at each value of the grid."""
    total = grid.groupby("value")[["followed", "survived"]].sum()
    return total["survived"] / total["followed"]


def fitted_value(grid: pd.DataFrame, target: float) -> float:
    """The value at which survival equals ``target`` on the least-squares line of pooled
    survival against the value (weighted by the entrants followed), so that noise at one
    grid point cannot pick the crossing. ValueError when survival does not fall with the
    value, or the line reaches ``target`` outside the grid."""
    total = grid.groupby("value")[["followed", "survived"]].sum()
    values = total.index.to_numpy(dtype=float)
    slope, intercept = np.polyfit(values, total["survived"] / total["followed"], 1,
                                  w=np.sqrt(total["followed"]))  # fmt: skip
    if slope >= 0:
        raise ValueError("survival does not fall as the multiplier rises; no fit")
    value = (target - intercept) / slope
    if not values.min() <= value <= values.max():
        raise ValueError(
            f"survival reaches {target:.0%} at {value:.3g}, outside the grid "
            f"[{values.min():g}, {values.max():g}]"
        )
    return float(value)


@dataclass(frozen=True)
class SurvivalFit:
    """What :func:`run_survival_fit` found; ``value`` is None when runs failed."""

    grid: pd.DataFrame | None
    value: float | None
    fitted: pd.DataFrame | None
    paths: list[Path]
    failed: Mapping[str, str]


def run_survival_fit(
    points: int,
    replications: int,
    seed: int,
    out_dir: Path,
    executor: Executor | None = None,
    progress: bool = True,
    resume: bool = False,
    manifest: Mapping | None = None,
) -> SurvivalFit:
    """Run the grid as a study into ``out_dir`` (its tables and manifest; ``resume`` skips
    finished runs), fit, and write survival_grid.csv, fitted_parameters.csv and
    figures/survival_grid.png there."""
    target = float(targets().at[PATTERN, "value"])
    out_dir = Path(out_dir)
    study = run_study(
        grid_scenarios(grid_values(points)), replications, seed, out_dir,
        progress=progress, executor=executor, resume=resume, manifest=manifest,
    )  # fmt: skip
    if study.failed:
        return SurvivalFit(None, None, None, [], study.failed)
    kpis = pd.read_parquet(
        out_dir / "zone_kpis.parquet",
        columns=["scenario", "replication", "month", "entries", "one_year_survivors"],
    )
    grid = survival_grid(kpis)
    value = fitted_value(grid, target)
    source = (
        f"zonesim calibrate --target survival: grid search, {points} values x {replications} "
        f"runs of {HORIZON} months, least-squares line through {target:.0%} one-year survival "
        "of entrants (shared/reference/mechanisms.md §2.2: Eurostat 80-82%)"
    )
    fitted = pd.DataFrame(
        [{"name": PARAMETER, "value": float(f"{value:.3g}"), "grade": "D", "source": source}]
    )
    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    paths = [
        write_text_atomic(grid.to_csv(index=False), out_dir / "survival_grid.csv"),
        write_text_atomic(fitted.to_csv(index=False), out_dir / "fitted_parameters.csv"),
        save(survival_figure(grid, value, target), out_dir / "figures" / "survival_grid.png"),
    ]
    return SurvivalFit(grid, value, fitted, paths, {})


def survival_figure(grid: pd.DataFrame, value: float, target: float) -> object:
    fig = new_figure((6, 3.6))
    ax = fig.subplots()
    survival = survival_by_value(grid)
    ax.plot(survival.index, survival.to_numpy(), marker="o", label="model, pooled over runs")
    ax.axhline(target, color="#d62728", ls=":", label=f"published {target:.0%}")
    ax.axvline(value, color="black", lw=0.8, label=f"fitted {value:.3g}")
    ax.set_xlabel(PARAMETER)
    ax.set_ylabel("entrants in business a year later")
    ax.legend(fontsize=8)
    return fig
