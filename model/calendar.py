"""The model's calendar: a monthly step from 2024-09, and the default run."""

import pandas as pd

MONTHS_PER_YEAR = 12  # rates in the parameter table are annual, the step is a month
START = pd.Period("2024-09", freq="M")  # month 0, the state before the first step
DEFAULT_MONTHS = 120  # horizon of a run unless a scenario sets another: ten years
DEFAULT_SEED = 20240821  # root seed of a study unless a scenario sets another (the plan's date)
