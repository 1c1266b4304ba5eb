"""Replications chosen for a precision: rounds sized from the half-width reached, the rounds
recorded, and the option's bad input refused."""

from __future__ import annotations

import json
import math

import pytest
from zonesim.studies.precision import next_replications

from zonesim.cli import main


def test_the_next_round_scales_with_the_square_of_the_half_width_ratio():
    assert next_replications(5, 10.0, 5.0, 200) == 20  # twice as wide: four times the runs
    assert next_replications(5, 5.1, 5.0, 200) == 6  # at least one more
    assert next_replications(5, 100.0, 5.0, 30) == 30  # never past the maximum
    assert next_replications(2, math.nan, 5.0, 30) == 3  # no CI yet: one more


ARGV = ["run", "plan_2024", "baseline", "--months", "24", "-r", "2", "-q", "--executor", "serial"]


def test_rounds_add_replications_until_the_maximum_and_are_recorded(tmp_path, capsys):
    out = tmp_path / "s"
    argv = [*ARGV, "--precision", "firms=0.01", "--max-replications", "4", "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "not reached within 4 replications" in printed
    record = json.loads((out / "manifest.json").read_text())["precision"]
    assert record["kpi"] == "firms" and record["half_width"] == 0.01 and not record["met"]
    assert [r["replications"] for r in record["rounds"]] == [2, 4]
    assert len(list((out / "runs").glob("*.zone_kpis.parquet"))) == 2 * 4


def test_a_precision_reached_at_once_runs_one_round(tmp_path):
    out = tmp_path / "s"
    assert main([*ARGV, "--precision", "firms=100000", "--out", str(out)]) == 0
    record = json.loads((out / "manifest.json").read_text())["precision"]
    assert record["met"] and [r["replications"] for r in record["rounds"]] == [2]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--precision", "jobs=5"], "KPI 'jobs' is not one of"),
        (["--precision", "firms=-1"], "the half-width must be a number > 0"),
        (["--precision", "firms=5", "--max-replications", "1"], "--max-replications 1"),
    ],
)
def test_bad_precision_is_refused_in_one_line(extra, says, tmp_path, capsys):
    assert main([*ARGV, *extra, "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "s").exists()


def test_precision_needs_a_baseline(tmp_path, capsys):
    argv = ["run", "plan_2024", "--months", "24", "--precision", "firms=5"]
    assert main([*argv, "--out", str(tmp_path / "s")]) == 2
    assert "needs a scenario named baseline" in capsys.readouterr().err


def test_the_python_function_does_the_same(tmp_path):
    from zonesim.studies.precision import run_to_precision

    from zonesim import Policy, ZoneScenario

    plan = ZoneScenario(name="plan", policy=Policy.plan_2024(), months=24)
    base = ZoneScenario(name="baseline", policy=Policy.baseline(), months=24)
    said = []
    done = run_to_precision(
        [plan, base], "firms", 1e-9, 2, 3, 7, tmp_path / "s", report=said.append, progress=False
    )
    assert [r["replications"] for r in done.rounds] == [2, 3] and len(said) == 2
    assert done.rounds[-1]["half_width"] > 1e-9 and not done.met
    assert json.loads((tmp_path / "s" / "manifest.json").read_text())["precision"]["rounds"]
