"""The counterfactual a planner would recognise: a space market with supply, a rent anchored
to Shanghai's market and paid by firms, and a start date the data set (issue 13)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from zonesim.agents import behaviour
from zonesim.model.market import MarketPath, monthly_record
from zonesim.model.parameters import Parameters

from zonesim import Policy, ZoneModel, ZoneScenario

SEEDS = (1, 2, 3)
MONTHS = 120


def _run(seed: int, **fields) -> ZoneModel:
    scenario = ZoneScenario(policy=Policy.baseline(), months=MONTHS, **fields)
    return ZoneModel(scenario.replace(rng=seed)).run()


def _summed(column: str, **fields) -> float:
    """A zone KPI summed over zones, months after month 0 and seeds."""
    total = 0.0
    for seed in SEEDS:
        k = _run(seed, **fields).zone_kpis()
        total += float(k.loc[k.month > 0, column].sum())
    return total


def test_rent_stays_near_its_anchor_under_a_flat_market():
    # No spiral: with the market flat, a zone's rent departs from the market's only as far as
    # its vacancy departs from the market's (space.vacancy_premium a unit share, so within
    # about a quarter either way), and the zones together do not drift away from it.
    kappa = Parameters()["space.vacancy_premium"]
    for seed in SEEDS:
        model = _run(seed, market="flat")
        k = model.zone_kpis()
        ratio = k.rent_rmb_m2_day / k.market_rent_rmb_m2_day
        assert ratio.between(0.7, 1.3).all(), ratio.describe().to_string()
        # in the last year each zone's rent sits where its vacancy puts it, not beyond
        last = k.month > MONTHS - 12
        gap = k.vacancy[last] - model.market.vacancy[k.month[last]]
        off = np.log(ratio[last]) + kappa * gap
        assert abs(off.mean()) < 0.03, off.describe().to_string()
        assert k.market_rent_rmb_m2_day.nunique() > 1  # the record's last months, then flat


def test_zone_rent_follows_the_market_path():
    flat = _run(1, market="flat").zone_kpis()
    glut = _run(1, market="glut").zone_kpis()
    last = MONTHS
    assert (
        glut[glut.month == last].rent_rmb_m2_day.to_numpy()
        < flat[flat.month == last].rent_rmb_m2_day.to_numpy()
    ).all()


def _starting_firms_gone(**fields) -> int:
    """Starting firms that have closed by the horizon, summed over seeds: the same firms
    (identities) under every market path, so that the count does not mix in the entrants a
    cheaper market brings, whose first year carries a higher exit hazard."""
    gone = 0
    for seed in SEEDS:
        model = _run(seed, **fields)
        starting = int(model.zone_kpis().query("month == 0").firms.sum())
        gone += starting - int((model.firms.ident < starting).sum())
    return gone


def test_a_dearer_market_lowers_entries_and_raises_exits():
    # flat keeps the market rent at its last record; recovery lets it fall while vacancy
    # is above its natural level: the flat path is the dearer one
    assert _summed("entries", market="flat") < _summed("entries", market="recovery")
    assert _starting_firms_gone(market="flat") > _starting_firms_gone(market="recovery")


def test_rent_enters_profit():
    prm = Parameters()
    firms = SimpleNamespace(
        zone=np.array([0, 1]),
        margin=np.array([0.1, 0.1]),
        revenue=np.array([100.0, 100.0]),
        base=np.array([100.0, 100.0]),
        floor=np.array([2000.0, 2000.0]),
        floor_intensity=np.array([20.0, 20.0]),
        extra_floor_share=np.array([0.0, 0.0]),  # floor a measure brings into the zone (10a)
    )
    start = np.array([1.5, 1.5])
    same = behaviour.rent_gain(firms, start, start, prm)
    assert np.allclose(same, 0.0)  # at the starting rent the margin already pays it
    dearer = behaviour.rent_gain(firms, np.array([1.5, 2.0]), start, prm)
    assert dearer[0] == 0.0 and dearer[1] == pytest.approx(-0.5 * 2000 * 365 / 1e6)
    profit = behaviour.profit(firms, dearer)
    assert profit[1] < profit[0]


def test_a_cheaper_market_raises_the_profit_of_the_same_firms():
    # the same starting firms two years on: where rent fell (glut), they earn more
    flat, glut = (_run_for(24, market=path) for path in ("flat", "glut"))
    both, in_flat, in_glut = np.intersect1d(flat.firms.fid, glut.firms.fid, return_indices=True)
    assert len(both) > 100
    gain_flat, gain_glut = flat.firms.rent_gain[in_flat], glut.firms.rent_gain[in_glut]
    assert gain_glut.mean() > gain_flat.mean()
    f = glut.firms
    assert np.allclose(f.profit, np.maximum(f.margin * f.revenue + f.rent_gain, 1e-6))


def _run_for(months: int, **fields) -> ZoneModel:
    scenario = ZoneScenario(policy=Policy.baseline(), months=months, **fields)
    return ZoneModel(scenario.replace(rng=1)).run()


def test_the_start_sets_the_market_state():
    prm = Parameters()
    record = monthly_record(prm)
    for start in ("2023-09", "2024-03", "2024-09"):
        model = ZoneModel(ZoneScenario(policy=Policy.baseline(), months=1, start=start))
        at = record.loc[pd.Period(start, freq="M")]
        assert np.allclose(model.space.rent, at.rent * model.space.premium)
        assert np.allclose(model.space.vacancy, at.vacancy)


def test_the_market_path_follows_the_record_then_the_scenario():
    prm = Parameters()
    path = MarketPath(prm, pd.Period("2024-03", freq="M"), 24, "recovery")
    assert path.rent[0] == pytest.approx(1.55)
    assert path.rent[9] == pytest.approx(1.42)  # 2024-12, the record's last month
    assert path.vacancy[9] == pytest.approx(0.257)
    assert (np.diff(path.vacancy[9:]) < 0).all()  # recovering toward the natural level
    flat = MarketPath(prm, pd.Period("2024-03", freq="M"), 24, "flat")
    assert (flat.rent[9:] == 1.42).all()
