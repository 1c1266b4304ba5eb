"""A measure that is off does nothing: zero awareness and uptake, and no trace in any KPI."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import run_model, uptake_of

import zonesim
from zonesim import Policy

MONTHS = 36
SEED = 11
MEASURES = ["6", "2a", "10b", "8"]


def _assert_never_aware_or_adopted(model, measure_id):
    u = uptake_of(model, measure_id)
    assert len(u) == (MONTHS + 1) * 6
    assert (u.aware == 0).all(), u[u.aware != 0].head()
    assert (u.adopted == 0).all(), u[u.adopted != 0].head()
    assert (u.uptake_share == 0).all()
    assert (u.benefit_rmb_m == 0).all()
    f, k = model.firms, model.measures.index[measure_id]
    assert not f.aware[:, k].any() and not f.adopted[:, k].any()


@pytest.fixture(scope="module")
def plan_run():
    return run_model(SEED, policy=Policy.plan_2024(), months=MONTHS)


@pytest.mark.parametrize("measure_id", MEASURES)
def test_switched_off_measure_equals_never_configured(measure_id, plan_run):
    plan = Policy.plan_2024()
    others = [m for m in zonesim.measures().index if m != measure_id]
    disabled = run_model(SEED, policy=plan.with_measure(measure_id, enabled=False), months=MONTHS)
    absent = run_model(SEED, policy=plan.only(others), months=MONTHS)

    _assert_never_aware_or_adopted(disabled, measure_id)
    _assert_never_aware_or_adopted(absent, measure_id)
    # The check above can fail: with the measure on, firms do learn of it.
    assert plan_run.firms.aware[:, plan_run.measures.index[measure_id]].any()

    pd.testing.assert_frame_equal(disabled.zone_kpis(), absent.zone_kpis(), check_exact=True)
    # every measure's uptake, the switched-off one included (its eligibility too)
    pd.testing.assert_frame_equal(disabled.measure_kpis(), absent.measure_kpis(), check_exact=True)


@pytest.fixture(scope="module")
def baseline_run():
    return run_model(SEED, policy=Policy.baseline(), months=MONTHS)


@pytest.mark.parametrize("measure_id", ["6", "10b"])
def test_switched_off_measure_on_baseline_equals_baseline(measure_id, baseline_run):
    base = baseline_run
    policy = Policy.baseline().with_measure(measure_id, enabled=False)
    off = run_model(SEED, policy=policy, months=MONTHS)
    _assert_never_aware_or_adopted(off, measure_id)
    pd.testing.assert_frame_equal(off.zone_kpis(), base.zone_kpis(), check_exact=True)
    pd.testing.assert_frame_equal(off.measure_kpis(), base.measure_kpis(), check_exact=True)


def test_baseline_has_no_uptake_at_all(baseline_run):
    model = baseline_run
    u = model.measure_kpis()
    assert len(u) == (MONTHS + 1) * 6 * 21
    for col in ("aware", "adopted", "uptake_share", "benefit_rmb_m"):
        assert (u[col] == 0).all(), u[u[col] != 0].head()
    assert not model.firms.aware.any() and not model.firms.adopted.any()
    assert not model.firms.in_vertical.any()
