"""Firms leaving, entering and moving between the six zones (ODD: process step 10, 7.8).

Exits follow a hazard (agents.behaviour.exit_probability); entrants and movers choose among
the zones (and entrants an outside option) by the nested logit of :class:`LocationChoice`;
an arriving firm needs room in the zone it chose. The stream of potential entrants is set
once, on the world without the plan, so that every scenario run with the same seed sees the
same potential entrants.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np

from ..agents import behaviour
from ..agents.batch import Batch
from .calendar import MONTHS_PER_YEAR
from .entrants import EntrantPool
from .location import LocationChoice

if TYPE_CHECKING:
    from .model import ZoneModel


class Demography:
    """Exits, relocation and entry of firms, for one model.

    Parameters
    ----------
    model : ZoneModel
        Its starting firms, space and measures are in place; its policy is read each month.
    """

    def __init__(self, model: ZoneModel):
        self.model = model
        prm, f, factory = model.prm, model.firms, model.factory
        self.exit_size_norm = float(behaviour.size_factor(f, prm).mean())
        counts = firm_counts(model, f.cell)
        planned = prm.vector("zone.{}.firms", model.zone_ids)[:, None] * model.firm_scale
        # zone-level measures that refer projects to a zone: (measure index, projects a
        # month, the sectors it lists, an even chance over them)
        self.referrals = []
        for k, mid in enumerate(model.measure_ids):
            if f"m{mid}.referrals_per_year" in prm and model.measures.enabled_in[k].any():
                sectors = model.measures.sector_ok[k].nonzero()[0]
                rate = prm[f"m{mid}.referrals_per_year"] / MONTHS_PER_YEAR
                self.referrals.append((k, rate, sectors, np.full(len(sectors), 1 / len(sectors))))
        self._referring = [k for k, *_ in self.referrals]
        self._cells = np.arange(len(model.sector_ids) * len(model.zone_ids))  # sector-major
        # for entrants_drawn, by month: utilities, pull, eligible shares, measures live
        self._noted: dict[int, tuple[np.ndarray, ...]] = {}
        self.location = LocationChoice(prm, planned * model.mix, counts, model.space.rent)
        # revenue (RMB m/yr) and unscaled floor (m²) of a typical entrant of each sector
        sectors = np.arange(len(model.sector_ids))
        self.typical_revenue = factory.revenue_median * prm["entry.size_factor"]
        self.typical_entrant_floor = factory.floor_need(sectors, self.typical_revenue)
        no_policy = np.zeros((len(model.measures), len(model.zone_ids)), dtype=bool)
        v = self.utilities(np.zeros(counts.shape), counts, no_policy)
        p_in, _ = self.location.entry_probabilities(v)
        self.potential_entrants = self._replacing_exits(p_in)
        self.pool = EntrantPool(
            self._potential_entrants,
            lambda index: model.dice.stream("pool", index),
            expected=self.potential_entrants * p_in,
        )

    def _replacing_exits(self, p_in: np.ndarray) -> np.ndarray:
        """Potential entrants per sector and month: enough to replace the exits expected at
        the start, net of the entrants' own higher first-year exits (a steady state)."""
        model, prm, f = self.model, self.model.prm, self.model.firms
        exits = behaviour.exit_probability(f, prm, np.zeros(len(f)), self.exit_size_norm)
        expected_exits = np.bincount(f.sector, weights=exits, minlength=len(model.sector_ids))
        typical = SimpleNamespace(
            base=self.typical_revenue,
            age=np.zeros(len(model.sector_ids)),
            margin=model.factory.by_sector["margin"],
            revenue=self.typical_revenue,
        )
        typical.log_size = behaviour.log_size(typical.base, prm)
        typical.profit = behaviour.profit(typical)
        first_month = behaviour.exit_probability(typical, prm, 0.0, self.exit_size_norm)
        first_year_survival = (1 - first_month) ** MONTHS_PER_YEAR
        return expected_exits / p_in / first_year_survival

    # ------------------------------------------------------------------ the month
    def exits(self) -> np.ndarray:
        """Which firms close this month (a hazard, or below the minimum size): a boolean
        per firm row. Records the zones' expected exits (the hazards' sums) in the month's
        flows."""
        model, f, prm = self.model, self.model.firms, self.model.prm
        p = behaviour.exit_probability(f, prm, f.policy_profit + f.rent_gain, self.exit_size_norm)
        p = np.where(f.base < prm["firms.min_revenue"], 1.0, p)  # below the minimum: closes
        # the exits to expect given the firms' state: the same count without the draws' luck
        model.flows["expected_exits"] = np.bincount(f.zone, p, minlength=len(model.zone_ids))
        return model.draws.exit < p

    def utilities(self, pull: np.ndarray, counts: np.ndarray, live: np.ndarray) -> np.ndarray:
        """Utility of each zone for each sector's entrants and movers (Z x S), given the
        policy pull of each zone, the firms per zone and sector, and the measures ``live``
        (K x Z)."""
        room = self.room_by_sector(live)
        return self.location.utilities(self.model.space.rent, counts, pull, room)

    def eligible_share(self, counts: np.ndarray) -> np.ndarray:
        """Share of each zone's firms of each sector eligible for each measure (Z x S x K),
        the sector-wide share where the zone has none of the sector yet. ``counts``: the
        firms per zone and sector that the eligible counts cover."""
        model = self.model
        z, s = len(model.zone_ids), len(model.sector_ids)
        eligible = model.firms.eligible_in_cell.reshape(z, s, -1)
        counts = counts[:, :, None]
        sector_wide = eligible.sum(axis=0) / np.maximum(counts.sum(axis=0), 1)
        return np.where(counts > 0, eligible / np.maximum(counts, 1), sector_wide)

    def policy_pull(self, share: np.ndarray) -> np.ndarray:
        """Pull of each zone on each sector's entrants (Z x S): the attraction of every
        measure live in the zone, weighted by the share of the sector's firms there that are
        eligible for it (``share``: :meth:`eligible_share`)."""
        model = self.model
        return np.einsum("kz,ks,zsk->zs", model.live, model.measures.pull, share)

    def note_entry(self, v: np.ndarray, pull: np.ndarray, share: np.ndarray) -> None:
        """Keep what :meth:`entrants_drawn` needs of this month: entrants' utilities ``v``
        (Z x S), the ``pull`` in them and the eligible ``share`` it came from, and the measures
        live now; in months where a measure pulls or refers projects. A month noted twice
        keeps the last."""
        live = self.model.live
        if pull.any() or live[self._referring].any():
            self._noted[self.model.month] = (v, pull, share, live.copy())

    def entrants_drawn(self, months: int) -> np.ndarray:
        """Expected entrants each measure drew to each zone in each month 0 .. ``months``
        ((months + 1) x K x Z): the rise in each zone's expected entrants of each sector that
        its own policy pull (:meth:`policy_pull`) brought, with that month's utilities
        (LocationChoice.own_gain_entry), shared among the measures live in the zone by their
        part of the pull; plus the projects a zone-level measure was expected to refer to the
        zones where it was live. Entrants a zone's pull takes from the other five zones count
        for it; what it loses to theirs is in the zone KPI ``entries``, not here. Computed
        for all months at once from what :meth:`note_entry` kept."""
        model, book = self.model, self.model.measures
        drawn = np.zeros((months + 1, len(book), len(model.zone_ids)))
        kept = np.array([m for m in self._noted if m <= months], dtype=int)
        if len(kept) == 0:
            return drawn
        v, pull, share, live = (
            np.array(x) for x in zip(*(self._noted[m] for m in kept.tolist()), strict=True)
        )
        for k, rate, *_ in self.referrals:
            drawn[kept, k] += rate * live[:, k]
        pulled = pull.any(axis=(1, 2))
        v, pull, share, live = v[pulled], pull[pulled], share[pulled], live[pulled]
        gain = model.prm["entry.beta_policy"] * pull
        own = self.potential_entrants * self.location.own_gain_entry(v, gain)  # M x Z x S
        # each measure's part of the pull (M x K x Z x S), as policy_pull sums them
        parts = live[..., None] * book.pull[:, None, :] * share.transpose(0, 3, 1, 2)
        per_pull = np.divide(own, pull, out=np.zeros(own.shape), where=pull > 0)
        drawn[kept[pulled]] += (parts * per_pull[:, None]).sum(axis=-1)
        return drawn

    def room_by_sector(self, live: np.ndarray) -> np.ndarray:
        """1 where a zone has room for a typical entrant of the sector (Z x S): on the
        ground, or in vertical space where the sector may use it (ZoneModel.may_go_vertical,
        this month's)."""
        model, space = self.model, self.model.space
        typical = self.typical_entrant_floor * (model.floor_scale * space.thrift)[:, None]
        ground = space.free(vertical=False)[:, None] >= typical
        vertical = (space.free(vertical=True)[:, None] >= typical) & model.may_go_vertical
        return (ground | vertical).astype(float)

    def relocate(self, v: np.ndarray, staying: np.ndarray) -> None:
        """A few established firms reconsider their zone (utilities ``v`` less a moving
        cost) and move where they chose if it has ground space for them; a mover starts
        the measures afresh."""
        model, f, prm = self.model, self.model.firms, self.model.prm
        dice, z = model.dice, len(model.zone_ids)
        reviews = model.draws.relocate < prm["relocation.review_prob"]
        reviewing = np.flatnonzero(reviews & staying)
        if len(reviewing) == 0:
            return
        utility = v[:, f.sector[reviewing]].T - prm["relocation.moving_cost"]
        utility[np.arange(len(reviewing)), f.zone[reviewing]] += prm["relocation.moving_cost"]
        taste = dice.gumbel("relocate_choice", f.ident[reviewing], width=z)
        choice = np.argmax(utility + taste, axis=1)
        movers, to = self._movers_with_room(reviewing, choice)
        if len(movers) == 0:
            return
        origin, space = f.zone[movers], model.space
        space.move_out(origin, f.floor[movers], f.in_vertical[movers])
        f.move(movers, to, len(model.sector_ids))
        f.in_vertical[movers], f.wants_vertical[movers] = False, False
        space.move_in(to, f.floor[movers], f.in_vertical[movers])
        # measures are zone programmes: a mover starts afresh
        f.adopted[movers] = False
        f.below_cost[movers] = 0
        f.aware[movers] &= model.live.T[to]
        fresh = dice.exponential("relocate_awareness", f.ident[movers], width=len(model.measures))
        f.aware_at[movers] = np.where(
            f.aware[movers], f.aware_at[movers], model.exposure[to] + fresh
        )
        model.flows["relocations_out"] = np.bincount(origin, minlength=z)
        model.flows["relocations_in"] = np.bincount(to, minlength=z)

    def _movers_with_room(self, reviewing: np.ndarray, choice: np.ndarray):
        """The reviewing firms whose chosen zone differs from theirs and has ground space
        left for them, in turn; returns their rows and destination zones."""
        f = self.model.firms
        ground = self.model.space.free(vertical=False).tolist()
        away = np.flatnonzero(choice != f.zone[reviewing])
        moving = []
        for i, to, need in zip(
            away.tolist(), choice[away].tolist(), f.floor[reviewing[away]].tolist(), strict=True
        ):
            if need <= ground[to]:
                ground[to] -= need
                moving.append(i)
        return reviewing[moving], choice[moving]

    def enter(self, v: np.ndarray) -> Batch | None:
        """Draw this month's entrants and place them; returns them as a batch of firms."""
        model = self.model
        # Poisson arrivals per sector, split among zones: independent Poisson per zone, each
        # (sector, zone) cell's count by inversion of its own uniform of the month, so that a
        # change in one cell's rate changes no other cell's count
        rate = self._entry_rates(v).T.ravel()  # cells, sector-major
        by_zone = poisson_counts(model.dice.uniform("entry", self._cells), rate)
        by_zone = by_zone.reshape(len(model.sector_ids), -1) + self.referred_projects()
        cells = self._cells.repeat(by_zone.ravel())  # one (sector, zone) cell per arrival
        sector, zone = np.divmod(cells, by_zone.shape[1])
        if len(sector) == 0:
            model.flows["entries"] = np.zeros(len(model.zone_ids), dtype=int)
            return None
        rows, ident = self.pool.arrive(sector)
        # arrivals compete for space in a random order, each by its own draw
        order = np.argsort(model.dice.uniform("entry_order", ident))
        sector, zone, rows, ident = sector[order], zone[order], rows[order], ident[order]
        revenue = self.pool.store["revenue"][rows]
        scale = model.floor_scale * model.space.thrift
        floor = model.factory.floor_need(sector, revenue) * scale[zone]
        vertical = self._place(zone, floor, model.may_go_vertical[zone, sector])
        placed = vertical >= 0
        model.flows["entries"] = np.bincount(zone[placed], minlength=len(model.zone_ids))
        new = self.pool.store.take(rows[placed])
        new["ident"] = ident[placed]
        return self._new_firms(new, zone[placed], floor[placed], vertical[placed] == 1)

    def _entry_rates(self, v: np.ndarray) -> np.ndarray:
        """Expected entrants per zone and sector this month (Z x S), given utilities ``v``."""
        p_in, p_zone = self.location.entry_probabilities(v)
        return self.potential_entrants * p_in * p_zone

    def referred_projects(self) -> np.ndarray:
        """Projects referred to a zone this month by a zone-level measure (13: information
        shared with Yangshan), per sector and zone (S x Z): Poisson with the measure's
        referrals_per_year / 12 where it is live, each of one of its listed sectors at
        random. They arrive as entrants, from their own random stream."""
        model = self.model
        out = np.zeros((len(model.sector_ids), len(model.zone_ids)), dtype=np.int64)
        if not model.live[self._referring].any():
            return out
        rng = model.dice.stream("referral")  # opened once: each measure reads on from it
        for k, rate, sectors, even in self.referrals:
            zones = model.live[k].nonzero()[0]
            counts = rng.poisson(rate, len(zones))
            for z in counts.nonzero()[0].tolist():  # no projects draw no sectors
                out[sectors, zones[z]] += rng.multinomial(counts[z], even)
        return out

    def _place(self, zone, floor, may_go_vertical) -> np.ndarray:
        """For each arriving firm: 0 placed on the ground, 1 in vertical space, -1 no room."""
        space = self.model.space
        # plain Python numbers: this loop runs once per arriving firm
        ground, vertical = space.free(vertical=False).tolist(), space.free(vertical=True).tolist()
        where = []
        for z, need, up in zip(
            zone.tolist(), floor.tolist(), may_go_vertical.tolist(), strict=True
        ):
            if need <= ground[z]:
                ground[z] -= need
                where.append(0)
            elif up and need <= vertical[z]:
                vertical[z] -= need
                where.append(1)
            else:
                where.append(-1)
        return np.array(where, dtype=int)

    # ------------------------------------------------------------------ entrants as firms
    def _potential_entrants(self, sector: int, count: int, rng: np.random.Generator) -> Batch:
        """``count`` potential entrants of one sector, with all they bring when they enter
        except what depends on the zone they choose (set by ``_new_firms``)."""
        model = self.model
        sectors = np.full(count, sector)
        revenue = model.factory.draw_revenue(sectors, rng, model.prm["entry.size_factor"])
        nowhere, zero = np.zeros(count, dtype=int), np.zeros(count)
        cols, mats = model.factory.make(nowhere, nowhere, sectors, revenue, zero, nowhere, rng)
        cols["ident"] = nowhere  # set when they arrive (EntrantPool.arrive)
        mats["eligible"] = model.measures.eligible(SimpleNamespace(**cols), model.prm)
        return model.firms.batch(cols, mats)

    def _new_firms(self, new: Batch, zone, floor, vertical) -> Batch:
        """Potential entrants ``new`` (from the pool) entering ``zone`` on ``floor`` m² (in
        vertical space where ``vertical``), with their Enterprise agents."""
        model = self.model
        new["zone"], new["floor"], new["in_vertical"] = zone, floor, vertical
        new["cell"] = zone * len(model.sector_ids) + new["sector"]
        # floor per unit of revenue at starting rents: growth applies the rent in force
        new["floor_intensity"] = floor / (new["revenue"] * model.space.thrift[zone])
        new["aware_at"] += model.exposure[zone]  # Bass exposure counts from entry
        # in vertical space only 10b opened to its sector: a 10b adopter
        plan_only = vertical & new["eligible"][:, model.far_index]
        new["adopted"][:, model.far_index] = new["aware"][:, model.far_index] = plan_only
        model.add_enterprises(new)
        return new


def poisson_counts(u: np.ndarray, rate: np.ndarray, most: int = 8) -> np.ndarray:
    """Poisson counts with means ``rate`` by inversion of the uniforms ``u``: the smallest k
    whose cumulative probability reaches u. Counts above ``most`` (rare at a month's rates)
    are found one by one."""
    k = np.arange(1, most + 1)[:, None]
    # P(k) = e^-rate rate^k / k!, as a running product over k
    terms = np.concatenate([np.ones((1, len(rate))), rate / k]).cumprod(axis=0)
    counts = (np.cumsum(terms * np.exp(-rate), axis=0) < u).sum(axis=0)
    for cell in (counts > most).nonzero()[0].tolist():
        counts[cell] = _poisson_count(float(u[cell]), float(rate[cell]))
    return counts


def _poisson_count(u: float, rate: float) -> int:
    n, term = 0, math.exp(-rate)
    cdf = term
    while cdf < u and term > 0:  # term 0: the sum has stopped growing (u within rounding of 1)
        n += 1
        term *= rate / n
        cdf += term
    return n


def firm_counts(model: ZoneModel, cells: np.ndarray) -> np.ndarray:
    """Firms per zone and sector (Z x S) among the firms in ``cells``."""
    z, s = len(model.zone_ids), len(model.sector_ids)
    return np.bincount(cells, minlength=z * s).reshape(z, s)
