"""What a scenario may set, and what the model refuses."""

from __future__ import annotations

import numpy as np
import pytest
from zonesim.model.checks import BeyondRange

import zonesim
from zonesim import Policy, ZoneModel, ZoneScenario


def test_parameter_overrides_reach_the_sector_mix():
    cbec = zonesim.sectors().index.get_loc("cbec")
    plain = ZoneModel(rng=1)
    tilted = ZoneModel(rng=1, params={"mix.songjiang.cbec": BeyondRange(300.0)})  # range 6-19
    share = [(m.firms.sector[m.firms.zone == 0] == cbec).mean() for m in (plain, tilted)]
    assert share[1] > 0.6 > share[0]


def test_unknown_parameter_is_refused_with_a_suggestion():
    with pytest.raises(KeyError, match="did you mean 'market.rent_lambda'"):
        ZoneModel(rng=1, params={"market.rent_lamda": 1.0})


def test_unknown_scenario_field_is_refused():
    with pytest.raises(TypeError, match="polcy"):
        ZoneModel(rng=1, polcy=Policy.baseline())


def test_scenario_and_keywords_together_are_refused():
    with pytest.raises(TypeError, match="not both"):
        ZoneModel(ZoneScenario(rng=1), months=12)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"months": -1}, "months"),
        ({"firm_scale": 0.0}, "firm_scale"),
        ({"firm_scale": 0.001}, "firm_scale"),
        ({"params": {"space.build_lag": 0}}, "build_lag"),
    ],
)
def test_sizes_the_model_cannot_run_with(fields, message):
    with pytest.raises(ValueError, match=message):
        ZoneModel(rng=1, **fields)


def test_stepping_past_the_horizon_is_refused():
    model = ZoneModel(rng=1, months=2).run()
    kpis = model.zone_kpis()
    with pytest.raises(RuntimeError, match="horizon"):
        model.step()
    assert kpis.equals(model.zone_kpis())  # the refused step changed nothing recorded


def test_the_plan_cannot_be_changed_in_place():
    plan = Policy.plan_2024()
    with pytest.raises(TypeError):
        plan.measures["6"] = plan.measures["8"]
    changed = plan.with_measure("6", start_month=24)
    assert changed.measures["6"].start_month == 24
    assert Policy.plan_2024().measures["6"].start_month != 24


def test_scenario_object_and_keywords_give_the_same_run():
    policy = Policy.baseline().with_measure("8")
    a = ZoneModel(ZoneScenario(rng=5, policy=policy, months=12)).run()
    b = ZoneModel(rng=5, policy=policy, months=12).run()
    assert np.array_equal(a.zone_kpis().to_numpy(), b.zone_kpis().to_numpy())
