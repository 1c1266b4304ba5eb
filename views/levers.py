"""The dashboard's levers and the model they build.

A lever is a keyword of :class:`DashboardModel` and an input of the dashboard's sidebar:

    rng                         the seed (a whole number)
    far_cap_<zone>              the zone's floor-area ratio cap where measure 10b is on (ratio),
                                parameter ``zone.<zone>.far_cap``
    cash_pool_threshold         the cash pool's (measure 6) eligibility threshold, group
                                domestic revenue (RMB million/yr), ``m6.threshold_domestic_revenue``
    return_centre_<zone>        the e-commerce return centre warehouse (measure 2a) on in the zone

Everything else is the 2024 plan as shipped (scenarios/plan_2024.toml). Slider ranges and
starting values come from the parameter table, the seed and horizon from the plan's scenario
file: no number here belongs to the model.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from functools import cache
from typing import Any

from ..model import FAR_MEASURE, Policy, ZoneModel, parameter_table, zone_table
from ..studies.scenario_files import SHIPPED, FileScenario, load_scenario

FAR_CAP = "zone.{}.far_cap"  # parameter: the zone's FAR cap where measure 10b is on
CASH_POOL_THRESHOLD = "m6.threshold_domestic_revenue"  # parameter: measure 6 eligibility
RETURN_CENTRE = "2a"  # measure: the e-commerce return centre warehouse
THRESHOLD_LEVER = "cash_pool_threshold"
SEED_LEVER = "rng"
SLIDER_POSITIONS = 100  # a slider's step is the power of ten giving at least this many stops


def far_cap_lever(zone: str) -> str:
    """The lever of a zone's FAR cap."""
    return f"far_cap_{zone}"


def return_centre_lever(zone: str) -> str:
    """The lever switching measure 2a in a zone."""
    return f"return_centre_{zone}"


def zone_ids() -> list[str]:
    """The six zones, in the zone table's order."""
    return list(zone_table().index)


@cache
def plan_scenario() -> FileScenario:
    """The shipped 2024 plan scenario: the dashboard's policy, seed and horizon."""
    return load_scenario(SHIPPED / "plan_2024.toml")


def plan_zones(measure_id: str) -> frozenset[str]:
    """Zones where the 2024 plan turns a measure on."""
    return frozenset(Policy.plan_2024().measures[measure_id].zones)


# ---------------------------------------------------------------------- lever values
def lever_defaults() -> dict[str, Any]:
    """Every lever at its starting value: table values, the plan's 2a zones, the plan's seed."""
    table, on = parameter_table()["value"], plan_zones(RETURN_CENTRE)
    levers: dict[str, Any] = {SEED_LEVER: plan_scenario().seed}
    levers |= {far_cap_lever(z): float(table[FAR_CAP.format(z)]) for z in zone_ids()}
    levers[THRESHOLD_LEVER] = float(table[CASH_POOL_THRESHOLD])
    levers |= {return_centre_lever(z): z in on for z in zone_ids()}
    return levers


def seed_of(value: int | str) -> int:
    """The seed a lever value gives (the seed input is text): a whole number >= 0."""
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(f"seed: {value!r} is not a whole number >= 0")
    return int(text)


def policy_for(levers: Mapping[str, Any]) -> Policy:
    """The 2024 plan with measure 2a in the zones whose lever is on (off with none)."""
    zones = frozenset(z for z in zone_ids() if levers[return_centre_lever(z)])
    return Policy.plan_2024().with_measure(RETURN_CENTRE, enabled=bool(zones), zones=zones)


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
    horizon (default: the plan scenario's). SolaraViz re-creates the model with the sidebar's
    values when Reset is pressed, by calling this class with them as keywords.
    """

    def __init__(self, *, months: int | None = None, **levers: Any):
        check_levers(levers)
        levers = {**lever_defaults(), **levers}
        problem = None
        try:
            levers[SEED_LEVER] = seed_of(levers[SEED_LEVER])
        except ValueError as err:  # typed in the sidebar: shown on the page, not as a traceback
            problem = f"{err}; running with the plan's seed instead"
            levers[SEED_LEVER] = plan_scenario().seed
        super().__init__(
            rng=levers[SEED_LEVER],
            policy=policy_for(levers),
            params=params_for(levers),
            months=plan_scenario().months if months is None else months,
        )
        self.levers = levers
        self.lever_problem = problem  # None, or what was wrong with the levers given


def _signature() -> inspect.Signature:
    """DashboardModel's keywords spelled out with their defaults (Mesa checks the sidebar's
    inputs against them)."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    defaults = {"months": None, **lever_defaults()}
    return inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(name, keyword, default=value) for name, value in defaults.items()]
    )


DashboardModel.__init__.__signature__ = _signature()


# ---------------------------------------------------------------------- sidebar inputs
def slider_step(low: float, high: float) -> float:
    """A slider's step: the largest power of ten giving at least SLIDER_POSITIONS stops."""
    return 10.0 ** math.floor(math.log10((high - low) / SLIDER_POSITIONS))


def parameter_slider(name: str, label: str) -> dict[str, Any]:
    """A SolaraViz float slider over a parameter's table range, starting at its value."""
    row = parameter_table().loc[name]
    return {
        "type": "SliderFloat",
        "label": f"{label} ({row['unit']})",
        "value": float(row["value"]),
        "min": float(row["low"]),
        "max": float(row["high"]),
        "step": slider_step(row["low"], row["high"]),
    }


def model_params() -> dict[str, dict[str, Any]]:
    """SolaraViz's ``model_params``: an input per lever, in sidebar order."""
    far_on, on = plan_zones(FAR_MEASURE), plan_zones(RETURN_CENTRE)
    inputs = {SEED_LEVER: {"type": "InputText", "label": "seed", "value": plan_scenario().seed}}
    for z in zone_ids():
        label = f"FAR cap {z}" + ("" if z in far_on else f" ({FAR_MEASURE} off)")
        inputs[far_cap_lever(z)] = parameter_slider(FAR_CAP.format(z), label)
    inputs[THRESHOLD_LEVER] = parameter_slider(CASH_POOL_THRESHOLD, "cash pool threshold")
    for z in zone_ids():
        inputs[return_centre_lever(z)] = {
            "type": "Checkbox",
            "label": f"return centre ({RETURN_CENTRE}) in {z}",
            "value": z in on,
        }
    return inputs
