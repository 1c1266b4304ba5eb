"""The dashboard's levers and the model they build.

A lever is a keyword of :class:`DashboardModel` and an input of the dashboard's sidebar:

    rng                   the seed (a whole number)
    far_cap_<zone>        the zone's floor-area ratio cap where measure 10b is on (ratio),
                          parameter ``zone.<zone>.far_cap``
    cash_pool_threshold   the cash pool's (measure 6) eligibility threshold, group domestic
                          revenue (RMB million/yr), ``m6.threshold_domestic_revenue``
    measures              changes to the plan's measures: measure id -> any of
                          ``zones`` (zone ids; none turns the measure off),
                          ``start_month`` (0 = the plan's start month, before the horizon) and
                          ``intensity`` (promotion: multiplies the measure's Bass innovation
                          rate p; within the range of p in the parameter table, see
                          :func:`intensity_range`), as ``Policy.as_dict`` writes them

Everything else is the 2024 plan as shipped (scenarios/plan_2024.toml). Slider ranges and
starting values come from the parameter and measure tables, the seed and horizon from the
plan's scenario file (and so its start month and market path): no number here belongs to the
model.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Collection, Mapping
from functools import cache
from typing import Any

import pandas as pd

from ..model import Policy, ZoneModel, measure_table, parameter_table, zone_table
from ..model.calendar import start_period
from ..studies.scenario_files import SHIPPED, FileScenario, load_scenario

FAR_CAP = "zone.{}.far_cap"  # parameter: the zone's FAR cap where measure 10b is on
CASH_POOL_THRESHOLD = "m6.threshold_domestic_revenue"  # parameter: measure 6 eligibility
BASS_P = "m{}.bass_p"  # parameter: a measure's Bass innovation rate, which intensity multiplies
THRESHOLD_LEVER = "cash_pool_threshold"
SEED_LEVER = "rng"
MEASURES_LEVER = "measures"
MEASURE_KEYS = ("zones", "start_month", "intensity")
SLIDER_POSITIONS = 100  # a slider's step is the power of ten giving at least this many stops


def far_cap_lever(zone: str) -> str:
    """The lever of a zone's FAR cap."""
    return f"far_cap_{zone}"


def zone_ids() -> list[str]:
    """The six zones, in the zone table's order."""
    return list(zone_table().index)


def measure_ids() -> list[str]:
    """The 21 sub-measures, in the measure table's order."""
    return list(measure_table().index)


@cache
def plan_scenario() -> FileScenario:
    """The shipped 2024 plan scenario: the dashboard's policy, seed, horizon, start month
    and market path."""
    return load_scenario(SHIPPED / "plan_2024.toml")


def plan_start() -> pd.Period:
    """Month 0 of the dashboard's runs: the plan scenario's start."""
    return start_period(plan_scenario().start)


def plan_zones(measure_id: str) -> frozenset[str]:
    """Zones where the 2024 plan turns a measure on."""
    return frozenset(Policy.plan_2024().measures[measure_id].zones)


# ---------------------------------------------------------------------- measure settings
def intensity_range(measure_id: str) -> tuple[float, float]:
    """The promotion intensities that keep the measure's Bass innovation rate p within its
    range in the parameter table: (low / value, high / value) of ``m<id>.bass_p``."""
    row = parameter_table().loc[BASS_P.format(measure_id)]
    return row["low"] / row["value"], row["high"] / row["value"]


def plan_setting(measure_id: str) -> dict[str, Any]:
    """A measure as the plan sets it: zones (in zone-table order), start month, intensity 1."""
    setting = Policy.plan_2024().measures[measure_id]
    return {
        "zones": [z for z in zone_ids() if z in setting.zones],
        "start_month": setting.start_month,
        "intensity": setting.intensity,
    }


def setting_of(levers: Mapping[str, Any], measure_id: str) -> dict[str, Any]:
    """A measure's setting under the levers: the plan's, with the levers' changes."""
    return {**plan_setting(measure_id), **levers.get(MEASURES_LEVER, {}).get(measure_id, {})}


def with_setting(levers: Mapping[str, Any], measure_id: str, **changes: Any) -> dict[str, Any]:
    """The levers with one measure's setting changed; a setting equal to the plan's is
    dropped from the changes, so that ``levers["measures"]`` lists only real changes."""
    setting = {**setting_of(levers, measure_id), **changes}
    if "zones" in changes:  # in zone-table order, as plan_setting
        setting["zones"] = [z for z in zone_ids() if z in set(changes["zones"])]
    edits = {m: s for m, s in levers.get(MEASURES_LEVER, {}).items() if m != measure_id}
    if setting != plan_setting(measure_id):
        edits[measure_id] = setting
    return {**levers, MEASURES_LEVER: edits}


def describe_setting(measure_id: str, setting: Mapping[str, Any], start: pd.Period) -> str:
    """One line: where, from when (the month, and its date from the run's ``start``) and how
    strongly a measure applies."""
    zones = list(setting["zones"])
    if not zones:
        return f"{measure_id} off"
    where = "all six zones" if set(zones) == set(zone_ids()) else ", ".join(zones)
    first = int(setting["start_month"])
    line = f"{measure_id} in {where} from month {first} ({start + first})"
    return line + (f", intensity {setting['intensity']:g}" if setting["intensity"] != 1 else "")


# ---------------------------------------------------------------------- lever values
def lever_defaults() -> dict[str, Any]:
    """Every lever at its starting value: table values, the plan's seed, no measure changed."""
    table = parameter_table()["value"]
    levers: dict[str, Any] = {SEED_LEVER: plan_scenario().seed}
    levers |= {far_cap_lever(z): float(table[FAR_CAP.format(z)]) for z in zone_ids()}
    levers[THRESHOLD_LEVER] = float(table[CASH_POOL_THRESHOLD])
    levers[MEASURES_LEVER] = {}
    return levers


def seed_of(value: int | str) -> int:
    """The seed a lever value gives (the seed input is text): a whole number >= 0."""
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(f"seed: {value!r} is not a whole number >= 0")
    return int(text)


def policy_for(levers: Mapping[str, Any], months: int) -> Policy:
    """The 2024 plan with the levers' measure changes, checked by the Policy API (known zones,
    start month and intensity >= 0) and against the horizon ``months`` and the intensity
    range; ValueError naming the lever otherwise."""
    policy = Policy.plan_2024()
    for mid, change in levers.get(MEASURES_LEVER, {}).items():
        where = f"{MEASURES_LEVER}.{mid}"
        if mid not in policy.measures:
            raise ValueError(f"{where}: unknown measure; known: {', '.join(measure_ids())}")
        if unknown := set(change) - set(MEASURE_KEYS):
            raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}; known: {MEASURE_KEYS}")
        setting = {**plan_setting(mid), **change}
        zones, start, intensity = (setting[k] for k in MEASURE_KEYS)
        if isinstance(zones, str) or not isinstance(zones, Collection):
            raise ValueError(f"{where}.zones: {zones!r} is not a list of zones")
        # as in scenario files, a start month set must fall before the horizon (the plan's may not)
        if "start_month" in change and (
            isinstance(start, bool) or not isinstance(start, int) or not 0 <= start < months
        ):
            raise ValueError(
                f"{where}.start_month: {start!r} is not a whole month in [0, {months - 1}] "
                f"(the horizon is {months} months)"
            )
        low, high = intensity_range(mid)
        if isinstance(intensity, bool) or not isinstance(intensity, int | float):
            raise ValueError(f"{where}.intensity: {intensity!r} is not a number")
        if not low <= intensity <= high:
            raise ValueError(
                f"{where}.intensity: {intensity:g} is outside [{low:.3g}, {high:.3g}] "
                f"(the range of {BASS_P.format(mid)} over its value)"
            )
        # the Policy API checks the rest (an unknown zone) with its own message
        policy = policy.with_measure(
            mid,
            enabled=bool(zones),
            zones=frozenset(zones),
            start_month=start,
            intensity=float(intensity),
        )
    return policy


def params_for(levers: Mapping[str, Any]) -> dict[str, float]:
    """The parameter overrides the levers set: each zone's FAR cap, the cash-pool threshold."""
    params = {FAR_CAP.format(z): float(levers[far_cap_lever(z)]) for z in zone_ids()}
    params[CASH_POOL_THRESHOLD] = float(levers[THRESHOLD_LEVER])
    return params


def check_levers(levers: Mapping[str, Any]) -> None:
    """Unknown levers, and parameter levers outside their table range, raise ValueError."""
    if unknown := set(levers) - set(lever_defaults()):
        raise ValueError(f"unknown lever(s) {sorted(unknown)}; known: {sorted(lever_defaults())}")
    table = parameter_table()
    for name, value in params_for({**lever_defaults(), **levers}).items():
        low, high = table.at[name, "low"], table.at[name, "high"]
        if not low <= value <= high:
            raise ValueError(f"{name}: {value} is outside its range [{low}, {high}]")


# ---------------------------------------------------------------------- the model
class DashboardModel(ZoneModel):
    """The 2024 plan with the dashboard's levers applied (see the module docstring).

    Keywords are the levers (missing ones at :func:`lever_defaults`) and ``months``, the
    horizon (default: the plan scenario's). Mesa's ModelController re-creates the model with
    the sidebar's values when Reset is pressed, by calling this class with them as keywords.
    """

    def __init__(self, *, months: int | None = None, **levers: Any):
        check_levers(levers)
        levers = {**lever_defaults(), **levers}
        months = plan_scenario().months if months is None else months
        problem = None
        try:
            levers[SEED_LEVER] = seed_of(levers[SEED_LEVER])
        except ValueError as err:  # typed in the sidebar: shown on the page, not as a traceback
            problem = f"{err}; running with the plan's seed instead"
            levers[SEED_LEVER] = plan_scenario().seed
        super().__init__(
            rng=levers[SEED_LEVER],
            policy=policy_for(levers, months),
            params=params_for(levers),
            months=months,
            start=plan_scenario().start,
            market=plan_scenario().market,
        )
        self.levers = levers
        self.lever_problem = problem  # None, or what was wrong with the levers given

    def step(self) -> None:
        """One month; nothing at the horizon (Mesa's controller steps several months per Step
        without checking ``running`` in between)."""
        if self.running:
            super().step()


def _signature() -> inspect.Signature:
    """DashboardModel's keywords spelled out with their defaults (Mesa's ModelController
    reads them to tell model keywords from scenario fields)."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    defaults = {"months": None, **lever_defaults()}
    return inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(name, keyword, default=value) for name, value in defaults.items()]
    )


DashboardModel.__init__.__signature__ = _signature()


# ---------------------------------------------------------------------- slider ranges
def slider_step(low: float, high: float) -> float:
    """A slider's step: the largest power of ten giving at least SLIDER_POSITIONS stops."""
    return 10.0 ** math.floor(math.log10((high - low) / SLIDER_POSITIONS))


def decimals(step: float) -> int:
    """Digits after the point that show a value on a slider of this step."""
    return max(0, -math.floor(math.log10(step) + 1e-9))


def parameter_slider(name: str) -> dict[str, Any]:
    """A float slider over a parameter's table range, starting at its value: min, max,
    step, value and unit."""
    row = parameter_table().loc[name]
    return {
        "min": float(row["low"]),
        "max": float(row["high"]),
        "step": slider_step(row["low"], row["high"]),
        "value": float(row["value"]),
        "unit": str(row["unit"]),
    }


def intensity_slider(measure_id: str) -> dict[str, float]:
    """The intensity slider of a measure: :func:`intensity_range` narrowed to whole steps,
    so that its stops include 1 (as planned)."""
    low, high = intensity_range(measure_id)
    step = slider_step(low, high)
    places = decimals(step)
    return {
        "min": round(math.ceil(low / step) * step, places),
        "max": round(math.floor(high / step) * step, places),
        "step": step,
    }
