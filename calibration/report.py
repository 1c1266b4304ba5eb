"""The validation report, docs/VALIDATION.md: every pattern with its source, band, the
model's value and whether the model meets it; figures; the calibration's posterior."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ..model import measure_table, parameter_table
from ..studies.summary import fmt, markdown_table
from . import market
from .fit import identification, prior_span, table_digest
from .patterns import CASH_POOL_MONTHS, EFFECT_MONTH, UPTAKE_MONTHS, uptake_classes

GROUPS = {
    "plan": "The plan's effect against measured effects of zone policies",
    "market": "The market rent: a forecast held out from its fit",
    "scale": "Scale of the zones at the start",
    "uptake": "Uptake speed",
    "space": "Floor space and rent",
    "demography": "Firm births and deaths",
    "trade": "Trade and clearance time",
}
CALIBRATION_FIGURES = ("calibration_posterior.png", "calibration_uptake.png")


PERCENT_UNITS = ("share", "share per day", "1/yr")  # shown as percentages
ROLES = {
    "independent": "independent: nothing in the model was set from these figures",
    "out-of-sample": "out of sample: records held out from the fit of the parameters they "
    "check, against what that fit forecasts",
    "input": "inputs: a parameter was set from the same figure, so meeting them shows that "
    "the model uses its inputs as intended",
    "fitted": "fitted: a calibration aimed at them, so meeting them shows that the fit worked",
}
EVIDENCE = ("independent", "out-of-sample")  # the roles that test the model; the rest check it


def evidence_count(table: pd.DataFrame) -> tuple[int, int]:
    """(met, total) over the patterns whose role is in EVIDENCE."""
    rows = table[table["role"].isin(EVIDENCE)]
    return int(rows["met"].sum()), len(rows)


def headline(table: pd.DataFrame) -> list[str]:
    """The report's opening: the independent and out-of-sample patterns met, with a table of
    them, then the input and fitted checks as consistency checks."""
    met, total = evidence_count(table)
    checks = table[~table["role"].isin(EVIDENCE)]

    def by_role(roles) -> list[str]:
        return [
            f"- {ROLES[role]}: {int(rows['met'].sum())} of {len(rows)} met"
            for role in roles
            if len(rows := table[table["role"] == role])
        ]

    return [
        f"**The model meets {met} of {total} independent and out-of-sample patterns.** "
        "These are the evidence: figures the model was not set from. A pattern is met when "
        "the model's value lies in the band: a mean over runs for levels, and for shares and "
        "rates the counts pooled over runs. Bands are wide on purpose: most observations are "
        "for other years, other zones or the whole country.",
        "",
        *by_role(EVIDENCE),
        "",
        summary_table(table[table["role"].isin(EVIDENCE)]),
        "",
        f"Consistency checks, not evidence: {int(checks['met'].sum())} of {len(checks)} met.",
        "",
        *by_role([r for r in ROLES if r not in EVIDENCE]),
        "",
    ]


def _value(x: float, unit: str) -> str:
    if pd.isna(x):
        return "–"
    return f"{x:.1%}" if unit in PERCENT_UNITS else fmt(x)


def _yes(met: bool) -> str:
    return "met" if met else "**missed**"


def summary_table(table: pd.DataFrame) -> str:
    rows = [
        [
            name,
            _value(r.value, r.unit),
            f"{_value(r.low, r.unit)} – {_value(r.high, r.unit)}",
            _value(r.model, r.unit),
            r.unit,
            _yes(r.met),
            r.role,
            r.grade,
        ]
        for name, r in table.iterrows()
    ]
    header = ["pattern", "observed", "band", "model", "unit", "", "role", "grade"]
    return markdown_table(header, rows)


def _details(table: pd.DataFrame) -> list[str]:
    """Each pattern's statistic, source and note, as a list (the class uptake rows share
    their sources: see :func:`class_sources`)."""
    out = []
    for name, r in table[~table.index.str.contains("@")].iterrows():
        out.append(f"- **{name}** ({_yes(r.met)}): {r.statistic}. Source: {r.source}.")
        if r.note:
            out.append(f"  {r.note[0].upper()}{r.note[1:]}.")
    return out


def class_sources() -> list[str]:
    """The source of each class's Bass band, once per class."""
    out = []
    for name, c in uptake_classes().iterrows():
        out.append(
            f"- **{name}** (p {c.p_low:g}-{c.p_high:g}, q {c.q_low:g}-{c.q_high:g} a year; "
            f"grade {c.grade}): {c.source}."
        )
    return out


def measure_table_md(measures: pd.DataFrame) -> str:
    wide = measures.pivot_table(
        index=["measure", "uptake_class"], columns="months", values=["share", "met"],
        sort=False, aggfunc="first",
    )  # fmt: skip
    eligible = measures.groupby("measure", sort=False)["eligible"].mean()
    rows = []
    for (measure, cls), r in wide.iterrows():
        cells = [f"{r[('share', m)]:.1%}" + ("" if r[("met", m)] else " ✗") for m in UPTAKE_MONTHS]
        rows.append([measure, cls, f"{eligible[measure]:.0f}", *cells])
    header = ["measure", "class", "eligible firms", *(f"{m} months" for m in UPTAKE_MONTHS)]
    return markdown_table(header, rows)


def calibration_md(folder: Path) -> list[str]:
    """The calibration's method, posterior and fitted rows, read from its folder."""
    post = pd.read_csv(folder / "posterior.csv")
    stats = pd.read_csv(folder / "statistics.csv", index_col="sample")
    fitted = pd.read_csv(folder / "fitted_parameters.csv")
    kept = stats[stats["accepted"]]
    samples = len(stats.drop(index="table", errors="ignore"))
    judged = identification(post, len(kept))
    rows = [
        [r.knob, str(r.rows), f"{r.prior_low:g} – {r.prior_high:g}", f"{r.table:.3g}",
         f"{r.median:.3g}", f"{r.q05:.3g} – {r.q95:.3g}", f"{j.coverage:.0%}",
         "yes" if j.identified else "**not identified**"]
        for r, j in zip(post.itertuples(), judged.itertuples(), strict=True)
    ]  # fmt: skip
    lost = list(post.loc[~judged["identified"], "knob"])
    distance = stats.at["table", "distance"] if "table" in stats.index else float("nan")
    return [
        "## Calibration of the uptake parameters",
        "",
        f"Method: {fitted['source'].iloc[0].split(';')[0]}.",
        "",
        "ABC rejection (approximate Bayesian computation): draw the knobs from uniform priors "
        "(a Latin hypercube over the parameter table's ranges), run the model at each draw "
        "with every measure in every zone, measure how far each class's uptake share after "
        f"{', '.join(map(str, UPTAKE_MONTHS))} months lies from the middle of its Bass band "
        "(on a log scale, in half-widths of the band: 0 at the centre, 1 at an edge), and "
        "keep the closest draws. The fitted value of "
        "a knob is the median of the kept draws; their 5-95% range shows how well the "
        f"patterns pin it down. 'alpha' is one logit intercept given to all {len(measure_table())} "
        "measures.",
        "",
        f"{samples} draws, {int(stats['inside'].sum())} of them inside every band; "
        f"{len(kept)} kept, at distances {kept['distance'].min():.2f} to "
        f"{kept['distance'].max():.2f}; the table's values before the fit were at "
        f"{distance:.2f}. The kept ranges are wide where the patterns cannot tell knobs "
        "apart: several mixes of intercept, weights and Bass scales give the same speeds.",
        "",
        f"A knob is **not identified** when its posterior is no narrower than its prior: the "
        "kept draws' 5-95% range covers at least the share of the prior range that as many "
        f"draws from the prior itself would cover with probability 0.95 ({len(kept)} draws: "
        f"{prior_span(len(kept)):.0%}). Such a knob keeps its value, full range and grade G in "
        "the parameter table: the fit did not narrow it"
        + (f" ({', '.join(lost)})." if lost else "; every knob here was narrowed."),
        "",
        markdown_table(
            [
                "knob",
                "table rows",
                "prior",
                "before",
                "fitted (median)",
                "kept 5-95%",
                "of the prior range",
                "identified",
            ],
            rows,
        ),  # fmt: skip
        "",
        "![posterior](validation/calibration_posterior.png)",
        "",
        "![uptake of the draws](validation/calibration_uptake.png)",
        "",
    ]


def market_md(fit: market.MarketFit) -> list[str]:
    """The market fit: its intervals, the fitted values, and the forecast against the record."""
    table = parameter_table()["value"]
    intervals = [
        [f"{r.start} – {r.end}", str(r.months), f"{r.growth:+.2%}", f"{r.vacancy:.1%}"]
        for r in fit.intervals.itertuples()
    ]
    return [
        f"The rent equation's lambda and v* are fitted on the record up to {market.FIT_END} "
        "only (calibration/market.py, `zonesim calibrate --target market`): a least-squares "
        "line of each interval's annualised log rent change on its mean vacancy, weighted by "
        "the interval's months, which is what the equation gives for an interval exactly. It "
        f"gives lambda {fit.rent_lambda:.4g} a year and v* {fit.natural_vacancy:.2%}; the "
        f"parameter table holds lambda {table[market.LAMBDA]:g} and v* "
        f"{table[market.NATURAL]:.1%}. The forecast runs the equation with the table's "
        f"values from the recorded {market.FIT_END} rent on the record's vacancy (a straight "
        f"line from {market.FIT_END} to {market.FORECAST_END}, no quarter being recorded in "
        "between). No recorded rent after the fit window enters it.",
        "",
        markdown_table(
            ["interval", "months", "rent change a year (log)", "mean vacancy"], intervals
        ),
        "",
    ]


def copy_calibration_figures(calibration: Path, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in CALIBRATION_FIGURES:
        out.append(Path(shutil.copyfile(calibration / "figures" / name, folder / name)))
    return out


def validation_markdown(
    found: dict, settings: dict, figures: str, env: dict, calibration: Path | None = None
) -> str:
    """The report's text. ``env``: the code and environment (studies.runner.environment)
    as they were before the validation wrote anything, so that its own figures do not make
    the commit look changed."""
    table = found["patterns"]
    commit = (env["git_commit"] or "unknown")[:12] + (
        " (uncommitted changes)" if env["git_dirty"] else ""
    )
    followed, survived = found["entrants"]
    parts = [
        "# Validation report",
        "",
        f"Written by `zonesim validate-model` on {datetime.now(UTC):%Y-%m-%d} from commit "
        f"{commit}, parameter table sha256 {table_digest()[:16]}. Do not edit by hand: run "
        "the command again.",
        "",
        f"Settings: {settings['replications']} runs of each scenario, {settings['months']} "
        f"months, root seed {settings['seed']}. Scenarios: baseline (no measures), "
        "plan_2024 (the plan as published), and plan_2024_all_zones (every measure in every "
        "zone from its start month, for uptake speeds over the most eligible firms). "
        "Observed values, bands, grades and sources come from calibration/data/targets.csv "
        "and uptake_classes.csv; every figure there traces to shared/reference.",
        "",
        *headline(table),
    ]
    for group, title in GROUPS.items():
        rows = table[table["group"] == group]
        if rows.empty:
            continue
        parts += [f"## {title}", "", summary_table(rows), ""]
        if group == "uptake":
            parts += [
                "The share of eligible firms that has adopted a measure some months after it "
                "started, pooled over the measures of a class and the runs, against the band "
                "the class's published Bass p and q give (F(t) at the low p and q up to F(t) "
                "at the high ones, with the eligible firms as the market). The bands:",
                "",
                *class_sources(),
                "",
                f"![uptake by class]({figures}/uptake_classes.png)",
                "",
                "Each measure against its class's band (✗: outside). Few eligible firms make "
                "a single measure's share noisy; the classes pool them. Measure 10b cannot be "
                "taken up before vertical floor space is built (space.build_lag months after "
                "the developer starts).",
                "",
                measure_table_md(found["measures"]),
                "",
                f"Cash pool: the model's adopters after {CASH_POOL_MONTHS[1]} months live "
                f"over those after {CASH_POOL_MONTHS[0]} (summed over runs: "
                f"{fmt(found['cash'].get(CASH_POOL_MONTHS[0], float('nan')))} and "
                f"{fmt(found['cash'].get(CASH_POOL_MONTHS[1], float('nan')))}).",
                "",
                f"![cash pool]({figures}/cash_pool.png)",
                "",
            ]
        if group == "market":
            parts += [
                *market_md(found["market"]),
                f"![market forecast]({figures}/market_forecast.png)",
                "",
            ]
        if group == "plan":
            parts += [
                f"The plan's effect is compared {EFFECT_MONTH} months after the start, the "
                "band written into calibration/data/targets.csv before the model was run.",
                "",
            ]
        if group == "demography":
            parts += [
                f"Entrants followed for a year: {followed}, of which {survived} survived.",
                "",
                f"![births and deaths]({figures}/demography.png)",
                "",
            ]
        if group == "trade":
            trade = found["trade"]
            parts += [
                markdown_table(
                    ["sector", "perishable share of imports", "firms", "imports per day saved"],
                    [
                        [r.sector, f"{r.perishable_share:.0%}", str(r.firms), f"{r.response:.2%}"]
                        for r in trade.itertuples()
                    ],
                ),  # fmt: skip
                "",
            ]
        parts += [*_details(rows), ""]
    if calibration is not None:
        parts += calibration_md(calibration)
    missed = table[~table["met"]]
    parts += ["## What the model misses", ""]
    if missed.empty:
        parts += ["Nothing: every pattern is met.", ""]
    else:
        parts += [
            f"- {name}: model {_value(r.model, r.unit)} against "
            f"{_value(r.low, r.unit)} – {_value(r.high, r.unit)} {r.unit}."
            + (f" {r.note[0].upper()}{r.note[1:]}." if r.note else "")
            for name, r in missed.iterrows()
        ]
        parts += [""]
    parts += [
        "## Reproduce",
        "",
        "```",
        f"zonesim validate-model -r {settings['replications']} --months {settings['months']} "
        f"--seed {settings['seed']}"
        + (f" --calibration {calibration}" if calibration is not None else ""),
        "```",
        "",
    ]
    return "\n".join(parts)
