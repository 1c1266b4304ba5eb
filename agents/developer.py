"""The Developer agent: one per zone, builds multi-storey floor space under the FAR cap."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import mesa

from ..model.calendar import MONTHS_PER_YEAR

if TYPE_CHECKING:
    from ..model.model import ZoneModel


class Developer(mesa.Agent):
    """Adds vertical floor space toward a target vacancy, up to land x FAR cap, when the
    UrbanSim-style pro forma says it pays, and completes it after a build lag.

    Parameters
    ----------
    model : ZoneModel
    zone : int
        Index of the zone this developer builds in.
    """

    model: ZoneModel

    def __init__(self, model: ZoneModel, zone: int):
        super().__init__(model)
        self.zone = zone
        prm = model.prm
        lag = int(prm["space.build_lag"])
        if lag < 1:
            raise ValueError(f"space.build_lag must be at least 1 month, got {lag}")
        self.pipeline = deque([0.0] * lag)  # m² completing in 1, 2, ..., lag months
        self.plot_m2 = float(model.space.plot_m2[zone])
        self.far_now = float(model.space.far_now[zone])
        # the pro forma: capitalised rent must cover construction cost times the profit factor
        cost = prm["space.build_cost_vertical"] * prm["space.profit_factor"]
        earning = (
            prm["time.days_per_year"] * prm["space.building_efficiency"] / prm["space.cap_rate"]
        )
        self.rent_that_pays = cost / earning  # RMB/m²/day
        self.stock_per_demand = 1 / (1 - prm["space.target_vacancy"])
        self.build_share = prm["space.build_share"]
        self.programme_share = (
            prm["m10b.programme_rate"] / MONTHS_PER_YEAR
        )  # of buildable, per month

    def build(self) -> None:
        """One month: complete what is due, then start new vertical space if it pays: the
        larger of what demand calls for (firms in or queuing for vertical space, at the target
        vacancy) and what the up-the-floors programme builds ahead of demand."""
        space, z = self.model.space, self.zone
        space.vertical_stock[z] += self.pipeline.popleft()
        self.pipeline.append(0.0)

        planned = float(space.vertical_stock[z]) + sum(self.pipeline)
        buildable = self.buildable()
        headroom = buildable - planned
        if headroom <= 0 or not self.pays():
            return
        demand = float(space.vertical_occupied[z] + self.model.waiting_floor[z])
        for_demand = (demand * self.stock_per_demand - planned) * self.build_share
        # The programme builds ahead of demand (government-led), for as long as it pays.
        programme = self.programme_share * buildable
        self.pipeline[-1] += min(max(for_demand, programme, 0.0), headroom)

    def buildable(self) -> float:
        """Vertical m² the zone's plots may carry above the legacy FAR."""
        return self.plot_m2 * max(float(self.model.far_cap[self.zone]) - self.far_now, 0.0)

    def pays(self) -> bool:
        """Capitalised rent covers construction cost times the required profit factor."""
        return float(self.model.space.rent[self.zone]) >= self.rent_that_pays
