"""Running studies: the same tables on every executor, failed runs recorded while the others
go on, a manifest of what ran, and a study killed midway that resumes to the same tables."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
from zonesim.studies.runner import TABLES, run_study

from zonesim import Policy, ZoneModel, ZoneScenario

MONTHS = 18
SCENARIOS = [
    ZoneScenario(name="plan_2024", policy=Policy.plan_2024(), months=MONTHS),
    ZoneScenario(name="baseline", policy=Policy.baseline(), months=MONTHS),
]


class Broken(ZoneModel):
    """A model whose runs fail in their third month."""

    def step(self) -> None:
        if self.month == 2:
            raise RuntimeError("broken on purpose")
        super().step()


BROKEN = ZoneScenario(name="broken", policy=Policy.baseline(), months=MONTHS, model_class=Broken)


def tables(out) -> dict[str, pd.DataFrame]:
    """The combined tables as written: rows in the study's order, whichever executor ran."""
    return {t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES}


def test_serial_and_process_pool_give_identical_tables(tmp_path):
    serial = run_study(SCENARIOS, 2, 11, tmp_path / "serial", progress=False)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        pooled = run_study(SCENARIOS, 2, 11, tmp_path / "pool", progress=False, executor=pool)
    for name, frame in tables(serial.out_dir).items():
        pd.testing.assert_frame_equal(frame, tables(pooled.out_dir)[name])
    runs = frame[["replication", "scenario"]].drop_duplicates().to_numpy().tolist()
    assert runs == [[r, s.name] for r in range(2) for s in SCENARIOS]  # replication-major


def test_dask_gives_the_same_tables_as_serial(tmp_path):
    from distributed import Client, LocalCluster

    serial = run_study(SCENARIOS, 2, 11, tmp_path / "serial", progress=False)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    with cluster, Client(cluster) as client:
        dask = run_study(
            SCENARIOS,
            2,
            11,
            tmp_path / "dask",
            progress=False,
            executor=client.get_executor(),
        )
    for name, frame in tables(serial.out_dir).items():
        pd.testing.assert_frame_equal(frame, tables(dask.out_dir)[name])


def test_a_failing_run_is_recorded_and_the_others_go_on(tmp_path):
    result = run_study([SCENARIOS[0], BROKEN], 2, 11, tmp_path, progress=False)
    assert set(result.failed) == {"broken__r000", "broken__r001"}
    assert "broken on purpose" in result.failed["broken__r000"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    statuses = {name: run["status"] for name, run in manifest["runs"].items()}
    assert statuses == {
        "plan_2024__r000": "done",
        "plan_2024__r001": "done",
        "broken__r000": "failed",
        "broken__r001": "failed",
    }
    assert "Traceback" in manifest["runs"]["broken__r001"]["error"]
    assert set(pd.read_parquet(tmp_path / "zone_kpis.parquet").scenario) == {"plan_2024"}


def test_manifest_records_code_environment_design_and_runs(tmp_path):
    run_study(SCENARIOS, 2, 11, tmp_path, progress=False, manifest={"note": "x"})
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    env = manifest["environment"]
    assert len(env["git_commit"]) == 40 and isinstance(env["git_dirty"], bool)
    assert env["packages"]["mesa"].startswith("3.") and env["python"].startswith("3.")
    assert manifest["root_seed"] == 11 and len(manifest["seeds"]) == 2
    assert manifest["months"] == MONTHS and manifest["replications"] == 2
    assert manifest["started"] <= manifest["ended"] and manifest["note"] == "x"
    for name, run in manifest["runs"].items():
        assert run["status"] == "done" and run["seconds"] > 0
        assert name == f"{run['scenario']}__r{run['replication']:03d}"
    assert list(manifest["scenarios"]) == ["plan_2024", "baseline"]
    assert manifest["scenarios"]["baseline"]["sha256"] == SCENARIOS[1].digest()


def _study(out, *extra):
    argv = ["run", "plan_2024", "baseline", "-r", "4", "--months", "36", "--seed", "5"]
    return [sys.executable, "-m", "zonesim.cli", *argv, "--out", str(out), "-q", *extra]


def test_a_study_killed_midway_resumes_to_the_same_tables(tmp_path):
    whole = tmp_path / "whole"
    subprocess.run(_study(whole, "--executor", "serial"), check=True, capture_output=True)

    cut = tmp_path / "cut"
    process = subprocess.Popen(_study(cut, "--executor", "serial"), start_new_session=True)
    runs = cut / "runs"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(runs.glob("*.parquet"))) < 6:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # kill -9, mid-study
    process.wait()
    finished = len(list(runs.glob("*.parquet")))
    assert 6 <= finished < 16, "the kill should land midway through the 8 runs"
    assert not (cut / "zone_kpis.parquet").exists()

    done = subprocess.run(_study(cut, "--resume"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((cut / "manifest.json").read_text())
    statuses = [run["status"] for run in manifest["runs"].values()]
    assert "done (earlier)" in statuses and "done" in statuses
    for name, frame in tables(whole).items():
        pd.testing.assert_frame_equal(frame, tables(cut)[name])


def test_combined_tables_of_an_earlier_study_do_not_outlive_a_study_without_results(tmp_path):
    run_study(SCENARIOS[:1], 1, 11, tmp_path, progress=False)
    assert (tmp_path / "zone_kpis.parquet").is_file()
    result = run_study([BROKEN], 1, 11, tmp_path, progress=False)
    assert set(result.failed) == {"broken__r000"}
    assert not (tmp_path / "zone_kpis.parquet").exists()
    assert not (tmp_path / "measure_kpis.parquet").exists()
