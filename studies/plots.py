"""Figures of a study: headline KPIs over time with 95% bands (all zones, and per zone), their
differences from the baseline, uptake over time per measure, an uptake heatmap measure x zone,
and a map of the zones coloured by a KPI difference.

Each function takes a study's tables (or their summaries) and returns a
:class:`matplotlib.figure.Figure`: ``zonesim compare`` saves it with :func:`save`, a notebook
shows it (after ``%matplotlib inline``), the dashboard embeds it. Figures are drawn without
pyplot (on the Agg canvas), so importing this module changes no global matplotlib state (a
notebook keeps its own backend)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..model import Policy, measure_table, zone_table
from ..model.calendar import MONTHS_PER_YEAR
from .storage import write_atomic
from .summary import (
    ALL_ZONES,
    TRADE,
    fmt,
    kpi_summary,
    share,
    start_months,
    t975,
    unit,
    with_all_zones,
    zones_on,
)
from .sweeps import show

DPI = 120
HEADLINE = {
    "firms": "firms",
    "revenue_rmb_m": "revenue",
    TRADE: "exports + imports",
    "floor_stock_m2": "floor stock",
    "rent_rmb_m2_day": "rent (mean over zones)",
    "vacancy": "vacancy (1 - occupied / stock)",
}


def start_of(frame: pd.DataFrame) -> pd.Period | None:
    """Month 0 of the runs in ``frame`` (a study's table, or means of it, with month and
    date columns), or None when they start in different months or it has no dates."""
    starts = start_months(frame)
    return starts.pop() if len(starts) == 1 else None


def _years(month, start: pd.Period | None) -> np.ndarray:
    """Months as calendar years (2024.67 is 2024-09) from ``start``; without one, as years
    since each run's start."""
    since = np.asarray(month) / MONTHS_PER_YEAR
    if start is None:
        return since
    return start.year + (start.month - 1) / MONTHS_PER_YEAR + since


def _year_label(start: pd.Period | None) -> str:
    return "year" if start is not None else "years from the start"


def _dated(month: int, start: pd.Period | None) -> str:
    """``month 12 (2025-09)``, or ``month 12`` without a start."""
    return f"month {month}" + ("" if start is None else f" ({start + month})")


def _colours(names) -> dict[str, tuple]:
    """A colour per name (zone or scenario), in order, the same in every figure."""
    cmap = colormaps["tab10"]
    return {name: cmap(i) for i, name in enumerate(names)}


def _mean_with_band(
    ax, values, colour, label: str, start: pd.Period | None, lw: float = 1.5
) -> None:
    """Plot the mean of ``values`` (a groupby by month, one value per replication) over
    time, with the 95% CI of the mean (t-interval) as a band when there are replications
    to make one."""
    mean, sd, n = values.mean(), values.std(), values.count()
    x = _years(mean.index, start)
    ax.plot(x, mean, color=colour, label=label, lw=lw)
    if n.max() > 1:
        half = sd / np.sqrt(n) * (n - 1).map(t975)
        ax.fill_between(x, mean - half, mean + half, color=colour, alpha=0.2, lw=0)


def _zones_on(policy: Policy | None, means: pd.DataFrame) -> dict[str, frozenset[str]]:
    """Zones where each measure is on: from the policy, else where any firm adopted it."""
    if policy is not None:
        return zones_on(policy)
    used = means[means["adopted"] > 0].groupby("measure")["zone"].unique()
    return {m: frozenset(z) for m, z in used.items()}


def uptake_over_time(means: pd.DataFrame, scenario: str, policy: Policy | None = None) -> Figure:
    """Small multiples, one panel per measure that is on somewhere: uptake share over time,
    one line per zone where the measure is on (mean adopted / mean eligible over
    replications; a gap where no firm is eligible). ``means`` is the scenario's
    :func:`~zonesim.studies.summary.uptake_means` (years from its dates, if it has them)."""
    on = _zones_on(policy, means)
    start = start_of(means)
    titles = measure_table()["title"]
    measures = [m for m in titles.index if m in on]
    zones = list(zone_table().index)
    colours = _colours(zones)
    n_rep = int(means["replications"].max())
    counts = means.set_index(["measure", "zone", "month"]).sort_index()
    mean = share(counts["adopted"], counts["eligible"])

    cols = 4
    rows = max(1, math.ceil(len(measures) / cols))
    fig = new_figure((4.2 * cols, 2.6 * rows))
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    for ax, m in zip(axes.flat, measures, strict=False):
        for z in sorted(on[m], key=zones.index):
            if (m, z) in mean.index:
                series = mean.loc[(m, z)]
                x = _years(series.index, start)
                ax.plot(x, series.to_numpy(), color=colours[z], label=z)
        if policy is not None and m in policy.measures:
            first = policy.measures[m].start_month
            ax.axvline(_years(first, start), color="grey", lw=0.8, ls=":")
        title = titles[m] if len(titles[m]) <= 42 else titles[m][:40] + "…"
        ax.set_title(f"{m}: {title}", fontsize=8.5)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(measures) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("uptake share", fontsize=8)
    for ax in axes.flat[max(0, len(measures) - cols) : len(measures)]:
        ax.set_xlabel(_year_label(start), fontsize=8)
        ax.tick_params(labelbottom=True)
    handles = [Line2D([], [], color=colours[z], label=z) for z in zones]
    if policy is not None:
        handles.append(Line2D([], [], color="grey", ls=":", label="measure starts"))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False)
    fig.suptitle(
        f"Uptake share (adopted / eligible firms) by measure and zone, {scenario}: "
        f"means of {n_rep} replications; only zones where the measure is on"
    )
    return fig


MEASURE_PANELS = {
    # column of measure_summary.monthly_totals: panel title
    "adopted": "adopters (firms)",
    "net_benefit_rmb_m": "net benefit (RMB m/yr)",
    "entrants_drawn_to_date": "entrants drawn to date (expected firms)",
}
MOST_SCENARIOS = 4  # scenarios in one row besides the baseline: more would not be told apart


def measure_kpis(
    totals: pd.DataFrame,
    shown: Mapping[str, list[str]],
    baseline: str | None = None,
    start: pd.Period | None = None,
) -> Figure:
    """One row of panels per measure that a scenario changes (``shown``: scenario -> its
    measures): its adopters, their net benefit and the entrants it drew so far, all six zones,
    over time. Each row overlays the baseline and the scenarios that change the measure, at
    most MOST_SCENARIOS of them, those that change the fewest measures first (a measure
    alone before the whole plan), each the mean over replications with its 95% band, named
    in the row's legend. ``totals``: :func:`~zonesim.studies.measure_summary.monthly_totals`."""
    order = list(measure_table().index)
    measures = sorted({m for ms in shown.values() for m in ms}, key=order.index)
    scenarios = list(dict.fromkeys(totals["scenario"]))
    # a scenario's colour as in the other figures, unless there are more than tab10's ten
    palette = _colours(scenarios) if len(scenarios) <= 10 else None
    titles = measure_table()["title"]
    fig = new_figure((4.4 * len(MEASURE_PANELS), 2.3 * len(measures) + 0.8))
    axes = fig.subplots(len(measures), len(MEASURE_PANELS), sharex=True, squeeze=False)
    by_run = totals.groupby(["measure", "scenario"], sort=False)
    left_out = False
    for row, m in zip(axes, measures, strict=True):
        changing = [s for s in scenarios if m in shown.get(s, ())]
        changing.sort(key=lambda s: len(shown[s]))  # stable: study order among equals
        left_out |= len(changing) > MOST_SCENARIOS
        lines = [*([baseline] if baseline in scenarios else []), *changing[:MOST_SCENARIOS]]
        for i, s in enumerate(lines):
            if (m, s) not in by_run.groups:
                continue
            colour = palette[s] if palette else ("0.35" if s == baseline else f"C{i}")
            runs = by_run.get_group((m, s))
            for ax, column in zip(row, MEASURE_PANELS, strict=True):
                _mean_with_band(ax, runs.groupby("month")[column], colour, s, start)
        title = titles[m] if len(titles[m]) <= 30 else titles[m][:28] + "…"
        row[0].set_ylabel(f"{m}: {title}", fontsize=7.5)
        row[0].legend(fontsize=6.5, loc="upper left", frameon=False)
        for ax in row:
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=7)
    for ax, label in zip(axes[0], MEASURE_PANELS.values(), strict=True):
        ax.set_title(label, fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel(_year_label(start), fontsize=8)
    note = (
        f"; at most {MOST_SCENARIOS} scenarios a row, those changing the fewest measures"
        if left_out
        else ""
    )
    fig.suptitle(
        "The measures the scenarios change, all six zones: mean over replications with 95% "
        f"band{note}"
    )
    return fig


def headline_kpis(kpis: pd.DataFrame, baseline: str | None = None) -> Figure:
    """Headline KPIs for all zones combined over time, one colour per scenario: the mean over
    replications with the 95% CI of the mean as a band; with ``baseline``, each other
    scenario's difference from it instead, paired by replication (same seed), with the 95%
    CI of the mean difference."""
    total = with_all_zones(kpis)
    total = total[total["zone"] == ALL_ZONES]
    start = start_of(kpis)
    names = list(dict.fromkeys(kpis["scenario"]))
    colours = _colours(names)
    shown = [name for name in names if name != baseline]
    n_rep = kpis["replication"].nunique()
    fig = new_figure((15, 8))
    axes = fig.subplots(2, 3, sharex=True)
    for ax, (kpi, label) in zip(axes.flat, HEADLINE.items(), strict=True):
        if baseline is None:
            series = {s: total[total["scenario"] == s].groupby("month")[kpi] for s in shown}
        else:
            wide = total.pivot_table(
                index=["month", "replication"], columns="scenario", values=kpi, aggfunc="first"
            )
            series = {s: (wide[s] - wide[baseline]).groupby(level="month") for s in shown}
            ax.axhline(0, color=colours[baseline], lw=1, ls="--")
        for scenario, values in series.items():
            _mean_with_band(ax, values, colours[scenario], scenario, start)
        ax.set_title(f"{label}, all zones")
        ax.set_ylabel(f"{'' if baseline is None else 'Δ '}{kpi} ({unit(kpi)})")
        ax.grid(alpha=0.3)
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    for ax in axes[-1]:
        ax.set_xlabel(_year_label(start))
    handles = [Line2D([], [], color=colours[s], label=s) for s in shown]
    if baseline is not None:
        handles.append(Line2D([], [], color=colours[baseline], ls="--", label=f"{baseline} (0)"))
    axes.flat[0].legend(handles=handles, title="scenario")
    if n_rep == 1:
        band = "one replication, no band"
    elif baseline is None:
        band = "shaded: 95% CI of the mean"
    else:
        band = "shaded: 95% CI paired by replication"
    what = "" if baseline is None else f"difference from {baseline}, "
    fig.suptitle(f"Headline KPIs, all six zones: {what}mean of {n_rep} replications ({band})")
    return fig


ZONE_PANELS = {
    "firms": "firms",
    "revenue_rmb_m": "revenue",
    "floor_stock_m2": "floor stock",
    "rent_rmb_m2_day": "rent",
}


def kpis_by_zone(kpis: pd.DataFrame) -> Figure:
    """Main KPIs per zone over time: a row per KPI, a column per zone, one line per
    scenario (mean over replications, 95% CI of the mean as a band)."""
    scenarios = list(dict.fromkeys(kpis["scenario"]))
    zones = list(zone_table().index)
    n_rep = kpis["replication"].nunique()
    start = start_of(kpis)
    fig = new_figure((3.2 * len(zones), 2.4 * len(ZONE_PANELS)))
    axes = fig.subplots(len(ZONE_PANELS), len(zones), sharex=True, squeeze=False)
    colours = _colours(dict.fromkeys(kpis["scenario"]))
    for row, (kpi, label) in enumerate(ZONE_PANELS.items()):
        for col, zone in enumerate(zones):
            ax = axes[row, col]
            in_zone = kpis[kpis["zone"] == zone]
            for scenario in scenarios:
                values = in_zone[in_zone["scenario"] == scenario].groupby("month")[kpi]
                _mean_with_band(ax, values, colours[scenario], scenario, start, lw=1.2)
            ax.grid(alpha=0.3)
            ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
            if row == 0:
                ax.set_title(zone)
            if col == 0:
                ax.set_ylabel(f"{label} ({unit(kpi)})")
            if row == len(ZONE_PANELS) - 1:
                ax.set_xlabel(_year_label(start))
                ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    axes[0, 0].legend(title="scenario", fontsize="small")
    band = "shaded: 95% CI of the mean" if n_rep > 1 else "one replication, no band"
    fig.suptitle(f"Main KPIs by zone: mean of {n_rep} replications ({band})")
    return fig


def uptake_heatmap(means: pd.DataFrame, scenario: str, policy: Policy | None = None) -> Figure:
    """Uptake share at the horizon, measure x zone (mean adopted / mean eligible over
    replications); cells where the measure is off are blank. ``means`` is the scenario's
    :func:`~zonesim.studies.summary.uptake_means`."""
    horizon = int(means["month"].max())
    at = means[means["month"] == horizon].set_index(["measure", "zone"])
    adopted = at["adopted"].unstack("zone")
    eligible = at["eligible"].unstack("zone")
    titles = measure_table()["title"]
    measures = [m for m in titles.index if m in eligible.index]
    zones = [z for z in zone_table().index if z in eligible.columns]
    eligible = eligible.loc[measures, zones]
    shares = share(adopted.loc[measures, zones], eligible)
    none_eligible = eligible.to_numpy() == 0
    on = _zones_on(policy, means)
    mask = np.array([[z not in on.get(m, ()) for z in zones] for m in measures])
    values = np.ma.masked_array(shares.to_numpy(), mask | none_eligible)
    n_rep = int(means["replications"].max())

    fig = new_figure((9, 0.38 * len(measures) + 2))
    ax = fig.subplots()
    cmap = colormaps["viridis"].with_extremes(bad="#eeeeee")
    im = ax.imshow(values, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    for (i, j), v in np.ndenumerate(shares.to_numpy()):
        if not mask[i, j]:
            label = "no elig." if none_eligible[i, j] else f"{v:.0%}"
            ax.text(j, i, label, ha="center", va="center", fontsize=7.5,
                    color="white" if v < 0.6 else "black")  # fmt: skip
    ax.set_xticks(range(len(zones)), zones)
    ax.set_yticks(
        range(len(measures)),
        [f"{m}: {t if len(t) <= 38 else t[:36] + '…'}" for m, t in titles[measures].items()],
        fontsize=8,
    )
    ax.set_xlabel("zone")
    ax.set_ylabel("measure")
    fig.colorbar(im, ax=ax, label="uptake share (adopted / eligible firms)")
    ax.set_title(
        f"Uptake share at {_dated(horizon, start_of(means))}, {scenario}\n"
        f"mean adopted / mean eligible of {n_rep} replications\n"
        "grey: measure off in the zone; no elig.: no eligible firm in any replication",
        fontsize=10,
    )
    return fig


def kpi_map(summary: pd.DataFrame, kpi: str, month: int, start: pd.Period | None = None) -> Figure:
    """The six zones at their latitude and longitude, coloured by the difference of ``kpi``
    from the baseline at ``month``, one panel per scenario. ``summary`` is a
    :func:`~zonesim.studies.summary.kpi_summary` table with a baseline. A zone whose 95% CI
    excludes 0 has a solid black edge; one whose CI includes 0, a dashed grey edge; one
    without a CI (fewer than two pairs), no edge. ``start``, month 0 of the runs (see
    :func:`start_of`), dates the title."""
    rows = summary[
        (summary["kpi"] == kpi) & (summary["month"] == month) & (summary["zone"] != ALL_ZONES)
    ].dropna(subset=["diff"])
    scenarios = list(dict.fromkeys(rows["scenario"]))
    if not scenarios:
        raise ValueError(f"no difference of {kpi} at month {month} to map (no baseline?)")
    zones = zone_table()
    reach = np.nanmax(np.abs(rows["diff"].to_numpy())) or 1.0
    cmap = colormaps["RdBu"]
    fig = new_figure((max(5.2 * len(scenarios) + 1.2, 8.0), 5.8))
    axes = fig.subplots(1, len(scenarios), squeeze=False, sharex=True, sharey=True)[0]
    for ax, scenario in zip(axes, scenarios, strict=True):
        data = rows[rows["scenario"] == scenario].set_index("zone")
        data = data.join(zones[["lat", "lon", "name_en"]], how="inner")
        sure = (data["diff_ci_low"] > 0) | (data["diff_ci_high"] < 0)
        known = data["diff_ci_low"].notna()
        points = ax.scatter(
            data["lon"], data["lat"], c=data["diff"], cmap=cmap, vmin=-reach, vmax=reach,
            s=420, edgecolors=np.where(sure, "black", "grey"), linewidths=1.8 * known,
            zorder=3,
        )  # fmt: skip
        points.set_linestyles(["solid" if s else "dashed" for s in sure])
        middle = zones["lon"].mean()
        for r in data.to_dict("records"):
            ci = (
                f"\n[{fmt(r['diff_ci_low'])}, {fmt(r['diff_ci_high'])}]"
                if not math.isnan(r["diff_ci_low"])
                else ""
            )
            west = r["lon"] < middle  # labels point away from the middle, so none overlap
            ax.annotate(
                f"{r['name_en']}\nΔ {fmt(r['diff'])}{ci}", (r["lon"], r["lat"]),
                xytext=(-14 if west else 14, 0), textcoords="offset points", fontsize=8,
                va="center", ha="right" if west else "left",
            )  # fmt: skip
        ax.set_title(scenario)
        ax.set_xlabel("longitude (°E)")
        ax.grid(alpha=0.3)
        # one degree of longitude is cos(latitude) degrees of latitude on the ground
        ax.set_aspect(1 / math.cos(math.radians(zones["lat"].mean())))
        ax.margins(0.25)
    axes[0].set_ylabel("latitude (°N)")
    fig.colorbar(points, ax=axes.tolist(), label=f"Δ {kpi} ({unit(kpi)})", shrink=0.8)
    pairs = int(rows["pairs"].max())
    ci = (
        "[95% CI]; solid edge: CI excludes 0, dashed: includes 0"
        if rows["diff_ci_low"].notna().any()
        else "(no CI with one replication)"
    )
    fig.suptitle(
        f"{kpi} at {_dated(month, start)}: difference from the baseline by zone,\n"
        f"mean of {pairs} paired replications {ci}.\nPositions about ±1 km, no base map.",
        fontsize=10,
    )
    return fig


_COLUMNS = 3  # panels in a row of a small-multiples figure


def panels(n: int, size: tuple[float, float]) -> tuple[Figure, np.ndarray]:
    """A figure of ``n`` panels of ``size`` (inches) in rows of _COLUMNS; spare ones hidden.
    Returns the figure and the n axes, flat."""
    cols = min(n, _COLUMNS)
    rows = math.ceil(n / cols)
    fig = new_figure((size[0] * cols, size[1] * rows + 0.6))
    axes = fig.subplots(rows, cols, squeeze=False).flatten()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _thousands(value: float, _pos=None) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def new_figure(size: tuple[float, float]) -> Figure:
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path`` (atomically: complete or absent)."""
    return write_atomic(Path(path), lambda tmp: fig.savefig(tmp, dpi=DPI, format="png"))


def decomposition(table: pd.DataFrame, title: str) -> Figure:
    """The plan by measure, a panel per headline KPI: each measure's effect alone (on the
    baseline) and last (the scenario without it), with 95% CIs, measures ranked by their
    effect alone; the total and the interaction left over at the bottom. ``table`` is
    :func:`~zonesim.studies.decompose.decomposition`."""
    fig, axes = panels(len(HEADLINE), (5.2, 4.6))
    for ax, (kpi, name) in zip(axes, HEADLINE.items(), strict=True):
        rows = table[table["kpi"] == kpi]
        alone = rows[rows["way"] == "alone"].set_index("measure").sort_values("diff")
        last = rows[rows["way"] == "last"].set_index("measure").reindex(alone.index)
        summary = rows[~rows["way"].isin(["alone", "last"])].set_index("measure")
        labels = [*summary.index, *alone.index]
        y = np.arange(len(labels))
        for offset, part, colour, label in (
            (0.2, summary.assign(way="total").reindex(labels), "tab:grey", "all, interaction"),
            (0.2, alone.reindex(labels), "tab:blue", "alone (on the baseline)"),
            (-0.2, last.reindex(labels), "tab:orange", "last (the scenario without it)"),
        ):
            err = np.abs(part[["ci_low", "ci_high"]].to_numpy().T - part["diff"].to_numpy())
            ax.barh(y + offset, part["diff"], height=0.4, color=colour, label=label,
                    xerr=np.nan_to_num(err), error_kw={"lw": 0.7})  # fmt: skip
        ax.axvline(0, color="black", lw=0.6)
        ax.set_yticks(y, labels, fontsize=7)
        ax.set_title(f"Δ {name} ({unit(kpi)})", fontsize=9)
        ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.grid(axis="x", alpha=0.3)
    axes[0].legend(fontsize=7, loc="lower right")
    fig.suptitle(
        f"{title}, by measure, all zones at the horizon: mean difference and 95% CI paired by "
        "replication",
        fontsize=10,
    )
    return fig


def morris_indices(table: pd.DataFrame, top: int = 8) -> Figure:
    """Morris screening, a panel per KPI: mu* (mean absolute elementary effect) against sigma
    (their spread: interaction or non-linearity), each parameter a point, the ``top`` by mu*
    labelled. ``table`` is :func:`~zonesim.studies.sensitivity.indices` of a Morris design."""
    kpis = list(dict.fromkeys(table["kpi"]))
    fig, axes = panels(len(kpis), (4.6, 4.2))
    for ax, kpi in zip(axes, kpis, strict=False):
        wide = table[table["kpi"] == kpi].pivot(index="parameter", columns="index", values="value")
        ax.scatter(wide["mu_star"], wide["sigma"], s=18, color="tab:blue")
        visible = wide["mu_star"] > 0.02 * wide["mu_star"].max()  # no labels piled at 0
        for name, r in wide[visible].nlargest(top, "mu_star").iterrows():
            ax.annotate(name, (r["mu_star"], r["sigma"]), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")  # fmt: skip
        reach = max(wide["mu_star"].max(), wide["sigma"].max(), 0) * 1.05 or 1.0
        ax.plot([0, reach], [0, reach], color="grey", lw=0.8, ls=":")  # sigma = mu*
        ax.set_xlim(0, reach)
        ax.set_ylim(0, reach)
        ax.set_title(f"{kpi} ({unit(kpi)})", fontsize=9)
        ax.set_xlabel("μ* (per full range of the parameter)")
        ax.grid(alpha=0.3)
    for ax in axes[::_COLUMNS]:
        ax.set_ylabel("σ of the elementary effects")
    fig.suptitle(
        "Morris screening at the horizon, all zones: far right matters; high up, through "
        "interactions or non-linearly (dotted: σ = μ*)",
        fontsize=10,
    )
    return fig


def sobol_indices(table: pd.DataFrame, top: int = 12) -> Figure:
    """Sobol indices, a panel per KPI: first-order S1 and total-order ST of the ``top``
    parameters by ST, ranked, with their 95% intervals. ``table`` is
    :func:`~zonesim.studies.sensitivity.indices` of a Sobol design."""
    kpis = list(dict.fromkeys(table["kpi"]))
    fig, axes = panels(len(kpis), (4.6, 0.3 * top + 1.6))
    for ax, kpi in zip(axes, kpis, strict=False):
        rows = table[table["kpi"] == kpi]
        value = rows.pivot(index="parameter", columns="index", values="value")
        conf = rows.pivot(index="parameter", columns="index", values="conf")
        order = value["ST"].nlargest(top).index[::-1]
        y = np.arange(len(order))
        for shift, index, colour in ((0.2, "ST", "tab:orange"), (-0.2, "S1", "tab:blue")):
            ax.barh(y + shift, value.loc[order, index], height=0.4, color=colour, label=index,
                    xerr=conf.loc[order, index], error_kw={"lw": 0.8})  # fmt: skip
        ax.set_yticks(y, order, fontsize=7)
        ax.set_title(f"{kpi} ({unit(kpi)})", fontsize=9)
        ax.set_xlabel("share of the KPI's variance")
        ax.grid(alpha=0.3, axis="x")
    axes[0].legend(title="index", fontsize=8)
    fig.suptitle(
        "Sobol indices at the horizon, all zones: S1 the parameter alone, ST with its "
        "interactions; bars ranked by ST, whiskers the 95% intervals",
        fontsize=10,
    )
    return fig


# ---------------------------------------------------------------------- sweeps
def _at_horizon(kpis: pd.DataFrame, variants: Mapping[str, Mapping]) -> pd.DataFrame:
    """The variants' KPIs at the horizon, every zone and all zones, per replication."""
    rows = kpis[kpis["scenario"].isin(list(variants)) & (kpis["month"] == kpis["month"].max())]
    return with_all_zones(rows)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _swept(value):
    """A swept value as a point on an axis: a number, or its text as in variant names."""
    return value if _is_number(value) else show(value)


def _ordered(values: list) -> list:
    """Swept values in order: numbers by size, anything else as listed."""
    return sorted(values) if all(_is_number(v) for v in values) else values


def sweep_response(kpis: pd.DataFrame, variants: Mapping[str, Mapping], label: str) -> Figure:
    """Each headline KPI at the horizon against the swept value ``label`` (``variants``:
    scenario -> its swept values): the mean over replications with its 95% CI, one line per
    zone and a thick one for all zones."""
    horizon = _at_horizon(kpis, variants)
    value_of = {name: _swept(values[label]) for name, values in variants.items()}
    xs = _ordered(list(dict.fromkeys(value_of.values())))
    numeric = all(_is_number(x) for x in xs)
    position = {x: (x if numeric else i) for i, x in enumerate(xs)}
    horizon["x"] = horizon["scenario"].map(lambda s: position[value_of[s]])
    zones = [*zone_table().index, ALL_ZONES]
    colours = _colours(zones)
    fig, axes = panels(len(HEADLINE), (4.6, 3.4))
    for ax, (kpi, title) in zip(axes, HEADLINE.items(), strict=True):
        for zone in zones:
            by = horizon[horizon["zone"] == zone].groupby("x")[kpi]
            mean, n = by.mean(), by.count()
            half = by.std().fillna(0) / np.sqrt(n) * n.map(lambda k: t975(k - 1) if k > 1 else 0)
            thick = zone == ALL_ZONES
            colour = "black" if thick else colours[zone]
            ax.plot(mean.index, mean, marker="o", ms=3, lw=2.2 if thick else 1, color=colour,
                    label=zone)  # fmt: skip
            ax.fill_between(mean.index, mean - half, mean + half, color=colour, alpha=0.15, lw=0)
        ax.set_title(f"{title} at month {int(kpis['month'].max())}", fontsize=10)
        ax.set_xlabel(label)
        ax.set_ylabel(unit(kpi))
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        if not numeric:
            ax.set_xticks(range(len(xs)), [str(x) for x in xs])
    axes[0].legend(fontsize=7)
    n_rep = kpis["replication"].nunique()
    fig.suptitle(f"Response to {label}: mean of {n_rep} replications, shaded 95% CI")
    return fig


def sweep_heatmap(
    kpis: pd.DataFrame, variants: Mapping[str, Mapping], labels: tuple[str, str]
) -> Figure:
    """For a two-key grid: each headline KPI for all zones at the horizon, as its difference
    from the grid's first cell (the first value of both keys), paired by replication
    (``labels[0]`` down, ``labels[1]`` across). A diverging colour scale centred on no
    difference, each cell labelled with its mean difference, and a "*" where its 95% CI
    excludes zero: the cells that differ from the first beyond noise."""
    horizon = int(kpis["month"].max())
    rows_of = {name: _swept(values[labels[0]]) for name, values in variants.items()}
    cols_of = {name: _swept(values[labels[1]]) for name, values in variants.items()}
    down = _ordered(list(dict.fromkeys(rows_of.values())))
    across = _ordered(list(dict.fromkeys(cols_of.values())))
    corner = (down[0], across[0])
    first = next((n for n in variants if (rows_of[n], cols_of[n]) == corner), next(iter(variants)))
    at_horizon = kpis[kpis["scenario"].isin(list(variants)) & (kpis["month"] == horizon)]
    summary = kpi_summary(at_horizon, first, [horizon])
    total = summary[summary["zone"] == ALL_ZONES]
    fig, axes = panels(len(HEADLINE), (4.6, 3.6))
    for ax, (kpi, title) in zip(axes, HEADLINE.items(), strict=True):
        rows = total[total["kpi"] == kpi].set_index("scenario")
        grid = np.full((len(down), len(across)), np.nan)
        beyond = np.zeros(grid.shape, dtype=bool)  # the 95% CI excludes zero
        for name, row in rows.iterrows():
            at = down.index(rows_of[name]), across.index(cols_of[name])
            grid[at] = 0.0 if name == first else row["diff"]
            beyond[at] = row["diff_ci_low"] > 0 or row["diff_ci_high"] < 0
        limit = np.nanmax(np.abs(grid)) or 1.0
        image = ax.imshow(grid, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
        for (i, j), value in np.ndenumerate(grid):
            if np.isfinite(value):
                text = fmt(value) + ("*" if beyond[i, j] else "")
                ax.text(j, i, text, ha="center", va="center", fontsize=7)
        ax.set_xticks(range(len(across)), [str(x) for x in across])
        ax.set_yticks(range(len(down)), [str(x) for x in down])
        ax.set_xlabel(labels[1])
        ax.set_ylabel(labels[0])
        ax.set_title(f"{title}, all zones", fontsize=10)
        bar = fig.colorbar(image, ax=ax, format=FuncFormatter(_thousands))
        bar.set_label(f"Δ {title} ({unit(kpi)})", fontsize=8)
    n_rep = kpis["replication"].nunique()
    fig.suptitle(
        f"Response to {labels[0]} and {labels[1]} at month {horizon}: difference from "
        f"{labels[0]} = {corner[0]}, {labels[1]} = {corner[1]}, mean of {n_rep} replications "
        "paired by replication (* 95% CI excludes 0)"
    )
    return fig
