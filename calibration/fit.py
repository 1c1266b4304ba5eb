"""Fitting the least-known uptake parameters to the published uptake speeds, by approximate
Bayesian computation with rejection (ABC rejection; Pritchard et al. 1999, as used for
agent-based models by e.g. McCulloch et al. 2022).

1. Draw ``samples`` points from uniform priors over the knobs' ranges (a Latin hypercube,
   so that few samples still cover every range).
2. Run the model at every point, ``replications`` times with the same seeds at every point
   (common random numbers), through the study runner.
3. Compute each point's distance from the patterns: for every class of measure and every
   comparison month, how far the pooled uptake share lies from the middle of the Bass band
   of that class (on a log scale, in half-widths of the band: 0 at the centre, 1 at an
   edge); the root mean square of those. The middle of a band stands for the middle of the
   published p and q ranges.
4. Accept the ``accept`` fraction of points closest to the patterns (ties at the last
   distance kept). Their spread is the posterior; the fitted value of each knob is their
   median.
5. Judge each knob identified or not (:func:`identification`): a knob whose accepted samples
   spread as widely over its prior range as draws from the prior itself would is not
   identified; it keeps its value, full range and grade G in the parameter table.

A knob sets one or more rows of the parameter table: "alpha" sets every measure's logit
intercept (m<k>.alpha) to one value, since no source tells the measures apart.

    knobs = default_knobs()
    draws = draw(knobs, samples=200, seed=1)
    run_study(sample_scenarios(draws, knobs, base), ...)
    stats = sample_statistics(uptake, policy)            # one row per sample
    post = posterior(draws, accepted(stats, 0.1), knobs)
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..model import Policy, ZoneScenario, measure_table, parameter_table
from ..studies.runner import run_study
from ..studies.storage import write_text_atomic
from .patterns import (
    UPTAKE_MONTHS,
    class_bands,
    class_uptake,
    months_needed,
    uptake_since_start,
)

SAMPLE = "s{:05d}"  # scenario name of a sample
TABLE = "table"  # the scenario at the parameter table's own values, run alongside
SHARE_FLOOR = 1e-4  # shares below this count as this, so that the log distance is finite
METHOD = "ABC rejection"
POSTERIOR_RANGE = (0.05, 0.95)  # the accepted samples' range reported and judged
IDENTIFICATION_LEVEL = 0.05  # chance that prior draws alone look narrower than the cut


@dataclass(frozen=True)
class Knob:
    """A fitted quantity: one value given to every parameter-table row in ``rows``, with a
    uniform prior over [low, high]."""

    name: str
    rows: tuple[str, ...]
    low: float
    high: float

    def overrides(self, value: float) -> dict[str, float]:
        return dict.fromkeys(self.rows, float(value))


def default_knobs() -> list[Knob]:
    """The uptake parameters no source pins down: the logit intercept shared by all measures,
    the weights of NPV and of peers in the decision, and the scales of Bass p and q. Priors:
    the parameter table's ranges."""
    table = parameter_table()
    alphas = tuple(f"m{m}.alpha" for m in measure_table().index)
    low, high = table.loc[list(alphas), "low"].max(), table.loc[list(alphas), "high"].min()
    singles = ["decision.beta_npv", "decision.beta_peer", "uptake.p_scale", "uptake.q_scale"]
    return [Knob("alpha", alphas, float(low), float(high))] + [
        Knob(n, (n,), float(table.at[n, "low"]), float(table.at[n, "high"])) for n in singles
    ]


def draw(knobs: Sequence[Knob], samples: int, seed: int) -> pd.DataFrame:
    """``samples`` points (rows, named s00000...) by Latin hypercube over the knobs' ranges."""
    from scipy.stats import qmc  # here: slow to import, and `zonesim list` must start fast

    if samples < 2:
        raise ValueError(f"samples must be >= 2, got {samples}")
    unit = qmc.LatinHypercube(d=len(knobs), seed=np.random.default_rng(seed)).random(samples)
    low = np.array([k.low for k in knobs])
    high = np.array([k.high for k in knobs])
    values = low + unit * (high - low)
    names = [SAMPLE.format(i) for i in range(samples)]
    return pd.DataFrame(
        values, columns=[k.name for k in knobs], index=pd.Index(names, name="sample")
    )


def table_point(knobs: Sequence[Knob]) -> pd.Series:
    """The knobs' values in the parameter table now (a knob's first row)."""
    value = parameter_table()["value"]
    return pd.Series({k.name: float(value[k.rows[0]]) for k in knobs})


def overrides(point: pd.Series, knobs: Sequence[Knob]) -> dict[str, float]:
    """Parameter-table overrides for one point."""
    out: dict[str, float] = {}
    for knob in knobs:
        out.update(knob.overrides(point[knob.name]))
    return out


def sample_scenarios(
    draws: pd.DataFrame, knobs: Sequence[Knob], base: ZoneScenario
) -> list[ZoneScenario]:
    """One scenario per draw, named after it, plus the table's own values as scenario
    "table": ``base`` with the draw's overrides on top of its own."""
    points = [(TABLE, table_point(knobs)), *((str(n), p) for n, p in draws.iterrows())]
    return [
        base.replace(name=name, params={**base.params, **overrides(point, knobs)})
        for name, point in points
    ]


def distance(shares: pd.DataFrame) -> float:
    """Root mean square, over the rows of a :func:`~.patterns.class_uptake` table, of how far
    each share lies from the middle of its band: the log of its ratio to the band's
    geometric centre over the log of the band's half-width, so 0 at the centre and 1 at
    either edge (2 is one half-width outside)."""
    x = np.maximum(shares["share"].fillna(0).to_numpy(), SHARE_FLOOR)
    low, high = shares["low"].to_numpy(), shares["high"].to_numpy()
    half_width = np.log(high / low) / 2
    return float(np.sqrt(np.mean((np.log(x / np.sqrt(low * high)) / half_width) ** 2)))


def sample_statistics(uptake: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Per scenario (sample): the pooled uptake share of each class at each comparison month
    (columns "<class>@<months>") and the distance from the bands."""
    since = uptake_since_start(uptake, policy)
    rows = {}
    for name, part in since.groupby("scenario", sort=False):
        shares = class_uptake(part)
        row = {f"{r.uptake_class}@{r.months}": r.share for r in shares.itertuples()}
        row["distance"] = distance(shares)
        row["inside"] = bool(shares["met"].all())
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("sample")


def accepted(stats: pd.DataFrame, fraction: float) -> pd.Index:
    """The samples (never the table's point) at most as far from the patterns as the closest
    ``fraction`` of them (ties at that distance are all kept)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"the accepted fraction must be in (0, 1], got {fraction}")
    samples = stats.drop(index=TABLE, errors="ignore")["distance"]
    keep = max(1, round(fraction * len(samples)))
    tolerance = samples.sort_values(kind="stable").iloc[keep - 1]
    return samples.index[samples <= tolerance]


def posterior(draws: pd.DataFrame, chosen: pd.Index, knobs: Sequence[Knob]) -> pd.DataFrame:
    """Per knob: its prior range, the table's value, the accepted samples' median, 5% and
    95% quantiles, and whether the fit identifies it (:func:`identification`)."""
    kept = draws.loc[chosen]
    now = table_point(knobs)
    low, high = POSTERIOR_RANGE
    rows = [
        {
            "knob": k.name,
            "rows": len(k.rows),
            "prior_low": k.low,
            "prior_high": k.high,
            "table": now[k.name],
            "median": float(kept[k.name].median()),
            "q05": float(kept[k.name].quantile(low)),
            "q95": float(kept[k.name].quantile(high)),
        }
        for k in knobs
    ]
    post = pd.DataFrame(rows)
    return pd.concat([post, identification(post, len(chosen))], axis=1)


def prior_span(kept: int, level: float = IDENTIFICATION_LEVEL) -> float:
    """The share of a uniform prior's range that the 5-95% range of ``kept`` independent
    draws from the prior itself exceeds with probability 1 - ``level`` (0.755 for 40 draws,
    0.656 for 20): the gap between the order statistics nearest those quantiles, i < j
    (counted from 0), is Beta(j - i, kept - (j - i) + 1) distributed. 0 for fewer than two
    draws, which cannot show a range."""
    from scipy.stats import beta  # here: slow to import, and `zonesim list` must start fast

    low, high = (round(q * (kept - 1)) for q in POSTERIOR_RANGE)
    if high <= low:
        return 0.0
    return float(beta(high - low, kept - (high - low) + 1).ppf(level))


def identification(post: pd.DataFrame, kept: int) -> pd.DataFrame:
    """Per row of a posterior table: ``coverage``, the accepted samples' 5-95% range as a
    share of the prior range, and ``identified``. A knob is not identified when its posterior
    is no narrower than its prior: its coverage is at least what ``kept`` draws from the
    prior itself would reach with probability 0.95 (:func:`prior_span`), so its accepted
    samples cannot be told from prior draws by their spread."""
    coverage = (post["q95"] - post["q05"]) / (post["prior_high"] - post["prior_low"])
    return pd.DataFrame({"coverage": coverage, "identified": coverage < prior_span(kept)})


def not_identified_note(r, kept: int, method: str) -> str:
    """What the source of a knob the fit did not identify says (``r``: its posterior row)."""
    return (
        f"{method}: not identified, 90% of accepted samples in [{r.q05:.3g}, {r.q95:.3g}], "
        f"{r.coverage:.0%} of the prior range, as wide as {kept} draws from the prior itself "
        f"(at least {prior_span(kept):.0%} with probability 0.95); the fit did not narrow it, so "
        "the row keeps its value, full range and grade G"
    )


def fitted_rows(post: pd.DataFrame, knobs: Sequence[Knob], method: str, kept: int) -> pd.DataFrame:
    """The parameter-table rows the fit gives: name, value, grade and source. An identified
    knob: the posterior median (3 significant figures), grade D, a source naming the method
    and the interval. A knob not identified: the table's value, grade G, and its source
    before any fit followed by the reason."""
    table = parameter_table()
    rows = []
    for knob, r in zip(knobs, post.itertuples(), strict=True):
        if r.identified:
            source = (
                f"{method}; posterior median, 90% of accepted samples in "
                f"[{r.q05:.3g}, {r.q95:.3g}] (docs/VALIDATION.md)"
            )
            rows += [{"name": n, "value": float(f"{r.median:.3g}"), "grade": "D",
                      "source": source} for n in knob.rows]  # fmt: skip
            continue
        note = not_identified_note(r, kept, method)
        for name in knob.rows:
            guess = table.at[name, "source"].split("; zonesim calibrate")[0]
            source = note if guess.startswith("zonesim calibrate") else f"{guess}; {note}"
            rows.append({"name": name, "value": float(table.at[name, "value"]), "grade": "G",
                         "source": source})  # fmt: skip
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Calibration:
    """What :func:`run_calibration` found and wrote. ``statistics`` is None when runs
    failed (``failed``: name -> traceback)."""

    draws: pd.DataFrame
    statistics: pd.DataFrame | None
    posterior: pd.DataFrame | None
    fitted: pd.DataFrame | None
    paths: list[Path]
    failed: Mapping[str, str]


def table_digest() -> str:
    """SHA-256 of every value in the parameter table: runs made under another table (a fit
    applied since, say) are not the same runs."""
    values = parameter_table()["value"]
    return hashlib.sha256(values.to_csv().encode()).hexdigest()


def describe(knobs: Sequence[Knob], draws: pd.DataFrame, accept: float, seed: int) -> dict:
    """The calibration's set-up as plain data, for the manifest and --resume: the knobs, the
    draws and the whole parameter table, hashed."""
    digest = hashlib.sha256(np.ascontiguousarray(draws.to_numpy(), dtype=float).tobytes())
    return {
        "method": METHOD,
        "knobs": {k.name: {"rows": list(k.rows), "prior": [k.low, k.high]} for k in knobs},
        "samples": len(draws),
        "accept": accept,
        "design_seed": seed,
        "draws_sha256": digest.hexdigest(),
        "parameter_table_sha256": table_digest(),
        "months_compared": list(UPTAKE_MONTHS),
    }


def run_calibration(
    base: ZoneScenario,
    knobs: Sequence[Knob],
    samples: int,
    replications: int,
    seed: int,
    out_dir: Path,
    accept: float = 0.1,
    executor: Executor | None = None,
    progress: bool = True,
    resume: bool = False,
    manifest: Mapping | None = None,
) -> Calibration:
    """Draw, run and accept (see the module's description); write to ``out_dir``: draws.csv,
    statistics.csv (each sample's shares, distance and whether it was accepted),
    posterior.csv, fitted_parameters.csv, figures/calibration_posterior.png and
    figures/calibration_uptake.png, and the study's own tables and manifest.

    ``base`` should turn every measure on (the shipped plan_2024_all_zones), so that each
    class has as many eligible firms as the zones hold; its horizon is replaced by the
    fewest months that give every measure the last comparison month of exposure."""
    from . import figures  # matplotlib: slow to import, and `zonesim list` must start fast

    out_dir = Path(out_dir)
    policy = base.policy
    base = base.replace(months=months_needed(policy))
    draws = draw(knobs, samples, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("statistics.csv", "posterior.csv", "fitted_parameters.csv"):
        (out_dir / stale).unlink(missing_ok=True)
    paths = [write_text_atomic(draws.to_csv(), out_dir / "draws.csv")]
    record = {"calibration": describe(knobs, draws, accept, seed), **(manifest or {})}
    study = run_study(
        sample_scenarios(draws, knobs, base), replications, seed, out_dir,
        progress=progress, executor=executor, resume=resume, manifest=record,
    )  # fmt: skip
    if study.failed:
        return Calibration(draws, None, None, None, paths, study.failed)
    wanted = sorted(
        {max(s.start_month, 1) - 1 + m for s in policy.measures.values() for m in UPTAKE_MONTHS}
    )
    uptake = pd.read_parquet(
        out_dir / "measure_kpis.parquet",
        columns=["scenario", "replication", "month", "measure", "zone", "eligible", "adopted"],
        filters=[("month", "in", wanted)],
    )
    stats = sample_statistics(uptake, policy).reindex([TABLE, *draws.index])
    chosen = accepted(stats, accept)
    stats["accepted"] = stats.index.isin(chosen)
    post = posterior(draws, chosen, knobs)
    method = (
        f"zonesim calibrate: {METHOD} to the Bass bands of uptake_classes.csv, "
        f"{samples} samples x {replications} runs, best {len(chosen)} kept, seed {seed}"
    )
    fitted = fitted_rows(post, knobs, method, len(chosen))
    paths += [
        write_text_atomic(stats.to_csv(), out_dir / "statistics.csv"),
        write_text_atomic(post.to_csv(index=False), out_dir / "posterior.csv"),
        write_text_atomic(fitted.to_csv(index=False), out_dir / "fitted_parameters.csv"),
    ]
    paths += figures.save_calibration(draws, stats, post, class_bands(), out_dir / "figures")
    return Calibration(draws, stats, post, fitted, paths, {})


def apply_fit(fitted: pd.DataFrame, table_path: Path) -> Path:
    """Write the fitted rows into the parameter table at ``table_path`` (value, grade and
    source; the other columns and every other row as they were)."""
    text = Path(table_path).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    head = rows[0]
    at = {r[0]: i for i, r in enumerate(rows)}
    by_name = fitted.set_index("name")
    missing = [n for n in by_name.index if n not in at]
    if missing:
        raise KeyError(f"{table_path}: no row '{missing[0]}'")
    for name, new in by_name.iterrows():
        row = rows[at[name]]
        row[head.index("value")] = f"{new['value']:g}"
        row[head.index("grade")] = new["grade"]
        row[head.index("source")] = new["source"]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return write_text_atomic(out.getvalue(), Path(table_path))
