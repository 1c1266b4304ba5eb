"""Approvals that may not come: a measure the plan's text only seeks (m<id>.approval_chance
below 1) applies once its approval arrives, if it does; the draw is the run's own, the same
in every scenario with the same seed."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ALL_ZONES, run_model
from zonesim.model.checks import BeyondRange
from zonesim.model.measures import approval_delays

import zonesim
from zonesim import Policy

SEEDS = range(1, 4)
MONTHS = 36
FAST = BeyondRange(0.4)  # 1/yr, Bass p far above its range: most firms hear within a year


def _hedged_measures() -> list[str]:
    table = zonesim.parameters()
    chance = table.loc[table.index.str.endswith(".approval_chance"), "value"]
    return sorted(name[1:].split(".")[0] for name in chance[chance < 1].index)


def test_the_text_hedges_the_classic_car_pilot():
    assert "3c" in _hedged_measures()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_measure_never_approved_is_never_adopted(seed):
    policy = Policy.baseline().with_measure("3c", zones=ALL_ZONES, start_month=0, intensity=5)
    params = {"m3c.approval_chance": 0.0, "m3c.bass_p": FAST, "m3c.alpha": 2.0}
    model = run_model(seed, policy=policy, params=params, months=MONTHS)
    own = model.measure_kpis().query("measure == '3c'")
    assert own["eligible"].sum() > 0
    assert (own["aware"] == 0).all() and (own["adopted"] == 0).all()
    assert (own["benefit_rmb_m"] == 0).all()
    assert not model.measures.approved[model.measures.index["3c"]]


def test_a_sure_approval_that_comes_later_delays_uptake():
    policy = Policy.baseline().with_measure("3c", zones=ALL_ZONES, start_month=0, intensity=5)
    first = []
    for months in (0.0, 12.0):
        params = {"m3c.approval_chance": 1.0, "m3c.approval_months": months, "m3c.bass_p": FAST}
        model = run_model(1, policy=policy, params=params, months=MONTHS)
        k = model.measures.index["3c"]
        approved_at = model.measures.approval_month[k]
        own = model.measure_kpis().query("measure == '3c' and aware > 0")
        assert own["month"].min() >= approved_at  # nobody hears of it before it is approved
        first.append(approved_at)
    assert first[0] == 0 and first[1] > 0


def test_approval_draws_are_monotone_in_the_chance_and_the_same_per_seed():
    def delays(chance, seed):
        return approval_delays(np.full(50, chance), np.full(50, 12.0), np.random.default_rng(seed))

    low, high = delays(0.3, 7), delays(0.8, 7)
    assert np.isfinite(high)[np.isfinite(low)].all()  # approved at 0.3: approved at 0.8
    assert np.array_equal(low[np.isfinite(low)], high[np.isfinite(low)])  # and as early
    assert 0.1 < np.isfinite(low).mean() < 0.5 < np.isfinite(high).mean()
    assert (delays(1.0, 7) >= 1).all() and np.isfinite(delays(1.0, 7)).all()
    no_wait = approval_delays(np.ones(5), np.zeros(5), np.random.default_rng(1))
    assert (no_wait == 0).all()


def test_the_same_seed_approves_alike_in_every_scenario():
    plan = run_model(3, months=2)
    only_3c = Policy.baseline().with_measure("3c", zones=["jiading"])
    narrower = run_model(3, policy=only_3c, months=2)
    k = plan.measures.index["3c"]
    assert plan.measures.approval_month[k] - plan.measures.start[k] == (
        narrower.measures.approval_month[k] - narrower.measures.start[k]
    )
