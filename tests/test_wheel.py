"""zonesim as users install it: the wheel built from this tree, installed in a fresh
environment (not the editable install the tests run in), used from a folder outside the
repository. The shipped scenarios must be found by name there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from zonesim.studies.scenario_files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_NAMES = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))


def _run(command: list, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _ok(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert done.returncode == 0, f"{done.args}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


def _copy_sources(into: Path) -> None:
    """What the wheel is built from (pyproject, README, the package folders), so that the
    build leaves nothing in the working tree and takes nothing stale from its build/."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    into.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, into / name)
    for folder in config["tool"]["setuptools"]["package-dir"].values():
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(ROOT / folder, into / folder, ignore=ignore)


def _git_repository(folder: Path) -> bool:
    """Make ``folder`` a git repository with one commit (a user's project the environment
    sits in); False without git."""
    folder.mkdir()
    git = shutil.which("git")
    if git is None:
        return False
    _ok(_run([git, "init", "-q", "."], folder))
    identity = ["-c", "user.name=user", "-c", "user.email=user@example.org"]
    _ok(_run([git, *identity, "commit", "-q", "--allow-empty", "-m", "project"], folder))
    return True


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """A fresh environment holding the wheel, inside a user's git repository. The dev
    environment's packages (mesa, numpy, ...) are visible through a path line in a .pth
    file, which does not run the dev environment's own .pth files (its editable zonesim)."""
    tmp = tmp_path_factory.mktemp("wheel")
    _copy_sources(tmp / "source")
    wheel_build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    _ok(_run([*wheel_build, "--no-index", "-q", "-w", "dist", "./source"], tmp))
    (wheel,) = (tmp / "dist").glob("zonesim-*.whl")

    in_git = _git_repository(tmp / "project")
    venv = tmp / "project" / ".venv"
    _ok(_run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp))
    python = venv / "bin" / "python"
    purelib = _ok(
        _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp)
    )
    site = Path(purelib.stdout.strip())
    (site / "dev_packages.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps"]
    _ok(_run([*pip, "--no-index", "-q", str(wheel)], tmp))

    elsewhere = tmp / "elsewhere"  # the user's working folder, outside both repositories
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {"venv": venv, "cwd": elsewhere, "env": env, "in_git": in_git}


def _zonesim(installed: dict, *args: str) -> subprocess.CompletedProcess:
    command = [str(installed["venv"] / "bin" / "zonesim"), *args]
    return _run(command, installed["cwd"], installed["env"])


def test_the_fresh_environment_imports_the_installed_zonesim_not_the_source_tree(installed):
    code = (
        "import importlib.util, zonesim; print(zonesim.__file__); "
        "print(importlib.util.find_spec('zonesim.scenarios.phased_rollout').origin)"
    )
    python = installed["venv"] / "bin" / "python"
    done = _ok(_run([python, "-c", code], installed["cwd"], installed["env"]))
    package, example = (Path(line).resolve() for line in done.stdout.split())
    assert package.is_relative_to(installed["venv"].resolve()), package
    assert not package.is_relative_to(ROOT), package
    assert example.parent == package.parent / "scenarios"  # the example script ships too


def test_the_shipped_scenarios_are_listed(installed):
    done = _ok(_zonesim(installed, "list", "scenarios"))
    listed = {line.split()[0] for line in done.stdout.splitlines()[1:] if line.strip()}
    assert set(SHIPPED_NAMES) <= listed, done.stdout
    assert "INVALID" not in done.stdout
    assert "plan_2024" in SHIPPED_NAMES and "baseline" in SHIPPED_NAMES


def test_a_study_of_shipped_scenarios_named_runs(installed):
    out = installed["cwd"] / "study"
    args = ["plan_2024", "baseline", "--months", "12", "-r", "1", "--executor", "serial"]
    _ok(_zonesim(installed, "run", *args, "--out", str(out), "-q"))
    kpis = pd.read_parquet(out / "zone_kpis.parquet")
    assert set(kpis["scenario"]) == {"plan_2024", "baseline"}
    assert kpis["month"].max() == 12
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {r["status"] for r in manifest["runs"].values()} == {"done"}
    if installed["in_git"]:  # the repository around the environment is not zonesim's code
        assert manifest["environment"]["git_commit"] is None


def test_a_file_outside_the_repository_extends_a_shipped_scenario_by_name(installed):
    child = installed["cwd"] / "my_variant.toml"
    child.write_text(
        'description = "the plan, two years"\nextends = "plan_2024"\n[simulation]\nmonths = 24\n',
        encoding="utf-8",
    )
    done = _ok(_zonesim(installed, "validate", child.name))
    plan = load_scenario(ROOT / "scenarios" / "plan_2024.toml")
    on = sum(s.enabled for s in plan.policy.measures.values())
    assert on > 0
    assert f"measures on: {on} of" in done.stdout, done.stdout
    assert "simulation: 24 months" in done.stdout
