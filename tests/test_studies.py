"""End to end: the main job, `zonesim run`, on small settings (2 replications, 12 months)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zonesim.cli import main

SCENARIOS = ("plan_2024", "baseline")
REPLICATIONS = 2
MONTHS = 12
TABLES = ("zone_kpis.parquet", "uptake.parquet")
SUMMARIES = ("kpi_summary.csv", "kpi_summary.md", "uptake_summary.csv", "uptake_summary.md")
FIGURES = (
    "headline_kpis.png",
    "kpis_by_zone.png",
    "uptake_over_time_plan_2024.png",
    "uptake_heatmap_plan_2024.png",
)


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> tuple[int, Path]:
    """Exit status and output folder of one small study."""
    out = tmp_path_factory.mktemp("study") / "out"
    argv = ["run", *SCENARIOS, "-r", str(REPLICATIONS), "--months", str(MONTHS)]
    status = main([*argv, "--out", str(out), "-q"])
    return status, out


def test_main_job_exits_0_and_writes_every_file(study):
    status, out = study
    assert status == 0
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
