"""docs/measures/README.md, the ODD's per-measure section, shows each sub-measure's own
parameters as the parameter table has them now, and covers every sub-measure and mechanism."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import load_module

import zonesim

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "measures" / "README.md"


def _update_module():
    return load_module(ROOT / "docs" / "update_tables.py", "update_tables")


def test_parameter_tables_are_current():
    update = _update_module()
    text = DOC.read_text(encoding="utf-8")
    assert update.filled_measures(text) == text, "run docs/update_tables.py"
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert update.filled_odd(odd) == odd, "run docs/update_tables.py"


def test_the_odds_grade_counts_add_up_to_the_table():
    counts = _update_module().grade_counts()
    table = zonesim.parameters()
    assert counts.to_numpy().sum() == len(table)
    for grade in ("P", "D", "G"):
        assert counts[grade].sum() == (table["grade"] == grade).sum()


def test_every_sub_measure_has_its_section_text_and_mechanism():
    text = DOC.read_text(encoding="utf-8")
    table = zonesim.measures()
    for measure, row in table.iterrows():
        section = re.search(rf"^## {re.escape(measure)}\. (.*?)(?=^## |\Z)", text, re.S | re.M)
        assert section, f"no section for {measure}"
        body = section.group(1)
        assert "> " in body, f"{measure}: no quoted text"
        assert f"`{row['mechanism']}`" in body, f"{measure}: mechanism not named"
        assert f"<!-- parameters m{measure} -->" in body
