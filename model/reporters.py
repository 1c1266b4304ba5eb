"""Monthly records: KPIs per zone, KPIs per zone and sector, and each measure's outcomes per
zone, as tidy DataFrames."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import mesa
import numpy as np
import pandas as pd

from ..agents import behaviour
from .calendar import MONTHS_PER_YEAR

if TYPE_CHECKING:
    from .model import ZoneModel

ZONE_KPIS = {
    # column: (unit, description)
    "firms": ("firms", "firms in the zone at the end of the month"),
    "entries": ("firms/month", "new firms that entered the zone this month"),
    "exits": ("firms/month", "firms that closed this month"),
    "expected_exits": (
        "expected firms/month",
        "the month's exit probabilities summed over the zone's firms: the exits to expect "
        "given their state, without the luck of the draw (an estimator of exits with lower "
        "variance; between scenarios it moves only with the firms and their hazards)",
    ),
    "one_year_survivors": (
        "firms",
        "firms that entered the six zones 12 months before and are still in business "
        "(counted in the zone they are in now)",
    ),
    "relocations_in": ("firms/month", "firms that moved in from another of the six zones"),
    "relocations_out": ("firms/month", "firms that moved out to another of the six zones"),
    "employment": ("persons", "employees of the zone's firms"),
    "revenue_rmb_m": ("RMB million/yr", "annual revenue of the zone's firms (annual rate)"),
    "imports_rmb_m": ("RMB million/yr", "annual imports (annual rate)"),
    "exports_rmb_m": ("RMB million/yr", "annual exports (annual rate)"),
    "floor_stock_m2": ("m2", "floor stock, ground plus vertical"),
    "vertical_stock_m2": (
        "m2",
        "multi-storey floor stock built above the legacy FAR (the programme's and the plan's)",
    ),
    "plan_vertical_stock_m2": (
        "m2",
        "the part of vertical_stock_m2 above what the up-the-floors programme alone allows "
        "(measure 10b's higher cap): the plan's increment of floor space",
    ),
    "occupied_m2": ("m2", "floor space occupied by firms"),
    "vacancy": ("share", "1 - occupied / stock"),
    "rent_rmb_m2_day": ("RMB/m2/day", "rent"),
    "market_rent_rmb_m2_day": (
        "RMB/m2/day",
        "Shanghai market rent the zone's rent is anchored to (the record, then the market path)",
    ),
    "rent_paid_rmb_m": ("RMB million/yr", "annual rent the zone's firms pay (annual rate)"),
    "output_per_km2_rmb_m": ("RMB million/km2/yr", "annual revenue per km2 of zone land"),
    "clearance_days": ("days", "mean customs clearance days per shipment over the zone's firms"),
    "space_constrained_firms": ("firms", "firms whose growth was held back by lack of space"),
}

SECTOR_KPIS = {
    # column: (unit, description), per zone and sector
    "firms": ("firms", "firms of the sector in the zone at the end of the month"),
    "employment": ("persons", "employees of those firms"),
    "revenue_rmb_m": ("RMB million/yr", "their annual revenue (annual rate)"),
    "imports_rmb_m": ("RMB million/yr", "their annual imports (annual rate)"),
    "exports_rmb_m": ("RMB million/yr", "their annual exports (annual rate)"),
    "floor_m2": ("m2", "floor space they occupy"),
    "adopters": ("firms", "those using at least one of the plan's measures"),
}

MEASURE_KPIS = {
    # column: (unit, description), per measure and zone
    "eligible": ("firms", "firms meeting the measure's eligibility rule"),
    "aware": ("firms", "eligible firms aware of the measure"),
    "adopted": ("firms", "firms using the measure (its adopters)"),
    "uptake_share": ("share", "adopted / eligible (0 when none are eligible)"),
    "benefit_rmb_m": (
        "RMB million/yr",
        "adopters' annual benefit from the measure, gross of its running cost (annual rate)",
    ),
    "net_benefit_rmb_m": (
        "RMB million/yr",
        "adopters' annual benefit less the measure's running cost (annual rate): what it adds "
        "to their profit",
    ),
    "costs_paid_rmb_m": (
        "RMB million/month",
        "costs adopters paid this month: the one-off cost of each firm that took the measure "
        "up this month, plus a month of every adopter's running cost",
    ),
    "days_saved": (
        "firm-days/shipment",
        "customs clearance days per shipment the measure saves, summed over its adopters "
        "(divide by adopted for the mean; before the floor on clearance time)",
    ),
    "credit_unlocked_rmb_m": ("RMB million", "extra credit the measure gives its adopters"),
    "floor_used_m2": (
        "m2",
        "floor the measure puts to use in the zone at the month's close: the extra floor it "
        "brings in (10a), or the floor its adopters hold in vertical space only it opened to "
        "them (10b)",
    ),
    "entrants_drawn": (
        "expected firms/month",
        "expected entrants the measure draws to the zone this month: the rise in the zone's "
        "expected entrants that its own policy pull brings (its Shapley share against the "
        "other zones' pulls), shared among the measures live there by their part of the pull; "
        "plus the projects a zone-level measure refers (13)",
    ),
}
_MEASURE_COLUMN = {column: i for i, column in enumerate(MEASURE_KPIS)}
_ENTRANTS_DRAWN = _MEASURE_COLUMN["entrants_drawn"]


def floor_used(model: ZoneModel) -> np.ndarray:
    """Floor each measure puts to use in each zone at the month's close (Z x K, m²): the
    extra floor a measure brings into the zone (10a: floor x its floor share / (1 + the
    firm's extra floor share), the firm's floor having grown with it this month), and the
    floor 10b's adopters hold in vertical space only it opened to them."""
    f, z = model.firms, len(model.zone_ids)
    out = np.zeros((z, len(model.measure_ids)))
    far = f.adopted[:, model.far_index]
    out[:, model.far_index] = np.bincount(f.zone[far], f.floor[far], minlength=z)
    # the assessment was made on this month's closing rows (assess_measures)
    for k, share in model.effects.channel("floor_share"):
        brought = f.floor * share / (1 + f.extra_floor_share)
        out[:, k] = np.bincount(f.zone, np.where(f.adopted[:, k], brought, 0.0), minlength=z)
    return out


class Recorder:
    """Preallocated arrays filled once a month; DataFrames built on demand, each with a
    ``date`` column: the month counted from ``start`` (month 0, a monthly Period)."""

    def __init__(
        self,
        months: int,
        start: pd.Period,
        zone_ids: list[str],
        sector_ids: list[str],
        measure_ids: list[str],
    ):
        self.start = start
        self.zone_ids, self.sector_ids, self.measure_ids = zone_ids, sector_ids, measure_ids
        z, s, k = len(zone_ids), len(sector_ids), len(measure_ids)
        self.zone = np.full((months + 1, z, len(ZONE_KPIS)), np.nan)
        self.sector = np.full((months + 1, z, s, len(SECTOR_KPIS)), np.nan)
        # column-major within a month (KPI x zone x measure): a month's record is one copy
        self.measure = np.full((months + 1, len(MEASURE_KPIS), z, k), np.nan)
        self.last = -1
        self._held = None  # who used which measure at the end of the last month (n x K)

    def collect_measures(self, model: ZoneModel) -> None:
        """Per measure and zone, the adopters of the month as the model's operate step left
        them: eligible, aware and adopted firms, uptake share, benefit gross and net, costs
        paid, days saved and credit unlocked (floor used: :meth:`collect`; entrants drawn:
        :meth:`measure_frame`)."""
        f, z, book = model.firms, len(model.zone_ids), model.measures
        eligible = behaviour.cells_to_zones(f.eligible_in_cell, z)
        rows, cols = model.adopted_pairs  # adoption has not changed since operate()
        effects = model.effects
        benefit = model.benefit[rows, cols]
        running = book.running_cost[cols]
        adopted, benefit, net, running, days, credit = f.sums_by(
            f.zone,
            z,
            rows,
            cols,
            benefit,
            benefit - running,
            running / MONTHS_PER_YEAR,
            effects.at("days", rows, cols),
            effects.at("credit", rows, cols),
        )
        # new adopters (not adopting at the end of last month; at month 0 none) pay the
        # one-off costs; rows are as last month's, for firms enter and leave after this
        one_off = np.zeros_like(running)
        if self._held is not None and (new := f.adopted & ~self._held).any():
            new_rows, new_cols = behaviour.pairs(new)
            cost = book.fixed_cost[new_cols] + effects.at("fixed_cost", new_rows, new_cols)
            (_, one_off) = f.sums_by(f.zone, z, new_rows, new_cols, cost)
        (aware,) = f.sums_by(f.zone, z, *behaviour.pairs(f.aware & f.eligible))
        values = {
            "eligible": eligible,
            "aware": aware,
            "adopted": adopted,
            "uptake_share": behaviour.share(adopted, eligible),
            "benefit_rmb_m": benefit,
            "net_benefit_rmb_m": net,
            "costs_paid_rmb_m": one_off + running,
            "days_saved": days,
            "credit_unlocked_rmb_m": credit,
        }
        self.record_measures(model.month, values)

    def collect(self, model: ZoneModel) -> None:
        """The month's closing state: KPIs per zone, and per zone and sector; the floor each
        measure puts to use."""
        f, space, z = model.firms, model.space, len(model.zone_ids)
        self._held = f.adopted.copy()
        self.record_measures(model.month, {"floor_used_m2": floor_used(model)})

        # Counts come back as integers and booleans serve as weights of 0 and 1: np.array in
        # the records converts them to floats exactly, so no astype is needed here.
        def by_zone(values=None):
            return np.bincount(f.zone, weights=values, minlength=z)

        def by_cell(values=None):
            return np.bincount(f.cell, weights=values, minlength=f.n_cells)

        firms = by_zone()
        revenue = by_zone(f.revenue)
        stock, occupied = space.stock, space.occupied
        clearance = model.clearance_base[f.zone] - f.days_saved
        self.record_zones(
            model.month,
            {
                "firms": firms,
                **model.flows,
                "one_year_survivors": by_zone(f.age == MONTHS_PER_YEAR),
                "employment": by_zone(f.employees),
                "revenue_rmb_m": revenue,
                "imports_rmb_m": by_zone(f.imports),
                "exports_rmb_m": by_zone(f.exports),
                "floor_stock_m2": stock,
                "vertical_stock_m2": space.vertical_stock,
                "plan_vertical_stock_m2": space.plan_stock,
                "occupied_m2": occupied,
                "vacancy": 1 - occupied / stock,  # as space.vacancy, from the sums just made
                "rent_rmb_m2_day": space.rent,
                "market_rent_rmb_m2_day": np.full(z, model.market.rent[model.month]),
                "rent_paid_rmb_m": by_zone(behaviour.rent_paid(f, space.rent, model.prm)),
                "output_per_km2_rmb_m": revenue / space.land_km2,
                "clearance_days": by_zone(clearance) / np.maximum(firms, 1),
                "space_constrained_firms": by_zone(f.space_constrained),
            },
        )
        self.record_sectors(
            model.month,
            {
                "firms": by_cell(),
                "employment": by_cell(f.employees),
                "revenue_rmb_m": by_cell(f.revenue),
                "imports_rmb_m": by_cell(f.imports),
                "exports_rmb_m": by_cell(f.exports),
                "floor_m2": by_cell(f.floor),
                "adopters": by_cell(f.adopted.any(axis=1)),
            },
        )

    # The records below build one array per month with np.array (KPI first) and transpose
    # it into place: np.stack does the same in Python, KPI by KPI, at three times the cost.

    def record_zones(self, month: int, values: dict[str, np.ndarray]) -> None:
        """values[c] has shape (Z,)."""
        self.zone[month] = np.array([values[c] for c in ZONE_KPIS]).T
        self.last = month

    def record_sectors(self, month: int, values: dict[str, np.ndarray]) -> None:
        """values[c] has one value per (zone, sector) cell, zone-major (cell = zone x S +
        sector)."""
        by_cell = np.array([values[c] for c in SECTOR_KPIS]).T
        self.sector[month] = by_cell.reshape(self.sector.shape[1:])

    def record_measures(self, month: int, values: dict[str, np.ndarray]) -> None:
        """values[c] has shape (Z, K), for consecutive columns of MEASURE_KPIS in order."""
        first = _MEASURE_COLUMN[next(iter(values))]
        self.measure[month, first : first + len(values)] = list(values.values())

    def _months(self) -> np.ndarray:
        return np.arange(self.last + 1)

    def _dates(self, months: np.ndarray) -> np.ndarray:
        """``months`` (counted from the start) as "YYYY-MM" text."""
        return (self.start + months).astype(str)

    def zone_frame(self) -> pd.DataFrame:
        months = self._months()
        z = len(self.zone_ids)
        frame = pd.DataFrame(
            self.zone[: len(months)].reshape(-1, len(ZONE_KPIS)), columns=list(ZONE_KPIS)
        )
        frame.insert(0, "zone", np.tile(self.zone_ids, len(months)))
        frame.insert(0, "date", self._dates(np.repeat(months, z)))
        frame.insert(0, "month", np.repeat(months, z))
        counts = [c for c, (unit, _) in ZONE_KPIS.items() if unit.startswith("firms")]
        return frame.astype({c: "int64" for c in counts})

    def sector_frame(self) -> pd.DataFrame:
        months = self._months()
        z, s = len(self.zone_ids), len(self.sector_ids)
        frame = pd.DataFrame(
            self.sector[: len(months)].reshape(-1, len(SECTOR_KPIS)), columns=list(SECTOR_KPIS)
        )
        frame.insert(0, "sector", np.tile(self.sector_ids, len(months) * z))
        frame.insert(0, "zone", np.tile(np.repeat(self.zone_ids, s), len(months)))
        frame.insert(0, "date", self._dates(np.repeat(months, z * s)))
        frame.insert(0, "month", np.repeat(months, z * s))
        return frame.astype({"firms": "int64", "adopters": "int64"})

    def measure_frame(self, entrants_drawn: np.ndarray | None = None) -> pd.DataFrame:
        """The measure KPIs; ``entrants_drawn`` (months x K x Z, from month 0) fills the
        column of that name, which the months leave at 0 (it is computed for all months at
        once: Demography.entrants_drawn)."""
        months = self._months()
        k, z = len(self.measure_ids), len(self.zone_ids)
        if entrants_drawn is not None:  # months x K x Z
            self.measure[: len(months), _ENTRANTS_DRAWN] = entrants_drawn[: len(months)].transpose(
                0, 2, 1
            )
        by_row = self.measure[: len(months)].transpose(0, 3, 2, 1)  # month, measure, zone, KPI
        frame = pd.DataFrame(by_row.reshape(-1, len(MEASURE_KPIS)), columns=list(MEASURE_KPIS))
        frame.insert(0, "zone", np.tile(self.zone_ids, len(months) * k))
        frame.insert(0, "measure", np.tile(np.repeat(self.measure_ids, z), len(months)))
        frame.insert(0, "date", self._dates(np.repeat(months, k * z)))
        frame.insert(0, "month", np.repeat(months, k * z))
        return frame.astype({"eligible": "int64", "aware": "int64", "adopted": "int64"})


# ---------------------------------------------------------------------- Mesa's DataCollector
# Model-level reporters for mesa.DataCollector (``ZoneModel.datacollector``): the headline
# KPIs of the six zones together, read from the recorder's months (nothing is recomputed
# from the firms).
HEADLINE_KPIS = {
    # reporter: (unit, how the six zones combine)
    "firms": ("firms", "sum of the zones' firms at the end of the month"),
    "revenue_rmb_m": ("RMB million/yr", "sum of the zones' annual revenue (annual rate)"),
    "trade_rmb_m": ("RMB million/yr", "sum of the zones' imports plus exports (annual rate)"),
    "floor_stock_m2": ("m2", "sum of the zones' floor stock, ground plus vertical"),
    "vacancy": ("share", "1 - occupied / stock, both summed over the zones"),
    "rent_rmb_m2_day": (
        "RMB/m2/day",
        "mean of the six zones' rents, unweighted (as the 'all zones' rows of zonesim compare)",
    ),
    "uptake_share": (
        "share",
        "mean over the measures the policy turns on of each one's adopted / eligible firms, "
        "both summed over the zones where it is on (as uptake_summary's 'all zones'); "
        "measures with no eligible firm there are left out (NaN when none is left)",
    ),
}
_ZONE_COLUMN = {kpi: i for i, kpi in enumerate(ZONE_KPIS)}


def headline(recorder: Recorder, on: np.ndarray, months: slice | list[int]) -> dict[str, list]:
    """The headline KPIs (HEADLINE_KPIS) of the recorded ``months``, one list per KPI.
    ``on`` (K x Z) is where the policy turns each measure on."""
    # summed along the zone axis: zone after zone, as a sum of one KPI's column adds them
    totals = recorder.zone[months].sum(axis=1)  # months x KPIs

    def total(kpi: str) -> np.ndarray:
        return totals[:, _ZONE_COLUMN[kpi]]

    # uptake: per measure, eligible and adopted firms summed over the zones where it is on
    uptake = recorder.measure[months]  # months x columns x Z x K
    on = on.T  # Z x K
    eligible = np.where(on, uptake[:, _MEASURE_COLUMN["eligible"]], 0.0).sum(axis=1)
    adopted = np.where(on, uptake[:, _MEASURE_COLUMN["adopted"]], 0.0).sum(axis=1)
    counted = eligible > 0
    shares = np.divide(adopted, eligible, out=np.zeros_like(adopted), where=counted)
    with np.errstate(invalid="ignore"):  # a month with no measure counted: NaN
        uptake_share = shares.sum(axis=1) / counted.sum(axis=1)
    return {
        "firms": total("firms").astype(int).tolist(),
        "revenue_rmb_m": total("revenue_rmb_m").tolist(),
        "trade_rmb_m": (total("imports_rmb_m") + total("exports_rmb_m")).tolist(),
        "floor_stock_m2": total("floor_stock_m2").tolist(),
        "vacancy": (1 - total("occupied_m2") / total("floor_stock_m2")).tolist(),
        # as numpy's mean of the six: their sum (added zone after zone) over their number
        "rent_rmb_m2_day": (total("rent_rmb_m2_day") / len(recorder.zone_ids)).tolist(),
        "uptake_share": uptake_share.tolist(),
    }


def _last_month(model: ZoneModel, kpi: str):
    """A headline KPI of the model's last recorded month (a Mesa model reporter)."""
    recorder = model.recorder
    return headline(recorder, model.measures.enabled_in, [recorder.last])[kpi][0]


MODEL_REPORTERS = {kpi: partial(_last_month, kpi=kpi) for kpi in HEADLINE_KPIS}


class HeadlineCollector(mesa.DataCollector):
    """Mesa's DataCollector with the headline reporters (MODEL_REPORTERS) of one model.

    The model's recorder keeps every month already, so nothing is copied month by month:
    ``collect`` notes the collection's time, as Mesa's does, and ``model_vars`` (what Mesa's
    ``get_model_vars_dataframe`` and ``batch_run`` read) gives every collected month's values,
    read from the recorder when asked.

    Parameters
    ----------
    recorder : Recorder
        The model's recorder; each collection follows the month it records.
    on : (K x Z) where the policy turns each measure on.
    """

    def __init__(self, recorder: Recorder, on: np.ndarray):
        self._recorder, self._on = recorder, on
        super().__init__(model_reporters=MODEL_REPORTERS)

    def collect(self, model: ZoneModel) -> None:
        self._collection_steps.append(model.time)

    @property
    def model_vars(self) -> dict[str, list]:
        months = slice(len(self._collection_steps))
        return headline(self._recorder, self._on, months)

    @model_vars.setter
    def model_vars(self, value: dict) -> None:
        # DataCollector.__init__ starts with an empty dict; the values are the recorder's
        pass
