"""Checks of what a user sets, shared by the Python API and scenario files so that both
refuse the same things in the same words.

Each check raises :class:`InputError`. Its ``message`` is the body a scenario file's error
shows after ``<file>: <key>: ``; the Python API puts the parameter or setting in front
(``zone.jinqiao.far_cap: 9 is outside the parameter's range [1, 3.66] ratio``). The tables
are read once: a sweep checks thousands of variants.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Callable, Collection, Mapping
from functools import cache
from types import MappingProxyType

from .calendar import MARKET_PATHS, start_period
from .tables import measure_table, parameter_table, sector_table, zone_table

EXAMPLES = 2  # rows a suffix hint shows before "..."
SPAN_TOLERANCE = 1e-9  # of a range's width: low + (high - low) can land an ulp above high


class InputError(ValueError):
    """A value the model cannot take: ``<key>: <message>`` (the key may be empty)."""

    def __init__(self, message: str, key: str = ""):
        self.message, self.key = message, key
        super().__init__(f"{key}: {message}" if key else message)

    def __str__(self) -> str:  # KeyError, in a subclass, would quote the text
        return str(self.args[0])


class UnknownParameterError(InputError, KeyError):
    """A name that is not a row of the parameter table: a bad argument (ValueError) and a
    failed look-up (KeyError), as numpy's AxisError is both ValueError and IndexError."""

    def __init__(self, name: str, known: Collection[str] | None = None):
        super().__init__(unknown("parameter", name, parameter_names() if known is None else known))
        self.name = name


class BeyondRange(float):
    """A parameter value meant to lie outside its table range, for verification experiments
    (e.g. no exits in the Bass docking test): :func:`parameter_value` takes it without the
    range check (it must still be a finite number). Scenario files cannot express it."""

    def __repr__(self) -> str:
        return f"BeyondRange({float(self)!r})"


# ---------------------------------------------------------------- names
def unknown(what: str, name: object, known: Collection[str]) -> str:
    """``unknown <what> '<name>'`` with a hint: the rows ``name`` ends (``far_cap`` ->
    ``zone.<zone>.far_cap``), else the nearest known name, if any is near."""
    return f"unknown {what} '{name}'{hint(str(name), known)}"


def hint(name: str, known: Collection[str]) -> str:
    """``; did you mean ...?`` for :func:`unknown`, or "" when nothing is near."""
    return _suffix_hint(name, known) or _nearest_hint(name, known)


def _nearest_hint(name: str, known: Collection[str]) -> str:
    near = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean '{near[0]}'?" if near else ""


def _suffix_hint(name: str, known: Collection[str]) -> str:
    """For a name given by its last part(s): the rows it ends, as a pattern where they vary
    by zone, sector or measure, else listed."""
    rows = [k for k in known if k.endswith("." + name)]
    if len(rows) == 1:
        return f"; did you mean '{rows[0]}'?"
    if not rows:
        return ""
    pattern, kind = _pattern(rows)
    if pattern is None:
        return "; did you mean one of " + ", ".join(f"'{r}'" for r in rows) + "?"
    shown = ", ".join(rows[:EXAMPLES]) + (", ..." if len(rows) > EXAMPLES else "")
    count = f"one per {kind}" if kind else f"{len(rows)} rows"
    return f"; did you mean '{pattern}' ({count}: {shown})?"


def _pattern(rows: list[str]) -> tuple[str | None, str | None]:
    """``rows`` as one name with ``<zone>``, ``<sector>`` or ``m<measure>`` where they differ,
    and the kind when they cover every zone, sector or measure (else None); (None, None)
    when they differ in another way."""
    split = [r.split(".") for r in rows]
    if len({len(parts) for parts in split}) > 1:
        return None, None
    pattern, kinds = [], []
    for values in zip(*split, strict=True):
        if len(set(values)) == 1:
            pattern.append(values[0])
            continue
        found = next((k for k, ids in _kinds().items() if set(values) <= ids), None)
        if found is None:
            return None, None
        pattern.append("m<measure>" if found == "measure" else f"<{found}>")
        kinds.append(found if set(values) == _kinds()[found] else None)
    whole = kinds[0] if len(kinds) == 1 else None
    return ".".join(pattern), whole


@cache
def _kinds() -> dict[str, frozenset[str]]:
    """What a part of a parameter name can vary by (a measure as its head, ``m<id>``)."""
    return {
        "zone": frozenset(zone_table().index),
        "sector": frozenset(sector_table().index),
        "measure": frozenset(f"m{m}" for m in measure_table().index),
    }


def known_name(what: str, name: object, known: Collection[str]) -> str:
    """``name`` if it is in ``known``; else InputError 'unknown <what>' with a hint."""
    if name not in known:
        raise InputError(unknown(what, name, known))
    return name  # type: ignore[return-value]


def measure_id(name: object) -> str:
    """A sub-measure id of the measure table (e.g. ``"6"``, ``"10b"``)."""
    return known_name("measure", name, measure_ids())


def zone_names(value: object) -> list[str]:
    """A non-empty list (or set, tuple) of zone ids, as a list."""
    listed = isinstance(value, Collection) and not isinstance(value, str | bytes | Mapping)
    if not listed or not all(isinstance(z, str) for z in value):
        raise InputError(f"must be a list of zone names, not {kind(value)}")
    for zone in value:
        known_name("zone", zone, zone_ids())
    if not value:
        raise InputError("is empty: list at least one zone, or set enabled = false")
    return list(value)


def parameter_name(name: str, prefix: str = "") -> str:
    """The table row ``prefix + name``; unknown names get a hint among the rows under
    ``prefix``, given without it (``m6.`` for a measure's own parameters)."""
    full = f"{prefix}{name}"
    if full not in parameter_ranges():
        scope = [n.removeprefix(prefix) for n in parameter_names() if n.startswith(prefix)]
        raise UnknownParameterError(name, scope)
    return full


# ---------------------------------------------------------------- values
def flag(value: object) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise InputError(f"must be true or false, not {kind(value)}")
    return value


def whole_number(value: object, lowest: int) -> int:
    """A whole number >= ``lowest``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(f"must be a whole number, not {kind(value)}")
    if value < lowest:
        raise InputError(f"must be at least {lowest}, got {value}")
    return int(value)


def number(value: object, low: float | None = None) -> float:
    """A finite number, >= ``low`` if given."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"must be a number, not {kind(value)}")
    if not math.isfinite(value):
        raise InputError(f"must be a finite number, not {value}")
    if low is not None and value < low:
        raise InputError(f"must be at least {low:g}, got {value:g}")
    return float(value)


def run_start(value: object) -> str:
    """A run's start month: text "YYYY-MM" within the calendar's bounds
    (zonesim.model.calendar.start_period)."""
    try:
        start_period(value)  # type: ignore[arg-type]
    except ValueError as err:
        raise InputError(str(err)) from None
    return value  # type: ignore[return-value]


def market_path(value: object) -> str:
    """One of the market paths, zonesim.model.calendar.MARKET_PATHS."""
    if value not in MARKET_PATHS:
        raise InputError(f"must be one of {', '.join(MARKET_PATHS)}, got {value!r}")
    return value  # type: ignore[return-value]


def parameter_value(name: str, value: object) -> float:
    """A value for the table row ``name``: a finite number within the row's [low, high]
    (unless it is a :class:`BeyondRange`)."""
    number_ = number(value)
    if isinstance(value, BeyondRange):
        return number_
    low, high, unit = parameter_ranges()[name]
    slack = SPAN_TOLERANCE * (high - low)
    if not low - slack <= number_ <= high + slack:
        raise InputError(
            f"{number_:g} is outside the parameter's range [{low:g}, {high:g}] {unit}".rstrip()
        )
    return number_


def parameter_overrides(overrides: Mapping[str, object]) -> dict[str, float]:
    """Overrides checked row by row (unknown name, then its value): name -> float. The
    error names the parameter in front of a bad value's message."""
    return {
        name: at(parameter_name(name), parameter_value, name, value)
        for name, value in overrides.items()
    }


def at(key: str, check: Callable, *args):
    """``check(*args)``, its InputError naming ``key`` (e.g. ``measures.6.zones``)."""
    try:
        return check(*args)
    except InputError as err:
        raise InputError(err.message, key) from None


def kind(value: object) -> str:
    """What a value is, in a user's words."""
    names = {bool: "true/false", int: "a whole number", float: "a number", str: "text"}
    names.update({list: "a list", dict: "a table"})
    return names.get(type(value), type(value).__name__)


# ---------------------------------------------------------------- the tables, read once
@cache
def parameter_names() -> tuple[str, ...]:
    """Every row name of the parameter table, in its order."""
    return tuple(parameter_ranges())


@cache
def parameter_ranges() -> Mapping[str, tuple[float, float, str]]:
    """name -> (low, high, unit) of every row of the parameter table."""
    table = parameter_table()
    rows = zip(table.index, table["low"], table["high"], table["unit"], strict=True)
    return MappingProxyType(
        {name: (float(lo), float(hi), str(unit)) for name, lo, hi, unit in rows}
    )


@cache
def measure_ids() -> tuple[str, ...]:
    """The sub-measure ids, in the measure table's order."""
    return tuple(measure_table().index)


@cache
def zone_ids() -> tuple[str, ...]:
    """The zone ids, in the zone table's order."""
    return tuple(zone_table().index)
