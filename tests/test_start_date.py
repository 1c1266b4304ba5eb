"""A clock that starts where the data starts: a scenario's start month and market path, from
the Python API, scenario files, sweeps and the command line, down to the tables' dates."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pandas as pd
import pytest
from zonesim.model.calendar import (
    DEFAULT_MARKET,
    DEFAULT_START,
    FIRST_START,
    LAST_START,
    MARKET_PATHS,
    start_period,
)
from zonesim.model.checks import BeyondRange
from zonesim.studies.scenario_files import load_scenario, problems
from zonesim.studies.sweeps import load_sweep, with_settings

import zonesim
from zonesim import Policy, ZoneModel, ZoneScenario
from zonesim.cli import main

ALL_ZONES = frozenset(zonesim.zones().index)
MONTHS = 8
TABLES = ("zone_kpis", "sector_kpis", "measure_kpis")
KEYS = {
    "zone_kpis": ["zone"],
    "sector_kpis": ["zone", "sector"],
    "measure_kpis": ["measure", "zone"],
}
BAD_STARTS = ["2022-11", "2100-01", "2023-13", "2023-00", "2023-9", "23-09", " 2023-09",
              "2023-09-01", "", 202309, None, pd.Period("2023-09", freq="M")]  # fmt: skip


def _tables(start: str) -> dict[str, pd.DataFrame]:
    model = ZoneModel(rng=1, months=MONTHS, start=start).run()
    return {table: getattr(model, table)() for table in TABLES}


# ---------------------------------------------------------------------- the Python API
def test_defaults_are_the_plan_month_and_recovery():
    scenario = ZoneScenario()
    assert (scenario.start, scenario.market) == (DEFAULT_START, DEFAULT_MARKET)
    assert (DEFAULT_START, DEFAULT_MARKET) == ("2024-09", "recovery")
    assert ZoneModel(rng=1, months=1).start == pd.Period("2024-09", freq="M")


@pytest.mark.parametrize("table", TABLES)
def test_another_start_shifts_every_date_by_as_many_months(table):
    """Twenty months earlier: each row's date moves by exactly 20 months, and every row keeps
    its month, zone, sector and measure (the values may differ once the model reads the
    start; this checks the clock only)."""
    plan, earlier = _tables(DEFAULT_START)[table], _tables("2023-01")[table]
    keys = ["month", *KEYS[table]]
    assert plan[keys].equals(earlier[keys])
    shift = pd.PeriodIndex(plan["date"], freq="M") - pd.PeriodIndex(earlier["date"], freq="M")
    assert {offset.n for offset in shift} == {20}
    dates = pd.PeriodIndex(earlier["date"], freq="M")
    assert (dates == pd.Period("2023-01", freq="M") + earlier["month"].to_numpy()).all()
    assert earlier["date"].iloc[0] == "2023-01" and earlier["date"].iloc[-1] == "2023-09"


def test_a_measure_starts_counting_from_the_runs_start():
    """Measure 8 from month 5, heard of and taken up at once: its first adopters are dated
    start + 5 months, whatever the start."""
    policy = Policy.baseline().with_measure("8", zones=ALL_ZONES, start_month=5, intensity=5.0)
    sure = {"m8.alpha": 30.0, "decision.review_prob": 1.0, "m8.bass_p": 50.0}
    params = {name: BeyondRange(value) for name, value in sure.items()}  # certain, on purpose
    for start in ("2024-09", "2023-03"):
        model = ZoneModel(rng=3, policy=policy, params=params, months=MONTHS, start=start)
        uptake = model.run().measure_kpis()
        adopted = uptake[uptake["measure"] == "8"].groupby(["month", "date"])["adopted"].sum()
        first = adopted[adopted > 0].index[0]
        assert first == (5, str(start_period(start) + 5))


@pytest.mark.parametrize("start", [FIRST_START, "2023-09", "2031-01", LAST_START])
def test_months_within_the_bounds_are_taken(start):
    assert ZoneScenario(start=start).start == start
    assert start_period(start) == pd.Period(start, freq="M")


@pytest.mark.parametrize("start", BAD_STARTS)
def test_anything_else_is_refused_in_one_message(start):
    message = r'start: must be a month "YYYY-MM" from 2022-12 to 2099-12, got '
    with pytest.raises(ValueError, match=message):
        ZoneScenario(start=start)
    with pytest.raises(ValueError, match=message):
        ZoneModel(rng=1, months=1, start=start)
    with pytest.raises(ValueError, match=message):
        ZoneScenario().replace(start=start)


@pytest.mark.parametrize("market", ["boom", "Flat", "", None, 1])
def test_an_unknown_market_path_is_refused(market):
    with pytest.raises(ValueError, match="market: must be one of flat, glut, recovery, got"):
        ZoneScenario(market=market)


def test_start_and_market_are_part_of_the_run_object():
    base = ZoneScenario(name="x")
    moved = base.replace(start="2023-09", market="glut")
    assert (moved.start, moved.market) == ("2023-09", "glut")
    assert (moved.as_dict()["start"], moved.as_dict()["market"]) == ("2023-09", "glut")
    assert (base.as_dict()["start"], base.as_dict()["market"]) == ("2024-09", "recovery")
    digests = {s.digest() for s in (base, moved, base.replace(start="2023-09"))}
    assert len(digests | {base.replace(market="flat").digest()}) == 4
    back = pickle.loads(pickle.dumps(moved))
    assert (back.start, back.market, back.digest()) == ("2023-09", "glut", moved.digest())
    assert [ZoneScenario(market=m).market for m in MARKET_PATHS] == list(MARKET_PATHS)


# ---------------------------------------------------------------------- scenario files
def _file(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_files_set_both_and_children_inherit_them(tmp_path):
    parent = _file(
        tmp_path,
        "early",
        'extends = "plan_2024"\n[simulation]\nstart = "2023-09"\n[market]\npath = "glut"\n',
    )
    child = _file(tmp_path, "child", 'extends = "early"\n[simulation]\nmonths = 60\n')
    flat = _file(tmp_path, "flat", 'extends = "early"\n[market]\npath = "flat"\n')
    assert (load_scenario(parent).start, load_scenario(parent).market) == ("2023-09", "glut")
    assert (load_scenario(child).start, load_scenario(child).market) == ("2023-09", "glut")
    assert (load_scenario(flat).start, load_scenario(flat).market) == ("2023-09", "flat")
    plan = load_scenario("plan_2024")
    assert (plan.start, plan.market) == (DEFAULT_START, DEFAULT_MARKET)


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ('[simulation]\nstart = "2021-06"\n', "simulation.start", "from 2022-12 to 2099-12"),
        ("[simulation]\nstart = 2023-09-01\n", "simulation.start", "got date 2023-09-01"),
        ('[market]\npath = "boom"\n', "market.path", "must be one of flat, glut, recovery"),
        ('[market]\nroute = "glut"\n', "market.route", "unknown key 'route'"),
        ('market = "glut"\n', "market", "must be a table ([market])"),
    ],
)
def test_a_bad_value_in_a_file_stops_the_run_in_one_line(tmp_path, capsys, text, key, message):
    path = _file(tmp_path, "bad", 'extends = "plan_2024"\n' + text)
    out = tmp_path / "study"
    assert main(["run", str(path), "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}: {key}: " in err and message in err, err
    assert not out.exists()
    assert main(["validate", str(path)]) == 2
    assert f"{path}: {key}: " in capsys.readouterr().err


def test_validate_reports_both_problems_and_shows_good_values(tmp_path, capsys):
    bad = _file(tmp_path, "bad", '[simulation]\nstart = "2023-13"\n[market]\npath = "boom"\n')
    assert [e.key for e in problems(bad)] == ["simulation.start", "market.path"]
    good = _file(tmp_path, "good", '[simulation]\nstart = "2023-09"\n[market]\npath = "flat"\n')
    assert main(["validate", str(good)]) == 0
    out = capsys.readouterr().out
    assert (
        "120 months, 5 replications, seed 20240821, starting 2023-09" in out
        and "market: flat" in out
    )


def test_a_sweep_varies_the_start_and_the_market_path(tmp_path):
    path = _file(
        tmp_path,
        "clock",
        'extends = "baseline"\n[sweep.grid]\n"simulation.start" = ["2023-09", "2024-09"]\n'
        '"market.path" = ["flat", "glut"]\n',
    )
    variants = load_sweep(path)
    found = {v.name: (v.start, v.market) for v in variants}
    assert found == {
        "clock[start=2023-09,market=flat]": ("2023-09", "flat"),
        "clock[start=2023-09,market=glut]": ("2023-09", "glut"),
        "clock[start=2024-09,market=flat]": ("2024-09", "flat"),
        "clock[start=2024-09,market=glut]": ("2024-09", "glut"),
    }
    assert len({v.digest() for v in variants}) == 4


def test_a_bad_swept_start_is_named_by_its_sweep_key(tmp_path):
    path = _file(
        tmp_path, "clock", 'extends = "baseline"\n[sweep.grid]\n"simulation.start" = ["1999-01"]\n'
    )
    (err,) = problems(path)
    assert err.key == "sweep.grid.simulation.start"
    assert "start = 1999-01" in err.message and "from 2022-12" in err.message


def test_settings_changed_in_code_carry_over_unless_a_variant_sets_them():
    plan = load_scenario("plan_2024").replace(start="2023-03", market="flat")
    kept = with_settings(plan, {"measures.6.intensity": 2.0})
    assert (kept.start, kept.market) == ("2023-03", "flat")
    moved = with_settings(plan, {"simulation.start": "2025-01", "market.path": "glut"})
    assert (moved.start, moved.market) == ("2025-01", "glut")
    assert moved.name == "plan_2024[start=2025-01,market=glut]"


# ---------------------------------------------------------------------- the command line
def test_flags_override_the_file_and_are_recorded(tmp_path, capsys):
    path = _file(
        tmp_path,
        "early",
        'extends = "baseline"\n[simulation]\nstart = "2023-01"\n[market]\npath = "flat"\n',
    )
    out = tmp_path / "study"
    argv = ["run", str(path), "-r", "1", "--months", "2", "--out", str(out), "-q"]
    assert main([*argv, "--executor", "serial", "--start", "2024-03", "--market", "glut"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    recorded = manifest["scenarios"]["early"]
    assert (recorded["start"], recorded["market"]) == ("2024-03", "glut")
    dates = pd.read_parquet(out / "zone_kpis.parquet").groupby("month")["date"].unique()
    assert {m: list(d) for m, d in dates.items()} == {
        0: ["2024-03"],
        1: ["2024-04"],
        2: ["2024-05"],
    }
    # the file's own values are other work: --resume refuses them
    assert main([*argv, "--resume"]) == 2
    assert "holds different work (scenarios differs)" in capsys.readouterr().err


def test_without_flags_each_file_keeps_its_own(tmp_path):
    early = _file(tmp_path, "early", 'extends = "baseline"\n[simulation]\nstart = "2023-01"\n')
    out = tmp_path / "study"
    argv = ["run", str(early), "baseline", "-r", "1", "--months", "1", "--out", str(out), "-q"]
    assert main([*argv, "--executor", "serial"]) == 0
    recorded = json.loads((out / "manifest.json").read_text())["scenarios"]
    assert {n: (s["start"], s["market"]) for n, s in recorded.items()} == {
        "early": ("2023-01", "recovery"),
        "baseline": ("2024-09", "recovery"),
    }
    kpis = pd.read_parquet(out / "zone_kpis.parquet")
    first = kpis[kpis["month"] == 0].groupby("scenario")["date"].unique()
    assert {n: list(d) for n, d in first.items()} == {"early": ["2023-01"], "baseline": ["2024-09"]}


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--start", "2023-13"], '--start: must be a month "YYYY-MM" from 2022-12 to 2099-12'),
        (["--start", "2022-11"], "got '2022-11'"),
        (["--market", "boom"], "argument --market: invalid choice: 'boom'"),
    ],
)
def test_a_bad_flag_is_refused_in_one_line(tmp_path, capsys, flags, message):
    out = tmp_path / "study"
    assert main(["run", "baseline", "--out", str(out), *flags]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not out.exists()


# ---------------------------------------------------------------------- what people see
def test_views_date_months_from_the_models_start():
    from zonesim.views import levers, live

    model = ZoneModel(rng=1, months=2, start="2023-09")
    setting = {"zones": ["jinqiao"], "start_month": 4, "intensity": 1.0}
    assert (
        levers.describe_setting("6", setting, model.start) == "6 in jinqiao from month 4 (2024-01)"
    )
    assert live.month_label(model) == "month (0 = 2023-09)"
    (ax,) = live.uptake_figure(model).axes
    assert ax.get_xlabel() == "month (0 = 2023-09)"
    dashboard = levers.DashboardModel(months=2)
    assert dashboard.start == levers.plan_start() == start_period(levers.plan_scenario().start)


def test_study_figures_and_notes_follow_the_start(tmp_path):
    from zonesim.studies import plots
    from zonesim.studies.compare import compare_study
    from zonesim.studies.runner import run_study

    scenarios = [
        ZoneScenario(name="plan", months=2, start="2023-09"),
        ZoneScenario(name="baseline", policy=Policy.baseline(), months=2, start="2023-09"),
    ]
    run_study(scenarios, 1, 0, tmp_path / "same", False)
    kpis = pd.read_parquet(tmp_path / "same" / "zone_kpis.parquet")
    assert plots.start_of(kpis) == pd.Period("2023-09", freq="M")
    (axis, *_) = plots.headline_kpis(kpis).axes
    assert axis.get_lines()[0].get_xdata()[0] == pytest.approx(2023 + 8 / 12)
    assert not any("different months" in n for n in compare_study(tmp_path / "same").notes)

    apart = [scenarios[0], scenarios[1].replace(start="2024-09")]
    run_study(apart, 1, 0, tmp_path / "apart", False)
    kpis = pd.read_parquet(tmp_path / "apart" / "zone_kpis.parquet")
    assert plots.start_of(kpis) is None
    (axis, *_) = plots.headline_kpis(kpis).axes
    assert axis.get_lines()[0].get_xdata()[0] == 0  # years from the start
    notes = compare_study(tmp_path / "apart").notes
    assert "the scenarios start in different months (plan 2023-09, baseline 2024-09)" in notes[0]
