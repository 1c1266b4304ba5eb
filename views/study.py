"""The study page: a stored study (``zonesim run``) compared scenario by scenario.

Choose a study folder (a subfolder of results/ holding zone_kpis.parquet, or any folder typed
in), the baseline and a KPI; the page shows the figures of ``zonesim compare`` drawn by the
same functions (studies.plots): headline KPIs with 95% bands, their differences from the
baseline paired by replication, the map of the KPI's difference by zone at the horizon, and
the KPI's rows of the summary table (studies.summary.kpi_summary). A folder that holds no
study shows why, as one line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import solara
from matplotlib.figure import Figure

from ..studies import plots
from ..studies.compare import Study, StudyError, choose_baseline, open_study
from ..studies.summary import DEFAULT_MAP_KPI, MAIN_KPIS, fmt, kpi_summary, report_months
from .live import FigureColumn

RESULTS = Path("results")  # where `zonesim run` writes, relative to the working folder
KPI_FILE = "zone_kpis.parquet"
NUMBER_COLUMNS = (
    "mean", "baseline_mean", "diff", "diff_ci_low", "diff_ci_high", "diff_pct", "detectable",
    "net_diff", "net_ci_low", "net_ci_high",
)  # fmt: skip


@dataclass(frozen=True)
class Loaded:
    """A study and its zone KPI table (one row per scenario, replication, zone, month)."""

    study: Study
    kpis: pd.DataFrame


def list_studies(root: Path) -> list[str]:
    """The subfolders of ``root`` that hold a study's KPI table, by name; [] without root."""
    if not root.is_dir():
        return []
    return sorted(
        str(p) for p in root.iterdir() if (p / KPI_FILE).is_file() and not _is_sensitivity(p)
    )


def _is_sensitivity(folder: Path) -> bool:
    """A folder of `zonesim sensitivity` (its design points are not scenarios to compare)."""
    return (folder / "design.csv").is_file()


def stamp(folder: str) -> int | None:
    """When the folder's KPI table was last written (ns), so a rerun study is read again."""
    path = Path(folder) / KPI_FILE
    return path.stat().st_mtime_ns if path.is_file() else None


def load_study(folder: str) -> Loaded | str:
    """The study in ``folder`` with its KPIs, or a one-line message saying why not."""
    if not folder:
        return "no study folder chosen"
    try:
        study = open_study(folder)
        return Loaded(study, study.kpis())
    except StudyError as err:
        return str(err)
    except (OSError, ValueError) as err:  # a table that vanished or broke after the check
        return f"{folder}: unreadable ({err})"


def summary_of(loaded: Loaded, baseline: str | None) -> pd.DataFrame:
    """kpi_summary at the report months (years 1, 3, 5 and the horizon), as compare writes."""
    months = report_months(loaded.study.horizon)
    return kpi_summary(loaded.kpis, baseline, months, loaded.study.displacement)


def summary_rows(summary: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """The summary's rows of one KPI, numbers as compare's tables print them (4 digits)."""
    rows = summary[summary["kpi"] == kpi].reset_index(drop=True)
    return rows.assign(**{c: rows[c].map(fmt) for c in NUMBER_COLUMNS})


def baseline_of(study: Study, wanted: str | None) -> str | None:
    """``wanted`` if the study has it, else its default baseline ("baseline" or none)."""
    return wanted if wanted in study.scenarios else choose_baseline(study, None)


# ---------------------------------------------------------------------- components
@solara.component
def StudyFigure(draw: Callable[[], Figure], key: list):
    """``draw()`` as a PNG, drawn again only when ``key`` changes; a ValueError from it (e.g.
    nothing to map) shows as a warning."""

    def figure() -> Figure | str:
        try:
            return draw()
        except ValueError as err:
            return str(err)

    fig = solara.use_memo(figure, key)
    if isinstance(fig, str):
        solara.Warning(fig)
    else:
        solara.FigureMatplotlib(fig, dependencies=key, format="png")


@solara.component
def StudyComparison(loaded: Loaded, baseline: str | None, kpi: str, key: list):
    """The figures and the summary rows of one study, baseline and KPI."""
    study, kpis = loaded.study, loaded.kpis
    summary = solara.use_memo(lambda: summary_of(loaded, baseline), [*key, baseline])
    differences = baseline is not None and len(study.scenarios) > 1
    with FigureColumn():
        solara.Text(
            f"{study.folder}: {', '.join(study.scenarios)}; months 0-{study.horizon}; "
            f"{kpis['replication'].nunique()} replication(s)."
        )
        StudyFigure(lambda: plots.headline_kpis(kpis), [*key, "means"])
        if differences:
            StudyFigure(lambda: plots.headline_kpis(kpis, baseline), [*key, baseline])
            StudyFigure(
                lambda: plots.kpi_map(summary, kpi, study.horizon, plots.start_of(kpis)),
                [*key, baseline, kpi, "map"],
            )
        else:
            solara.Info(
                "No differences and no map: choose a baseline and a study of two scenarios."
            )
        title = f"{kpi}: summary at years 1, 3, 5 and the horizon, as far as the study runs"
        with solara.Card(title):
            solara.DataFrame(summary_rows(summary, kpi), items_per_page=20)


@solara.component
def StudyPage(root: Path | str = RESULTS):
    """Choose a study, a baseline and a KPI; compare the study's scenarios."""
    found = list_studies(Path(root))
    chosen = solara.use_reactive(found[0] if found else None)
    typed = solara.use_reactive("")
    wanted_baseline = solara.use_reactive(None)
    kpi = solara.use_reactive(DEFAULT_MAP_KPI)
    folder = typed.value.strip() or chosen.value or ""
    key = [folder, stamp(folder)]
    loaded = solara.use_memo(lambda: load_study(folder), key)
    ok = isinstance(loaded, Loaded)
    baseline = baseline_of(loaded.study, wanted_baseline.value) if ok else None

    with solara.Card("Study"):
        with solara.Row():
            solara.Select(f"study in {root}/", values=found, value=chosen)
            solara.InputText("or a study folder", value=typed)
        if ok:
            with solara.Row():
                solara.Select(
                    "baseline",
                    values=list(loaded.study.scenarios),
                    value=baseline,
                    on_value=wanted_baseline.set,
                )
                solara.Select("KPI", values=list(MAIN_KPIS), value=kpi)
    if not folder:
        solara.Info(f"No study chosen: `zonesim run` writes one to {root}/, or type a folder.")
    elif isinstance(loaded, str):
        solara.Error(loaded)
    else:
        StudyComparison(loaded, baseline, kpi.value, key)
