"""zonesim: an agent-based scenario model of the enterprises in Shanghai's six
comprehensive bonded zones under the 2024 linkage-innovation-zone plan.

Quick start::

    import zonesim
    model = zonesim.ZoneModel(rng=1)            # the 2024 plan, 120 months
    model.run()
    model.zone_kpis()                            # KPIs per zone and month
    model.uptake()                               # uptake per measure, zone and month
    zonesim.ZoneModel(policy=zonesim.Policy.baseline(), rng=1)   # no measures
"""

from .model import (
    SECTOR_KPIS,
    UPTAKE,
    ZONE_KPIS,
    MeasureSetting,
    Policy,
    ZoneModel,
    ZoneScenario,
    measure_table,
    parameter_table,
    sector_mix,
    sector_table,
    zone_table,
)

zones = zone_table
sectors = sector_table
measures = measure_table
parameters = parameter_table

__all__ = [
    "SECTOR_KPIS",
    "UPTAKE",
    "ZONE_KPIS",
    "MeasureSetting",
    "Policy",
    "ZoneModel",
    "ZoneScenario",
    "measures",
    "parameters",
    "sector_mix",
    "sectors",
    "zones",
]
