"""The real-world patterns the model is held against (pattern-oriented modelling, Grimm et
al. 2005), and the model's statistic for each.

The observed side lives in two data tables with value, band, unit, grade and source:
``data/targets.csv`` (one row per scalar pattern) and ``data/uptake_classes.csv`` (the
published Bass p and q ranges of each class of measure, which become a band on the share of
eligible firms that has adopted 1, 3 and 5 years after a measure starts).

The model's side is a set of small functions over a study's tables (zone_kpis, uptake) and
a probe that runs the model directly (trade per day saved). Each returns
plain numbers; :func:`check` puts them next to the bands.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd

from ..model import (
    FAR_MEASURE,
    Policy,
    ZoneModel,
    measure_table,
    parameter_table,
    sector_table,
    zone_table,
)
from ..model.calendar import MONTHS_PER_YEAR
from ..studies.summary import zones_on

UPTAKE_MONTHS = (12, 36, 60)  # months after a measure starts at which uptake is compared
CASH_POOL = "6"
CASH_POOL_MONTHS = (45, 54)  # months after the March 2021 pilot: end 2024 and September 2025
NATIONAL_POOLS = (54, 98)  # groups with a pool at those dates (zones_facts.md §4)
PROBE_MEASURE = "8"  # single window: saves clearance days and nothing else that moves trade
EFFECT_MONTH = 60  # the plan's effect is compared five years after the start


# ---------------------------------------------------------------------- the observed side
def _read(name: str) -> pd.DataFrame:
    with files("zonesim.calibration").joinpath("data", name).open(encoding="utf-8") as fh:
        return pd.read_csv(fh, keep_default_na=False)


@cache
def _targets() -> pd.DataFrame:
    return _read("targets.csv").set_index("pattern")


@cache
def _classes() -> pd.DataFrame:
    return _read("uptake_classes.csv").set_index("uptake_class")


def targets() -> pd.DataFrame:
    """The scalar patterns: group, statistic, value, low, high, unit, grade, source, note."""
    return _targets().copy()


def uptake_classes() -> pd.DataFrame:
    """The Bass p and q ranges (per year) of each class of measure, with grade and source."""
    return _classes().copy()


def bass_share(years: np.ndarray | float, p: float, q: float) -> np.ndarray:
    """Closed-form Bass (1969) cumulative adoption F(t) for t in years."""
    e = np.exp(-(p + q) * np.asarray(years, dtype=float))
    return (1 - e) / (1 + (q / p) * e)


def months_needed(policy: Policy, months: Iterable[int] = UPTAKE_MONTHS) -> int:
    """The horizon that gives every measure ``policy`` turns on the longest exposure."""
    starts = [s.start_month for s in policy.measures.values() if s.enabled and s.zones]
    return max(max(start, 1) - 1 for start in starts) + max(months) if starts else 0


def class_bands(months: Iterable[int] = UPTAKE_MONTHS) -> pd.DataFrame:
    """The band of each class's uptake share at each month after start: F(t) at the low p
    and q up to F(t) at the high ones (F rises with both). Columns: uptake_class, months,
    low, high."""
    rows = [
        {
            "uptake_class": name,
            "months": m,
            "low": float(bass_share(m / MONTHS_PER_YEAR, c.p_low, c.q_low)),
            "high": float(bass_share(m / MONTHS_PER_YEAR, c.p_high, c.q_high)),
        }
        for name, c in _classes().iterrows()
        for m in months
    ]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- uptake
def uptake_since_start(uptake: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Eligible and adopted firms per replication, measure and months of exposure (the
    months the measure has been live, at the end of a recorded month), summed over the zones
    where ``policy`` turns it on. Rows of several scenarios under the same policy (a
    calibration's samples) stay apart by their ``scenario``."""
    on = zones_on(policy)
    start = {m: s.start_month for m, s in policy.measures.items()}
    rows = uptake[uptake["measure"].isin(list(on))]
    where_on = np.array(
        [z in on[m] for m, z in zip(rows["measure"], rows["zone"], strict=True)], dtype=bool
    )
    rows = rows[where_on]
    # month 0 is the state before the first step, so a measure starting at month 0 or 1 is
    # first live in the step to month 1; one starting at s > 0 in the step to month s
    first_live = np.maximum(rows["measure"].map(start).to_numpy(), 1)
    since = rows["month"].to_numpy() - first_live + 1
    rows = rows.assign(months=since)[since >= 0]
    keys = ["scenario"] * ("scenario" in rows) + ["replication", "measure", "months"]
    return rows.groupby(keys, as_index=False)[["eligible", "adopted"]].sum()


def with_classes(since_start: pd.DataFrame) -> pd.DataFrame:
    """``since_start`` with each measure's uptake class."""
    return since_start.assign(
        uptake_class=since_start["measure"].map(measure_table()["uptake_class"])
    )


def pooled_share(counts: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Adopted over eligible, both summed over everything not in ``by`` (replications,
    measures): the share of all eligible firm-months that have adopted."""
    total = counts.groupby(by, as_index=False)[["eligible", "adopted"]].sum()
    total["share"] = total["adopted"] / total["eligible"].where(total["eligible"] > 0)
    return total


def class_uptake(since_start: pd.DataFrame, months: Iterable[int] = UPTAKE_MONTHS) -> pd.DataFrame:
    """Each class's pooled uptake share at the given months after start, with its band:
    uptake_class, months, share, low, high, met."""
    chosen = since_start[since_start["months"].isin(list(months))]
    share = pooled_share(with_classes(chosen), ["uptake_class", "months"])
    out = share.merge(class_bands(months), on=["uptake_class", "months"], how="right")
    out["met"] = out["share"].between(out["low"], out["high"])
    return out[["uptake_class", "months", "share", "low", "high", "met"]]


def measure_uptake(
    since_start: pd.DataFrame, months: Iterable[int] = UPTAKE_MONTHS
) -> pd.DataFrame:
    """Each measure's uptake share at the given months after start, against its class band:
    measure, uptake_class, months, eligible (mean per run), share, low, high, met."""
    chosen = with_classes(since_start[since_start["months"].isin(list(months))])
    share = pooled_share(chosen, ["measure", "uptake_class", "months"])
    runs = chosen["replication"].nunique()
    share["eligible"] = share["eligible"] / max(runs, 1)
    out = share.merge(class_bands(months), on=["uptake_class", "months"])
    out["met"] = out["share"].between(out["low"], out["high"])
    order = {m: i for i, m in enumerate(measure_table().index)}
    out = out.sort_values(
        ["measure", "months"], key=lambda s: s.map(order) if s.name == "measure" else s
    )
    columns = ["measure", "uptake_class", "months", "eligible", "share", "low", "high", "met"]
    return out[columns].reset_index(drop=True)


def cash_pool_ratio(since_start: pd.DataFrame, months: tuple[int, int] = CASH_POOL_MONTHS) -> float:
    """Cash-pool adopters ``months[1]`` after launch over adopters ``months[0]`` after
    (summed over zones and replications); NaN when there are none at the first date."""
    pool = since_start[since_start["measure"] == CASH_POOL].groupby("months")["adopted"].sum()
    first, second = (float(pool.get(m, np.nan)) for m in months)
    return second / first if first > 0 else float("nan")


# ---------------------------------------------------------------------- zones and space
def _all_zones(kpis: pd.DataFrame, month: int) -> pd.DataFrame:
    """Sums over the zones, per replication, at ``month``."""
    return kpis[kpis["month"] == month].groupby("replication").sum(numeric_only=True)


def scale_statistics(baseline_kpis: pd.DataFrame) -> dict[str, float]:
    """The start-of-run scale patterns from a baseline's zone_kpis (means over runs)."""
    start = baseline_kpis[baseline_kpis["month"] == 0]
    songjiang = start[start["zone"] == "songjiang"]
    land = parameter_table()["value"].reindex([f"zone.{z}.land_km2" for z in zone_table().index])
    total = _all_zones(baseline_kpis, 0)
    trade = total["imports_rmb_m"] + total["exports_rmb_m"]
    return {
        "scale.songjiang_firms": float(songjiang["firms"].mean()),
        "scale.songjiang_output": float(songjiang["revenue_rmb_m"].mean()) / 1e3,
        "scale.songjiang_trade": float(
            (songjiang["imports_rmb_m"] + songjiang["exports_rmb_m"]).mean()
        )
        / 1e3,
        "scale.firm_density": float(total["firms"].mean()) / float(land.sum()),
        "scale.trade_density": float(trade.mean()) / 1e3 / float(land.sum()),
        "trade.six_zone_ceiling": float(trade.mean()) / 1e3,
    }


def zone_far(kpis: pd.DataFrame, zones: Iterable[str]) -> float:
    """Floor stock over plot area at the horizon, of ``zones`` together (summed), mean over
    runs; NaN for no zones."""
    zones = sorted(zones)
    if not zones:
        return float("nan")
    prm = parameter_table()["value"]
    plot = sum(prm[f"zone.{z}.land_km2"] for z in zones) * 1e6 * prm["space.net_plot_share"]
    end = kpis[(kpis["month"] == kpis["month"].max()) & kpis["zone"].isin(zones)]
    return float(end.groupby("replication")["floor_stock_m2"].sum().mean() / plot)


def far_statistics(
    baseline_kpis: pd.DataFrame, plan_kpis: pd.DataFrame, plan: Policy,
    far_measure: str = FAR_MEASURE,
) -> dict[str, float]:  # fmt: skip
    """The zones' FAR at the horizon: all six in the baseline (the programme's cap), and
    those where ``far_measure`` is on under ``plan`` (its higher cap)."""
    return {
        "far.zone_far_baseline": zone_far(baseline_kpis, zone_table().index),
        "far.zone_far": zone_far(plan_kpis, zones_on(plan).get(far_measure, ())),
    }


def plan_effect(
    baseline_kpis: pd.DataFrame, plan_kpis: pd.DataFrame, month: int = EFFECT_MONTH
) -> float:
    """The plan's effect on the six zones' annual revenue at ``month``: the plan's mean over
    runs of the zones' summed revenue over the baseline's, minus 1."""

    def mean_revenue(kpis: pd.DataFrame) -> float:
        return float(_all_zones(kpis, month)["revenue_rmb_m"].mean())

    return mean_revenue(plan_kpis) / mean_revenue(baseline_kpis) - 1


# ---------------------------------------------------------------------- demography
def demography_years(baseline_kpis: pd.DataFrame) -> pd.DataFrame:
    """Per run and year: entries, exits, mean firms, birth and death rates (per year)."""
    k = baseline_kpis[baseline_kpis["month"] > 0]
    months = k.groupby(["replication", "month"], as_index=False)[
        ["entries", "exits", "firms"]
    ].sum()
    months["year"] = (months["month"] - 1) // MONTHS_PER_YEAR + 1
    years = months.groupby(["replication", "year"], as_index=False).agg(
        entries=("entries", "sum"), exits=("exits", "sum"), firms=("firms", "mean")
    )
    years["birth_rate"] = years["entries"] / years["firms"]
    years["death_rate"] = years["exits"] / years["firms"]
    return years


def demography_statistics(baseline_kpis: pd.DataFrame) -> dict[str, float]:
    years = demography_years(baseline_kpis)
    start = _all_zones(baseline_kpis, 0)["firms"]
    end = _all_zones(baseline_kpis, int(baseline_kpis["month"].max()))["firms"]
    return {
        "demography.death_rate": float(years["death_rate"].mean()),
        "demography.birth_rate": float(years["birth_rate"].mean()),
        "demography.firm_count_change": float((end / start).mean() - 1),
    }


def entrant_survival(kpis: pd.DataFrame) -> tuple[int, int]:
    """Entrants followed for a year, from zone KPIs (of one scenario, any number of runs):
    (entrants of months 1 .. horizon - 12, of those still in business 12 months later),
    pooled over runs and zones. A firm that moves to another of the six zones is still in
    business."""
    horizon = int(kpis["month"].max())
    year = MONTHS_PER_YEAR
    followed = kpis.loc[kpis["month"].between(1, horizon - year), "entries"].sum()
    survived = kpis.loc[kpis["month"].between(1 + year, horizon), "one_year_survivors"].sum()
    return int(followed), int(survived)


def trade_response(seed: int, months: int = MONTHS_PER_YEAR) -> pd.DataFrame:
    """Probe: the rise in each sector's imports from one day of clearance time saved.

    Runs ``months`` with the single window (measure 8) on in every zone at one day saved,
    then lets the model's own monthly operation compute trade twice, with nobody and with
    every eligible firm using the measure. Returns sector, perishable_share, firms and
    response (import-weighted mean rise, a share). The probe's model is thrown away: the
    extra operations leave its firms changed."""
    zones = list(zone_table().index)
    policy = Policy.baseline().with_measure(PROBE_MEASURE, zones=zones, start_month=0)
    model = ZoneModel(
        rng=seed, policy=policy, params={f"m{PROBE_MEASURE}.days_saved": 1.0}, months=months
    ).run()
    f, k = model.firms, model.measures.index[PROBE_MEASURE]
    kept = f.adopted.copy()
    f.adopted[:] = False
    model.operate()
    before = f.imports.copy()
    f.adopted[:, k] = f.eligible[:, k]
    model.operate()
    after = f.imports.copy()
    f.adopted[:] = kept
    used = f.eligible[:, k] & (before > 0)
    sectors = np.asarray(sector_table().index)[f.sector[used]]
    frame = pd.DataFrame({"sector": sectors, "before": before[used], "after": after[used]})
    out = frame.groupby("sector").agg(firms=("before", "size"), before=("before", "sum"),
                                      after=("after", "sum"))  # fmt: skip
    out["response"] = out["after"] / out["before"] - 1
    perishable = parameter_table()["value"]
    out["perishable_share"] = [perishable[f"sector.{s}.perishable_share"] for s in out.index]
    return out[["perishable_share", "firms", "response"]].reset_index()


def trade_statistics(response: pd.DataFrame) -> dict[str, float]:
    """General goods: the firm-weighted mean response of sectors without perishables;
    perishables: the chilled-seafood sector's."""
    general = response[response["perishable_share"] == 0]
    seafood = response[response["sector"] == "seafood_import"]
    return {
        "trade.general_per_day": float(np.average(general["response"], weights=general["firms"])),
        "trade.perishable_per_day": float(seafood["response"].mean()),
    }


# ---------------------------------------------------------------------- the check
def check(values: Mapping[str, float]) -> pd.DataFrame:
    """Each pattern of the targets table with the model's value and whether it lies in the
    band (NaN values are not met). Patterns without a value are left out."""
    table = targets()
    table = table[table.index.isin(list(values))].copy()
    table.insert(3, "model", [float(values[p]) for p in table.index])
    table["met"] = table["model"].between(table["low"], table["high"])
    return table
