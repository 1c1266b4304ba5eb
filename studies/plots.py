"""Figures of a study: uptake over time per measure, headline KPIs over time with 95% bands
(all zones, and per zone), and an uptake heatmap measure x zone.

Figures are drawn on :class:`matplotlib.figure.Figure` objects and saved with the Agg canvas,
without pyplot, so importing this module changes no global matplotlib state (a notebook keeps
its own backend)."""

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
from .storage import write_atomic
from .summary import ALL_ZONES, TRADE, share, t975, unit, with_all_zones, zones_on

DPI = 120
START = pd.Period("2024-09", freq="M")
START_YEAR = 2024 + 8 / 12  # month 0 is 2024-09
HEADLINE = {
    "firms": "firms",
    "revenue_rmb_m": "revenue",
    TRADE: "exports + imports",
    "floor_stock_m2": "floor stock",
    "rent_rmb_m2_day": "rent (mean over zones)",
    "vacancy": "vacancy (1 - occupied / stock)",
}


def _years(month) -> np.ndarray:
    return START_YEAR + np.asarray(month) / 12


def _zone_colours(zones) -> dict[str, tuple]:
    cmap = colormaps["tab10"]
    return {z: cmap(i) for i, z in enumerate(zones)}


def _zones_on(policy: Policy | None, uptake: pd.DataFrame) -> dict[str, frozenset[str]]:
    """Zones where each measure is on: from the policy, else where any firm adopted it."""
    if policy is not None:
        return zones_on(policy)
    used = uptake[uptake["adopted"] > 0].groupby("measure")["zone"].unique()
    return {m: frozenset(z) for m, z in used.items()}


def uptake_over_time(
    uptake: pd.DataFrame, scenario: str, path: Path, policy: Policy | None = None
) -> Path:
    """Small multiples, one panel per measure that is on somewhere: uptake share over time,
    one line per zone where the measure is on (mean adopted / mean eligible over
    replications; a gap where no firm is eligible)."""
    data = uptake[uptake["scenario"] == scenario]
    on = _zones_on(policy, data)
    titles = measure_table()["title"]
    measures = [m for m in titles.index if m in on]
    zones = list(zone_table().index)
    colours = _zone_colours(zones)
    n_rep = data["replication"].nunique()
    counts = data.groupby(["measure", "zone", "month"])[["adopted", "eligible"]].mean()
    mean = share(counts["adopted"], counts["eligible"])

    cols = 4
    rows = max(1, math.ceil(len(measures) / cols))
    fig = _figure((4.2 * cols, 2.6 * rows))
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    for ax, m in zip(axes.flat, measures, strict=False):
        for z in sorted(on[m], key=zones.index):
            if (m, z) in mean.index:
                series = mean.loc[(m, z)]
                ax.plot(_years(series.index), series.to_numpy(), color=colours[z], label=z)
        if policy is not None and m in policy.measures:
            start = policy.measures[m].start_month
            ax.axvline(_years(start), color="grey", lw=0.8, ls=":")
        title = titles[m] if len(titles[m]) <= 42 else titles[m][:40] + "…"
        ax.set_title(f"{m}: {title}", fontsize=8.5)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(measures) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("uptake share", fontsize=8)
    for ax in axes.flat[max(0, len(measures) - cols) : len(measures)]:
        ax.set_xlabel("year", fontsize=8)
        ax.tick_params(labelbottom=True)
    handles = [Line2D([], [], color=colours[z], label=z) for z in zones]
    if policy is not None:
        handles.append(Line2D([], [], color="grey", ls=":", label="measure starts"))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False)
    fig.suptitle(
        f"Uptake share (adopted / eligible firms) by measure and zone, {scenario}: "
        f"means of {n_rep} replications; only zones where the measure is on"
    )
    return _save(fig, path)


def headline_kpis(kpis: pd.DataFrame, path: Path) -> Path:
    """Headline KPIs for all zones combined over time: mean over replications with the 95%
    CI of the mean as a band, one colour per scenario."""
    total = with_all_zones(kpis)
    total = total[total["zone"] == ALL_ZONES]
    scenarios = list(dict.fromkeys(kpis["scenario"]))
    n_rep = kpis["replication"].nunique()
    fig = _figure((15, 8))
    axes = fig.subplots(2, 3, sharex=True)
    colours = colormaps["tab10"]
    for ax, (kpi, label) in zip(axes.flat, HEADLINE.items(), strict=True):
        for i, scenario in enumerate(scenarios):
            g = total[total["scenario"] == scenario].groupby("month")[kpi]
            mean, sd, n = g.mean(), g.std(), g.count()
            half = sd / np.sqrt(n) * (n - 1).map(t975)
            x = _years(mean.index)
            ax.plot(x, mean, color=colours(i), label=scenario)
            if n_rep > 1:
                ax.fill_between(x, mean - half, mean + half, color=colours(i), alpha=0.2, lw=0)
        ax.set_title(f"{label}, all zones")
        ax.set_ylabel(f"{kpi} ({unit(kpi)})")
        ax.grid(alpha=0.3)
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    for ax in axes[-1]:
        ax.set_xlabel("year")
    axes.flat[0].legend(title="scenario")
    band = "shaded: 95% CI of the mean" if n_rep > 1 else "one replication, no band"
    fig.suptitle(f"Headline KPIs, all six zones: mean of {n_rep} replications ({band})")
    return _save(fig, path)


ZONE_PANELS = {
    "firms": "firms",
    "revenue_rmb_m": "revenue",
    "floor_stock_m2": "floor stock",
    "rent_rmb_m2_day": "rent",
}


def kpis_by_zone(kpis: pd.DataFrame, path: Path) -> Path:
    """Main KPIs per zone over time: a row per KPI, a column per zone, one line per
    scenario (mean over replications, 95% CI of the mean as a band)."""
    scenarios = list(dict.fromkeys(kpis["scenario"]))
    zones = list(zone_table().index)
    n_rep = kpis["replication"].nunique()
    fig = _figure((3.2 * len(zones), 2.4 * len(ZONE_PANELS)))
    axes = fig.subplots(len(ZONE_PANELS), len(zones), sharex=True, squeeze=False)
    colours = colormaps["tab10"]
    for row, (kpi, label) in enumerate(ZONE_PANELS.items()):
        for col, zone in enumerate(zones):
            ax = axes[row, col]
            in_zone = kpis[kpis["zone"] == zone]
            for i, scenario in enumerate(scenarios):
                g = in_zone[in_zone["scenario"] == scenario].groupby("month")[kpi]
                mean, sd, n = g.mean(), g.std(), g.count()
                x = _years(mean.index)
                ax.plot(x, mean, color=colours(i), label=scenario, lw=1.2)
                if n_rep > 1:
                    half = sd / np.sqrt(n) * (n - 1).map(t975)
                    ax.fill_between(x, mean - half, mean + half, color=colours(i), alpha=0.2, lw=0)
            ax.grid(alpha=0.3)
            ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
            if row == 0:
                ax.set_title(zone)
            if col == 0:
                ax.set_ylabel(f"{label} ({unit(kpi)})")
            if row == len(ZONE_PANELS) - 1:
                ax.set_xlabel("year")
                ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    axes[0, 0].legend(title="scenario", fontsize="small")
    band = "shaded: 95% CI of the mean" if n_rep > 1 else "one replication, no band"
    fig.suptitle(f"Main KPIs by zone: mean of {n_rep} replications ({band})")
    return _save(fig, path)


def uptake_heatmap(
    uptake: pd.DataFrame, scenario: str, path: Path, policy: Policy | None = None
) -> Path:
    """Uptake share at the horizon, measure x zone (mean adopted / mean eligible over
    replications); cells where the measure is off are blank."""
    data = uptake[uptake["scenario"] == scenario]
    horizon = int(data["month"].max())
    means = data[data["month"] == horizon].groupby(["measure", "zone"])
    adopted = means["adopted"].mean().unstack("zone")
    eligible = means["eligible"].mean().unstack("zone")
    titles = measure_table()["title"]
    measures = [m for m in titles.index if m in eligible.index]
    zones = [z for z in zone_table().index if z in eligible.columns]
    eligible = eligible.loc[measures, zones]
    shares = share(adopted.loc[measures, zones], eligible)
    none_eligible = eligible.to_numpy() == 0
    on = _zones_on(policy, data)
    mask = np.array([[z not in on.get(m, ()) for z in zones] for m in measures])
    values = np.ma.masked_array(shares.to_numpy(), mask | none_eligible)

    fig = _figure((9, 0.38 * len(measures) + 2))
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
    year = START + horizon
    ax.set_title(
        f"Uptake share at month {horizon} ({year}), {scenario}\n"
        f"mean adopted / mean eligible of {data['replication'].nunique()} replications\n"
        "grey: measure off in the zone; no elig.: no eligible firm in any replication",
        fontsize=10,
    )
    return _save(fig, path)


def write_figures(out_dir: Path, policies: Mapping[str, Policy] | None = None) -> list[Path]:
    """Read the study's combined tables in ``out_dir`` and write its figures to
    ``out_dir/figures``: the headline KPIs of every scenario, and the uptake figures of the
    first scenario with any measure on. ``policies`` (scenario -> Policy) tells which zones
    each measure is on in; without it, the zones where any firm adopted it. Returns the paths
    written."""
    out_dir = Path(out_dir)
    kpis = pd.read_parquet(out_dir / "zone_kpis.parquet")
    uptake = pd.read_parquet(out_dir / "uptake.parquet")
    fig_dir = out_dir / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    paths = [
        headline_kpis(kpis, fig_dir / "headline_kpis.png"),
        kpis_by_zone(kpis, fig_dir / "kpis_by_zone.png"),
    ]
    if (first := _first_with_measures(uptake, policies)) is not None:
        policy = (policies or {}).get(first)
        paths += [
            uptake_over_time(uptake, first, fig_dir / f"uptake_over_time_{first}.png", policy),
            uptake_heatmap(uptake, first, fig_dir / f"uptake_heatmap_{first}.png", policy),
        ]
    return paths


def _first_with_measures(uptake: pd.DataFrame, policies: Mapping[str, Policy] | None) -> str | None:
    """The first scenario of the study with any measure on (without policies: with any
    adopter); None if there is none."""
    for scenario in dict.fromkeys(uptake["scenario"]):
        policy = (policies or {}).get(scenario)
        if _zones_on(policy, uptake[uptake["scenario"] == scenario]):
            return scenario
    return None


def _thousands(value: float, _pos=None) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def _figure(size: tuple[float, float]) -> Figure:
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    return write_atomic(Path(path), lambda tmp: fig.savefig(tmp, dpi=DPI, format="png"))
