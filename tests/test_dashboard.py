"""The dashboard (views/), at the widget level: Solara components rendered in-process with
solara.render and driven through their widgets, as a browser would (the real browser:
test_dashboard_browser.py)."""

from __future__ import annotations

import io

import ipyvuetify as v
import ipywidgets
import pandas as pd
import pytest
import solara
from solara.components.datatable import DataTableWidget as DataTable
from zonesim.studies import plots
from zonesim.studies.compare import open_study
from zonesim.studies.summary import TRADE
from zonesim.views.app import LivePage, routes
from zonesim.views.levers import (
    CASH_POOL_THRESHOLD,
    FAR_CAP,
    DashboardModel,
    model_params,
)
from zonesim.views.live import LeverSummary, uptake_series, zone_series
from zonesim.views.study import StudyPage

import zonesim
from zonesim.cli import main as cli

TABLE = zonesim.parameters()
ZONES = list(zonesim.zones().index)


# ---------------------------------------------------------------------- helpers
def render(element):
    """Render ``element`` inside an AppLayout (SolaraViz puts its controls in the sidebar)."""
    _, rc = solara.render(solara.AppLayout(children=[element]), handle_error=False)
    return rc


def images(rc) -> list[bytes]:
    """The PNG bytes of every figure on the page, in page order."""
    return [bytes(w.value) for w in rc.find(ipywidgets.Image).widgets]


def texts(rc) -> str:
    """All the plain text (solara.Text) on the page, one string."""
    spans = rc.find(v.Html, tag="span").widgets
    return " ".join(c for w in spans for c in w.children if isinstance(c, str))


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def type_text(rc, label: str, text: str) -> None:
    """Type into a text field and press Enter (Solara's text inputs commit on Enter)."""
    field = rc.find(v.TextField, label=label).widget
    field.v_model = text
    field.fire_event("keyup.enter", None)


def png(fig) -> bytes:
    """A figure as FigureMatplotlib shows it."""
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


@pytest.fixture
def live():
    """The live page on a 12-month model, and the reactive value holding its model."""
    model = solara.reactive(DashboardModel(months=12))
    return render(LivePage(model)), model


# ---------------------------------------------------------------------- levers
def test_levers_set_the_policy_params_and_seed():
    model = DashboardModel(
        far_cap_jinqiao=3.5,
        cash_pool_threshold=6000.0,
        return_centre_fengxian=True,
        return_centre_songjiang=False,
        rng="7",
        months=6,
    )
    assert model.prm["zone.jinqiao.far_cap"] == 3.5
    assert model.prm[CASH_POOL_THRESHOLD] == 6000.0
    plan_2a = zonesim.Policy.plan_2024().measures["2a"].zones
    assert model.policy.measures["2a"].zones == (plan_2a | {"fengxian"}) - {"songjiang"}
    # everything else is the plan
    for mid, setting in zonesim.Policy.plan_2024().measures.items():
        if mid != "2a":
            assert model.policy.measures[mid] == setting
    same_seed = zonesim.ZoneModel(rng=7, policy=model.policy, params=model.prm.overrides, months=6)
    pd.testing.assert_frame_equal(model.zone_kpis(), same_seed.zone_kpis())


def test_no_return_centre_zone_turns_2a_off():
    off = {f"return_centre_{z}": False for z in ZONES}
    setting = DashboardModel(**off, months=1).policy.measures["2a"]
    assert not setting.enabled and not setting.zones


@pytest.mark.parametrize(
    "levers, message",
    [
        ({"far_cap_jinqiao": 9.0}, "zone.jinqiao.far_cap"),
        ({"cash_pool_threshold": 1.0}, CASH_POOL_THRESHOLD),
        ({"far_cap_atlantis": 2.0}, "unknown lever"),
    ],
)
def test_bad_levers_are_refused_by_name(levers, message):
    with pytest.raises(ValueError, match=message):
        DashboardModel(**levers, months=1)


@pytest.mark.parametrize("seed", ["seven", "-1", "1.5"])
def test_a_bad_seed_is_said_on_the_page_and_the_plans_seed_used(seed):
    model = DashboardModel(rng=seed, months=1)
    assert model.lever_problem.startswith(f"seed: {seed!r} is not a whole number")
    assert model.levers["rng"] == DashboardModel(months=1).levers["rng"]
    _, rc = solara.render(LeverSummary(model), handle_error=False)
    assert model.lever_problem in str(rc.find(v.Alert).widget.children)


def test_slider_ranges_and_starting_values_come_from_the_parameter_table():
    params = model_params()
    names = {f"far_cap_{z}": FAR_CAP.format(z) for z in ZONES}
    names["cash_pool_threshold"] = CASH_POOL_THRESHOLD
    for lever, parameter in names.items():
        row = TABLE.loc[parameter]
        slider = params[lever]
        assert slider["type"] == "SliderFloat"
        assert (slider["min"], slider["max"], slider["value"]) == (
            row["low"],
            row["high"],
            row["value"],
        )
        stops = (slider["max"] - slider["min"]) / slider["step"]
        assert stops >= 100 and abs(stops - round(stops)) < 1e-6
    checked = {z for z in ZONES if params[f"return_centre_{z}"]["value"]}
    assert checked == set(zonesim.Policy.plan_2024().measures["2a"].zones)


# ---------------------------------------------------------------------- live page
def test_live_page_shows_the_levers_and_three_plots(live):
    rc, model = live
    for z in ZONES:
        label = f"FAR cap {z}" + ("" if z in far_zones() else " (10b off)")
        rc.find(v.Slider, label=f"{label} (ratio)").assert_single()
        rc.find(v.Checkbox, label=f"return centre (2a) in {z}").assert_single()
    rc.find(v.Slider, label="cash pool threshold (RMB m/yr)").assert_single()
    rc.find(v.TextField, label="seed").assert_single()
    assert len(images(rc)) == 3
    assert "Month 0 of 12" in texts(rc)


def far_zones() -> frozenset[str]:
    return zonesim.Policy.plan_2024().measures["10b"].zones


def test_turning_levers_and_reset_rebuilds_the_model(live):
    rc, model = live
    rc.find(v.Slider, label="FAR cap jinqiao (ratio)").widget.v_model = 3.4
    rc.find(v.Slider, label="cash pool threshold (RMB m/yr)").widget.v_model = 15000.0
    rc.find(v.Checkbox, label="return centre (2a) in fengxian").widget.v_model = True
    type_text(rc, "seed", "11")
    before = model.value
    click(rc, "Reset")
    after = model.value
    assert after is not before
    assert after.prm["zone.jinqiao.far_cap"] == 3.4
    assert after.prm["zone.jiading.far_cap"] == TABLE.at["zone.jiading.far_cap", "value"]
    assert after.prm[CASH_POOL_THRESHOLD] == 15000.0
    assert "fengxian" in after.policy.measures["2a"].zones
    pd.testing.assert_frame_equal(
        after.zone_kpis(),
        DashboardModel(
            rng=11,
            far_cap_jinqiao=3.4,
            cash_pool_threshold=15000.0,
            return_centre_fengxian=True,
        ).zone_kpis(),
    )
    assert "jinqiao 3.4" in texts(rc)


def test_stepping_redraws_the_plots_from_the_new_month(live):
    rc, model = live
    drawn = images(rc)
    click(rc, "Step")
    assert model.value.month == 1
    assert "Month 1 of 12" in texts(rc)
    redrawn = images(rc)
    assert all(a != b for a, b in zip(drawn, redrawn, strict=True))
    click(rc, "Step")
    assert len(zone_series(model.value, "firms")) == 3  # months 0, 1, 2


def test_plotted_series_are_the_models_tables():
    model = DashboardModel(months=8)
    for _ in range(8):
        model.step()
    kpis = model.zone_kpis().set_index(["month", "zone"])
    trade = zone_series(model, TRADE)
    assert list(trade.columns) == ZONES and list(trade.index) == list(range(9))
    expected = (kpis["imports_rmb_m"] + kpis["exports_rmb_m"]).unstack("zone")[ZONES]
    pd.testing.assert_frame_equal(trade, expected, check_names=False)
    uptake = model.uptake()
    at = uptake[(uptake["month"] == 8) & (uptake["measure"] == "2b")]
    shares = uptake_series(model)
    assert shares.at[8, "2b"] == pytest.approx(at["adopted"].sum() / at["eligible"].sum())
    assert set(shares.columns) == set(model.policy.measures)


# ---------------------------------------------------------------------- study page
@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A results folder with two studies: the plan against the baseline, and the baseline
    alone (13 months, 2 replications each); and a folder that is not a study."""
    root = tmp_path_factory.mktemp("results")
    for name, scenarios in (("pair", ["plan_2024", "baseline"]), ("solo", ["baseline"])):
        args = ["run", *scenarios, "-r", "2", "--months", "13", "--out", str(root / name)]
        assert cli([*args, "-q", "--executor", "serial"]) == 0
    (root / "notes").mkdir()
    return root


def test_study_page_lists_studies_and_draws_the_comparison(results):
    rc = render(StudyPage(results))
    select = rc.find(v.Select, label=f"study in {results}/").widget
    assert select.items == [str(results / "pair"), str(results / "solo")]
    assert select.v_model == str(results / "pair")  # the first, shown at once
    assert rc.find(v.Select, label="baseline").widget.v_model == "baseline"
    kpis = open_study(results / "pair").kpis()
    drawn = images(rc)
    assert drawn[:2] == [png(plots.headline_kpis(kpis)), png(plots.headline_kpis(kpis, "baseline"))]
    assert len(drawn) == 3  # and the map
    table = rc.find(DataTable).widget
    assert {row["kpi"] for row in table.items} == {"revenue_rmb_m"}
    rc.find(v.Select, label="KPI").widget.v_model = "firms"
    assert {row["kpi"] for row in rc.find(DataTable).widget.items} == {"firms"}
    assert images(rc)[2] != drawn[2]  # the map of the other KPI


def test_choosing_another_baseline_redraws_the_differences(results):
    rc = render(StudyPage(results))
    drawn = images(rc)
    rc.find(v.Select, label="baseline").widget.v_model = "plan_2024"
    kpis = open_study(results / "pair").kpis()
    assert images(rc)[1] == png(plots.headline_kpis(kpis, "plan_2024")) != drawn[1]


def test_a_study_without_a_second_scenario_says_so(results, tmp_path):
    rc = render(StudyPage(tmp_path / "results"))
    type_text(rc, "or a study folder", str(results / "solo"))
    assert len(images(rc)) == 1
    assert "No differences and no map" in rc.find(v.Alert).widget.children[0]


@pytest.mark.parametrize(
    "folder, message",
    [("missing", "no such folder"), ("notes", "no zone_kpis.parquet"), ("broken", "unreadable")],
)
def test_a_bad_study_folder_shows_a_message_not_a_traceback(results, tmp_path, folder, message):
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("zone_kpis.parquet", "uptake.parquet"):
        (broken / name).write_text("not parquet")
    path = broken if folder == "broken" else results / folder
    rc = render(StudyPage(tmp_path / "results"))  # no study shown first
    type_text(rc, "or a study folder", str(path))
    alert = rc.find(v.Alert).widget
    assert alert.type == "error" and message in alert.children[0]
    assert images(rc) == []


def test_no_study_yet_is_explained(tmp_path):
    rc = render(StudyPage(tmp_path / "results"))
    assert "No study chosen" in rc.find(v.Alert).widget.children[0]


# ---------------------------------------------------------------------- app and command
def test_the_app_has_the_live_and_study_pages():
    assert [(r.path, r.component) for r in routes] == [("/", LivePage), ("study", StudyPage)]


def test_dashboard_command_refuses_a_bad_port(capsys):
    assert cli(["dashboard", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err
