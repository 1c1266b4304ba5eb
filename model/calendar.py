"""The model's calendar: a monthly step from a scenario's start month, the default run, and
the market paths a run can follow after the end of the market record."""

import re

import pandas as pd

MONTHS_PER_YEAR = 12  # rates in the parameter table are annual, the step is a month
DEFAULT_START = "2024-09"  # month 0 unless a scenario sets another: the plan's publication
DEFAULT_MONTHS = 120  # horizon of a run unless a scenario sets another: ten years
DEFAULT_SEED = 20240821  # root seed of a study unless a scenario sets another (the plan's date)

# The months a run may start in. The model starts from the market record (JLL Shanghai,
# quarterly, 2022-Q4 to 2024-Q4): a run cannot start before its first quarter. The last is
# the end of the century: far past any plan, and a start there plus the longest horizon
# (MAX_MONTHS) keeps the tables' dates within pandas' Timestamp range (to 2262).
FIRST_START = "2022-12"
LAST_START = "2099-12"
_YEAR_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")

# What Shanghai's market rent does after the market record ends (2024-12): "flat" stays at its
# last value; "glut" keeps market vacancy at its last recorded level for market.glut_years,
# then returns it to its natural level; "recovery" returns vacancy to its natural level over
# market.recovery_years. Rent follows vacancy through the fitted rent equation.
MARKET_PATHS = ("flat", "glut", "recovery")
DEFAULT_MARKET = "recovery"

# The longest horizon the model runs, a century; nothing lifts it. Firm revenue compounds
# (Gibrat drift), and past about two centuries the model's numbers overflow: measured, with
# every sector's growth_drift at the top of its range, 2,400 months end in "lam value too
# large" (at the table's values, 3,000 do), while 1,200 run. It also keeps the tables' dates
# within pandas' Timestamp range (to 2262) and one run's recorder arrays small (about 10 kB
# a month, 12 MB at this horizon; 10^11 months asked for hundreds of TiB).
MAX_MONTHS = 1_200


def start_period(start: str) -> pd.Period:
    """Month 0 of a run that starts at ``start`` ("YYYY-MM", FIRST_START to LAST_START), a
    monthly Period; ValueError for anything else."""
    if not (
        isinstance(start, str)
        and _YEAR_MONTH.fullmatch(start)
        and FIRST_START <= start <= LAST_START  # "YYYY-MM" sorts as the months do
    ):
        shown = repr(start) if isinstance(start, str) else f"{type(start).__name__} {start}"
        raise ValueError(
            f'must be a month "YYYY-MM" from {FIRST_START} to {LAST_START}, got {shown}'
        )
    return pd.Period(start, freq="M")
