"""Scenario files: the shipped ones resolve to what they say, and every bad file in the
corpus (tests/data/bad_scenarios, with the message each must produce in expected.tsv) stops
with one line naming the file and the key, exit status 2, before anything runs."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from zonesim.studies.scenario_files import SHIPPED, ScenarioError, load_scenario

import zonesim
from zonesim import Policy
from zonesim.cli import main

BAD = Path(__file__).parent / "data" / "bad_scenarios"
with (BAD / "expected.tsv").open() as handle:
    EXPECTED = {row["file"]: row["expected"] for row in csv.DictReader(handle, delimiter="\t")}


def test_the_corpus_is_complete():
    assert len(EXPECTED) >= 20
    assert set(EXPECTED) == {p.name for p in BAD.glob("*.toml")}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_gives_its_message(name):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(BAD / name)
    expected = f"{BAD}/" + EXPECTED[name].format(dir=BAD)
    if expected.endswith("(...)"):  # the TOML reader's own words vary with Python's version
        head = expected.removesuffix("(...)")
        assert str(caught.value).startswith(head) and str(caught.value).endswith(")")
    else:
        assert str(caught.value) == expected


@pytest.mark.parametrize("name", ["unknown_zone.toml", "negative_far.toml", "malformed.toml"])
def test_validate_command_prints_one_line_and_exits_2(name, capsys):
    assert main(["validate", str(BAD / name)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and str(BAD / name) in err


def test_missing_file(capsys):
    assert main(["validate", str(BAD / "nowhere.toml")]) == 2
    assert "nowhere.toml: no such scenario file" in capsys.readouterr().err


def shipped(name: str):
    return load_scenario(SHIPPED / f"{name}.toml")


def measures_on(scenario) -> set[str]:
    return {mid for mid, s in scenario.policy.measures.items() if s.enabled}


def test_shipped_scenarios_are_valid_and_listed(capsys):
    names = {p.stem for p in SHIPPED.glob("*.toml")}
    required = {"baseline", "plan_2024", "far_uplift", "cash_pool", "return_warehouse"}
    assert required | {"plan_2024_all_zones", "example"} <= names
    assert main(["validate", *sorted(str(SHIPPED / f"{n}.toml") for n in names)]) == 0
    assert capsys.readouterr().out.count(": valid") == len(names)
    assert main(["list", "scenarios"]) == 0
    assert "plan_2024_all_zones" in capsys.readouterr().out


def test_plan_file_is_the_published_plan():
    plan = shipped("plan_2024")
    assert dict(plan.policy.measures) == dict(Policy.plan_2024().measures)
    assert plan.params == {} and plan.months == 120


def test_baseline_and_single_levers():
    assert measures_on(shipped("baseline")) == set()
    assert measures_on(shipped("far_uplift")) == {"10a", "10b"}
    assert measures_on(shipped("cash_pool")) == {"6"}
    assert measures_on(shipped("return_warehouse")) == {"2a"}
    plan = Policy.plan_2024().measures
    assert shipped("cash_pool").policy.measures["6"] == plan["6"]  # as the plan sets it


def test_all_zones_variant_extends_the_plan():
    every = set(zonesim.zones().index)
    variant, plan = shipped("plan_2024_all_zones"), Policy.plan_2024().measures
    for mid, setting in variant.policy.measures.items():
        assert setting.zones == every
        assert setting.start_month == plan[mid].start_month  # inherited


def test_example_overrides_what_it_sets_and_inherits_the_rest():
    example, plan = shipped("example"), Policy.plan_2024().measures
    cash_pool = example.policy.measures["6"]
    assert cash_pool.start_month == 12 and cash_pool.intensity == 2.0
    assert len(cash_pool.zones) == 6
    assert not example.policy.measures["3c"].enabled
    assert example.policy.measures["8"] == plan["8"]
    assert example.params["m6.threshold_domestic_revenue"] == 8000.0
    assert example.params["space.build_cost_vertical"] == 3500.0
    assert example.replications == 10
    assert example.digest() != shipped("plan_2024").digest()


def test_a_child_changes_only_the_keys_it_sets(tmp_path):
    (tmp_path / "parent.toml").write_text(
        '[simulation]\nmonths = 48\nseed = 7\n\n[measures.6]\nzones = ["jinqiao"]\n'
        'intensity = 3.0\n\n[parameters]\n"market.rent_lambda" = 0.8\n'
    )
    (tmp_path / "child.toml").write_text(
        'extends = "parent"\n\n[simulation]\nseed = 8\n\n[measures.6]\nstart_month = 5\n'
    )
    child = load_scenario(tmp_path / "child.toml")
    setting = child.policy.measures["6"]
    assert (child.months, child.seed) == (48, 8)
    assert setting.zones == {"jinqiao"} and setting.intensity == 3.0 and setting.start_month == 5
    assert child.params == {"market.rent_lambda": 0.8}


def _study_file(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


def test_run_takes_scenario_files_and_their_parameters(tmp_path):
    plan = str(SHIPPED / "plan_2024.toml")
    eager = _study_file(
        tmp_path,
        "eager",
        f'extends = "{plan}"\n\n[parameters]\n"decision.review_prob" = 1.0\n',
    )
    out = tmp_path / "study"
    argv = ["run", plan, str(eager), "-r", "1", "--months", "18", "--out", str(out), "-q"]
    assert main(argv) == 0
    uptake = pd.read_parquet(out / "measure_kpis.parquet")
    adopted = uptake[uptake.month == 18].groupby("scenario").adopted.sum()
    assert adopted["eager"] > adopted["plan_2024"]  # reviewing every month adopts sooner


def test_run_stops_when_scenarios_disagree_on_the_horizon(tmp_path, capsys):
    short = _study_file(tmp_path, "short", "[simulation]\nmonths = 36\n")
    out = tmp_path / "study"
    assert main(["run", str(short), "baseline", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "different months (short 36, baseline 120); pass --months" in err
    assert not out.exists()


def test_extends_falls_back_to_a_shipped_scenario(tmp_path):
    mine = _study_file(
        tmp_path, "mine", 'extends = "plan_2024"\n\n[measures.3c]\nenabled = false\n'
    )
    scenario = load_scenario(mine)
    assert len([s for s in scenario.policy.measures.values() if s.enabled]) == 20
