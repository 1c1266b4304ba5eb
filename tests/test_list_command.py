"""`zonesim list`: the parameter table with its source column, filtered by name pattern,
measure and grade, cut to a terminal's width or given in full; bad filters end with one
line and exit status 2."""

from __future__ import annotations

import io
from fnmatch import fnmatchcase

import pandas as pd
import pytest

import zonesim
from zonesim.cli import main

TABLE = zonesim.parameters()


def listed(capsys, *args: str) -> pd.DataFrame:
    """The rows `zonesim list parameters ARGS --format csv` prints."""
    assert main(["list", "parameters", *args, "--format", "csv"]) == 0
    out = capsys.readouterr().out
    return pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False).set_index("name")


def test_every_row_with_its_source(capsys):
    rows = listed(capsys)
    assert list(rows.index) == list(TABLE.index)
    assert {"value", "unit", "low", "high", "grade", "description", "source"} <= set(rows.columns)
    assert (rows["source"] == TABLE["source"]).all()


@pytest.mark.parametrize("pattern", ["space.*", "*.far_cap", "zone.jinqiao.*", "m?.alpha"])
def test_name_pattern_filters(capsys, pattern):
    expected = [n for n in TABLE.index if fnmatchcase(n, pattern)]
    assert 0 < len(expected) < len(TABLE)
    assert list(listed(capsys, "--name", pattern).index) == expected


@pytest.mark.parametrize("measure", ["6", "1", "10b"])
def test_measure_filters_to_its_own_rows(capsys, measure):
    rows = list(listed(capsys, "--measure", measure).index)
    assert rows == [n for n in TABLE.index if n.split(".")[0] == f"m{measure}"]
    assert rows  # "1" gives m1.*, not m10a.* or m11.*


@pytest.mark.parametrize("grade", ["P", "D", "G", "g"])
def test_grade_filters(capsys, grade):
    rows = listed(capsys, "--grade", grade)
    assert set(rows["grade"]) == {grade.upper()}
    assert len(rows) == (TABLE["grade"] == grade.upper()).sum()


def test_filters_combine(capsys):
    rows = listed(capsys, "--measure", "6", "--grade", "P")
    expected = TABLE[TABLE.index.str.startswith("m6.") & (TABLE["grade"] == "P")]
    assert 0 < len(rows) < (TABLE.index.str.startswith("m6.")).sum()
    assert list(rows.index) == list(expected.index)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--measure", "6a"], "--measure: unknown measure '6a'; did you mean '6'?"),
        (["--name", "spce.*"], "--name 'spce.*' matches no parameter; did you mean 'space.*'?"),
        (["--name", "far_cap"], "--name 'far_cap' matches no parameter; did you mean '*.far_cap'?"),
        (["--grade", "X"], "--grade must be one of P, D, G, got 'X'"),
        (["--measure", "6", "--name", "zone.*"], "no parameter matches --name zone.* --measure 6"),
    ],
)
def test_bad_filters_give_one_line_and_exit_2(capsys, args, message):
    assert main(["list", "parameters", *args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"zonesim: error: {message}\n"


def test_filters_are_for_the_parameter_table(capsys):
    assert main(["list", "zones", "--grade", "P"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "--grade" in err


def test_table_fits_the_terminal_and_cuts_long_text(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["list", "parameters", "--measure", "6"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "name",
        "value",
        "unit",
        "low",
        "high",
        "grade",
        "description",
        "source",
    ]
    assert len(lines) == 1 + TABLE.index.str.startswith("m6.").sum()
    assert max(map(len, lines)) <= 100
    assert all(line.endswith("…") for line in lines[1:])  # every source is longer than its room


def test_piped_output_keeps_every_character(capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert main(["list", "parameters", "--measure", "6"]) == 0
    out = capsys.readouterr().out
    assert "…" not in out
    for source in TABLE.loc[TABLE.index.str.startswith("m6."), "source"]:
        assert source in out


def test_long_format_gives_every_field_in_full(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["list", "parameters", "--name", "zone.jinqiao.*", "--format", "long"]) == 0
    blocks = capsys.readouterr().out.strip().split("\n\n")
    rows = TABLE[TABLE.index.str.startswith("zone.jinqiao.")]
    assert [b.splitlines()[0] for b in blocks] == list(rows.index)
    for block, (_, row) in zip(blocks, rows.iterrows(), strict=True):
        assert max(map(len, block.splitlines())) <= 60
        words = " ".join(block.split())
        assert f"source: {' '.join(row['source'].split())}" in words
        assert f"description: {' '.join(row['description'].split())}" in words
