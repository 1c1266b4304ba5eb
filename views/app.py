"""The zonesim dashboard, a Solara app of two pages:

    /        Live model: the 2024 plan stepped month by month by Mesa's ModelController
             (Reset, ▶, Step), with the levers in the sidebar (seed, FAR cap per zone,
             cash-pool threshold, and any measure's zones, start month and promotion
             intensity; they apply on Reset), Mesa's plot components over the model's
             DataCollector for the headline KPIs, and plots per zone and per measure
    /study   Compare a study: a stored study of `zonesim run`, scenario by scenario, with 95%
             bands, drawn by the same functions as `zonesim compare`

Start it with ``zonesim dashboard`` or ``solara run zonesim.views.app`` (or the file,
``solara run views/app.py``). Each browser session gets its own model.
"""

from __future__ import annotations

import solara
from zonesim.views.levers import DashboardModel, lever_defaults
from zonesim.views.live import LivePlots
from zonesim.views.panel import LeverPanel
from zonesim.views.study import StudyPage

TITLE = "zonesim: Shanghai's comprehensive bonded zones under the 2024 plan"


@solara.component
def Header():
    """zonesim's title on the browser tab and in the app bar."""
    solara.Title(TITLE)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)


@solara.component
def LivePage(given: solara.Reactive[DashboardModel] | None = None):
    """A DashboardModel at the levers' starting values, unless ``given`` (a reactive value
    holding one, for tests) is; each session gets its own.

    Mesa's SolaraViz is not used whole: its parameter inputs cannot show a slider's value or
    edit a measure's several settings, and its plot grid does not load under ipyvuetify 3
    (views/live.py HeadlinePlots). The page is built from its parts instead: Mesa's
    ModelController, fed the levers, and Mesa's plot components.
    """
    model = solara.use_memo(
        lambda: solara.reactive(DashboardModel()) if given is None else given, []
    )
    levers = solara.use_reactive(lever_defaults())
    Header()
    with solara.Sidebar():
        LeverPanel(model, levers)
    LivePlots(model.value)


@solara.component
def StudyComparisonPage():
    """The study page under the app's title."""
    Header()
    StudyPage()


routes = [
    solara.Route(path="/", component=LivePage, label="Live model"),
    solara.Route(path="study", component=StudyComparisonPage, label="Compare a study"),
]
