"""Ineligible firms never adopt: checked on every firm, every month."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_model, months_of, run_model, uptake_of
from zonesim.model.checks import BeyondRange

import zonesim

MONTHS = 60
SCALE = 2
SEED = 1
# Every measure promoted hard and decided on every month: many more adopters to check
# (at the table's values only a handful of groups ever take up the cash pool); beyond the
# table's ranges, on purpose.
EAGER = {
    **{f"m{m}.alpha": BeyondRange(3.0) for m in zonesim.measures().index},
    **{f"m{m}.bass_p": BeyondRange(0.3) for m in zonesim.measures().index},
    "decision.review_prob": 1.0,
}
THRESHOLDS = {  # firm column -> parameter
    "group_domestic": "m6.threshold_domestic_revenue",
    "group_overseas": "m6.threshold_overseas_revenue",
    "group_crossborder": "m6.threshold_crossborder_flows",
    "group_members": "m6.threshold_members",
}


def _describe(model, rows, k):
    f = model.firms
    return [
        (int(f.fid[r]), model.zone_ids[f.zone[r]], model.sector_ids[f.sector[r]], int(f.age[r]),
         bool(f.in_vertical[r]), model.measure_ids[c])
        for r, c in zip(rows[:5], k[:5], strict=True)
    ]  # fmt: skip


@pytest.mark.parametrize("params", [{}, EAGER], ids=["plan", "plan-eager-uptake"])
def test_rules_hold_for_every_firm_every_month(params):
    model = make_model(SEED, months=MONTHS, firm_scale=SCALE, params=params)
    prm = zonesim.parameters()["value"]
    vertical_sector = zonesim.sectors()["can_go_vertical"].reindex(model.sector_ids).to_numpy()
    k6, k10b = model.measures.index["6"], model.measures.index["10b"]
    failures = []
    seen = {"pool adopters": 0, "10b adopters": 0}
    for month in months_of(model):
        f = model.firms
        rows, cols = np.nonzero(f.adopted & ~f.eligible)
        if len(rows):
            failures.append(
                f"month {month}: {len(rows)} adopted & ~eligible, e.g. "
                f"(fid, zone, sector, age, in_vertical, measure) {_describe(model, rows, cols)}"
            )

        pool = f.adopted[:, k6]
        seen["pool adopters"] += int(pool.sum())
        for column, name in THRESHOLDS.items():
            short = pool & (getattr(f, column) < prm[name])
            if short.any():
                failures.append(
                    f"month {month}: {short.sum()} cash-pool adopters with {column} "
                    f"below {name}={prm[name]}"
                )
        if (pool & ~f.mnc).any():
            failures.append(f"month {month}: cash-pool adopters outside an MNC group")

        flat = ~vertical_sector[f.sector]
        seen["10b adopters"] += int(f.adopted[:, k10b].sum())
        if (flat & f.adopted[:, k10b]).any() or (flat & f.in_vertical).any():
            failures.append(
                f"month {month}: non-vertical-sector firms hold 10b "
                f"({(flat & f.adopted[:, k10b]).sum()}) or vertical space "
                f"({(flat & f.in_vertical).sum()})"
            )
    assert failures == [], "\n".join(failures)
    if params:  # the checks were not vacuous
        assert seen["pool adopters"] > 0 and seen["10b adopters"] > 0, seen


def test_cash_pool_closed_when_domestic_threshold_is_out_of_reach():
    out_of_reach = BeyondRange(1e15)  # RMB million: far above any group's domestic revenue
    model = make_model(
        SEED,
        months=MONTHS,
        firm_scale=SCALE,
        params={"m6.threshold_domestic_revenue": out_of_reach},
    )
    k6 = model.measures.index["6"]
    for _ in months_of(model):
        f = model.firms
        assert f.group_domestic.max() < out_of_reach
        assert not f.eligible[:, k6].any()
        assert not f.adopted[:, k6].any()
    u = uptake_of(model, "6")
    assert (u.eligible == 0).all() and (u.adopted == 0).all()
    # ...while at the table's threshold some groups qualify, so the check above can fail
    default = run_model(SEED, months=MONTHS, firm_scale=SCALE)
    assert uptake_of(default, "6").eligible.sum() > 0
