"""What enterprises do each month, for all firms at once (ODD submodels 1-5).

Each function reads and updates a :class:`~zonesim.agents.population.FirmTable` in place.
Matrices have one row per firm and one column per measure.
"""

from __future__ import annotations

import numpy as np

MONTHS = 12.0  # rates in the parameter table are per year; the step is a month


def expit(x: np.ndarray) -> np.ndarray:
    """Logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


def cell_sums(cell: np.ndarray, n_cells: int, values: np.ndarray) -> np.ndarray:
    """Column sums of ``values`` (n x K) within each cell: shape (n_cells, K)."""
    k = values.shape[1]
    idx = (cell[:, None] * k + np.arange(k)).ravel()
    sums = np.bincount(idx, weights=values.ravel(), minlength=n_cells * k)
    return sums.reshape(n_cells, k)


def adopter_shares(f, n_zones: int, n_sectors: int) -> tuple[np.ndarray, np.ndarray]:
    """Adopters as a share of eligible firms, per firm and measure, in (a) the firm's zone
    and (b) the firm's zone and sector. Both n x K; 0 where nobody is eligible."""
    cell = f.zone * n_sectors + f.sector
    n_cells = n_zones * n_sectors
    adopted = cell_sums(cell, n_cells, f.adopted)
    eligible = cell_sums(cell, n_cells, f.eligible)
    zone_adopted = adopted.reshape(n_zones, n_sectors, -1).sum(axis=1)
    zone_eligible = eligible.reshape(n_zones, n_sectors, -1).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        in_zone = np.where(zone_eligible > 0, zone_adopted / zone_eligible, 0.0)
        in_cell = np.where(eligible > 0, adopted / eligible, 0.0)
    return in_zone[f.zone], in_cell[cell]


def become_aware(f, live: np.ndarray, zone_share: np.ndarray, book, u: np.ndarray) -> np.ndarray:
    """Bass awareness: hazard (intensity x p + q x adopter share in the zone), only where the
    measure is live, so exactly zero where it is off. Returns the newly aware (n x K)."""
    rate = book.intensity * book.p + book.q * zone_share
    new = live & ~f.aware & (u < -np.expm1(-rate / MONTHS))
    f.aware |= new
    return new


def profit(f) -> np.ndarray:
    """Annual operating profit, RMB million (floored to keep ratios finite)."""
    return np.maximum(f.margin * f.revenue, 1e-6)


def annuity_factor(rate: float, years: float) -> float:
    """Present value of 1 a year for ``years`` years at ``rate``."""
    return (1 - (1 + rate) ** -years) / rate


def decide(f, live, cell_share, book, prm, review: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Logit adoption among aware, eligible non-adopters that review this month, on the
    believed NPV (relative to annual profit), peers in the same zone and sector, and size.
    Returns the firms that say yes (n x K); the caller records the adoption."""
    rows, cols = np.nonzero(live & f.eligible & f.aware & ~f.adopted & review[:, None])
    annual_profit = profit(f)[rows]
    annuity = annuity_factor(prm["finance.loan_rate"], prm["decision.horizon_years"])
    npv = annuity * (f.belief[rows, cols] - book.running_cost[cols] / annual_profit) - (
        f.fixed_cost[rows, cols] / annual_profit
    )
    size = np.log(f.revenue[rows] / prm["firms.reference_revenue"])
    utility = (
        book.alpha[cols]
        + prm["decision.beta_npv"] * npv
        + prm["decision.beta_peer"] * cell_share[rows, cols]
        + prm["decision.beta_size"] * size
    )
    yes = np.zeros_like(f.adopted)
    yes[rows, cols] = u[rows, cols] < expit(utility)
    return yes


def learn_from_peers(f, n_zones: int, n_sectors: int, review: np.ndarray, weight: float) -> None:
    """Aware non-adopters that review move their belief (benefit / profit) toward the mean
    realised benefit of adopters in their zone and sector (mechanisms.md 1.4)."""
    cell = f.zone * n_sectors + f.sector
    n_cells = n_zones * n_sectors
    realised = np.where(f.adopted, f.benefit / profit(f)[:, None], 0.0)
    count = cell_sums(cell, n_cells, f.adopted)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (cell_sums(cell, n_cells, realised) / count)[cell]
    learners = f.aware & ~f.adopted & review[:, None] & (count[cell] > 0)
    f.belief[learners] += weight * (mean[learners] - f.belief[learners])


def drop_out(f, book, review: np.ndarray, reviews_needed: float) -> np.ndarray:
    """Adopters whose benefit stays below the running cost for ``reviews_needed`` reviews in a
    row drop the measure; adopters no longer eligible drop it at once. Returns the drop-outs."""
    reviewing = f.adopted & review[:, None]
    below = reviewing & (f.benefit < book.running_cost)
    f.below_cost = np.where(reviewing, np.where(below, f.below_cost + 1, 0), f.below_cost)
    out = (f.adopted & (f.below_cost >= reviews_needed)) | (f.adopted & ~f.eligible)
    f.adopted &= ~out
    f.below_cost[out] = 0
    f.belief[out] = (f.benefit / profit(f)[:, None])[out]
    return out


def desired_growth(f, prm, policy_profit: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """Gibrat growth with size-dependent volatility plus reinvested policy profit: the
    base revenue each firm would reach this month if nothing held it back."""
    size = f.base / prm["firms.reference_revenue"]
    sigma = prm["growth.sigma_ref"] * size ** -prm["growth.size_exponent"] / np.sqrt(MONTHS)
    policy = prm["growth.reinvest_share"] * policy_profit / np.maximum(f.revenue, 1e-9) / MONTHS
    return f.base * np.exp(f.drift / MONTHS + policy + sigma * eps)


def credit_cap(f, prm, credit_relief: np.ndarray) -> np.ndarray:
    """Highest base revenue a credit-constrained firm can finance (inf for the others)."""
    f.credit_limit = f.credit_limit * (1 + prm["credit.limit_growth"] / MONTHS)
    return (f.credit_limit + credit_relief) / prm["credit.wc_ratio"]


def exit_probability(f, prm, policy_profit: np.ndarray) -> np.ndarray:
    """Monthly exit chance: the annual rate as a monthly hazard, higher in the first year,
    lower for firms the policy makes more profitable."""
    base = -np.expm1(np.log1p(-prm["exit.annual_rate"]) / MONTHS)
    young = np.where(f.age < MONTHS, prm["exit.young_multiplier"], 1.0)
    relief = np.exp(-prm["exit.benefit_elasticity"] * policy_profit / profit(f))
    return np.minimum(base * young * relief, 1.0)
