"""Variants of a scenario: settings changed by name, one at a time in code or many at once in
a scenario file's ``[sweep]`` table.

A setting is named by its place in a scenario file:

    measures.<id>.enabled | zones | start_month | intensity
    measures.<id>.parameters.<name>       # a measure parameter, without its "m<id>." prefix
    parameters.<row name>                 # any row of the parameter table
    simulation.start                      # the run's start month, "YYYY-MM"
    market.path                           # flat, glut or recovery

A sweep is a full grid over several settings, or an explicit list of variants::

    [sweep.grid]
    "measures.6.parameters.threshold_domestic_revenue" = [5000, 10000, 20000]
    far_cap = { set = ["parameters.zone.jinqiao.far_cap", "parameters.zone.jiading.far_cap"],
                values = [1.5, 2.5, 3.5] }                 # one value given to several settings

    [[sweep.variants]]                                     # or: a list, one table per variant
    "measures.10b.start_month" = 12

Each variant is checked like any scenario (names, types, ranges) and named from its values,
e.g. ``far_sweep[far_cap=2.5]``. Every variant of a study runs with the same seeds.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .scenario_files import (
    FileScenario,
    ScenarioError,
    check_limits,
    find_scenario,
    merged_scenario,
    resolve,
)

MAX_VARIANTS = 10_000  # larger sweeps need force=True (zonesim run --force)
SWEEP_KEYS = ("grid", "variants")


@dataclass(frozen=True)
class Swept:
    """One swept quantity: where the file states it (``key``, for messages), its label in
    variant names, and the settings it sets."""

    key: str
    label: str
    settings: tuple[str, ...]


def with_settings(
    scenario: FileScenario, settings: Mapping[str, object], name: str | None = None
) -> FileScenario:
    """``scenario`` with ``settings`` (setting name -> value) changed and checked; named
    ``name``, or after the values (``plan_2024[start_month=12]``). Its ``swept`` holds the
    values by label; its horizon, firm scale and model class are ``scenario``'s, and so are
    its start month and market path unless ``settings`` set them. Raises ScenarioError."""
    raw = copy.deepcopy(dict(scenario.raw))
    where = Path("<code>")
    for setting, value in settings.items():
        _apply(raw, where, setting, value, f"settings[{setting!r}]")
    labels = dict(zip(unique_labels(list(settings)), settings.values(), strict=True))
    resolved = resolve(scenario.path, raw)
    kept = {f: getattr(scenario, f) for s, f in SCENARIO_SETTINGS.items() if s not in settings}
    return resolved.replace(
        name=name or variant_name(scenario.name, labels),
        swept=labels,
        months=scenario.months,  # what the file cannot set, or code changed since, carries over
        firm_scale=scenario.firm_scale,
        model_class=scenario.model_class,
        **kept,
    )


def variant_name(base: str, values: Mapping[str, object]) -> str:
    """``base[label=value,...]``: readable, and the same for the same values."""
    return f"{base}[{','.join(f'{k}={show(v)}' for k, v in values.items())}]"


def unique_labels(settings: Sequence[str]) -> list[str]:
    """Short labels for settings: the last part of each name, or as many parts as it takes
    to tell it from the others (``6.intensity`` and ``10b.intensity``)."""
    parts = [SHORT_LABELS.get(s, s).split(".") for s in settings]
    depth = [1] * len(parts)
    while True:
        labels = [".".join(p[-d:]) for p, d in zip(parts, depth, strict=True)]
        clashing = {x for x in labels if labels.count(x) > 1}
        if not clashing:
            return labels
        grown = False
        for i, label in enumerate(labels):
            if label in clashing and depth[i] < len(parts[i]):
                depth[i] += 1
                grown = True
        if not grown:
            return labels  # the same setting twice: the caller refuses it


def load_sweep(path: Path | str, force: bool = False) -> list[FileScenario]:
    """The scenarios a file asks for: its variants if it has a ``[sweep]`` table (each
    with its swept values in ``swept``), else the scenario itself. ``force`` lifts the limit
    of MAX_VARIANTS (counted before any variant is built) and the soft limits of its
    [simulation] (scenario_files.check_limits). Raises ScenarioError naming the
    file and the key. ``path``: a file, or a shipped scenario's name."""
    path = find_scenario(path)
    raw = merged_scenario(path)
    sweep = raw.pop("sweep", None)
    check_limits(raw, force)
    base = resolve(path, raw)
    if sweep is None:
        return [base]
    return variants(path, raw, base, sweep, force)


def variants(path: Path, raw: dict, base: FileScenario, sweep, force: bool) -> list[FileScenario]:
    """Every variant of ``sweep``, checked, named, with its swept values in ``swept``."""
    if not isinstance(sweep, dict) or not sweep:
        raise ScenarioError(path, "sweep", "must be a table with grid or variants")
    for key in sweep:
        if key not in SWEEP_KEYS:
            raise ScenarioError(path, f"sweep.{key}", f"unknown key '{key}'; grid or variants")
    if len(sweep) > 1:
        raise ScenarioError(path, "sweep", "give a grid or a list of variants, not both")
    if "grid" in sweep:
        rows = _grid_rows(path, sweep["grid"], force)
    else:
        rows = _list_rows(path, sweep["variants"], force)
    out, names = [], set()
    for chosen in rows:
        values = {swept.label: value for swept, value in chosen}
        variant = copy.deepcopy(raw)
        for swept, value in chosen:
            for setting in swept.settings:
                _apply(variant, path, setting, value, swept.key)
        try:
            resolved = resolve(path, variant)
        except ScenarioError as err:
            where = next((w.key for w, _ in chosen if _names(w, err.key)), "sweep")
            raise ScenarioError(path, where, f"{_show_values(values)}: {err.message}") from None
        name = variant_name(base.name, values)
        if name in names:
            raise ScenarioError(path, "sweep", f"the variant {name} comes twice")
        names.add(name)
        out.append(resolved.replace(name=name, swept=values))
    return out


def _grid_rows(path: Path, grid, force: bool) -> list[list[tuple[Swept, object]]]:
    if not isinstance(grid, dict) or not grid:
        raise ScenarioError(path, "sweep.grid", "must be a table of settings and their values")
    plain = [k for k, spec in grid.items() if not isinstance(spec, dict)]
    label_of = dict(zip(plain, unique_labels(plain), strict=True))
    axes = []
    for key, spec in grid.items():
        where = f"sweep.grid.{key}"
        if isinstance(spec, dict):
            unknown = set(spec) - {"set", "values"}
            if unknown or "set" not in spec or "values" not in spec:
                raise ScenarioError(path, where, "must be a list, or a table of set and values")
            targets = spec["set"]
            if (
                not isinstance(targets, list)
                or not targets
                or not all(isinstance(t, str) for t in targets)
            ):
                raise ScenarioError(path, f"{where}.set", "must be a list of setting names")
            swept, values = Swept(where, key, tuple(targets)), spec["values"]
        else:
            swept, values = Swept(where, label_of[key], (key,)), spec
        if not isinstance(values, list):
            raise ScenarioError(path, where, "must list the values to sweep")
        if not values:
            raise ScenarioError(path, where, "is empty: list at least one value")
        shown = [show(v) for v in values]
        if twice := next((v for v in shown if shown.count(v) > 1), None):
            raise ScenarioError(path, where, f"the value {twice} is listed twice")
        for setting in swept.settings:
            _check_setting(path, where, setting)
        axes.append([(swept, v) for v in values])
    if len({swept.label for axis in axes for swept, _ in axis[:1]}) < len(axes):
        raise ScenarioError(path, "sweep.grid", "two entries have the same label")
    _check_count(path, "sweep.grid", math.prod(len(axis) for axis in axes), force)
    return [list(chosen) for chosen in itertools.product(*axes)]


def _list_rows(path: Path, listed, force: bool) -> list[list[tuple[Swept, object]]]:
    if not isinstance(listed, list) or not listed:
        raise ScenarioError(path, "sweep.variants", "must be a list of tables ([[sweep.variants]])")
    _check_count(path, "sweep.variants", len(listed), force)
    for i, entry in enumerate(listed):
        if not isinstance(entry, dict) or not entry:
            raise ScenarioError(path, f"sweep.variants[{i}]", "must be a table of settings")
    settings = list(dict.fromkeys(s for entry in listed for s in entry))
    label_of = dict(zip(settings, unique_labels(settings), strict=True))
    rows = []
    for i, entry in enumerate(listed):
        where = f"sweep.variants[{i}]"
        for setting in entry:
            _check_setting(path, where, setting)
        rows.append([(Swept(f"{where}.{s}", label_of[s], (s,)), v) for s, v in entry.items()])
    return rows


def _names(swept: Swept, key: str) -> bool:
    """Whether a scenario key (as a ScenarioError names it) is one ``swept`` sets."""
    return any(s == key or s.startswith(f"{key}.") for s in swept.settings)


def _check_count(path: Path, where: str, count: int, force: bool) -> None:
    if count > MAX_VARIANTS and not force:
        raise ScenarioError(
            path, where, f"{count:,} variants, more than {MAX_VARIANTS:,}; pass --force to run it"
        )


# ---------------------------------------------------------------- settings by name
MEASURE_SETTINGS = ("enabled", "zones", "start_month", "intensity")
# settings of the whole scenario -> the ZoneScenario field each sets
SCENARIO_SETTINGS = {"simulation.start": "start", "market.path": "market"}
SHORT_LABELS = {"market.path": "market"}  # "path=glut" would not say what is swept


def _parts(setting: str) -> tuple[str, ...]:
    """("measures", id, key), ("measures", id, "parameters", name), ("parameters", row),
    ("simulation", "start") or ("market", "path")."""
    if setting in SCENARIO_SETTINGS:
        return tuple(setting.split("."))
    head, _, rest = setting.partition(".")
    if head == "parameters" and rest:
        return ("parameters", rest)
    if head == "measures":
        mid, _, key = rest.partition(".")
        if key in MEASURE_SETTINGS:
            return ("measures", mid, key)
        group, _, name = key.partition(".")
        if group == "parameters" and name:
            return ("measures", mid, "parameters", name)
    return ()


def _check_setting(path: Path, where: str, setting: str) -> None:
    if not isinstance(setting, str) or not _parts(setting):
        raise ScenarioError(
            path,
            where,
            f"unknown setting '{setting}'; use measures.<id>.{'|'.join(MEASURE_SETTINGS)}, "
            "measures.<id>.parameters.<name>, parameters.<row name>, "
            f"{' or '.join(SCENARIO_SETTINGS)}",
        )


def _apply(raw: dict, path: Path, setting: str, value, where: str) -> None:
    """Set one named setting in a merged scenario (values tagged with their file)."""
    _check_setting(path, where, setting)
    parts = _parts(setting)
    if parts[0] in ("parameters", "simulation", "market"):
        raw[parts[0]][parts[1]] = (path, value)
        return
    measure = raw["measures"].setdefault(parts[1], {})
    if len(parts) == 3:
        measure[parts[2]] = (path, value)
        return
    old_path, old = measure.get("parameters", (path, {}))
    table = dict(old) if isinstance(old, dict) else {}
    table[parts[3]] = value
    measure["parameters"] = (old_path if isinstance(old, dict) else path, table)


def show(value) -> str:
    """A swept value as it appears in names and figures."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float | int):
        return f"{value:g}"
    if isinstance(value, list):
        return "+".join(map(str, value))
    return str(value)


def _show_values(values: Mapping[str, object]) -> str:
    return ", ".join(f"{k} = {show(v)}" for k, v in values.items())
