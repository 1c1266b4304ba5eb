"""The live page's plots: what a running model has recorded so far, drawn month by month.

Headline plots: Mesa's plot components (``make_plot_component``) over the model's
DataCollector, the KPIs of all six zones together (model/reporters.py MODEL_REPORTERS). They
are drawn in the page's column, not through SolaraViz's ``components=``, whose draggable grid
does not load under ipyvuetify 3 (see :class:`HeadlinePlots`).

Detail plots, per zone and per measure, which the DataCollector does not hold: each
``*_series`` function turns the model's tidy tables (``model.measure_kpis()``,
``model.zone_kpis()``) into a wide frame, months down and lines across; each ``*_figure``
draws a model's series as a :class:`matplotlib.figure.Figure` (no pyplot, as in
studies.plots).

Every plot spans the whole horizon on its x axis with whole-month ticks and marks the month
reached with a dot, so month 0 shows the starting point.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import solara
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from mesa.visualization import make_plot_component
from mesa.visualization.utils import update_counter

from ..model import FAR_MEASURE, ZoneModel, measure_table, parameter_table
from ..model.reporters import HEADLINE_KPIS
from ..studies.summary import TRADE, share, unit, zones_on
from .levers import (
    CASH_POOL_THRESHOLD,
    FAR_CAP,
    MEASURES_LEVER,
    SEED_LEVER,
    DashboardModel,
    describe_setting,
    setting_of,
)

FIGSIZE = (7.5, 3.4)  # inches, one live figure of two panels
# fixed margins (share of the figure): an automatic layout would double the drawing time
MARGINS = {"left": 0.11, "right": 0.82, "bottom": 0.15, "top": 0.9, "wspace": 0.5}
FIGURE_CSS = ".zonesim-figures img {max-width: 100%; height: auto;}"
HEADLINE_SIZE = (4.2, 2.6)  # inches, one headline plot
# The headline plots: DataCollector reporters drawn together share a unit.
HEADLINE_PLOTS = (
    ("firms",),
    ("revenue_rmb_m", "trade_rmb_m"),
    ("floor_stock_m2",),
    ("rent_rmb_m2_day",),
    ("vacancy", "uptake_share"),
)
HEADLINE_NAMES = {
    "firms": "firms",
    "revenue_rmb_m": "revenue",
    "trade_rmb_m": "trade (imports + exports)",
    "floor_stock_m2": "floor stock",
    "rent_rmb_m2_day": "rent, mean over zones",
    "vacancy": "vacancy",
    "uptake_share": "uptake, mean of measures on",
}
SHARES = {"vacancy", "uptake_share"}  # reporters in [0, 1]: their axis starts at 0


# ---------------------------------------------------------------------- series
def uptake_series(model: ZoneModel) -> pd.DataFrame:
    """Uptake share (adopted / eligible firms, all zones summed) per month (rows) and measure
    (columns), for the measures the model's policy turns on somewhere; NaN while none is
    eligible."""
    uptake = model.measure_kpis()
    on = zones_on(model.policy)
    uptake = uptake[uptake["measure"].isin(on)]
    sums = uptake.groupby(["month", "measure"], sort=False)[["adopted", "eligible"]].sum()
    wide = share(sums["adopted"], sums["eligible"]).unstack("measure")
    return wide[[m for m in measure_table().index if m in wide.columns]]


def zone_series(model: ZoneModel, kpi: str) -> pd.DataFrame:
    """One zone KPI per month (rows) and zone (columns, in the model's zone order); ``kpi``
    is a column of ``model.zone_kpis()`` or TRADE (imports plus exports, RMB million/yr)."""
    kpis = model.zone_kpis()
    if kpi == TRADE:
        kpis = kpis.assign(**{TRADE: kpis["imports_rmb_m"] + kpis["exports_rmb_m"]})
    return kpis.pivot(index="month", columns="zone", values=kpi)[model.zone_ids]


# ---------------------------------------------------------------------- figures
def _figure(panels: int) -> tuple[Figure, list]:
    """A figure of ``panels`` panels side by side, room for a legend at the right."""
    fig = Figure(figsize=FIGSIZE)
    fig.subplots_adjust(**MARGINS)
    FigureCanvasAgg(fig)
    return fig, list(fig.subplots(1, panels, squeeze=False)[0])


def month_axis(ax, months: int) -> None:
    """The x axis over the whole horizon (0 to ``months``) with whole-month ticks; a dot on
    each line's last point (the month reached, the only point at month 0); y numbers with
    thousands separators and no offset."""
    for line in ax.get_lines():
        line.set(marker="o", markersize=3, markevery=[-1], clip_on=False)
    ax.set_xlim(0, max(months, 1))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.grid(alpha=0.3)


def _lines(ax, wide: pd.DataFrame, title: str, ylabel: str, model: ZoneModel) -> None:
    """A line per column of ``wide`` over its month index, coloured in column order, on the
    axis of ``model``'s horizon, months labelled from its start."""
    cmap = colormaps["tab10" if wide.shape[1] <= 10 else "tab20"]
    for i, column in enumerate(wide.columns):
        ax.plot(wide.index, wide[column], color=cmap(i), label=column, lw=1.3)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(month_label(model), fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    month_axis(ax, model.months)


def month_label(model: ZoneModel) -> str:
    """The month axis's label: ``month (0 = 2024-09)``, from the model's start."""
    return f"month (0 = {model.start})"


def _thousands(value: float, _pos=None) -> str:
    """Axis numbers with thousands separators (no offset or 1e6 above the axis)."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def uptake_figure(model: ZoneModel) -> Figure:
    """Uptake share per measure, all zones, over the months run so far."""
    fig, (ax,) = _figure(1)
    _lines(
        ax,
        uptake_series(model),
        f"uptake share per measure, all zones, month {model.month}",
        "adopted / eligible",
        model,
    )
    ax.set_ylim(0, 1)
    ax.legend(title="measure", fontsize=6, ncol=2, loc="center left", bbox_to_anchor=(1, 0.5))
    return fig


def zone_figure(model: ZoneModel, kpis: dict[str, str]) -> Figure:
    """A panel per zone KPI (column -> title), a line per zone, over the months run so far."""
    fig, axes = _figure(len(kpis))
    for ax, (kpi, title) in zip(axes, kpis.items(), strict=True):
        _lines(ax, zone_series(model, kpi), f"{title}, month {model.month}", unit(kpi), model)
    axes[-1].legend(title="zone", fontsize=7, loc="center left", bbox_to_anchor=(1, 0.5))
    return fig


SPACE = {"floor_stock_m2": "floor stock", "rent_rmb_m2_day": "rent"}
FIRMS_AND_TRADE = {"firms": "firms", TRADE: "trade (imports + exports)"}


def space_figure(model: ZoneModel) -> Figure:
    """Floor stock and rent per zone over the months run so far."""
    return zone_figure(model, SPACE)


def firms_trade_figure(model: ZoneModel) -> Figure:
    """Firms and trade (imports plus exports) per zone over the months run so far."""
    return zone_figure(model, FIRMS_AND_TRADE)


# ---------------------------------------------------------------------- components
@solara.component
def FigureColumn(children: list | None = None):
    """A column whose figures shrink to the width of the page."""
    solara.Style(FIGURE_CSS)
    return solara.Column(children=children or [], classes=["zonesim-figures"])


def unit_of(parameter: str) -> str:
    """A parameter's unit, from the parameter table."""
    return str(parameter_table().at[parameter, "unit"])


@solara.component
def LiveFigure(model: ZoneModel, draw: Callable[[ZoneModel], Figure]):
    """``draw(model)`` as a PNG, redrawn when the model steps or is reset."""
    update_counter.get()  # re-render when Mesa's controller steps or resets the model
    key = [model, model.month, draw]
    fig = solara.use_memo(lambda: draw(model), key)
    solara.FigureMatplotlib(fig, dependencies=key, format="png")


@solara.component
def UptakePlot(model: ZoneModel):
    """Uptake share per measure, all zones."""
    LiveFigure(model, uptake_figure)


@solara.component
def SpacePlot(model: ZoneModel):
    """Floor stock and rent per zone."""
    LiveFigure(model, space_figure)


@solara.component
def FirmsTradePlot(model: ZoneModel):
    """Firms and trade per zone."""
    LiveFigure(model, firms_trade_figure)


@solara.component
def LeverSummary(model: DashboardModel):
    """What the running model was built with (the sidebar's levers apply on Reset)."""
    update_counter.get()
    prm, on = model.prm, zones_on(model.policy)
    far_zones = ", ".join(sorted(on.get(FAR_MEASURE, ()))) or "nowhere"
    far = ", ".join(f"{z} {prm[FAR_CAP.format(z)]:g}" for z in model.zone_ids)
    changed = [
        describe_setting(m, setting_of(model.levers, m), model.start)
        for m in model.levers[MEASURES_LEVER]
    ]
    lines = [
        f"Month {model.month} of {model.months} (0 = {model.start}), market path "
        f"{model.scenario.market}; seed {model.levers[SEED_LEVER]}.",
        f"FAR cap ({FAR_MEASURE} on in {far_zones}): {far}.",
        f"Cash pool threshold: {prm[CASH_POOL_THRESHOLD]:g} {unit_of(CASH_POOL_THRESHOLD)}.",
        "Measures: "
        + ("; ".join(changed) + ", the rest as planned." if changed else "as in the 2024 plan."),
        "Move the levers, then press Reset to run with them.",
    ]
    with solara.Card("Running model"), solara.Column(gap="2px"):
        if model.lever_problem:
            solara.Error(model.lever_problem)
        for line in lines:
            solara.Text(line)


def headline_style(reporters: tuple[str, ...], model: ZoneModel) -> Callable:
    """Mesa's ``post_process`` for a headline plot of ``reporters`` (one unit): size, title,
    unit, legend names, and the month axis of :func:`month_axis`."""
    names = [HEADLINE_NAMES[r] for r in reporters]

    def style(ax) -> None:
        ax.figure.set_size_inches(*HEADLINE_SIZE)
        ax.set_title(f"{' and '.join(names)}, all zones, month {model.month}", fontsize=9)
        ax.set_ylabel(HEADLINE_KPIS[reporters[0]][0], fontsize=8)
        ax.tick_params(labelsize=7)
        if len(reporters) > 1:
            for line, name in zip(ax.get_lines(), names, strict=True):
                line.set_label(name)
            ax.legend(fontsize=7)
        month_axis(ax, model.months)
        if SHARES.issuperset(reporters):
            ax.set_ylim(bottom=0)

    return style


@solara.component
def HeadlinePlots(model: ZoneModel):
    """The headline KPIs of all six zones, from the model's DataCollector, by Mesa's plot
    components (one per entry of HEADLINE_PLOTS).

    They are placed here rather than passed to SolaraViz as ``components=``: SolaraViz lays its
    components out in Solara's GridDraggable, which under ipyvuetify 3 (Solara 1.64) loads the
    Vue 2 build of vue-grid-layout; in Chromium that throws "GlobalVue.use is not a function"
    and the grid stays empty under its "Page 0" tab."""
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
        for reporters in HEADLINE_PLOTS:
            measure = reporters[0] if len(reporters) == 1 else list(reporters)
            make, _page = make_plot_component(
                measure, post_process=headline_style(reporters, model)
            )
            make(model)


@solara.component
def LivePlots(model: DashboardModel):
    """The live page's main column: the running model's levers, then its plots."""
    with FigureColumn():
        LeverSummary(model)
        HeadlinePlots(model)
        UptakePlot(model)
        SpacePlot(model)
        FirmsTradePlot(model)
