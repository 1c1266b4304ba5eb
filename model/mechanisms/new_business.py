"""Measures 1-4: new lines of business and what the plan's first section removes.

Each mechanism reads the firm's own state (f: a FirmTable or anything with its columns), its
measure's parameters (``m("name")`` = m<id>.name) and the month's :class:`Context`, and
returns the :class:`Effect` the measure would have if the firm adopted it. A firm's own
business is its ``base`` revenue (before new lines and trade's response to time saved), with
its sector's intensities: own exports = base x export_int, stock = base x inventory_ratio.
Money in RMB million, flows per year.
"""

from __future__ import annotations

import numpy as np

from ..calendar import MONTHS_PER_YEAR
from .core import Context, Effect


def bonded_repair(f, m, ctx: Context) -> Effect:
    """Measure 1: repair, in the zone, of the firm's own products in service abroad, beyond
    the customs catalogue. Goods sent in for repair a year = own exports x installed_years (the
    installed base abroad) x repair_rate x capture (the share brought back to this firm);
    repair sales = that value x value_added; the benefit is the margin on repair sales.
    Goods cross the border twice: in for repair, out repaired."""
    goods_in = f.base * f.export_int * (m("installed_years") * m("repair_rate") * m("capture"))
    sales = goods_in * m("value_added")
    return Effect(
        benefit=sales * m("repair_margin"), sales=sales, imports=goods_in, exports=goods_in + sales
    )


def return_centre(f, m, ctx: Context) -> Effect:
    """Measure 2a: returned cross-border parcels (base x e-commerce share x return rate)
    come back into the zone's return centre: more of their value is resold (recovery with
    less recovery without, at resale value), handling costs fall (handling_cost x cost_cut),
    and the goods are back on sale days_saved sooner (interest on their value)."""
    returns = f.base * f.ecom_share * f.return_rate
    resold = returns * ((m("recovery_with") - m("recovery_without")) * m("resale_value"))
    handling = returns * (m("handling_cost") * m("cost_cut"))
    sooner = returns * (m("days_saved") / ctx.days_per_year * ctx.loan_rate)
    return Effect(benefit=resold + handling + sooner, sales=resold)


def ecommerce_cluster(f, m, ctx: Context) -> Effect:
    """Measure 2b: platforms, sellers and service providers gathered in the zone: the firm's
    spending on e-commerce services (e-commerce sales x service_cost_share) costs service_cut
    less. The cluster's pull on entrants is the measure's attraction."""
    spending = f.base * f.ecom_share * m("service_cost_share")
    return Effect(benefit=spending * m("service_cut"))


def meat_processing(f, m, ctx: Context) -> Effect:
    """Measure 3a: imported meat processed bonded: duty (duty_rate) is not paid on the share
    re-exported and is paid dwell_months later on the share sold at home."""
    exported = f.export_int.clip(max=1.0)
    deferral = (1 - exported) * (ctx.loan_rate * m("dwell_months") / MONTHS_PER_YEAR)
    meat = f.base * f.import_int
    return Effect(benefit=meat * (m("duty_rate") * (exported + deferral)))


def displayed_stock(f, m) -> np.ndarray:
    """Stock the firm puts on bonded display: its stock (base x inventory_ratio) x
    display_share, RMB million."""
    return f.base * f.inventory_ratio * m("display_share")


def display_trade(f, m, ctx: Context) -> Effect:
    """Measure 3b: consumer goods displayed and sold from the zone ("front shop, back
    warehouse") stay bonded until sold: taxes (tax_rate) on the stock are paid at sale, not
    at import (interest saved). Displayed stock turns over display_turnover times a year;
    the additional share of those sales is new business, at the firm's margin."""
    stock = f.base * f.inventory_ratio
    deferral = stock * (m("tax_rate") * ctx.loan_rate)
    sales = displayed_stock(f, m) * (m("display_turnover") * m("additional"))
    return Effect(benefit=deferral + sales * f.margin, sales=sales)


def classic_cars(f, m, ctx: Context) -> Effect:
    """Measure 3c: a new line for car importers, once the pilot is approved: a stock of
    classic cars (stock, RMB million per dealer) held bonded, sold turnover times a year at
    dealer_margin; import taxes (tax_rate) are paid only when a car is sold (interest saved on
    the stock)."""
    stock = m("stock")
    sales = stock * m("turnover")
    deferral = stock * (m("tax_rate") * ctx.loan_rate)
    benefit = sales * m("dealer_margin") + deferral
    return Effect(benefit=benefit, sales=sales, imports=sales * (1 - m("dealer_margin")))


def art_approval(f, m, ctx: Context) -> Effect:
    """Measure 4: art entering the zone is approved in 10 working days instead of 20
    (approval_days_saved calendar days): imported art waits that much less, saving its
    holding cost (carrying_rate: interest, insurance, storage) over those days."""
    waiting = m("approval_days_saved") / ctx.days_per_year
    art = f.base * f.import_int
    return Effect(benefit=art * (waiting * m("carrying_rate")))
