"""ZoneModel: the enterprises of Shanghai's six comprehensive bonded zones under a policy."""

from __future__ import annotations

import weakref
from types import SimpleNamespace

import mesa
import numpy as np
import pandas as pd

from ..agents import behaviour
from ..agents.batch import Batch
from ..agents.developer import Developer, Developers
from ..agents.enterprise import Enterprise
from ..agents.population import FirmTable
from .calendar import MONTHS_PER_YEAR, start_period
from .demography import Demography, firm_counts
from .firms import FirmFactory
from .market import PROGRAMME_LAUNCH, MarketPath
from .measures import FAR_MEASURE, MeasureBook
from .mechanisms import (
    MECHANISMS,
    Assessment,
    Context,
    Effect,
    measure_params,
)
from .parameters import Parameters
from .randomness import Dice
from .reporters import MEASURE_KPIS, SECTOR_KPIS, ZONE_KPIS, HeadlineCollector, Recorder
from .scenario import ZoneScenario
from .space import ZoneSpace
from .tables import sector_mix, sector_table, zone_table


def _check_scenario(scenario: ZoneScenario, prm: Parameters) -> None:
    """A firm scale the model cannot run with, named plainly."""
    firms = prm.vector("zone.{}.firms", list(zone_table().index))
    if np.rint(firms * scenario.firm_scale).min() < 1:
        raise ValueError(
            f"firm_scale {scenario.firm_scale!r} leaves a zone with no firms; "
            f"it must be at least {0.5 / firms.min():.3g}"
        )


class ZoneModel(mesa.Model):
    """Firms in six zones take up the plan's measures month by month (ODD: docs/ODD.md).

    Parameters
    ----------
    scenario : ZoneScenario, optional
        The run object: policy, parameter overrides, horizon, firm scale, and its ``rng``
        (the seed). Default: the 2024 plan.
    rng : int or numpy Generator, optional
        Seed, when no scenario is given; the same seed gives identical results.
    **overrides
        Scenario fields when no scenario is given, e.g. ``policy=Policy.baseline()`` or
        ``months=24`` (Mesa's batch_run passes its parameters this way).
    """

    def __init__(self, scenario: ZoneScenario | None = None, *, rng=None, **overrides):
        if scenario is None:
            scenario = ZoneScenario(rng=rng, **overrides)
        elif rng is not None or overrides:
            raise TypeError("pass either a ZoneScenario or rng and scenario fields, not both")
        prm = Parameters(scenario.params)
        _check_scenario(scenario, prm)
        super().__init__(scenario=scenario)
        self.policy = scenario.policy
        self.prm = prm
        self.months = scenario.months
        self.start = start_period(scenario.start)
        self.firm_scale = scenario.firm_scale
        self.month = 0
        self.dice = Dice(self.rng)

        zones, sectors = zone_table(), sector_table()
        self.zone_ids, self.sector_ids = list(zones.index), list(sectors.index)
        self.measures = MeasureBook(
            self.prm, self.policy, self.zone_ids, self.sector_ids, self.dice.stream("approval")
        )
        self.measure_ids = self.measures.ids
        self.far_index = self.measures.index[FAR_MEASURE]
        self.live = self.measures.live(0)
        self.mechanisms = [
            (MECHANISMS[name], measure_params(self.prm, mid))
            for mid, name in zip(self.measure_ids, self.measures.mechanism, strict=True)
        ]

        self.market = MarketPath(self.prm, self.start, self.months, scenario.market)
        self.space = ZoneSpace(
            self.prm, self.zone_ids, self.firm_scale, self.market.rent[0], self.market.vacancy[0]
        )
        # month of the run in which the up-the-floors programme starts (negative: before it)
        self.programme_month = (PROGRAMME_LAUNCH - self.start).n
        self.programme_sector = sectors["programme"].to_numpy()
        self.factory = FirmFactory(
            self.prm,
            self.sector_ids,
            sectors["can_go_vertical"].to_numpy(),
            self.programme_sector,
            len(self.measures),
        )
        self.clearance_base = self.prm.vector("zone.{}.clearance_days", self.zone_ids)
        # cumulative Bass hazard per zone and measure (Z x K); see behaviour.become_aware
        self.exposure = np.zeros((len(self.zone_ids), len(self.measures)))
        self.mix = sector_mix(self.prm).to_numpy()  # share of each sector in each zone (Z x S)
        self._create_starting_firms()
        self.set_floor_area_caps()
        self.developers = Developers(self.prm, self.space)
        Developer.create_agents(self, len(self.zone_ids), zone=list(range(len(self.zone_ids))))
        self.waiting_floor = np.zeros(len(self.zone_ids))  # m² queuing for vertical space
        self.build_before_start()
        self.demography = Demography(self)

        self.recorder = Recorder(
            self.months, self.start, self.zone_ids, self.sector_ids, self.measure_ids
        )
        self.flows = self._no_flows()
        self.assess_measures()
        self.adopted_pairs = behaviour.pairs(self.firms.adopted)
        self.recorder.collect_measures(self)
        self.recorder.collect(self)
        # Mesa's DataCollector: headline KPIs of all six zones, read from the recorder
        self.datacollector = HeadlineCollector(self.recorder, self.measures.enabled_in)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ the monthly step
    def step(self) -> None:
        """One month, in the order of the ODD process overview."""
        if self.month >= self.months:
            raise RuntimeError(f"the model has reached its horizon of {self.months} months")
        self.month = self.dice.month = self.steps
        self.switch_policies()
        self.draws = self.dice.firm_draws(self.firms.ident)  # the month's, firm by firm
        self.set_floor_area_caps()
        self.learn_of_measures()
        self.decide_on_measures()
        self.move_into_vertical_space()
        self.operate()
        self.recorder.collect_measures(self)  # the firms active this month
        self.grow()
        self.build_and_set_rents()
        self.exit_enter_and_relocate()
        self.assess_measures()
        self.recorder.collect(self)  # the month's closing state
        self.datacollector.collect(self)
        if self.month >= self.months:
            self.running = False

    # ------------------------------------------------------------------ submodels
    def switch_policies(self) -> None:
        """Which measures apply in which zone this month."""
        self.live = self.measures.live(self.month)

    def set_floor_area_caps(self) -> None:
        """The FAR each zone's plots may reach this month: the legacy FAR, the programme's
        once it runs, the plan's higher cap where measure 10b is live; and which sectors may
        use vertical space in each zone (the programme's sectors once it runs, every sector
        that can go up the floors where 10b lets a building serve several functions)."""
        space = self.space
        self.programme_on = programme_on = self.month >= self.programme_month
        far_on = self.live[self.far_index]
        self.far_programme = space.far_programme if programme_on else space.far_now
        self.far_cap = np.where(far_on, space.far_upgraded, self.far_programme)
        self.may_go_vertical = (programme_on & self.programme_sector)[None, :] | (
            far_on[:, None] & self.factory.can_go_vertical[None, :]
        )  # Z x S

    def build_before_start(self) -> None:
        """Vertical space the programme started between its launch and month 0, at its
        pace: what is complete is in the stock (empty at the start), the rest in the
        developers' pipelines."""
        no_demand = np.zeros(len(self.zone_ids), dtype=bool)
        for _ in range(max(-self.programme_month, 0)):
            self.developers.complete()
            # the plan's measures were not in force before: the programme's caps
            self.developers.start_vertical(
                self.far_programme, self.far_programme, self.waiting_floor, no_demand
            )

    def assess_measures(self) -> None:
        """What each measure would bring each firm (benefit, costs, effects), judged on the
        month's closing state and used in the next month's decisions. Eligibility depends on
        fixed firm attributes and is set when a firm is created."""
        f = self.firms
        ctx = Context(self.prm, self.space.rent[f.zone], f, self.factory.tau_by_sector)
        # Only what a firm can be using next month is read (adopters', and aware firms'
        # of measures live in their zone): a measure live nowhere then has nothing to assess.
        live = self.measures.live(self.month + 1).any(axis=1)
        effects = [
            fn(f, m, ctx) if on else Effect()
            for (fn, m), on in zip(self.mechanisms, live, strict=True)
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
        review = np.flatnonzero(self.draws.review < prm["decision.review_prob"])
        behaviour.learn_from_peers(f, self.seen, review, prm["decision.learning_weight"])
        behaviour.drop_out(f, self.benefit, self.measures, review, prm["decision.dropout_reviews"])
        # 10b is held while in vertical space that only the plan opened to the firm's sector
        f.adopted[:, self.far_index] = f.in_vertical & f.eligible[:, self.far_index]
        if not self.live.any():
            return
        rows, cols = behaviour.decide(f, self.seen, self.effects, self.measures, prm, review)
        far = cols == self.far_index
        f.wants_vertical[rows[far]] = True
        f.adopted[rows[~far], cols[~far]] = True

    def move_into_vertical_space(self) -> None:
        """Firms queued for vertical space move in, zone by zone in a random queue order,
        while it lasts; the rest keep waiting (developers see them as demand). The queue
        holds the firms that said yes to 10b and, once the programme runs, its sectors'
        firms that were short of space last month."""
        f, space = self.firms, self.space
        if self.programme_on:
            f.wants_vertical |= f.space_constrained & ~f.in_vertical & f.programme_sector
        queued = np.flatnonzero(f.wants_vertical & ~f.in_vertical)
        if len(queued) == 0:
            self.waiting_floor = np.zeros(len(self.zone_ids))
            return
        key = self.draws.place[queued]
        order = queued[np.lexsort((key, f.zone[queued]))]
        zone, floor = f.zone[order], f.floor[order]
        taken = np.cumsum(floor)
        zone_starts = np.concatenate(([True], zone[1:] != zone[:-1]))  # np.r_ is slow Python
        before_zone = np.maximum.accumulate(np.where(zone_starts, taken - floor, 0.0))
        moving = taken - before_zone <= space.free(vertical=True)[zone]
        movers = order[moving]
        space.move_out(f.zone[movers], f.floor[movers], f.in_vertical[movers])
        f.in_vertical[movers], f.wants_vertical[movers] = True, False
        space.move_in(f.zone[movers], f.floor[movers], f.in_vertical[movers])
        plan_only = f.eligible[movers, self.far_index]
        f.adopted[movers, self.far_index] |= plan_only
        f.aware[movers, self.far_index] |= plan_only
        self.waiting_floor = np.bincount(
            zone[~moving], weights=floor[~moving], minlength=len(self.zone_ids)
        )

    def operate(self) -> None:
        """Adopters' effects: benefits, new lines of business, floor brought into the zone,
        and trade's response to time saved."""
        f = self.firms
        self.adopted_pairs = rows, cols = behaviour.pairs(f.adopted)
        net = self.benefit[rows, cols] - self.measures.running_cost[cols]
        f.policy_profit = np.bincount(rows, weights=net, minlength=len(f))
        sales, imports, exports, days, credit, floor_share = self.effects.totals(
            ("sales", "imports", "exports", "days", "credit", "floor_share"), rows, cols
        )
        base_clearance = self.clearance_base[f.zone]
        floor_days = self.prm["trade.min_clearance_days"]
        f.days_saved = base_clearance - np.maximum(base_clearance - days, floor_days)
        tau = self.factory.tau_by_sector[f.sector]  # trade response per day saved
        trade_mult = np.exp(tau * f.days_saved)
        # the firm's own business, with trade's response to time saved, plus new lines
        f.revenue = f.base * (1 + f.trade_share * (trade_mult - 1)) + sales
        f.imports = f.base * f.import_int * trade_mult + imports
        f.exports = f.base * f.export_int * trade_mult + exports
        f.employees = (f.base + sales) / f.revenue_per_employee
        f.extra_floor_share = floor_share
        f.rent_gain = behaviour.rent_gain(f, self.space.rent, self.space.start_rent, self.prm)
        f.profit = behaviour.profit(f, f.rent_gain)
        self._credit_relief = credit

    def grow(self) -> None:
        """Gibrat growth plus reinvested policy profit and rent saved (less rent
        overpaid), capped by credit, then by floor space."""
        f, prm = self.firms, self.prm
        eps = self.draws.grow  # unit variance
        wanted = behaviour.desired_growth(f, prm, f.policy_profit + f.rent_gain, eps)
        f.credit_limit *= 1 + prm["credit.limit_growth"] / MONTHS_PER_YEAR
        wanted = np.minimum(
            wanted, np.maximum(behaviour.credit_cap(f, prm, self._credit_relief), f.base)
        )
        # floor per unit of revenue, with the floor a measure brings into the zone (10a)
        per_revenue = f.floor_intensity * self.space.thrift[f.zone] * (1 + f.extra_floor_share)
        wanted_floor = wanted * per_revenue
        floor = self.space.ration(f, wanted_floor)
        # relative tolerance: a firm granted all it asked for is not constrained by rounding
        f.space_constrained = floor < wanted_floor * (1 - 1e-9)
        f.unmet_floor_share = np.where(f.space_constrained, 1 - floor / wanted_floor, 0.0)
        f.base = np.where(f.space_constrained, floor / per_revenue, wanted)
        f.log_size = behaviour.log_size(f.base, prm)
        f.floor = floor
        f.age += 1
        self.space.count_occupancy(f)

    def build_and_set_rents(self) -> None:
        """Developers build; rents follow the market and each zone's vacancy."""
        self.developers.build(self.far_cap, self.far_programme, self.waiting_floor)
        t = self.month
        self.space.update_rent(self.prm, self.market.rent[t], self.market.vacancy[t])

    def exit_enter_and_relocate(self) -> None:
        """Firms close on a hazard or below the minimum size; a few established firms
        reconsider their zone; new firms choose among the zones and the outside option.
        Moving in or entering needs room in the zone."""
        f, people = self.firms, self.demography
        self.flows = self._no_flows()
        leaving = people.exits()
        self.flows["exits"] = np.bincount(f.zone[leaving], minlength=len(self.zone_ids))
        for agent in f.agent[leaving].tolist():
            agent().remove()
        self.space.move_out(f.zone[leaving], f.floor[leaving], f.in_vertical[leaving])

        counts = firm_counts(self, f.cell)
        share = people.eligible_share(counts)  # before exits, as the counts
        pull = people.policy_pull(share)
        v = people.utilities(pull, counts - firm_counts(self, f.cell[leaving]), self.live)
        people.note_entry(v, pull, share)  # for the entrants each measure drew
        people.relocate(v, staying=~leaving)
        f.replace(~leaving, people.enter(v))
        self.space.count_occupancy(f)

    # ------------------------------------------------------------------ firms
    def _create_starting_firms(self) -> None:
        """Each zone's starting firms, their sectors drawn from the zone's mix, filling its
        occupied floor stock; each with its Enterprise agent."""
        rng = self.rng
        counts = np.rint(self.prm.vector("zone.{}.firms", self.zone_ids) * self.firm_scale)
        counts = counts.astype(int)
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
        established = np.full(len(zone), int(self.prm["firms.starting_age"]))
        agents = [Enterprise(self) for _ in range(len(zone))]  # a list: see add_enterprises
        fid = np.array([agent.unique_id for agent in agents])
        cols, mats = self.factory.make(
            fid, zone, sector, revenue, need * self.floor_scale[zone], established, rng
        )
        cols["agent"] = np.array([weakref.ref(agent) for agent in agents], dtype=object)
        cols["ident"] = np.arange(len(zone))  # keys the firm's random draws for life
        mats["eligible"] = self.measures.eligible(SimpleNamespace(**cols), self.prm)
        self.firms = FirmTable(cols, mats, n_cells=len(self.zone_ids) * len(self.sector_ids))

    def add_enterprises(self, new: Batch) -> None:
        """Create the Enterprise agents of the firms in ``new`` (entrants): their ids go in
        its ``fid`` column, (weak) references to them in its ``agent`` column."""
        # a plain list, not create_agents' AgentSet: this runs every month, and building the
        # set's weak-keyed dictionary costs more than the few agents themselves
        agents = [Enterprise(self) for _ in range(len(new))]
        new["fid"] = [agent.unique_id for agent in agents]
        new["agent"] = [weakref.ref(agent) for agent in agents]

    def _no_flows(self) -> dict[str, np.ndarray]:
        zero = np.zeros(len(self.zone_ids), dtype=int)
        counts = ("entries", "exits", "expected_exits", "relocations_in", "relocations_out")
        return dict.fromkeys(counts, zero)

    # ------------------------------------------------------------------ results
    def zone_kpis(self) -> pd.DataFrame:
        """One row per zone and month: the KPIs in ``ZONE_KPIS`` (units in the README)."""
        return self.recorder.zone_frame()

    def sector_kpis(self) -> pd.DataFrame:
        """One row per zone, sector and month: the KPIs in ``SECTOR_KPIS``."""
        return self.recorder.sector_frame()

    def measure_kpis(self) -> pd.DataFrame:
        """One row per measure, zone and month: the KPIs in ``MEASURE_KPIS`` (eligible, aware
        and adopted firms, benefit gross and net, costs paid, days saved, credit unlocked,
        floor used, entrants drawn)."""
        drawn = self.demography.entrants_drawn(self.recorder.last)
        return self.recorder.measure_frame(entrants_drawn=drawn)

    def enterprises(self) -> list[Enterprise]:
        """The Enterprise agents now in the model."""
        return list(self.agents_by_type[Enterprise])

    def run(self) -> ZoneModel:
        """Step to the horizon; returns the model."""
        while self.month < self.months:
            self.step()
        return self


__all__ = ["ZoneModel", "ZONE_KPIS", "SECTOR_KPIS", "MEASURE_KPIS"]
