"""The data tables that ship with the model: zones, sectors, measures and parameters.

Every table carries ``grade`` (P published, D derived, G guess) and ``source`` columns.
Numbers the model uses live only in the parameter table; the other tables hold
structure (names, coordinates, which zones a measure covers, eligibility rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from types import MappingProxyType

import numpy as np
import pandas as pd

GRADES = ("P", "D", "G")


def _read(name: str) -> pd.DataFrame:
    with files("zonesim.model").joinpath("data", name).open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@cache
def _parameters() -> pd.DataFrame:
    df = _read("parameters.csv")
    for col in ("value", "low", "high"):
        df[col] = df[col].astype(float)
    return df.set_index("name")


@cache
def _zones() -> pd.DataFrame:
    df = _read("zones.csv")
    df[["lat", "lon"]] = df[["lat", "lon"]].astype(float)
    return df.set_index("zone")


@cache
def _sectors() -> pd.DataFrame:
    df = _read("sectors.csv")
    for flag in ("can_go_vertical", "programme"):
        df[flag] = df[flag].map({"true": True, "false": False})
    return df.set_index("sector")


@cache
def _measures() -> pd.DataFrame:
    df = _read("measures.csv")
    df["start_month"] = df["start_month"].astype(int)
    return df.set_index("measure")


def parameter_table() -> pd.DataFrame:
    """Every number the model uses: value, unit, low, high, grade, source, description.

    Indexed by parameter name, e.g. ``"market.rent_lambda"``, ``"zone.jinqiao.land_km2"``,
    ``"sector.cbec.return_rate"`` or ``"m6.threshold_domestic_revenue"``.
    """
    return _parameters().copy()


@cache
def parameter_values() -> Mapping[str, float]:
    """The parameter table's ``value`` column as a read-only mapping (name -> value)."""
    return MappingProxyType({k: float(v) for k, v in _parameters()["value"].items()})


def zone_table() -> pd.DataFrame:
    """The six zones: names, district, coordinates, and their numbers from the parameter table."""
    return _zone_table().copy()


def sector_table() -> pd.DataFrame:
    """The sectors: whether they can go vertical, and their numbers from the parameter table."""
    return _sector_table().copy()


def sector_mix(values: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Share of each sector in each zone's firms (rows: zones, columns: sectors; rows sum to 1),
    from the ``mix.<zone>.<sector>`` weights in ``values`` (a scenario's Parameters) or, by
    default, in the parameter table."""
    if values is None:
        return _sector_mix().copy()
    zones, sectors = _zones().index, _sectors().index
    weights = pd.DataFrame(
        [[values[f"mix.{z}.{s}"] for s in sectors] for z in zones], index=zones, columns=sectors
    )
    return weights.div(weights.sum(axis=1), axis=0)


def measure_table() -> pd.DataFrame:
    """The 21 sub-measures: plan zones, start month, eligibility, mechanism, and their
    Bass p and q, decision intercept, costs and pull on entrants from the parameter table."""
    return _measure_table().copy()


def _values(names: list[str]) -> np.ndarray:
    return _parameters()["value"].reindex(names).to_numpy()


@cache
def _zone_table() -> pd.DataFrame:
    zones = _zones().copy()
    for attr in ("land_km2", "firms", "far_now", "far_cap", "rent_premium", "clearance_days"):
        zones[attr] = _values([f"zone.{z}.{attr}" for z in zones.index])
    mix = _sector_mix()
    zones["main_sectors"] = [
        ", ".join(mix.loc[z].sort_values(ascending=False).index[:3]) for z in zones.index
    ]
    return zones


@cache
def _sector_table() -> pd.DataFrame:
    sectors = _sectors().copy()
    names = _parameters().index
    attrs = dict.fromkeys(n.split(".")[2] for n in names if n.startswith("sector."))
    for attr in attrs:
        sectors[attr] = _values([f"sector.{s}.{attr}" for s in sectors.index])
    return sectors


@cache
def _sector_mix() -> pd.DataFrame:
    return sector_mix(_parameters()["value"])


@cache
def _measure_table() -> pd.DataFrame:
    measures = _measures().copy()
    for attr in ("bass_p", "bass_q", "alpha", "fixed_cost", "running_cost", "attraction"):
        measures[attr] = _values([f"m{m}.{attr}" for m in measures.index])
    return measures
