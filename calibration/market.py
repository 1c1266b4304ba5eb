"""The market rent equation fitted on the record to 2024-03, and its forecast of the rest of
2024, which the fit never saw.

The model's market rent M follows the market vacancy V through (model/market.py)

    d ln M / dt = lambda x (v* - V)     (per year; lambda = market.rent_lambda,
                                          v* = market.natural_vacancy),

applied month by month on each month's mean vacancy (:func:`rent_by_equation`). Between two
months t0 < t1 with a recorded rent this gives exactly

    12 / (t1 - t0) x ln(M1 / M0) = lambda v* - lambda x Vbar,

where Vbar is the mean, over the interval's months, of each month's mean vacancy on the
record's vacancy path (straight lines between quarter ends: :func:`monthly_record`). So the
fit is a weighted least-squares line of the annualised log rent change on Vbar over each pair
of consecutive months with a recorded rent up to :data:`FIT_END`: slope -lambda, intercept
lambda v*. This is the equation's own least-squares fit to the recorded rents, not an
approximation of it. Each interval is weighted by its length in months, so that a six-month
change counts as much as two three-month ones. On the JLL record (2022-12, 2023-06, 2023-12,
2024-03) that is three intervals of 6, 6 and 3 months for two parameters: the fit is
exactly determined by little data, and its grade is D.

The forecast starts from the recorded rent of 2024-03 and runs the equation, with the fitted
values, on the record's vacancy path to 2024-12. No recorded rent after 2024-03 enters it.
The vacancy after 2024-03 does: the forecast is conditional on the market's vacancy (as the
model's is on a scenario's market path), and the record has no vacancy between 2024-03 and
2024-12, so that stretch is a straight line between the two quarter ends.

    done = fit_market(Parameters())
    done.rent_lambda, done.natural_vacancy      # the fit
    done.forecast                               # rent by month, 2024-03 .. 2024-12
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.calendar import MONTHS_PER_YEAR
from ..model.market import monthly_record, record, rent_by_equation

FIT_END = pd.Period("2024-03", freq="M")  # the last recorded month the fit sees
FORECAST_END = pd.Period("2024-12", freq="M")
LAMBDA, NATURAL = "market.rent_lambda", "market.natural_vacancy"
# where each fitted row's range comes from (the fit does not set the ranges)
RANGE_SOURCES = {
    LAMBDA: "range: shared/reference/mechanisms.md §3.3, lambda 0.75-1.5 from the 2024 record, "
    "widened to 2 (G)",
    NATURAL: "range: shared/reference/mechanisms.md §3.3, v* 10-15% (JLL), widened to 16% (G)",
}
# the out-of-sample patterns (calibration/data/targets.csv) and the month each forecasts
FORECAST_PATTERNS = {
    "market.rent_forecast_2024q3": pd.Period("2024-09", freq="M"),
    "market.rent_forecast_2024q4": FORECAST_END,
}


def rent_intervals(prm: Mapping[str, float], end: pd.Period = FIT_END) -> pd.DataFrame:
    """One row per pair of consecutive recorded rents up to ``end``: start, end (months),
    months, growth (annualised log rent change, 1/yr) and vacancy (Vbar, the interval's mean
    of each month's mean vacancy on the record's path)."""
    rents = record(prm)["rent"].dropna().loc[:end]
    vacancy = monthly_record(prm)["vacancy"]
    rows = []
    for (t0, m0), (t1, m1) in zip(rents.items(), list(rents.items())[1:], strict=False):
        months = (t1 - t0).n
        path = vacancy.loc[t0:t1].to_numpy()
        rows.append(
            {
                "start": t0,
                "end": t1,
                "months": months,
                "growth": MONTHS_PER_YEAR / months * np.log(m1 / m0),
                "vacancy": float(((path[1:] + path[:-1]) / 2).mean()),
            }
        )
    return pd.DataFrame(rows)


def fit_rent_equation(intervals: pd.DataFrame) -> tuple[float, float]:
    """(lambda, v*) from the weighted least-squares line of growth on vacancy, each interval
    weighted by its months. ValueError when there are fewer than two intervals, their
    vacancies are all the same, or rent does not fall as vacancy rises (lambda <= 0)."""
    if len(intervals) < 2 or intervals["vacancy"].nunique() < 2:
        raise ValueError(
            "the market fit needs at least two rent intervals with different vacancies, "
            f"got {len(intervals)}"
        )
    x, y = intervals["vacancy"].to_numpy(), intervals["growth"].to_numpy()
    w = intervals["months"].to_numpy(dtype=float)
    # polyfit's weights multiply the residuals, so sqrt(months) weights squares by months
    slope, intercept = np.polyfit(x, y, 1, w=np.sqrt(w))
    if slope >= 0:
        raise ValueError("in the record, rent does not fall as vacancy rises; no fit")
    rent_lambda = -float(slope)
    return rent_lambda, float(intercept) / rent_lambda


def forecast(
    prm: Mapping[str, float],
    rent_lambda: float,
    natural_vacancy: float,
    start: pd.Period = FIT_END,
    end: pd.Period = FORECAST_END,
) -> pd.Series:
    """Market rent (RMB/m²/day) by month from ``start`` to ``end``: the recorded rent of
    ``start``, then the rent equation on the record's monthly vacancy path."""
    rent0 = record(prm).at[start, "rent"]
    if pd.isna(rent0):
        raise ValueError(f"the market record has no rent for {start}")
    vacancy = monthly_record(prm)["vacancy"].loc[start:end]
    if vacancy.index[-1] != end:
        raise ValueError(f"the market record's vacancy ends before {end}")
    path = rent_by_equation(rent0, vacancy.to_numpy(), rent_lambda, natural_vacancy)
    return pd.Series(path, index=vacancy.index, name="rent")


@dataclass(frozen=True)
class MarketFit:
    """The fit (unrounded), the intervals it was fitted on, and the forecast it gives."""

    rent_lambda: float
    natural_vacancy: float
    intervals: pd.DataFrame
    forecast: pd.Series


def fit_market(prm: Mapping[str, float]) -> MarketFit:
    """Fit on the record to FIT_END, then forecast to FORECAST_END with the fitted values."""
    intervals = rent_intervals(prm)
    rent_lambda, natural = fit_rent_equation(intervals)
    return MarketFit(rent_lambda, natural, intervals, forecast(prm, rent_lambda, natural))


def rounded(fit: MarketFit) -> dict[str, float]:
    """The fitted values as the parameter table holds them: lambda to two significant
    figures, v* to a tenth of a point (three intervals pin down no more)."""
    return {LAMBDA: float(f"{fit.rent_lambda:.2g}"), NATURAL: round(fit.natural_vacancy, 3)}


def fitted_rows(fit: MarketFit) -> pd.DataFrame:
    """The parameter-table rows the fit gives: name, value, grade D, source."""
    spans = ", ".join(f"{r.start}..{r.end} ({r.months} months)" for r in fit.intervals.itertuples())
    source = (
        "zonesim calibrate --target market: weighted least squares of the annualised log "
        "change of the JLL Shanghai logistics rent (market.<month>.rent) on the mean market "
        f"vacancy over each interval between recorded rents up to {FIT_END}: {spans}, each "
        "weighted by its months; vacancy between quarter ends interpolated; the record after "
        f"{FIT_END} held out for the forecast (docs/VALIDATION.md); lambda "
        f"{fit.rent_lambda:.4g}, v* {fit.natural_vacancy:.4g} before rounding"
    )
    return pd.DataFrame(
        [
            {"name": n, "value": v, "grade": "D", "source": f"{source}; {RANGE_SOURCES[n]}"}
            for n, v in rounded(fit).items()
        ]
    )


def forecast_statistics(prm: Mapping[str, float]) -> dict[str, float]:
    """The out-of-sample patterns' values: the forecast rent of each pattern's month, from
    the parameter table's lambda and v* (the values the model runs with)."""
    path = forecast(prm, prm[LAMBDA], prm[NATURAL], end=max(FORECAST_PATTERNS.values()))
    return {name: float(path[month]) for name, month in FORECAST_PATTERNS.items()}
