"""The Mesa agents: Enterprise views onto the firm table, and one Developer per zone."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import plan_zones, run_model
from zonesim.agents import Developer, Enterprise

from zonesim import Policy

MONTHS = 120
SEED = 3


@pytest.fixture(scope="module")
def plan():
    return run_model(SEED, policy=Policy.plan_2024(), months=MONTHS)


@pytest.fixture(scope="module")
def baseline():
    return run_model(SEED, policy=Policy.baseline(), months=MONTHS)


def test_enterprises_expose_their_firm(plan):
    model = plan
    agents = model.enterprises()
    assert len(agents) == len(model.firms) > 0
    f = model.firms
    for agent in agents:
        assert isinstance(agent, Enterprise)
        row = int(np.flatnonzero(f.fid == agent.fid)[0])
        assert agent.zone == model.zone_ids[f.zone[row]]
        assert agent.sector == model.sector_ids[f.sector[row]]
        assert isinstance(agent.revenue, float) and agent.revenue == f.revenue[row] > 0
        assert isinstance(agent.floor_space, float) and agent.floor_space == f.floor[row] > 0
        states = agent.measure_states()
        assert list(states) == list(model.measure_ids)
        for k, (measure, s) in enumerate(states.items()):
            assert set(s) >= {"eligible", "aware", "adopted"}, measure
            assert s["eligible"] == bool(f.eligible[row, k])
            assert s["aware"] == bool(f.aware[row, k])
            assert s["adopted"] == bool(f.adopted[row, k])
    # after ten years of the plan some agents have adopted something
    assert any(s["adopted"] for a in agents for s in a.measure_states().values())


def test_one_developer_per_zone(plan, baseline):
    for model in (plan, baseline):
        developers = list(model.agents_by_type[Developer])
        assert len(developers) == len(model.zone_ids) == 6
        assert sorted(d.zone for d in developers) == list(range(6))


def test_the_baseline_builds(baseline):
    # the up-the-floors programme and ordinary supply build without the plan
    k = baseline.zone_kpis().set_index(["month", "zone"])
    assert (k.loc[MONTHS].floor_stock_m2 > k.loc[0].floor_stock_m2).all()
    assert (k.loc[MONTHS].vertical_stock_m2 > 0).all()
    assert (k.plan_vertical_stock_m2 == 0).all()


def test_plan_space_only_where_10b_applies(plan):
    k = plan.zone_kpis()
    far_zones = plan_zones("10b")
    last = k[k.month == MONTHS].set_index("zone")
    assert (last.plan_vertical_stock_m2.loc[sorted(far_zones)] > 0).all(), last.to_string()
    assert (last.plan_vertical_stock_m2 <= last.vertical_stock_m2).all()
    assert (k[~k.zone.isin(far_zones)].plan_vertical_stock_m2 == 0).all()


def test_without_the_programme_all_new_vertical_space_is_the_plans():
    no_programme = {"programme.far": 1.0}  # the legacy FAR: the programme adds no room
    base = run_model(SEED, policy=Policy.baseline(), months=MONTHS, params=no_programme)
    assert (base.zone_kpis().vertical_stock_m2 == 0).all()
    k = run_model(SEED, policy=Policy.plan_2024(), months=MONTHS, params=no_programme)
    k = k.zone_kpis()
    assert np.allclose(k.plan_vertical_stock_m2, k.vertical_stock_m2)
    last = k[k.month == MONTHS].set_index("zone")
    assert (last.vertical_stock_m2.loc[sorted(plan_zones("10b"))] > 0).all()
    assert (k[~k.zone.isin(plan_zones("10b"))].vertical_stock_m2 == 0).all()
