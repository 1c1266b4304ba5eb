"""Floor space in each zone: stock, occupancy, rationing of growth, and rent.

Each zone has two pools: ground stock (existing buildings up to the legacy FAR, plus what
ordinary supply adds on the land left) and vertical stock (multi-storey space built above the
legacy FAR: by the citywide up-the-floors programme, and in measure 10b's zones up to the
plan's higher cap). Only firms that may use vertical space move into it.

A zone's rent is the Shanghai market rent (model.market) times the zone's premium, times its
own vacancy response: the log rent moves toward -space.vacancy_premium x (zone vacancy -
market vacancy) at space.rent_adjustment a year, so a zone tighter than the market charges
more and a slacker one less, but no zone drifts away from the market for good.
"""

from __future__ import annotations

import numpy as np

from .calendar import MONTHS_PER_YEAR
from .parameters import Parameters

# Each zone's two pools of floor space, numbered within the zone: a (zone, pool) cell is
# zone x POOLS + pool, so that one bincount sums both pools of every zone.
GROUND, VERTICAL = 0, 1
POOLS = 2


def pool_of(zone: np.ndarray, vertical: np.ndarray) -> np.ndarray:
    """The (zone, pool) cell of each firm given (``vertical``: whether in vertical space)."""
    return zone * POOLS + vertical


class ZoneSpace:
    """Floor stock (m²), occupancy and rent (RMB/m²/day) per zone.

    Parameters
    ----------
    prm : Parameters
    zone_ids : list of str
    land_scale : float, the firm scale (land scales with the firms)
    market_rent, market_vacancy : float, the Shanghai market at the start (RMB/m²/day, share)
    """

    def __init__(
        self,
        prm: Parameters,
        zone_ids: list[str],
        land_scale: float,
        market_rent: float,
        market_vacancy: float,
    ):
        land = prm.vector("zone.{}.land_km2", zone_ids) * land_scale
        self.land_km2 = land
        self.plot_m2 = land * 1e6 * prm["space.net_plot_share"]
        self.far_now = prm.vector("zone.{}.far_now", zone_ids)
        self.far_programme = np.maximum(self.far_now, prm["programme.far"])
        # where 10b applies; never below what the programme allows
        self.far_upgraded = np.maximum(prm.vector("zone.{}.far_cap", zone_ids), self.far_programme)
        self.ground_stock = self.plot_m2 * self.far_now
        self.ground_capacity = self.ground_stock * (1 + prm["space.ground_headroom"])
        self.vertical_stock = np.zeros(len(zone_ids))
        self.plan_stock = np.zeros(len(zone_ids))  # the part of vertical_stock 10b alone allowed
        self.premium = prm.vector("zone.{}.rent_premium", zone_ids)
        self.deviation = np.zeros(len(zone_ids))  # log rent relative to market x premium
        self.start_rent = market_rent * self.premium
        self.demand_elasticity = prm["space.demand_elasticity"]
        self._set_rent(self.start_rent.copy())
        # zone vacancies NOT FOUND: every zone starts at the market's
        self.ground_occupied = self.ground_stock * (1 - market_vacancy)
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
        self.ground_occupied, self.vertical_occupied = self._by_pool(f.zone, f.floor, f.in_vertical)

    def move_out(self, zone: np.ndarray, floor: np.ndarray, vertical: np.ndarray) -> None:
        """Free the floor (m²) of the firms given, in their zones and pools."""
        self.move_in(zone, -floor, vertical)

    def move_in(self, zone: np.ndarray, floor: np.ndarray, vertical: np.ndarray) -> None:
        """Occupy floor (m²) for the firms given, in their zones and pools."""
        ground_m2, vertical_m2 = self._by_pool(zone, floor, vertical)
        self.vertical_occupied = self.vertical_occupied + vertical_m2
        self.ground_occupied = self.ground_occupied + ground_m2

    def _by_pool(
        self, zone: np.ndarray, floor: np.ndarray, vertical: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Floor (m²) summed per zone in the ground pool and in the vertical pool: one sum
        over (zone, pool) cells, the same sums as one per pool, in a third of the calls."""
        sums = np.bincount(pool_of(zone, vertical), weights=floor, minlength=POOLS * len(self.rent))
        return sums[GROUND::POOLS], sums[VERTICAL::POOLS]

    def ration(self, f, wanted_floor: np.ndarray) -> np.ndarray:
        """Floor each firm gets: shrinking firms release space; growing firms share what is
        free in their zone and pool in proportion to what they asked for."""
        cells = POOLS * len(self.rent)
        pool = pool_of(f.zone, f.in_vertical)
        change = wanted_floor - f.floor
        stock = np.empty(cells)
        stock[GROUND::POOLS], stock[VERTICAL::POOLS] = self.ground_stock, self.vertical_stock
        occupied = np.bincount(pool, weights=np.minimum(wanted_floor, f.floor), minlength=cells)
        asked = np.bincount(pool, weights=np.maximum(change, 0.0), minlength=cells)
        free = np.maximum(stock - occupied, 0.0)
        granted = np.divide(free, asked, out=np.ones(cells), where=asked > 0)
        # a shrinking firm gets what it wants (as such, not as floor + change: for a firm
        # shrinking to almost nothing that difference could round to no floor at all)
        grown = f.floor + change * np.minimum(granted, 1.0)[pool]
        return np.where(change > 0, grown, wanted_floor)

    def _set_rent(self, rent: np.ndarray) -> None:
        """Set the zones' rents (RMB/m²/day) and ``thrift``: per zone, the floor space a firm
        uses per unit of revenue relative to the start, as firms economise on space when
        rent rises (constant elasticity). Kept with the rent: several steps read it."""
        self.rent = rent
        self.thrift = (rent / self.start_rent) ** -self.demand_elasticity

    def update_rent(self, prm: Parameters, market_rent: float, market_vacancy: float) -> None:
        """The month's rents: the market rent times each zone's premium and its vacancy
        response, which moves part of the way toward its level for the zone's vacancy."""
        level = -prm["space.vacancy_premium"] * (self.vacancy - market_vacancy)
        speed = prm["space.rent_adjustment"] / MONTHS_PER_YEAR
        self.deviation = self.deviation + min(speed, 1.0) * (level - self.deviation)
        self._set_rent(market_rent * self.premium * np.exp(self.deviation))
