"""Making firms: the starting population of each zone, and entrants later on."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..agents.behaviour import log_size, profit
from .mechanisms import trade_semi_elasticity, trade_share
from .parameters import Parameters

# firm column <- sector attribute in the parameter table ("sector.<id>.<attribute>")
SECTOR_COLUMNS = {
    "import_int": "import_intensity",
    "export_int": "export_intensity",
    "perishable_share": "perishable_share",
    "ecom_share": "ecom_share",
    "return_rate": "return_rate",
    "margin": "margin",
    "inventory_ratio": "inventory_ratio",
    "office_share": "office_share",
    "foreign_share": "foreign_staff_share",
    "revenue_per_employee": "revenue_per_employee",
    "drift": "growth_drift",
}


class FirmFactory:
    """Draws new firms' attributes from their sector's parameters.

    Parameters
    ----------
    prm : Parameters
    sector_ids : list of str
    can_go_vertical : bool array, one per sector: whether the sector can use multi-storey
        (vertical) space
    programme : bool array, one per sector: whether the up-the-floors programme's
        smart-manufacturing space serves the sector
    n_measures : int
    """

    def __init__(
        self,
        prm: Parameters,
        sector_ids: list[str],
        can_go_vertical: np.ndarray,
        programme: np.ndarray,
        n_measures: int,
    ):
        self.prm = prm
        self.n_sectors = len(sector_ids)
        self.n_measures = n_measures
        self.can_go_vertical = can_go_vertical
        self.programme = programme
        self.by_sector = {
            col: prm.vector(f"sector.{{}}.{attr}", sector_ids)
            for col, attr in SECTOR_COLUMNS.items()
        }
        self._sector_table = np.stack(list(self.by_sector.values()))  # columns x sectors
        self.tau_by_sector = trade_semi_elasticity(SimpleNamespace(**self.by_sector), prm)
        self.revenue_median = prm.vector("sector.{}.revenue_median", sector_ids)
        self.floor_per_employee = prm.vector("sector.{}.floor_per_employee", sector_ids)
        self.mnc_share = prm.vector("sector.{}.mnc_share", sector_ids)
        self.constrained_share = prm.vector("sector.{}.credit_constrained_share", sector_ids)

    def draw_revenue(self, sector: np.ndarray, rng: np.random.Generator, scale: float = 1.0):
        """Lognormal annual revenue (RMB million) around the sector median times ``scale``."""
        sd = self.prm["firms.revenue_log_sd"]
        return self.revenue_median[sector] * scale * np.exp(sd * rng.standard_normal(len(sector)))

    def floor_need(self, sector: np.ndarray, revenue: np.ndarray) -> np.ndarray:
        """Unscaled floor space (m²) a firm of this sector and revenue uses."""
        return (
            revenue
            / self.by_sector["revenue_per_employee"][sector]
            * self.floor_per_employee[sector]
        )

    def make(self, fid: np.ndarray, zone, sector, revenue, floor, age, rng: np.random.Generator):
        """Columns and matrices for new firms (arrays of equal length), all but ``eligible``,
        which the measures decide (MeasureBook.eligible)."""
        prm, n, k = self.prm, len(fid), self.n_measures
        cols = dict(zip(self.by_sector, self._sector_table[:, sector], strict=True))
        u_mnc, u_constrained, u_class_a, u_environment = rng.random((4, n))
        z_multiple, z_overseas, z_crossborder = rng.standard_normal((3, n))
        mnc = u_mnc < self.mnc_share[sector]
        multiple = prm["groups.domestic_multiple"] * np.exp(
            prm["groups.multiple_log_sd"] * z_multiple
        )
        group_domestic = np.where(mnc, revenue * multiple, 0.0)
        ratio_sd = prm["groups.ratio_log_sd"]
        constrained = u_constrained < self.constrained_share[sector]
        wc = prm["credit.wc_ratio"] * revenue
        cols.update(
            fid=fid,
            zone=zone,
            sector=sector,
            cell=zone * self.n_sectors + sector,
            can_go_vertical=self.can_go_vertical[sector],
            programme_sector=self.programme[sector],
            age=age,
            base=revenue,
            revenue=revenue.copy(),
            imports=revenue * cols["import_int"],
            exports=revenue * cols["export_int"],
            employees=revenue / cols["revenue_per_employee"],
            floor=floor,
            floor_intensity=floor / revenue,
            mnc=mnc,
            group_domestic=group_domestic,
            group_overseas=group_domestic
            * (prm["groups.overseas_ratio"] * np.exp(ratio_sd * z_overseas)),
            group_crossborder=group_domestic
            * (prm["groups.crossborder_ratio"] * np.exp(ratio_sd * z_crossborder)),
            group_members=np.where(mnc, 1 + rng.poisson(prm["groups.mean_members"] - 1, n), 0),
            class_a=u_class_a < prm["m7a.class_a_share"],
            # meets the environmental conditions for bonded repair (measure 1)
            environment_ok=u_environment < prm["m1.environment_ok_share"],
            credit_constrained=constrained,
            credit_limit=np.where(constrained, wc * (1 + prm["credit.slack"]), np.inf),
            in_vertical=np.zeros(n, dtype=bool),
            wants_vertical=np.zeros(n, dtype=bool),
            agent=np.full(n, None, dtype=object),  # its Enterprise agent (weakly), once in a zone
            space_constrained=np.zeros(n, dtype=bool),
            days_saved=np.zeros(n),
            policy_profit=np.zeros(n),
            rent_gain=np.zeros(n),
            extra_floor_share=np.zeros(n),  # floor a measure brings into the zone (10a)
            unmet_floor_share=np.zeros(n),  # share of last month's wanted floor not granted
        )
        attributes = SimpleNamespace(**cols)
        cols.update(
            log_size=log_size(revenue, prm),
            profit=profit(attributes),
            trade_share=trade_share(attributes),
        )
        mats = {
            "aware": np.zeros((n, k), dtype=bool),
            "adopted": np.zeros((n, k), dtype=bool),
            "belief": np.zeros((n, k), dtype=np.float32),
            "belief_bias": np.exp(prm["decision.belief_sd"] * rng.standard_normal((n, k))).astype(
                np.float32
            ),
            # Bass exposure still to go before the firm learns of each measure (unit
            # exponential; the model adds its zone's exposure so far, see behaviour.become_aware)
            "aware_at": rng.standard_exponential((n, k), dtype=np.float32),
            "below_cost": np.zeros((n, k), dtype=np.int8),
            # persistent taste for each measure: standard logistic (see behaviour.decide)
            "taste": rng.logistic(size=(n, k)).astype(np.float32),
        }
        return cols, mats
