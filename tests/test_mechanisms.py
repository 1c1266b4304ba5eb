"""Each sub-measure's mechanism, on one firm with hand-chosen state and parameters set to
round values within their ranges: the benefit (and the other channels) a hand calculation
gives. The formulas are in each mechanism's docstring and in docs/ODD.md (measures)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from zonesim.model.mechanisms import MECHANISMS, Context, measure_params
from zonesim.model.parameters import Parameters

import zonesim

DAYS = 365
LOAN = 0.035  # finance.loan_rate, set below


def firm(**state) -> SimpleNamespace:
    """One firm: revenue 100 (RMB m/yr) at base, margin 10%, no trade unless given."""
    columns = dict(
        base=100.0, revenue=100.0, margin=0.1, import_int=0.0, export_int=0.0, trade_share=0.0,
        ecom_share=0.0, return_rate=0.0, inventory_ratio=0.0, office_share=0.0, floor=1000.0,
        employees=50.0, foreign_share=0.0, perishable_share=0.0, unmet_floor_share=0.0,
        group_domestic=0.0, group_overseas=0.0, group_crossborder=0.0, sector=0,
    )  # fmt: skip
    columns.update(state)
    columns.setdefault("imports", columns["base"] * columns["import_int"])
    columns.setdefault("exports", columns["base"] * columns["export_int"])
    arrays = {
        name: np.atleast_1d(np.asarray(value, dtype=float)) for name, value in columns.items()
    }
    arrays["sector"] = arrays["sector"].astype(int)
    return SimpleNamespace(**arrays)


def effect(
    measure: str, f, params: dict[str, float] | None = None, rent: float = 1.5, tau: float = 0.0
):
    prm = Parameters({"finance.loan_rate": LOAN, "time.days_per_year": DAYS} | (params or {}))
    mechanism = MECHANISMS[zonesim.measures().loc[measure, "mechanism"]]
    ctx = Context(prm, np.array([rent]), f, np.array([tau]))
    return mechanism(f, measure_params(prm, measure), ctx)


def test_bonded_repair_opens_a_repair_line_on_the_installed_base_abroad():
    f = firm(export_int=0.5)  # own exports 50 a year
    params = {"m1.installed_years": 6, "m1.repair_rate": 0.05, "m1.capture": 0.2,
              "m1.value_added": 0.15, "m1.repair_margin": 0.2}  # fmt: skip
    e = effect("1", f, params)
    goods_in = 50 * 6 * 0.05 * 0.2  # 3.0 of goods a year come in for repair
    assert e.sales == pytest.approx(goods_in * 0.15)  # 0.45 of repair sales
    assert e.benefit == pytest.approx(0.45 * 0.2)
    assert e.imports == pytest.approx(3.0) and e.exports == pytest.approx(3.45)


def test_bonded_repair_needs_exports_to_repair():
    assert effect("1", firm(export_int=0.0), {}).benefit == pytest.approx(0.0)


def test_return_centre_resells_returns_handles_them_cheaper_and_sooner():
    f = firm(ecom_share=0.5, return_rate=0.2)  # returns of 10 a year
    params = {"m2a.recovery_with": 0.7, "m2a.recovery_without": 0.3, "m2a.resale_value": 0.8,
              "m2a.handling_cost": 0.1, "m2a.cost_cut": 0.3, "m2a.days_saved": 14.6}  # fmt: skip
    e = effect("2a", f, params)
    resold = 10 * 0.4 * 0.8
    assert e.sales == pytest.approx(resold)
    assert e.benefit == pytest.approx(resold + 10 * 0.1 * 0.3 + 10 * 14.6 / 365 * LOAN)


def test_ecommerce_cluster_cuts_service_costs():
    f = firm(ecom_share=0.5)
    e = effect("2b", f, {"m2b.service_cost_share": 0.2, "m2b.service_cut": 0.1})
    assert e.benefit == pytest.approx(50 * 0.2 * 0.1)
    assert e.sales is None  # no free-standing sales effect


def test_meat_processing_saves_duty_on_re_exports_and_defers_it_at_home():
    f = firm(import_int=0.6, export_int=0.25)  # meat imports 60 a year
    e = effect("3a", f, {"m3a.duty_rate": 0.2, "m3a.dwell_months": 3})
    assert e.benefit == pytest.approx(60 * 0.2 * (0.25 + 0.75 * LOAN * 3 / 12))


def test_display_trade_defers_taxes_and_sells_from_displayed_stock():
    f = firm(inventory_ratio=0.2)  # stock 20
    params = {"m3b.display_share": 0.25, "m3b.display_turnover": 4, "m3b.additional": 0.5,
              "m3b.tax_rate": 0.2}  # fmt: skip
    e = effect("3b", f, params)
    sales = 20 * 0.25 * 4 * 0.5  # 10
    assert e.sales == pytest.approx(sales)
    assert e.benefit == pytest.approx(20 * 0.2 * LOAN + sales * 0.1)


def test_classic_cars_are_a_new_line_whatever_the_firm_sells_now():
    params = {"m3c.stock": 20, "m3c.turnover": 0.5, "m3c.dealer_margin": 0.1, "m3c.tax_rate": 0.5}
    small, large = effect("3c", firm(base=10.0), params), effect("3c", firm(base=1000.0), params)
    assert small.sales == pytest.approx(10.0) and large.sales == pytest.approx(10.0)
    assert small.benefit == pytest.approx(10 * 0.1 + 20 * 0.5 * LOAN)
    assert small.imports == pytest.approx(9.0)


def test_art_approval_saves_the_holding_cost_of_ten_working_days():
    f = firm(import_int=0.8)  # art imports 80
    e = effect("4", f, {"m4.approval_days_saved": 14, "m4.carrying_rate": 0.06})
    assert e.benefit == pytest.approx(80 * 14 / 365 * 0.06)
    assert e.days is None  # approvals are not clearance: no trade response


def test_pledge_finance_lends_against_stock():
    f = firm(inventory_ratio=0.2)
    e = effect("5", f, {"m5.ltv": 0.6, "m5.fee_rate": 0.01, "finance.return_on_capital": 0.1})
    assert e.credit == pytest.approx(12.0)
    assert e.benefit == pytest.approx(12 * (0.1 - LOAN - 0.01))


def test_cash_pool_saves_on_the_groups_pooled_balances_not_the_firms_own():
    f = firm(group_domestic=10_000, group_overseas=2_000, group_crossborder=7_000)
    params = {"m6.offset_share": 0.3, "m6.converted_share": 0.2, "m6.liquidity_share": 0.5,
              "credit.wc_ratio": 0.15, "finance.deposit_rate": 0.005,
              "finance.fx_spread_mnc": 0.002}  # fmt: skip
    e = effect("6", f, params)
    offset = 12_000 * 0.15 * 0.3  # 540
    assert e.benefit == pytest.approx(offset * (LOAN - 0.005) + 7_000 * 0.2 * 0.002)
    assert e.credit == pytest.approx(offset * (100 / 12_000) * 0.5)
    # the same firm alone (no group) gains nothing
    assert effect("6", firm(), params).benefit == pytest.approx(0.0)


def test_net_settlement_saves_fx_and_transfer_fees_on_the_netted_flows():
    f = firm(import_int=0.5, export_int=0.5)
    params = {"m7a.net_reduction": 0.5, "m7a.fee_per_transfer": 0.0001, "m7a.payment_size": 2,
              "finance.fx_spread_firm": 0.002}  # fmt: skip
    e = effect("7a", f, params)
    assert e.benefit == pytest.approx(50 * (0.002 + 0.0001 / 2))


def test_service_trade_saves_paperwork_per_payment_and_days():
    params = {"m7b.service_trade_share": 0.1, "m7b.payment_size": 0.5,
              "m7b.cost_per_payment": 0.002, "m7b.days_saved": 7.3}  # fmt: skip
    e = effect("7b", firm(), params)
    payments = 10.0  # RMB m a year, 20 payments
    assert e.benefit == pytest.approx(20 * 0.002 + payments * 7.3 / 365 * LOAN)


def test_offshore_review_saves_per_deal_and_days():
    params = {"m7c.offshore_share": 0.2, "m7c.deal_size": 5, "m7c.review_cost": 0.001,
              "m7c.days_saved": 3}  # fmt: skip
    e = effect("7c", firm(), params)
    assert e.benefit == pytest.approx(4 * 0.001 + 20 * 3 / 365 * LOAN)


def test_single_window_saves_paperwork_and_days_that_trade_responds_to():
    f = firm(trade_share=0.5)
    params = {"m8.paperwork_saving": 0.005, "m8.days_saved": 0.5}
    e = effect("8", f, params, tau=0.02)
    assert e.days == pytest.approx(0.5)
    assert e.benefit == pytest.approx(0.005 + 100 * 0.1 * 0.5 * np.expm1(0.02 * 0.5))


def test_seafood_access_saves_freshness_and_days():
    f = firm(import_int=0.5, perishable_share=0.8, trade_share=0.5)
    params = {"m9.days_saved": 0.5, "m9.freshness_decay": 0.1}
    e = effect("9", f, params, tau=0.05)
    freshness = 50 * 0.8 * 0.5 * 0.1
    assert e.benefit == pytest.approx(freshness + 5 * np.expm1(0.05 * 0.5))


def test_mixed_use_brings_office_floor_into_the_zone():
    f = firm(office_share=0.2, floor=1000.0)
    params = {"m10a.office_rent": 3.5, "m10a.conversion_cost": 0.0005}
    e = effect("10a", f, params, rent=1.5)
    assert e.floor_share == pytest.approx(0.2)  # 200 m² more held in the zone
    assert e.benefit == pytest.approx(200 * (3.5 - 1.5) * 365 / 1e6)
    assert e.fixed_cost == pytest.approx(200 * 0.0005)


def test_higher_far_recovers_the_profit_lost_for_want_of_space():
    params = {"m10b.rent_discount": 0.1, "m10b.fitout_cost": 0.001}
    roomy, cramped = firm(), firm(unmet_floor_share=0.25)
    rent_saving = 1000 * 1.5 * 0.1 * 365 / 1e6
    assert effect("10b", roomy, params).benefit == pytest.approx(rent_saving)
    assert effect("10b", cramped, params).benefit == pytest.approx(rent_saving + 10 * 0.25)


def test_foreign_talent_fills_posts_sooner_and_halves_renewals():
    f = firm(employees=100.0, foreign_share=0.1)
    params = {"m11.hire_rate": 0.2, "m11.permit_days_saved": 14, "m11.vacancy_value": 1,
              "m11.renewal_cost": 0.005, "labour.wage": 0.1825}  # fmt: skip
    e = effect("11", f, params)
    per_foreign = 0.2 * 14 * 0.0005 * 1 + (1 / 1 - 1 / 2) * 0.005  # daily wage 0.0005
    assert e.benefit == pytest.approx(10 * per_foreign)


def test_aviation_titles_cut_turnover_of_certified_staff():
    params = {"m12.certified_share": 0.3, "m12.turnover_cut": 0.03, "m12.replacement_cost": 0.5,
              "labour.wage": 0.2}  # fmt: skip
    e = effect("12", firm(employees=100.0), params)
    assert e.benefit == pytest.approx(100 * 0.3 * 0.03 * 0.5 * 0.2)


def test_yangshan_link_changes_nothing_for_a_firm_already_there():
    e = effect("13", firm(), {})
    assert all(value is None for value in vars(e).values())


def test_cross_customs_display_reaches_a_wider_market():
    f = firm(inventory_ratio=0.2)
    params = {"m14.display_share": 0.25, "m14.display_turnover": 4, "m14.market_added": 0.3,
              "m14.additional": 0.5}  # fmt: skip
    e = effect("14", f, params)
    sales = 20 * 0.25 * 4 * 0.3 * 0.5
    assert e.sales == pytest.approx(sales) and e.benefit == pytest.approx(sales * 0.1)


def test_ciie_spillover_trades_through_the_expo():
    params = {"m15.deals_per_importer": 12.0, "m15.additional": 0.5}
    e = effect("15", firm(), params)
    assert e.sales == pytest.approx(6.0) and e.benefit == pytest.approx(0.6)
    assert e.imports == pytest.approx(5.4)


def test_every_sub_measure_has_a_hand_checked_mechanism():
    tested = {name[len("test_") :] for name in globals() if name.startswith("test_")}
    assert len(zonesim.measures()) == 21
    assert len(tested) >= 21


def test_no_mechanism_returns_a_free_standing_share_of_sales():
    # a new line's sales never scale with the firm's whole revenue by a fixed share: doubling
    # revenue while the state the mechanism reads is held still leaves them unchanged
    for measure in zonesim.measures().index:
        low, high = effect(measure, firm(revenue=100.0)), effect(measure, firm(revenue=200.0))
        if low.sales is not None:
            assert np.allclose(low.sales, high.sales), measure
