"""Where firms go: a nested logit over the six zones with an outside option (entry), and
the same utilities with a moving cost (relocation) — mechanisms.md 2.4.

Utility of zone j for a firm of sector s:
    V_js = ASC_js + b_rent ln(rent_j / rent0_j) + b_agg ln(1 + N_js) + b_pol PolicyIndex_js
           + b_space room_js
ASC_js makes a sector's entrants split across zones in proportion to the zone's expected
firms of that sector at the start (so entries replace exits zone by zone); the outside
option's utility is set so that a share ``entry.zone_share`` of potential entrants choose a
zone at the start. Relocating firms do not count as entries or exits.
"""

from __future__ import annotations

import numpy as np

from .parameters import Parameters

ZONES = -2  # the zone axis of utilities: zones x sectors, or months x zones x sectors


class LocationChoice:
    """Location utilities and choice probabilities (zones x sectors).

    Parameters
    ----------
    prm : Parameters
    expected : (Z, S) expected firms per zone and sector at the start (zone firms x mix)
    counts : (Z, S) firms per zone and sector at the start
    rent0 : (Z,) starting rents
    """

    def __init__(
        self, prm: Parameters, expected: np.ndarray, counts: np.ndarray, rent0: np.ndarray
    ):
        self.prm = prm
        self.rent0 = rent0
        self.nest = prm["entry.nest_lambda"]
        self.asc = self.nest * np.log(expected) - prm["entry.beta_agglomeration"] * np.log1p(counts)
        start = self.utilities(rent0, counts, np.zeros_like(expected), np.ones_like(expected))
        share = prm["entry.zone_share"]
        self.outside = self.inclusive_value(start) - np.log(share / (1 - share))

    def utilities(self, rent, counts, policy_index, room) -> np.ndarray:
        prm = self.prm
        return (
            self.asc
            + prm["entry.beta_rent"] * np.log(rent / self.rent0)[:, None]
            + prm["entry.beta_agglomeration"] * np.log1p(counts)
            + prm["entry.beta_policy"] * policy_index
            + prm["entry.beta_space"] * room
        )

    def inclusive_value(self, v: np.ndarray) -> np.ndarray:
        """lambda x log sum_j exp(V_js / lambda), per sector."""
        return self._nest_terms(v)[0]

    def entry_probabilities(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """P(choose one of the zones) per sector, and P(zone | a zone) as (Z, S)."""
        iv, weight, total = self._nest_terms(v)
        p_in = 1 / (1 + np.exp(self.outside - iv))
        return p_in, weight / total

    def own_gain_entry(self, v: np.ndarray, gain: np.ndarray) -> np.ndarray:
        """How much each zone's own utility ``gain`` (Z x S; the part of ``v`` it adds)
        raises the chance that an entrant of the sector chooses that zone (Z x S): the mean
        of the rise it gives when added first (to ``v - gain``) and when added last (to the
        other zones' gains), i.e. the zone's Shapley share of the change against the other
        zones' gains. The rest of the change from ``v - gain`` to ``v`` is what the other
        zones' gains take from it. ``v`` and ``gain`` may hold several months (M x Z x S)."""
        first = np.subtract(*self._chances(v - gain, gain))
        without_own, with_all = self._chances(v, -gain)
        # exactly 0 without a gain (the sums above round in the last digit)
        return np.where(gain == 0, 0.0, (first + with_all - without_own) / 2)

    def _chances(self, v: np.ndarray, change: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """P(an entrant chooses zone j) per sector (Z x S) if only zone j's utility changed
        by ``change[j]``, the other zones as in ``v`` (one case per zone, all at once); and
        with ``v`` as it is."""
        top, weight, total = self._weights(v)
        top, total = np.expand_dims(top, ZONES), np.expand_dims(total, ZONES)
        changed = weight * np.exp(change / self.nest)
        total_changed = total + changed - weight  # per zone j: the sum with j changed
        return (
            changed / total_changed / self._outside_odds(top, total_changed),
            weight / total / self._outside_odds(top, total),
        )

    def _outside_odds(self, top: np.ndarray, total: np.ndarray) -> np.ndarray:
        """1 / P(choose one of the zones), from the nest's terms."""
        return 1 + np.exp(self.outside - self.nest * (top + np.log(total)))

    def _nest_terms(self, v: np.ndarray):
        """Inclusive value per sector, and exp(V / lambda) per zone (scaled by the largest in
        the sector, for stability) with its sum per sector."""
        top, weight, total = self._weights(v)
        return self.nest * (top + np.log(total)), weight, total

    def _weights(self, v: np.ndarray):
        """The largest V / lambda per sector, exp(V / lambda) per zone scaled by it, and
        their sum per sector."""
        scaled = v / self.nest
        top = scaled.max(axis=ZONES)
        weight = np.exp(scaled - np.expand_dims(top, ZONES))
        return top, weight, weight.sum(axis=ZONES)
