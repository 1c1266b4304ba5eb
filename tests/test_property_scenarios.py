"""Property test: any valid scenario (measures on or off, any zones, start months within the
horizon, promotion intensities, measure parameters within their ranges) keeps the model's
invariants in every month."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zonesim
from zonesim import MeasureSetting, Policy

MONTHS = 24
MEASURES = list(zonesim.measures().index)
ZONES = list(zonesim.zones().index)
TABLE = zonesim.parameters()
MEASURE_PARAMS = [name for name in TABLE.index if name.split(".")[0][1:] in MEASURES]

settings_strategy = st.builds(
    MeasureSetting,
    enabled=st.booleans(),
    zones=st.frozensets(st.sampled_from(ZONES), min_size=1),
    start_month=st.integers(0, MONTHS - 1),
    intensity=st.floats(0.0, 5.0),
)


@st.composite
def scenarios(draw):
    chosen = draw(st.lists(st.sampled_from(MEASURES), unique=True, max_size=len(MEASURES)))
    policy = Policy({mid: draw(settings_strategy) for mid in chosen})
    names = draw(st.lists(st.sampled_from(MEASURE_PARAMS), unique=True, max_size=6))
    params = {
        name: draw(st.floats(TABLE.loc[name, "low"], TABLE.loc[name, "high"])) for name in names
    }
    return policy, params, draw(st.integers(0, 2**32 - 1))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_any_valid_scenario_keeps_the_invariants(scenario):
    policy, params, seed = scenario
    model = zonesim.ZoneModel(rng=seed, policy=policy, params=params, months=MONTHS)
    for _ in range(MONTHS):
        model.step()
        f = model.firms
        assert not (f.aware & ~model.live.T[f.zone]).any()  # aware only where live
        assert not (f.adopted & ~f.eligible).any()  # ineligible firms never adopt
        assert np.isfinite(f.revenue).all() and (f.floor >= 0).all()
    kpis, uptake = model.zone_kpis(), model.measure_kpis()
    assert not kpis.isna().any().any() and not uptake.isna().any().any()
    assert (kpis.occupied_m2 <= kpis.floor_stock_m2 * (1 + 1e-9)).all()
    assert (uptake.adopted <= uptake.eligible).all() and (uptake.aware <= uptake.eligible).all()
    flows = kpis.groupby("zone")[["entries", "exits", "relocations_in", "relocations_out"]]
    by_zone = kpis.pivot(index="month", columns="zone", values="firms")
    change = by_zone.iloc[-1] - by_zone.iloc[0]
    net = flows.sum().eval("entries - exits + relocations_in - relocations_out")
    assert (change == net.reindex(change.index)).all()
    off = {
        mid for mid in MEASURES if mid not in policy.measures or not policy.measures[mid].enabled
    }
    assert (uptake[uptake.measure.isin(off)][["aware", "adopted"]] == 0).all().all()
