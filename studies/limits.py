"""The sizes a study may have: soft limits, past which a request is more likely a slip than a
plan (``--force`` lifts them), and hard ones, past which the machine cannot do it (nothing
lifts them). Each check returns what is wrong, in words, or None; the callers say where
(a flag, a file's key) and refuse before anything is written.

The hard limit of the horizon is the model's (zonesim.model.calendar.MAX_MONTHS; a
ZoneScenario refuses more); the hard limit of the output is the free space where it goes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..model.calendar import MAX_MONTHS, MONTHS_PER_YEAR

# A horizon of 50 years: the plan's is 10 (the default, 120 months), and the model's data
# describe the zones of 2024, so several decades is as far as a planner looks.
SOFT_MONTHS = 600
# Replications per scenario (or point, or draw): the shipped scenarios use 5, the validation
# 10; 1,000 narrow a 95% interval of a mean to about 6% of one run's spread, and more buy
# nothing a comparison shows. Past it, a typo (10^8) is likelier than a plan.
SOFT_REPLICATIONS = 1_000
# Runs of one study. The largest a shipped workflow asks for: Sobol over every grade-G
# parameter (473) at the default 64 samples, 30,400 points, 91,200 runs with 3 replications.
# Bookkeeping already outweighs the model there: a study rewrites its manifest (~225 bytes a
# run) after each run, measured at 120,000 runs as 27 MB and ~3 s a run, six 120-month runs.
SOFT_RUNS = 100_000
# Output on disk, tens of GB: `zonesim compare` reads a study's whole zone table into memory,
# measured at 14% of the study's bytes on disk (the Parquet loads at 2.2 times its size), so
# 50 GB of output is 7 GB in memory before any summary is made, more than a laptop spares.
SOFT_OUTPUT_BYTES = 50 * 10**9

# What a study writes, measured (zonesim run plan_2024_all_zones -r 2, --months 12 and
# --months 240: 414,514 and 7,660,110 bytes in --out). The difference over the 2 x 228 extra
# run-months gives 15,889 bytes a run-month: the per-run tables in runs/ plus their copy in
# the combined tables, most of it sector_kpis (78 zone x sector rows a month) and
# measure_kpis (126 measure x zone rows of 11 KPIs). The rest, about 17,000 bytes a run, is
# each file's Parquet metadata and the run's manifest entry; the estimate keeps the 35,000
# measured before measure_kpis had its costs, credit and entrants. plan_2024_all_zones turns
# every measure on everywhere, the largest measure_kpis table, so other scenarios write less.
BYTES_PER_RUN_MONTH = 16_000
BYTES_PER_RUN = 35_000


FORCE = "pass --force if you mean it"


def months_problem(months: int, force: bool = False) -> str | None:
    """What is wrong with a horizon of ``months`` ("more than ..."), or None."""
    if months > MAX_MONTHS:
        return f"more than {MAX_MONTHS:,} months (a century), the longest horizon the model runs"
    if months > SOFT_MONTHS and not force:
        return f"more than {SOFT_MONTHS:,} months ({SOFT_MONTHS // MONTHS_PER_YEAR} years); {FORCE}"
    return None


def replications_problem(replications: int, force: bool = False) -> str | None:
    """What is wrong with ``replications`` runs of each scenario ("more than ..."), or None."""
    if replications > SOFT_REPLICATIONS and not force:
        return f"more than {SOFT_REPLICATIONS:,} replications; {FORCE}"
    return None


def runs_problem(runs: int, force: bool = False) -> str | None:
    """What is wrong with a study of ``runs`` runs ("more than ..."), or None."""
    if runs > SOFT_RUNS and not force:
        return f"more than {SOFT_RUNS:,} runs in one study; {FORCE}"
    return None


def output_bytes(runs: int, months: int) -> int:
    """The bytes a study of ``runs`` runs of ``months`` months writes (an estimate)."""
    return runs * (BYTES_PER_RUN + months * BYTES_PER_RUN_MONTH)


def output_problem(runs: int, months: int, out: Path, force: bool = False) -> str | None:
    """What is wrong with writing ``runs`` runs of ``months`` months into ``out``
    ("about ... of output, more than ..."), or None: more than the free space there (what
    ``out`` holds already counts as free: --overwrite removes it, --resume keeps it), or
    than SOFT_OUTPUT_BYTES."""
    size = output_bytes(runs, months)
    free = shutil.disk_usage(_existing(out)).free + _bytes_in(out)
    if size > free:
        return f"about {_show(size)} of output, more than the {_show(free)} free there"
    if size > SOFT_OUTPUT_BYTES and not force:
        return f"about {_show(size)} of output, more than {_show(SOFT_OUTPUT_BYTES)}; {FORCE}"
    return None


def _existing(path: Path) -> Path:
    """``path`` or the nearest folder above it that exists (where it would be made)."""
    return next((p for p in (path, *path.absolute().parents) if p.exists()), Path.cwd())


def _bytes_in(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _show(size: int) -> str:
    """Bytes for people: 1.5 GB, 74 TB (powers of 1000, as disks are sold)."""
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size / 10**3:,.0f} kB"
