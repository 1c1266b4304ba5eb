"""Docking with the Bass model: in the limit where every aware firm adopts at once and no
firm enters, exits or moves, the share of adopters must follow the closed-form Bass curve

    F(t) = (1 - exp(-(p+q) t)) / (1 + (q/p) exp(-(p+q) t)),   t in years.

Set-up: measure 8 (single window) on in all six zones from month 0, so every trading firm is
eligible; its logit intercept m8.alpha = 30 (a yes for certain); every firm reviews every
month; no exits, no minimum size, no relocation (and so, with entry calibrated on exits, no
entry). p and q are the model's effective rates for measure 8: the table's m8.bass_p and
m8.bass_q times the fitted uptake.p_scale and uptake.q_scale; the test switches to p = 0.1,
q = 0.6 (scales 1) only if those would not take F above 60% within the horizon.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ALL_ZONES, run_model, uptake_of
from zonesim.model.checks import BeyondRange

import zonesim
from zonesim import Policy

MONTHS = 120
SEEDS = range(10)
SCALE = 4.5  # about 2,050 firms
TOLERANCE = 0.03  # max abs difference in adopter share, month by month


def bass_curve(t_years: np.ndarray, p: float, q: float) -> np.ndarray:
    e = np.exp(-(p + q) * t_years)
    return (1 - e) / (1 + (q / p) * e)


def bass_rates() -> tuple[float, float]:
    table = zonesim.parameters()["value"]
    p = float(table["m8.bass_p"] * table["uptake.p_scale"])
    q = float(table["m8.bass_q"] * table["uptake.q_scale"])
    if bass_curve(np.array([MONTHS / 12]), p, q)[0] < 0.6:
        p, q = 0.1, 0.6
    return p, q


@pytest.fixture(scope="module")
def docking():
    p, q = bass_rates()
    policy = Policy.baseline().with_measure("8", zones=ALL_ZONES, start_month=0)
    params = {
        "m8.alpha": 30.0,
        "decision.review_prob": 1.0,
        "exit.annual_rate": 0.0,
        "firms.min_revenue": 0.0,
        "relocation.review_prob": 0.0,
        "m8.bass_p": p,
        "m8.bass_q": q,
        "uptake.p_scale": 1.0,  # p and q above are already the effective rates
        "uptake.q_scale": 1.0,
    }
    params = {name: BeyondRange(value) for name, value in params.items()}  # limits, on purpose
    runs = []
    for seed in SEEDS:
        model = run_model(seed, policy=policy, params=params, months=MONTHS, firm_scale=SCALE)
        by_month = uptake_of(model, "8").groupby("month")[["eligible", "aware", "adopted"]].sum()
        runs.append(by_month)
    return p, q, runs


def test_set_up_is_the_bass_limit(docking):
    _, _, runs = docking
    for by_month in runs:
        # a fixed population of about 2,000 eligible firms
        assert by_month.eligible.min() == by_month.eligible.max() >= 2000
        # the decision is always yes: adopters are the aware firms (allow a firm a month's lag)
        assert (by_month.aware - by_month.adopted).max() <= 0.005 * by_month.eligible.max()
        # nobody drops out
        assert (np.diff(by_month.adopted.to_numpy()) >= 0).all()


def test_adoption_follows_the_closed_form_bass_curve(docking):
    p, q, runs = docking
    share = np.mean([(r.adopted / r.eligible).to_numpy() for r in runs], axis=0)
    months = np.arange(MONTHS + 1)
    expected = bass_curve(months / 12, p, q)
    gap = np.abs(share - expected)
    worst = int(gap.argmax())
    assert gap.max() <= TOLERANCE, (
        f"p={p}, q={q}: max |simulated - Bass| = {gap.max():.4f} at month {worst} "
        f"(simulated {share[worst]:.4f}, Bass {expected[worst]:.4f}); yearly simulated "
        f"{np.round(share[::12], 3).tolist()} vs Bass {np.round(expected[::12], 3).tolist()}"
    )
    assert share[-1] > 0.5


def test_adoption_curve_is_s_shaped(docking):
    p, q, runs = docking
    share = np.mean([(r.adopted / r.eligible).to_numpy() for r in runs], axis=0)
    assert share[0] == 0
    assert (np.diff(share) >= 0).all(), "average adopter share falls in some month"
    # S-shape (q > p): quarterly gains rise to a peak after the first quarter, then fall off
    gain = np.diff(share[::3])
    peak = int(gain.argmax())
    assert q > p
    assert 0 < peak < len(gain) - 1, np.round(gain, 3)
    assert gain[-1] < gain[peak] / 2, np.round(gain, 3)
    # and the peak comes where the closed form puts it, t* = ln(q/p) / (p + q)
    assert abs((peak + 0.5) * 3 - 12 * np.log(q / p) / (p + q)) <= 4.5
