"""What a scenario sets: which measures are on, where, from when, how strongly, and any
parameter overrides. ``Policy.plan_2024()`` is the plan as published; ``Policy.baseline()``
has none of its measures."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache
from types import MappingProxyType
from typing import Self

import numpy as np
from mesa.experimental.scenarios import Scenario

from . import checks
from .calendar import DEFAULT_MARKET, DEFAULT_MONTHS, DEFAULT_START, MAX_MONTHS
from .tables import measure_table


@dataclass(frozen=True)
class MeasureSetting:
    """How one sub-measure is applied.

    Parameters
    ----------
    enabled : bool
        Whether the measure is on at all.
    zones : frozenset of str
        Zone ids where it applies.
    start_month : int
        Month from which it applies, counted from the run's start (0 = the start month).
    intensity : float
        Promotion intensity: multiplies the measure's Bass innovation rate p (1 = as planned).
    """

    enabled: bool = True
    zones: frozenset[str] = frozenset()
    start_month: int = 0
    intensity: float = 1.0


@dataclass(frozen=True)
class Policy:
    """A setting for each sub-measure; a measure that is absent is off."""

    measures: Mapping[str, MeasureSetting] = field(default_factory=dict)

    def __post_init__(self):
        """Checks every setting as a scenario file's (zonesim.model.checks; ValueError naming
        the measure and key) and keeps them read-only, zones as frozensets."""
        checked = {mid: _checked(mid, setting) for mid, setting in dict(self.measures).items()}
        object.__setattr__(self, "measures", MappingProxyType(checked))

    def __reduce__(self):  # picklable (for process pools) despite the read-only mapping
        return (Policy, (dict(self.measures),))

    @classmethod
    def baseline(cls) -> Policy:
        """None of the plan's measures."""
        return cls({})

    @classmethod
    def plan_2024(cls) -> Policy:
        """All 21 sub-measures in the plan's zones from their start months."""
        return _plan_2024()

    def only(self, measure_ids: Iterable[str]) -> Policy:
        """This policy with every measure not listed removed; ValueError for an id that is
        no measure."""
        if isinstance(measure_ids, str):
            raise checks.InputError(
                f"must be a list of measure ids, not {checks.kind(measure_ids)}"
            )
        keep = {checks.measure_id(m) for m in measure_ids}
        return Policy({m: s for m, s in self.measures.items() if m in keep})

    def with_measure(self, measure_id: str, **changes) -> Policy:
        """This policy with one measure's setting changed (added, from the plan, if absent).
        ValueError for an unknown measure, TypeError for a keyword that is no setting."""
        checks.measure_id(measure_id)
        for key in changes:
            if key not in _SETTING_KEYS:
                where = f"measures.{measure_id}.{key}"
                raise TypeError(f"{where}: {checks.unknown('key', key, _SETTING_KEYS)}")
        base = self.measures.get(measure_id) or Policy.plan_2024().measures[measure_id]
        return Policy({**self.measures, measure_id: replace(base, **changes)})

    def as_dict(self) -> dict[str, dict]:
        """The measures that are on, as plain data: id -> zones (sorted), start_month,
        intensity. :meth:`from_dict` reads it back."""
        return {
            mid: {"zones": sorted(s.zones), "start_month": s.start_month, "intensity": s.intensity}
            for mid, s in sorted(self.measures.items())
            if s.enabled
        }

    @classmethod
    def from_dict(cls, measures: Mapping[str, Mapping]) -> Policy:
        """The policy that :meth:`as_dict` wrote."""
        return cls(
            {
                mid: MeasureSetting(
                    zones=frozenset(s["zones"]),
                    start_month=int(s["start_month"]),
                    intensity=float(s["intensity"]),
                )
                for mid, s in measures.items()
            }
        )


_SETTING_KEYS = tuple(f.name for f in fields(MeasureSetting))


def _checked(mid: str, setting: MeasureSetting) -> MeasureSetting:
    """``setting`` of measure ``mid``, checked; zones as a frozenset."""
    checks.measure_id(mid)
    if not isinstance(setting, MeasureSetting):
        raise TypeError(f"measures.{mid}: must be a MeasureSetting, not {checks.kind(setting)}")
    where = f"measures.{mid}"
    checks.at(f"{where}.enabled", checks.flag, setting.enabled)
    checks.at(f"{where}.start_month", checks.whole_number, setting.start_month, 0)
    checks.at(f"{where}.intensity", checks.number, setting.intensity, 0.0)
    if not setting.enabled and not setting.zones:
        return setting  # off, and nowhere
    zones = frozenset(checks.at(f"{where}.zones", checks.zone_names, setting.zones))
    return setting if isinstance(setting.zones, frozenset) else replace(setting, zones=zones)


@cache
def _plan_2024() -> Policy:
    table = measure_table()
    return Policy(
        {
            mid: MeasureSetting(
                zones=frozenset(row.plan_zones.split(";")), start_month=int(row.start_month)
            )
            for mid, row in table.iterrows()
        }
    )


class ZoneScenario(Scenario):
    """One run object: everything a model run needs besides its random seed.

    Every producer of runs makes one: scenario files (zonesim.load_scenario), sweeps,
    sensitivity points, calibration draws and scripts. A study runs each scenario with
    several seeds; one run is ``scenario.model_class(scenario.replace(rng=seed))``.

    Attributes
    ----------
    name : str
        Identifies the scenario in a study's tables and figures (required in a study).
    description : str
        What the scenario is, for people.
    policy : Policy
        Which measures apply where and when (default: the 2024 plan).
    params : mapping of str to float
        Parameter-table overrides, name -> value, each within the table's range.
    months : int
        Horizon in months from ``start`` (default 120, at most MAX_MONTHS = 1,200).
    start : str
        Month 0 of the run, "YYYY-MM" (default "2024-09"), from 2022-12 (the first quarter of
        the market record the model starts from) to 2099-12; every table's date counts from it.
    market : str
        What Shanghai's market rent does after the market record ends (2024-12), one of
        MARKET_PATHS (zonesim.model.calendar): "flat", "glut" or "recovery" (default).
    firm_scale : float
        Multiplies every zone's firm count and land (1 = the real zones); used to test
        scale and speed, keeping per-firm dynamics unchanged.
    model_class : type
        The model that runs it: ZoneModel (default) or a subclass carrying a rule no file
        can hold (e.g. scenarios/phased_rollout.py).
    swept : mapping of str to value
        For a variant of a sweep, its swept values by label (what comparisons plot against).
    """

    name: str = ""
    description: str = ""
    policy: Policy | None = None
    params: Mapping[str, float] | None = None
    months: int = DEFAULT_MONTHS
    start: str = DEFAULT_START
    market: str = DEFAULT_MARKET
    firm_scale: float = 1.0
    model_class: type | None = None
    swept: Mapping[str, object] | None = None

    def __init__(self, *, rng=None, **fields):
        if unknown := set(fields) - set(self._scenario_defaults):
            raise TypeError(
                f"unknown scenario field(s) {sorted(unknown)}; "
                f"known: {sorted(self._scenario_defaults)}"
            )
        super().__init__(rng=rng, **fields)
        if self.policy is None:
            self.policy = Policy.plan_2024()
        self.params = MappingProxyType(dict(self.params or {}))
        self.swept = MappingProxyType(dict(self.swept or {}))
        if self.model_class is None:
            from .model import ZoneModel  # the model module imports this one

            self.model_class = ZoneModel
        self._check()

    def _check(self) -> None:
        """Values no run can use, named plainly (ValueError)."""
        if not isinstance(self.policy, Policy):
            raise ValueError(f"policy must be a Policy, not {type(self.policy).__name__}")
        months = self.months
        if isinstance(months, bool) or not isinstance(months, int | np.integer) or months < 0:
            raise ValueError(f"months must be a whole number >= 0, got {months!r}")
        if months > MAX_MONTHS:
            raise ValueError(
                f"months must be at most {MAX_MONTHS:,} (a century, the longest horizon the "
                f"model runs), got {months:,}"
            )
        self.months = int(months)
        checks.at("start", checks.run_start, self.start)
        checks.at("market", checks.market_path, self.market)
        checks.parameter_overrides(self.params)  # as a scenario file's: names and ranges
        if not self.firm_scale > 0:
            raise ValueError(f"firm_scale must be > 0, got {self.firm_scale!r}")

    def replace(self, **changes) -> Self:
        """A copy with ``changes`` (any field, or ``rng``), checked like a new scenario."""
        fields = {key: getattr(self, key) for key in self._scenario_defaults}
        rng = changes.pop("rng", self.rng)
        return type(self)(rng=rng, **(fields | changes))

    def __reduce__(self):  # picklable (for process pools) despite the read-only mappings
        fields = {key: getattr(self, key) for key in self._scenario_defaults}
        plain = {k: dict(v) if isinstance(v, MappingProxyType) else v for k, v in fields.items()}
        return (_rebuild, (type(self), self.rng, plain))

    def as_dict(self) -> dict:
        """What determines the runs, as plain data (JSON-ready): measures on, parameter
        overrides, horizon, start month, market path, firm scale and model class; a sweep
        variant's swept values."""
        out = {
            "measures": self.policy.as_dict(),
            "parameters": dict(sorted(self.params.items())),
            "months": self.months,
            "start": self.start,
            "market": self.market,
            "firm_scale": self.firm_scale,
            "model": f"{self.model_class.__module__}.{self.model_class.__qualname__}",
        }
        if self.swept:
            out["sweep"] = dict(self.swept)
        return out

    def digest(self) -> str:
        """SHA-256 of :meth:`as_dict` without the sweep labels: two scenarios with the same
        digest give the same tables for the same seed."""
        content = {k: v for k, v in ZoneScenario.as_dict(self).items() if k != "sweep"}
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    def __repr__(self) -> str:
        on = sum(s.enabled for s in self.policy.measures.values())
        return (
            f"{type(self).__name__}(name={self.name!r}, measures on={on}, "
            f"params={len(self.params)}, months={self.months}, start={self.start}, "
            f"market={self.market}, "
            f"model_class={self.model_class.__qualname__})"
        )


def _rebuild(cls: type[ZoneScenario], rng, fields: dict) -> ZoneScenario:
    return cls(rng=rng, **fields)
