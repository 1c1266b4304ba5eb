"""Measures 8 and 9: clearance (the plan's second section). Money in RMB million, flows per
year; see new_business for the mechanisms' common signature."""

from __future__ import annotations

from .core import Context, Effect, time_gain


def single_window(f, m, ctx: Context) -> Effect:
    """Measure 8: the zone's trade platform joins the single window: the firm's paperwork
    costs paperwork_saving a year less (the city's measured saving per enterprise), and
    clearance is days_saved shorter (trade responds to the time saved)."""
    days = m("days_saved")
    return Effect(benefit=m("paperwork_saving") + time_gain(f, days, ctx), days=days)


def seafood_access(f, m, ctx: Context) -> Effect:
    """Measure 9: two-stage access lets chilled seafood leave the port for a designated site
    before checks end: days_saved less dwell, so less freshness lost (freshness_decay of the
    perishable imports' value per day), and trade responds (perishable premium)."""
    days = m("days_saved")
    freshness = f.imports * f.perishable_share * (days * m("freshness_decay"))
    return Effect(benefit=freshness + time_gain(f, days, ctx), days=days)
