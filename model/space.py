"""Floor space in each zone: stock, occupancy, rationing of growth, and rent.

Each zone has two pools: ground stock (existing buildings, up to the legacy FAR) and
vertical stock (multi-storey space built under a higher FAR cap). Only firms that have
moved into vertical space (measure 10b) use vertical stock.
"""

from __future__ import annotations

import numpy as np

from .calendar import MONTHS_PER_YEAR
from .parameters import Parameters


class ZoneSpace:
    """Floor stock (m²), occupancy and rent (RMB/m²/day) per zone."""

    def __init__(self, prm: Parameters, zone_ids: list[str], land_scale: float):
        land = prm.vector("zone.{}.land_km2", zone_ids) * land_scale
        self.land_km2 = land
        self.plot_m2 = land * 1e6 * prm["space.net_plot_share"]
        self.far_now = prm.vector("zone.{}.far_now", zone_ids)
        self.far_upgraded = prm.vector("zone.{}.far_cap", zone_ids)  # where 10b applies
        self.ground_stock = self.plot_m2 * self.far_now
        self.vertical_stock = np.zeros(len(zone_ids))
        self.rent = prm.vector("zone.{}.rent", zone_ids)
        self.start_rent = self.rent.copy()
        self.demand_elasticity = prm["space.demand_elasticity"]
        self.start_vacancy = prm.vector("zone.{}.vacancy", zone_ids)
        self.ground_occupied = self.ground_stock * (1 - self.start_vacancy)
        self.vertical_occupied = np.zeros(len(zone_ids))

    @property
    def stock(self) -> np.ndarray:
        return self.ground_stock + self.vertical_stock

    @property
    def occupied(self) -> np.ndarray:
        return self.ground_occupied + self.vertical_occupied

    @property
    def vacancy(self) -> np.ndarray:
        return 1 - self.occupied / self.stock

    def free(self, vertical: bool) -> np.ndarray:
        """Vacant m² per zone in one pool."""
        if vertical:
            return self.vertical_stock - self.vertical_occupied
        return self.ground_stock - self.ground_occupied

    def count_occupancy(self, f) -> None:
        """Recount occupied m² per zone and pool from the firms."""
        n = len(self.rent)
        self.vertical_occupied = np.bincount(f.zone, weights=f.floor * f.in_vertical, minlength=n)
        self.ground_occupied = np.bincount(f.zone, weights=f.floor * ~f.in_vertical, minlength=n)

    def move_out(self, zone: np.ndarray, floor: np.ndarray, vertical: np.ndarray) -> None:
        """Free the floor (m²) of the firms given, in their zones and pools."""
        self.move_in(zone, -floor, vertical)

    def move_in(self, zone: np.ndarray, floor: np.ndarray, vertical: np.ndarray) -> None:
        """Occupy floor (m²) for the firms given, in their zones and pools."""
        n = len(self.rent)
        self.vertical_occupied = self.vertical_occupied + np.bincount(
            zone, weights=floor * vertical, minlength=n
        )
        self.ground_occupied = self.ground_occupied + np.bincount(
            zone, weights=floor * ~vertical, minlength=n
        )

    def ration(self, f, wanted_floor: np.ndarray) -> np.ndarray:
        """Floor each firm gets: shrinking firms release space; growing firms share what is
        free in their zone and pool in proportion to what they asked for."""
        n = len(self.rent)
        pool = f.zone * 2 + f.in_vertical
        change = wanted_floor - f.floor
        stock = np.empty(2 * n)
        stock[0::2], stock[1::2] = self.ground_stock, self.vertical_stock
        occupied = np.bincount(pool, weights=np.minimum(wanted_floor, f.floor), minlength=2 * n)
        asked = np.bincount(pool, weights=np.maximum(change, 0.0), minlength=2 * n)
        free = np.maximum(stock - occupied, 0.0)
        granted = np.divide(free, asked, out=np.ones(2 * n), where=asked > 0)
        share = np.where(change > 0, np.minimum(granted, 1.0)[pool], 1.0)
        return f.floor + change * share

    def thrift(self) -> np.ndarray:
        """Per zone, floor space a firm uses per unit of revenue relative to the start:
        firms economise on space as rent rises (constant elasticity)."""
        return (self.rent / self.start_rent) ** -self.demand_elasticity

    def update_rent(self, prm: Parameters) -> None:
        """Rent moves toward closing the gap between target and actual vacancy."""
        gap = prm["space.target_vacancy"] - self.vacancy
        self.rent = self.rent * (1 + prm["space.rent_lambda"] * gap / MONTHS_PER_YEAR)
