"""Compare the scenarios of a finished study (``zonesim compare``): summary tables and figures,
read from the folder that ``zonesim run`` (or :func:`~zonesim.studies.runner.run_study`) wrote.

Written next to the study's tables (every column and figure: results/README.md)::

    kpi_summary.csv, .md        each main KPI per scenario and zone at years 1, 3, 5 and the
                                horizon: mean, difference from the baseline, paired 95% CI
    uptake_summary.csv, .md     eligible, adopted and uptake share per measure and zone
    measure_summary.csv, .md    each measure's own outcomes (adopters, benefit gross and net,
                                costs paid, days saved, credit, floor, entrants drawn) per
                                scenario and zone: mean, difference from the baseline,
                                paired 95% CI; the .md lists the measures a scenario changes
    runs.parquet                one row per run: its scenario's settings and each main KPI
                                of all six zones at the horizon
    figures/headline_kpis.png           all zones over time, 95% bands, per scenario
    figures/headline_differences.png    the same as differences from the baseline
    figures/kpis_by_zone.png            small multiples: KPI x zone
    figures/uptake_over_time_<scenario>.png, figures/uptake_heatmap_<scenario>.png
    figures/measure_kpis.png            the measures the scenarios change, over time, with
                                        the scenarios overlaid (95% bands)
    figures/map_<kpi>.png               the six zones on a map, coloured by a KPI difference
    figures/response_<sweep>.png        for a sweep: each headline KPI at the horizon against
                                        the swept value (a heatmap for a two-key grid)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..model import Policy
from . import measure_summary, plots
from .storage import write_parquet_atomic, write_text_atomic
from .summary import (
    DEFAULT_BASELINE,
    DEFAULT_MAP_KPI,
    MAIN_KPIS,
    kpi_markdown,
    kpi_summary,
    report_months,
    run_table,
    start_months,
    uptake_markdown,
    uptake_means,
    uptake_summary,
    zones_on,
)

DISPLACEMENT = "displacement.share"  # the parameter whose value a scenario may set
UPTAKE_COLUMNS = [
    "scenario",
    "replication",
    "measure",
    "zone",
    "month",
    "date",
    "eligible",
    "adopted",
]
COMPARISON_FILES = (
    "kpi_summary.csv",
    "kpi_summary.md",
    "uptake_summary.csv",
    "uptake_summary.md",
    "measure_summary.csv",
    "measure_summary.md",
    "runs.parquet",
)
# what a scenario sets besides its measures and parameters, as the manifest records it
SCENARIO_SETTINGS = ("market", "start", "firm_scale")


class StudyError(ValueError):
    """A study folder that cannot be compared as asked: ``<folder or file>: <what>``."""


@dataclass(frozen=True)
class Study:
    """A finished study, as found in its folder.

    Attributes
    ----------
    folder : Path
    scenarios : tuple of str, in the order the study ran them
    horizon : int, the last month (months since the runs' start)
    policies : scenario -> Policy, from the manifest (empty when it does not say; figures
        then take a measure to be on where any firm adopted it)
    sweeps : scenario -> its swept values (label -> value), for the variants of a sweep
    displacement : scenario -> its displacement.share where the scenario sets it (the others
        take the parameter table's)
    settings : scenario -> its settings by name: parameter overrides, SCENARIO_SETTINGS, and
        swept values as ``sweep.<label>`` (empty when the manifest does not say)
    """

    folder: Path
    scenarios: tuple[str, ...]
    horizon: int
    policies: Mapping[str, Policy] = field(default_factory=dict)
    sweeps: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    displacement: Mapping[str, float] = field(default_factory=dict)
    settings: Mapping[str, Mapping[str, object]] = field(default_factory=dict)

    @property
    def kpis_path(self) -> Path:
        return self.folder / "zone_kpis.parquet"

    @property
    def measure_kpis_path(self) -> Path:
        return self.folder / "measure_kpis.parquet"

    def kpis(self) -> pd.DataFrame:
        return pd.read_parquet(self.kpis_path)

    def uptake(self, month: int) -> pd.DataFrame:
        """The uptake rows of every run at ``month``."""
        return pa.Table.from_batches(list(self._uptake_batches("month", month))).to_pandas()

    def measure_chunks(self, columns: list[str]):
        """The measure_kpis table's ``columns``, as DataFrames of a batch of rows each."""
        table = pq.ParquetFile(self.measure_kpis_path)
        for batch in table.iter_batches(columns=columns):
            yield batch.to_pandas()

    def uptake_means(self, scenario: str) -> pd.DataFrame:
        """:func:`~zonesim.studies.summary.uptake_means` of one scenario."""
        return uptake_means(b.to_pandas() for b in self._uptake_batches("scenario", scenario))

    def _uptake_batches(self, column: str, value):
        """The measure_kpis table's uptake columns where ``column`` is ``value``, batch by
        batch.

        A study's measure_kpis table is its largest (15,246 rows per run), and every run holds
        every month and scenario, so the file is filtered as it is read: memory holds the
        rows kept, not the table (a filtered ``read_parquet`` peaks at twice as much)."""
        uptake = pq.ParquetFile(self.measure_kpis_path)
        for batch in uptake.iter_batches(columns=UPTAKE_COLUMNS):
            yield batch.filter(pc.equal(batch[column], value))


def open_study(folder: Path | str) -> Study:
    """The study in ``folder``; StudyError if it holds no finished study."""
    folder = Path(folder)
    if not folder.is_dir():
        raise StudyError(f"{folder}: no such folder (run `zonesim run --out {folder}` first)")
    for name in ("zone_kpis.parquet", "measure_kpis.parquet"):
        if not (folder / name).is_file():
            if (folder / "uptake.parquet").is_file():  # the table's name before 2026-12
                raise StudyError(
                    f"{folder}: uptake.parquet, no {name}: a study of an older zonesim; run "
                    "it again (zonesim run --overwrite)"
                )
            raise StudyError(f"{folder}: no {name}; not a finished study of `zonesim run`")
    kpis = folder / "zone_kpis.parquet"
    frame = _parquet(kpis, lambda p: pq.read_table(p, columns=["scenario", "month"])).to_pandas()
    if frame.empty:
        raise StudyError(f"{kpis}: no rows")
    uptake = folder / "measure_kpis.parquet"
    needed = set(UPTAKE_COLUMNS) | set(measure_summary.COLUMNS)
    if missing := needed - set(_parquet(uptake, pq.read_schema).names):
        raise StudyError(f"{uptake}: no column {sorted(missing)[0]}")
    scenarios = tuple(dict.fromkeys(frame["scenario"]))
    recorded = _recorded(folder)
    sweeps = {n: recorded[n]["sweep"] for n in scenarios if "sweep" in recorded.get(n, {})}
    policies = _policies(folder, recorded, scenarios)
    displacement = {
        name: float(share)
        for name in scenarios
        if (share := recorded.get(name, {}).get("parameters", {}).get(DISPLACEMENT)) is not None
    }
    settings = {name: _settings(recorded[name]) for name in scenarios if name in recorded}
    horizon = int(frame["month"].max())
    return Study(folder, scenarios, horizon, policies, sweeps, displacement, settings)


def _settings(record: Mapping) -> dict[str, object]:
    """A scenario's settings by name, from its manifest record (see Study.settings)."""
    out = dict(record.get("parameters", {}))
    out.update({key: record[key] for key in SCENARIO_SETTINGS if key in record})
    out.update({f"sweep.{label}": value for label, value in record.get("sweep", {}).items()})
    return out


def _parquet(path: Path, read):
    """``read(path)``, or StudyError naming the file."""
    try:
        return read(path)
    except Exception as err:  # pyarrow raises several kinds for a damaged file
        raise StudyError(f"{path}: unreadable ({err})") from None


def _recorded(folder: Path) -> dict:
    """The manifest's record of each scenario; {} without a manifest."""
    path = folder / "manifest.json"
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("scenarios", {})
    except (OSError, ValueError, AttributeError) as err:
        raise StudyError(f"{path}: unreadable ({err})") from None


def _policies(folder: Path, recorded: dict, scenarios: tuple[str, ...]) -> dict[str, Policy]:
    """Each scenario's Policy as the manifest records it; {} when it does not say."""
    path = folder / "manifest.json"
    policies = {}
    for name in scenarios:
        if name not in recorded:
            return {}  # an older or foreign manifest: fall back to where firms adopted
        try:
            policies[name] = Policy.from_dict(recorded[name]["measures"])
        except (KeyError, TypeError, ValueError) as err:
            raise StudyError(f"{path}: scenarios.{name}.measures: unreadable ({err})") from None
    return policies


def choose_baseline(study: Study, baseline: str | None) -> str | None:
    """The scenario differences are taken from: ``baseline`` (StudyError if the study lacks
    it), or when None, the scenario named "baseline" if there is one."""
    if baseline is None:
        return DEFAULT_BASELINE if DEFAULT_BASELINE in study.scenarios else None
    if baseline not in study.scenarios:
        raise StudyError(
            f"{study.folder}: --baseline '{baseline}' is not a scenario of the study "
            f"({', '.join(study.scenarios)})"
        )
    return baseline


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare_study` did.

    Attributes
    ----------
    baseline : the scenario differences are taken from, or None
    summary : the KPI summary (kpi_summary.csv)
    measures : the measures' summary (measure_summary.csv)
    shown : per scenario other than the baseline, the measures it changes (as
        measure_summary.md lists them)
    paths : the files written
    notes : what was left out and why, for people
    """

    baseline: str | None
    summary: pd.DataFrame
    measures: pd.DataFrame
    shown: Mapping[str, list[str]]
    paths: list[Path]
    notes: list[str]


def compare_study(
    folder: Path | str,
    baseline: str | None = None,
    map_kpi: str = DEFAULT_MAP_KPI,
    map_month: int | None = None,
) -> Comparison:
    """Write the study's summary tables and figures next to its tables, in place of those
    of an earlier comparison.

    Parameters
    ----------
    folder : the study's folder (``zonesim run --out``)
    baseline : the scenario differences are taken from; None: "baseline" if the study has
        one, else no differences (and no map)
    map_kpi : the KPI whose difference colours the map; one of summary.MAIN_KPIS
    map_month : the month of the map (months since the runs' start; default: the horizon)

    Raises StudyError, before writing anything, when the folder, the baseline or the map
    settings do not fit the study.
    """
    study = open_study(folder)
    baseline = choose_baseline(study, baseline)
    map_month = study.horizon if map_month is None else map_month
    if map_kpi not in MAIN_KPIS:
        raise StudyError(f"--map-kpi '{map_kpi}': not one of {', '.join(MAIN_KPIS)}")
    if not 0 <= map_month <= study.horizon:
        raise StudyError(f"--map-month {map_month}: the study runs from month 0 to {study.horizon}")

    kpis = study.kpis()
    months = sorted({*report_months(study.horizon), map_month})
    summary = kpi_summary(kpis, baseline, months, study.displacement)
    uptake = uptake_summary(study.uptake(study.horizon), study.policies or None)
    reported = summary[summary["month"].isin(report_months(study.horizon))]  # map month aside
    values = measure_summary.run_values(
        study.measure_chunks(measure_summary.COLUMNS), study.horizon
    )
    changed = measure_summary.changed_measures(study.policies, study.settings, baseline)
    measures = measure_summary.measure_summary(values, baseline, study.horizon, changed)
    shown = measure_summary.shown_measures(measures, baseline)
    texts = {
        "kpi_summary.csv": reported.to_csv(index=False),
        "kpi_summary.md": kpi_markdown(reported, baseline),
        "uptake_summary.csv": uptake.to_csv(index=False),
        "uptake_summary.md": uptake_markdown(uptake),
        "measure_summary.csv": measures.to_csv(index=False),
        "measure_summary.md": measure_summary.measure_markdown(measures, baseline),
    }
    remove_comparison(study.folder)
    paths = [write_text_atomic(text, study.folder / name) for name, text in texts.items()]
    paths.append(
        write_parquet_atomic(run_table(kpis, study.settings), study.folder / "runs.parquet")
    )
    notes = _notes(study, summary, baseline, map_month)
    map_of = None if notes else (map_kpi, map_month)
    responses, left_out = response_plans(study.sweeps)
    paths += _figures(study, kpis, summary, baseline, map_of, responses, shown)
    notes += _start_notes(kpis) + left_out
    return Comparison(baseline, reported, measures, shown, paths, notes)


def sweep_groups(sweeps: Mapping[str, Mapping]) -> dict[str, dict[str, Mapping]]:
    """The variants of each swept scenario file (by the name before "["), in study order."""
    groups: dict[str, dict[str, Mapping]] = {}
    for name, values in sweeps.items():
        groups.setdefault(name.split("[", 1)[0], {})[name] = values
    return groups


def response_plans(sweeps: Mapping[str, Mapping]) -> tuple[dict[str, tuple], list[str]]:
    """Which sweeps get a response figure: (file -> (its variants, the swept labels)) for
    sweeps of two or more variants over one or two keys that every variant sets, and a note
    for each other sweep of two or more variants."""
    plans, notes = {}, []
    for base, variants in sweep_groups(sweeps).items():
        if len(variants) < 2:
            continue  # one point is no response (a one-value sweep, a variant made in code)
        label_sets = {tuple(values) for values in variants.values()}
        if len(label_sets) > 1:
            notes.append(f"{base}: its variants set different keys; no response figure")
            continue
        labels = label_sets.pop()
        if len(labels) > 2:
            notes.append(f"{base}: {len(labels)} keys swept; response figures take one or two")
            continue
        plans[base] = (variants, labels)
    return plans, notes


def remove_comparison(folder: Path) -> None:
    """Remove the files an earlier comparison wrote into a study's folder (they would not
    match new tables, or other options)."""
    for name in COMPARISON_FILES:
        (folder / name).unlink(missing_ok=True)
    for figure in (folder / "figures").glob("*.png"):
        figure.unlink()


def _notes(study: Study, summary: pd.DataFrame, baseline: str | None, map_month: int) -> list[str]:
    """Why there are no differences or no map, if so."""
    if baseline is None:
        return [
            f"no scenario named {DEFAULT_BASELINE}: means only, no differences and no map "
            "(--baseline NAME to take differences from another scenario)"
        ]
    if len(study.scenarios) == 1:
        return ["the study has the baseline only: no differences and no map"]
    at = summary[summary["month"] == map_month]
    if not (at["pairs"] > 0).any():
        return [
            f"no replication where both the baseline and another scenario finished by month "
            f"{map_month}: no differences and no map"
        ]
    return []


def _start_notes(kpis: pd.DataFrame) -> list[str]:
    """That the scenarios start in different months, if they do: months are then paired,
    not dates."""
    if "date" not in kpis:
        return []
    pairs = kpis[["scenario", "month", "date"]].drop_duplicates()
    starts = {name: start_months(rows) for name, rows in pairs.groupby("scenario", sort=False)}
    if len(set().union(*starts.values())) < 2:
        return []
    shown = ", ".join(f"{name} {'/'.join(map(str, sorted(s)))}" for name, s in starts.items())
    return [
        f"the scenarios start in different months ({shown}): summaries and differences pair "
        "months since each run's start, not dates; figures of several scenarios show years "
        "from the start"
    ]


def _figures(
    study: Study,
    kpis: pd.DataFrame,
    summary: pd.DataFrame,
    baseline: str | None,
    map_of: tuple[str, int] | None,
    responses: Mapping[str, tuple],
    shown: Mapping[str, list[str]],
) -> list[Path]:
    """The figures; with ``map_of`` (KPI, month), also the differences from ``baseline`` and
    the map; with measures ``shown`` for any scenario, those measures over time."""
    out = study.folder / "figures"
    out.mkdir(exist_ok=True)
    figures = {"headline_kpis.png": partial(plots.headline_kpis, kpis)}
    if map_of:
        figures["headline_differences.png"] = partial(plots.headline_kpis, kpis, baseline)
    figures["kpis_by_zone.png"] = partial(plots.kpis_by_zone, kpis)
    for scenario in study.scenarios:
        policy = study.policies.get(scenario)
        if policy is not None and not zones_on(policy):
            continue  # no measure on: nothing to show
        means = study.uptake_means(scenario)
        if policy is None and not (means["adopted"] > 0).any():
            continue
        if scenario not in study.sweeps:  # a sweep's variants: the response figure instead
            figures[f"uptake_over_time_{scenario}.png"] = partial(
                plots.uptake_over_time, means, scenario, policy
            )
        figures[f"uptake_heatmap_{scenario}.png"] = partial(
            plots.uptake_heatmap, means, scenario, policy
        )
    if measures := list(dict.fromkeys(m for ms in shown.values() for m in ms)):
        totals = measure_summary.monthly_totals(
            study.measure_chunks(measure_summary.COLUMNS), measures
        )
        figures["measure_kpis.png"] = partial(
            plots.measure_kpis, totals, shown, baseline, plots.start_of(kpis)
        )
    if map_of:
        kpi, month = map_of
        start = plots.start_of(kpis)
        figures[f"map_{kpi}.png"] = partial(plots.kpi_map, summary, kpi, month, start)
    for base, (variants, labels) in responses.items():
        if len(labels) == 1:
            draw = partial(plots.sweep_response, kpis, variants, labels[0])
        else:
            draw = partial(plots.sweep_heatmap, kpis, variants, labels)
        figures[f"response_{base}.png"] = draw
    # drawn one at a time, so that one figure's memory is freed before the next
    return [plots.save(draw(), out / name) for name, draw in figures.items()]
