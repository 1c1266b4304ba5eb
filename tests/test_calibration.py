"""Calibration: the Bass bands, the distance to them, ABC rejection's acceptance and
posterior, the fitted rows in the parameter table, and the behaviour the fit relies on
(uptake rises with the intercept and with the Bass scales)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ALL_ZONES, run_model
from zonesim.calibration import fit, patterns

from zonesim import Policy, measures, parameters
from zonesim.cli import main

TABLE_CSV = Path(__file__).parents[1] / "model" / "data" / "parameters.csv"


def test_bass_share_matches_the_published_timing_table():
    # mechanisms.md §1.1, computed from the closed form: p 0.03, q 0.38 -> F(1) 0.036,
    # F(3) 0.15, t50% 6.6 years
    assert patterns.bass_share(1, 0.03, 0.38) == pytest.approx(0.036, abs=0.001)
    assert patterns.bass_share(3, 0.03, 0.38) == pytest.approx(0.15, abs=0.005)
    assert patterns.bass_share(6.6, 0.03, 0.38) == pytest.approx(0.5, abs=0.01)


def test_class_bands_widen_over_time_and_cover_every_measure():
    bands = patterns.class_bands()
    assert (bands["low"] < bands["high"]).all()
    for _, rows in bands.groupby("uptake_class"):
        assert rows["low"].is_monotonic_increasing and rows["high"].is_monotonic_increasing
    assert set(measures()["uptake_class"]) == set(bands["uptake_class"])


def _shares(values, low=0.1, high=0.4):
    return pd.DataFrame({"share": values, "low": low, "high": high})


def test_distance_counts_half_widths_from_the_band_centre_on_a_log_scale():
    centre = np.sqrt(0.1 * 0.4)
    assert fit.distance(_shares([centre])) == pytest.approx(0)
    assert fit.distance(_shares([0.1])) == pytest.approx(1)  # at an edge
    assert fit.distance(_shares([0.4])) == pytest.approx(1)
    assert fit.distance(_shares([0.1, 0.4])) == pytest.approx(1)  # root mean square
    assert fit.distance(_shares([0.4 * 2])) == pytest.approx(2)  # a half-width (x2) outside
    farther = [fit.distance(_shares([x])) for x in (0.05, 0.02, 0.01, 0)]
    assert farther == sorted(farther) and np.isfinite(farther[-1])  # 0 uptake: far, finite


def test_acceptance_keeps_the_closest_fraction_with_ties_and_never_the_table():
    stats = pd.DataFrame(
        {"distance": [0.0, 5.0, 0.3, 0.3, 0.9, 0.0]},
        index=["table", "s00000", "s00001", "s00002", "s00003", "s00004"],
    )
    assert list(fit.accepted(stats, 0.2)) == ["s00004"]
    assert list(fit.accepted(stats, 0.4)) == ["s00001", "s00002", "s00004"]  # tie at 0.3
    assert list(fit.accepted(stats, 1.0)) == list(stats.index[1:])
    with pytest.raises(ValueError):
        fit.accepted(stats, 0)


def test_rejection_recovers_a_known_value_on_a_synthetic_problem():
    knobs = [fit.Knob("a", ("a",), 0.0, 10.0), fit.Knob("b", ("b",), -1.0, 1.0)]
    draws = fit.draw(knobs, samples=400, seed=5)
    assert draws["a"].between(0, 10).all() and draws["b"].between(-1, 1).all()
    truth = 7.3  # the statistic depends on a only
    stats = pd.DataFrame({"distance": (draws["a"] - truth).abs()}, index=draws.index)
    kept = fit.accepted(stats, 0.05)
    summary = draws.loc[kept].agg(["median", "min", "max"])
    assert summary.at["median", "a"] == pytest.approx(truth, abs=0.3)
    assert summary.at["max", "b"] - summary.at["min", "b"] > 1.5  # b stays as wide as its prior
    again = fit.draw(knobs, samples=400, seed=5)
    pd.testing.assert_frame_equal(draws, again)  # the seed fixes the draws


def test_the_alpha_knob_sets_every_measure_intercept_and_the_priors_are_the_table_ranges():
    knobs = {k.name: k for k in fit.default_knobs()}
    assert set(knobs["alpha"].rows) == {f"m{m}.alpha" for m in measures().index}
    table = parameters()
    for name in ("decision.beta_npv", "decision.beta_peer", "uptake.p_scale", "uptake.q_scale"):
        assert (knobs[name].low, knobs[name].high) == tuple(table.loc[name, ["low", "high"]])
    point = pd.Series({"alpha": 1.5, **{n: 1.0 for n in knobs if n != "alpha"}})
    values = fit.overrides(point, list(knobs.values()))
    assert values["m6.alpha"] == values["m10b.alpha"] == 1.5


def test_applying_a_fit_changes_only_the_fitted_rows(tmp_path):
    copy = tmp_path / "parameters.csv"
    shutil.copyfile(TABLE_CSV, copy)
    fitted = pd.DataFrame(
        [{"name": "uptake.p_scale", "value": 2.5, "grade": "D", "source": "a fit, x; y"}]
    )
    fit.apply_fit(fitted, copy)
    before = TABLE_CSV.read_text(encoding="utf-8").splitlines()
    after = copy.read_text(encoding="utf-8").splitlines()
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1 and after[changed[0]].startswith("uptake.p_scale,2.5,")
    row = next(r for r in csv.DictReader(after) if r["name"] == "uptake.p_scale")
    assert (row["grade"], row["source"]) == ("D", "a fit, x; y")
    with pytest.raises(KeyError, match="no row 'nope'"):
        fit.apply_fit(fitted.assign(name="nope"), copy)


def test_fitted_parameters_in_the_table_name_their_method_and_lie_in_range():
    table = parameters()
    fitted = table[table["source"].str.contains("ABC rejection")]
    alphas = [f"m{m}.alpha" for m in measures().index]
    lost = {"decision.beta_npv", "decision.beta_peer", "uptake.q_scale"}
    assert set(fitted.index) == lost | {"uptake.p_scale"} | set(alphas)
    narrowed = fitted.drop(index=list(lost))
    assert (narrowed["grade"] == "D").all()
    # not identified: grade G, the guess's source kept, the prior's full range
    assert (fitted.loc[list(lost), "grade"] == "G").all()
    assert fitted.loc[list(lost), "source"].str.contains("not identified").all()
    assert fitted.loc[list(lost), "source"].str.startswith(("shared/reference", "model")).all()
    assert fitted["value"].between(fitted["low"], fitted["high"]).all()
    assert table.loc[alphas, "value"].nunique() == 1  # one intercept for every measure


def test_prior_span_is_what_draws_from_the_prior_reach():
    rng = np.random.default_rng(0)
    for kept in (20, 40, 100):
        x = rng.random((20_000, kept))
        spans = np.quantile(x, 0.95, axis=1) - np.quantile(x, 0.05, axis=1)
        assert fit.prior_span(kept) == pytest.approx(np.quantile(spans, 0.05), abs=0.015)
    assert fit.prior_span(1) == 0


def test_a_knob_whose_kept_draws_spread_like_its_prior_is_not_identified():
    knobs = [
        fit.Knob("uptake.p_scale", ("uptake.p_scale",), 0.5, 5.0),
        fit.Knob("decision.beta_peer", ("decision.beta_peer",), 0.5, 3.0),
    ]
    draws = fit.draw(knobs, samples=400, seed=3)
    # the patterns depend on p_scale alone
    stats = pd.DataFrame({"distance": (draws["uptake.p_scale"] - 2.0).abs()}, index=draws.index)
    chosen = fit.accepted(stats, 0.1)
    post = fit.posterior(draws, chosen, knobs).set_index("knob")
    assert post.at["uptake.p_scale", "identified"]
    assert post.at["uptake.p_scale", "coverage"] < 0.2
    assert not post.at["decision.beta_peer", "identified"]
    assert post.at["decision.beta_peer", "coverage"] >= fit.prior_span(len(chosen))
    rows = fit.fitted_rows(post.reset_index(), knobs, "a fit", len(chosen)).set_index("name")
    assert rows.at["uptake.p_scale", "grade"] == "D"
    assert rows.at["uptake.p_scale", "value"] == pytest.approx(2.0, abs=0.1)
    peer = parameters().loc["decision.beta_peer"]
    assert rows.at["decision.beta_peer", "grade"] == "G"
    assert rows.at["decision.beta_peer", "value"] == peer["value"]  # left as it was
    source = rows.at["decision.beta_peer", "source"]
    assert source.startswith(peer["source"].split("; zonesim calibrate")[0] + "; a fit: ")
    assert source.count("not identified") == 1  # an earlier fit's note is replaced


def _class_share(**params) -> pd.Series:
    policy = Policy.baseline()
    for m in ("8", "6", "10a"):
        policy = policy.with_measure(m, zones=ALL_ZONES, start_month=0)
    model = run_model(3, policy=policy, params=params, months=36)
    since = patterns.uptake_since_start(model.measure_kpis().assign(replication=0), policy)
    shares = patterns.class_uptake(since, months=(36,))
    return shares.set_index("uptake_class")["share"].dropna()


@pytest.mark.parametrize(
    "knob, low, high",
    [
        ("alpha", -3.0, 2.0),
        ("uptake.p_scale", 0.5, 5.0),
        ("uptake.q_scale", 0.5, 3.0),
        ("decision.beta_peer", 0.5, 3.0),  # peers' share is never negative
    ],
)
def test_uptake_rises_with_each_fitted_knob(knob, low, high):
    """The premise of the fit: the knobs move uptake, in the expected direction (same
    seed, so the same firms)."""
    knobs = {k.name: k for k in fit.default_knobs()}

    def at(value):
        return _class_share(**knobs[knob].overrides(value))

    slow, fast = at(low), at(high)
    assert (fast >= slow).all() and (fast > slow).any(), (slow, fast)


def test_calibrate_refuses_bad_settings_before_writing(tmp_path):
    out = tmp_path / "cal"
    for argv in (
        ["--samples", "1"],
        ["--accept", "0"],
        ["--accept", "1.5"],
        ["-r", "0"],
        ["--seed", "-1"],
        ["no_such_scenario"],
        ["baseline"],  # turns on no measure: nothing to fit
    ):
        assert main(["calibrate", *argv, "--out", str(out), "-q"]) == 2, argv
        assert not out.exists()


def test_calibrate_writes_draws_statistics_posterior_and_fitted_rows(tmp_path, capsys):
    out = tmp_path / "cal"
    argv = ["calibrate", "--samples", "4", "-r", "1", "--accept", "0.5", "--seed", "2"]
    assert main([*argv, "--out", str(out), "--executor", "serial", "-q"]) == 0
    printed = capsys.readouterr().out
    assert "Fitted (median of the kept" in printed and "uptake.p_scale" in printed
    stats = pd.read_csv(out / "statistics.csv", index_col="sample")
    assert list(stats.index) == ["table", "s00000", "s00001", "s00002", "s00003"]
    assert stats["accepted"].sum() >= 2 and not stats.at["table", "accepted"]
    post = pd.read_csv(out / "posterior.csv")
    draws = pd.read_csv(out / "draws.csv", index_col="sample")
    kept = draws.loc[stats.index[stats["accepted"]]]
    for r in post.itertuples():
        assert r.median == pytest.approx(kept[r.knob].median())
    rows = pd.read_csv(out / "fitted_parameters.csv")
    assert len(rows) == len(measures()) + 4
    identified = post.set_index("knob")["identified"]
    knob = rows["name"].map(lambda n: "alpha" if n.endswith(".alpha") else n)
    assert (rows["grade"] == knob.map(identified).map({True: "D", False: "G"})).all()
    assert rows["source"].str.contains("ABC rejection").all()
    for name in ("calibration_posterior.png", "calibration_uptake.png"):
        assert (out / "figures" / name).stat().st_size > 10_000
    # resuming the same calibration runs nothing again; a different one is refused
    assert main([*argv, "--out", str(out), "--executor", "serial", "-q", "--resume"]) == 0
    changed = [*argv[:-1], "3", "--out", str(out), "-q", "--resume"]
    assert main(changed) == 2
    other_scenario = ["calibrate", "plan_2024", *argv[1:], "--out", str(out), "-q", "--resume"]
    assert main(other_scenario) == 2


def test_survival_fit_interpolates_to_the_target():
    from zonesim.calibration.survival import fitted_value, grid_values

    values = grid_values(5)
    low, high = parameters().loc["exit.young_multiplier", ["low", "high"]]
    assert values[0] == low and values[-1] == high
    grid = pd.DataFrame(
        {"value": values, "seed": 0, "followed": 1000, "survived": 900 - 100 * (values - 1)}
    )  # survival 0.9 at 1, falling 0.1 per unit
    assert fitted_value(grid, 0.81) == pytest.approx(1.9)
    noisy = grid.assign(survived=grid["survived"] + [0, 30, -30, 30, -30])
    assert fitted_value(noisy, 0.81) == pytest.approx(1.9, abs=0.1)  # a line, not one crossing
    with pytest.raises(ValueError, match="outside the grid"):
        fitted_value(grid, 0.99)
    with pytest.raises(ValueError, match="does not fall"):
        fitted_value(grid.assign(survived=500 + 100 * grid["value"]), 0.81)
    with pytest.raises(ValueError):
        grid_values(1)


def test_calibrate_survival_is_a_study_that_resumes(tmp_path, capsys):
    out = tmp_path / "surv"
    argv = ["calibrate", "--target", "survival", "--samples", "2", "-r", "1", "--out", str(out)]
    assert main([*argv, "--executor", "serial", "-q"]) == 0
    assert "Fitted exit.young_multiplier" in capsys.readouterr().out
    grid = pd.read_csv(out / "survival_grid.csv")
    survival = grid.set_index("value").eval("survived / followed")
    assert survival.iloc[0] > survival.iloc[-1]  # more first-year exits, fewer survivors
    rows = pd.read_csv(out / "fitted_parameters.csv")
    assert list(rows["name"]) == ["exit.young_multiplier"] and rows.at[0, "grade"] == "D"
    assert (out / "figures" / "survival_grid.png").stat().st_size > 10_000
    manifest = json.loads((out / "manifest.json").read_text())
    assert {r["status"] for r in manifest["runs"].values()} == {"done"} and len(
        manifest["runs"]
    ) == 2
    # the same grid resumes with nothing to run; another grid, or a rerun, is refused
    assert main([*argv, "--executor", "serial", "-q", "--resume"]) == 0
    statuses = json.loads((out / "manifest.json").read_text())["runs"].values()
    assert {r["status"] for r in statuses} == {"done (earlier)"}
    assert main([*argv[:4], "3", *argv[5:], "--resume"]) == 2
    assert main(argv) == 2  # earlier results: --resume or --overwrite


def test_the_exit_multiplier_in_the_table_comes_from_the_survival_grid():
    row = parameters().loc["exit.young_multiplier"]
    assert row["grade"] == "D" and "grid search" in row["source"]
    assert row["low"] <= row["value"] <= row["high"]
