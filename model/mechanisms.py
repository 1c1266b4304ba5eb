"""How each sub-measure pays off for a firm (mechanisms.md sections 3-5).

Each mechanism takes the firms (a FirmTable, or anything with the same columns), the
zones' current state and the parameters, and returns an :class:`Effect` for every firm as
if it had adopted. Money is in RMB million per year; the model keeps the effects of
adopters only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .calendar import MONTHS_PER_YEAR
from .parameters import Parameters

Array = np.ndarray | float


@dataclass
class Effect:
    """What adopting a measure does for a firm.

    Attributes
    ----------
    benefit : annual benefit, RMB million/yr (profit-equivalent)
    uplift : extra sales, share of revenue
    days : customs clearance days saved per shipment
    approval_days : approval days saved before shipment (trade responds, clearance KPI does not)
    credit : extra credit limit, RMB million
    fixed_cost : one-off cost beyond the measure's fixed cost, RMB million (size-dependent costs)

    A channel left out (None) is zero.
    """

    benefit: Array | None = None
    uplift: Array | None = None
    days: Array | None = None
    approval_days: Array | None = None
    credit: Array | None = None
    fixed_cost: Array | None = None


FIELDS = tuple(Effect.__dataclass_fields__)


class Assessment:
    """Every measure's :class:`Effect` for every firm, as the model reads them: whole matrices,
    values at given (firm, measure) pairs, or totals over the measures a firm has adopted.
    Channels a measure leaves out are skipped.

    Parameters
    ----------
    effects : one Effect per measure (K), each field a scalar or an array over the n firms
    n_firms : n
    """

    def __init__(self, effects: list[Effect], n_firms: int):
        self.n_firms, self.n_measures = n_firms, len(effects)
        self._nonzero = {name: [] for name in FIELDS}
        for k, effect in enumerate(effects):
            for name, value in effect.__dict__.items():
                if value is not None:
                    self._nonzero[name].append((k, value))

    def matrix(self, field: str, dtype=np.float32) -> np.ndarray:
        """One field for every firm and measure (n x K; filled measure by measure, so stored
        measure-major and returned transposed)."""
        matrix = np.zeros((self.n_measures, self.n_firms), dtype=dtype)
        for k, value in self._nonzero[field]:
            matrix[k] = value
        return matrix.T

    def at(self, field: str, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """One field at the pairs (firm ``rows[j]``, measure ``cols[j]``)."""
        out = np.zeros(len(rows))
        for k, value in self._nonzero[field]:
            pick = (cols == k).nonzero()[0]  # np.flatnonzero's wrappers cost more here
            out[pick] = value[rows[pick]] if isinstance(value, np.ndarray) else value
        return out

    def totals(self, fields: tuple[str, ...], rows: np.ndarray, cols: np.ndarray):
        """Per firm, the sum of each field over the pairs given (e.g. its adopted measures):
        one array of n per field."""
        order = np.argsort(cols, kind="stable")  # each measure's pairs become one slice
        rows = rows[order]
        ends = np.cumsum(np.bincount(cols, minlength=self.n_measures)).tolist()
        starts = [0, *ends[:-1]]
        sums = []
        for field in fields:
            values = np.zeros(len(rows))
            for k, value in self._nonzero[field]:
                at = slice(starts[k], ends[k])
                values[at] = value[rows[at]] if isinstance(value, np.ndarray) else value
            sums.append(np.bincount(rows, weights=values, minlength=self.n_firms))
        return sums


class Context:
    """What mechanisms read besides the firms: parameters, zone rents per firm, and the profit
    terms that several mechanisms share (computed once). ``tau_by_sector`` is the trade
    semi-elasticity of each sector (it depends on the sector's perishable share only)."""

    def __init__(self, prm: Parameters, rent_per_firm: np.ndarray, firms, tau_by_sector):
        self.prm = prm
        self.rent = rent_per_firm  # RMB/m²/day
        self.sector = firms.sector
        self.tau_by_sector = tau_by_sector  # 1/day
        self.days_per_year = prm["time.days_per_year"]
        self.loan_rate = prm["finance.loan_rate"]
        self.operating_profit = firms.margin * firms.revenue  # RMB m/yr
        self.trade_profit = self.operating_profit * firms.trade_share  # the part trade time moves


def trade_share(f) -> np.ndarray:
    """Share of a firm's revenue exposed to trade time (capped at 1)."""
    return np.minimum(f.import_int + f.export_int, 1.0)


def trade_semi_elasticity(f, prm: Parameters) -> np.ndarray:
    """Trade response per day of time saved: general goods plus the perishable premium."""
    return prm["trade.tau_general"] + prm["trade.tau_perishable_extra"] * f.perishable_share


def time_gain(f, days: Array, ctx: Context) -> np.ndarray:
    """Annual profit from the extra trade that ``days`` less waiting brings."""
    # e^(tau d) - 1 per sector, then per firm: one value per sector instead of per firm
    return ctx.trade_profit * np.expm1(ctx.tau_by_sector * days)[ctx.sector]


def floor_rent_per_year(floor: Array, rent: Array, ctx: Context) -> Array:
    """Annual rent, RMB million, for ``floor`` m² at ``rent`` RMB/m²/day."""
    return floor * (rent * (ctx.days_per_year / 1e6))


def bonded_repair(f, m, ctx: Context) -> Effect:
    """Measure 1: repair work for customers abroad adds sales (repair_share of revenue) at
    repair_margin, plus interest on duty and VAT deferred while items are in the zone. RMB m/yr."""
    repair = f.revenue * m("repair_share")
    deferral_rate = m("duty_vat_rate") * ctx.loan_rate * m("dwell_months") / MONTHS_PER_YEAR
    return Effect(benefit=repair * (m("repair_margin") + deferral_rate), uplift=m("repair_share"))


def return_centre(f, m, ctx: Context) -> Effect:
    """Measure 2a: returns (revenue x e-commerce share x return rate) recover more value and cost
    less to handle inside the zone; faster refunds add e-commerce sales. RMB m/yr."""
    returns = f.revenue * f.ecom_share * f.return_rate
    recovery = (m("recovery_with") - m("recovery_without")) * m("resale_value")
    handling = m("handling_cost") * m("cost_cut")
    uplift = m("demand_uplift") * f.ecom_share
    return Effect(
        benefit=returns * (recovery + handling) + ctx.operating_profit * uplift, uplift=uplift
    )


def ecommerce_cluster(f, m, ctx: Context) -> Effect:
    """Measure 2b: joining the Silk Road e-commerce cluster adds sales and cheaper platform
    services. RMB m/yr."""
    uplift = m("demand_uplift")
    saving = f.revenue * f.ecom_share * m("service_saving")
    return Effect(benefit=ctx.operating_profit * uplift + saving, uplift=uplift)


def meat_processing(f, m, ctx: Context) -> Effect:
    """Measure 3a: duty on imported meat is avoided on re-exports and deferred on domestic sales.
    RMB m/yr."""
    exported = np.minimum(f.export_int, 1.0)
    deferral = (1 - exported) * ctx.loan_rate * m("dwell_months") / MONTHS_PER_YEAR
    return Effect(benefit=f.imports * m("duty_rate") * (exported + deferral))


def display_trade(f, m, ctx: Context) -> Effect:
    """Measure 3b: front-shop-back-warehouse display adds sales and cuts the cost of carrying
    stock. RMB m/yr."""
    uplift = m("sales_uplift")
    carrying = f.revenue * f.inventory_ratio * (ctx.loan_rate * m("carrying_cut"))
    return Effect(benefit=ctx.operating_profit * uplift + carrying, uplift=uplift)


def classic_cars(f, m, ctx: Context) -> Effect:
    """Measure 3c: bonded display and trade of classic cars adds sales and defers taxes on cars
    held. RMB m/yr."""
    uplift = m("sales_uplift")
    deferral = f.revenue * f.inventory_ratio * (m("tax_rate") * ctx.loan_rate)
    return Effect(benefit=ctx.operating_profit * uplift + deferral, uplift=uplift)


def art_approval(f, m, ctx: Context) -> Effect:
    """Measure 4: approvals 10 working days faster: less carrying cost of art held, and trade
    responds to the time saved. RMB m/yr."""
    days = m("approval_days_saved")
    carrying = f.imports * (days / ctx.days_per_year * m("carrying_rate"))
    return Effect(benefit=carrying + time_gain(f, days, ctx), approval_days=days)


def pledge_finance(f, m, ctx: Context) -> Effect:
    """Measure 5: inventory and receivables pledged at ltv raise the credit limit (RMB m), used at
    the return on capital net of loan rate and fee. RMB m/yr."""
    credit = m("ltv") * f.revenue * f.inventory_ratio  # RMB m
    spread = ctx.prm["finance.return_on_capital"] - ctx.loan_rate - m("fee_rate")
    return Effect(benefit=credit * spread, credit=credit)


def cash_pool(f, m, ctx: Context) -> Effect:
    """Measure 6: pooling offsets members' balances (interest spread saved) and avoids FX
    conversions; part of the offset frees liquidity (credit, RMB m). RMB m/yr."""
    prm = ctx.prm
    offset = (m("offset_share") * prm["credit.wc_ratio"]) * f.revenue
    interest = offset * (ctx.loan_rate - prm["finance.deposit_rate"])
    fx = (f.imports + f.exports) * (m("converted_share") * prm["finance.fx_spread_mnc"])
    return Effect(benefit=interest + fx, credit=offset * m("liquidity_share"))


def net_settlement(f, m, ctx: Context) -> Effect:
    """Measure 7a: settling net instead of gross cuts FX conversion and transfer fees. RMB m/yr."""
    netted = (f.imports + f.exports) * m("net_reduction")
    fee_saved = m("fee_per_transfer") / m("payment_size")  # per RMB m netted
    return Effect(benefit=netted * (ctx.prm["finance.fx_spread_firm"] + fee_saved))


def service_trade(f, m, ctx: Context) -> Effect:
    """Measure 7b: bank-handled advance payments and cost sharing cut the friction cost of service
    payments. RMB m/yr."""
    return Effect(benefit=f.revenue * (m("service_trade_share") * m("friction_cost")))


def offshore_trade(f, m, ctx: Context) -> Effect:
    """Measure 7c: faster authenticity review saves interest on waiting and the cost of review per
    deal. RMB m/yr."""
    waiting = m("days_saved") / ctx.days_per_year * ctx.loan_rate
    return Effect(benefit=f.revenue * (m("offshore_share") * (waiting + m("cost_per_deal"))))


def single_window(f, m, ctx: Context) -> Effect:
    """Measure 8: the single window saves paperwork and clearance days; trade responds to the days
    saved. RMB m/yr."""
    days = m("days_saved")
    return Effect(benefit=m("paperwork_saving") + time_gain(f, days, ctx), days=days)


def seafood_access(f, m, ctx: Context) -> Effect:
    """Measure 9: two-stage access cuts dwell time of perishables: less freshness lost, and trade
    responds (perishable premium). RMB m/yr."""
    days = m("days_saved")
    freshness = f.imports * f.perishable_share * (days * m("freshness_decay"))
    return Effect(benefit=freshness + time_gain(f, days, ctx), days=days)


def mixed_use(f, m, ctx: Context) -> Effect:
    """Measure 10a: R&D/office functions use zone space instead of renting offices outside; one-off
    conversion cost per m² (RMB m). RMB m/yr."""
    office = f.floor * f.office_share
    saving = floor_rent_per_year(office, np.maximum(m("office_rent") - ctx.rent, 0.0), ctx)
    return Effect(benefit=saving, fixed_cost=office * m("conversion_cost"))


def higher_far(f, m, ctx: Context) -> Effect:
    """Measure 10b: vertical space comes with a rent advantage and room to grow for space-
    constrained firms; one-off fit-out per m² (RMB m). RMB m/yr."""
    rent_saving = floor_rent_per_year(f.floor, ctx.rent * m("rent_discount"), ctx)
    room_to_grow = ctx.operating_profit * f.space_constrained * m("growth_gain")
    return Effect(benefit=rent_saving + room_to_grow, fixed_cost=f.floor * m("fitout_cost"))


def foreign_talent(f, m, ctx: Context) -> Effect:
    """Measure 11: permits in parallel fill foreign posts sooner, and two-year permits halve
    renewals. RMB m/yr."""
    prm = ctx.prm
    foreign = f.employees * f.foreign_share
    daily_wage = prm["labour.wage"] / ctx.days_per_year
    filled_sooner = m("hire_rate") * m("permit_days_saved") * daily_wage * m("vacancy_value")
    renewals_saved = 1 / m("permit_years_before") - 1 / m("permit_years_after")
    renewals = renewals_saved * m("renewal_cost")
    return Effect(benefit=foreign * (filled_sooner + renewals))  # each per foreign employee


def aviation_titles(f, m, ctx: Context) -> Effect:
    """Measure 12: a title track for maintenance staff cuts turnover of certified staff and its
    replacement cost. RMB m/yr."""
    replacement = m("replacement_cost") * ctx.prm["labour.wage"]
    per_employee = m("certified_share") * m("turnover_cut") * replacement
    return Effect(benefit=f.employees * per_employee)


def yangshan_link(f, m, ctx: Context) -> Effect:
    """Measure 13: joint work with Yangshan saves clearance days; trade responds. RMB m/yr."""
    days = m("days_saved")
    return Effect(benefit=time_gain(f, days, ctx), days=days)


def cross_customs_display(f, m, ctx: Context) -> Effect:
    """Measure 14: bonded display across customs districts widens the market: extra sales. RMB
    m/yr."""
    uplift = m("sales_uplift")
    return Effect(benefit=ctx.operating_profit * uplift, uplift=uplift)


def ciie_spillover(f, m, ctx: Context) -> Effect:
    """Measure 15: CIIE leads (lead chance x conversion x order size) add sales. RMB m/yr."""
    uplift = m("lead_prob") * m("conversion") * m("order_share")
    return Effect(benefit=ctx.operating_profit * uplift, uplift=uplift)


MECHANISMS: dict[str, Callable[..., Effect]] = {
    fn.__name__: fn
    for fn in (
        bonded_repair, return_centre, ecommerce_cluster, meat_processing, display_trade,
        classic_cars, art_approval, pledge_finance, cash_pool, net_settlement, service_trade,
        offshore_trade, single_window, seafood_access, mixed_use, higher_far, foreign_talent,
        aviation_titles, yangshan_link, cross_customs_display, ciie_spillover,
    )
}  # fmt: skip


def measure_params(prm: Parameters, measure_id: str) -> Callable[[str], float]:
    """``m(name)`` -> value of parameter ``m<id>.<name>``."""
    return prm.section(f"m{measure_id}").__getitem__
