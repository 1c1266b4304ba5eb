"""Summary tables of a study: each main KPI per scenario and zone at a few months, its
difference from the baseline with a 95% CI paired by replication, and uptake at the horizon.

Input: the combined tables that :func:`zonesim.studies.runner.run_study` writes; the files
are written by :mod:`zonesim.studies.compare`.
Columns of every output: results/README.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd

from ..model import MEASURE_KPIS, ZONE_KPIS, Policy, measure_table, parameter_table

ALL_ZONES = "all zones"
DEFAULT_BASELINE = "baseline"  # the scenario differences are taken from unless told otherwise
TRADE = "trade_rmb_m"
TRADE_UNIT = ("RMB million/yr", "annual imports plus exports (annual rate)")

# The KPIs the summary reports, and how the six zones combine into "all zones".
MAIN_KPIS = {
    "firms": "sum",
    "employment": "sum",
    "revenue_rmb_m": "sum",
    TRADE: "sum",
    "floor_stock_m2": "sum",
    "vacancy": "1 - occupied / stock",
    "rent_rmb_m2_day": "mean over zones",
    "clearance_days": "mean over firms",
}
# Activity the six zones may gain at the expense of firms outside them: their net effects
# discount the displacement share (parameter displacement.share); diversion between the six
# zones is simulated, and shows in the other zones' rows.
DISPLACED_KPIS = ("firms", "employment", "revenue_rmb_m", TRADE)
REPORT_MONTHS = (12, 36, 60)  # years 1, 3 and 5; the horizon is added
DEFAULT_MAP_KPI = "revenue_rmb_m"  # the KPI difference `zonesim compare` maps by default
UPTAKE_KPIS = ("eligible", "adopted", "uptake_share")

# Two-sided 95% t quantiles t(0.975, df) for df = 1..30, as printed in the NIST/SEMATECH
# e-Handbook of Statistical Methods, section 1.3.6.7.2 "Critical values of the Student's t
# distribution" (https://www.itl.nist.gov/div898/handbook/eda/section3/eda3672.htm).
T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def unit(kpi: str) -> str:
    """The unit of a zone KPI, uptake column or derived column."""
    if kpi == TRADE:
        return TRADE_UNIT[0]
    return (ZONE_KPIS.get(kpi) or MEASURE_KPIS[kpi])[0]


DETECTION_POWER = 0.8  # the chance of telling a true difference from zero, for "detectable"


def detectable_factor(df: int) -> float:
    """Standard errors in the smallest true difference that a paired t-test at 5% (two-sided)
    detects with DETECTION_POWER: t(0.975, df) + t(power, df); NaN for df < 1."""
    from scipy.stats import t as student_t  # here: scipy.stats is slow to import for the CLI

    if df < 1:
        return math.nan
    return t975(df) + float(student_t.ppf(DETECTION_POWER, df))


def t975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (NaN for df < 1).

    df <= 30: the NIST table above. df > 30: the Cornish-Fisher expansion of t in terms of
    the normal quantile (Abramowitz and Stegun 26.7.5, four terms), within 1e-6 of the exact
    value there.
    """
    if df < 1:
        return math.nan
    if df <= len(T975):
        return T975[df - 1]
    z = NormalDist().inv_cdf(0.975)
    g = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    return z + sum(gi / df ** (i + 1) for i, gi in enumerate(g))


# ---------------------------------------------------------------------- combining zones
def with_all_zones(kpis: pd.DataFrame) -> pd.DataFrame:
    """The zone KPI table with the trade column added and an "all zones" row per run and
    month (sums; vacancy recomputed from the sums; rent the mean over zones; clearance days
    the mean over all firms)."""
    kpis = kpis.assign(**{TRADE: kpis["imports_rmb_m"] + kpis["exports_rmb_m"]})
    keys = [c for c in ("scenario", "replication", "seed", "month", "date") if c in kpis]
    groups = kpis.assign(_firm_days=kpis["clearance_days"] * kpis["firms"]).groupby(
        keys, sort=False
    )
    sums = [c for c, how in MAIN_KPIS.items() if how == "sum"] + ["occupied_m2", "_firm_days"]
    total = groups[sums].sum()
    total["vacancy"] = 1 - total["occupied_m2"] / total["floor_stock_m2"]
    total["rent_rmb_m2_day"] = groups["rent_rmb_m2_day"].mean()
    total["clearance_days"] = total.pop("_firm_days") / total["firms"].clip(lower=1)
    total = total.reset_index().assign(zone=ALL_ZONES)
    return pd.concat([kpis, total], ignore_index=True)


def start_months(frame: pd.DataFrame) -> set[pd.Period]:
    """The months 0 of the runs in ``frame`` (from its month and date columns: each date is
    its run's start plus the month); empty when it has no dates."""
    if "date" not in frame:
        return set()
    pairs = frame[["month", "date"]].drop_duplicates()
    return {pd.Period(d, freq="M") - m for m, d in zip(pairs["month"], pairs["date"], strict=True)}


def report_months(horizon: int, months: Sequence[int] = REPORT_MONTHS) -> list[int]:
    return sorted({m for m in months if m < horizon} | {horizon})


# ---------------------------------------------------------------------- KPI summary
def kpi_summary(
    kpis: pd.DataFrame,
    baseline: str | None = "baseline",
    months: Sequence[int] | None = None,
    displacement: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row per KPI, zone (six and "all zones"), month and scenario: mean over
    replications, and the difference from ``baseline`` with its 95% CI, gross and net.

    The CI is a t-interval on the per-replication differences (scenario minus baseline with
    the same replication, hence the same seed); ``pairs`` counts them, and ``baseline_mean``
    is over the same replications. Differences are NaN for the baseline itself and when
    there is no baseline; the CI also with fewer than two pairs.

    ``displacement``: per scenario, the share of its gain in activity (DISPLACED_KPIS) taken
    from firms outside the six zones (parameter displacement.share; default: the table's
    value). The net difference and its CI are the gross ones times (1 - share); NaN for the
    other KPIs.
    """
    horizon = int(kpis["month"].max())
    months = report_months(horizon) if months is None else list(months)
    table = with_all_zones(kpis[kpis["month"].isin(months)])
    order = list(dict.fromkeys(kpis["scenario"]))
    zones = list(dict.fromkeys(kpis["zone"])) + [ALL_ZONES]
    long = table.melt(
        id_vars=["scenario", "replication", "zone", "month"],
        value_vars=list(MAIN_KPIS),
        var_name="kpi",
    )
    keys = ["kpi", "zone", "month"]
    wide = long.pivot_table(
        index=[*keys, "replication"], columns="scenario", values="value", aggfunc="first"
    )
    rows = [
        paired_stats(wide, scenario, baseline, keys).assign(scenario=scenario).reset_index()
        for scenario in order
    ]
    out = pd.concat(rows, ignore_index=True)
    share = out["scenario"].map(lambda name: displacement_share(name, displacement))
    kept = (1 - share).where(out["kpi"].isin(DISPLACED_KPIS))
    for gross, net in zip(GROSS, NET, strict=True):
        out[net] = out[gross] * kept
    out["unit"] = out["kpi"].map(unit)
    out["all_zones_rule"] = np.where(out["zone"] == ALL_ZONES, out["kpi"].map(MAIN_KPIS), "")
    out["kpi"] = pd.Categorical(out["kpi"], list(MAIN_KPIS), ordered=True)
    out["zone"] = pd.Categorical(out["zone"], zones, ordered=True)
    out["scenario"] = pd.Categorical(out["scenario"], order, ordered=True)
    out = out.sort_values(["kpi", "zone", "month", "scenario"]).astype(
        {"kpi": str, "zone": str, "scenario": str}
    )
    columns = [
        "kpi", "unit", "zone", "all_zones_rule", "month", "scenario", "replications", "mean",
        "pairs", "baseline_mean", "diff", "diff_ci_low", "diff_ci_high", "diff_pct", "detectable",
        "net_diff", "net_ci_low", "net_ci_high",
    ]  # fmt: skip
    return out[columns].reset_index(drop=True)


def paired_stats(
    wide: pd.DataFrame, scenario: str, baseline: str | None, keys: list[str]
) -> pd.DataFrame:
    """Per group of ``keys``: the mean of ``scenario`` over replications (``replications``
    counts them) and, unless it is the baseline or there is none, its difference from
    ``baseline`` paired by replication: ``pairs``, ``baseline_mean`` (over the same
    replications), ``diff`` with its 95% t-interval ``diff_ci_low``/``diff_ci_high``
    (NaN with fewer than two pairs), ``diff_pct`` and ``detectable`` (the smallest true
    difference a paired t-test at 5% detects with DETECTION_POWER). NaN where not taken.

    ``wide``: one column per scenario, indexed by ``keys`` plus the replication."""
    stats = wide[scenario].groupby(level=keys).agg(["mean", "count"])
    stats.columns = ["mean", "replications"]
    stats["pairs"] = 0
    for col in ("baseline_mean", "diff", "diff_ci_low", "diff_ci_high", "diff_pct", "detectable"):
        stats[col] = np.nan
    if baseline not in wide or scenario == baseline:
        return stats
    d = (wide[scenario] - wide[baseline]).groupby(level=keys).agg(["mean", "std", "count"])
    d = d.reindex(stats.index)
    se = d["std"] / np.sqrt(d["count"])
    half = se * d["count"].sub(1).map(t975)
    # over the pairs only, so that diff = mean of the pairs - baseline_mean even when a failed
    # run leaves a replication unpaired
    paired = wide[scenario].notna()
    base_mean = wide[baseline].where(paired).groupby(level=keys).mean()
    stats["pairs"] = d["count"].fillna(0).astype("int64")
    stats["baseline_mean"] = base_mean
    stats["diff"] = d["mean"]
    stats["diff_ci_low"] = d["mean"] - half
    stats["diff_ci_high"] = d["mean"] + half
    stats["diff_pct"] = 100 * d["mean"] / base_mean.where(base_mean != 0)
    stats["detectable"] = se * d["count"].sub(1).map(detectable_factor)
    return stats


GROSS = ("diff", "diff_ci_low", "diff_ci_high")
NET = ("net_diff", "net_ci_low", "net_ci_high")


def displacement_share(scenario: str, shares: Mapping[str, float] | None = None) -> float:
    """The displacement share of ``scenario``: from ``shares`` if given there, else the
    parameter table's displacement.share."""
    if shares and scenario in shares:
        return float(shares[scenario])
    return float(parameter_table().loc["displacement.share", "value"])


# ---------------------------------------------------------------------- runs table
def run_table(kpis: pd.DataFrame, settings: Mapping[str, Mapping[str, object]]) -> pd.DataFrame:
    """One row per run (scenario, replication, seed): the settings of its scenario, then each
    main KPI of all six zones at the horizon (as ``with_all_zones`` combines them).

    ``settings`` maps a scenario to its settings by name: the parameters it overrides, and
    others (market path, start, a sweep's swept values). There is a column for every name
    any scenario has; a scenario that leaves a parameter has the parameter table's value,
    and one without another setting has none (NaN)."""
    horizon = kpis[kpis["month"] == kpis["month"].max()]
    totals = with_all_zones(horizon)
    totals = totals[totals["zone"] == ALL_ZONES].reset_index(drop=True)
    table = parameter_table()["value"]
    names = sorted({name for values in settings.values() for name in values})
    columns = {
        name: [settings.get(s, {}).get(name, table.get(name)) for s in totals["scenario"]]
        for name in names
    }
    keys = totals[["scenario", "replication", "seed"]]
    return pd.concat([keys, pd.DataFrame(columns), totals[list(MAIN_KPIS)]], axis=1)


# ---------------------------------------------------------------------- uptake summary
def share(adopted, eligible):
    """Uptake share of aggregated counts: ``adopted / eligible``, NaN where ``eligible`` is 0.

    Shares aggregated over replications or zones are this ratio of the mean (or summed)
    counts, not a mean of per-run shares, so that they agree with the counts reported next
    to them."""
    return adopted / eligible.where(eligible > 0)


def uptake_means(uptake: pd.DataFrame | Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Mean eligible and adopted firms over replications, per measure, zone and month (with
    its date, if the rows have one), and the number of replications (column
    ``replications``).

    ``uptake`` holds the uptake rows of one scenario, whole or as an iterable of chunks:
    chunks are summed one by one, so a large study's table never has to be in memory."""
    chunks = [uptake] if isinstance(uptake, pd.DataFrame) else uptake
    parts, keys = [], []
    for chunk in chunks:
        keys = ["measure", "zone", "month", *(["date"] if "date" in chunk else [])]
        groups = chunk.groupby(keys, observed=True)
        part = groups[["eligible", "adopted"]].sum().astype(float)
        part["replications"] = groups.size()
        parts.append(part)
    total = pd.concat(parts).groupby(level=keys, observed=True).sum()
    for count in ("eligible", "adopted"):
        total[count] /= total["replications"]
    return total.reset_index()


def zones_on(policy: Policy) -> dict[str, frozenset[str]]:
    """Measure id -> the zones where the policy turns it on (measures that are off: absent)."""
    return {m: frozenset(s.zones) for m, s in policy.measures.items() if s.enabled and s.zones}


def uptake_summary(
    uptake: pd.DataFrame,
    policies: Mapping[str, Policy] | None = None,
    month: int | None = None,
) -> pd.DataFrame:
    """One row per scenario, measure and zone (six and "all zones") at ``month`` (default the
    horizon): eligible and adopted, each the mean over replications, and the uptake share
    :func:`share` of those means (NaN where the mean eligible is 0).

    With ``policies`` (scenario -> Policy), column ``on`` tells whether the measure is on in
    the zone (for "all zones": in any zone), and "all zones" sums over the zones where it is
    on; without, ``on`` is empty and "all zones" sums over all six. So the share of every row
    is the row's adopted / eligible, and "all zones" is consistent with the zone rows.
    """
    month = int(uptake["month"].max()) if month is None else month
    now = uptake[uptake["month"] == month].copy()
    if policies is None:
        now["on"] = True
    else:
        lookup = {name: zones_on(policy) for name, policy in policies.items()}
        now["on"] = [
            zone in lookup.get(sc, {}).get(m, ())
            for sc, m, zone in zip(now["scenario"], now["measure"], now["zone"], strict=True)
        ]
    keys = ["scenario", "replication", "measure"]
    counted = now[["eligible", "adopted"]].where(now["on"], 0).join(now[keys])
    total = counted.groupby(keys, sort=False)[["eligible", "adopted"]].sum()
    total["on"] = now.groupby(keys, sort=False)["on"].any()
    both = pd.concat([now, total.reset_index().assign(zone=ALL_ZONES)], ignore_index=True)
    out = (
        both.groupby(["scenario", "measure", "zone"], sort=False)
        .agg(on=("on", "first"), eligible=("eligible", "mean"), adopted=("adopted", "mean"))
        .reset_index()
    )
    out["uptake_share"] = share(out["adopted"], out["eligible"])
    if policies is None:
        out["on"] = pd.NA
    out.insert(0, "month", month)
    out.insert(3, "title", out["measure"].map(measure_table()["title"]))
    return out


# ---------------------------------------------------------------------- Markdown
def fmt(x: float) -> str:
    """Four significant digits, thousands separated, never in scientific notation."""
    if x is None or math.isnan(x):
        return "–"
    if x == 0:
        return "0"
    decimals = max(0, 3 - math.floor(math.log10(abs(x))))
    return f"{x:,.{min(decimals, 6)}f}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def kpi_markdown(summary: pd.DataFrame, baseline: str | None = "baseline") -> str:
    scenarios = list(dict.fromkeys(summary["scenario"]))
    others = [s for s in scenarios if s != baseline] if baseline in scenarios else []
    n = int(summary["replications"].max())
    intro = f"Mean over {n} replication(s)."
    if others:
        intro += (
            f" Δ: scenario minus {baseline} with the same seed, mean over replications, with its "
            "95% CI (t-interval on the paired differences; none with one replication). Net Δ "
            "(firms, employment, revenue, trade): Δ less the share displaced from firms outside "
            "the six zones (parameter displacement.share)."
        )
    parts = ["# KPIs by scenario, zone and month", "", intro, ""]
    for kpi, block in summary.groupby("kpi", sort=False):
        rule = MAIN_KPIS[kpi]
        parts += [f"## {kpi} ({unit(kpi)})", "", f"All zones: {rule}.", ""]
        wide = block.pivot_table(
            index=["zone", "month"], columns="scenario", values="mean", sort=False
        )
        header = ["zone", "month", *scenarios]
        header += [f"Δ {s} vs {baseline} (95% CI)" for s in others]
        displaced = kpi in DISPLACED_KPIS
        if displaced:
            header += [f"net Δ {s} (95% CI)" for s in others]
        rows = []
        for (zone, month), means in wide.iterrows():
            row = [zone, str(month), *(fmt(means[s]) for s in scenarios)]
            picked = [
                block[(block.zone == zone) & (block.month == month) & (block.scenario == s)].iloc[0]
                for s in others
            ]
            row += [
                f"{fmt(r['diff'])} [{fmt(r['diff_ci_low'])}, {fmt(r['diff_ci_high'])}]"
                for r in picked
            ]
            if displaced:
                row += [
                    f"{fmt(r['net_diff'])} [{fmt(r['net_ci_low'])}, {fmt(r['net_ci_high'])}]"
                    for r in picked
                ]
            rows.append(row)
        parts += [markdown_table(header, rows), ""]
    return "\n".join(parts)


def uptake_markdown(summary: pd.DataFrame) -> str:
    month = int(summary["month"].iloc[0])
    known = summary["on"].notna().all()
    note = (
        "· : measure off in the zone. All zones: adopted / eligible summed over the zones "
        "where the measure is on."
        if known
        else "All zones: adopted / eligible summed over the six zones."
    )
    parts = [
        f"# Uptake of the measures at month {month}",
        "",
        "Each cell: uptake share, then adopted firms. Adopted and eligible firms are means "
        "over replications, and the share is mean adopted / mean eligible (– where no firm is "
        f"eligible in any replication). {note}",
        "",
    ]
    for scenario, block in summary.groupby("scenario", sort=False):
        parts += [f"## {scenario}", ""]
        if known and not block["on"].astype(bool).any():
            parts += ["No measure is on in this scenario.", ""]
            continue
        if block["adopted"].sum() == 0:
            parts += ["No firm adopted any measure in this scenario.", ""]
            continue
        zones = list(dict.fromkeys(block["zone"]))
        rows = []
        for (measure, title), m in block.groupby(["measure", "title"], sort=False):
            cells = m.set_index("zone")
            row = [measure, title]
            for z in zones:
                if known and not cells.at[z, "on"]:
                    row.append("·")
                else:
                    sh = cells.at[z, "uptake_share"]
                    sh = "–" if math.isnan(sh) else f"{sh:.0%}"
                    row.append(f"{sh} ({cells.at[z, 'adopted']:.1f})")
            rows.append(row)
        parts += [markdown_table(["measure", "title", *zones], rows), ""]
    return "\n".join(parts)
