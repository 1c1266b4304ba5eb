"""Mesa's SolaraViz with one plot component in its `components=` grid, for the browser test
that checks whether that grid renders (tests/test_dashboard_browser.py)."""

import solara
from mesa.visualization import SolaraViz, make_plot_component
from zonesim.views.levers import DashboardModel


@solara.component
def Page():
    model = solara.use_memo(lambda: solara.reactive(DashboardModel(months=12)), [])
    SolaraViz(model, components=[make_plot_component("firms")], name="grid check")
