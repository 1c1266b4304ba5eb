"""The dashboard (views/), at the widget level: Solara components rendered in-process with
solara.render and driven through their widgets, as a browser would (the real browser:
test_dashboard_browser.py)."""

from __future__ import annotations

import io
import itertools

import ipyvuetify as v
import ipywidgets
import pandas as pd
import pytest
import solara
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from mesa.visualization.components.matplotlib_components import PlotMatplotlib
from solara.components.datatable import DataTableWidget as DataTable
from solara.components.title import TitleWidget
from zonesim.model.reporters import HEADLINE_KPIS
from zonesim.studies import plots
from zonesim.studies.compare import open_study
from zonesim.studies.summary import TRADE
from zonesim.views.app import TITLE, LivePage, StudyComparisonPage, routes
from zonesim.views.levers import (
    CASH_POOL_THRESHOLD,
    FAR_CAP,
    DashboardModel,
    intensity_range,
    intensity_slider,
    lever_defaults,
    plan_setting,
    with_setting,
)
from zonesim.views.live import (
    HEADLINE_PLOTS,
    LeverSummary,
    firms_trade_figure,
    headline_style,
    space_figure,
    uptake_figure,
    uptake_series,
    zone_series,
)
from zonesim.views.study import StudyPage

import zonesim
from zonesim.cli import main as cli

TABLE = zonesim.parameters()
ZONES = list(zonesim.zones().index)
HORIZON = 120  # months: the plan scenario's, which Reset builds


# ---------------------------------------------------------------------- helpers
def render(element):
    """Render ``element`` inside an AppLayout (the app's pages fill its sidebar and bar)."""
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


def slider(rc, name: str):
    """The one slider whose label starts with ``name`` and a colon (the value follows)."""
    found = [w for w in rc.find(v.Slider).widgets if w.label.startswith(f"{name}:")]
    assert len(found) == 1, [w.label for w in rc.find(v.Slider).widgets]
    return found[0]


def checkbox(rc, label: str):
    return rc.find(v.Checkbox, label=label).widget


def choose_measure(rc, measure_id: str) -> None:
    select = rc.find(v.Select, label="measure").widget
    (choice,) = [item for item in select.items if item.startswith(f"{measure_id}: ")]
    select.v_model = choice


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
    everywhere = {"zones": ZONES, "start_month": 2, "intensity": 2.0}
    model = DashboardModel(
        far_cap_jinqiao=3.5,
        cash_pool_threshold=6000.0,
        measures={"6": everywhere, "2a": {"zones": ["fengxian"]}},
        rng="7",
        months=6,
    )
    assert model.prm["zone.jinqiao.far_cap"] == 3.5
    assert model.prm[CASH_POOL_THRESHOLD] == 6000.0
    plan = zonesim.Policy.plan_2024()
    cash_pool = model.policy.measures["6"]
    assert (cash_pool.zones, cash_pool.start_month, cash_pool.intensity) == (set(ZONES), 2, 2.0)
    return_centre = model.policy.measures["2a"]  # only the zones changed
    assert return_centre.zones == {"fengxian"}
    assert return_centre.start_month == plan.measures["2a"].start_month
    for mid, setting in plan.measures.items():  # everything else is the plan
        if mid not in ("6", "2a"):
            assert model.policy.measures[mid] == setting
    same_seed = zonesim.ZoneModel(rng=7, policy=model.policy, params=model.prm.overrides, months=6)
    pd.testing.assert_frame_equal(model.zone_kpis(), same_seed.zone_kpis())


def test_a_measure_in_no_zone_is_off():
    setting = DashboardModel(measures={"2a": {"zones": []}}, months=1).policy.measures["2a"]
    assert not setting.enabled and not setting.zones


def test_a_measure_set_back_to_the_plan_is_no_change():
    levers = with_setting(lever_defaults(), "6", intensity=2.0)
    assert levers["measures"] == {"6": {**plan_setting("6"), "intensity": 2.0}}
    assert with_setting(levers, "6", intensity=1.0)["measures"] == {}
    zones = with_setting(lever_defaults(), "6", zones={"qingpu", "jinqiao"})["measures"]["6"]
    assert zones["zones"] == [z for z in ZONES if z in ("qingpu", "jinqiao")]  # table order


@pytest.mark.parametrize(
    "levers, message",
    [
        ({"far_cap_jinqiao": 9.0}, "zone.jinqiao.far_cap"),
        ({"cash_pool_threshold": 1.0}, CASH_POOL_THRESHOLD),
        ({"far_cap_atlantis": 2.0}, "unknown lever"),
        ({"measures": {"6a": {"intensity": 2.0}}}, "measures.6a: unknown measure"),
        ({"measures": {"6": {"start_month": 120}}}, r"measures.6.start_month: 120 .* \[0, 119\]"),
        ({"measures": {"6": {"start_month": -1}}}, "measures.6.start_month"),
        ({"measures": {"6": {"intensity": 9.0}}}, r"measures.6.intensity: 9 is outside"),
        ({"measures": {"6": {"intensity": "x"}}}, "measures.6.intensity: 'x' is not a number"),
        ({"measures": {"6": {"zones": "jinqiao"}}}, "measures.6.zones: 'jinqiao' is not a list"),
        (
            {"measures": {"6": {"zones": ["atlantis"]}}},
            r"measures.6.zones: unknown zone 'atlantis'",
        ),
        ({"measures": {"6": {"promotion": 2}}}, r"measures.6: unknown key\(s\) \['promotion'\]"),
    ],
)
def test_bad_levers_are_refused_by_name(levers, message):
    with pytest.raises(ValueError, match=message):
        DashboardModel(**levers, months=HORIZON)


@pytest.mark.parametrize("seed", ["seven", "-1", "1.5"])
def test_a_bad_seed_is_said_on_the_page_and_the_plans_seed_used(seed):
    model = DashboardModel(rng=seed, months=1)
    assert model.lever_problem.startswith(f"seed: {seed!r} is not a whole number")
    assert model.levers["rng"] == DashboardModel(months=1).levers["rng"]
    _, rc = solara.render(LeverSummary(model), handle_error=False)
    assert model.lever_problem in str(rc.find(v.Alert).widget.children)


def test_slider_ranges_and_starting_values_come_from_the_tables(live):
    rc, _ = live
    names = {f"FAR cap {z}": FAR_CAP.format(z) for z in ZONES}
    names["cash pool threshold"] = CASH_POOL_THRESHOLD
    for label, parameter in names.items():
        row = TABLE.loc[parameter]
        found = [w for w in rc.find(v.Slider).widgets if w.label.startswith(label)]
        (widget,) = found
        assert (widget.min, widget.max, widget.v_model) == (row["low"], row["high"], row["value"])
        stops = (widget.max - widget.min) / widget.step
        assert stops >= 100 and abs(stops - round(stops)) < 1e-6
    # the measure card: the cash pool's plan setting, its start months within the horizon
    plan = zonesim.Policy.plan_2024().measures["6"]
    assert {z for z in ZONES if checkbox(rc, z).v_model} == set(plan.zones)
    start = slider(rc, "start month")
    assert (start.min, start.max, start.v_model) == (0, HORIZON - 1, plan.start_month)
    intensity = slider(rc, "promotion intensity")
    p = TABLE.loc["m6.bass_p"]
    assert intensity_range("6") == (p["low"] / p["value"], p["high"] / p["value"])
    low, high = intensity_range("6")
    assert low <= intensity.min < low + intensity.step and intensity.max <= high
    assert intensity.v_model == 1.0


@pytest.mark.parametrize("measure_id", zonesim.measures().index)
def test_every_measure_can_be_set_to_plan_intensity_and_twice_it(measure_id):
    """The intensity slider's stops include 1 (as planned) and 2 (twice as hard)."""
    spec = intensity_slider(measure_id)
    for wanted in (1.0, 2.0):
        stops = (wanted - spec["min"]) / spec["step"]
        assert spec["min"] <= wanted <= spec["max"] and abs(stops - round(stops)) < 1e-6


# ---------------------------------------------------------------------- live page
def test_live_page_shows_the_levers_and_eight_plots(live):
    rc, model = live
    for z in ZONES:
        label = f"FAR cap {z}" + ("" if z in far_zones() else " (10b off)")
        slider(rc, label)
        checkbox(rc, z)
    slider(rc, "cash pool threshold")
    rc.find(v.TextField, label="seed").assert_single()
    rc.find(v.Select, label="measure").assert_single()
    assert len(images(rc)) == len(HEADLINE_PLOTS) + 3
    assert "Month 0 of 12" in texts(rc)


def test_the_page_title_is_zonesims(live):
    rc, _ = live
    assert rc.find(TitleWidget).widget.title == TITLE
    assert rc.find(v.ToolbarTitle).widget.children[0] == TITLE  # the app bar's
    study = render(StudyComparisonPage())
    assert study.find(TitleWidget).widget.title == TITLE


def test_every_slider_shows_its_value(live):
    rc, _ = live
    for widget in rc.find(v.Slider).widgets:  # "<name>: <value> [unit or more]"
        shown = widget.label.split(": ", 1)[1].split(" ")[0].replace(",", "")
        assert float(shown) == pytest.approx(widget.v_model, abs=widget.step / 2), widget.label
    jinqiao = slider(rc, "FAR cap jinqiao")
    jinqiao.v_model = 3.4
    assert slider(rc, "FAR cap jinqiao").label == "FAR cap jinqiao: 3.40 ratio"
    threshold = slider(rc, "cash pool threshold")
    threshold.v_model = 15000.0
    assert slider(rc, "cash pool threshold").label == "cash pool threshold: 15,000 RMB m/yr"
    slider(rc, "start month").v_model = 12
    assert slider(rc, "start month").label == "start month: 12 (2025-09)"
    slider(rc, "promotion intensity").v_model = 2.0
    assert slider(rc, "promotion intensity").label == "promotion intensity: 2.00 × plan"


def far_zones() -> frozenset[str]:
    return zonesim.Policy.plan_2024().measures["10b"].zones


def test_turning_levers_and_reset_rebuilds_the_model(live):
    rc, model = live
    slider(rc, "FAR cap jinqiao").v_model = 3.4
    slider(rc, "cash pool threshold").v_model = 15000.0
    type_text(rc, "seed", "11")
    before = model.value
    click(rc, "Reset")
    after = model.value
    assert after is not before
    assert after.prm["zone.jinqiao.far_cap"] == 3.4
    assert after.prm["zone.jiading.far_cap"] == TABLE.at["zone.jiading.far_cap", "value"]
    assert after.prm[CASH_POOL_THRESHOLD] == 15000.0
    assert after.policy == zonesim.Policy.plan_2024()
    pd.testing.assert_frame_equal(
        after.zone_kpis(),
        DashboardModel(rng=11, far_cap_jinqiao=3.4, cash_pool_threshold=15000.0).zone_kpis(),
    )
    assert "jinqiao 3.4" in texts(rc)


def test_the_cash_pool_everywhere_promoted_twice_as_hard(live):
    """The planner's question, asked on the page: measure 6 in all six zones, intensity 2."""
    rc, model = live
    choose_measure(rc, "6")
    for z in ZONES:
        checkbox(rc, z).v_model = True
    slider(rc, "promotion intensity").v_model = 2.0
    assert "Changed from the plan: 6 in all six zones from month 4 (2025-01), intensity 2" in (
        texts(rc)
    )
    click(rc, "Reset")
    cash_pool = model.value.policy.measures["6"]
    assert (cash_pool.zones, cash_pool.intensity) == (set(ZONES), 2.0)
    wanted = zonesim.Policy.plan_2024().with_measure("6", zones=frozenset(ZONES), intensity=2.0)
    assert model.value.policy == wanted
    assert "Measures: 6 in all six zones from month 4 (2025-01), intensity 2" in texts(rc)
    same = zonesim.ZoneModel(rng=model.value.levers["rng"], policy=wanted, months=HORIZON)
    for _ in range(6):
        model.value.step()
        same.step()
    pd.testing.assert_frame_equal(model.value.measure_kpis(), same.measure_kpis())


def test_the_measure_card_follows_the_chosen_measure_and_keeps_each_change(live):
    rc, model = live
    choose_measure(rc, "10b")
    plan = zonesim.Policy.plan_2024().measures["10b"]
    assert {z for z in ZONES if checkbox(rc, z).v_model} == set(plan.zones)
    assert slider(rc, "start month").v_model == plan.start_month
    checkbox(rc, "qingpu").v_model = True
    slider(rc, "start month").v_model = 0
    choose_measure(rc, "2a")
    assert {z for z in ZONES if checkbox(rc, z).v_model} == set(plan_setting("2a")["zones"])
    checkbox(rc, plan_setting("2a")["zones"][0]).v_model = False
    choose_measure(rc, "10b")  # the change made before is still there
    assert checkbox(rc, "qingpu").v_model and slider(rc, "start month").v_model == 0
    click(rc, "Reset")
    policy = model.value.policy
    assert policy.measures["10b"].zones == plan.zones | {"qingpu"}
    assert policy.measures["10b"].start_month == 0
    assert policy.measures["2a"].zones == set(plan_setting("2a")["zones"][1:])
    click(rc, "as planned")  # 10b back to the plan; 2a still changed
    click(rc, "Reset")
    assert model.value.policy.measures["10b"] == plan
    assert model.value.policy.measures["2a"].zones == set(plan_setting("2a")["zones"][1:])


def test_stepping_redraws_the_plots_from_the_new_month(live):
    rc, model = live
    drawn = images(rc)
    click(rc, "Step")
    assert model.value.month == 1
    assert "Month 1 of 12" in texts(rc)
    redrawn = images(rc)
    assert all(a != b for a, b in zip(drawn, redrawn, strict=True))
    slider(rc, "months per Step").v_model = 3
    click(rc, "Step")
    assert model.value.month == 4
    assert len(zone_series(model.value, "firms")) == 5  # months 0 to 4


def test_stepping_past_the_horizon_stops_there(live):
    rc, model = live
    slider(rc, "months per Step").v_model = 7
    click(rc, "Step")
    click(rc, "Step")  # months 8 to 14 of a 12-month model
    assert model.value.month == 12 and not model.value.running
    assert "Month 12 of 12" in texts(rc)
    assert rc.find(v.Btn, children=["Step"]).widget.disabled


def test_headline_plots_are_mesas_plot_components_over_the_datacollector(live):
    """The page shows what Mesa's PlotMatplotlib draws from the DataCollector."""
    rc, model = live
    click(rc, "Step")
    page = images(rc)
    for reporters in HEADLINE_PLOTS:
        measure = reporters[0] if len(reporters) == 1 else list(reporters)
        element = PlotMatplotlib(
            model.value, measure, post_process=headline_style(reporters, model.value)
        )
        _, alone = solara.render(element, handle_error=False)
        (drawn,) = images(alone)
        assert drawn in page
    drawn = {r for reporters in HEADLINE_PLOTS for r in reporters}
    assert drawn == set(HEADLINE_KPIS) == set(model.value.datacollector.model_vars)


def mesa_axes(model: DashboardModel, reporters: tuple[str, ...]):
    """A headline plot drawn as Mesa's PlotMatplotlib draws it, with our post_process."""
    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    frame = model.datacollector.get_model_vars_dataframe()
    for reporter in reporters:
        ax.plot(frame.loc[:, reporter], label=reporter)
    headline_style(reporters, model)(ax)
    return fig


def visible_tick_labels(ax, axis: str) -> list:
    """The tick labels of one axis within its view limits, after a draw."""
    low, high = sorted(getattr(ax, f"get_{axis}lim")())
    ticks = getattr(ax, f"get_{axis}ticklabels")()
    return [t for t in ticks if low - 1e-9 <= t.get_position()[axis == "y"] <= high + 1e-9]


@pytest.mark.parametrize("plot", ["headline", "uptake", "space", "firms_trade"])
def test_month_zero_is_readable(plot):
    """At month 0 every plot shows its starting points, spans the horizon with whole-month
    ticks, and no two tick labels are equal or overlap."""
    model = DashboardModel(months=24)
    figures = {
        "headline": lambda: [mesa_axes(model, reporters) for reporters in HEADLINE_PLOTS],
        "uptake": lambda: [uptake_figure(model)],
        "space": lambda: [space_figure(model)],
        "firms_trade": lambda: [firms_trade_figure(model)],
    }[plot]()
    for fig in figures:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes:
            assert ax.get_xlim() == (0, 24)
            lines = [line for line in ax.get_lines() if len(line.get_xdata())]
            assert lines and all(line.get_marker() == "o" for line in lines)
            assert all(list(line.get_xdata()) == [0] for line in lines)
            for axis in ("x", "y"):
                labels = visible_tick_labels(ax, axis)
                words = [t.get_text() for t in labels]
                assert len(words) >= 2 and len(set(words)) == len(words), words
                boxes = [t.get_window_extent(renderer) for t in labels]
                for a, b in itertools.pairwise(boxes):
                    assert not a.overlaps(b), words
            ticks = [t.get_position()[0] for t in visible_tick_labels(ax, "x")]
            assert all(float(t).is_integer() for t in ticks)


def test_plotted_series_are_the_models_tables():
    model = DashboardModel(months=8)
    for _ in range(8):
        model.step()
    kpis = model.zone_kpis().set_index(["month", "zone"])
    trade = zone_series(model, TRADE)
    assert list(trade.columns) == ZONES and list(trade.index) == list(range(9))
    expected = (kpis["imports_rmb_m"] + kpis["exports_rmb_m"]).unstack("zone")[ZONES]
    pd.testing.assert_frame_equal(trade, expected, check_names=False)
    uptake = model.measure_kpis()
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
    for name in ("zone_kpis.parquet", "measure_kpis.parquet"):
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
    pages = [(r.path, r.component) for r in routes]
    assert pages == [("/", LivePage), ("study", StudyComparisonPage)]


def test_dashboard_command_refuses_a_bad_port(capsys):
    assert cli(["dashboard", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err
