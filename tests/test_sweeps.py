"""Sweeps: a scenario file's [sweep] gives the grid or list asked for, with readable names,
checked like any scenario; a one-value sweep is the plain scenario; compare draws the
response; variants derived in code."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from zonesim.studies.compare import compare_study, open_study
from zonesim.studies.runner import run_study
from zonesim.studies.scenario_files import ScenarioError, load_scenario
from zonesim.studies.sweeps import MAX_VARIANTS, load_sweep, with_settings

from zonesim.cli import main

SCENARIOS = Path(__file__).parents[1] / "scenarios"
FAR_ZONES = ("jinqiao", "jiading", "songjiang")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_far_sweep_gives_one_variant_per_cap_with_readable_names():
    variants = load_sweep(SCENARIOS / "far_sweep.toml")
    caps = [2.21, 2.5, 2.9, 3.3, 3.66]
    assert [v.name for v in variants] == [f"far_sweep[far_cap={c:g}]" for c in caps]
    plan = load_scenario(SCENARIOS / "plan_2024.toml")
    for variant, cap in zip(variants, caps, strict=True):
        assert variant.swept == {"far_cap": cap}
        params = variant.params
        assert {params[f"zone.{z}.far_cap"] for z in FAR_ZONES} == {cap}
        assert variant.policy == plan.policy  # only the swept setting differs


def test_the_threshold_sweep_runs_from_half_to_twice_the_published_value():
    variants = load_sweep(SCENARIOS / "cash_pool_threshold_sweep.toml")
    values = [v.swept["threshold_domestic_revenue"] for v in variants]
    assert values == [5000, 7500, 10000, 15000, 20000]
    assert variants[2].params["m6.threshold_domestic_revenue"] == 10000
    assert variants[0].name == ("cash_pool_threshold_sweep[threshold_domestic_revenue=5000]")


def test_a_grid_is_every_combination_and_a_list_is_as_written(tmp_path):
    grid = write(
        tmp_path,
        "grid",
        'extends = "plan_2024"\n[sweep.grid]\n'
        '"measures.10b.start_month" = [0, 12, 24]\n'
        '"measures.2a.enabled" = [true, false]\n',
    )
    variants = load_sweep(grid)
    assert len(variants) == 6
    assert variants[1].name == "grid[start_month=0,enabled=false]"
    assert {v.policy.measures["10b"].start_month for v in variants} == {0, 12, 24}
    listed = write(
        tmp_path,
        "listed",
        'extends = "plan_2024"\n[[sweep.variants]]\n"measures.10b.zones" = ["jinqiao"]\n'
        '[[sweep.variants]]\n"parameters.market.rent_lambda" = 1.2\n'
        '"measures.6.intensity" = 2.0\n',
    )
    names = [s.name for s in load_sweep(listed)]
    assert names == ["listed[zones=jinqiao]", "listed[rent_lambda=1.2,intensity=2]"]


@pytest.mark.parametrize(
    "body, key",
    [
        ('"measures.10b.floor" = [1]', "sweep.grid.measures.10b.floor"),
        ('"parameters.market.rent_lambda" = []', "sweep.grid.parameters.market.rent_lambda"),
        ('"parameters.market.rent_lambda" = [0.2]', "sweep.grid.parameters.market.rent_lambda"),
        ('"measures.10b.start_month" = [500]', "sweep.grid.measures.10b.start_month"),
        ('"measures.99.enabled" = [true]', "sweep.grid.measures.99.enabled"),
        ('"parameters.no.such.row" = [1]', "sweep.grid.parameters.no.such.row"),
        ('"measures.10b.start_month" = ["soon"]', "sweep.grid.measures.10b.start_month"),
        ('"measures.6.intensity" = [1, 1.0]', "sweep.grid.measures.6.intensity"),  # twice
        ('x = { set = ["parameters.market.rent_lambda"] }', "sweep.grid.x"),  # no values
    ],
)
def test_a_bad_sweep_names_the_file_and_the_key(tmp_path, body, key):
    path = write(tmp_path, "bad", f'extends = "plan_2024"\n[sweep.grid]\n{body}\n')
    with pytest.raises(ScenarioError) as err:
        load_sweep(path)
    assert err.value.path == str(path) and err.value.key == key, str(err.value)


def test_a_grid_over_the_limit_needs_force(tmp_path):
    side = int(MAX_VARIANTS**0.5) + 1
    values = ", ".join(str(0.75 + 0.5 * i / side) for i in range(side))
    vacancies = ", ".join(str(0.1 + 0.05 * i / side) for i in range(side))
    path = write(
        tmp_path,
        "huge",
        'extends = "plan_2024"\n[sweep.grid]\n'
        f'"parameters.market.rent_lambda" = [{values}]\n'
        f'"parameters.market.natural_vacancy" = [{vacancies}]\n',
    )
    with pytest.raises(ScenarioError, match="pass --force"):
        load_sweep(path)
    out = path.parent / "out"
    assert main(["run", str(path), "--out", str(out), "-q"]) == 2 and not out.exists()
    assert len(load_sweep(path, force=True)) == side * side


def test_a_one_value_sweep_gives_the_plain_scenario_tables(tmp_path):
    plain = write(
        tmp_path, "plain", 'extends = "plan_2024"\n[parameters]\n"market.rent_lambda" = 1.2\n'
    )
    swept = write(
        tmp_path,
        "swept",
        'extends = "plan_2024"\n[sweep.grid]\n"parameters.market.rent_lambda" = [1.2]\n',
    )
    (variant,) = load_sweep(swept)
    base = load_scenario(plain)
    assert variant.params == base.params and variant.policy == base.policy
    study = [s.replace(months=12) for s in (base, variant)]
    run_study(study, 1, 7, tmp_path / "study", progress=False)
    kpis = pd.read_parquet(tmp_path / "study" / "zone_kpis.parquet")
    a = kpis[kpis["scenario"] == "plain"].drop(columns="scenario").reset_index(drop=True)
    b = kpis[kpis["scenario"] != "plain"].drop(columns="scenario").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_variants_derived_in_code_are_checked_and_named():
    plan = load_scenario(SCENARIOS / "plan_2024.toml")
    later = with_settings(plan, {"measures.10b.start_month": 24})
    assert later.name == "plan_2024[start_month=24]"
    assert later.policy.measures["10b"].start_month == 24
    assert plan.policy.measures["10b"].start_month != 24  # the original is unchanged
    named = with_settings(plan, {"measures.6.parameters.offset_share": 0.4}, name="pool")
    assert named.name == "pool" and named.params["m6.offset_share"] == 0.4
    with pytest.raises(ScenarioError, match="outside the parameter's range"):
        with_settings(plan, {"parameters.market.rent_lambda": 9.0})


def test_run_and_compare_a_sweep_draw_its_response(tmp_path, capsys):
    far = write(
        tmp_path,
        "far",
        'extends = "far_sweep"\n[sweep.grid]\n'
        'far_cap = { set = ["parameters.zone.jinqiao.far_cap"], values = [2.5, 3.0] }\n',
    )
    out = tmp_path / "far"
    argv = ["run", str(far), "baseline", "--months", "12", "-r", "2", "--out", str(out)]
    assert main([*argv, "--executor", "serial", "-q"]) == 0
    kpis = pd.read_parquet(out / "zone_kpis.parquet")
    assert kpis["scenario"].nunique() == 3
    seeds = kpis.groupby("replication")["seed"].nunique()
    assert (seeds == 1).all()  # every variant runs with the replication's seed
    assert main(["compare", str(out)]) == 0
    figures = out / "figures"
    assert (figures / "response_far.png").stat().st_size > 10_000
    assert not list(figures.glob("uptake_over_time_far[[]*"))  # the response instead
    assert len(list(figures.glob("uptake_heatmap_far[[]*"))) == 2
    capsys.readouterr()
    assert main(["validate", str(SCENARIOS / "far_sweep.toml")]) == 0
    printed = capsys.readouterr().out
    assert "a sweep of 5 variants" in printed and "far_sweep[far_cap=3.66]" in printed


def test_settings_with_the_same_last_name_get_labels_that_tell_them_apart(tmp_path):
    path = write(
        tmp_path,
        "both",
        'extends = "plan_2024"\n[sweep.grid]\n'
        '"measures.6.intensity" = [0.5, 1.0]\n"measures.10b.intensity" = [0.5, 2.0]\n',
    )
    variants = load_sweep(path)
    names = [v.name for v in variants]
    assert len(set(names)) == 4
    assert names[0] == "both[6.intensity=0.5,10b.intensity=0.5]"
    assert variants[1].swept == {"6.intensity": 0.5, "10b.intensity": 2.0}


def test_a_bad_sweep_stops_the_command_with_one_line(tmp_path, capsys):
    path = write(
        tmp_path, "bad", 'extends = "plan_2024"\n[sweep.grid]\n"measures.10b.start_month" = [999]\n'
    )
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "-q"]) == 2 and not out.exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sweep.grid.measures.10b.start_month" in err[0]
    assert "start_month = 999" in err[0]


def test_validate_refuses_a_huge_grid_without_building_it(tmp_path, capsys):
    values = ", ".join(str(0.75 + i / 200) for i in range(150))
    path = write(
        tmp_path,
        "huge",
        'extends = "plan_2024"\n[sweep.grid]\n'
        f'"parameters.market.rent_lambda" = [{values}]\n'
        f'"parameters.entry.beta_rent" = [{", ".join(str(-0.3 - i / 100) for i in range(150))}]\n',
    )
    assert main(["validate", str(path)]) == 2  # 22,500 variants: refused at once
    assert "pass --force" in capsys.readouterr().err


def test_compare_copes_with_categorical_and_mixed_sweeps(tmp_path):
    zones = write(
        tmp_path,
        "zones",
        'extends = "plan_2024"\n[sweep.grid]\n'
        '"measures.2a.zones" = [["jinqiao"], ["jinqiao", "qingpu"]]\n'
        '"measures.2a.enabled" = [true, false]\n',
    )
    mixed = write(
        tmp_path,
        "mixed",
        'extends = "plan_2024"\n[[sweep.variants]]\n"measures.6.intensity" = 2.0\n'
        '[[sweep.variants]]\n"parameters.market.rent_lambda" = 1.2\n',
    )
    out = tmp_path / "study"
    argv = ["run", str(zones), str(mixed), "--months", "8", "-r", "1", "--out", str(out), "-q"]
    assert main([*argv, "--executor", "serial"]) == 0
    comparison = compare_study(out)
    assert (out / "figures" / "response_zones.png").is_file()  # a 2 x 2 heatmap
    assert not (out / "figures" / "response_mixed.png").exists()
    assert any("mixed: its variants set different keys" in n for n in comparison.notes)


def test_studies_run_from_python_keep_the_swept_values(tmp_path):
    variants = load_sweep(SCENARIOS / "cash_pool_threshold_sweep.toml")[:2]
    run_study([s.replace(months=6) for s in variants], 1, 3, tmp_path / "api", progress=False)
    study = open_study(tmp_path / "api")
    assert study.sweeps == {s.name: dict(s.swept) for s in variants}
    compare_study(tmp_path / "api")
    assert (tmp_path / "api" / "figures" / "response_cash_pool_threshold_sweep.png").is_file()


def test_a_sweep_is_not_inherited(tmp_path):
    child = write(tmp_path, "child", 'extends = "far_sweep"\n[measures.2b]\nenabled = false\n')
    (only,) = load_sweep(child)
    assert only.swept == {} and only.name == "child"
    assert not only.policy.measures["2b"].enabled


def test_the_two_key_heatmap_marks_only_the_cells_that_differ_from_the_first_beyond_noise():
    from test_compare import made_up_kpis
    from zonesim.studies.plots import sweep_heatmap

    grid = {(1, 1): 0.0, (1, 2): 0.0, (2, 1): 0.0, (2, 2): 500.0}  # one cell shifted
    variants = {f"g[a={a},b={b}]": {"a": a, "b": b} for a, b in grid}
    kpis = made_up_kpis(
        {f"g[a={a},b={b}]": shift for (a, b), shift in grid.items()}, replications=5, months=2
    )
    fig = sweep_heatmap(kpis, variants, ("a", "b"))
    firms = fig.axes[0]
    marked = [(t.get_position(), t.get_text()) for t in firms.texts if t.get_text().endswith("*")]
    assert [position for position, _ in marked] == [(1, 1)]  # column b = 2, row a = 2
    assert float(marked[0][1].rstrip("*").replace(",", "")) == pytest.approx(6 * 500, rel=0.01)
    assert "Δ firms (firms)" in [ax.get_ylabel() for ax in fig.axes]  # the labelled colour bar
    assert "0" in [t.get_text() for t in firms.texts]  # the first cell: no difference
