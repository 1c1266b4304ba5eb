"""What enterprises do each month, for all firms at once (ODD submodels 1-5).

Each function reads and updates a :class:`~zonesim.agents.population.FirmTable` in place.
Matrices have one row per firm and one column per measure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model.calendar import MONTHS_PER_YEAR
from .population import pairs_of


@dataclass
class Peers:
    """What firms see of adopters around them, per measure: the adopter share among eligible
    firms in the zone (Z x K) and in the zone and sector cell (cells x K), the adopters' mean
    realised benefit as a share of profit in the cell (cells x K; 0 where none), and the
    number of adopters in the cell (cells x K)."""

    zone_share: np.ndarray
    cell_share: np.ndarray
    cell_mean_benefit: np.ndarray
    cell_adopters: np.ndarray


def peers(f, benefit: np.ndarray, n_zones: int, n_sectors: int) -> Peers:
    """Adopter shares (0 where nobody is eligible) and adopters' mean realised benefit / profit.
    ``benefit`` is each firm's annual benefit from each measure (n x K, RMB million)."""
    rows, cols = pairs(f.adopted)
    adopted, realised = f.cell_sums(rows, cols, benefit[rows, cols] / f.profit[rows])
    eligible = f.eligible_in_cell
    return Peers(
        zone_share=share(cells_to_zones(adopted, n_zones), cells_to_zones(eligible, n_zones)),
        cell_share=share(adopted, eligible),
        cell_mean_benefit=share(realised, adopted),
        cell_adopters=adopted,
    )


def cells_to_zones(per_cell: np.ndarray, n_zones: int) -> np.ndarray:
    """Sum a (zone x sector cells) x K array over each zone's sectors: Z x K."""
    # np.add.reduce is what .sum calls, without the Python wrapper: this runs thrice a month
    return np.add.reduce(per_cell.reshape(n_zones, -1, per_cell.shape[-1]), axis=1)


def share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """part / whole, 0 where whole is 0."""
    return np.divide(part, whole, out=np.zeros(part.shape), where=whole > 0)


def bass_hazard(live: np.ndarray, zone_share: np.ndarray, book) -> np.ndarray:
    """This month's Bass hazard of becoming aware, per zone and measure (Z x K): intensity x p
    + q x (adopter share in the zone), a year's rate over 12, exactly zero where the measure
    is off (``live``: Z x K)."""
    rate = book.intensity * book.p + book.q * zone_share
    return np.where(live, rate / MONTHS_PER_YEAR, 0.0)


def become_aware(f, exposure: np.ndarray) -> np.ndarray:
    """Bass awareness. Each firm learns of a measure once the cumulative hazard of its zone
    (``exposure``: Z x K, summed over the months the measure was live there) passes the
    firm's own ``aware_at``: the exposure when the firm arrived plus a unit exponential
    drawn then. Equivalent to a fresh draw each month against 1 - exp(-hazard), with one
    draw per firm and measure for life. Exposure grows only where a measure is live, and a
    measure once live stays live, so a threshold passed means the measure is live in the
    firm's zone: nobody learns of a measure that is off. Returns the newly aware firms
    (n x K)."""
    new = (exposure.astype(np.float32).take(f.zone, axis=0) > f.aware_at) & ~f.aware
    f.aware |= new
    return new


PROFIT_FLOOR = 1e-6  # RMB million: keeps ratios to profit finite for firms near zero revenue


RMB_PER_MILLION = 1e6  # rents are in RMB, money elsewhere in RMB million


def profit(f, rent_gain: np.ndarray | float = 0.0) -> np.ndarray:
    """Annual operating profit, RMB million (floored at PROFIT_FLOOR): the sector's margin on
    revenue, which includes the rent the firm's space cost at the zone's starting rent, plus
    ``rent_gain`` (see :func:`rent_gain`)."""
    return np.maximum(f.margin * f.revenue + rent_gain, PROFIT_FLOOR)


def rent_gain(f, rent: np.ndarray, start_rent: np.ndarray, prm) -> np.ndarray:
    """Rent a firm saves a year, RMB million (negative: extra rent it pays): what the floor
    its base revenue needed at the start cost at the zone's starting rent, less what its
    floor costs at the zone's rent now (``rent``, ``start_rent``: RMB/m²/day per zone)."""
    at_start = start_rent[f.zone] * f.floor_intensity * f.base * (1 + f.extra_floor_share)
    return at_start * (prm["time.days_per_year"] / RMB_PER_MILLION) - rent_paid(f, rent, prm)


def rent_paid(f, rent: np.ndarray, prm) -> np.ndarray:
    """Annual rent each firm pays for its floor at its zone's ``rent``, RMB million."""
    return rent[f.zone] * f.floor * (prm["time.days_per_year"] / RMB_PER_MILLION)


def annuity_factor(rate: float, years: float) -> float:
    """Present value of 1 a year for ``years`` years at ``rate``."""
    return (1 - (1 + rate) ** -years) / rate


def decide(f, seen: Peers, effects, book, prm, review) -> tuple[np.ndarray, np.ndarray]:
    """Adoption among aware, eligible non-adopters that review this month: a random-utility
    logit with a persistent taste per firm and measure. A firm adopts when

        alpha_k + beta_npv NPV/profit + beta_peer (adopter share in its zone and sector)
        + beta_size ln(revenue / reference) > taste_ik,

    where taste_ik is a standard logistic draw made when the firm was created. Among firms
    alike, the share that adopts is the logistic function of the utility; a firm that declines
    stays out until its utility rises (benefit, beliefs or peers), instead of adopting by
    chance at a later review.

    seen gives the adopter share in each cell; effects (a
    mechanisms.Assessment) gives the size-dependent one-off cost on top of each measure's
    fixed cost; review holds the rows of the firms that review. Returns the (firm row,
    measure) pairs that say yes; the caller records the adoption."""
    # a firm is aware only of measures live in its zone (see become_aware; movers forget the
    # others), so aware pairs need no check against the policy
    # combined over all firms, then the reviewing rows taken once: gathering rows of a
    # matrix costs more than the element-wise operations on the whole of it
    candidates = (f.eligible & f.aware & ~f.adopted)[review]
    rows, cols = pairs(candidates, review)
    annual_profit = f.profit[rows]
    annuity = annuity_factor(prm["finance.loan_rate"], prm["decision.horizon_years"])
    fixed = book.fixed_cost[cols] + effects.at("fixed_cost", rows, cols)
    npv = annuity * (f.belief[rows, cols] - book.running_cost[cols] / annual_profit) - (
        fixed / annual_profit
    )
    size = np.log(f.revenue[rows] / prm["firms.reference_revenue"])
    utility = (
        book.alpha[cols]
        + prm["decision.beta_npv"] * npv
        + prm["decision.beta_peer"] * seen.cell_share[f.cell[rows], cols]
        + prm["decision.beta_size"] * size
    )
    yes = utility > f.taste[rows, cols]
    return rows[yes], cols[yes]


def learn_from_peers(f, seen: Peers, review: np.ndarray, weight: float) -> None:
    """Aware non-adopters that review (rows ``review``) move their belief (benefit / profit)
    toward the mean realised benefit of adopters in their zone and sector (mechanisms.md 1.4),
    where there are any."""
    have_peers = (seen.cell_adopters > 0).take(f.cell[review], axis=0)
    rows, cols = pairs((f.aware & ~f.adopted)[review] & have_peers, review)  # as in decide
    belief = f.belief[rows, cols]
    f.belief[rows, cols] = belief + weight * (seen.cell_mean_benefit[f.cell[rows], cols] - belief)


def drop_out(f, benefit: np.ndarray, book, review: np.ndarray, reviews_needed: float) -> None:
    """Adopters that review (rows ``review``) and whose benefit stays below the running cost
    for ``reviews_needed`` reviews in a row drop the measure."""
    rows, cols = pairs(f.adopted[review], review)
    below = benefit[rows, cols] < book.running_cost[cols]
    streak = np.where(below, f.below_cost[rows, cols] + 1, 0)
    f.below_cost[rows, cols] = streak
    out = streak >= reviews_needed
    rows, cols = rows[out], cols[out]
    f.adopted[rows, cols] = False
    f.below_cost[rows, cols] = 0
    f.belief[rows, cols] = benefit[rows, cols] / f.profit[rows]


def pairs(mask: np.ndarray, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The (firm row, measure) pairs where ``mask`` is True; ``mask`` covers firms ``rows``
    (all firms if None)."""
    index, cols = pairs_of(mask)
    return (index if rows is None else rows[index]), cols


def desired_growth(f, prm, extra_profit: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """Gibrat growth with size-dependent volatility plus reinvested extra profit (from
    measures and rent, RMB m/yr; negative when rent costs more than at the start): the base
    revenue each firm would reach this month if nothing held it back."""
    # sigma_ref x (base / reference) ^ -size_exponent, per month
    sigma = (
        prm["growth.sigma_ref"]
        / np.sqrt(MONTHS_PER_YEAR)
        * np.exp(-prm["growth.size_exponent"] * f.log_size)
    )
    policy = (
        prm["growth.reinvest_share"]
        * extra_profit
        / np.maximum(f.revenue, PROFIT_FLOOR)
        / MONTHS_PER_YEAR
    )
    return f.base * np.exp(f.drift / MONTHS_PER_YEAR + policy + sigma * eps)


def credit_cap(f, prm, credit_relief: np.ndarray) -> np.ndarray:
    """Highest base revenue a credit-constrained firm can finance with its credit limit plus
    the relief its measures bring (inf for the others)."""
    return (f.credit_limit + credit_relief) / prm["credit.wc_ratio"]


def log_size(base: np.ndarray, prm) -> np.ndarray:
    """ln(base revenue / firms.reference_revenue): the firm column ``log_size``, kept with
    ``base`` so that size effects cost one exponential each."""
    return np.log(base / prm["firms.reference_revenue"])


def size_factor(f, prm) -> np.ndarray:
    """(revenue / reference revenue) ^ -exit.size_elasticity: larger firms exit less."""
    return np.exp(-prm["exit.size_elasticity"] * f.log_size)


def exit_probability(f, prm, extra_profit: np.ndarray, size_norm: float = 1.0) -> np.ndarray:
    """Monthly exit chance: the annual rate as a monthly hazard, higher in the first year,
    lower for larger firms, and lower (higher) for firms that measures and rent make more
    (less) profitable than at the start (``extra_profit``, RMB m/yr). ``size_norm`` is the
    mean size factor of the starting firms, so that they exit at the annual rate."""
    base = -np.expm1(np.log1p(-prm["exit.annual_rate"]) / MONTHS_PER_YEAR)
    young = np.where(f.age < MONTHS_PER_YEAR, prm["exit.young_multiplier"], 1.0)
    size = size_factor(f, prm) / size_norm
    log_relief = -prm["exit.benefit_elasticity"] * extra_profit / f.profit
    # min(hazard, 1) taken on the log scale: a firm far in loss would overflow exp
    with np.errstate(divide="ignore"):  # a zero exit rate: log 0 = -inf, hazard 0
        return np.exp(np.minimum(np.log(base * young * size) + log_relief, 0.0))
