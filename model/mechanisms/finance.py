"""Measures 5-7: finance and foreign exchange (the plan's second section). Money in RMB
million, flows per year; see new_business for the mechanisms' common signature."""

from __future__ import annotations

from .core import Context, Effect


def pledge_finance(f, m, ctx: Context) -> Effect:
    """Measure 5: inventory and receivables (revenue x inventory_ratio) pledged at ltv raise
    the credit limit; the credit is used at the return on capital less the loan rate and the
    pledge fee (fee_rate)."""
    credit = f.revenue * f.inventory_ratio * m("ltv")
    spread = ctx.prm["finance.return_on_capital"] - ctx.loan_rate - m("fee_rate")
    return Effect(benefit=credit * spread, credit=credit)


def cash_pool(f, m, ctx: Context) -> Effect:
    """Measure 6: the group pools its members' cash at home and abroad. Offsetting members'
    surpluses and deficits (offset_share of the group's working capital, credit.wc_ratio x
    its domestic and overseas revenue) replaces borrowing with pooled cash (loan less deposit
    rate); cash is converted only as needed (converted_share of the group's cross-border
    flows no longer converted, at the FX spread). The zone firm's share of the offset
    (its revenue in the group's) frees credit (liquidity_share of it)."""
    prm = ctx.prm
    group_revenue = f.group_domestic + f.group_overseas
    offset = group_revenue * (prm["credit.wc_ratio"] * m("offset_share"))
    interest = offset * (ctx.loan_rate - prm["finance.deposit_rate"])
    fx = f.group_crossborder * (m("converted_share") * prm["finance.fx_spread_mnc"])
    own_share = f.revenue / group_revenue.clip(min=f.revenue)
    return Effect(benefit=interest + fx, credit=offset * own_share * m("liquidity_share"))


def net_settlement(f, m, ctx: Context) -> Effect:
    """Measure 7a: settling current-account flows net: net_reduction of the gross flows
    (imports + exports) is no longer converted (FX spread) or transferred (fee_per_transfer
    per transfer of payment_size)."""
    netted = (f.imports + f.exports) * m("net_reduction")
    fee_saved = m("fee_per_transfer") / m("payment_size")  # per RMB million netted
    return Effect(benefit=netted * (ctx.prm["finance.fx_spread_firm"] + fee_saved))


def service_trade(f, m, ctx: Context) -> Effect:
    """Measure 7b: banks handle service-trade advance payments and cost sharing after review:
    per payment (service payments / payment_size) the firm saves cost_per_payment of
    paperwork, and the payments clear days_saved sooner (interest on their value)."""
    payments = f.revenue * m("service_trade_share")
    per_payment = m("cost_per_payment") / m("payment_size")  # per RMB million paid
    sooner = m("days_saved") / ctx.days_per_year * ctx.loan_rate
    return Effect(benefit=payments * (per_payment + sooner))


def offshore_trade(f, m, ctx: Context) -> Effect:
    """Measure 7c: a streamlined authenticity review of offshore trade: per deal (offshore
    trade / deal_size) the firm saves review_cost, and funds settle days_saved sooner."""
    offshore = f.revenue * m("offshore_share")
    per_deal = m("review_cost") / m("deal_size")  # per RMB million traded
    sooner = m("days_saved") / ctx.days_per_year * ctx.loan_rate
    return Effect(benefit=offshore * (per_deal + sooner))
