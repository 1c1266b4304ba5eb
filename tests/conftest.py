"""Shared helpers for the zonesim test suite: running a model and fetching its tables."""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

import zonesim
from zonesim import Policy

# The plan split into 21 sub-measures with their zones: a verbatim copy of the project's
# shared/policy/measures.csv (the plan of record), kept with the tests so they run anywhere.
PLAN_MEASURES_CSV = Path(__file__).parent / "data" / "plan_measures.csv"

ALL_ZONES = frozenset(zonesim.zones().index)


def plan_zones(measure_id: str) -> frozenset[str]:
    """Zones where a sub-measure applies under the 2024 plan (from the model's measure table)."""
    return frozenset(zonesim.measures().at[measure_id, "plan_zones"].split(";"))


def read_plan_csv() -> dict[str, frozenset[str]]:
    """Sub-measure id -> zones, read with the csv module from the plan's policy file."""
    with PLAN_MEASURES_CSV.open(encoding="utf-8", newline="") as fh:
        return {row["measure"]: frozenset(row["zones"].split(";")) for row in csv.DictReader(fh)}


def make_model(
    seed: int = 1,
    *,
    policy: Policy | None = None,
    params: dict | None = None,
    months: int = 60,
    firm_scale: float = 1.0,
) -> zonesim.ZoneModel:
    """A fresh model (default policy: the 2024 plan)."""
    return zonesim.ZoneModel(
        rng=seed, policy=policy, params=dict(params or {}), months=months, firm_scale=firm_scale
    )


def run_model(seed: int = 1, **kwargs) -> zonesim.ZoneModel:
    """A model run to its horizon; keyword arguments as for :func:`make_model`."""
    return make_model(seed, **kwargs).run()


def months_of(model: zonesim.ZoneModel) -> Iterator[int]:
    """Step ``model`` to its horizon, yielding the month after each step."""
    while model.month < model.months:
        model.step()
        yield model.month


def uptake_of(model: zonesim.ZoneModel, measure_id: str) -> pd.DataFrame:
    """The uptake rows of one measure (all months and zones)."""
    u = model.measure_kpis()
    return u[u.measure == measure_id]


def at_horizon(frame: pd.DataFrame) -> pd.DataFrame:
    """The last month's rows of a frame with one row per zone and month (zone_kpis(), or
    one measure's uptake), indexed by zone."""
    last = frame[frame.month == frame.month.max()].set_index("zone")
    assert last.index.is_unique, "one row per zone expected"
    return last


def approved_at_once(measure: str) -> dict[str, float]:
    """Parameters under which an approval the plan's text only seeks (the hedged measures
    have approval rows) arrives at the measure's start; {} for the others."""
    if f"m{measure}.approval_chance" not in zonesim.parameters().index:
        return {}
    return {f"m{measure}.approval_chance": 1.0, f"m{measure}.approval_months": 0.0}


def load_module(path: Path, name: str):
    """The Python file ``path`` (a script or tool outside the package) as a module."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
