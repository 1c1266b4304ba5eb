"""ZoneModel: the enterprises of Shanghai's six comprehensive bonded zones under a policy."""

from __future__ import annotations

from types import SimpleNamespace

import mesa
import numpy as np
import pandas as pd

from ..agents import behaviour
from ..agents.batch import Batch
from ..agents.developer import Developer
from ..agents.enterprise import Enterprise
from ..agents.population import FirmTable
from .calendar import MONTHS
from .entrants import EntrantPool
from .firms import FirmFactory
from .location import LocationChoice
from .measures import MeasureBook
from .mechanisms import (
    MECHANISMS,
    Assessment,
    Context,
    Effect,
    measure_params,
)
from .parameters import Parameters
from .randomness import Dice
from .reporters import MODEL_REPORTERS, SECTOR_KPIS, UPTAKE, ZONE_KPIS, Recorder
from .scenario import Policy, ZoneScenario
from .space import ZoneSpace
from .tables import sector_mix, sector_table, zone_table

FAR_MEASURE = "10b"


def _check_scenario(scenario: ZoneScenario, prm: Parameters) -> None:
    """Sizes the model cannot run with, named plainly."""
    if not isinstance(scenario.months, int) or scenario.months < 0:
        raise ValueError(f"months must be a whole number >= 0, got {scenario.months!r}")
    firms = prm.vector("zone.{}.firms", list(zone_table().index))
    if not scenario.firm_scale > 0 or np.rint(firms * scenario.firm_scale).min() < 1:
        raise ValueError(
            f"firm_scale {scenario.firm_scale!r} leaves a zone with no firms; "
            f"it must be at least {0.5 / firms.min():.3g}"
        )


class ZoneModel(mesa.Model):
    """Firms in six zones take up the plan's measures month by month (ODD: docs/ODD.md).

    Parameters
    ----------
    scenario : ZoneScenario, optional
        Policy, parameter overrides, horizon and firm scale. Default: the 2024 plan.
    rng : int or numpy Generator, optional
        Seed; the same seed gives identical results.
    **overrides
        Scenario fields, e.g. ``policy=Policy.baseline()`` or ``months=24``.
    """

    def __init__(self, scenario: ZoneScenario | None = None, *, rng=None, **overrides):
        if scenario is None:
            scenario = ZoneScenario(rng=rng, **overrides)
        elif rng is not None or overrides:
            raise TypeError("pass either a ZoneScenario or rng and scenario fields, not both")
        prm = Parameters(scenario.params)
        _check_scenario(scenario, prm)
        super().__init__(scenario=scenario)
        self.policy = scenario.policy or Policy.plan_2024()
        self.prm = prm
        self.months = int(scenario.months)
        self.month = 0
        self.dice = Dice(self.rng)

        zones, sectors = zone_table(), sector_table()
        self.zone_ids, self.sector_ids = list(zones.index), list(sectors.index)
        self.measures = MeasureBook(self.prm, self.policy, self.zone_ids, self.sector_ids)
        self.measure_ids = self.measures.ids
        self._far = self.measures.index[FAR_MEASURE]
        self.mechanisms = [
            (MECHANISMS[name], measure_params(self.prm, mid))
            for mid, name in zip(self.measure_ids, self.measures.mechanism, strict=True)
        ]

        self.space = ZoneSpace(self.prm, self.zone_ids, scenario.firm_scale)
        self.far_cap = self.space.far_now.copy()
        self.factory = FirmFactory(
            self.prm, self.sector_ids, sectors["vertical"].to_numpy(), len(self.measures)
        )
        self.clearance_base = self.prm.vector("zone.{}.clearance_days", self.zone_ids)
        # cumulative Bass hazard per zone and measure (Z x K); see behaviour.become_aware
        self.exposure = np.zeros((len(self.zone_ids), len(self.measures)))
        self.mix = sector_mix(self.prm).to_numpy()  # share of each sector in each zone (Z x S)
        self._create_starting_firms(scenario.firm_scale)
        self.developers = [Developer(self, z) for z in range(len(self.zone_ids))]

        self._calibrate_entry(scenario.firm_scale)

        self.waiting_floor = np.zeros(len(self.zone_ids))
        self.recorder = Recorder(self.months, self.zone_ids, self.sector_ids, self.measure_ids)
        self._flows = self._no_flows()
        self.live = self.measures.live(0)
        self.assess_measures()
        self._adopted = behaviour.pairs(self.firms.adopted)
        self.record_uptake()
        self.record_zones()
        self.record_sectors()
        # Mesa's DataCollector: headline KPIs of all six zones, read from the recorder
        self.datacollector = mesa.DataCollector(model_reporters=MODEL_REPORTERS)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ the monthly step
    def step(self) -> None:
        """One month, in the order of the ODD process overview."""
        if self.month >= self.months:
            raise RuntimeError(f"the model has reached its horizon of {self.months} months")
        self.month = self.dice.month = self.steps
        self.switch_policies()
        self.learn_of_measures()
        self.decide_on_measures()
        self.move_up_the_floors()
        self.operate()
        self.record_uptake()
        self.grow()
        self.build_and_set_rents()
        self.exit_enter_and_relocate()
        self.assess_measures()
        self.record_zones()
        self.record_sectors()
        self.datacollector.collect(self)
        if self.month >= self.months:
            self.running = False

    # ------------------------------------------------------------------ submodels
    def switch_policies(self) -> None:
        """Which measures apply in which zone this month; the FAR cap follows measure 10b."""
        self.live = self.measures.live(self.month)
        far_on = self.live[self._far]
        self.far_cap = np.where(far_on, self.space.far_upgraded, self.space.far_now)

    def assess_measures(self) -> None:
        """What each measure would bring each firm (benefit, costs, effects), judged on the
        month's closing state and used in the next month's decisions. Eligibility depends on
        fixed firm attributes and is set when a firm is created."""
        f = self.firms
        ctx = Context(self.prm, self.space.rent[f.zone], f, self.factory.tau_by_sector)
        # A measure enabled nowhere can never be used: nothing to assess.
        enabled = self.measures.enabled_in.any(axis=1)
        effects = [
            fn(f, m, ctx) if on else Effect()
            for (fn, m), on in zip(self.mechanisms, enabled, strict=True)
        ]
        self.effects = Assessment(effects, len(f))
        self.benefit = self.effects.matrix("benefit")

    def learn_of_measures(self) -> None:
        """Bass awareness, switched on by the policy; newly aware firms form a belief of the
        benefit."""
        f = self.firms
        self.seen = behaviour.peers(f, self.benefit, len(self.zone_ids), len(self.sector_ids))
        if not self.live.any():
            return
        self.exposure += behaviour.bass_hazard(self.live.T, self.seen.zone_share, self.measures)
        rows, cols = behaviour.pairs(behaviour.become_aware(f, self.exposure))
        true_ratio = self.benefit[rows, cols] / f.profit[rows]
        f.belief[rows, cols] = true_ratio * f.belief_bias[rows, cols]

    def decide_on_measures(self) -> None:
        """Reviewing firms learn from peers, adopters below cost drop out, and aware eligible
        firms decide (random-utility logit with a persistent taste); for 10b a yes puts the
        firm in the queue for vertical space."""
        f, prm = self.firms, self.prm
        review = np.flatnonzero(self.dice.uniform("review", f.slot) < prm["decision.review_prob"])
        behaviour.learn_from_peers(f, self.seen, review, prm["decision.learning_weight"])
        behaviour.drop_out(f, self.benefit, self.measures, review, prm["decision.dropout_reviews"])
        f.adopted[:, self._far] = f.upper  # 10b is held while the firm is in vertical space
        if not self.live.any():
            return
        rows, cols = behaviour.decide(f, self.seen, self.effects, self.measures, prm, review)
        far = cols == self._far
        f.wants_upper[rows[far]] = True
        f.adopted[rows[~far], cols[~far]] = True

    def move_up_the_floors(self) -> None:
        """Firms queued for vertical space move in, zone by zone in a random queue order,
        while it lasts; the rest keep waiting (developers see them as demand)."""
        f, space = self.firms, self.space
        queued = np.flatnonzero(f.wants_upper & ~f.upper)
        if len(queued) == 0:
            self.waiting_floor = np.zeros(len(self.zone_ids))
            return
        key = self.dice.uniform("place", f.slot)[queued]
        order = queued[np.lexsort((key, f.zone[queued]))]
        zone, floor = f.zone[order], f.floor[order]
        taken = np.cumsum(floor)
        zone_starts = np.r_[True, zone[1:] != zone[:-1]]
        before_zone = np.maximum.accumulate(np.where(zone_starts, taken - floor, 0.0))
        moving = taken - before_zone <= space.free(upper=True)[zone]
        movers = order[moving]
        space.move_out(f.zone[movers], f.floor[movers], f.upper[movers])
        f.upper[movers], f.wants_upper[movers] = True, False
        space.move_in(f.zone[movers], f.floor[movers], f.upper[movers])
        f.adopted[movers, self._far] = f.aware[movers, self._far] = True
        self.waiting_floor = np.bincount(
            zone[~moving], weights=floor[~moving], minlength=len(self.zone_ids)
        )

    def operate(self) -> None:
        """Adopters' effects: benefits, extra sales, and trade's response to time saved."""
        f = self.firms
        self._adopted = rows, cols = behaviour.pairs(f.adopted)
        net = self.benefit[rows, cols] - self.measures.running_cost[cols]
        f.policy_profit = np.bincount(rows, weights=net, minlength=len(f))
        uplift, days, approval, credit = self.effects.totals(
            ("uplift", "days", "approval_days", "credit"), rows, cols
        )
        base_clearance = self.clearance_base[f.zone]
        floor_days = self.prm["trade.min_clearance_days"]
        f.days_saved = base_clearance - np.maximum(base_clearance - days, floor_days)
        tau = self.factory.tau_by_sector[f.sector]  # trade response per day saved
        trade_mult = np.exp(tau * (f.days_saved + approval))
        activity = f.base * (1 + uplift)
        f.revenue = activity * (1 + f.trade_share * (trade_mult - 1))
        f.profit = behaviour.profit(f)
        f.imports = activity * f.import_int * trade_mult
        f.exports = activity * f.export_int * trade_mult
        f.employees = activity / f.revenue_per_employee
        self._credit_relief = credit

    def grow(self) -> None:
        """Gibrat growth plus reinvested policy profit, capped by credit, then by floor space."""
        f, prm = self.firms, self.prm
        eps = self.dice.laplace("grow", f.slot)  # unit variance
        wanted = behaviour.desired_growth(f, prm, f.policy_profit, eps)
        f.credit_limit *= 1 + prm["credit.limit_growth"] / MONTHS
        wanted = np.minimum(
            wanted, np.maximum(behaviour.credit_cap(f, prm, self._credit_relief), f.base)
        )
        per_revenue = f.floor_intensity * self._space_thrift()[f.zone]
        floor = self.space.ration(f, wanted * per_revenue)
        # relative tolerance: a firm granted all it asked for is not constrained by rounding
        f.space_constrained = floor < wanted * per_revenue * (1 - 1e-9)
        f.base = np.where(f.space_constrained, floor / per_revenue, wanted)
        f.log_size = behaviour.log_size(f.base, prm)
        f.floor = floor
        f.age += 1
        self.space.count_occupancy(f)

    def build_and_set_rents(self) -> None:
        """Developers build toward target vacancy; rents follow vacancy."""
        for developer in self.developers:
            developer.build()
        self.space.update_rent(self.prm)

    def exit_enter_and_relocate(self) -> None:
        """Firms close on a hazard or below the minimum size; a few established firms
        reconsider their zone; new firms choose among the zones and the outside option.
        Moving in or entering needs room in the zone."""
        f, prm = self.firms, self.prm
        p = behaviour.exit_probability(f, prm, f.policy_profit, self._exit_size_norm)
        leaving = (self.dice.uniform("exit", f.slot) < p) | (f.base < prm["firms.min_revenue"])
        self._flows["exits"] = np.bincount(f.zone[leaving], minlength=len(self.zone_ids))
        for fid in f.fid[leaving].tolist():
            self._agents_by_fid.pop(fid).remove()
        self.space.move_out(f.zone[leaving], f.floor[leaving], f.upper[leaving])

        counts = self._firm_counts(f.cell)
        pull = self._policy_index(counts)  # eligible shares before exits, as the counts
        v = self._location_utilities(pull, counts - self._firm_counts(f.cell[leaving]))
        self._relocate(v, staying=~leaving)
        f.replace(~leaving, self._enter(v))
        self.space.count_occupancy(f)

    # ------------------------------------------------------------------ entry and relocation
    def _calibrate_entry(self, firm_scale: float) -> None:
        """Location utilities, and the stream of potential entrants per sector and month:
        enough to replace the exits expected at the start, allowing for entrants' own higher
        first-year exits. Calibrated on the world without the plan, so every scenario run with
        the same seed sees the same potential entrants."""
        self.live = np.zeros_like(self.measures.enabled_in)
        self._exit_size_norm = float(behaviour.size_factor(self.firms, self.prm).mean())
        counts = self._firm_counts(self.firms.cell)
        planned = self.prm.vector("zone.{}.firms", self.zone_ids)[:, None] * firm_scale
        expected = planned * self.mix
        self.location = LocationChoice(self.prm, expected, counts, self.space.rent)
        # unscaled floor of a typical entrant of each sector (m²)
        sectors = np.arange(len(self.sector_ids))
        self._typical_entrant_floor = self.factory.floor_need(
            sectors, self.factory.revenue_median * self.prm["entry.size_factor"]
        )
        v = self._location_utilities(np.zeros(counts.shape), counts)
        p_in, _ = self.location.entry_probabilities(v)
        f, prm = self.firms, self.prm
        exits = behaviour.exit_probability(f, prm, np.zeros(len(f)), self._exit_size_norm)
        expected_exits = np.bincount(f.sector, weights=exits, minlength=len(self.sector_ids))
        # In a steady state entrants replace exits net of their own first-year losses.
        typical = SimpleNamespace(
            base=self.factory.revenue_median * prm["entry.size_factor"],
            age=np.zeros(len(self.sector_ids)),
            margin=self.factory.by_sector["margin"],
            revenue=self.factory.revenue_median * prm["entry.size_factor"],
        )
        typical.log_size = behaviour.log_size(typical.base, prm)
        typical.profit = behaviour.profit(typical)
        first_month = behaviour.exit_probability(typical, prm, 0.0, self._exit_size_norm)
        first_year_survival = (1 - first_month) ** MONTHS
        self.potential_entrants = expected_exits / p_in / first_year_survival
        self.pool = EntrantPool(
            self._potential_entrants,
            lambda index: self.dice.stream("pool", index),
            expected=self.potential_entrants * p_in,
        )

    def _policy_index(self, counts: np.ndarray) -> np.ndarray:
        """Pull of each zone on each sector's entrants (Z x S): the attraction of every measure
        live in the zone, weighted by the share of the sector's firms there that are eligible
        for it (the sector-wide share where the zone has none of the sector yet). ``counts``:
        the firms per zone and sector that the eligible counts cover."""
        z, s = len(self.zone_ids), len(self.sector_ids)
        eligible = self.firms.eligible_in_cell.reshape(z, s, -1)
        counts = counts[:, :, None]
        sector_wide = eligible.sum(axis=0) / np.maximum(counts.sum(axis=0), 1)
        share = np.where(counts > 0, eligible / np.maximum(counts, 1), sector_wide)
        return np.einsum("kz,ks,zsk->zs", self.live, self.measures.pull, share)

    def _location_utilities(self, policy_index: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Utility of each zone for each sector's entrants and movers (Z x S), given the firms
        per zone and sector."""
        room = self._room_by_sector()
        return self.location.utilities(self.space.rent, counts, policy_index, room)

    def _space_thrift(self) -> np.ndarray:
        """Per zone, floor space a firm uses per unit of revenue relative to the start: firms
        economise on space as rent rises (constant elasticity)."""
        return (self.space.rent / self.space.start_rent) ** -self.prm["space.demand_elasticity"]

    def _room_by_sector(self) -> np.ndarray:
        """1 where a zone has room for a typical entrant of the sector (Z x S)."""
        scale = self.floor_scale * self._space_thrift()
        typical = self._typical_entrant_floor * scale[:, None]
        ground = self.space.free(upper=False)[:, None] >= typical
        vertical = (self.space.free(upper=True)[:, None] >= typical) & self.factory.vertical[
            None, :
        ]
        return (ground | (vertical & self.live[self._far][:, None])).astype(float)

    def _enter(self, v: np.ndarray) -> Batch | None:
        """Draw this month's entrants and place them; returns them as a batch of firms."""
        rng = self.dice.stream("entry")
        p_in, p_zone = self.location.entry_probabilities(v)
        # Poisson arrivals per sector, split among zones: independent Poisson per zone (Z, S)
        by_zone = rng.poisson(self.potential_entrants * p_in * p_zone).T  # (S, Z)
        sector, zone = np.nonzero(by_zone)
        repeat = by_zone[sector, zone]
        arrival = rng.permutation(repeat.sum())  # arrivals compete for space in random order
        sector, zone = np.repeat(sector, repeat)[arrival], np.repeat(zone, repeat)[arrival]
        if len(sector) == 0:
            self._flows["entries"] = np.zeros(len(self.zone_ids), dtype=int)
            return None
        rows = self.pool.arrive(sector)
        revenue = self.pool.store["revenue"][rows]
        floor = (
            self.factory.floor_need(sector, revenue)
            * (self.floor_scale * self._space_thrift())[zone]
        )
        upper = self._place(zone, floor, self.factory.vertical[sector] & self.live[self._far][zone])
        placed = upper >= 0
        self._flows["entries"] = np.bincount(zone[placed], minlength=len(self.zone_ids))
        return self._new_firms(rows[placed], zone[placed], floor[placed], upper[placed] == 1)

    def _place(self, zone, floor, may_go_up) -> np.ndarray:
        """For each arriving firm: 0 placed on the ground, 1 in vertical space, -1 no room."""
        # plain Python numbers: this loop runs once per arriving firm
        ground, upper = self.space.free(upper=False).tolist(), self.space.free(upper=True).tolist()
        where = []
        for z, need, up in zip(zone.tolist(), floor.tolist(), may_go_up.tolist(), strict=True):
            if need <= ground[z]:
                ground[z] -= need
                where.append(0)
            elif up and need <= upper[z]:
                upper[z] -= need
                where.append(1)
            else:
                where.append(-1)
        return np.array(where, dtype=int)

    def _relocate(self, v: np.ndarray, staying: np.ndarray) -> None:
        f, prm = self.firms, self.prm
        rng = self.dice.stream("relocate")
        draws = rng.random(int(f.slot.max()) + 1)[f.slot]
        reviewing = np.flatnonzero((draws < prm["relocation.review_prob"]) & staying)
        if len(reviewing) == 0:
            return
        utility = v[:, f.sector[reviewing]].T - prm["relocation.moving_cost"]
        utility[np.arange(len(reviewing)), f.zone[reviewing]] += prm["relocation.moving_cost"]
        choice = np.argmax(utility + rng.gumbel(size=utility.shape), axis=1)
        movers, to = self._movers_with_room(reviewing, choice)
        if len(movers) == 0:
            return
        origin = f.zone[movers]
        self.space.move_out(origin, f.floor[movers], f.upper[movers])
        f.move(movers, to, len(self.sector_ids))
        f.upper[movers], f.wants_upper[movers] = False, False
        self.space.move_in(to, f.floor[movers], f.upper[movers])
        # measures are zone programmes: a mover starts afresh
        f.adopted[movers] = False
        f.below_cost[movers] = 0
        f.aware[movers] &= self.live.T[to]
        fresh = self.exposure[to] + rng.standard_exponential((len(movers), len(self.measures)))
        f.aware_at[movers] = np.where(f.aware[movers], f.aware_at[movers], fresh)
        z = len(self.zone_ids)
        self._flows["relocations_out"] = np.bincount(origin, minlength=z)
        self._flows["relocations_in"] = np.bincount(to, minlength=z)

    def _movers_with_room(self, reviewing: np.ndarray, choice: np.ndarray):
        """The reviewing firms whose chosen zone differs from theirs and has ground space
        left for them, in turn; returns their rows and destination zones."""
        f = self.firms
        ground = self.space.free(upper=False).tolist()
        away = np.flatnonzero(choice != f.zone[reviewing])
        moving = []
        for i, to, need in zip(
            away.tolist(), choice[away].tolist(), f.floor[reviewing[away]].tolist(), strict=True
        ):
            if need <= ground[to]:
                ground[to] -= need
                moving.append(i)
        return reviewing[moving], choice[moving]

    # ------------------------------------------------------------------ firms
    def _create_starting_firms(self, scale: float) -> None:
        rng = self.rng
        counts = np.rint(self.prm.vector("zone.{}.firms", self.zone_ids) * scale).astype(int)
        zone = np.repeat(np.arange(len(self.zone_ids)), counts)
        sector = np.concatenate(
            [rng.choice(len(self.sector_ids), n, p=self.mix[z]) for z, n in enumerate(counts)]
        )
        revenue = self.factory.draw_revenue(sector, rng)
        need = self.factory.floor_need(sector, revenue)
        # Scale each zone's floor so its firms fill the occupied stock at the start.
        self.floor_scale = self.space.ground_occupied / np.bincount(
            zone, weights=need, minlength=len(counts)
        )
        fid = np.arange(len(zone))
        established = np.full(len(zone), int(self.prm["firms.starting_age"]))
        cols, mats = self.factory.make(
            fid, zone, sector, revenue, need * self.floor_scale[zone], established, rng
        )
        mats["eligible"] = self.measures.eligible(SimpleNamespace(**cols), self.prm)
        self.firms = FirmTable(cols, mats, n_cells=len(self.zone_ids) * len(self.sector_ids))
        self._agents_by_fid = {int(i): Enterprise(self, int(i)) for i in fid}

    def _potential_entrants(self, sector: int, count: int, rng: np.random.Generator) -> Batch:
        """``count`` potential entrants of one sector, with all they bring when they enter
        except what depends on the zone they choose (set by ``_new_firms``)."""
        sectors = np.full(count, sector)
        revenue = self.factory.draw_revenue(sectors, rng, self.prm["entry.size_factor"])
        nowhere, zero = np.zeros(count, dtype=int), np.zeros(count)
        cols, mats = self.factory.make(nowhere, nowhere, sectors, revenue, zero, nowhere, rng)
        mats["eligible"] = self.measures.eligible(SimpleNamespace(**cols), self.prm)
        return self.firms.batch(cols, mats)

    def _new_firms(self, rows, zone, floor, upper) -> Batch:
        """Potential entrants ``rows`` of the pool entering ``zone`` on ``floor`` m² (in
        vertical space where ``upper``), with their Enterprise agents."""
        f, new = self.firms, self.pool.store.take(rows)
        fid = np.arange(f.next_fid, f.next_fid + len(rows))
        new["fid"], new["zone"], new["floor"], new["upper"] = fid, zone, floor, upper
        new["cell"] = zone * len(self.sector_ids) + new["sector"]
        # floor per unit of revenue at starting rents: growth applies the rent in force
        new["floor_intensity"] = floor / (new["revenue"] * self._space_thrift()[zone])
        new["aware_at"] += self.exposure[zone]  # Bass exposure counts from entry
        new["adopted"][:, self._far] = new["aware"][:, self._far] = upper
        for i in fid.tolist():
            self._agents_by_fid[i] = Enterprise(self, i)
        return new

    def _firm_counts(self, cells: np.ndarray) -> np.ndarray:
        """Firms per zone and sector (Z x S) among the firms in ``cells``."""
        z, s = len(self.zone_ids), len(self.sector_ids)
        return np.bincount(cells, minlength=z * s).reshape(z, s)

    def _no_flows(self) -> dict[str, np.ndarray]:
        zero = np.zeros(len(self.zone_ids), dtype=int)
        return {k: zero for k in ("entries", "exits", "relocations_in", "relocations_out")}

    # ------------------------------------------------------------------ records
    def record_uptake(self) -> None:
        """Per measure and zone: eligible, aware and adopted firms, uptake share, benefit."""
        f, z = self.firms, len(self.zone_ids)
        eligible = behaviour.cells_to_zones(f.eligible_in_cell, z)
        rows, cols = self._adopted  # adoption has not changed since operate()
        adopted, benefit = f.sums_by(f.zone, z, rows, cols, self.benefit[rows, cols])
        (aware,) = f.sums_by(f.zone, z, *behaviour.pairs(f.aware & f.eligible))
        uptake = behaviour.share(adopted, eligible)
        self.recorder.record_uptake(
            self.month,
            {
                "eligible": eligible.T,
                "aware": aware.T,
                "adopted": adopted.T,
                "uptake_share": uptake.T,
                "annual_benefit_rmb_m": benefit.T,
            },
        )

    def record_zones(self) -> None:
        """Per zone: firms, flows, employment, trade, floor space, rent, clearance time."""
        f, space, z = self.firms, self.space, len(self.zone_ids)

        def by_zone(values=None):
            return np.bincount(f.zone, weights=values, minlength=z).astype(float)

        firms = by_zone()
        revenue = by_zone(f.revenue)
        clearance = self.clearance_base[f.zone] - f.days_saved
        self.recorder.record_zones(
            self.month,
            {
                "firms": firms,
                **self._flows,
                "employment": by_zone(f.employees),
                "revenue_rmb_m": revenue,
                "imports_rmb_m": by_zone(f.imports),
                "exports_rmb_m": by_zone(f.exports),
                "floor_stock_m2": space.stock,
                "vertical_stock_m2": space.upper_stock,
                "occupied_m2": space.occupied,
                "vacancy": space.vacancy,
                "rent_rmb_m2_day": space.rent,
                "output_per_km2_rmb_m": revenue / space.land_km2,
                "clearance_days": by_zone(clearance) / np.maximum(firms, 1),
                "space_constrained_firms": by_zone(f.space_constrained.astype(float)),
            },
        )
        self._flows = self._no_flows()

    def record_sectors(self) -> None:
        """Per zone and sector: firms, employment, revenue, trade, floor space, adopters."""
        f = self.firms

        def by_cell(values=None):
            return np.bincount(f.cell, weights=values, minlength=f.n_cells).astype(float)

        self.recorder.record_sectors(
            self.month,
            {
                "firms": by_cell(),
                "employment": by_cell(f.employees),
                "revenue_rmb_m": by_cell(f.revenue),
                "imports_rmb_m": by_cell(f.imports),
                "exports_rmb_m": by_cell(f.exports),
                "floor_m2": by_cell(f.floor),
                "adopters": by_cell(f.adopted.any(axis=1).astype(float)),
            },
        )

    # ------------------------------------------------------------------ results
    def zone_kpis(self) -> pd.DataFrame:
        """One row per zone and month: the KPIs in ``ZONE_KPIS`` (units in the README)."""
        return self.recorder.zone_frame()

    def sector_kpis(self) -> pd.DataFrame:
        """One row per zone, sector and month: the KPIs in ``SECTOR_KPIS``."""
        return self.recorder.sector_frame()

    def uptake(self) -> pd.DataFrame:
        """One row per measure, zone and month: eligible, aware, adopted, uptake share, benefit."""
        return self.recorder.uptake_frame()

    def enterprises(self) -> list[Enterprise]:
        """The Enterprise agents now in the model."""
        return list(self.agents_by_type[Enterprise])

    def run(self) -> ZoneModel:
        """Step to the horizon; returns the model."""
        while self.month < self.months:
            self.step()
        return self


__all__ = ["ZoneModel", "ZONE_KPIS", "SECTOR_KPIS", "UPTAKE"]
