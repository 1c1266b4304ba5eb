"""The scenarios that ship with zonesim, installed as package data of ``zonesim.scenarios``
so that ``zonesim run plan_2024`` finds them by name outside the source tree
(zonesim.studies.scenario_files.SHIPPED). The files are data; phased_rollout.py is an
example script (``python -m zonesim.scenarios.phased_rollout``)."""
