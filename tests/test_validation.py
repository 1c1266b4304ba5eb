"""Validation: each statistic computed right on tables whose answer is known, the probes, the
check against the bands, and `zonesim validate-model` end to end with its refusals."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from zonesim.calibration import market, patterns, report
from zonesim.calibration.fit import table_digest

from zonesim import Policy, ZoneModel, parameters
from zonesim import zones as zones_table
from zonesim.cli import main

DOCS = Path(__file__).parents[1] / "docs"


def test_uptake_since_start_counts_only_zones_where_the_measure_is_on():
    policy = Policy.baseline().with_measure("6", zones=["jinqiao"], start_month=4)
    rows = [
        # replication, month, measure, zone, eligible, adopted
        (0, 2, "6", "jinqiao", 10, 0),  # before the start: dropped
        (0, 3, "6", "jinqiao", 10, 0),  # the month before: 0 months live
        (0, 4, "6", "jinqiao", 10, 1),
        (0, 16, "6", "jinqiao", 10, 3),
        (0, 16, "6", "jiading", 50, 0),  # measure off in this zone: dropped
        (0, 16, "8", "jinqiao", 50, 0),  # measure off everywhere: dropped
    ]
    uptake = pd.DataFrame(
        rows, columns=["replication", "month", "measure", "zone", "eligible", "adopted"]
    )
    since = patterns.uptake_since_start(uptake, policy)
    # months live: the measure is first live in the step to month 4
    expected = [[0, 10, 0], [1, 10, 1], [13, 10, 3]]
    assert since[["months", "eligible", "adopted"]].values.tolist() == expected


def test_cash_pool_ratio_is_adopters_later_over_earlier():
    since = pd.DataFrame(
        {"measure": "6", "months": [45, 54, 45, 54], "adopted": [2, 4, 3, 5], "replication": 0}
    )
    assert patterns.cash_pool_ratio(since) == pytest.approx(9 / 5)
    assert math.isnan(patterns.cash_pool_ratio(since.assign(adopted=[0, 4, 0, 5])))


def _zone_kpis(month_values: dict[int, dict[str, float]], column: str, runs: int = 2):
    """Zone KPIs of every zone and ``runs`` replications with ``column`` set per month and
    zone (the same in every run)."""
    rows = [
        {"replication": r, "month": m, "zone": z, column: v}
        for r in range(runs)
        for m, by_zone in month_values.items()
        for z, v in by_zone.items()
    ]
    return pd.DataFrame(rows)


def test_zone_far_is_the_zones_floor_stock_over_their_plot_area():
    table = parameters()["value"]
    zones = list(zones_table().index)
    plot = {z: table[f"zone.{z}.land_km2"] * 1e6 * table["space.net_plot_share"] for z in zones}
    far = dict(zip(zones, np.linspace(1.0, 2.0, len(zones)), strict=True))
    kpis = _zone_kpis(
        {0: {z: plot[z] for z in zones}, 24: {z: far[z] * plot[z] for z in zones}},
        "floor_stock_m2",
    )
    # the zones together: floor over plot area summed, at the last month only
    together = sum(far[z] * plot[z] for z in zones) / sum(plot.values())
    assert patterns.zone_far(kpis, zones) == pytest.approx(together)
    assert patterns.zone_far(kpis, ["jinqiao"]) == pytest.approx(far["jinqiao"])
    assert math.isnan(patterns.zone_far(kpis, []))
    plan = Policy.baseline().with_measure("10b", zones=["jinqiao"], start_month=0)
    found = patterns.far_statistics(kpis, kpis, plan)
    assert found == {"far.zone_far_baseline": pytest.approx(together),
                     "far.zone_far": pytest.approx(far["jinqiao"])}  # fmt: skip


def test_plan_effect_is_the_zones_revenue_under_the_plan_over_the_baseline():
    zones = list(zones_table().index)
    base = _zone_kpis({0: dict.fromkeys(zones, 100.0), 60: dict.fromkeys(zones, 100.0)},
                      "revenue_rmb_m")  # fmt: skip
    plan = _zone_kpis({0: dict.fromkeys(zones, 100.0), 60: {**dict.fromkeys(zones, 100.0),
                       "jinqiao": 130.0}}, "revenue_rmb_m")  # fmt: skip
    assert patterns.plan_effect(base, plan) == pytest.approx(30 / (100 * len(zones)))
    assert patterns.plan_effect(base, base) == 0
    assert patterns.plan_effect(base, plan, month=0) == 0  # the month compared


def test_the_six_zones_trade_is_summed_for_its_ceiling():
    zones = list(zones_table().index)
    kpis = _zone_kpis({0: dict.fromkeys(zones, 1000.0)}, "imports_rmb_m").assign(
        exports_rmb_m=500.0, firms=10, revenue_rmb_m=1.0
    )
    found = patterns.scale_statistics(kpis)
    assert found["trade.six_zone_ceiling"] == pytest.approx(1.5 * len(zones))  # RMB bn/yr


def test_demography_rates_are_flows_over_mean_firms():
    months = np.arange(0, 25)
    kpis = pd.DataFrame(
        {
            "replication": 0,
            "zone": "a",
            "month": months,
            "firms": 100,
            "entries": np.where(months > 0, 1, 0),
            "exits": np.where(months > 0, 2, 0),
        }
    )
    stats = patterns.demography_statistics(kpis)
    assert stats["demography.birth_rate"] == pytest.approx(12 / 100)
    assert stats["demography.death_rate"] == pytest.approx(24 / 100)
    assert stats["demography.firm_count_change"] == 0


def test_check_marks_values_in_the_band_and_nan_as_missed():
    targets = patterns.targets()
    low = targets.at["demography.birth_rate", "low"]
    table = patterns.check({"demography.birth_rate": low, "far.zone_far": float("nan")})
    assert table.at["demography.birth_rate", "met"] and not table.at["far.zone_far", "met"]
    assert "scale.songjiang_firms" not in table.index  # no value, no row
    assert (targets["low"] <= targets["high"]).all()
    assert targets["grade"].isin(["P", "D", "G"]).all() and (targets["source"] != "").all()
    assert set(targets["role"]) <= set(report.ROLES)


def test_the_out_of_sample_bands_hold_the_held_out_record():
    """Each forecast pattern's observed value is the record's rent of the month it forecasts,
    a month after the fit window."""
    targets, prm = patterns.targets(), parameters()["value"]
    rows = targets[targets["role"] == "out-of-sample"]
    assert set(rows.index) == set(market.FORECAST_PATTERNS)
    for name, month in market.FORECAST_PATTERNS.items():
        assert month > market.FIT_END
        assert rows.at[name, "value"] == prm[f"market.{month}.rent"]
        assert rows.at[name, "low"] < rows.at[name, "value"] < rows.at[name, "high"]


def _checked(roles_met: list[tuple[str, bool]]) -> pd.DataFrame:
    return pd.DataFrame(
        {"role": [r for r, _ in roles_met], "met": [m for _, m in roles_met],
         "value": 1.0, "low": 0.0, "high": 2.0, "model": 1.0, "unit": "ratio", "grade": "P"},
        index=[f"p{i}" for i in range(len(roles_met))],
    )  # fmt: skip


def test_the_headline_counts_only_independent_and_out_of_sample_patterns():
    table = _checked(
        [("independent", True), ("independent", False), ("out-of-sample", True),
         ("input", True), ("input", True), ("fitted", False), ("fitted", True)]
    )  # fmt: skip
    assert report.evidence_count(table) == (2, 3)
    text = "\n".join(report.headline(table))
    first = text.split("\n")[0]
    assert first.startswith("**The model meets 2 of 3 independent and out-of-sample patterns.**")
    assert "Consistency checks, not evidence: 3 of 4 met." in text
    assert text.index("out-of-sample") < text.index("Consistency checks")
    # the evidence table lists the evidence only
    evidence = text.split("Consistency checks")[0]
    assert all(f"| p{i} |" in evidence for i in (0, 1, 2))
    assert not any(f"| p{i} |" in evidence for i in (3, 4, 5, 6))


def test_the_trade_probe_gives_the_published_semi_elasticities():
    response = patterns.trade_response(seed=1, months=3).set_index("sector")
    value = parameters()["value"]
    general = np.expm1(value["trade.tau_general"])
    assert response.loc[response["perishable_share"] == 0, "response"].to_numpy() == (
        pytest.approx(general)
    )
    seafood = (
        value["trade.tau_general"]
        + value["trade.tau_perishable_extra"] * (value["sector.seafood_import.perishable_share"])
    )
    assert response.at["seafood_import", "response"] == pytest.approx(np.expm1(seafood))


def test_entrant_survival_from_the_kpis_follows_each_cohort_for_a_year():
    # by hand: the firm ids present after each month, each month's newcomers, and which of
    # them are still present twelve months later (a mover keeps its id)
    model = ZoneModel(rng=1, policy=Policy.baseline(), months=30)
    present = [set(model.firms.fid.tolist())]
    for _ in range(model.months):
        model.step()
        present.append(set(model.firms.fid.tolist()))
    cohorts = [present[m] - present[m - 1] for m in range(1, 30 - 12 + 1)]
    followed = sum(len(c) for c in cohorts)
    survived = sum(len(c & present[m + 12]) for m, c in enumerate(cohorts, start=1))
    assert patterns.entrant_survival(model.zone_kpis()) == (followed, survived)
    assert followed > 10 and 0 < survived < followed


def _listing(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


def test_validate_model_refuses_bad_settings_before_writing(tmp_path):
    (tmp_path / "calib").mkdir()
    (tmp_path / "a_file").write_text("not a folder")
    out, report = tmp_path / "val", tmp_path / "docs" / "VALIDATION.md"
    before = _listing(tmp_path)
    for argv in (
        ["--months", "30"],
        ["-r", "0"],
        ["--seed", "-2"],
        ["--calibration", str(tmp_path / "calib")],
        ["--report", str(tmp_path)],
        ["--report", str(tmp_path / "a_file" / "V.md")],
        ["--out", str(tmp_path / "a_file" / "out")],
    ):
        args = ["validate-model", "--out", str(out), "--report", str(report), *argv, "-q"]
        assert main(args) == 2, argv
        assert _listing(tmp_path) == before


def test_validate_model_writes_a_report_that_matches_its_table(tmp_path, capsys):
    out, report = tmp_path / "val", tmp_path / "docs" / "VALIDATION.md"
    argv = ["validate-model", "-r", "1", "--months", "66", "--seed", "3"]
    assert main([*argv, "--out", str(out), "--report", str(report), "-q"]) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(out / "patterns.csv", index_col="pattern", keep_default_na=False)
    table["met"] = table["met"].astype(str) == "True"
    assert set(patterns.targets().index) <= set(table.index)
    assert table.index.str.startswith("uptake.").sum() >= 12  # 4 classes x 3 months
    evidence = table[table["role"].isin(["independent", "out-of-sample"])]
    met, total = int(evidence["met"].sum()), len(evidence)
    assert f"meets {met} of {total} independent and out-of-sample patterns" in printed
    text = report.read_text(encoding="utf-8")
    assert f"**The model meets {met} of {total} independent and out-of-sample patterns.**" in text
    for name in table.index[~table["met"]]:
        assert f"- {name}: model" in text  # every miss is listed
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (report.parent / image).stat().st_size > 10_000, image


def test_the_committed_report_covers_every_pattern_and_its_figures_exist():
    text = (DOCS / "VALIDATION.md").read_text(encoding="utf-8")
    # written from today's parameter table: a fit applied since makes it stale
    assert f"parameter table sha256 {table_digest()[:16]}" in text
    for name in patterns.targets().index:
        assert f"**{name}**" in text, name
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (DOCS / image).is_file(), image
    assert "calibration_posterior.png" in text  # the fit's posterior is part of it
