"""End to end: the main job, `zonesim run` then `zonesim compare`, on small settings
(2 replications, 12 months)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zonesim.cli import main

SCENARIOS = ("plan_2024", "baseline")
REPLICATIONS = 2
MONTHS = 12
TABLES = ("zone_kpis.parquet", "sector_kpis.parquet", "measure_kpis.parquet")
SUMMARIES = ("kpi_summary.csv", "kpi_summary.md", "uptake_summary.csv", "uptake_summary.md")
FIGURES = (
    "headline_kpis.png",
    "headline_differences.png",
    "kpis_by_zone.png",
    "uptake_over_time_plan_2024.png",
    "uptake_heatmap_plan_2024.png",
    "map_revenue_rmb_m.png",
)


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> tuple[int, Path]:
    """Exit statuses of run and compare, and the output folder, of one small study."""
    out = tmp_path_factory.mktemp("study") / "out"
    argv = ["run", *SCENARIOS, "-r", str(REPLICATIONS), "--months", str(MONTHS)]
    status = main([*argv, "--out", str(out), "-q"])
    return (status, main(["compare", str(out)])), out


def test_main_job_exits_0_and_writes_every_file(study):
    status, out = study
    assert status == (0, 0)
    for name in (*TABLES, *SUMMARIES, *(f"figures/{f}" for f in FIGURES)):
        path = out / name
        assert path.is_file() and path.stat().st_size > 0, f"missing or empty: {name}"
    runs = sorted(p.name for p in (out / "runs").iterdir())
    expected = sorted(
        f"{s}__r{r:03d}.{t}" for s in SCENARIOS for r in range(REPLICATIONS) for t in TABLES
    )
    assert runs == expected


@pytest.mark.parametrize("table", TABLES)
def test_tables_hold_every_scenario_replication_and_month(study, table):
    _, out = study
    frame = pd.read_parquet(out / table)
    assert set(frame["scenario"]) == set(SCENARIOS)
    assert set(frame["replication"]) == set(range(REPLICATIONS))
    assert sorted(frame["month"].unique()) == list(range(MONTHS + 1))  # month 0 to 12
    per_run = frame.groupby(["scenario", "replication"])["month"].nunique()
    assert len(per_run) == len(SCENARIOS) * REPLICATIONS
    assert (per_run == MONTHS + 1).all(), per_run


def test_replication_has_the_same_seed_in_every_scenario(study):
    _, out = study
    for table in TABLES:
        frame = pd.read_parquet(out / table)
        seeds = frame.groupby(["replication", "scenario"])["seed"].unique()
        assert (seeds.map(len) == 1).all(), "a run with more than one seed"
        by_rep = seeds.map(lambda s: int(s[0])).unstack("scenario")
        assert (by_rep.nunique(axis=1) == 1).all(), by_rep  # same seed across scenarios
        assert by_rep.iloc[:, 0].is_unique, by_rep  # different seeds across replications


def test_uptake_share_is_adopted_over_eligible_of_the_row(study):
    _, out = study
    summary = pd.read_csv(out / "uptake_summary.csv", dtype={"measure": str})
    assert set(summary["scenario"]) == set(SCENARIOS)
    has = summary["eligible"] > 0
    assert has.any()
    expected = summary.loc[has, "adopted"] / summary.loc[has, "eligible"]
    np.testing.assert_allclose(summary.loc[has, "uptake_share"], expected, rtol=1e-12)
    assert summary.loc[~has, "uptake_share"].isna().all()  # blank where no firm is eligible
    # and the plan has adopters, so the check above is not on zeros alone
    plan = summary[(summary["scenario"] == "plan_2024") & has]
    assert (plan["uptake_share"] > 0).any()


def test_all_zones_uptake_sums_the_zones_where_the_measure_is_on(study):
    _, out = study
    summary = pd.read_csv(out / "uptake_summary.csv", dtype={"measure": str})
    total = summary[summary["zone"] == "all zones"].set_index(["scenario", "measure"])
    zones = summary[(summary["zone"] != "all zones") & summary["on"]]
    summed = zones.groupby(["scenario", "measure"])[["eligible", "adopted"]].sum()
    summed = summed.reindex(total.index, fill_value=0.0)
    np.testing.assert_allclose(total[["eligible", "adopted"]], summed, rtol=1e-12)


def test_bad_scenario_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "bad"
    status = main(["run", "plan_2024", "no_such_scenario", "-r", "1", "--months", "1",
                   "--out", str(out)])  # fmt: skip
    assert status == 2
    err = capsys.readouterr().err
    assert "no_such_scenario" in err and len(err.strip().splitlines()) == 1
    assert not out.exists() or not any(out.iterdir())


def test_compare_prints_the_headline_differences(study, capsys):
    _, out = study
    assert main(["compare", str(out), "--map-kpi", "firms"]) == 0
    printed = capsys.readouterr().out
    assert f"plan_2024 minus baseline, all zones, month {MONTHS}" in printed
    assert (out / "figures" / "map_firms.png").is_file()


def test_compare_names_the_baseline_it_was_given(study, capsys):
    _, out = study
    assert main(["compare", str(out), "--baseline", "plan_2024"]) == 0
    assert f"baseline minus plan_2024, all zones, month {MONTHS}" in capsys.readouterr().out
    main(["compare", str(out)])  # as the other tests expect it


def _listing(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--baseline", "plan_2O24"], "--baseline 'plan_2O24' is not a scenario of the study"),
        (["--map-month", str(MONTHS + 1)], "--map-month 13: the study runs from month 0 to 12"),
        (["--map-kpi", "profit"], "argument --map-kpi: invalid choice: 'profit'"),
    ],
)
def test_compare_with_bad_options_exits_2_and_writes_nothing(study, capsys, argv, says):
    _, out = study
    before = _listing(out)
    assert main(["compare", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1, err
    assert _listing(out) == before


def test_compare_of_a_folder_without_a_study_exits_2(tmp_path, capsys):
    (tmp_path / "zone_kpis.parquet").write_text("not parquet")
    assert main(["compare", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main(["compare", str(tmp_path)]) == 2
    assert "no measure_kpis.parquet" in capsys.readouterr().err
    (tmp_path / "uptake.parquet").write_text("an older zonesim's table")
    assert main(["compare", str(tmp_path)]) == 2
    assert "a study of an older zonesim; run it again" in capsys.readouterr().err
    (tmp_path / "uptake.parquet").unlink()
    (tmp_path / "measure_kpis.parquet").write_text("not parquet")
    assert main(["compare", str(tmp_path)]) == 2
    assert "zone_kpis.parquet: unreadable" in capsys.readouterr().err
    pd.DataFrame({"scenario": ["a"], "month": [1]}).to_parquet(tmp_path / "zone_kpis.parquet")
    assert main(["compare", str(tmp_path)]) == 2
    assert "measure_kpis.parquet: unreadable" in capsys.readouterr().err


def _listing(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


def test_a_rerun_into_earlier_results_needs_resume_or_overwrite(tmp_path, capsys):
    out = tmp_path / "out"
    first = ["run", "far_uplift", "baseline", "-r", "3", "--months", "13", "--out", str(out), "-q"]
    assert main([*first, "--executor", "serial"]) == 0
    capsys.readouterr()
    before = _listing(out)
    smaller = [*first[:4], "1", *first[5:]]  # one replication where there were three
    for extra, says in (
        ([], "holds earlier results; --resume to finish them, --overwrite"),
        (["--resume", "--overwrite"], "choose one"),
        (["--resume", "--seed", "6"], "--resume: "),  # another study: the seed differs
    ):
        assert main([*smaller, *extra]) == 2, extra
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and says in err[0], err
        assert _listing(out) == before  # nothing written
    assert main([*smaller, "--overwrite", "--executor", "serial"]) == 0
    runs = sorted(p.name.split(".")[0] for p in (out / "runs").iterdir())
    assert set(runs) == {"far_uplift__r000", "baseline__r000"}  # none of the old study's
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replications"] == 1 and len(manifest["runs"]) == 2


def test_a_folder_of_other_files_is_never_a_study_folder(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    argv = ["run", "baseline", "-r", "1", "--months", "1", "--out", str(tmp_path), "-q"]
    assert main([*argv, "--overwrite"]) == 2
    assert "holds no zonesim results" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_resume_removes_the_comparison_of_the_tables_it_replaces(tmp_path):
    out = tmp_path / "out"
    argv = ["run", "baseline", "-r", "1", "--months", "1", "--out", str(out), "-q"]
    assert main([*argv, "--executor", "serial"]) == 0
    (out / "figures").mkdir()
    for old in ("kpi_summary.csv", "uptake_summary.md", "figures/map_firms.png"):
        (out / old).write_text("from an earlier comparison")
    assert main([*argv, "--resume", "--executor", "serial"]) == 0
    assert not (out / "kpi_summary.csv").exists() and not (out / "uptake_summary.md").exists()
    assert not any((out / "figures").iterdir())
    assert (out / "zone_kpis.parquet").is_file()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["run", "plan2024"], "unknown scenario 'plan2024': not a file, nor shipped; did you mean"
         " 'plan_2024'?"),
        (["sensitivity", "basline", "--grade", "P"], "did you mean 'baseline'?"),
        (["run", "zzzz"], "shipped: baseline, cash_pool"),  # nothing near: the list
    ],
)  # fmt: skip
def test_a_mistyped_scenario_name_gets_the_nearest_shipped_one(tmp_path, capsys, argv, says):
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0], err
    assert not (tmp_path / "out").exists()


def test_the_python_api_finds_shipped_scenarios_by_name():
    import zonesim

    plan = zonesim.load_scenario("plan_2024")
    assert isinstance(plan, zonesim.ZoneScenario) and plan.name == "plan_2024"
    with pytest.raises(zonesim.ScenarioError, match="did you mean 'plan_2024'"):
        zonesim.load_scenario("plan_2042")
