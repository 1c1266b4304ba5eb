"""Measures 10-12: land, floor space and staff (the plan's third section). Money in RMB
million, flows per year; see new_business for the mechanisms' common signature."""

from __future__ import annotations

import numpy as np

from .core import Context, Effect, floor_rent_per_year


def mixed_use(f, m, ctx: Context) -> Effect:
    """Measure 10a: mixed and innovative industrial land: R&D, office and pilot-production
    functions may share the zone's plots. The firm brings the office floor it rents outside
    (floor x office_share) into the zone: it holds that much more floor there (the space
    market sees it), saves office_rent outside less the zone's rent, and pays
    conversion_cost per m² once."""
    office = f.floor * f.office_share
    saving = floor_rent_per_year(office, np.maximum(m("office_rent") - ctx.rent, 0.0), ctx)
    return Effect(
        benefit=saving, fixed_cost=office * m("conversion_cost"), floor_share=f.office_share
    )


def higher_far(f, m, ctx: Context) -> Effect:
    """Measure 10b: vertical space the plan's higher caps and multi-use buildings open: rent
    below the zone's (rent_discount) on the firm's floor, and the profit the firm forgoes for
    want of space (its operating profit x the share of its wanted floor it could not get)
    recovered; fit-out (fitout_cost per m²) once."""
    rent_saving = floor_rent_per_year(f.floor, ctx.rent * m("rent_discount"), ctx)
    room_to_grow = ctx.operating_profit * f.unmet_floor_share
    return Effect(benefit=rent_saving + room_to_grow, fixed_cost=f.floor * m("fitout_cost"))


def foreign_talent(f, m, ctx: Context) -> Effect:
    """Measure 11: relaxed limits fill foreign posts sooner (hire_rate x permit_days_saved x
    the daily wage x vacancy_value per foreign employee), and permits of up to two years
    halve the renewals (renewal_cost each)."""
    prm = ctx.prm
    foreign = f.employees * f.foreign_share
    daily_wage = prm["labour.wage"] / ctx.days_per_year
    filled_sooner = m("hire_rate") * m("permit_days_saved") * daily_wage * m("vacancy_value")
    renewals_saved = 1 / m("permit_years_before") - 1 / m("permit_years_after")
    return Effect(benefit=foreign * (filled_sooner + renewals_saved * m("renewal_cost")))


def aviation_titles(f, m, ctx: Context) -> Effect:
    """Measure 12: a title track for maintenance staff: turnover of certified staff
    (certified_share of employees) falls by turnover_cut a year, each departure costing
    replacement_cost x the annual wage."""
    replacement = m("replacement_cost") * ctx.prm["labour.wage"]
    return Effect(benefit=f.employees * (m("certified_share") * m("turnover_cut") * replacement))
