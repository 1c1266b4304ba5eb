"""zonesim: an agent-based scenario model of the enterprises in Shanghai's six
comprehensive bonded zones under the 2024 linkage-innovation-zone plan.

Quick start::

    import zonesim
    model = zonesim.ZoneModel(rng=1)            # the 2024 plan, 120 months
    model.run()
    model.zone_kpis()                            # KPIs per zone and month
    model.measure_kpis()                         # each measure's outcomes per zone and month
    zonesim.ZoneModel(policy=zonesim.Policy.baseline(), rng=1)   # no measures

Studies, as the ``zonesim`` command runs them::

    plan = zonesim.load_scenario("plan_2024")      # a ZoneScenario, read from a shipped file
    later = zonesim.with_settings(plan, {"measures.10b.start_month": 24})
    zonesim.run_study([plan, later], replications=5, root_seed=plan.seed, out_dir="results/x")
    zonesim.compare_study("results/x")          # summaries and figures, as `zonesim compare`
    zonesim.open_study("results/x").kpis()       # the tables
"""

from .model import (
    MEASURE_KPIS,
    SECTOR_KPIS,
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

# The study layer, loaded on first use (the model alone stays quick to import).
_STUDY_API = {
    "load_scenario": "zonesim.studies.scenario_files",
    "FileScenario": "zonesim.studies.scenario_files",
    "ScenarioError": "zonesim.studies.scenario_files",
    "load_sweep": "zonesim.studies.sweeps",
    "with_settings": "zonesim.studies.sweeps",
    "run_study": "zonesim.studies.runner",
    "executor_for": "zonesim.studies.executors",
    "open_study": "zonesim.studies.compare",
    "compare_study": "zonesim.studies.compare",
}


def __getattr__(name: str):
    if name in _STUDY_API:
        import importlib

        return getattr(importlib.import_module(_STUDY_API[name]), name)
    raise AttributeError(f"module 'zonesim' has no attribute {name!r}")


zones = zone_table
sectors = sector_table
measures = measure_table
parameters = parameter_table

__all__ = [
    *_STUDY_API,
    "SECTOR_KPIS",
    "MEASURE_KPIS",
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
