"""The data tables that ship with the model: sources, grades, ranges, plan zones, sectors."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import read_plan_csv

import zonesim
from zonesim import Policy

SIX_ZONES = {"songjiang", "caohejing", "fengxian", "jinqiao", "qingpu", "jiading"}
NAMED_SECTORS = {
    "electronics_ic", "medical_devices", "auto_parts", "bonded_logistics", "cbec", "repair_mro",
    "food_processing", "seafood_import", "consumer_goods", "art_trade", "car_import", "mnc_hq",
    "rd_services",
}  # fmt: skip


def test_every_parameter_has_a_source_and_a_grade():
    p = zonesim.parameters()
    assert len(p) > 0
    no_source = p.index[p["source"].astype(str).str.strip() == ""].tolist()
    bad_grade = p.index[~p["grade"].isin(["P", "D", "G"])].tolist()
    assert no_source == [], f"parameters without a source: {no_source}"
    assert bad_grade == [], f"parameters with a grade not in P/D/G: {bad_grade}"


def test_every_parameter_value_lies_in_its_range():
    p = zonesim.parameters()
    assert not p[["value", "low", "high"]].isna().any().any()
    outside = p[(p["low"] > p["value"]) | (p["value"] > p["high"])]
    table = outside[["value", "low", "high"]].to_string()
    assert outside.empty, f"value outside [low, high]:\n{table}"


def test_measures_match_the_shared_plan_file():
    plan = read_plan_csv()
    table = zonesim.measures()
    assert len(plan) == 21
    assert set(table.index) == set(plan), "model and plan list different sub-measures"
    model_zones = {m: frozenset(z.split(";")) for m, z in table["plan_zones"].items()}
    wrong = {m: (sorted(model_zones[m]), sorted(z)) for m, z in plan.items() if model_zones[m] != z}
    assert wrong == {}, f"measure: (model zones, plan zones) differ: {wrong}"


def test_plan_policy_uses_the_plan_zones():
    plan = read_plan_csv()
    policy = Policy.plan_2024()
    assert set(policy.measures) == set(plan)
    for m, setting in policy.measures.items():
        assert setting.enabled, m
        assert setting.zones == plan[m], m


def test_six_zones():
    zones = zonesim.zones()
    assert set(zones.index) == SIX_ZONES
    assert len(zones) == 6


def test_sectors_have_a_boolean_vertical_flag():
    sectors = zonesim.sectors()
    missing = NAMED_SECTORS - set(sectors.index)
    assert not missing, f"sectors missing: {sorted(missing)}"
    is_bool = sectors["can_go_vertical"].map(lambda v: isinstance(v, (bool, np.bool_)))
    assert is_bool.all(), sectors["can_go_vertical"]
    # both kinds exist: some sectors can go up the floors, some cannot
    assert sectors["can_go_vertical"].any() and not sectors["can_go_vertical"].all()


def test_sector_mix_is_the_raw_weights_normalised_per_zone():
    p = zonesim.parameters()
    zones, sectors = sorted(SIX_ZONES), sorted(zonesim.sectors().index)
    # every zone x sector weight exists and is positive, and there are no others
    names = {f"mix.{z}.{s}" for z in zones for s in sectors}
    given = {n for n in p.index if n.startswith("mix.")}
    assert names - given == set(), f"missing weights: {sorted(names - given)}"
    assert given - names == set(), f"weights of unknown zones or sectors: {sorted(given - names)}"
    raw = {(z, s): float(p.at[f"mix.{z}.{s}", "value"]) for z in zones for s in sectors}
    not_positive = {k: w for k, w in raw.items() if not w > 0}
    assert not_positive == {}, f"weights <= 0: {not_positive}"
    # sector_mix() is the raw weights over their zone's total, computed here independently
    totals = {z: sum(raw[z, s] for s in sectors) for z in zones}
    expected = pd.DataFrame(
        [[raw[z, s] / totals[z] for s in sectors] for z in zones], index=zones, columns=sectors
    )
    mix = zonesim.sector_mix()
    assert set(mix.index) == SIX_ZONES
    assert set(mix.columns) == set(sectors)
    pd.testing.assert_frame_equal(
        mix.loc[zones, sectors], expected, check_names=False, check_index_type=False,
        check_column_type=False, atol=1e-12, rtol=0,
    )  # fmt: skip
