"""Resolved parameter values: the parameter table with a scenario's overrides applied."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from .checks import UnknownParameterError, parameter_overrides
from .tables import parameter_values


class Parameters(Mapping[str, float]):
    """Parameter values by name, with overrides on top of the table's ``value`` column.

    Parameters
    ----------
    overrides : mapping of parameter name to value, optional
        Replaces table values. A name must be a row of the parameter table and its value a
        finite number within the row's [low, high] (ValueError naming the parameter
        otherwise; see :mod:`zonesim.model.checks`, which scenario files use too).
    """

    def __init__(self, overrides: Mapping[str, float] | None = None):
        self._values: dict[str, float] = dict(parameter_values())
        self._values.update(parameter_overrides(overrides or {}))
        self.overrides = dict(overrides or {})
        self._sections: dict[str, dict[str, float]] | None = None

    def __getitem__(self, name: str) -> float:
        try:
            return self._values[name]
        except KeyError:
            raise UnknownParameterError(name) from None

    def __contains__(self, name: object) -> bool:
        # not Mapping's: that looks the name up, and an unknown name's error searches the
        # table for the nearest names to suggest
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def section(self, head: str) -> dict[str, float]:
        """The parameters named ``<head>.<name>``, as {name: value}; e.g. ``section("m6")``."""
        if self._sections is None:
            self._sections = {}
            for name, value in self._values.items():
                first, _, rest = name.partition(".")
                self._sections.setdefault(first, {})[rest] = value
        return self._sections.get(head, {})

    def vector(self, template: str, keys: list[str]) -> np.ndarray:
        """Values for ``template.format(key)`` over keys, e.g. ``("sector.{}.margin", sectors)``."""
        return np.array([self[template.format(k)] for k in keys], dtype=float)
