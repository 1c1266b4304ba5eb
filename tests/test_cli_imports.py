"""`zonesim list` and `zonesim validate` start as fast as `import zonesim`: the command and
its parser import none of the slow libraries only the studies need (matplotlib for figures,
SALib for sensitivity, scipy.stats for calibration draws, distributed for Dask)."""

from __future__ import annotations

import json
import subprocess
import sys

from zonesim.studies.scenario_files import SHIPPED

NEVER = ("matplotlib", "SALib", "distributed", "dask")  # not even `import zonesim` loads them
NO_MORE_OF = ("scipy",)  # Mesa, hence `import zonesim`, loads scipy.spatial: nothing more of it

# One interpreter, as the command runs: import zonesim, then each step; after each, the
# modules loaded since `import zonesim`.
PROBE = """
import contextlib, io, json, sys
steps = json.loads(sys.argv[1])
import zonesim
model = set(sys.modules)
from zonesim.cli import build_parser, main
build_parser()
loaded = {"import zonesim.cli, build the parser": sorted(set(sys.modules) - model)}
for argv in steps:
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    loaded[" ".join(["zonesim", *argv]) + f" (exit {code})"] = sorted(set(sys.modules) - model)
print(json.dumps({"model": sorted(model), "steps": loaded}))
"""


def _top(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in names]


def test_list_and_validate_import_no_slow_library():
    steps = [
        ["list", "zones"],
        ["list", "scenarios"],
        ["validate", str(SHIPPED / "plan_2024.toml"), str(SHIPPED / "far_sweep.toml")],
    ]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(steps)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout)
    assert not _top(found["model"], NEVER)  # else the deltas below would hide them
    loaded = found["steps"]
    assert [step.endswith("(exit 0)") for step in list(loaded)[1:]] == [True] * len(steps)
    assert "zonesim.cli" in loaded["import zonesim.cli, build the parser"]
    for step, modules in loaded.items():
        slow = _top(modules, NEVER + NO_MORE_OF)
        assert not slow, f"{step} imported {slow[:5]}"
