"""The model's calendar: a monthly step from 2024-09."""

import pandas as pd

MONTHS = 12  # per year: rates in the parameter table are annual, the step is a month
START = pd.Period("2024-09", freq="M")  # month 0, the state before the first step
