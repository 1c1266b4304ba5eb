"""Figures of the calibration and of the validation report. Each function returns a
matplotlib Figure (drawn without pyplot, like zonesim.studies.plots)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..model.calendar import MONTHS_PER_YEAR
from ..studies.plots import new_figure, panels, save
from .patterns import CASH_POOL_MONTHS, NATIONAL_POOLS, bass_share, uptake_classes

# JLL Shanghai logistics/industrial in 2024 (mechanisms.md §3.3): vacancy from 16.6% to
# 25.7% (mean about 21.2%), rent -7.8% like-for-like
JLL_2024_VACANCY, JLL_2024_RENT_CHANGE = (0.166 + 0.257) / 2, -0.078
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


def rent_vacancy_figure(
    years: pd.DataFrame, slope: float, band: tuple[float, float], target_vacancy: float
) -> Figure:
    """Zone-years: rent change over the year against the mean vacancy gap, the fitted slope,
    the published band of slopes and the JLL 2024 year."""
    fig = new_figure((6.5, 4.2))
    ax = fig.subplots()
    ax.scatter(years["vacancy_gap"], years["rent_change"], s=5, color=MODEL, alpha=0.35,
               label="model zone-years")  # fmt: skip
    x = np.linspace(min(years["vacancy_gap"].min(), -0.12), max(years["vacancy_gap"].max(), 0.1))
    ax.plot(x, slope * x, color=MODEL, label=f"model slope {slope:.2f}")
    ax.fill_between(x, band[0] * x, band[1] * x, color=BAND, alpha=0.5, lw=0,
                    label=f"published slope {band[0]:g}-{band[1]:g}")  # fmt: skip
    ax.scatter([target_vacancy - JLL_2024_VACANCY], [JLL_2024_RENT_CHANGE], color=OBSERVED,
               zorder=3, label="JLL Shanghai 2024")  # fmt: skip
    ax.axhline(0, color="black", lw=0.5)
    ax.axvline(0, color="black", lw=0.5)
    ax.set_xlabel("mean vacancy gap over the year (target - vacancy)")
    ax.set_ylabel("rent change over the year")
    ax.legend(fontsize=8)
    ax.set_title("Rent response to vacancy")
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
