"""A measure changes nothing beyond its mechanism's reach: switched on with its attraction,
costs and the parameters that scale its effect at zero, every table but its own uptake equals
the baseline's with the same seed (entrants go where they went, firms grow and leave as they
did); with only its attraction at zero, the pull on entrants is nil."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ALL_ZONES, approved_at_once, run_model
from zonesim.model.checks import BeyondRange

from zonesim import Policy

MONTHS = 36
# per measure: the parameters that scale its effect, set to zero
NO_EFFECT = {
    "2b": {"m2b.service_cut": 0.0},
    "4": {"m4.carrying_rate": BeyondRange(0.0)},
    "5": {"m5.ltv": BeyondRange(0.0)},
    "7a": {"m7a.net_reduction": BeyondRange(0.0), "m7a.fee_per_transfer": BeyondRange(0.0)},
    "11": {"m11.hire_rate": BeyondRange(0.0), "m11.renewal_cost": BeyondRange(0.0)},
    "12": {"m12.turnover_cut": BeyondRange(0.0)},
}


def _on_alone(measure: str) -> Policy:
    return Policy.baseline().with_measure(measure, zones=ALL_ZONES, start_month=0, intensity=5)


@pytest.mark.parametrize("measure", sorted(NO_EFFECT))
def test_a_measure_without_effect_leaves_the_zones_as_they_were(measure):
    params = {
        **NO_EFFECT[measure],
        f"m{measure}.attraction": 0.0,
        f"m{measure}.fixed_cost": 0.0,
        f"m{measure}.running_cost": 0.0,
        **approved_at_once(measure),
    }
    on = run_model(2, policy=_on_alone(measure), params=params, months=MONTHS)
    base = run_model(2, policy=Policy.baseline(), months=MONTHS)
    assert on.measure_kpis().query(f"measure == '{measure}'")["adopted"].sum() > 0  # adopted, yet
    pd.testing.assert_frame_equal(on.zone_kpis(), base.zone_kpis())
    # the sector table's adopters count the measure's own adopters
    pd.testing.assert_frame_equal(
        on.sector_kpis().drop(columns="adopters"), base.sector_kpis().drop(columns="adopters")
    )
    # every table but its own uptake: other measures' uptake is the baseline's
    others = f"measure != '{measure}'"
    pd.testing.assert_frame_equal(
        on.measure_kpis().query(others).reset_index(drop=True),
        base.measure_kpis().query(others).reset_index(drop=True),
    )


def test_without_attraction_a_measure_does_not_pull_entrants():
    model = run_model(2, policy=_on_alone("2b"), params={"m2b.attraction": 0.0}, months=3)
    counts = np.bincount(model.firms.cell, minlength=model.firms.n_cells).reshape(6, -1)
    assert np.all(model.demography.policy_pull(model.demography.eligible_share(counts)) == 0)
    pulled = run_model(2, policy=_on_alone("2b"), months=3)
    assert np.any(pulled.demography.policy_pull(pulled.demography.eligible_share(counts)) > 0)
