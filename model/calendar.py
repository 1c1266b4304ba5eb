"""The model's calendar: a monthly step from 2024-09, and the default run."""

import pandas as pd

MONTHS_PER_YEAR = 12  # rates in the parameter table are annual, the step is a month
START = pd.Period("2024-09", freq="M")  # month 0, the state before the first step
DEFAULT_MONTHS = 120  # horizon of a run unless a scenario sets another: ten years
DEFAULT_SEED = 20240821  # root seed of a study unless a scenario sets another (the plan's date)

# The longest horizon the model runs, a century; nothing lifts it. Firm revenue compounds
# (Gibrat drift), and past about two centuries the model's numbers overflow: measured, with
# every sector's growth_drift at the top of its range, 2,400 months end in "lam value too
# large" (at the table's values, 3,000 do), while 1,200 run. It also keeps the tables' dates
# within pandas' Timestamp range (to 2262) and one run's recorder arrays small (about 10 kB
# a month, 12 MB at this horizon; 10^11 months asked for hundreds of TiB).
MAX_MONTHS = 1_200
