"""What a scenario sets: which measures are on, where, from when, how strongly, and any
parameter overrides. ``Policy.plan_2024()`` is the plan as published; ``Policy.baseline()``
has none of its measures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache
from types import MappingProxyType

from mesa.experimental.scenarios import Scenario

from . import checks
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
