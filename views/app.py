"""The zonesim dashboard, a Solara app of two pages:

    /        Live model: Mesa's SolaraViz of the 2024 plan with the headline levers in the
             sidebar (seed, FAR cap per zone, cash-pool threshold, return centre warehouse per
             zone; they apply on Reset) and plots that follow the model as it steps
    /study   Compare a study: a stored study of `zonesim run`, scenario by scenario, with 95%
             bands, drawn by the same functions as `zonesim compare`

Start it with ``zonesim dashboard`` or ``solara run zonesim.views.app`` (or the file,
``solara run views/app.py``). Each browser session gets its own model.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz
from zonesim.views.levers import DashboardModel, model_params
from zonesim.views.live import LivePlots
from zonesim.views.study import StudyPage

TITLE = "zonesim: Shanghai's comprehensive bonded zones under the 2024 plan"


@solara.component
def LivePage(given: solara.Reactive[DashboardModel] | None = None):
    """SolaraViz of a DashboardModel, at the levers' starting values unless ``given`` (a
    reactive value holding one, for tests) is; each session gets its own.

    SolaraViz gives the sidebar (controls and levers) and holds the model in a reactive
    value, which its Reset replaces; the plots are drawn below it rather than as SolaraViz
    components, whose draggable grid does not load with ipyvuetify 3 (a Vue 2 library).
    """
    model = solara.use_memo(
        lambda: solara.reactive(DashboardModel()) if given is None else given, []
    )
    SolaraViz(model, components=[], model_params=model_params(), name=TITLE)
    LivePlots(model.value)


routes = [
    solara.Route(path="/", component=LivePage, label="Live model"),
    solara.Route(path="study", component=StudyPage, label="Compare a study"),
]
