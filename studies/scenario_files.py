"""Scenario files (TOML): read, inherit (``extends``), validate, resolve.

A scenario file is data, read with ``tomllib`` and never executed. Every problem is reported
as a :class:`ScenarioError` naming the file and the key, before anything runs. See
scenarios/example.toml for every key a user can set:

    description = "..."                 # free text
    extends = "baseline"                # another scenario: a file next to this one (name or
                                        # path), else a shipped scenario of that name
    [simulation]                        # months, replications, seed
    [measures.<id>]                     # enabled, zones, start_month, intensity, parameters
    [parameters]                        # "<parameter name>" = value, any row of the table

A scenario that extends another starts from it: its measures, parameters and simulation
settings, then changes what it sets itself (a measure's keys one by one). A file that extends
nothing starts from no measures at all (the baseline).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType

from ..model import MeasureSetting, Policy
from ..model.tables import measure_table, parameter_table, zone_table

# The scenarios that come with zonesim: package data, a folder wherever zonesim is installed
SHIPPED = Path(str(files("zonesim.scenarios")))
TOP_KEYS = ("description", "extends", "simulation", "measures", "parameters", "sweep")
SIMULATION_KEYS = ("months", "replications", "seed")
MEASURE_KEYS = ("enabled", "zones", "start_month", "intensity", "parameters")
DEFAULT_SIMULATION = MappingProxyType({"months": 120, "replications": 5, "seed": 20240821})


class ScenarioError(ValueError):
    """A problem in a scenario file: ``<file>: <key>: <what is wrong>``."""

    def __init__(self, path: Path | str, key: str, message: str):
        self.path, self.key = str(path), key
        self.message = message
        where = f"{self.path}: {key}: " if key else f"{self.path}: "
        super().__init__(where + message)


@dataclass(frozen=True)
class ResolvedScenario:
    """A scenario with ``extends`` applied and every value checked.

    Attributes
    ----------
    name : str, the file's stem
    path : Path of the file
    description : str
    policy : Policy, which measures apply where and when
    params : dict, parameter-table overrides (name -> value), measure parameters included
    months, replications, seed : the simulation block
    raw : the merged file content it was resolved from (for deriving variants; see
        zonesim.studies.sweeps.with_settings)
    swept : for a variant of a sweep, its swept values (label -> value)
    """

    name: str
    path: Path
    description: str
    policy: Policy
    params: Mapping[str, float] = field(default_factory=dict)
    months: int = DEFAULT_SIMULATION["months"]
    replications: int = DEFAULT_SIMULATION["replications"]
    seed: int = DEFAULT_SIMULATION["seed"]
    raw: Mapping = field(default_factory=dict, repr=False, compare=False)
    swept: Mapping = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict:
        """Plain data (JSON-ready): what the scenario resolves to."""
        return {
            "name": self.name,
            "description": self.description,
            "simulation": {
                "months": self.months,
                "replications": self.replications,
                "seed": self.seed,
            },
            "measures": self.policy.as_dict(),
            "parameters": dict(sorted(self.params.items())),
        }

    def digest(self) -> str:
        """SHA-256 of the resolved content (name and path excluded)."""
        content = {k: v for k, v in self.as_dict().items() if k != "name"}
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def load_scenario(path: Path | str) -> ResolvedScenario:
    """Read, inherit and validate one scenario file; raises ScenarioError. A file with a
    ``[sweep]`` gives several scenarios: read it with zonesim.studies.sweeps.load_sweep."""
    path = Path(path)
    raw = merged_scenario(path)
    if "sweep" in raw:
        raise ScenarioError(
            path, "sweep", "a sweep gives several scenarios; run it with `zonesim run`"
        )
    return resolve(path, raw)


def merged_scenario(path: Path | str) -> dict:
    """The file's content on top of what it extends, each value tagged with its file; a
    ``sweep`` table is the file's own (a sweep is not inherited)."""
    return _merged(Path(path), chain=())


def resolve(path: Path, raw: dict) -> ResolvedScenario:
    """Check a merged scenario and resolve it; raises ScenarioError."""
    return _resolve(path, raw)


# ---------------------------------------------------------------- reading and inheritance
def _read(path: Path) -> dict:
    if not path.is_file():
        raise ScenarioError(path, "", "no such scenario file")
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(path, "", f"not valid TOML ({err})") from None
    except UnicodeDecodeError:
        raise ScenarioError(path, "", "not a UTF-8 text file") from None


def _merged(path: Path, chain: tuple[Path, ...]) -> dict:
    """The file's content on top of what it extends, with each value tagged by its file."""
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, resolved))
        raise ScenarioError(path, "extends", f"a cycle of extends ({cycle})")
    data = _read(path)
    _check_keys(path, "", data, TOP_KEYS)
    parent = data.get("extends")
    if parent is None:
        base = {"measures": {}, "parameters": {}, "simulation": {}, "description": ""}
    else:
        if not isinstance(parent, str) or not parent:
            raise ScenarioError(path, "extends", "must be a scenario name or a file path")
        base = _merged(_parent_path(path, parent), (*chain, resolved))
    merged = _overlay(path, base, data)  # keeps no parent's sweep: a sweep is not inherited
    if "sweep" in data:
        merged["sweep"] = data["sweep"]
    return merged


def _parent_path(path: Path, parent: str) -> Path:
    """``extends``: a file next to this one, else a shipped scenario of that name."""
    name = parent if parent.endswith(".toml") else f"{parent}.toml"
    candidate = path.parent / name
    if candidate.is_file():
        return candidate
    if (SHIPPED / name).is_file() and Path(name).name == name:
        return SHIPPED / name
    raise ScenarioError(path, "extends", f"no scenario '{parent}' (looked for {candidate})")


def _overlay(path: Path, base: dict, data: dict) -> dict:
    merged = {
        "description": data.get("description", base["description"]),
        "simulation": dict(base["simulation"]),
        "measures": {mid: dict(m) for mid, m in base["measures"].items()},
        "parameters": dict(base["parameters"]),
    }
    for key in ("simulation", "measures", "parameters"):
        if key in data and not isinstance(data[key], dict):
            raise ScenarioError(path, key, f"must be a table ([{key}]), not {_kind(data[key])}")
    for key, value in data.get("simulation", {}).items():
        merged["simulation"][key] = (path, value)
    for mid, setting in data.get("measures", {}).items():
        if not isinstance(setting, dict):
            raise ScenarioError(path, f"measures.{mid}", "must be a table of settings")
        merged["measures"].setdefault(mid, {})
        for key, value in setting.items():
            merged["measures"][mid][key] = (path, value)
    for name, value in data.get("parameters", {}).items():
        merged["parameters"][name] = (path, value)
    return merged


# ---------------------------------------------------------------- validation
def _resolve(path: Path, raw: dict) -> ResolvedScenario:
    description = raw["description"]
    if not isinstance(description, str):
        raise ScenarioError(path, "description", "must be text")
    simulation = _simulation(raw["simulation"])
    params = _parameters(raw["parameters"], prefix="", where="parameters")
    measures = {}
    for mid, setting in raw["measures"].items():
        measure_setting, measure_params = _measure(mid, setting, simulation["months"])
        measures[mid] = measure_setting
        params.update(measure_params)
    return ResolvedScenario(
        name=path.stem,
        path=path,
        description=description,
        policy=Policy(measures),
        params=params,
        **simulation,
        raw=MappingProxyType(raw),
    )


def _simulation(values: dict) -> dict:
    out = dict(DEFAULT_SIMULATION)
    for key, (path, value) in values.items():
        where = f"simulation.{key}"
        _check_key(path, "simulation", key, SIMULATION_KEYS)
        lowest = 0 if key == "seed" else 1
        out[key] = _integer(path, where, value, lowest)
    return out


def _measure(mid: str, setting: dict, months: int) -> tuple[MeasureSetting, dict]:
    known = _measure_ids()
    first_path = next(iter(setting.values()))[0] if setting else None
    if mid not in known:
        raise ScenarioError(first_path, f"measures.{mid}", _unknown("measure", mid, known))
    plan = _plan_measures()[mid]
    values = {
        "enabled": True,
        "zones": sorted(plan.zones),
        "start_month": plan.start_month,
        "intensity": 1.0,
    }
    params: dict[str, float] = {}
    for key, (path, value) in setting.items():
        where = f"measures.{mid}.{key}"
        _check_key(path, f"measures.{mid}", key, MEASURE_KEYS)
        if key == "enabled":
            if not isinstance(value, bool):
                raise ScenarioError(path, where, f"must be true or false, not {_kind(value)}")
            values["enabled"] = value
        elif key == "zones":
            values["zones"] = _zones(path, where, value)
        elif key == "start_month":
            start = _integer(path, where, value, 0)
            if start >= months:
                raise ScenarioError(
                    path, where, f"{start} is past the horizon (simulation.months = {months})"
                )
            values["start_month"] = start
        elif key == "intensity":
            values["intensity"] = _number(path, where, value, low=0.0)
        else:  # parameters
            if not isinstance(value, dict):
                raise ScenarioError(path, where, "must be a table of parameter values")
            tagged = {name: (path, v) for name, v in value.items()}
            params.update(_parameters(tagged, prefix=f"m{mid}.", where=where))
    setting = MeasureSetting(
        enabled=values["enabled"],
        zones=frozenset(values["zones"]),
        start_month=values["start_month"],
        intensity=values["intensity"],
    )
    return setting, params


def _parameters(values: dict, prefix: str, where: str) -> dict[str, float]:
    table = _parameter_rows()
    out = {}
    for short, (path, value) in values.items():
        name = prefix + short
        key = f"{where}.{short}"
        if name not in table.index:
            known = [n.removeprefix(prefix) for n in table.index if n.startswith(prefix)]
            raise ScenarioError(path, key, _unknown("parameter", short, known))
        row = table.loc[name]
        number = _number(path, key, value)
        if not row["low"] <= number <= row["high"]:
            raise ScenarioError(
                path,
                key,
                f"{number:g} is outside the parameter's range [{row['low']:g}, {row['high']:g}]"
                f" {row['unit']}",
            )
        out[name] = number
    return out


def _zones(path: Path, where: str, value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(z, str) for z in value):
        raise ScenarioError(path, where, f"must be a list of zone names, not {_kind(value)}")
    known = _zone_ids()
    for zone in value:
        if zone not in known:
            raise ScenarioError(path, where, _unknown("zone", zone, known))
    if not value:
        raise ScenarioError(path, where, "is empty: list at least one zone, or set enabled = false")
    return value


# ---------------------------------------------------------------- the tables, read once
# (a sweep checks thousands of variants; the tables do not change while it does)
@cache
def _measure_ids() -> list[str]:
    return list(measure_table().index)


@cache
def _plan_measures() -> Mapping[str, MeasureSetting]:
    return Policy.plan_2024().measures


@cache
def _parameter_rows():
    return parameter_table()


@cache
def _zone_ids() -> list[str]:
    return list(zone_table().index)


# ---------------------------------------------------------------- small checks
def _check_keys(path: Path, table: str, data: dict, allowed: tuple[str, ...]) -> None:
    for key in data:
        _check_key(path, table, key, allowed)


def _check_key(path: Path, table: str, key: str, allowed: tuple[str, ...]) -> None:
    if key not in allowed:
        where = f"{table}.{key}" if table else key
        raise ScenarioError(path, where, _unknown("key", key, list(allowed)))


def _unknown(what: str, name: str, known: list[str]) -> str:
    near = difflib.get_close_matches(str(name), known, n=1)
    hint = f"; did you mean '{near[0]}'?" if near else ""
    return f"unknown {what} '{name}'{hint}"


def _integer(path: Path, where: str, value, lowest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(path, where, f"must be a whole number, not {_kind(value)}")
    if value < lowest:
        raise ScenarioError(path, where, f"must be at least {lowest}, got {value}")
    return value


def _number(path: Path, where: str, value, low: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(path, where, f"must be a number, not {_kind(value)}")
    if not math.isfinite(value):
        raise ScenarioError(path, where, f"must be a finite number, not {value}")
    if low is not None and value < low:
        raise ScenarioError(path, where, f"must be at least {low:g}, got {value:g}")
    return float(value)


def _kind(value) -> str:
    names = {bool: "true/false", int: "a whole number", float: "a number", str: "text"}
    names.update({list: "a list", dict: "a table"})
    return names.get(type(value), type(value).__name__)


def describe(scenario: ResolvedScenario) -> str:
    """A few lines saying what a resolved scenario is, for people."""
    on = {mid: s for mid, s in scenario.policy.measures.items() if s.enabled}
    lines = [
        f"{scenario.path}: valid",
        f"  name: {scenario.name}",
        f"  description: {scenario.description}",
        f"  simulation: {scenario.months} months, {scenario.replications} replications, "
        f"seed {scenario.seed}",
        f"  measures on: {len(on)} of {len(measure_table())}",
    ]
    lines += [
        f"    {mid}: {', '.join(sorted(s.zones))} from month {s.start_month}"
        + (f", intensity {s.intensity:g}" if s.intensity != 1 else "")
        for mid, s in sorted(on.items(), key=lambda item: measure_table().index.get_loc(item[0]))
    ]
    lines.append(f"  parameter overrides: {len(scenario.params)}")
    lines += [f"    {name} = {value:g}" for name, value in sorted(scenario.params.items())]
    lines.append(f"  sha256: {scenario.digest()}")
    return "\n".join(lines)
