"""Shanghai's industrial space market: the rent and vacancy every zone's rent is anchored to.

The record is JLL's Shanghai logistics/industrial series at quarter ends from 2022-12 to
2024-12 (parameters ``market.<YYYY-MM>.rent`` and ``.vacancy``), read month by month with
straight lines between the quarter ends. While a run is inside the record the market follows
it. After the record a scenario's market path takes over: the market vacancy V follows the
path, and the market rent M follows vacancy through the rent equation

    d ln M / dt = market.rent_lambda x (market.natural_vacancy - V)     (per year),

whose two parameters calibration.market fits on the record up to 2024-03, leaving the rest of
2024 as a forecast to check. Paths (``MARKET_PATHS``):

- ``flat``: the market stays as the record left it, rent and vacancy;
- ``glut``: vacancy stays at its last recorded level for ``market.glut_years``, then returns
  in a straight line to its natural level over ``market.recovery_years``;
- ``recovery``: vacancy returns in a straight line to its natural level over
  ``market.recovery_years`` from the end of the record.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .calendar import MARKET_PATHS, MONTHS_PER_YEAR
from .parameters import Parameters

# The citywide up-the-floors programme's measures took effect on 20 Sep 2023
# (shared/reference/market_and_zones.md §2; zones_facts.md §5).
PROGRAMME_LAUNCH = pd.Period("2023-09", freq="M")
_RECORD = re.compile(r"^market\.(\d{4}-\d{2})\.(rent|vacancy)$")


# The record is read with plain arrays, the frames below built from them: every model run
# reads it, and pandas' dated frames cost more than a month of the run.


def _quarter_ends(prm: Parameters) -> tuple[list[str], dict[str, np.ndarray]]:
    """The record's quarter ends ("YYYY-MM", in order) and its ``rent`` and ``vacancy`` at
    each, NaN where the source gives only one of them."""
    found: dict[str, dict[str, float]] = {}
    for name, value in prm.items():
        match = _RECORD.match(name)
        if match:
            found.setdefault(match[1], {})[match[2]] = value
    dates = sorted(found)  # "YYYY-MM" sorts in time order
    return dates, {
        column: np.array([found[d].get(column, np.nan) for d in dates])
        for column in ("rent", "vacancy")
    }


def record(prm: Parameters) -> pd.DataFrame:
    """The market record: one row per quarter end (a monthly Period index), columns ``rent``
    (RMB/m²/day) and ``vacancy`` (share), NaN where the source gives only one of them."""
    dates, columns = _quarter_ends(prm)
    return pd.DataFrame(columns, index=pd.PeriodIndex(dates, freq="M"))


def monthly_series(prm: Parameters) -> tuple[pd.Period, dict[str, np.ndarray]]:
    """The record's first month, and its ``rent`` and ``vacancy`` month by month from then
    to its last quarter end, each a straight line between the months that give it."""
    dates, columns = _quarter_ends(prm)
    month = np.array([int(d[:4]) * MONTHS_PER_YEAR + int(d[5:]) for d in dates])
    position = month - month[0]
    months = np.arange(position[-1] + 1)
    lines = {}
    for column, values in columns.items():
        known = ~np.isnan(values)
        lines[column] = np.interp(months, position[known], values[known])
    return pd.Period(dates[0], freq="M"), lines


def monthly_record(prm: Parameters) -> pd.DataFrame:
    """:func:`monthly_series` as a frame with a monthly Period index."""
    first, lines = monthly_series(prm)
    months = pd.period_range(first, periods=len(lines["rent"]), freq="M")
    return pd.DataFrame(lines, index=months)


def rent_by_equation(
    rent0: float, vacancy: np.ndarray, rent_lambda: float, natural_vacancy: float
) -> np.ndarray:
    """Market rent month by month from ``rent0`` (RMB/m²/day) given the market vacancy of each
    month (``vacancy[0]`` is the first month's): each month the log rent moves by
    rent_lambda x (natural_vacancy - the month's mean vacancy) / 12."""
    mean_vacancy = (vacancy[1:] + vacancy[:-1]) / 2
    steps = rent_lambda * (natural_vacancy - mean_vacancy) / MONTHS_PER_YEAR
    return rent0 * np.exp(np.r_[0.0, np.cumsum(steps)])


def vacancy_after_record(prm: Parameters, path: str, last: float, months: int) -> np.ndarray:
    """Market vacancy for ``months`` months after the record ends (the record's last month is
    month 0, vacancy ``last``) under ``path``."""
    if path not in MARKET_PATHS:
        raise ValueError(f"unknown market path {path!r}; one of {', '.join(MARKET_PATHS)}")
    t = np.arange(months + 1) / MONTHS_PER_YEAR  # years after the record
    natural = prm["market.natural_vacancy"]
    if path == "flat":
        return np.full(months + 1, last)
    hold = prm["market.glut_years"] if path == "glut" else 0.0
    progress = np.clip((t - hold) / prm["market.recovery_years"], 0.0, 1.0)
    return last + (natural - last) * progress


class MarketPath:
    """Shanghai's market rent (RMB/m²/day) and vacancy (share) for each month of a run.

    Parameters
    ----------
    prm : Parameters
    start : the run's month 0
    months : the run's horizon, months
    path : one of MARKET_PATHS, the market after the record ends
    """

    def __init__(self, prm: Parameters, start: pd.Period, months: int, path: str):
        first, history = monthly_series(prm)
        end = first + len(history["rent"]) - 1
        if start < first:
            raise ValueError(f"start {start} is before the market record begins ({first})")
        last_month = start + months
        after = max((last_month - end).n, 0)
        vacancy = vacancy_after_record(prm, path, history["vacancy"][-1], after)
        if path == "flat":
            rent = np.full(after + 1, history["rent"][-1])
        else:
            rent = rent_by_equation(
                history["rent"][-1],
                vacancy,
                prm["market.rent_lambda"],
                prm["market.natural_vacancy"],
            )
        # the record then the path, month by month from the record's first month; the run's
        # months are a slice of it
        run = slice((start - first).n, (last_month - first).n + 1)
        self.rent = np.concatenate([history["rent"], rent[1:]])[run]
        self.vacancy = np.concatenate([history["vacancy"], vacancy[1:]])[run]
