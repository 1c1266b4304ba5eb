"""Measures 13-15: the zones' links with Yangshan, the Yangtze delta and the import expo (the
plan's fourth section). Money in RMB million, flows per year; see new_business for the
mechanisms' common signature."""

from __future__ import annotations

from .core import Context, Effect
from .new_business import displayed_stock


def yangshan_link(f, m, ctx: Context) -> Effect:
    """Measure 13: project information shared with Yangshan brings projects to Fengxian's
    space (referrals_per_year, entrants in the named sectors: model.demography); nothing
    changes for a firm already there, so no firm adopts it."""
    return Effect()


def cross_customs_display(f, m, ctx: Context) -> Effect:
    """Measure 14: bonded display across customs districts (Wujiang, Jiaxing): the firm's
    display sales (displayed stock x display_turnover) reach a market market_added larger;
    the additional share of those sales is new business, at the firm's margin."""
    reach = m("display_turnover") * m("market_added") * m("additional")
    sales = displayed_stock(f, m) * reach
    return Effect(benefit=sales * f.margin, sales=sales)


def ciie_spillover(f, m, ctx: Context) -> Effect:
    """Measure 15: bonded display at the import expo and the service chain behind it: a
    participating importer trades deals_per_importer a year through the expo's platforms, of
    which the additional share is new business, at the firm's margin; the goods are
    imported."""
    sales = m("deals_per_importer") * m("additional")
    return Effect(benefit=sales * f.margin, sales=sales, imports=sales * (1 - f.margin))
