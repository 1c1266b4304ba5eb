"""Figures of the calibration and of the validation report. Each function returns a
matplotlib Figure (drawn without pyplot, like zonesim.studies.plots)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ..model.calendar import MONTHS_PER_YEAR
from ..model.market import monthly_record, record
from ..studies.plots import new_figure, panels, save
from . import market
from .patterns import CASH_POOL_MONTHS, NATIONAL_POOLS, bass_share, targets, uptake_classes

MODEL = "#1f77b4"
OBSERVED = "#d62728"
BAND = "#bbbbbb"


def _class_band(ax, name: str, months: np.ndarray) -> None:
    """Shade the Bass band of class ``name`` over ``months`` since start."""
    c = uptake_classes().loc[name]
    years = months / MONTHS_PER_YEAR
    low, high = bass_share(years, c.p_low, c.q_low), bass_share(years, c.p_high, c.q_high)
    label = f"Bass band (p {c.p_low:g}-{c.p_high:g}, q {c.q_low:g}-{c.q_high:g})"
    ax.fill_between(months, low, high, color=BAND, alpha=0.6, lw=0, label=label)


def posterior_figure(draws: pd.DataFrame, stats: pd.DataFrame, post: pd.DataFrame) -> Figure:
    """Per knob: all samples (the prior) and the accepted ones, the table's value and the
    fitted median."""
    fig, axes = panels(len(post), (3.6, 2.8))
    kept = draws.loc[stats.index[stats["accepted"]].intersection(draws.index)]
    for ax, row in zip(axes, post.itertuples(), strict=True):
        bins = np.linspace(row.prior_low, row.prior_high, 16)
        ax.hist(draws[row.knob], bins=bins, color=BAND, label="all samples (prior)")
        ax.hist(kept[row.knob], bins=bins, color=MODEL, label="accepted")
        ax.axvline(row.table, color="black", ls=":", label="table before the fit")
        ax.axvline(row.median, color=OBSERVED, label="fitted (median)")
        ax.set_title(row.knob, fontsize=10)
    axes[0].legend(fontsize=7)
    fig.suptitle("Calibration: where the accepted samples lie in each prior range")
    return fig


def calibration_uptake_figure(stats: pd.DataFrame, bands: pd.DataFrame) -> Figure:
    """Per class of measure: the Bass band over months since start, every sample's pooled
    uptake share at the comparison months (accepted ones darker), and the table's point."""
    classes = list(bands["uptake_class"].unique())
    fig, axes = panels(len(classes), (3.8, 3.0))
    months = np.arange(0, bands["months"].max() + 1)
    for ax, name in zip(axes, classes, strict=True):
        _class_band(ax, name, months)
        for m in sorted(bands["months"].unique()):
            column = f"{name}@{m}"
            rest = stats[~stats["accepted"]]
            ax.scatter(np.full(len(rest), m), rest[column], s=6, color=BAND, zorder=2)
            best = stats[stats["accepted"]]
            first = m == bands["months"].min()
            ax.scatter(np.full(len(best), m), best[column], s=10, color=MODEL, zorder=3,
                       label="accepted samples" if first else None)  # fmt: skip
            if "table" in stats.index:
                ax.scatter([m], [stats.at["table", column]], marker="x", color="black",
                           zorder=4, label="table before the fit" if first else None)  # fmt: skip
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("months the measure has been live")
        ax.set_ylabel("share of eligible firms adopted")
    axes[0].legend(fontsize=7)
    return fig


def save_calibration(
    draws: pd.DataFrame, stats: pd.DataFrame, post: pd.DataFrame, bands: pd.DataFrame,
    folder: Path,
) -> list[Path]:  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    return [
        save(posterior_figure(draws, stats, post), folder / "calibration_posterior.png"),
        save(calibration_uptake_figure(stats, bands), folder / "calibration_uptake.png"),
    ]


# ---------------------------------------------------------------------- validation figures
def uptake_classes_figure(curves: pd.DataFrame) -> Figure:
    """Per class: the model's pooled uptake share by month since start (mean and the range
    over runs) against the class's Bass band. ``curves``: uptake_class, months,
    replication, share."""
    classes = list(uptake_classes().index)
    fig, axes = panels(len(classes), (3.8, 3.0))
    for ax, name in zip(axes, classes, strict=True):
        rows = curves[curves["uptake_class"] == name]
        months = np.sort(rows["months"].unique())
        _class_band(ax, name, months)
        by = rows.groupby("months")["share"]
        ax.fill_between(months, by.min(), by.max(), color=MODEL, alpha=0.25, lw=0,
                        label="model: range over runs")  # fmt: skip
        ax.plot(months, by.mean(), color=MODEL, label="model: mean")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("months the measure has been live")
        ax.set_ylabel("share of eligible firms adopted")
    axes[0].legend(fontsize=7)
    fig.suptitle("Uptake speed by class of measure against the published Bass ranges")
    return fig


def cash_pool_figure(adopters: pd.Series) -> Figure:
    """The model's cash-pool adopters by months live (summed over runs), scaled to match
    the first national count, against the national counts."""
    fig = new_figure((6.5, 3.8))
    ax = fig.subplots()
    (first, second), (before, after) = CASH_POOL_MONTHS, NATIONAL_POOLS
    scale = before / adopters[first] if adopters.get(first, 0) > 0 else np.nan
    ax.plot(adopters.index, adopters.to_numpy() * scale, color=MODEL,
            label=f"model, scaled to {before} at month {first}")  # fmt: skip
    ax.scatter([first, second], [before, after], color=OBSERVED, zorder=3,
               label=f"national pools: {before} (end 2024), {after} (Sep 2025)")  # fmt: skip
    ax.set_xlabel("months live")
    ax.set_ylabel("groups using a cash pool")
    ax.legend(fontsize=8)
    ax.set_title("Cash pool: shape of uptake")
    return fig


def market_forecast_figure(prm: Mapping[str, float]) -> Figure:
    """The market record (rent and vacancy at quarter ends), the fit window shaded, the rent
    equation run over it from the first recorded rent (in sample), and the forecast from
    2024-03 against the held-out rents with the patterns' bands; all with the parameter
    table's lambda and v*. Below: the vacancy path both run on."""
    quarters, monthly = record(prm), monthly_record(prm)
    rent_lambda, natural = prm[market.LAMBDA], prm[market.NATURAL]
    first = quarters.index[0]
    inside = market.forecast(prm, rent_lambda, natural, start=first, end=market.FIT_END)
    ahead = market.forecast(prm, rent_lambda, natural)
    rents = quarters["rent"].dropna()
    seen, held = rents.loc[: market.FIT_END], rents.loc[market.FIT_END + 1 :]
    bands = targets().loc[list(market.FORECAST_PATTERNS), ["low", "high"]].astype(float)

    def at(index: pd.PeriodIndex) -> pd.DatetimeIndex:
        return index.to_timestamp(how="start")

    fig = new_figure((7, 5.6))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    window = (at(pd.PeriodIndex([first]))[0], at(pd.PeriodIndex([market.FIT_END]))[0])
    for ax in (top, bottom):
        ax.axvspan(*window, color=BAND, alpha=0.35, lw=0)
    top.plot(at(inside.index), inside, color=MODEL, ls="--", label="rent equation, in sample")
    top.plot(at(ahead.index), ahead, color=MODEL, label="forecast from 2024-03 (out of sample)")
    top.scatter(at(seen.index), seen, color="black", zorder=3, label="JLL record, fitted")
    for month, (low, high) in zip(market.FORECAST_PATTERNS.values(), bands.to_numpy(),
                                  strict=True):  # fmt: skip
        x = at(pd.PeriodIndex([month]))[0]
        top.plot([x, x], [low, high], color=OBSERVED, lw=6, alpha=0.3, solid_capstyle="butt")
    top.scatter(at(held.index), held, color=OBSERVED, zorder=3,
                label="JLL record, held out (band ±5%)")  # fmt: skip
    top.set_ylabel("market rent, RMB/m²/day")
    top.set_title(
        f"Market rent: fitted to {market.FIT_END} (shaded), forecast to {market.FORECAST_END}"
        f"\n(lambda {rent_lambda:g} a year, v* {natural:.1%})",
        fontsize=10,
    )
    top.legend(fontsize=7, loc="lower left")
    vacancy = monthly["vacancy"]
    known = quarters["vacancy"].dropna()
    gap = vacancy.loc[market.FIT_END : known.index[known.index > market.FIT_END][0]]
    bottom.plot(at(vacancy.index), vacancy, color="black", lw=1, label="record, month by month")
    bottom.plot(at(gap.index), gap, color=OBSERVED, lw=2, ls=":",
                label="interpolated: no quarter recorded")  # fmt: skip
    bottom.scatter(at(known.index), known, color="black", s=12, zorder=3)
    bottom.axhline(natural, color=MODEL, lw=0.8, ls="--", label="natural vacancy v* (fitted)")
    bottom.set_ylabel("market vacancy")
    bottom.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    bottom.legend(fontsize=7, loc="upper left")
    return fig


def demography_figure(years: pd.DataFrame, band: tuple[float, float]) -> Figure:
    """Birth and death rates by year (mean and range over runs) against the published band."""
    fig = new_figure((6.5, 3.8))
    ax = fig.subplots()
    ax.axhspan(*band, color=BAND, alpha=0.5, lw=0, label="published range (Eurostat, about 9%)")
    for column, colour, label in (
        ("birth_rate", MODEL, "births"),
        ("death_rate", OBSERVED, "deaths"),
    ):
        by = years.groupby("year")[column]
        ax.fill_between(by.mean().index, by.min(), by.max(), color=colour, alpha=0.2, lw=0)
        ax.plot(by.mean().index, by.mean(), color=colour, marker="o", label=f"model {label}")
    ax.set_xlabel("year of the run")
    ax.set_ylabel("per firm and year")
    ax.legend(fontsize=8)
    ax.set_title("Firm births and deaths, baseline")
    return fig
