"""The comparison's statistics on tables made up for the test, where the answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from zonesim.model import ZONE_KPIS, zone_table
from zonesim.studies.runner import run_study
from zonesim.studies.summary import ALL_ZONES, kpi_summary, report_months, t975

import zonesim
from zonesim import Policy, ZoneScenario

ZONES = list(zone_table().index)


def made_up_kpis(scenarios: dict[str, float], replications: int, months: int, seed: int = 0):
    """A zone_kpis table: every KPI is replication noise (shared by all scenarios, as common
    random numbers give) plus a per-scenario shift plus a little scenario-specific noise."""
    rng = np.random.default_rng(seed)
    keys = pd.MultiIndex.from_product(
        [range(replications), range(months + 1), ZONES], names=["replication", "month", "zone"]
    )
    shared = rng.normal(1000, 300, size=(len(keys), len(ZONE_KPIS)))
    frames = []
    for scenario, shift in scenarios.items():
        own = rng.normal(0, 1, size=shared.shape)
        frame = pd.DataFrame(shared + shift + own, index=keys, columns=list(ZONE_KPIS))
        frames.append(frame.reset_index().assign(scenario=scenario, seed=0))
    return pd.concat(frames, ignore_index=True)


def test_difference_and_ci_are_the_paired_t_interval():
    kpis = made_up_kpis({"baseline": 0.0, "plan": 50.0}, replications=7, months=12)
    summary = kpi_summary(kpis, "baseline")
    row = summary.query(
        "kpi == 'firms' and zone == 'jinqiao' and month == 12 and scenario == 'plan'"
    )
    at = kpis[(kpis["zone"] == "jinqiao") & (kpis["month"] == 12)]
    wide = at.pivot(index="replication", columns="scenario", values="firms")
    d = (wide["plan"] - wide["baseline"]).to_numpy()
    half = t975(len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    assert row["diff"].item() == pytest.approx(d.mean())
    assert row["diff_ci_low"].item() == pytest.approx(d.mean() - half)
    assert row["diff_ci_high"].item() == pytest.approx(d.mean() + half)
    assert row["mean"].item() == pytest.approx(wide["plan"].mean())
    assert row["baseline_mean"].item() == pytest.approx(wide["baseline"].mean())


def test_pairing_by_replication_removes_the_shared_noise():
    # replication noise (sd 300) dwarfs the shift (50); paired differences keep only the
    # scenario's own noise (sd 1.4), so the CI is narrow and holds the shift
    kpis = made_up_kpis({"baseline": 0.0, "plan": 50.0}, replications=10, months=12, seed=3)
    summary = kpi_summary(kpis, "baseline")
    plan = summary[(summary["scenario"] == "plan") & (summary["zone"] != ALL_ZONES)]
    plan = plan[plan["kpi"].isin(["firms", "employment", "revenue_rmb_m", "floor_stock_m2"])]
    assert ((plan["diff_ci_high"] - plan["diff_ci_low"]) < 5).all()
    inside = (plan["diff_ci_low"] < 50) & (plan["diff_ci_high"] > 50)
    assert inside.mean() > 0.8  # 95% intervals: most of them hold the true shift
    # and a baseline compared with itself is no difference at all
    assert summary.loc[summary["scenario"] == "baseline", "diff"].isna().all()


def test_all_zones_follows_each_kpis_rule():
    kpis = made_up_kpis({"baseline": 0.0}, replications=2, months=12)
    summary = kpi_summary(kpis, None).set_index(["kpi", "zone", "month"])
    at = kpis[kpis["month"] == 12]
    runs = at.groupby("replication")
    expected = {
        "firms": runs["firms"].sum().mean(),  # sum over zones
        "vacancy": (1 - runs["occupied_m2"].sum() / runs["floor_stock_m2"].sum()).mean(),
        "rent_rmb_m2_day": runs["rent_rmb_m2_day"].mean().mean(),  # mean over zones
        "clearance_days": (  # mean over firms: zone means weighted by firms
            at.assign(days=at["clearance_days"] * at["firms"]).groupby("replication")["days"].sum()
            / runs["firms"].sum()
        ).mean(),
    }
    for kpi, value in expected.items():
        assert summary.loc[(kpi, ALL_ZONES, 12), "mean"] == pytest.approx(value), kpi


def test_a_replication_without_its_pair_is_left_out_of_the_differences():
    kpis = made_up_kpis({"baseline": 0.0, "plan": 50.0}, replications=5, months=12)
    kpis = kpis[~((kpis["scenario"] == "plan") & (kpis["replication"] == 0))]  # a failed run
    summary = kpi_summary(kpis, "baseline")
    row = summary.query(
        "kpi == 'firms' and zone == 'qingpu' and month == 12 and scenario == 'plan'"
    )
    at = kpis[(kpis["zone"] == "qingpu") & (kpis["month"] == 12)]
    wide = at.pivot(index="replication", columns="scenario", values="firms")
    assert row["replications"].item() == 4 and row["pairs"].item() == 4
    assert row["baseline_mean"].item() == pytest.approx(wide["baseline"].iloc[1:].mean())
    assert row["diff"].item() == pytest.approx(row["mean"].item() - row["baseline_mean"].item())


@pytest.mark.parametrize(
    "horizon, months", [(120, [12, 36, 60, 120]), (40, [12, 36, 40]), (12, [12]), (6, [6])]
)
def test_reports_are_at_years_1_3_5_and_the_horizon(horizon, months):
    assert report_months(horizon) == months


def test_policies_survive_the_manifest(tmp_path):
    plan = Policy.plan_2024()
    assert Policy.from_dict(plan.as_dict()) == plan
    changed = plan.with_measure("6", zones=frozenset({"qingpu"}), start_month=3, intensity=2.5)
    assert Policy.from_dict(changed.as_dict()) == changed
    # and a study run from Python records them for `zonesim compare` to read back
    from zonesim.studies.compare import open_study

    run_study(_scenarios(1, plan=changed), 1, 0, tmp_path, False)
    assert open_study(tmp_path).policies == {"plan": changed, "baseline": Policy.baseline()}


def test_a_study_without_a_baseline_gets_means_but_no_differences(tmp_path):
    from zonesim.studies.compare import compare_study

    run_study(_scenarios(2)[:1], 2, 0, tmp_path, False)
    done = compare_study(tmp_path)
    summary, names = done.summary, {p.name for p in done.paths}
    assert done.baseline is None and "means only" in done.notes[0]
    assert "headline_kpis.png" in names and "kpi_summary.md" in names
    assert not names & {"headline_differences.png", "map_revenue_rmb_m.png"}
    assert summary["diff"].isna().all() and summary["mean"].notna().all()


def test_uptake_means_read_in_batches_equal_those_of_the_whole_table(tmp_path):
    from zonesim.studies.compare import open_study
    from zonesim.studies.summary import uptake_means

    run_study(_scenarios(4), 3, 0, tmp_path, False)
    uptake = pd.read_parquet(tmp_path / "measure_kpis.parquet")
    plan = uptake[uptake["scenario"] == "plan"]
    whole = uptake_means(plan)
    chunks = uptake_means(plan.iloc[i : i + 1000] for i in range(0, len(plan), 1000))
    read = open_study(tmp_path).uptake_means("plan").astype({"measure": str, "zone": str})
    by_hand = plan.groupby(["measure", "zone", "month"])[["eligible", "adopted"]].mean()
    assert (whole["replications"] == 3).all() and whole["adopted"].sum() > 0
    np.testing.assert_allclose(whole[["eligible", "adopted"]], by_hand, rtol=1e-12)
    pd.testing.assert_frame_equal(chunks, whole)
    pd.testing.assert_frame_equal(read, whole, check_dtype=False)


def test_a_study_without_paired_runs_is_compared_without_differences(tmp_path):
    from zonesim.studies.compare import compare_study

    run_study(_scenarios(2), 2, 0, tmp_path, False)
    for table in ("zone_kpis", "measure_kpis"):  # as if plan r0 and baseline r1 had failed
        frame = pd.read_parquet(tmp_path / f"{table}.parquet")
        unpaired = frame["replication"] == frame["scenario"].map({"plan": 0, "baseline": 1})
        frame[~unpaired].to_parquet(tmp_path / f"{table}.parquet", index=False)
    done = compare_study(tmp_path)
    assert done.baseline == "baseline" and "no replication where both" in done.notes[0]
    assert not {"map_revenue_rmb_m.png", "headline_differences.png"} & {p.name for p in done.paths}
    assert done.summary["diff"].isna().all() and (done.summary["pairs"] == 0).all()


def _scenarios(months: int, plan: Policy | None = None) -> list[ZoneScenario]:
    """ "plan" (the 2024 plan unless ``plan``) and "baseline", for ``months``."""
    return [
        ZoneScenario(name="plan", policy=plan or Policy.plan_2024(), months=months),
        ZoneScenario(name="baseline", policy=Policy.baseline(), months=months),
    ]


def test_net_effects_discount_the_displacement_share_of_activity_only():
    kpis = made_up_kpis({"baseline": 0.0, "plan": 50.0, "other": 20.0}, replications=4, months=12)
    summary = kpi_summary(kpis, "baseline", displacement={"plan": 0.4})
    plan = summary[summary["scenario"] == "plan"]
    activity = plan["kpi"].isin(["firms", "employment", "revenue_rmb_m", "trade_rmb_m"])
    for gross, net in (("diff", "net_diff"), ("diff_ci_low", "net_ci_low")):
        assert np.allclose(plan.loc[activity, net], 0.6 * plan.loc[activity, gross])
    assert plan.loc[~activity, "net_diff"].isna().all()  # rent, vacancy, ...: no displacement
    # a scenario that does not set it takes the parameter table's share
    table_share = float(zonesim.parameters().loc["displacement.share", "value"])
    other = summary[(summary["scenario"] == "other") & (summary["kpi"] == "firms")]
    assert np.allclose(other["net_diff"], (1 - table_share) * other["diff"])
    # and no displacement leaves the gross effect
    none = kpi_summary(kpis, "baseline", displacement={"plan": 0.0, "other": 0.0})
    assert np.allclose(none["net_diff"].dropna(), none.loc[none["net_diff"].notna(), "diff"])


def test_compare_reads_a_scenarios_displacement_from_its_parameters(tmp_path):
    from zonesim.studies.compare import compare_study

    plan = ZoneScenario(name="plan", months=3, params={"displacement.share": 0.5})
    base = ZoneScenario(name="baseline", policy=Policy.baseline(), months=3)
    run_study([base, plan], replications=2, root_seed=5, out_dir=tmp_path / "s")
    summary = compare_study(tmp_path / "s").summary
    firms = summary.query("scenario == 'plan' and kpi == 'firms'")
    assert np.allclose(firms["net_diff"], 0.5 * firms["diff"], equal_nan=True)


def test_the_runs_table_has_one_row_per_run_with_its_settings_and_horizon_kpis(tmp_path):
    import pyarrow.parquet as pq
    from zonesim.studies.compare import compare_study

    plan = ZoneScenario(
        name="plan", months=3, params={"displacement.share": 0.5}, swept={"share": 0.5}
    )
    base = ZoneScenario(name="baseline", policy=Policy.baseline(), months=3, market="glut")
    run_study([base, plan], replications=2, root_seed=5, out_dir=tmp_path / "s")
    done = compare_study(tmp_path / "s")
    assert tmp_path / "s" / "runs.parquet" in done.paths
    runs = pq.read_table(tmp_path / "s" / "runs.parquet").to_pandas()
    assert len(runs) == 4 and set(zip(runs.scenario, runs.replication, strict=True)) == {
        (s, r) for s in ("plan", "baseline") for r in (0, 1)
    }
    by_scenario = runs.set_index(["scenario", "replication"])
    # a setting one scenario changes: its value there, the parameter table's elsewhere
    table_share = float(zonesim.parameters().loc["displacement.share", "value"])
    assert (by_scenario.loc["plan", "displacement.share"] == 0.5).all()
    assert (by_scenario.loc["baseline", "displacement.share"] == table_share).all()
    assert (by_scenario.loc["plan", "sweep.share"] == 0.5).all()
    assert by_scenario.loc["baseline", "sweep.share"].isna().all()
    assert list(by_scenario.loc["baseline", "market"]) == ["glut", "glut"]
    # the KPIs: all six zones at the horizon, run by run
    kpis = pd.read_parquet(tmp_path / "s" / "zone_kpis.parquet").query("month == 3")
    firms = kpis.groupby(["scenario", "replication"])["firms"].sum()
    assert (by_scenario["firms"] == firms.reindex(by_scenario.index)).all()
    seeds = kpis.groupby(["scenario", "replication"])["seed"].first()
    assert (by_scenario["seed"] == seeds.reindex(by_scenario.index)).all()


def test_the_detectable_difference_is_the_power_analysis_of_the_paired_differences():
    from scipy.stats import t as student_t

    kpis = made_up_kpis({"baseline": 0.0, "plan": 5.0}, replications=6, months=12)
    summary = kpi_summary(kpis, "baseline", months=[12])
    row = summary.query("scenario == 'plan' and kpi == 'firms' and zone == @ZONES[0]").iloc[0]
    wide = kpis[(kpis.month == 12) & (kpis.zone == ZONES[0])].pivot(
        index="replication", columns="scenario", values="firms"
    )
    diffs = wide["plan"] - wide["baseline"]
    se = diffs.std() / np.sqrt(len(diffs))
    factor = student_t.ppf(0.975, 5) + student_t.ppf(0.8, 5)
    assert row["detectable"] == pytest.approx(factor * se, rel=1e-3)  # t975 is tabled
    # more replications, a smaller detectable difference; none for the baseline itself
    more = kpi_summary(made_up_kpis({"baseline": 0.0, "plan": 5.0}, 24, 12), "baseline", [12])
    firms = more.query("scenario == 'plan' and kpi == 'firms' and zone == 'all zones'")
    assert (
        firms["detectable"].iloc[0]
        < summary.query("scenario == 'plan' and kpi == 'firms' and zone == 'all zones'")[
            "detectable"
        ].iloc[0]
    )
    assert summary.query("scenario == 'baseline'")["detectable"].isna().all()
