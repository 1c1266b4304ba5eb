"""The simulation core: the Mesa model, the world it simulates, and its data tables.

Pure simulation: no file writing, no plotting, no process pools.
"""

from .measures import FAR_MEASURE
from .model import ZoneModel
from .reporters import MEASURE_KPIS, SECTOR_KPIS, ZONE_KPIS
from .scenario import MeasureSetting, Policy, ZoneScenario
from .tables import measure_table, parameter_table, sector_mix, sector_table, zone_table

__all__ = [
    "FAR_MEASURE",
    "SECTOR_KPIS",
    "MEASURE_KPIS",
    "ZONE_KPIS",
    "MeasureSetting",
    "Policy",
    "ZoneModel",
    "ZoneScenario",
    "measure_table",
    "parameter_table",
    "sector_mix",
    "sector_table",
    "zone_table",
]
