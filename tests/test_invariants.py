"""Accounting identities and bounds that must hold in every zone and month."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_model, months_of, run_model

from zonesim import Policy

MONTHS = 48
SEED = 5
FLOAT_TOL = 1e-9  # relative, for floor space

CASES = {
    f"{name}-scale{scale}": (policy, scale)
    for name, policy in (("plan", Policy.plan_2024()), ("baseline", Policy.baseline()))
    for scale in (1, 3)
}


@pytest.fixture(scope="module", params=CASES.values(), ids=CASES.keys())
def run(request):
    """A model stepped to the horizon, with the Enterprise-agent count after every step."""
    policy, scale = request.param
    model = make_model(SEED, policy=policy, months=MONTHS, firm_scale=scale)
    agents = {0: len(model.enterprises())}
    rows = {0: len(model.firms)}
    aware_of_off_measures = 0
    for month in months_of(model):
        agents[month] = len(model.enterprises())
        rows[month] = len(model.firms)
        f = model.firms
        aware_of_off_measures += int((f.aware & ~model.live.T[f.zone]).sum())
    model.aware_of_off_measures = aware_of_off_measures
    return model, agents, rows


def test_every_month_and_zone_is_recorded_without_nan(run):
    model, _, _ = run
    kpis, uptake = model.zone_kpis(), model.measure_kpis()
    assert len(kpis) == (MONTHS + 1) * 6
    assert len(uptake) == (MONTHS + 1) * 6 * 21
    assert not kpis.isna().any().any(), kpis.columns[kpis.isna().any()].tolist()
    assert not uptake.isna().any().any(), uptake.columns[uptake.isna().any()].tolist()
    numeric = kpis.select_dtypes("number")
    assert np.isfinite(numeric.to_numpy(dtype=float)).all()


def test_floor_space_bounds(run):
    k = run[0].zone_kpis()
    assert (k.floor_stock_m2 > 0).all()
    assert (k.occupied_m2 >= 0).all()
    assert (k.vertical_stock_m2 >= 0).all()
    assert (k.vertical_stock_m2 <= k.floor_stock_m2).all()
    assert (k.rent_rmb_m2_day > 0).all()


def test_occupied_space_within_stock(run):
    k = run[0].zone_kpis()
    over = k[k.occupied_m2 > k.floor_stock_m2 * (1 + FLOAT_TOL)]
    assert over.empty, (
        "occupied > stock:\n"
        + over[["month", "zone", "occupied_m2", "floor_stock_m2", "entries", "relocations_in"]]
        .head()
        .to_string()
    )


def test_vacancy_is_a_share(run):
    k = run[0].zone_kpis()
    bad = k[(k.vacancy < -FLOAT_TOL) | (k.vacancy > 1 + FLOAT_TOL)]
    assert bad.empty, bad[["month", "zone", "vacancy"]].head().to_string()


def test_uptake_bounds(run):
    u = run[0].measure_kpis()
    assert (u.aware >= 0).all() and (u.eligible >= 0).all() and (u.adopted >= 0).all()
    over = u[u.adopted > u.eligible]
    assert over.empty, over.head().to_string()
    assert u.uptake_share.between(0, 1).all()


def test_firm_flows_add_up_in_each_zone(run):
    k = run[0].zone_kpis().sort_values(["zone", "month"])
    flows = ["entries", "exits", "relocations_in", "relocations_out"]
    assert (k[flows] >= 0).all().all() and (k.firms >= 0).all()
    assert (k.loc[k.month == 0, flows] == 0).all().all()
    change = k.groupby("zone").firms.diff()
    net = k.entries - k.exits + k.relocations_in - k.relocations_out
    later = k.month > 0
    wrong = k[later & (change != net)]
    assert wrong.empty, wrong[["month", "zone", "firms", *flows]].head().to_string()


def test_firm_flows_add_up_over_zones(run):
    k = run[0].zone_kpis()
    counts = ["firms", "entries", "exits", "relocations_in", "relocations_out"]
    total = k.groupby("month")[counts].sum()
    change = total.firms.diff().iloc[1:]
    assert (change == (total.entries - total.exits).iloc[1:]).all()
    assert (total.relocations_in == total.relocations_out).all()
    # something happened: the identities were not checked on a frozen population
    assert total.entries.sum() > 0 and total.exits.sum() > 0


def test_one_enterprise_agent_per_firm(run):
    model, agents, rows = run
    firms = model.zone_kpis().groupby("month").firms.sum()
    assert agents == rows
    assert {m: int(n) for m, n in firms.items()} == agents
    fids = sorted(a.fid for a in model.enterprises())
    assert fids == sorted(model.firms.fid.tolist())


def test_firms_know_only_of_measures_live_in_their_zone(run):
    """Awareness spreads only where a measure is live, and a firm that moves forgets the
    measures of its old zone; the decision relies on this (behaviour.decide)."""
    model, _, _ = run
    assert model.aware_of_off_measures == 0
    assert model.firms.aware.any() == model.live.any()  # not vacuous where measures are live


def test_sector_table_adds_up_to_the_zone_table(run):
    model, _, _ = run
    sectors, kpis = model.sector_kpis(), model.zone_kpis().set_index(["month", "zone"])
    assert len(sectors) == (MONTHS + 1) * 6 * len(model.sector_ids)
    assert not sectors.isna().any().any()
    summed = sectors.groupby(["month", "zone"]).sum(numeric_only=True).loc[kpis.index]
    for column in ("firms", "employment", "revenue_rmb_m", "imports_rmb_m", "exports_rmb_m"):
        np.testing.assert_allclose(summed[column], kpis[column], rtol=FLOAT_TOL, err_msg=column)
    assert (sectors["adopters"] <= sectors["firms"]).all()
    assert (sectors["floor_m2"] >= 0).all()
    if not model.policy.measures:  # the baseline: nobody uses a measure of the plan
        assert (sectors["adopters"] == 0).all()
    else:
        assert sectors.loc[sectors["month"] == MONTHS, "adopters"].sum() > 0


def test_expected_exits_match_realised_exits_on_average_with_less_variance():
    k = run_model(5, months=60).zone_kpis()
    later = k[k.month > 0].groupby("month")[["exits", "expected_exits"]].sum()
    realised, expected = later["exits"].sum(), later["expected_exits"].sum()
    # realised exits are a sum of Bernoulli draws with these probabilities: within 4 sd
    assert abs(realised - expected) < 4 * np.sqrt(expected)
    assert later["expected_exits"].var() < later["exits"].var()
    assert (k.expected_exits >= 0).all() and (k.loc[k.month == 0, "expected_exits"] == 0).all()


def test_a_higher_exit_rate_raises_expected_exits_in_the_first_month():
    low = make_model(5, months=1, params={"exit.annual_rate": 0.05}).run().zone_kpis()
    high = make_model(5, months=1, params={"exit.annual_rate": 0.12}).run().zone_kpis()
    first = [k.loc[k.month == 1, "expected_exits"].to_numpy() for k in (low, high)]
    assert (first[1] > first[0]).all()  # the same firms in month 1, each with a higher hazard
