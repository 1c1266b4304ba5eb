"""Global sensitivity analysis over the parameter table's ranges: Morris elementary effects or
Sobol indices (SALib), on main KPIs of all six zones at the horizon.

The experiment design is a set of parameter points; each point is a scenario of a study (the
base scenario with the point's values), so it runs through the study runner with its
executors, progress line, manifest and resume. Every point uses the same seeds (common random
numbers), so an effect is the parameter's, not noise.

    plan = design("morris", names, samples=10, seed=1)       # points x parameters
    run_study(point_scenarios(plan, base), ...)               # one study run per point
    table = indices(plan, outcomes(kpis, plan, kpi_names))    # tidy: kpi x parameter x index

:func:`run_sensitivity` does all three and writes the files (``zonesim sensitivity``). Given a
baseline, every point also runs on it with the same seeds, and the indices are those of the
effect (the scenario minus the baseline at each point, paired by replication): which
uncertain parameters change what the plan achieves, not only the levels it reaches.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..model import ZoneScenario, parameter_table
from .runner import run_study
from .storage import write_text_atomic
from .summary import ALL_ZONES, MAIN_KPIS, with_all_zones

METHODS = ("morris", "sobol")
MORRIS_LEVELS = 4  # grid levels per parameter: SALib's default, Morris (1991)'s p = 4
DEFAULT_KPIS = ("firms", "revenue_rmb_m", "trade_rmb_m", "floor_stock_m2", "rent_rmb_m2_day")
POINT = "p{:05d}"  # scenario name of a design point


@dataclass(frozen=True)
class Design:
    """The points at which the model runs.

    Attributes
    ----------
    method : "morris" or "sobol"
    names : the parameters varied, in the columns' order
    bounds : (low, high) of each, from the parameter table
    points : array (n points x n parameters) of values in their units
    seed : the seed the points were drawn with (SALib's own sampling)
    """

    method: str
    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    points: np.ndarray
    seed: int

    def problem(self) -> dict:
        """SALib's problem definition."""
        return {"num_vars": len(self.names), "names": list(self.names), "bounds": self.bounds}

    def point_names(self) -> list[str]:
        return [POINT.format(i) for i in range(len(self.points))]

    def bootstrap_seed(self) -> int:
        """The seed of SALib's bootstrap of the intervals: drawn from ``seed``, never 0
        (SALib takes a seed of 0 as none, and would draw from numpy's global generator)."""
        return int(np.random.SeedSequence([self.seed, 1]).generate_state(1)[0]) | 1

    def digest(self) -> str:
        """SHA-256 of the points, so that a resumed analysis is known to be the same."""
        return hashlib.sha256(np.ascontiguousarray(self.points, dtype=float).tobytes()).hexdigest()


def choose_parameters(names: Sequence[str] | None = None, grade: str | None = None) -> list[str]:
    """The parameters to vary: ``names`` (checked against the table), or every row of
    ``grade`` ("P", "D" or "G"); only rows whose range is not a single value. ValueError for
    an unknown name (with the nearest known one) or a fixed range."""
    table = parameter_table()
    if names:
        for name in names:
            if name not in table.index:
                near = difflib.get_close_matches(name, table.index, n=1)
                hint = f"; did you mean '{near[0]}'?" if near else ""
                raise ValueError(f"unknown parameter '{name}'{hint}")
            if table.at[name, "low"] >= table.at[name, "high"]:
                raise ValueError(f"parameter '{name}' has a fixed range; it cannot vary")
        return list(dict.fromkeys(names))
    if grade not in ("P", "D", "G"):
        raise ValueError(f"grade must be P, D or G, got {grade!r}")
    rows = table[(table["grade"] == grade) & (table["low"] < table["high"])]
    return list(rows.index)


def design(method: str, names: Sequence[str], samples: int, seed: int) -> Design:
    """Draw the points: Morris, ``samples`` trajectories of len(names) + 1 points each; Sobol
    (Saltelli's scheme, first and total order), ``samples`` x (len(names) + 2) points, with
    ``samples`` a power of 2."""
    # SALib: slow to import, and `zonesim list` must start fast
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if len(names) < 2:
        raise ValueError("a sensitivity analysis needs at least two parameters")
    if samples < 2:  # one trajectory or sample gives no spread, hence no sigma or interval
        raise ValueError(f"samples must be >= 2, got {samples}")
    table = parameter_table()
    bounds = tuple((float(table.at[n, "low"]), float(table.at[n, "high"])) for n in names)
    problem = {"num_vars": len(names), "names": list(names), "bounds": bounds}
    if method == "morris":
        points = morris_sample.sample(problem, N=samples, num_levels=MORRIS_LEVELS, seed=seed)
    else:
        if samples & (samples - 1):
            raise ValueError(f"Sobol samples must be a power of 2, got {samples}")
        points = sobol_sample.sample(problem, N=samples, calc_second_order=False, seed=seed)
    return Design(method, tuple(names), bounds, points, seed)


def design_size(method: str, parameters: int, samples: int) -> int:
    """The points :func:`design` draws for ``parameters`` parameters and ``samples``: known
    before drawing them (a design is refused when too large to run)."""
    return samples * (parameters + (1 if method == "morris" else 2))


def point_scenarios(plan: Design, base: ZoneScenario, suffix: str = "") -> list[ZoneScenario]:
    """One scenario per point of the design: ``base`` with the point's parameter values
    on top of its own overrides, named after the point (and ``suffix``)."""
    values = [dict(zip(plan.names, map(float, point), strict=True)) for point in plan.points]
    return [
        base.replace(name=name + suffix, params={**base.params, **point})
        for name, point in zip(plan.point_names(), values, strict=True)
    ]


BASELINE_SUFFIX = "@baseline"  # a design point run on the baseline: "<point>@baseline"


def outcomes(
    kpis: pd.DataFrame, plan: Design, kpi_names: Sequence[str], effect: bool = False
) -> pd.DataFrame:
    """Each point's KPIs for all six zones at the horizon, the mean over its replications:
    one row per point, in the design's order; one column per KPI. With ``effect``, each
    point's difference from the same point on the baseline ("<point>@baseline"), paired by
    replication (the same seed), then the mean: the plan's effect at that point."""
    horizon = kpis[kpis["month"] == kpis["month"].max()]
    total = with_all_zones(horizon)
    total = total[total["zone"] == ALL_ZONES].set_index(["scenario", "replication"])
    values = total[list(kpi_names)]
    names = plan.point_names()
    if effect:
        on_baseline = total.index.get_level_values("scenario").str.endswith(BASELINE_SUFFIX)
        base = values[on_baseline].rename(
            index=lambda name: name.removesuffix(BASELINE_SUFFIX), level="scenario"
        )
        values = values[~on_baseline] - base  # aligned on (point, replication): paired
    means = values.groupby(level="scenario").mean()
    missing = set(names) - set(means.dropna().index)
    if missing:
        raise ValueError(f"{len(missing)} design points have no results (failed runs?)")
    return means.loc[names]


def indices(plan: Design, results: pd.DataFrame) -> pd.DataFrame:
    """The sensitivity indices of each KPI (a column of ``results``) to each parameter.

    Tidy: kpi, parameter, index, value, conf (the half-width of its 95% interval from
    SALib's bootstrap; empty for indices without one). Morris: mu_star (mean absolute
    elementary effect, in the KPI's unit per the parameter's full range), mu, sigma. Sobol:
    S1 (first order) and ST (total order), shares of the KPI's variance."""
    rows = []
    for kpi in results.columns:
        y = results[kpi].to_numpy(dtype=float)
        rows.append(_indices_of(plan, y).assign(kpi=kpi))
    table = pd.concat(rows, ignore_index=True)
    return table[["kpi", "parameter", "index", "value", "conf"]]


def _indices_of(plan: Design, y: np.ndarray) -> pd.DataFrame:
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    problem = plan.problem()
    if plan.method == "morris":
        found = morris_analyze.analyze(
            problem, plan.points, y, num_levels=MORRIS_LEVELS, seed=plan.bootstrap_seed()
        )
        spec = {"mu_star": "mu_star_conf", "mu": None, "sigma": None}
    else:
        found = sobol_analyze.analyze(
            problem, y, calc_second_order=False, seed=plan.bootstrap_seed()
        )
        spec = {"S1": "S1_conf", "ST": "ST_conf"}
    rows = [
        {
            "parameter": name,
            "index": index,
            "value": float(found[index][i]),
            "conf": float(found[conf][i]) if conf else np.nan,
        }
        for index, conf in spec.items()
        for i, name in enumerate(plan.names)
    ]
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class SensitivityResult:
    """What :func:`run_sensitivity` wrote: the indices (None when runs failed), the paths,
    and the runs that failed (name -> traceback)."""

    indices: pd.DataFrame | None
    paths: list[Path]
    failed: Mapping[str, str]


def run_sensitivity(
    plan: Design,
    base: ZoneScenario,
    kpi_names: Sequence[str],
    replications: int,
    seed: int,
    out_dir: Path,
    executor: Executor | None = None,
    progress: bool = True,
    resume: bool = False,
    manifest: Mapping | None = None,
    baseline: ZoneScenario | None = None,
) -> SensitivityResult:
    """Run every point of ``plan`` (``replications`` times, the same seeds at every point)
    on the ``base`` scenario (its policy, overrides and horizon), and write to ``out_dir``:
    design.csv (the points), indices.csv (:func:`indices`), figures/sensitivity_<method>.png,
    and the study's own tables and manifest.

    With a ``baseline`` scenario, every point also runs on it with the same seeds
    ("<point>@baseline"), and the indices are those of the effect: ``base`` minus
    ``baseline`` at each point, paired by replication (which uncertain parameters change
    what the plan achieves)."""
    from . import plots  # matplotlib: slow to import, and `zonesim list` must start fast

    if unknown := [k for k in kpi_names if k not in MAIN_KPIS]:
        raise ValueError(f"unknown KPI '{unknown[0]}'; one of {', '.join(MAIN_KPIS)}")
    out_dir = Path(out_dir)
    for stale in (out_dir / "indices.csv", out_dir / "figures" / f"sensitivity_{plan.method}.png"):
        stale.unlink(missing_ok=True)  # an earlier analysis's: gone even if runs fail now
    out_dir.mkdir(parents=True, exist_ok=True)
    points = pd.DataFrame(plan.points, columns=list(plan.names), index=plan.point_names())
    paths = [write_text_atomic(points.rename_axis("point").to_csv(), out_dir / "design.csv")]
    record = {"sensitivity": describe(plan), "kpis": list(kpi_names), **(manifest or {})}
    scenarios = point_scenarios(plan, base)
    if baseline is not None:
        scenarios += point_scenarios(plan, baseline, BASELINE_SUFFIX)
    study = run_study(
        scenarios, replications, seed, out_dir,
        progress=progress, executor=executor, resume=resume, manifest=record,
    )  # fmt: skip
    if study.failed:
        return SensitivityResult(None, paths, study.failed)
    kpis = pd.read_parquet(out_dir / "zone_kpis.parquet")
    table = indices(plan, outcomes(kpis, plan, kpi_names, effect=baseline is not None))
    paths.append(write_text_atomic(table.to_csv(index=False), out_dir / "indices.csv"))
    draw = plots.morris_indices if plan.method == "morris" else plots.sobol_indices
    (out_dir / "figures").mkdir(exist_ok=True)
    paths.append(plots.save(draw(table), out_dir / "figures" / f"sensitivity_{plan.method}.png"))
    return SensitivityResult(table, paths, {})


def describe(plan: Design) -> dict:
    """The design as plain data, for the manifest (and for --resume to compare)."""
    return {
        "method": plan.method,
        "parameters": {name: list(b) for name, b in zip(plan.names, plan.bounds, strict=True)},
        "points": len(plan.points),
        "design_seed": plan.seed,
        "points_sha256": plan.digest(),
    }
