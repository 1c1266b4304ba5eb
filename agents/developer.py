"""Developers: one Mesa agent per zone, adding ground and vertical floor space.

The six zones' developers act at once, in :class:`Developers` (arrays over the zones, as the
firm table holds the firms' numbers); each :class:`Developer` agent is a view onto its zone's
column, as an Enterprise is onto its firm's row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from ..model.calendar import MONTHS_PER_YEAR

if TYPE_CHECKING:
    from ..model.model import ZoneModel
    from ..model.parameters import Parameters
    from ..model.space import ZoneSpace


class Developers:
    """The developers of every zone: they complete what is due and start new floor space,
    the zones side by side (one entry per zone in every array).

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

    Pipelines ``ground``, ``vertical`` and ``plan_part`` (the part of ``vertical`` that only
    10b allowed) hold the m² completing in 1, 2, ..., space.build_lag months: one row per
    month, one column per zone.

    Parameters
    ----------
    prm : Parameters
    space : ZoneSpace
        The zones' floor space, which the developers add to.
    """

    def __init__(self, prm: Parameters, space: ZoneSpace):
        lag = int(prm["space.build_lag"])
        if lag < 1:
            raise ValueError(f"space.build_lag must be at least 1 month, got {lag}")
        self.space = space
        self.ground = np.zeros((lag, len(space.rent)))
        self.vertical = np.zeros_like(self.ground)
        self.plan_part = np.zeros_like(self.ground)
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

    def build(self, far_cap, far_programme, waiting_floor) -> None:
        """One month: complete what is due, then start ground space where it pays and
        vertical space (``far_cap``, ``far_programme``: each zone's FAR caps this month;
        ``waiting_floor``: m² of the firms queuing for vertical space)."""
        self.complete()
        rent = self.space.rent
        self.start_ground(rent >= self.pays_ground)
        # the programme's pace is government-led (awards, special loans, no land premium on
        # raised FAR: zones_facts.md §5); building for demand must pay
        self.start_vertical(far_cap, far_programme, waiting_floor, rent >= self.pays_vertical)

    def complete(self) -> None:
        """Space started build_lag months ago joins the zones' stock."""
        space = self.space
        space.ground_stock += self.ground[0]
        space.vertical_stock += self.vertical[0]
        space.plan_stock += self.plan_part[0]
        for pipeline in (self.ground, self.vertical, self.plan_part):
            pipeline[:-1] = pipeline[1:]
            pipeline[-1] = 0.0

    def start_ground(self, pays: np.ndarray) -> None:
        """Ordinary supply where it ``pays``: ground space toward the natural vacancy, on
        the land left."""
        space = self.space
        planned = space.ground_stock + self.ground.sum(axis=0)
        headroom = space.ground_capacity - planned
        wanted = (space.ground_occupied * self.stock_per_demand - planned) * self.build_share
        start = np.minimum(np.maximum(wanted, 0.0), np.maximum(headroom, 0.0))
        self.ground[-1] += np.where(pays, start, 0.0)

    def start_vertical(self, far_cap, far_programme, waiting_floor, for_demand) -> None:
        """Vertical space. While the programme runs it redevelops programme.rate a year of
        each zone's plots, each to the zone's cap: the part of each redeveloped plot above
        the programme's own FAR is the plan's. Beyond that pace, where ``for_demand``, what
        demand calls for: the plan's only where it goes past what the programme's cap could
        hold."""
        space = self.space
        planned = space.vertical_stock + self.vertical.sum(axis=0)
        cap_room = self.buildable(far_cap)
        room = planned < cap_room  # zones whose cap leaves room to build
        programme_room = self.buildable(far_programme)
        # the pace slows as the zone's vertical space stands empty, and stops at the maximum
        slowdown = np.maximum(1 - self.vertical_vacancy() / self.programme_max_vacancy, 0.0)
        paced = room & (programme_room > 0) & (slowdown > 0)
        pace = np.where(
            paced, np.minimum(self.programme_share * slowdown * cap_room, cap_room - planned), 0.0
        )
        above_programme = 1 - np.divide(
            programme_room, cap_room, out=np.ones_like(cap_room), where=cap_room > 0
        )
        plan = pace * above_programme
        planned = planned + pace
        demand = room & for_demand
        occupied = space.vertical_occupied + waiting_floor
        wanted = (occupied * self.stock_per_demand - planned) * self.build_share
        more = np.where(demand, np.minimum(np.maximum(wanted, 0.0), cap_room - planned), 0.0)
        plan_more = np.maximum(planned + more - np.maximum(planned, programme_room), 0.0)
        self.vertical[-1] += pace + more
        self.plan_part[-1] += plan + np.where(demand, plan_more, 0.0)

    def vertical_vacancy(self) -> np.ndarray:
        """Share of each zone's completed vertical space standing empty (0 while none is)."""
        stock = self.space.vertical_stock
        occupied = np.divide(
            self.space.vertical_occupied, stock, out=np.ones_like(stock), where=stock > 0
        )
        return 1 - occupied

    def buildable(self, far: np.ndarray) -> np.ndarray:
        """Vertical m² each zone's plots may carry above the legacy FAR under caps ``far``."""
        return self.space.plot_m2 * np.maximum(far - self.space.far_now, 0.0)


class Developer(mesa.Agent):
    """The developer of one zone (see :class:`Developers`, which acts for every zone at once
    in the model's step 9). The properties read its zone's column.

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

    @property
    def under_construction(self) -> dict[str, float]:
        """m² under construction in the zone: ground, vertical, and the plan's part of the
        vertical (what only measure 10b's higher cap allows)."""
        d, z = self.model.developers, self.zone
        return {
            "ground": float(d.ground[:, z].sum()),
            "vertical": float(d.vertical[:, z].sum()),
            "plan_vertical": float(d.plan_part[:, z].sum()),
        }

    def __repr__(self) -> str:
        return f"Developer(zone={self.model.zone_ids[self.zone]})"
