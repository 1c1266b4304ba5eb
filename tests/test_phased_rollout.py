"""The scenario script: a rule a file cannot hold (2a opens in a zone only once 2b uptake
there reaches a threshold), run end to end from the command line on small settings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from conftest import load_module

SCRIPT = Path(__file__).parents[1] / "scenarios" / "phased_rollout.py"


def load_script():
    return load_module(SCRIPT, "phased_rollout")


def test_the_warehouse_opens_in_a_zone_only_after_the_cluster_takes_hold():
    script = load_script()
    *_, phased = script.scenarios(60)
    model = phased.model_class(phased.replace(rng=4)).run()
    uptake = model.measure_kpis()
    opened = dict(zip(model.zone_ids, model.opened, strict=True))
    months = [m for m in opened.values() if m >= 0]
    assert len(set(months)) > 1 and min(months) > 0, opened  # zone by zone, not at once
    cluster = uptake[uptake["measure"] == script.CLUSTER].set_index(["zone", "month"])
    warehouse = uptake[uptake["measure"] == script.WAREHOUSE]
    for zone, month in opened.items():
        rows = warehouse[warehouse["zone"] == zone]
        before = rows[rows["month"] < month] if month >= 0 else rows
        assert (before["adopted"] == 0).all(), zone  # closed: nobody uses it
        assert (before["aware"] == 0).all(), zone  # nor hears of it
        assert (before["entrants_drawn"] == 0).all(), zone  # nor draws entrants there
        if month >= 0:  # it opened the month after the cluster passed the threshold
            # The uptake table counts the firms active in a month; the rule reads the month's
            # closing state, after that month's exits and entries: allow two firms' difference.
            row = cluster.loc[(zone, month - 1)]
            slack = 2 / max(row["eligible"], 1)
            assert row["uptake_share"] >= script.OPEN_AT - slack, (zone, month, row.to_dict())
            z = model.zone_ids.index(zone)
            read = [model.shares[m][z] for m in sorted(model.shares) if m <= month]
            assert read[-1] >= script.OPEN_AT > max(read[:-1])  # the first month it passed


def test_the_script_runs_and_writes_a_comparison(tmp_path):
    out = tmp_path / "phased"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "-r", "1", "--months", "24", "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Compared with plan_2024" in done.stdout
    assert "keys swept" not in done.stdout  # a variant made in code is not a sweep
    kpis = pd.read_parquet(out / "zone_kpis.parquet")
    assert set(kpis["scenario"]) == {"plan_2024", "everywhere_at_once", "phased_rollout"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenarios"]["phased_rollout"]["model"].endswith("PhasedRollout")
    summary = pd.read_csv(out / "kpi_summary.csv")
    assert np.isfinite(summary.loc[summary["scenario"] == "phased_rollout", "diff"]).any()
