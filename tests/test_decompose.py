"""The plan decomposed by measure: the study's scenarios, the paired effects both ways, the
interaction as what is left over, and the command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from zonesim.studies.decompose import (
    decomposition_scenarios,
    measures_of,
    run_decomposition,
)

from zonesim import Policy, ZoneScenario

MONTHS = 12
# 2b with no effect, cost or pull: switched on alone it must change nothing at all
NO_EFFECT_2B = {
    "m2b.service_cut": 0.0,
    "m2b.attraction": 0.0,
    "m2b.fixed_cost": 0.0,
    "m2b.running_cost": 0.0,
}


def test_the_study_has_each_measure_alone_and_the_scenario_without_each():
    plan = ZoneScenario(name="plan", policy=Policy.plan_2024().only(["2b", "6"]), months=6)
    base = ZoneScenario(name="baseline", policy=Policy.baseline(), months=6)
    scenarios = {s.name: s for s in decomposition_scenarios(plan, base)}
    assert measures_of(plan, base) == ["2b", "6"]
    assert set(scenarios) == {"plan", "baseline", "2b_alone", "6_alone", "without_2b", "without_6"}
    on = {name: set(s.policy.as_dict()) for name, s in scenarios.items()}
    assert on["2b_alone"] == {"2b"} and on["without_2b"] == {"6"} and on["plan"] == {"2b", "6"}
    assert scenarios["2b_alone"].policy.measures["2b"] == plan.policy.measures["2b"]


@pytest.fixture(scope="module")
def decomposed(tmp_path_factory) -> pd.DataFrame:
    policy = Policy.plan_2024().only(["2b", "10a"]).with_measure("2b", start_month=0)
    plan = ZoneScenario(name="plan", policy=policy, months=MONTHS, params=NO_EFFECT_2B)
    base = ZoneScenario(name="baseline", policy=Policy.baseline(), months=MONTHS,
                        params=NO_EFFECT_2B)  # fmt: skip
    out = tmp_path_factory.mktemp("decompose")
    done = run_decomposition(plan, base, 3, 11, out, progress=False)
    assert (out / "decomposition.csv").is_file() and (out / "figures/decomposition.png").is_file()
    return done.table


def test_a_measure_without_effect_decomposes_to_exactly_nothing(decomposed):
    rows = decomposed[decomposed["measure"] == "2b"]
    assert len(rows) == 2 * decomposed["kpi"].nunique()  # alone and last, every KPI
    assert (rows[["diff", "ci_low", "ci_high"]] == 0).all().all()


def test_the_interaction_is_the_total_less_the_effects_alone(decomposed):
    for _, rows in decomposed.groupby("kpi"):
        by = rows.set_index(["measure", "way"])["diff"]
        alone = by.xs("alone", level="way").sum()
        total = by[("all measures", "all measures")]
        assert by.xs("interaction", level="measure").iloc[0] == pytest.approx(total - alone)
    firms = decomposed.query("kpi == 'firms' and measure == '10a'").set_index("way")
    assert firms.loc["alone", "pairs"] == 3
    assert (
        firms.loc["alone", "ci_low"] <= firms.loc["alone", "diff"] <= firms.loc["alone", "ci_high"]
    )
    assert np.isfinite(firms["diff"]).all()


def test_the_command_decomposes_and_refuses_a_scenario_with_nothing_to_decompose(tmp_path, capsys):
    from zonesim.cli import main

    argv = ["decompose", "cash_pool", "--months", "24", "-r", "2", "-q", "--executor", "serial"]
    assert main([*argv, "--out", str(tmp_path / "d")]) == 0
    printed = capsys.readouterr().out
    assert "1 measures, 4 scenarios" in printed and "interaction" in printed
    table = pd.read_csv(tmp_path / "d" / "decomposition.csv", dtype={"measure": str})
    assert set(table["measure"]) == {"6", "all measures", "interaction"}
    assert main(["decompose", "baseline", "--out", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "turns on no measure" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "none").exists()


def test_the_help_lists_decompose(capsys):
    from zonesim.cli import main

    for argv in (["--help"], ["decompose", "--help"]):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 0
    assert "with paired 95% CIs" in " ".join(capsys.readouterr().out.split())
