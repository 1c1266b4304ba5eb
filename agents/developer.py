"""The Developer agent: one per zone, adds ground and vertical floor space."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import mesa

from ..model.calendar import MONTHS_PER_YEAR

if TYPE_CHECKING:
    from ..model.model import ZoneModel


class Developer(mesa.Agent):
    """Builds floor space in one zone and completes it after a build lag (space.build_lag).

    - Ordinary supply: ground-level space on the land left (space.ground_headroom), toward
      the market's natural vacancy, when the UrbanSim-style pro forma says it pays.
    - Vertical space above the legacy FAR, up to the zone's current cap (the programme's
      FAR once the citywide up-the-floors programme runs, the plan's higher cap where measure
      10b applies): the programme redevelops plots at its pace (programme.rate a year of the
      zone's plots, government-led and subsidised, ahead of demand, slowing in proportion
      as the zone's vertical space stands empty and stopping at programme.max_vacancy), and
      beyond that developers build toward the natural vacancy for the firms in or queuing
      for vertical space, as long as the pro forma pays.
    - The part of the new space that only the plan's higher cap allows is the plan's, kept
      apart (ZoneSpace.plan_stock) so that the plan is credited with its increment only.

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
        # m² completing in 1, 2, ..., lag months
        self.ground = deque([0.0] * lag)
        self.vertical = deque([0.0] * lag)
        self.plan_part = deque([0.0] * lag)  # of self.vertical: what only 10b allowed
        self.plot_m2 = float(model.space.plot_m2[zone])
        self.far_now = float(model.space.far_now[zone])
        # the pro forma: capitalised rent must cover construction cost times the profit factor
        earning = (
            prm["time.days_per_year"] * prm["space.building_efficiency"] / prm["space.cap_rate"]
        )
        self.pays_ground, self.pays_vertical = (  # RMB/m²/day
            prm[f"space.build_cost_{kind}"] * prm["space.profit_factor"] / earning
            for kind in ("ground", "vertical")
        )
        self.stock_per_demand = 1 / (1 - prm["market.natural_vacancy"])
        self.build_share = prm["space.build_share"]
        self.programme_share = prm["programme.rate"] / MONTHS_PER_YEAR  # of its headroom
        self.programme_max_vacancy = prm["programme.max_vacancy"]

    def build(self) -> None:
        """One month: complete what is due, then start ground and vertical space."""
        self.complete()
        rent = float(self.model.space.rent[self.zone])
        if rent >= self.pays_ground:
            self.start_ground()
        # the programme's pace is government-led (awards, special loans, no land premium on
        # raised FAR: zones_facts.md §5); building for demand must pay
        self.start_vertical(for_demand=rent >= self.pays_vertical)

    def complete(self) -> None:
        """Space started build_lag months ago joins the zone's stock."""
        space, z = self.model.space, self.zone
        space.ground_stock[z] += self.ground.popleft()
        space.vertical_stock[z] += self.vertical.popleft()
        space.plan_stock[z] += self.plan_part.popleft()
        for pipeline in (self.ground, self.vertical, self.plan_part):
            pipeline.append(0.0)

    def start_ground(self) -> None:
        """Ordinary supply: ground space toward the natural vacancy, on the land left."""
        space, z = self.model.space, self.zone
        planned = float(space.ground_stock[z]) + sum(self.ground)
        headroom = float(space.ground_capacity[z]) - planned
        wanted = (float(space.ground_occupied[z]) * self.stock_per_demand - planned) * (
            self.build_share
        )
        self.ground[-1] += min(max(wanted, 0.0), max(headroom, 0.0))

    def start_vertical(self, for_demand: bool) -> None:
        """Vertical space. While the programme runs it redevelops programme.rate a year of
        the zone's plots, each to the zone's cap: the part of each redeveloped plot above the
        programme's own FAR is the plan's. Beyond that pace, what demand calls for
        (``for_demand``): the plan's only where it goes past what the programme's cap could
        hold."""
        space, model, z = self.model.space, self.model, self.zone
        planned = float(space.vertical_stock[z]) + sum(self.vertical)
        cap_room = self.buildable(float(model.far_cap[z]))
        if planned >= cap_room:
            return
        programme_room = self.buildable(float(model.far_programme[z]))
        started, plan = 0.0, 0.0  # m² started this month, and the plan's part of them
        # the pace slows as the zone's vertical space stands empty, and stops at the maximum
        slowdown = max(1 - self.vertical_vacancy() / self.programme_max_vacancy, 0.0)
        if programme_room > 0 and slowdown > 0:
            pace = min(self.programme_share * slowdown * cap_room, cap_room - planned)
            started, plan = pace, pace * (1 - programme_room / cap_room)
            planned += pace
        if for_demand:
            occupied = float(space.vertical_occupied[z] + model.waiting_floor[z])
            wanted = (occupied * self.stock_per_demand - planned) * self.build_share
            more = min(max(wanted, 0.0), cap_room - planned)
            plan += max(planned + more - max(planned, programme_room), 0.0)
            started += more
        self.vertical[-1] += started
        self.plan_part[-1] += plan

    def vertical_vacancy(self) -> float:
        """Share of the zone's completed vertical space standing empty (0 while none is)."""
        space, z = self.model.space, self.zone
        stock = float(space.vertical_stock[z])
        return 1 - float(space.vertical_occupied[z]) / stock if stock > 0 else 0.0

    def buildable(self, far: float) -> float:
        """Vertical m² the zone's plots may carry above the legacy FAR under a cap ``far``."""
        return self.plot_m2 * max(far - self.far_now, 0.0)
