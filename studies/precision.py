"""Replications chosen for a precision: a study grows in rounds until the paired 95% CI of one
KPI's difference from the baseline (all six zones at the horizon) is as narrow as asked.

The CI's half-width falls as 1 / sqrt(replications), so a round that reaches half-width h
with n replications, asked for h*, next runs n (h / h*)^2 (at least one more, at most the
maximum); the runs already done are kept (the study runner's resume).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..model import ZoneScenario
from .runner import StudyResult, run_study
from .storage import write_text_atomic
from .summary import ALL_ZONES, DEFAULT_BASELINE, fmt, kpi_summary


def half_width(out_dir: Path, kpi: str, baseline: str) -> float:
    """The widest half-width, over the study's scenarios other than ``baseline``, of the paired
    95% CI of ``kpi``'s difference from ``baseline``, all six zones at the horizon (NaN while
    a scenario has fewer than two pairs)."""
    kpis = pd.read_parquet(Path(out_dir) / "zone_kpis.parquet")
    horizon = int(kpis["month"].max())
    summary = kpi_summary(kpis[kpis["month"] == horizon], baseline, [horizon])
    rows = summary[
        (summary["kpi"] == kpi) & (summary["zone"] == ALL_ZONES) & (summary["scenario"] != baseline)
    ]
    return float(((rows["diff_ci_high"] - rows["diff_ci_low"]) / 2).max(skipna=False))


def next_replications(current: int, reached: float, target: float, most: int) -> int:
    """Replications for the next round, from ``current`` that reached half-width ``reached``
    when ``target`` is asked: current (reached / target)^2, at least one more, at most
    ``most``."""
    if math.isnan(reached):
        return min(current + 1, most)
    return min(max(math.ceil(current * (reached / target) ** 2), current + 1), most)


def record_precision(out_dir: Path, record: Mapping) -> None:
    """Add the precision rounds to the study's manifest (``precision``)."""
    path = Path(out_dir) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["precision"] = dict(record)
    write_text_atomic(json.dumps(manifest, indent=1, default=str) + "\n", path)


@dataclass(frozen=True)
class PrecisionResult:
    """What :func:`run_to_precision` did: the last round's study, each round's replications
    and the half-width it reached, and the half-width asked (``target``)."""

    study: StudyResult
    rounds: list[dict]
    target: float

    @property
    def met(self) -> bool:
        """The last round reached the half-width asked."""
        return bool(self.rounds) and self.rounds[-1]["half_width"] <= self.target


def run_to_precision(
    scenarios: Sequence[ZoneScenario],
    kpi: str,
    target: float,
    replications: int,
    most: int,
    root_seed: int,
    out_dir: Path | str,
    baseline: str = DEFAULT_BASELINE,
    report: Callable[[str], None] = print,
    **study_options,
) -> PrecisionResult:
    """Run the study (:func:`~zonesim.studies.runner.run_study`, with ``study_options``) with
    ``replications``, then in rounds of :func:`next_replications` (the runs already done
    kept) until the paired 95% CI of ``kpi``'s difference from ``baseline`` is at most
    ``target`` on each side for every other scenario, or ``most`` replications have run.
    Each round is reported (one line) and the rounds are recorded in the manifest."""
    rounds: list[dict] = []
    while True:
        study = run_study(scenarios, replications, root_seed, out_dir, **study_options)
        if study.failed:
            break
        reached = half_width(Path(out_dir), kpi, baseline)
        rounds.append({"replications": replications, "half_width": reached})
        report(f"precision: {kpi} ±{fmt(reached)} after {replications} replications "
               f"(asked: ±{fmt(target)})")  # fmt: skip
        if reached <= target or replications >= most:
            break
        replications = next_replications(replications, reached, target, most)
        study_options["resume"] = True  # keep the runs done
    done = PrecisionResult(study, rounds, target)
    if rounds:
        record_precision(out_dir, {"kpi": kpi, "half_width": target, "met": done.met,
                                   "max_replications": most, "rounds": rounds})  # fmt: skip
    return done
