"""Each measure's own outcomes in a study: per scenario, measure and zone (six and "all
zones"), the measure KPIs of every run (model.MEASURE_KPIS; stocks at the horizon, flows
summed over the run), their means and their differences from the baseline with 95% CIs
paired by replication; and which measures each scenario changes.

Input: a study's measure_kpis table (whole, or in chunks); the files are written by
:mod:`zonesim.studies.compare`. Columns of every output: results/README.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..model import MEASURE_KPIS, Policy, measure_table
from .summary import ALL_ZONES, fmt, markdown_table, paired_stats, share

# Flows of a month: summed over months 1 to the horizon (month 0 is the starting state), in
# these units.
FLOWS = {"costs_paid_rmb_m": "RMB million", "entrants_drawn": "expected firms"}
KPIS = tuple(MEASURE_KPIS)
RUN_KEYS = ["scenario", "replication", "measure", "zone"]
MEASURE_PARAMETER = re.compile(r"m(\d+[a-z]?)\.")  # m6.threshold_members -> 6
COLUMNS = [*RUN_KEYS, "month", *(k for k in KPIS if k != "uptake_share")]
# the KPIs that say what a measure did, in the order the Markdown and the printout give them
SHOWN = ("adopted", "uptake_share", "net_benefit_rmb_m", "costs_paid_rmb_m", "entrants_drawn")


def unit(kpi: str) -> str:
    """The unit of one run's value of a measure KPI (a flow's, summed over the run)."""
    return FLOWS.get(kpi) or MEASURE_KPIS[kpi][0]


def how_measured(kpi: str, horizon: int) -> str:
    """How one run's value of a measure KPI is taken: at the horizon, or summed."""
    if kpi in FLOWS:
        return f"sum over months 1-{horizon}"
    return f"month {horizon}"


def run_values(chunks: Iterable[pd.DataFrame], horizon: int) -> pd.DataFrame:
    """One row per run (scenario, replication), measure and zone, the six and "all zones"
    (sums): each measure KPI at ``horizon``, the FLOWS summed over months 1 to ``horizon``,
    and the uptake share adopted / eligible (NaN where none is eligible).

    ``chunks``: the rows of a study's measure_kpis table (at least COLUMNS), whole or in
    pieces; a run's rows may be split across pieces. Every KPI comes as a float (counts
    summed over chunks with gaps would otherwise come as ints or floats by chance)."""
    parts = []
    for chunk in chunks:
        at = chunk[chunk["month"] == horizon].set_index(RUN_KEYS)
        flows = chunk[chunk["month"].between(1, horizon)].groupby(RUN_KEYS, observed=True)
        stocks = [k for k in COLUMNS[len(RUN_KEYS) + 1 :] if k not in FLOWS]
        parts.append(pd.concat([at[stocks], flows[list(FLOWS)].sum()], axis=1))
    runs = pd.concat(parts).groupby(level=RUN_KEYS, sort=False).sum(min_count=1)
    total = runs.groupby(level=RUN_KEYS[:-1], sort=False).sum(min_count=1)
    total = total.assign(zone=ALL_ZONES).set_index("zone", append=True)
    out = pd.concat([runs, total]).reset_index()
    out["uptake_share"] = share(out["adopted"], out["eligible"])
    return out[[*RUN_KEYS, *KPIS]].astype(dict.fromkeys(KPIS, "float64"))


def measure_summary(
    values: pd.DataFrame,
    baseline: str | None,
    horizon: int,
    changed: Mapping[str, frozenset[str]] | None = None,
) -> pd.DataFrame:
    """One row per scenario, measure, zone and measure KPI: the mean over replications and,
    for a scenario other than ``baseline``, the difference from it with its 95% CI paired
    by replication (as kpi_summary's; NaN without a baseline).

    ``values``: :func:`run_values`. ``changed``: per scenario, the measures whose setting or
    parameters differ from the baseline's (:func:`changed_measures`); column ``changed``
    tells them (empty when unknown)."""
    order = list(dict.fromkeys(values["scenario"]))
    long = values.melt(id_vars=RUN_KEYS, value_vars=list(KPIS), var_name="kpi")
    keys = ["measure", "zone", "kpi"]
    # unstacked, not pivoted: a KPI that is NaN in every run (no firm eligible) keeps its rows
    wide = long.set_index([*keys, "replication", "scenario"])["value"].unstack("scenario")
    stats = [
        paired_stats(wide, scenario, baseline, keys).assign(scenario=scenario).reset_index()
        for scenario in order
        if scenario in wide
    ]
    out = pd.concat(stats, ignore_index=True)
    if changed is None:
        out["changed"] = pd.NA
    else:
        out["changed"] = [
            m in changed.get(s, ()) for s, m in zip(out["scenario"], out["measure"], strict=True)
        ]
    out["title"] = out["measure"].map(measure_table()["title"])
    out["unit"] = out["kpi"].map(unit)
    out["how"] = out["kpi"].map(lambda kpi: how_measured(kpi, horizon))
    # the measure table's order, zones as in the study then "all zones", KPIs as recorded
    out["measure"] = pd.Categorical(out["measure"], list(measure_table().index), ordered=True)
    zones = [z for z in dict.fromkeys(values["zone"]) if z != ALL_ZONES] + [ALL_ZONES]
    out["zone"] = pd.Categorical(out["zone"], zones, ordered=True)
    out["kpi"] = pd.Categorical(out["kpi"], list(KPIS), ordered=True)
    out["scenario"] = pd.Categorical(out["scenario"], order, ordered=True)
    out = out.sort_values(["scenario", "measure", "zone", "kpi"]).astype(
        {"scenario": str, "measure": str, "zone": str, "kpi": str}
    )
    columns = [
        "scenario", "measure", "title", "changed", "zone", "kpi", "unit", "how",
        "replications", "mean", "pairs", "baseline_mean", "diff", "diff_ci_low",
        "diff_ci_high", "detectable",
    ]  # fmt: skip
    return out[columns].reset_index(drop=True)


def changed_measures(
    policies: Mapping[str, Policy],
    settings: Mapping[str, Mapping[str, object]],
    baseline: str | None,
) -> dict[str, frozenset[str]] | None:
    """Per scenario, the measures it sets differently from ``baseline``: on or off, zones,
    start month or intensity (``policies``), or a parameter of the measure (``m<id>.*`` in
    ``settings``, a scenario's parameter overrides). None when the policies are unknown;
    without a baseline, the measures each scenario turns on."""
    if not policies:
        return None
    ids = list(measure_table().index)
    base = policies[baseline].as_dict() if baseline in policies else {}
    base_settings = settings.get(baseline, {}) if baseline else {}
    out = {}
    for scenario, policy in policies.items():
        on = policy.as_dict()
        mine = settings.get(scenario, {})
        names = set(mine) | set(base_settings)
        by_parameter = {
            found.group(1)
            for name in names
            if (found := MEASURE_PARAMETER.match(name))
            and mine.get(name) != base_settings.get(name)
        }
        out[scenario] = frozenset(m for m in ids if on.get(m) != base.get(m) or m in by_parameter)
    return out


def monthly_totals(chunks: Iterable[pd.DataFrame], measures: Iterable[str]) -> pd.DataFrame:
    """Per run (scenario, replication), measure (of ``measures``) and month: adopted, net
    benefit and entrants drawn summed over the six zones, and the entrants drawn so far
    (``entrants_drawn_to_date``, from month 1). For figures over time."""
    wanted = list(measures)
    keys = ["scenario", "replication", "measure", "month"]
    kpis = ["adopted", "net_benefit_rmb_m", "entrants_drawn"]
    parts = [
        chunk[chunk["measure"].isin(wanted)].groupby(keys, observed=True)[kpis].sum()
        for chunk in chunks
    ]
    total = pd.concat(parts).groupby(level=keys).sum().reset_index()
    total = total.sort_values(keys, ignore_index=True)
    drawn = total["entrants_drawn"].where(total["month"] >= 1, 0.0)
    total["entrants_drawn_to_date"] = drawn.groupby(
        [total["scenario"], total["replication"], total["measure"]]
    ).cumsum()
    return total


def shown_measures(summary: pd.DataFrame, baseline: str | None) -> dict[str, list[str]]:
    """Per scenario other than the baseline, the measures to report: those it changes; when
    that is unknown, those whose all-zones adopters or entrants drawn differ from the
    baseline's beyond their CI (with one replication, at all); without a baseline, those
    with adopters or entrants."""
    total = summary[summary["zone"] == ALL_ZONES]
    out = {}
    for scenario, rows in total.groupby("scenario", sort=False):
        if scenario == baseline:
            continue
        if rows["changed"].notna().all():
            picked = rows[rows["changed"].astype(bool)]
        elif baseline is not None:
            told = (rows["diff_ci_low"] > 0) | (rows["diff_ci_high"] < 0)
            # one replication: no CI, so any difference at all
            told |= rows["diff_ci_low"].isna() & (rows["diff"].fillna(0) != 0)
            picked = rows[told & rows["kpi"].isin(["adopted", "entrants_drawn"])]
        else:
            picked = rows[rows["kpi"].isin(["adopted", "entrants_drawn"]) & (rows["mean"] > 0)]
        out[scenario] = list(dict.fromkeys(picked["measure"]))
    return out


def measure_markdown(summary: pd.DataFrame, baseline: str | None) -> str:
    """The measures each scenario changes, all zones: each SHOWN KPI's mean, with its
    difference from the baseline and the 95% CI where there is one."""
    n = int(summary["replications"].max())
    horizon = summary.loc[summary["kpi"] == "adopted", "how"].iloc[0]
    parts = [
        "# What each measure did",
        "",
        f"All zones (sums over the six; uptake share: adopted / eligible of the sums), mean over "
        f"{n} replication(s): adopters and benefits at {horizon}, costs paid and entrants "
        "drawn summed over the run.",
    ]
    if baseline is not None:
        parts[-1] += (
            f" Δ: scenario minus {baseline} with the same seed, with its 95% CI (t-interval on "
            "the paired differences)."
        )
    parts.append("")
    total = summary[summary["zone"] == ALL_ZONES]
    for scenario, measures in shown_measures(summary, baseline).items():
        parts += [f"## {scenario}", ""]
        if not measures:
            parts += ["No measure is set differently from the baseline.", ""]
            continue
        rows = total[(total["scenario"] == scenario) & total["measure"].isin(measures)]
        header = ["measure", "title", *(f"{k} ({unit(k)})" for k in SHOWN)]
        lines = []
        for (measure, title), block in rows.groupby(["measure", "title"], sort=False):
            cells = block.set_index("kpi")
            lines.append([measure, title, *(_cell(cells.loc[k]) for k in SHOWN)])
        parts += [markdown_table(header, lines), ""]
    return "\n".join(parts)


def _cell(row: pd.Series) -> str:
    """``mean (Δ diff [low, high])``, or the mean alone without a difference."""
    if np.isnan(row["diff"]):
        return fmt(row["mean"])
    return (
        f"{fmt(row['mean'])} (Δ {fmt(row['diff'])} "
        f"[{fmt(row['diff_ci_low'])}, {fmt(row['diff_ci_high'])}])"
    )
