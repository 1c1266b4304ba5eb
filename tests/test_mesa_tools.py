"""Mesa's own tools on ZoneModel: its DataCollector (``model.datacollector``) and
``mesa.batch_run``, checked against the model's own tables."""

from __future__ import annotations

import multiprocessing

import mesa
import numpy as np
import pandas as pd
import pytest
from conftest import make_model, run_model
from zonesim.model.reporters import HEADLINE_KPIS, MODEL_REPORTERS
from zonesim.studies.summary import ALL_ZONES, uptake_summary, with_all_zones

import zonesim
from zonesim import Policy

MONTHS = 12
ZONE_SUMS = ["firms", "revenue_rmb_m", "trade_rmb_m", "floor_stock_m2", "vacancy"]
ZONE_SUMS += ["rent_rmb_m2_day"]


def all_zones(model: zonesim.ZoneModel) -> pd.DataFrame:
    """The model's "all zones" rows as `zonesim compare` makes them, one per month."""
    kpis = with_all_zones(model.zone_kpis())
    return kpis[kpis["zone"] == ALL_ZONES].set_index("month")


def mean_uptake(model: zonesim.ZoneModel) -> pd.Series:
    """Per month: the mean over measures the policy turns on of their "all zones" uptake
    share (summed over the zones where each is on), from uptake_summary."""
    uptake = model.measure_kpis().assign(scenario="s", replication=0)
    means = {}
    for month in range(model.month + 1):
        rows = uptake_summary(uptake, {"s": model.policy}, month)
        rows = rows[(rows["zone"] == ALL_ZONES) & rows["on"]]
        means[month] = rows["uptake_share"].mean()  # skips measures with none eligible
    return pd.Series(means)


def check_against_tables(frame: pd.DataFrame, model: zonesim.ZoneModel) -> None:
    """``frame`` (one row per month, the headline reporters) agrees with the model's tables."""
    expected = all_zones(model)
    for kpi in ZONE_SUMS:
        np.testing.assert_allclose(frame[kpi].to_numpy(float), expected[kpi], rtol=1e-12)
    np.testing.assert_allclose(frame["uptake_share"].to_numpy(float), mean_uptake(model))


# ---------------------------------------------------------------------- the DataCollector
def test_every_reporter_is_documented_with_a_unit():
    assert list(MODEL_REPORTERS) == list(HEADLINE_KPIS)
    assert all(unit and how for unit, how in HEADLINE_KPIS.values())


def test_datacollector_has_one_row_per_recorded_month_and_agrees_with_the_tables():
    model = make_model(3, months=MONTHS)
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 1  # month 0, recorded when the model is built
    for _ in range(5):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(HEADLINE_KPIS)
    assert list(frame.index) == sorted(model.zone_kpis()["month"].unique()) == list(range(6))
    check_against_tables(frame, model)
    assert frame["uptake_share"].iloc[-1] > 0  # the plan's measures have started


def test_uptake_is_nan_when_the_policy_turns_nothing_on():
    model = run_model(1, policy=Policy.baseline(), months=3)
    frame = model.datacollector.get_model_vars_dataframe()
    assert frame["uptake_share"].isna().all()
    assert frame["firms"].notna().all()


def test_uptake_counts_only_the_measures_on_and_only_where_they_are_on():
    """One measure in one zone: the reporter is that measure's share in that zone."""
    policy = Policy.baseline().with_measure("2b", zones=frozenset({"songjiang"}), start_month=0)
    model = run_model(2, policy=policy, months=MONTHS)
    frame = model.datacollector.get_model_vars_dataframe()
    uptake = model.measure_kpis()
    there = uptake[(uptake["measure"] == "2b") & (uptake["zone"] == "songjiang")]
    expected = there.set_index("month")["uptake_share"]
    np.testing.assert_allclose(frame["uptake_share"], expected)
    assert expected.iloc[-1] > 0


# ---------------------------------------------------------------------- batch_run
def batch_run(*args, **kwargs) -> list[dict]:
    """mesa.batch_run, leaving the multiprocessing start method as it was (batch_run sets it
    to "spawn" for the whole process, which other tests' process pools would inherit)."""
    before = multiprocessing.get_start_method(allow_none=True)
    try:
        return mesa.batch_run(*args, **kwargs)
    finally:
        multiprocessing.set_start_method(before, force=True)


@pytest.fixture(scope="module")
def batch() -> pd.DataFrame:
    """The issue's batch_run, every month kept: 2 firm scales x 2 seeds x 13 months."""
    rows = batch_run(
        zonesim.ZoneModel,
        parameters={"months": [MONTHS], "firm_scale": [1.0, 2.0]},
        rng=[1, 2],
        max_steps=MONTHS,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    return pd.DataFrame(rows)


def test_batch_run_rows_agree_with_the_models_own_tables(batch):
    assert len(batch) == 2 * 2 * (MONTHS + 1)
    for (scale, seed), run in batch.groupby(["firm_scale", "rng"]):
        assert list(run["Step"]) == list(range(MONTHS + 1))
        model = run_model(seed, months=MONTHS, firm_scale=scale)
        check_against_tables(run.set_index("Step"), model)
        by_month = model.zone_kpis().groupby("month")["firms"].sum()
        assert list(run["firms"]) == list(by_month)


def test_batch_run_firm_scale_two_gives_about_twice_the_firms(batch):
    firms = batch.groupby(["firm_scale", "rng", "Step"])["firms"].first()
    ratio = firms.loc[2.0] / firms.loc[1.0]
    assert ratio.between(1.9, 2.1).all(), ratio.describe()


def test_batch_run_as_the_issue_wrote_it_gives_the_horizon():
    rows = batch_run(
        zonesim.ZoneModel,
        parameters={"months": [2], "firm_scale": [1.0]},
        rng=[1],
        max_steps=2,
        display_progress=False,
    )
    (row,) = rows
    assert row["Step"] == 2
    model = run_model(1, months=2)
    assert row["firms"] == model.zone_kpis().query("month == 2")["firms"].sum()
