"""The 21 sub-measures as arrays: who is eligible, Bass rates, decision intercepts, costs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .parameters import Parameters
from .scenario import Policy
from .tables import measure_table

FAR_MEASURE = "10b"  # the higher floor-area ratio: the measure the zones' FAR cap follows

# Eligibility rules beyond the sector list (measures.csv column "eligibility").
Rule = Callable[["object", Parameters], np.ndarray]


def _cash_pool_group(f, prm: Parameters) -> np.ndarray:
    return (
        f.mnc
        & (f.group_domestic >= prm["m6.threshold_domestic_revenue"])
        & (f.group_overseas >= prm["m6.threshold_overseas_revenue"])
        & (f.group_crossborder >= prm["m6.threshold_crossborder_flows"])
        & (f.group_members >= prm["m6.threshold_members"])
    )


RULES: dict[str, Rule] = {
    "none": lambda f, prm: np.ones(len(f.fid), dtype=bool),
    "environment_ok": lambda f, prm: f.environment_ok.copy(),
    # a zone-level measure (13: projects referred to the zone): no firm adopts it
    "zone_level": lambda f, prm: np.zeros(len(f.fid), dtype=bool),
    "ecommerce": lambda f, prm: f.ecom_share > 0,
    "cash_pool_group": _cash_pool_group,
    "credit_constrained_inventory": lambda f, prm: f.credit_constrained & (f.inventory_ratio > 0),
    "two_way_class_a": lambda f, prm: (f.import_int > 0) & (f.export_int > 0) & f.class_a,
    "mnc": lambda f, prm: f.mnc.copy(),
    "trading": lambda f, prm: (f.import_int + f.export_int) > 0,
    "office": lambda f, prm: f.office_share > 0,
    "can_go_vertical": lambda f, prm: f.can_go_vertical.copy(),
    # vertical space the programme does not serve: only 10b's several uses per building open it
    "vertical_beyond_programme": lambda f, prm: f.can_go_vertical & ~f.programme_sector,
}


def approval_delays(chance: np.ndarray, mean_months: np.ndarray, rng) -> np.ndarray:
    """Months from a measure's start until its approval arrives: inf where it never does
    (probability 1 - ``chance``), else an exponential wait with mean ``mean_months``, rounded
    up to whole months (0 for a measure that needs no approval). One pair of uniform draws
    per measure, so the same seed gives the same approvals in every scenario, and a higher
    chance approves in every run a lower chance does."""
    u_granted, u_wait = rng.random((2, len(chance)))
    wait = np.ceil(-mean_months * np.log1p(-u_wait))
    return np.where(u_granted < chance, wait, np.inf)


class MeasureBook:
    """Per-measure constants (length-K arrays) and the policy's switches.

    Parameters
    ----------
    prm : Parameters
    policy : Policy
    zone_ids, sector_ids : list of str
    """

    def __init__(
        self,
        prm: Parameters,
        policy: Policy,
        zone_ids: list[str],
        sector_ids: list[str],
        rng: np.random.Generator,
    ):
        table = measure_table()
        self.ids: list[str] = list(table.index)
        self.mechanism: list[str] = list(table["mechanism"])
        self.rule: list[str] = list(table["eligibility"])
        self._rules = sorted(set(self.rule))
        self._rule_of = np.array([self._rules.index(name) for name in self.rule])
        K, Z = len(self.ids), len(zone_ids)
        self.index = {m: k for k, m in enumerate(self.ids)}

        def per_measure(attr: str) -> np.ndarray:
            return np.array([prm[f"m{m}.{attr}"] for m in self.ids])

        # the table's p and q are per measure; the scales are fitted to uptake patterns
        self.p = per_measure("bass_p") * prm["uptake.p_scale"]
        self.q = per_measure("bass_q") * prm["uptake.q_scale"]
        self.alpha = per_measure("alpha")
        self.fixed_cost, self.running_cost = per_measure("fixed_cost"), per_measure("running_cost")
        self.attraction = per_measure("attraction")

        # sector_ok[k, s]: sector s is in measure k's list
        self.sector_ok = np.zeros((K, len(sector_ids)), dtype=bool)
        for k, listed in enumerate(table["eligible_sectors"]):
            names = sector_ids if listed == "all" else listed.split(";")
            self.sector_ok[k, [sector_ids.index(s) for s in names]] = True

        # pull[k, s]: how much measure k draws entrants of sector s to a zone where it is live
        self.pull = self.attraction[:, None] * self.sector_ok

        # The policy: where, from when and how strongly each measure applies.
        self.enabled_in = np.zeros((K, Z), dtype=bool)
        self.start = np.zeros(K, dtype=int)
        self.intensity = np.zeros(K)
        for mid, setting in policy.measures.items():
            if not setting.enabled:
                continue
            k = self.index[mid]
            self.enabled_in[k, [zone_ids.index(z) for z in setting.zones]] = True
            self.start[k] = setting.start_month
            self.intensity[k] = setting.intensity
        # Approvals: only a measure whose text hedges it has approval rows; the others apply
        # from their start month.
        hedged = np.array([f"m{m}.approval_chance" in prm for m in self.ids])
        chance, months = np.ones(K), np.zeros(K)
        for k in hedged.nonzero()[0]:
            chance[k] = prm[f"m{self.ids[k]}.approval_chance"]
            months[k] = prm[f"m{self.ids[k]}.approval_months"]
        self.approval_month = self.start + approval_delays(chance, months, rng)

    def __len__(self) -> int:
        return len(self.ids)

    def live(self, month: int) -> np.ndarray:
        """live[k, z]: measure k applies in zone z this month (enabled there, and approved by
        then where it needs an approval)."""
        return self.enabled_in & (month >= self.approval_month)[:, None]

    @property
    def approved(self) -> np.ndarray:
        """approved[k]: measure k's approval comes at all (its month is finite: it may fall
        after the horizon), or it needs none."""
        return np.isfinite(self.approval_month)

    def eligible(self, firms, prm: Parameters) -> np.ndarray:
        """eligible[i, k]: firm i meets measure k's sector list and rule (shape n x K).

        Every rule reads attributes a firm keeps for life, so this is computed once per firm."""
        passes = np.stack([RULES[name](firms, prm) for name in self._rules])  # rules x n
        return (self.sector_ok[:, firms.sector] & passes[self._rule_of]).T
