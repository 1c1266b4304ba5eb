"""What `zonesim compare` says of each measure: its own outcomes per scenario against the
baseline, with paired CIs, checked by hand on a real study; which measures a scenario changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from zonesim.studies.compare import compare_study
from zonesim.studies.measure_summary import (
    COLUMNS,
    changed_measures,
    measure_summary,
    run_values,
)
from zonesim.studies.runner import run_study
from zonesim.studies.summary import ALL_ZONES, t975

import zonesim
from zonesim import Policy, ZoneScenario

MONTHS, REPLICATIONS = 24, 3


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """plan_2024, the cash pool alone, and the baseline: 3 replications of 24 months."""
    folder = tmp_path_factory.mktemp("study")
    scenarios = [
        ZoneScenario(name="baseline", policy=Policy.baseline(), months=MONTHS),
        ZoneScenario(name="plan", policy=Policy.plan_2024(), months=MONTHS),
        ZoneScenario(
            name="pool",
            policy=Policy.baseline().with_measure("6", zones=frozenset({"jinqiao", "qingpu"})),
            months=MONTHS,
            params={"m6.attraction": 0.1},
        ),
    ]
    run_study(scenarios, REPLICATIONS, 7, folder, progress=False)
    return folder, compare_study(folder)


def _per_run(table: pd.DataFrame, scenario: str, measure: str, kpi: str) -> np.ndarray:
    """A measure KPI of all six zones, one value per replication: at the horizon, or summed
    over months 1 to the horizon for the flows."""
    rows = table[(table["scenario"] == scenario) & (table["measure"] == measure)]
    if kpi in ("costs_paid_rmb_m", "entrants_drawn"):
        rows = rows[rows["month"] >= 1]
    else:
        rows = rows[rows["month"] == MONTHS]
    return rows.groupby("replication")[kpi].sum().sort_index().to_numpy()


@pytest.mark.parametrize(
    ("measure", "kpi"),
    [("2b", "adopted"), ("10a", "net_benefit_rmb_m"), ("10a", "entrants_drawn"),
     ("2b", "costs_paid_rmb_m"), ("8", "days_saved")],
)  # fmt: skip
def test_each_measures_difference_is_the_paired_t_interval_of_its_runs(study, measure, kpi):
    folder, done = study
    table = pd.read_parquet(folder / "measure_kpis.parquet")
    d = _per_run(table, "plan", measure, kpi) - _per_run(table, "baseline", measure, kpi)
    assert np.abs(d).max() > 0, "the plan changes it: a test that can fail"
    half = t975(len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    row = done.measures.query(
        "scenario == 'plan' and measure == @measure and zone == @ALL_ZONES and kpi == @kpi"
    )
    assert row["diff"].item() == pytest.approx(d.mean())
    assert row["diff_ci_low"].item() == pytest.approx(d.mean() - half)
    assert row["diff_ci_high"].item() == pytest.approx(d.mean() + half)
    assert row["pairs"].item() == REPLICATIONS
    assert row["mean"].item() == pytest.approx(_per_run(table, "plan", measure, kpi).mean())


def test_uptake_share_differences_have_cis_from_the_summed_counts(study):
    folder, done = study
    table = pd.read_parquet(folder / "measure_kpis.parquet")

    def shares(scenario):
        return _per_run(table, scenario, "8", "adopted") / _per_run(
            table, scenario, "8", "eligible"
        )

    d = shares("plan") - shares("baseline")
    row = done.measures.query(
        "scenario == 'plan' and measure == '8' and zone == @ALL_ZONES and kpi == 'uptake_share'"
    )
    assert row["diff"].item() == pytest.approx(d.mean()) and d.mean() > 0
    half = t975(len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    assert row["diff_ci_high"].item() - row["diff"].item() == pytest.approx(half)


def test_a_scenario_reports_the_measures_it_sets_differently(study):
    folder, done = study
    assert done.shown["pool"] == ["6"]  # zones and a parameter of measure 6
    assert done.shown["plan"] == list(zonesim.measures().index)  # the plan turns on all 21
    text = (folder / "measure_summary.md").read_text(encoding="utf-8")
    pool = text.split("## pool", 1)[1]
    assert "| 6 |" in pool and "| 2b |" not in pool
    assert (folder / "figures" / "measure_kpis.png").stat().st_size > 10_000
    changed = done.measures[done.measures["scenario"] == "pool"]
    assert set(changed.loc[changed["changed"].astype(bool), "measure"]) == {"6"}
    # the baseline's own rows: means, no differences
    base = done.measures[done.measures["scenario"] == "baseline"]
    assert base["diff"].isna().all() and (base["pairs"] == 0).all()


def test_measures_off_in_both_scenarios_differ_by_exactly_zero(study):
    _, done = study
    pool = done.measures.query("scenario == 'pool' and measure != '6' and kpi == 'adopted'")
    assert (pool["diff"] == 0).all() and (pool["diff_ci_low"] == 0).all()


def test_run_values_read_in_chunks_equal_those_of_the_whole_table(study):
    folder, _ = study
    table = pd.read_parquet(folder / "measure_kpis.parquet", columns=COLUMNS)
    whole = run_values([table], MONTHS)
    chunks = run_values((table.iloc[i : i + 997] for i in range(0, len(table), 997)), MONTHS)
    keys = ["scenario", "replication", "measure", "zone"]
    pd.testing.assert_frame_equal(
        chunks.sort_values(keys, ignore_index=True), whole.sort_values(keys, ignore_index=True)
    )
    total = whole[whole["zone"] == ALL_ZONES]
    assert len(total) == 3 * REPLICATIONS * len(zonesim.measures())


def test_without_a_baseline_the_summary_has_means_only(study):
    folder, _ = study
    table = pd.read_parquet(folder / "measure_kpis.parquet", columns=COLUMNS)
    summary = measure_summary(run_values([table], MONTHS), None, MONTHS)
    assert summary["diff"].isna().all() and summary["mean"].notna().any()
    assert summary["changed"].isna().all()


def test_changed_measures_compare_settings_and_parameters():
    base = Policy.plan_2024()
    later = base.with_measure("2a", start_month=12)
    policies = {"baseline": base, "later": later, "same": base, "tuned": base}
    settings = {
        "baseline": {"market.rent_lambda": 0.5},
        "later": {"market.rent_lambda": 0.5},
        "same": {"market.rent_lambda": 0.9},  # not a measure's parameter
        "tuned": {"market.rent_lambda": 0.5, "m7b.attraction": 0.1},
    }
    changed = changed_measures(policies, settings, "baseline")
    assert changed == {
        "baseline": frozenset(),
        "later": frozenset({"2a"}),
        "same": frozenset(),
        "tuned": frozenset({"7b"}),
    }
    assert changed_measures({}, settings, "baseline") is None
