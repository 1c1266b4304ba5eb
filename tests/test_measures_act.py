"""Every sub-measure acts: turned on alone, everywhere, from month 0, promoted hard and made
attractive, some firm adopts it, it brings a benefit, and some zone KPI moves away from the
baseline run with the same seed. So no measure is a flag that changes nothing."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from conftest import ALL_ZONES, approved_at_once, run_model
from zonesim.model.checks import BeyondRange

import zonesim
from zonesim import Policy

SEED = 1
MONTHS = 36  # enough also for 10b, whose adopters need vertical space to be built first
FIRM_SCALE = 1.0
INTENSITY = 5.0  # promotion intensity: five times the Bass p below
# Both far above the table's ranges, on purpose:
BASS_P = BeyondRange(
    0.5
)  # 1/yr, m<id>.bass_p: with the intensity, nearly every firm hears within a year,
# so that even a measure with a handful of eligible firms gets adopters in every seed
ALPHA = BeyondRange(5.0)  # the measure's decision intercept, m<id>.alpha
KEYS = ["month", "zone"]


@cache
def _baseline_kpis() -> pd.DataFrame:
    model = run_model(SEED, policy=Policy.baseline(), months=MONTHS, firm_scale=FIRM_SCALE)
    return model.zone_kpis()


FIRM_LEVEL = [m for m, rule in zonesim.measures()["eligibility"].items() if rule != "zone_level"]


@pytest.mark.parametrize("measure", FIRM_LEVEL)
def test_measure_acts_alone(measure):
    policy = Policy.baseline().with_measure(
        measure, zones=ALL_ZONES, start_month=0, intensity=INTENSITY
    )
    model = run_model(
        SEED,
        policy=policy,
        params={
            f"m{measure}.alpha": ALPHA,
            f"m{measure}.bass_p": BASS_P,
            **approved_at_once(measure),
        },
        months=MONTHS,
        firm_scale=FIRM_SCALE,
    )
    uptake = model.measure_kpis()
    own = uptake[uptake["measure"] == measure]
    by_month = own.groupby("month")[["eligible", "adopted", "benefit_rmb_m"]].sum()
    peak = by_month.max().to_dict()
    assert peak["eligible"] > 0, f"{measure}: no eligible firm in {MONTHS} months"
    assert peak["adopted"] > 0, f"{measure}: no adopter in {MONTHS} months ({peak})"
    assert peak["benefit_rmb_m"] > 0, f"{measure}: adopters but no benefit ({peak})"
    # no other measure is on, so none has an adopter
    others = uptake[uptake["measure"] != measure]
    assert (others["adopted"] == 0).all()

    base = _baseline_kpis()
    kpis = model.zone_kpis()
    assert len(kpis) == len(base)
    both = base.merge(kpis, on=KEYS, suffixes=("_base", ""), validate="one_to_one")
    numeric = [c for c in base.select_dtypes("number").columns if c not in KEYS]
    moved = [
        c for c in numeric if not np.array_equal(both[c].to_numpy(), both[f"{c}_base"].to_numpy())
    ]
    assert moved, f"{measure}: adopted by up to {peak['adopted']:.0f} firms, yet no zone KPI moved"


def test_referred_projects_enter_the_zone_that_measure_13_serves():
    policy = Policy.baseline().with_measure("13", zones=["fengxian"], start_month=0)
    params = {"m13.referrals_per_year": 10.0}
    model = run_model(SEED, policy=policy, params=params, months=MONTHS, firm_scale=FIRM_SCALE)
    entries = model.zone_kpis().groupby("zone")["entries"].sum()
    base = _baseline_kpis().groupby("zone")["entries"].sum()
    assert entries["fengxian"] > base["fengxian"]
    assert (model.measure_kpis()["adopted"] == 0).all()  # a zone-level measure: no firm adopts it
