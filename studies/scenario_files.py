"""Scenario files (TOML): read, inherit (``extends``), validate, resolve.

A scenario file is data, read with ``tomllib`` and never executed. Every problem is reported
as a :class:`ScenarioError` naming the file and the key, before anything runs. See
scenarios/example.toml for every key a user can set:

    description = "..."                 # free text
    extends = "baseline"                # another scenario: a file next to this one (name or
                                        # path), else a shipped scenario of that name
    [simulation]                        # months, start, replications, seed
    [market]                            # path: what market rent does after the record
    [measures.<id>]                     # enabled, zones, start_month, intensity, parameters
    [parameters]                        # "<parameter name>" = value, any row of the table

A scenario that extends another starts from it: its measures, parameters, simulation
settings and market path, then changes what it sets itself (a measure's keys one by one). A
file that extends nothing starts from no measures at all (the baseline). A description is
the file's own: one without it has none (shown as "(no description; extends plan_2024)").

What cannot be a scenario file is refused before it is read (a folder, a pipe, more than
MAX_FILE_BYTES) or as soon as it is (nested deeper than MAX_DEPTH, names longer than
MAX_NAME, more than MAX_EXTENDS files extending one another); [simulation] is held to the
limits of zonesim.studies.limits (``force`` lifts the soft ones, as ``--force`` does).
:func:`problems` reports every problem of a file, one per key, where loading stops at the
first.
"""

from __future__ import annotations

import difflib
import stat
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType

from ..model import MeasureSetting, Policy, ZoneScenario, checks
from ..model.calendar import DEFAULT_MARKET, DEFAULT_MONTHS, DEFAULT_SEED, DEFAULT_START
from ..model.checks import InputError, kind, unknown
from ..model.tables import measure_table
from . import limits

# The scenarios that come with zonesim: package data, a folder wherever zonesim is installed
SHIPPED = Path(str(files("zonesim.scenarios")))
TOP_KEYS = ("description", "extends", "simulation", "market", "measures", "parameters", "sweep")
SIMULATION_KEYS = ("months", "start", "replications", "seed")
MARKET_KEYS = ("path",)
MEASURE_KEYS = ("enabled", "zones", "start_month", "intensity", "parameters")
DEFAULT_SIMULATION = MappingProxyType(
    {"months": DEFAULT_MONTHS, "start": DEFAULT_START, "replications": 5, "seed": DEFAULT_SEED}
)
# What no scenario file needs, refused as one line rather than read or recursed into.
MAX_FILE_BYTES = 4 * 2**20  # a sweep listing 10,000 variants of two settings takes ~1 MB
MAX_DEPTH = 16  # tables and lists within one another: a file needs 5 ([sweep.grid] key.set)
MAX_NAME = 200  # characters in a key or a text value (the longest name in the tables is 48)
MAX_DESCRIPTION = 10_000  # characters of the description, free text
MAX_PATH = 4_096  # characters of extends, a path (Linux's PATH_MAX)
MAX_EXTENDS = 32  # files in a chain of extends
MAX_INTEGER = 2**63 - 1  # TOML's whole numbers are 64-bit; Python's reader takes any size
MAX_PROBLEMS = 100  # problems() stops collecting after these
DEEP = f"tables and lists nested more than {MAX_DEPTH} deep"


class ScenarioError(ValueError):
    """A problem in a scenario file: ``<file>: <key>: <what is wrong>``."""

    def __init__(self, path: Path | str | None, key: str, message: str):
        self.path, self.key = (None if path is None else str(path)), key
        self.message = message
        where = "".join(f"{part}: " for part in (self.path, key) if part)
        super().__init__(where + message)


class FileScenario(ZoneScenario):
    """A :class:`~zonesim.model.ZoneScenario` read from a scenario file, with ``extends``
    applied and every value checked; named after the file.

    Attributes, besides ZoneScenario's
    ----------------------------------
    path : Path of the file
    replications, seed : the file's [simulation] block: a study's defaults
    raw : the merged file content it was resolved from (to derive variants; see
        zonesim.studies.sweeps.with_settings)
    """

    path: Path | None = None
    replications: int = DEFAULT_SIMULATION["replications"]
    seed: int = DEFAULT_SIMULATION["seed"]
    raw: Mapping | None = None

    def as_dict(self) -> dict:
        """ZoneScenario's record, with the file and its [simulation] settings."""
        study = {"file": str(self.path), "replications": self.replications, "seed": self.seed}
        return super().as_dict() | study


def load_scenario(path: Path | str, force: bool = False) -> FileScenario:
    """Read, inherit and validate one scenario file (a path, or a shipped scenario's name);
    raises ScenarioError. ``force`` lifts the soft limits of its [simulation] (see
    :func:`check_limits`). A file with a ``[sweep]`` gives several scenarios: read it with
    zonesim.studies.sweeps.load_sweep."""
    path = find_scenario(path)
    raw = merged_scenario(path)
    if "sweep" in raw:
        raise ScenarioError(
            path, "sweep", "a sweep gives several scenarios; run it with `zonesim run`"
        )
    check_limits(raw, force)
    return resolve(path, raw)


def check_limits(raw: dict, force: bool = False) -> None:
    """ScenarioError, naming the file that sets it, for a [simulation] months or
    replications past the limits of zonesim.studies.limits (``force`` lifts the soft ones;
    the model's horizon holds). Only whole numbers are looked at: other values are
    resolve's to refuse."""
    checks = {"months": limits.months_problem, "replications": limits.replications_problem}
    for key, problem in checks.items():
        path, value = raw["simulation"].get(key, (None, None))
        whole = isinstance(value, int) and not isinstance(value, bool)
        if whole and (found := problem(value, force)):
            raise ScenarioError(path, f"simulation.{key}", f"{value:,} is {found}")


def problems(path: Path | str, force: bool = False) -> list[ScenarioError]:
    """Every problem of a scenario file, one per key (at most MAX_PROBLEMS), where loading
    stops at the first; [] when it loads (``force`` as for :func:`load_scenario`).

    Each key is resolved on its own, on an empty scenario, so the checks that loading makes
    find each key's problem. A file that cannot be read, or whose extends cannot be
    followed, has that one problem; a sweep is checked once the keys are sound (its first
    problem)."""
    from .sweeps import load_sweep  # sweeps builds on this module

    try:
        path = find_scenario(path)
        raw = merged_scenario(path)
    except ScenarioError as err:
        return [err]
    found: dict[str, ScenarioError] = {}  # by message: an unknown measure's keys say it once
    empty = dict(description="", extends=None, simulation={}, market={}, measures={}, parameters={})

    def sound(forced: bool = force, **piece) -> bool:
        """Whether ``empty`` with ``piece`` resolves; its problem noted if not."""
        if len(found) >= MAX_PROBLEMS:
            return False
        try:
            check_limits(empty | piece, forced)
            resolve(path, empty | piece)
        except ScenarioError as err:
            found.setdefault(str(err), err)
            return False
        return True

    sound(description=raw["description"])
    simulation = {k: v for k, v in raw["simulation"].items() if sound(simulation={k: v})}
    for key, tagged in raw["market"].items():
        sound(market={key: tagged})
    for name, tagged in raw["parameters"].items():
        sound(parameters={name: tagged})
    # a start month is held to the file's horizon if sound, else to the model's longest
    # (forced: the horizon's own problem is noted already)
    horizon = {k: v for k, v in simulation.items() if k == "months"}
    if "months" in raw["simulation"] and not horizon:
        horizon = {"months": (path, limits.MAX_MONTHS)}
    for mid, setting in raw["measures"].items():
        for key, tagged in setting.items() or [(None, None)]:
            keys = {} if key is None else {key: tagged}  # an empty table: its id is checked
            sound(True, simulation=horizon, measures={mid: keys})
    if found:
        return list(found.values())
    try:
        load_sweep(path, force)
    except ScenarioError as err:
        return [err]
    return []


def find_scenario(name: str | Path) -> Path:
    """A scenario argument: a file path, or the name of a shipped scenario (``plan_2024``);
    ScenarioError for neither, with the nearest shipped name."""
    path = Path(name)
    if path.suffix == ".toml" or path.exists():
        return path
    shipped = SHIPPED / f"{name}.toml"
    if shipped.is_file():
        return shipped
    known = shipped_names()
    near = difflib.get_close_matches(str(name), known, n=1, cutoff=0.5)
    hint = f"did you mean '{near[0]}'?" if near else f"shipped: {', '.join(known)}"
    raise ScenarioError(None, "", f"unknown scenario '{name}': not a file, nor shipped; {hint}")


def shipped_names() -> list[str]:
    """The names of the scenarios that come with zonesim."""
    return sorted(p.stem for p in SHIPPED.glob("*.toml"))


def merged_scenario(path: Path | str) -> dict:
    """The file's content on top of what it extends, each value tagged with its file; a
    ``sweep`` table is the file's own (a sweep is not inherited)."""
    return _merged(Path(path), chain=())


def resolve(path: Path, raw: dict) -> FileScenario:
    """Check a merged scenario and resolve it; raises ScenarioError."""
    return _resolve(path, raw)


# ---------------------------------------------------------------- reading and inheritance
def _read(path: Path) -> dict:
    """The file's TOML content; ScenarioError for what is not a scenario file's (what it
    is, before reading it; its shape, after: see _check_shape)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ScenarioError(path, "", "no such scenario file") from None
    except OSError as err:  # a symlink loop, a path through a file, ...
        raise ScenarioError(path, "", f"cannot read it ({err.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError(path, "", "is a folder, not a scenario file")
    if not stat.S_ISREG(info.st_mode):  # a pipe or a device: reading could wait forever
        raise ScenarioError(path, "", "is not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise ScenarioError(
            path,
            "",
            f"{info.st_size:,} bytes, more than a scenario file needs ({MAX_FILE_BYTES:,})",
        )
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(path, "", f"not valid TOML ({err})") from None
    except UnicodeDecodeError:
        raise ScenarioError(path, "", "not a UTF-8 text file") from None
    except RecursionError:
        raise ScenarioError(path, "", DEEP) from None
    except ValueError:  # a whole number of more than 4,300 digits (Python's own limit)
        raise ScenarioError(path, "", "not valid TOML (a number too long to read)") from None
    except OSError as err:  # unreadable: permissions, an I/O error
        raise ScenarioError(path, "", f"cannot read it ({err.strerror})") from None
    _check_shape(path, data)
    return data


def _check_shape(path: Path, data: dict) -> None:
    """ScenarioError for content no scenario file has and the checks should not meet:
    nesting deeper than MAX_DEPTH, keys or text longer than MAX_NAME (the description,
    MAX_DESCRIPTION; extends, MAX_PATH), whole numbers past 64 bits. Walked without
    recursion."""
    todo = [(data, "", 1)]
    while todo:
        value, where, depth = todo.pop()
        if depth > MAX_DEPTH:
            raise ScenarioError(path, "", DEEP)
        if isinstance(value, dict):
            for key, item in value.items():
                if len(key) > MAX_NAME:
                    raise ScenarioError(
                        path, where, f"a key of {len(key):,} characters (at most {MAX_NAME})"
                    )
                todo.append((item, f"{where}.{key}" if where else key, depth + 1))
        elif isinstance(value, list):
            todo.extend((item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str):
            longest = {"description": MAX_DESCRIPTION, "extends": MAX_PATH}.get(where, MAX_NAME)
            if len(value) > longest:
                raise ScenarioError(
                    path, where, f"text of {len(value):,} characters (at most {longest:,})"
                )
        elif isinstance(value, int) and not -MAX_INTEGER - 1 <= value <= MAX_INTEGER:
            raise ScenarioError(path, where, "a whole number past TOML's 64 bits")


def _merged(path: Path, chain: tuple[Path, ...]) -> dict:
    """The file's content on top of what it extends, with each value tagged by its file."""
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(
            chain[0], "extends", f"more than {MAX_EXTENDS} files extend one another ({path.name})"
        )
    data = _read(path)  # first: a file that cannot be read may not resolve (a symlink loop)
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, resolved))
        raise ScenarioError(path, "extends", f"a cycle of extends ({cycle})")
    _check_keys(path, "", data, TOP_KEYS)
    parent = data.get("extends")
    if parent is None:
        base = {"measures": {}, "parameters": {}, "simulation": {}, "market": {}, "description": ""}
    else:
        if not isinstance(parent, str) or not parent:
            raise ScenarioError(path, "extends", "must be a scenario name or a file path")
        base = _merged(_parent_path(path, parent), (*chain, resolved))
    merged = _overlay(path, base, data)  # keeps no parent's sweep: a sweep is not inherited
    merged["extends"] = parent  # the file's own (what its description is shown with)
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
        "description": data.get("description", ""),  # the file's own, never its parent's
        "simulation": dict(base["simulation"]),
        "market": dict(base["market"]),
        "measures": {mid: dict(m) for mid, m in base["measures"].items()},
        "parameters": dict(base["parameters"]),
    }
    for key in ("simulation", "market", "measures", "parameters"):
        if key in data and not isinstance(data[key], dict):
            raise ScenarioError(path, key, f"must be a table ([{key}]), not {kind(data[key])}")
    for table in ("simulation", "market"):
        for key, value in data.get(table, {}).items():
            merged[table][key] = (path, value)
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
def _resolve(path: Path, raw: dict) -> FileScenario:
    description = raw["description"]
    if not isinstance(description, str):
        raise ScenarioError(path, "description", "must be text")
    simulation = _simulation(raw["simulation"])
    market = _market(raw["market"])
    params = _parameters(raw["parameters"], prefix="", where="parameters")
    measures = {}
    for mid, setting in raw["measures"].items():
        measure_setting, measure_params = _measure(mid, setting, simulation["months"])
        measures[mid] = measure_setting
        params.update(measure_params)
    return FileScenario(
        name=path.stem,
        path=path,
        description=description,
        policy=Policy(measures),
        params=params,
        **simulation,
        market=market,
        raw=MappingProxyType(raw),
    )


def _simulation(values: dict) -> dict:
    out = dict(DEFAULT_SIMULATION)
    for key, (path, value) in values.items():
        where = f"simulation.{key}"
        _check_key(path, "simulation", key, SIMULATION_KEYS)
        if key == "start":
            out[key] = _checked(path, where, checks.run_start, value)
            continue
        lowest = 0 if key == "seed" else 1
        out[key] = _integer(path, where, value, lowest)
    return out


def _market(values: dict) -> str:
    """The market path of a [market] table (the default without one)."""
    market = DEFAULT_MARKET
    for key, (path, value) in values.items():  # path, the one key
        _check_key(path, "market", key, MARKET_KEYS)
        market = _checked(path, f"market.{key}", checks.market_path, value)
    return market


def _measure(mid: str, setting: dict, months: int) -> tuple[MeasureSetting, dict]:
    first_path = next(iter(setting.values()))[0] if setting else None
    try:
        checks.measure_id(mid)
    except InputError as err:
        raise ScenarioError(first_path, f"measures.{mid}", err.message) from None
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
            values["enabled"] = _checked(path, where, checks.flag, value)
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
    """The checks of zonesim.model.checks (as ZoneModel's), at the file and key."""
    out = {}
    for short, (path, value) in values.items():
        key = f"{where}.{short}"
        name = _checked(path, key, checks.parameter_name, short, prefix)
        out[name] = _checked(path, key, checks.parameter_value, name, value)
    return out


def _zones(path: Path, where: str, value) -> list[str]:
    return _checked(path, where, checks.zone_names, value)


# ---------------------------------------------------------------- the tables, read once
# (a sweep checks thousands of variants; the tables do not change while it does)
@cache
def _plan_measures() -> Mapping[str, MeasureSetting]:
    return Policy.plan_2024().measures


# ---------------------------------------------------------------- small checks
def _check_keys(path: Path, table: str, data: dict, allowed: tuple[str, ...]) -> None:
    for key in data:
        _check_key(path, table, key, allowed)


def _check_key(path: Path, table: str, key: str, allowed: tuple[str, ...]) -> None:
    if key not in allowed:
        where = f"{table}.{key}" if table else key
        raise ScenarioError(path, where, unknown("key", key, allowed))


def _checked(path: Path, where: str, check, *args):
    """``check(*args)`` from zonesim.model.checks, its InputError as a ScenarioError."""
    try:
        return check(*args)
    except InputError as err:
        raise ScenarioError(path, where, err.message) from None


def _integer(path: Path, where: str, value, lowest: int) -> int:
    return _checked(path, where, checks.whole_number, value, lowest)


def _number(path: Path, where: str, value, low: float | None = None) -> float:
    return _checked(path, where, checks.number, value, low)


def describe(scenario: FileScenario) -> str:
    """A few lines saying what a resolved scenario is, for people."""
    on = {mid: s for mid, s in scenario.policy.measures.items() if s.enabled}
    lines = [
        f"{scenario.path}: valid",
        f"  name: {scenario.name}",
        f"  description: {shown_description(scenario)}",
        f"  simulation: {scenario.months} months, {scenario.replications} replications, "
        f"seed {scenario.seed}, starting {scenario.start}",
        f"  market: {scenario.market}",
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


def shown_description(scenario: FileScenario) -> str:
    """The description for people: the file's own, or, for a file without one, that it has
    none and what it extends ("(no description; extends plan_2024)")."""
    if scenario.description:
        return scenario.description
    parent = (scenario.raw or {}).get("extends")
    return f"(no description; extends {parent})" if parent else "(no description)"
