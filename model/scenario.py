"""What a scenario sets: which measures are on, where, from when, how strongly, and any
parameter overrides. ``Policy.plan_2024()`` is the plan as published; ``Policy.baseline()``
has none of its measures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from types import MappingProxyType

from mesa.experimental.scenarios import Scenario

from .tables import measure_table, zone_table


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
        Month (0 = 2024-09) from which it applies.
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
        object.__setattr__(self, "measures", MappingProxyType(dict(self.measures)))  # read-only
        known_m, known_z = _known_measures(), _known_zones()
        for mid, setting in self.measures.items():
            if mid not in known_m:
                raise ValueError(f"unknown measure '{mid}'")
            if bad := set(setting.zones) - known_z:
                raise ValueError(f"measure {mid}: unknown zone(s) {sorted(bad)}")
            if setting.start_month < 0 or setting.intensity < 0:
                raise ValueError(f"measure {mid}: start_month and intensity must be >= 0")

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
        """This policy with every measure not listed removed."""
        keep = set(measure_ids)
        return Policy({m: s for m, s in self.measures.items() if m in keep})

    def with_measure(self, measure_id: str, **changes) -> Policy:
        """This policy with one measure's setting changed (added, from the plan, if absent)."""
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


@cache
def _known_measures() -> frozenset[str]:
    return frozenset(measure_table().index)


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zone_table().index)


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
    """Everything one model run needs besides its random seed.

    Attributes
    ----------
    policy : Policy
        Which measures apply where and when (default: the 2024 plan).
    params : dict
        Parameter-table overrides, name -> value.
    months : int
        Horizon in months from 2024-09 (default 120).
    firm_scale : float
        Multiplies every zone's firm count and land (1 = the real zones); used to test
        scale and speed, keeping per-firm dynamics unchanged.
    """

    policy: Policy | None = None
    params: dict | None = None
    months: int = 120
    firm_scale: float = 1.0

    def __init__(self, *, rng=None, **fields):
        if unknown := set(fields) - set(self._scenario_defaults):
            raise TypeError(
                f"unknown scenario field(s) {sorted(unknown)}; "
                f"known: {sorted(self._scenario_defaults)}"
            )
        super().__init__(rng=rng, **fields)
