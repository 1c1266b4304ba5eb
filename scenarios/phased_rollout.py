"""A scenario a file cannot express: the return centre warehouse (measure 2a) opens zone by
zone, only once the Silk Road e-commerce cluster (2b) has taken hold there.

Both measures are offered in all six zones (2b from the plan's month 3, 2a from month 0);
2a opens in a zone in the month after the share of eligible firms there using 2b first
reaches OPEN_AT, and stays open. The study runs three scenarios: the plan as published (the
baseline of the comparison), the phased roll-out, and both measures everywhere at once, so
that the effect of the phasing can be told from that of the wider coverage:

    python scenarios/phased_rollout.py [-r 5] [--months 120] [--out results/phased_rollout]

Built on zonesim's Python API only: load a scenario, derive a variant, subclass the model
for the rule, run a study, compare.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import zonesim

OPEN_AT = 0.2  # share of a zone's eligible firms using 2b before 2a opens there (the rule)
CLUSTER, WAREHOUSE = "2b", "2a"


class PhasedRollout(zonesim.ZoneModel):
    """The 2024 plan's model, with 2a held closed in a zone until 2b uptake there reaches
    OPEN_AT. ``opened`` records the month 2a opened in each zone (-1: not yet), ``shares`` the
    2b uptake share the rule read in each zone, by month."""

    def __init__(self, *args, **kwargs):
        self.opened = None  # set before the first switch of policies (in ZoneModel.__init__)
        super().__init__(*args, **kwargs)

    def switch_policies(self) -> None:
        super().switch_policies()
        if self.opened is None:
            self.opened = np.full(len(self.zone_ids), -1)
            self.shares = {}
        k = self.measures.index[CLUSTER]
        f = self.firms
        users = np.bincount(f.zone, weights=f.adopted[:, k] & f.eligible[:, k],
                            minlength=len(self.zone_ids))  # fmt: skip
        eligible = np.bincount(f.zone, weights=f.eligible[:, k], minlength=len(self.zone_ids))
        share = np.divide(users, eligible, out=np.zeros(len(users)), where=eligible > 0)
        self.shares[self.month] = share  # what the rule read, by month
        self.opened[(self.opened < 0) & (share >= OPEN_AT)] = self.month
        closed = self.opened < 0
        self.live[self.measures.index[WAREHOUSE], closed] = False


def scenarios(months: int) -> list[zonesim.ZoneScenario]:
    """The plan as published (first: the comparison's baseline); both measures everywhere at
    once; and the same run by PhasedRollout; each for ``months``."""
    plan = zonesim.load_scenario("plan_2024").replace(months=months)
    zones = sorted(zonesim.zones().index)
    wider = {
        f"measures.{CLUSTER}.zones": zones,
        f"measures.{WAREHOUSE}.zones": zones,
        f"measures.{WAREHOUSE}.start_month": 0,
    }
    at_once = zonesim.with_settings(plan, wider, name="everywhere_at_once")
    phased = at_once.replace(name="phased_rollout", model_class=PhasedRollout)
    return [plan, at_once, phased]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-r", "--replications", type=int, default=5)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--out", type=Path, default=Path("results/phased_rollout"))
    args = parser.parse_args()
    plan, *others = scenarios(args.months)
    zonesim.run_study([plan, *others], args.replications, plan.seed, args.out)
    comparison = zonesim.compare_study(args.out, baseline=plan.name)
    print(f"Compared with {comparison.baseline}; wrote {len(comparison.paths)} files in {args.out}")
    for note in comparison.notes:
        print(f"  {note}")


if __name__ == "__main__":
    main()
