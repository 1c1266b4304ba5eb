"""Absurd and pathological input: every file the reader or the checks would choke on, and
every study too large to mean or to do, ends with one line naming the file (or the flag),
exit status 2, and nothing written."""

from __future__ import annotations

import os
import shutil
from collections import namedtuple
from pathlib import Path

import pytest
from zonesim.model.calendar import LAST_START, MAX_MONTHS, start_period
from zonesim.model.reporters import Recorder
from zonesim.studies import limits
from zonesim.studies.scenario_files import (
    MAX_DEPTH,
    MAX_EXTENDS,
    MAX_FILE_BYTES,
    MAX_NAME,
    ScenarioError,
    load_scenario,
    problems,
)

import zonesim
from zonesim import cli, sensitivity_command
from zonesim.cli import main

PLAN = 'extends = "plan_2024"\n'


# ---------------------------------------------------------------------- the corpus
def _write(text: str):
    def make(path: Path) -> None:
        path.write_text(text, encoding="utf-8")

    return make


def _deep_lists(path: Path) -> None:  # the reader itself recurses: RecursionError
    path.write_text("a = " + "[" * 3000 + "]" * 3000 + "\n")


def _deep_tables(path: Path) -> None:  # read without recursion, then too deep to check
    path.write_text("[" + ".".join(["a"] * 3000) + "]\n")


def _too_large(path: Path) -> None:  # refused by its size, never read
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)


def _binary(path: Path) -> None:
    path.write_bytes(b"\xff\xfe\x00\x01 binary \x80\x81")


def _folder(path: Path) -> None:
    path.mkdir()


def _fifo(path: Path) -> None:  # reading it would wait forever
    os.mkfifo(path)


def _unreadable(path: Path) -> None:
    path.write_text(PLAN)
    path.chmod(0)


def _symlink_loop(path: Path) -> None:
    path.symlink_to(path.name)


def _long_chain(path: Path) -> None:
    """``path`` extends c1, which extends c2, ... MAX_EXTENDS + 5 files deep."""
    names = [path.stem, *(f"c{i}" for i in range(1, MAX_EXTENDS + 6))]
    for name, parent in zip(names, names[1:], strict=False):
        (path.parent / f"{name}.toml").write_text(f'extends = "{parent}"\n')
    (path.parent / f"{names[-1]}.toml").write_text('description = "the end"\n')


Case = namedtuple("Case", "make says")
CORPUS = {
    "deep_lists": Case(_deep_lists, f"nested more than {MAX_DEPTH} deep"),
    "deep_tables": Case(_deep_tables, f"nested more than {MAX_DEPTH} deep"),
    "too_large": Case(_too_large, "more than a scenario file needs"),
    "binary": Case(_binary, "not a UTF-8 text file"),
    "folder": Case(_folder, "is a folder"),
    "fifo": Case(_fifo, "is not a regular file"),
    "unreadable": Case(_unreadable, "cannot read it (Permission denied)"),
    "symlink_loop": Case(_symlink_loop, "cannot read it (Too many levels of symbolic links)"),
    "long_chain": Case(_long_chain, f"more than {MAX_EXTENDS} files extend one another"),
    "huge_months": Case(_write("[simulation]\nmonths = 100000000000\n"), "the longest horizon"),
    "months_past_64_bits": Case(
        _write("[simulation]\nmonths = 99999999999999999999999\n"), "past TOML's 64 bits"
    ),
    "number_of_5000_digits": Case(
        _write("[simulation]\nseed = " + "9" * 5000 + "\n"), "a number too long to read"
    ),
    "huge_replications": Case(
        _write("[simulation]\nreplications = 100000000\n"), "more than 1,000 replications"
    ),
    "huge_start_month": Case(
        _write(PLAN + "[measures.6]\nstart_month = 9223372036854775807\n"), "past the horizon"
    ),
    "long_zone_name": Case(
        _write(PLAN + f'[measures.6]\nzones = ["{"j" * 1_000_000}"]\n'),
        f"text of 1,000,000 characters (at most {MAX_NAME})",
    ),
    "long_key": Case(
        _write(f'[parameters]\n"{"p" * 100_000}" = 1\n'),
        f"a key of 100,000 characters (at most {MAX_NAME})",
    ),
    "months_nan": Case(_write("[simulation]\nmonths = nan\n"), "must be a whole number"),
    "intensity_inf": Case(
        _write(PLAN + "[measures.6]\nintensity = inf\n"), "must be a finite number, not inf"
    ),
    "parameter_nan": Case(
        _write('[parameters]\n"market.rent_lambda" = -nan\n'), "must be a finite number"
    ),
}


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(params=sorted(CORPUS))
def bad_file(request, tmp_path) -> tuple[Path, str]:
    """A pathological scenario file in its own folder, and what its one line must say."""
    case = CORPUS[request.param]
    if request.param == "unreadable" and os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = tmp_path / f"{request.param}.toml"
    case.make(path)
    yield path, case.says
    if path.exists() and not path.is_symlink() and not path.is_fifo():
        path.chmod(0o700)  # so that pytest can remove it


def test_corpus_file_is_refused_by_validate(bad_file, capsys):
    path, says = bad_file
    before = _listing(path.parent)
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1, err[:500]
    assert err.startswith(f"zonesim: error: {path}") and says in err
    assert len(err) < 500  # the line names the problem; it does not echo the input
    assert _listing(path.parent) == before


def test_corpus_file_is_refused_by_run(bad_file, capsys):
    path, says = bad_file
    out_dir = path.parent / "out"
    before = _listing(path.parent)
    assert main(["run", str(path), "--out", str(out_dir), "--executor", "serial"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and str(path) in err and says in err
    assert not out_dir.exists()
    assert _listing(path.parent) == before


def test_python_api_refuses_the_corpus_with_scenario_error(bad_file):
    path, says = bad_file
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert says in str(caught.value)


# ---------------------------------------------------------------------- sizes
@pytest.fixture
def free_space(monkeypatch):
    """Pretend the disk has ``free`` bytes free (call it: ``free_space(10**12)``)."""

    def pretend(free: int) -> None:
        usage = shutil._ntuple_diskusage(free * 2, free, free)
        monkeypatch.setattr(limits.shutil, "disk_usage", lambda _: usage)

    return pretend


@pytest.fixture
def ran(monkeypatch) -> list:
    """The commands' work replaced by a note of its arguments: a study that passes every
    check is noted here instead of running."""
    from zonesim import calibration_command

    noted = []
    monkeypatch.setattr(cli, "run", noted.append)
    monkeypatch.setattr(sensitivity_command, "run", noted.append)
    monkeypatch.setattr(calibration_command, "run_calibrate", noted.append)
    monkeypatch.setattr(calibration_command, "run_validate", noted.append)
    return noted


def _refused(argv: list[str], capsys, *says: str) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    for words in says:
        assert words in err, err
    return err


SOFT = [  # (command line, what the refusal says): --force lifts each
    (["run", "--months", "601"], "--months 601: more than 600 months (50 years); pass --force"),
    (["run", "-r", "1001"], "--replications 1001: more than 1,000 replications; pass --force"),
    (
        ["sensitivity", "baseline", "--params", "market.rent_lambda,decision.review_prob",
         "--samples", "33334", "--months", "1"],
        "100,002 runs (100,002 points x 1 replications): more than 100,000 runs",
    ),
    (
        ["calibrate", "--samples", "50000", "-r", "2"],
        "100,002 runs (50,001 draws x 2 replications): more than 100,000 runs",
    ),
    (
        ["calibrate", "--target", "survival", "--samples", "100", "-r", "1001"],
        "--replications 1001: more than 1,000",
    ),
    (["validate-model", "--months", "700"], "--months 700: more than 600 months"),
    (
        ["sensitivity", "baseline", "--params", "market.rent_lambda,decision.review_prob",
         "--samples", "3000", "--months", "600"],
        "about 86.7 GB of output, more than 50.0 GB; pass --force",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "says"), SOFT)
def test_soft_limits_are_refused_and_force_lifts_them(
    argv, says, tmp_path, capsys, free_space, ran
):
    free_space(10**15)
    out = ["--out", str(tmp_path / "out")]
    if argv[0] == "validate-model":
        out += ["--report", str(tmp_path / "r.md")]
    _refused([*argv, *out], capsys, says)
    assert ran == [] and list(tmp_path.iterdir()) == []
    assert main([*argv, *out, "--force"]) is None  # the checks passed: the work was called
    assert len(ran) == 1 and list(tmp_path.iterdir()) == []


HARD = [  # nothing lifts these
    (["run", "--months", "100000000000"], "more than 1,200 months (a century)"),
    (["sensitivity", "plan_2024", "--grade", "P", "--months", "1201"], "more than 1,200"),
    (
        ["sensitivity", "plan_2024", "--grade", "P", "--months", "1201", "--baseline", "baseline"],
        "more than 1,200",
    ),
    (["decompose", "plan_2024", "--months", "1201"], "more than 1,200"),
    (["validate-model", "--months", "5000"], "--months 5000: more than 1,200 months"),
    (["run", "-r", "100000000"], "of output, more than the 1.0 TB free there"),
    (["calibrate", "--samples", "1000000000"], "of output, more than the 1.0 TB free there"),
]


@pytest.mark.parametrize(("argv", "says"), HARD)
def test_hard_limits_hold_even_with_force(argv, says, tmp_path, capsys, free_space, ran):
    free_space(10**12)
    _refused([*argv, "--out", str(tmp_path / "out"), "--force"], capsys, says)
    assert ran == [] and list(tmp_path.iterdir()) == []


def test_what_out_holds_already_counts_as_free(tmp_path, capsys, free_space, ran):
    """--overwrite removes an earlier study and --resume reuses it: its bytes count as free."""
    out = tmp_path / "out"
    size = limits.output_bytes(10, 120)
    free_space(size // 2)
    _refused(["run", "-r", "5", "--out", str(out)], capsys, "more than the")
    out.mkdir()
    (out / "manifest.json").write_text('{"work": {}}')
    with (out / "runs.bin").open("wb") as handle:
        handle.truncate(size)  # sparse: counted by its size
    assert main(["run", "-r", "5", "--out", str(out), "--overwrite"]) is None


def test_the_output_estimate_matches_a_real_study(tmp_path):
    """The bytes per run and per run-month in zonesim.studies.limits were measured on the
    scenario that writes the most (every measure everywhere); a real study must stay under
    the estimate, and not far under it."""
    months, replications = 24, 2
    out = tmp_path / "study"
    scenario = zonesim.load_scenario("plan_2024_all_zones").replace(months=months)
    zonesim.run_study([scenario], replications, 1, out, progress=False)
    written = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    estimate = limits.output_bytes(replications, months)
    assert 0.75 * estimate <= written <= estimate


def test_the_model_refuses_a_horizon_past_its_limit():
    """A script cannot allocate what the command refuses: ZoneScenario and ZoneModel say
    no past MAX_MONTHS, before anything is allocated."""
    assert zonesim.ZoneScenario(months=MAX_MONTHS).months == MAX_MONTHS
    for months in (MAX_MONTHS + 1, 10**11):
        with pytest.raises(ValueError, match="at most 1,200"):
            zonesim.ZoneScenario(months=months)
        with pytest.raises(ValueError, match="at most 1,200"):
            zonesim.ZoneModel(months=months, rng=1)
    with pytest.raises(ValueError, match="at most 1,200"):
        zonesim.ZoneScenario(name="x").replace(months=10**11)


def test_one_run_at_the_longest_horizon_fits_in_memory():
    """The recorder's arrays at MAX_MONTHS (what 10^11 months made hundreds of TiB)."""
    tables = zonesim.zones().index, zonesim.sectors().index, zonesim.measures().index
    recorder = Recorder(MAX_MONTHS, start_period(LAST_START), *map(list, tables))
    size = recorder.zone.nbytes + recorder.sector.nbytes + recorder.measure.nbytes
    assert size < 20 * 2**20


# ---------------------------------------------------------------------- files' [simulation]
def test_a_file_past_the_soft_limits_needs_force(tmp_path, capsys, free_space, ran):
    free_space(10**15)
    path = tmp_path / "long.toml"
    path.write_text(PLAN + "[simulation]\nmonths = 700\nreplications = 2\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value) == (
        f"{path}: simulation.months: 700 is more than 600 months (50 years); "
        "pass --force if you mean it"
    )
    assert load_scenario(path, force=True).months == 700
    _refused(["validate", str(path)], capsys, f"{path}: simulation.months: 700")
    assert main(["validate", str(path), "--force"]) == 0
    assert "700 months, 2 replications" in capsys.readouterr().out
    out = tmp_path / "out"
    _refused(["run", str(path), "--out", str(out)], capsys, "simulation.months: 700")
    assert main(["run", str(path), "--out", str(out), "--force"]) is None
    assert ran[0].months == 700 and not out.exists()


def test_a_parents_horizon_is_named_with_the_parents_file(tmp_path):
    (tmp_path / "parent.toml").write_text(PLAN + "[simulation]\nmonths = 5000\n")
    (tmp_path / "child.toml").write_text('extends = "parent"\n')
    with pytest.raises(ScenarioError, match="parent.toml: simulation.months: 5,000 is more"):
        load_scenario(tmp_path / "child.toml", force=True)  # the model's limit: no force


def test_the_design_is_sized_before_it_is_drawn():
    from zonesim.studies.sensitivity import design, design_size

    names = ["market.rent_lambda", "decision.review_prob", "zone.jinqiao.far_cap"]
    for method, samples in (("morris", 4), ("sobol", 8)):
        drawn = design(method, names, samples, seed=1)
        assert design_size(method, len(names), samples) == len(drawn.points)


# ---------------------------------------------------------------------- every problem of a file
THREE = """extends = "plan_2024"

[simulation]
months = "ten years"

[parameters]
"market.rent_lamda" = 0.5

[measures.6]
intensity = -1
"""


def test_validate_reports_every_problem_of_a_file(tmp_path, capsys):
    path = tmp_path / "three.toml"
    path.write_text(THREE)
    found = problems(path)
    assert [e.key for e in found] == [
        "simulation.months",
        "parameters.market.rent_lamda",
        "measures.6.intensity",
    ]
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [f"zonesim: error: {e}" for e in found]
    assert "did you mean 'market.rent_lambda'" in err
    # run still stops at the first
    _refused(["run", str(path), "--out", str(tmp_path / "out")], capsys, "simulation.months")


def test_problems_agree_with_loading(tmp_path):
    """A sound file has none; a problem only the whole file shows (a sweep's) is found."""
    assert problems("plan_2024") == []
    sound = tmp_path / "sound.toml"
    sound.write_text(PLAN + "[measures.6]\nstart_month = 12\n")
    assert problems(sound) == []
    swept = tmp_path / "swept.toml"
    swept.write_text(PLAN + '[sweep.grid]\n"measures.6.intensity" = [1, -1]\n')
    (err,) = problems(swept)
    assert err.key.startswith("sweep.grid") and "at least 0" in str(err)


def test_a_start_month_is_not_blamed_for_a_bad_horizon(tmp_path):
    path = tmp_path / "h.toml"
    path.write_text(PLAN + "[simulation]\nmonths = 0\n\n[measures.6]\nstart_month = 200\n")
    assert [e.key for e in problems(path)] == ["simulation.months"]


def test_validate_goes_on_to_the_next_file(tmp_path, capsys):
    bad, good = tmp_path / "bad.toml", tmp_path / "good.toml"
    bad.write_text(THREE)
    good.write_text(PLAN)
    assert main(["validate", str(bad), str(good)]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 3 and f"{good}: valid" in out


# ---------------------------------------------------------------------- descriptions
def test_a_file_without_description_has_none_of_its_parents(tmp_path, capsys):
    (tmp_path / "child.toml").write_text(PLAN + "[measures.6]\nstart_month = 12\n")
    (tmp_path / "own.toml").write_text('extends = "child"\ndescription = "mine"\n')
    (tmp_path / "plain.toml").write_text("[measures.6]\nstart_month = 12\n")
    child = load_scenario(tmp_path / "child.toml")
    assert child.description == ""
    assert load_scenario(tmp_path / "own.toml").description == "mine"
    assert main(["validate", str(tmp_path / "child.toml"), str(tmp_path / "plain.toml")]) == 0
    out = capsys.readouterr().out
    assert "  description: (no description; extends plan_2024)\n" in out
    assert "  description: (no description)\n" in out
    listed = cli.scenario_list(tmp_path)["description"]
    assert listed["child"] == "(no description; extends plan_2024)"
    assert listed["own"] == "mine"
    assert listed["plain"] == "(no description)"
