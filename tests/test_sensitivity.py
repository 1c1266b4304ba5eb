"""Sensitivity analysis: designs inside the table's ranges, indices that recover known
effects, and a model run where a parameter that cannot act has no effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from zonesim.studies.sensitivity import (
    choose_parameters,
    design,
    indices,
    run_sensitivity,
)

from zonesim import Policy, ZoneScenario, parameters

NAMES = ["m6.offset_share", "m2a.recovery_with", "exit.annual_rate"]


@pytest.mark.parametrize("method, samples, points", [("morris", 5, 5 * 4), ("sobol", 16, 16 * 5)])
def test_design_points_lie_in_the_table_ranges(method, samples, points):
    plan = design(method, NAMES, samples, seed=3)
    assert plan.points.shape == (points, len(NAMES))
    table = parameters().loc[NAMES]
    assert (plan.points >= table["low"].to_numpy()).all()
    assert (plan.points <= table["high"].to_numpy()).all()
    again = design(method, NAMES, samples, seed=3)
    np.testing.assert_array_equal(plan.points, again.points)  # the seed fixes the design


def test_morris_recovers_a_known_linear_effect():
    plan = design("morris", NAMES, 6, seed=1)
    x = plan.points
    results = pd.DataFrame({"firms": 10 * x[:, 0] + 0 * x[:, 1]}, index=plan.point_names())
    table = indices(plan, results).set_index(["parameter", "index"])["value"]
    low, high = parameters().loc[NAMES[0], ["low", "high"]]
    assert table[(NAMES[0], "mu_star")] == pytest.approx(10 * (high - low))  # per full range
    assert table[(NAMES[1], "mu_star")] == 0 and table[(NAMES[2], "mu_star")] == 0


def test_sobol_ranks_the_parameter_that_carries_the_variance_first():
    plan = design("sobol", NAMES, 256, seed=1)
    x = plan.points
    results = pd.DataFrame({"firms": 100 * x[:, 2] + 0.01 * x[:, 0]}, index=plan.point_names())
    table = indices(plan, results)
    st = table[table["index"] == "ST"].set_index("parameter")["value"]
    assert st.idxmax() == NAMES[2] and st[NAMES[2]] > 0.9 and st[NAMES[1]] < 0.05


def test_parameters_are_chosen_by_name_or_grade_and_checked():
    assert choose_parameters(NAMES) == NAMES
    graded = choose_parameters(grade="P")
    table = parameters().loc[graded]
    assert len(graded) > 2 and (table["grade"] == "P").all()
    assert (table["low"] < table["high"]).all()
    with pytest.raises(ValueError, match="did you mean 'm6.offset_share'"):
        choose_parameters(["m6.ofset_share"])
    with pytest.raises(ValueError, match="fixed range"):
        choose_parameters(["m6.threshold_members"])


def test_a_parameter_of_a_measure_that_is_off_has_no_effect(tmp_path):
    # baseline: no measure is on, so the return centre's recovery share cannot act, while
    # the exit rate acts on every firm
    plan = design("morris", ["m2a.recovery_with", "exit.annual_rate"], 2, seed=5)
    base = ZoneScenario(name="baseline", policy=Policy.baseline(), months=12)
    done = run_sensitivity(plan, base, ["firms", "revenue_rmb_m"], 1, 7, tmp_path, progress=False)
    assert not done.failed
    mu = done.indices[done.indices["index"] == "mu_star"].set_index(["kpi", "parameter"])
    assert (mu.xs("m2a.recovery_with", level="parameter")["value"] == 0).all()
    assert mu.loc[("revenue_rmb_m", "exit.annual_rate"), "value"] > 0
    names = {p.name for p in done.paths}
    assert {"design.csv", "indices.csv", "sensitivity_morris.png"} <= names


def test_the_command_writes_indices_and_refuses_bad_input(tmp_path, capsys):
    from zonesim.cli import main

    out = tmp_path / "sens"
    argv = ["sensitivity", "baseline", "--params", "m2a.recovery_with,exit.annual_rate",
            "--samples", "2", "--months", "6", "--out", str(out), "-q",
            "--executor", "serial"]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    # the influential parameter first (on revenue: on firms, six months of a higher exit rate
    # can be matched by the entrants that replace exits, at a design's few points)
    assert "revenue_rmb_m: exit.annual_rate" in printed
    table = pd.read_csv(out / "indices.csv")
    assert set(table["parameter"]) == {"m2a.recovery_with", "exit.annual_rate"}
    assert main([*argv, "--resume"]) == 0  # the same analysis: nothing left to run
    bad = {
        "--kpis": ("profit", "--kpis: unknown KPI 'profit'"),
        "--params": ("m2a.recovery_wth", "did you mean 'm2a.recovery_with'"),
        "--samples": ("0", "samples"),
        "--seed": ("99", "--resume: "),  # with --resume: another analysis in that folder
    }
    for flag, (value, says) in bad.items():
        i = argv.index(flag) if flag in argv else None
        changed = [*argv[:i], flag, value, *argv[i + 2 :]] if i else [*argv, flag, value]
        assert main([*changed, "--resume"]) == 2, flag
        err = capsys.readouterr().err
        assert says in err and len(err.strip().splitlines()) == 1, err


def test_intervals_are_reproducible_even_with_seed_0():
    plan = design("sobol", NAMES, 16, seed=0)
    y = pd.DataFrame({"firms": plan.points[:, 0] + plan.points[:, 2]}, index=plan.point_names())
    first, again = indices(plan, y), indices(plan, y)
    pd.testing.assert_frame_equal(first, again)  # SALib would bootstrap from global state
    assert plan.bootstrap_seed() != 0


def test_the_effect_of_a_scenario_on_itself_is_nil_at_every_point(tmp_path):
    """Against a baseline that differs only in name, every point's effect is exactly zero,
    whatever the parameters do to the levels: the points run in both scenarios with the same
    seeds, paired by replication."""
    plan = design("morris", ["exit.annual_rate", "m2a.recovery_with"], samples=2, seed=3)
    base = ZoneScenario(name="baseline", policy=Policy.baseline(), months=4)
    done = run_sensitivity(
        plan, base, ["firms", "revenue_rmb_m"], 2, 5, tmp_path / "s", progress=False,
        baseline=base.replace(name="also_baseline"),
    )  # fmt: skip
    assert (done.indices["value"] == 0).all()


def test_the_effect_responds_to_a_parameter_only_the_plan_reads(tmp_path):
    """Return-centre recovery matters only where measure 2a is on: its elementary effects on
    the plan's revenue effect against the baseline are not zero, and the exit rate's on
    the levels of both scenarios partly cancel in the difference."""
    plan = design("morris", ["m2a.recovery_with", "exit.annual_rate"], samples=2, seed=3)
    scenario = ZoneScenario(name="plan", policy=Policy.plan_2024(), months=36)
    baseline = ZoneScenario(name="baseline", policy=Policy.baseline(), months=36)
    kpis = ["revenue_rmb_m"]
    effect = run_sensitivity(
        plan, scenario, kpis, 1, 5, tmp_path / "e", progress=False, baseline=baseline
    ).indices.set_index(["parameter", "index"])["value"]
    assert effect[("m2a.recovery_with", "mu_star")] > 0
    levels = run_sensitivity(plan, scenario, kpis, 1, 5, tmp_path / "l", progress=False)
    level = levels.indices.set_index(["parameter", "index"])["value"]
    assert effect[("exit.annual_rate", "mu_star")] < level[("exit.annual_rate", "mu_star")]


def test_the_command_analyses_the_effect_against_a_baseline(tmp_path, capsys):
    from zonesim.cli import main

    argv = ["sensitivity", "plan_2024", "--params", "m2a.recovery_with,exit.annual_rate",
            "--samples", "2", "--months", "24", "-q", "--executor", "serial"]  # fmt: skip
    assert main([*argv, "--baseline", "baseline", "--out", str(tmp_path / "e")]) == 0
    assert "the effect against baseline" in capsys.readouterr().out
    runs = pd.read_parquet(tmp_path / "e" / "zone_kpis.parquet")["scenario"].unique()
    assert len(runs) == 12 and sum(name.endswith("@baseline") for name in runs) == 6
    assert (tmp_path / "e" / "indices.csv").is_file()
    # the scenario against itself: refused before anything is written
    assert main([*argv, "--baseline", "plan_2024", "--out", str(tmp_path / "same")]) == 2
    err = capsys.readouterr().err
    assert "--baseline plan_2024: the same scenario" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "same").exists()
