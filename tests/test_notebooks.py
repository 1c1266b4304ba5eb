"""The analyst notebooks in notebooks/: each runs top to bottom with small settings, shows its
tables and figures, and is kept in git without outputs.

A notebook's first code cell is tagged "parameters" and holds the settings a person changes;
the test runs the notebook with a cell after it that overrides them with tiny values
(papermill's convention), in a kernel of this interpreter (sys.executable), whatever
kernels Jupyter may have registered elsewhere.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

# Per notebook: the overrides of its parameters cell; the zonesim.studies.plots functions it
# must call (each call's cell must show the figure); columns its tables must show.
RUNS = {
    "01_quickstart.ipynb": {
        "settings": {"MONTHS": 12},
        "figures": {"uptake_over_time"},
        "columns": {"on_in_zone", "floor_m2", "floor_stock_m2", "rent_rmb_m2_day", "adopters"},
    },
    "02_compare_scenarios.ipynb": {
        "settings": {"MONTHS": 12, "REPLICATIONS": 2},
        "figures": {
            "headline_kpis",
            "kpis_by_zone",
            "kpi_map",
            "uptake_over_time",
            "uptake_heatmap",
        },
        "columns": {"diff", "diff_ci_low", "diff_ci_high", "uptake_share", "adopters"},
    },
    "03_sensitivity.ipynb": {
        "settings": {"TRAJECTORIES": 2, "MONTHS": 6, "EXECUTOR": "serial"},
        "figures": {"morris_indices"},
        "columns": {"grade", "exit.annual_rate", "mu_star", "mu_star_conf", "sigma"},
    },
}
CELL_TIMEOUT = 300  # seconds; the notebooks take well under a minute with the overrides


def read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / name, as_version=nbformat.NO_CONVERT)


def code_cells(nb: nbformat.NotebookNode) -> list:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def assigned_names(source: str) -> set[str]:
    """Names a cell assigns at its top level."""
    tree = ast.parse(source)
    return {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets}


def plots_called(source: str) -> set[str]:
    """The ``plots.<function>`` names a cell calls (it is IPython, so parsed line by line
    after dropping magics)."""
    python = "\n".join(line for line in source.splitlines() if not line.startswith("%"))
    return {
        node.func.attr
        for node in ast.walk(ast.parse(python))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "plots"
    }


def execute(name: str, settings: dict) -> nbformat.NotebookNode:
    """The notebook run with ``settings`` overriding its parameters cell, plus a last cell
    that prints the kernel's interpreter."""
    nb = read(name)
    first = code_cells(nb)[0]
    override = "\n".join(f"{key} = {value!r}" for key, value in settings.items())
    nb.cells.insert(nb.cells.index(first) + 1, nbformat.v4.new_code_cell(override))
    nb.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.executable, end='')"))
    # Without kernel directories, the only kernel is ipykernel's own "python3", which
    # ipykernel describes as `sys.executable -m ipykernel_launcher`: this interpreter.
    specs = KernelSpecManager(kernel_dirs=[])
    km = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    client = NotebookClient(
        nb, km=km, timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    # shut the kernel down (gracefully, so that a notebook's temporary folders are removed),
    # also when a cell fails: that raises CellExecutionError, naming the cell
    client.execute(cleanup_kc=True)
    return nb


def test_every_notebook_is_tested():
    assert {path.name for path in NOTEBOOKS.glob("*.ipynb")} == set(RUNS)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_notebook_is_clean(name):
    """Commit-ready: valid, no outputs, never executed, first code cell tagged parameters
    and assigning every setting the test overrides."""
    nb = read(name)
    nbformat.validate(nb)
    for cell in code_cells(nb):
        assert cell.outputs == [], f"{name}: a cell has outputs; clear them before committing"
        assert cell.execution_count is None, f"{name}: a cell has an execution count"
    first = code_cells(nb)[0]
    assert "parameters" in first.metadata.get("tags", []), f"{name}: first code cell untagged"
    assert set(RUNS[name]["settings"]) <= assigned_names(first.source)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_notebook_runs(name):
    nb = execute(name, RUNS[name]["settings"])
    cells = code_cells(nb)

    assert cells[-1].outputs[0]["text"] == sys.executable  # the kernel ran this interpreter

    called = set()
    for cell in cells:
        if functions := plots_called(cell.source):
            called |= functions
            images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            assert len(images) == 1, f"{name}: no figure shown by\n{cell.source}"
    assert called == RUNS[name]["figures"]

    tables = [
        o["data"]["text/html"] for c in cells for o in c.outputs if "text/html" in o.get("data", {})
    ]
    assert tables and all("<table" in html for html in tables), f"{name}: no table shown"
    shown = "".join(tables)
    assert {c for c in RUNS[name]["columns"] if f"<th>{c}</th>" not in shown} == set()
