"""The plan decomposed by measure (``zonesim decompose``): each sub-measure alone on the
baseline, and the scenario without each sub-measure, run as one study through the study
runner (every executor, progress, manifest, resume), then each measure's effect on each main
KPI both ways, with paired 95% CIs, and the interaction left over.

    scenarios = decomposition_scenarios(plan, baseline)    # 2 + 2 per measure
    run_study(scenarios, ...)
    table = decomposition(kpis, plan.name, baseline.name, measures)

Both ways, for measure m at the horizon, all six zones, per replication (the same seed in
every scenario), then the mean and its t-interval:

- alone: (baseline with m) minus baseline: what m does on its own;
- last: scenario minus (scenario without m): what m adds to the others.

The interaction is the scenario's total effect minus the sum of the measures' effects alone:
what the measures do together beyond what each does alone (displacement between them makes
it negative, complements positive).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..model import Policy, ZoneScenario
from .runner import run_study
from .storage import write_text_atomic
from .summary import ALL_ZONES, MAIN_KPIS, t975, unit, with_all_zones

ALONE, LAST = "alone", "last"
TOTAL, INTERACTION = "all measures", "interaction"


def alone_name(measure: str) -> str:
    return f"{measure}_alone"


def without_name(measure: str) -> str:
    return f"without_{measure}"


def measures_of(scenario: ZoneScenario, baseline: ZoneScenario) -> list[str]:
    """The sub-measures the scenario turns on differently from the baseline, in id order."""
    on, base = scenario.policy.measures, baseline.policy.measures
    return sorted(m for m, s in on.items() if s.enabled and base.get(m) != s)


def decomposition_scenarios(scenario: ZoneScenario, baseline: ZoneScenario) -> list[ZoneScenario]:
    """The scenario, the baseline, each measure alone on the baseline (``<m>_alone``) and the
    scenario without each measure (``without_<m>``)."""
    measures = measures_of(scenario, baseline)
    on = scenario.policy.measures
    alone = [
        baseline.replace(
            name=alone_name(m), policy=Policy({**baseline.policy.measures, m: on[m]}), swept={}
        )
        for m in measures
    ]
    without = [
        scenario.replace(name=without_name(m), policy=scenario.policy.only(set(on) - {m}))
        for m in measures
    ]
    return [scenario, baseline, *alone, *without]


def decomposition(
    kpis: pd.DataFrame, scenario: str, baseline: str, measures: Sequence[str]
) -> pd.DataFrame:
    """Each measure's effect on each main KPI of all six zones at the horizon, both ways
    (``way``: alone, last), the scenario's total (``measure`` "all measures") and the
    interaction left over; ``diff`` the mean over replications of the paired differences,
    ``ci_low``, ``ci_high`` its 95% t-interval, ``pairs`` the replications paired."""
    horizon = kpis[kpis["month"] == kpis["month"].max()]
    total = with_all_zones(horizon)
    total = total[total["zone"] == ALL_ZONES]
    rows = []
    for kpi in MAIN_KPIS:
        wide = total.pivot_table(index="replication", columns="scenario", values=kpi)
        effect = wide[scenario] - wide[baseline]
        alone_sum = 0.0
        for m in measures:
            alone = wide[alone_name(m)] - wide[baseline]
            alone_sum = alone_sum + alone
            rows.append(_paired(kpi, m, ALONE, alone))
            rows.append(_paired(kpi, m, LAST, wide[scenario] - wide[without_name(m)]))
        rows.append(_paired(kpi, TOTAL, TOTAL, effect))
        rows.append(_paired(kpi, INTERACTION, "total - sum of alone", effect - alone_sum))
    return pd.DataFrame(rows)


def _paired(kpi: str, measure: str, way: str, diffs: pd.Series) -> dict:
    """The mean of paired differences with its 95% t-interval (NaN with fewer than two)."""
    diffs = diffs.dropna()
    n = len(diffs)
    mean = float(diffs.mean()) if n else np.nan
    half = float(diffs.std() / np.sqrt(n) * t975(n - 1)) if n > 1 else np.nan
    return {
        "kpi": kpi, "unit": unit(kpi), "measure": measure, "way": way, "diff": mean,
        "ci_low": mean - half, "ci_high": mean + half, "pairs": n,
    }  # fmt: skip


@dataclass(frozen=True)
class DecompositionResult:
    """What :func:`run_decomposition` wrote: the table (None when runs failed), the paths,
    and the runs that failed (name -> traceback)."""

    table: pd.DataFrame | None
    paths: list[Path]
    failed: Mapping[str, str]


def run_decomposition(
    scenario: ZoneScenario,
    baseline: ZoneScenario,
    replications: int,
    seed: int,
    out_dir: Path | str,
    executor: Executor | None = None,
    progress: bool = True,
    resume: bool = False,
    manifest: Mapping | None = None,
) -> DecompositionResult:
    """Run :func:`decomposition_scenarios` (``replications`` each, the same seeds in every
    scenario) and write to ``out_dir`` the study's tables and manifest, decomposition.csv
    (:func:`decomposition`) and figures/decomposition.png (ranked effects)."""
    from . import plots  # matplotlib: slow to import, and `zonesim list` must start fast

    out_dir = Path(out_dir)
    for stale in (out_dir / "decomposition.csv", out_dir / "figures" / "decomposition.png"):
        stale.unlink(missing_ok=True)  # an earlier analysis's: gone even if runs fail now
    measures = measures_of(scenario, baseline)
    record = {"decomposition": {"scenario": scenario.name, "baseline": baseline.name,
                                "measures": measures}, **(manifest or {})}  # fmt: skip
    study = run_study(
        decomposition_scenarios(scenario, baseline), replications, seed, out_dir,
        progress=progress, executor=executor, resume=resume, manifest=record,
    )  # fmt: skip
    if study.failed:
        return DecompositionResult(None, [], study.failed)
    kpis = pd.read_parquet(out_dir / "zone_kpis.parquet")
    table = decomposition(kpis, scenario.name, baseline.name, measures)
    paths = [write_text_atomic(table.to_csv(index=False), out_dir / "decomposition.csv")]
    (out_dir / "figures").mkdir(exist_ok=True)
    figure = plots.decomposition(table, f"{scenario.name} against {baseline.name}")
    paths.append(plots.save(figure, out_dir / "figures" / "decomposition.png"))
    return DecompositionResult(table, paths, {})
