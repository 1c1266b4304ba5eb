"""Fill the tables in the docs that repeat the parameter table, so they never go stale.

    .venv/bin/python docs/update_tables.py          # rewrite them in place
    .venv/bin/python docs/update_tables.py --check  # exit 1 if any is out of date

- docs/measures/README.md: between ``<!-- parameters m<id> -->`` and ``<!-- /parameters -->``,
  each sub-measure's own parameters (m<id>.*, except the uptake and cost rows every measure
  has) with value, unit, range, grade and source;
- docs/ODD.md section 6: between ``<!-- grade counts -->`` and ``<!-- /grade counts -->``, the
  parameter rows by group and grade; and the count of rows in the data-tables overview.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

import zonesim

DOCS = Path(__file__).parent
MEASURES_DOC = DOCS / "measures" / "README.md"
ODD = DOCS / "ODD.md"
COMMON = {"bass_p", "bass_q", "alpha", "fixed_cost", "running_cost", "attraction"}
PARAMETER_BLOCK = re.compile(r"(<!-- parameters m(\w+) -->\n)(.*?)(<!-- /parameters -->)", re.S)
COUNT_BLOCK = re.compile(r"(<!-- grade counts -->\n)(.*?)(<!-- /grade counts -->)", re.S)
OVERVIEW_ROW = re.compile(r"^\| `parameters.csv` \| .*$", re.M)
# parameter groups by the first part of the name, in the order the ODD lists them
GROUPS = {
    "zone attributes": ("zone", "`zone.<zone>.*`"),
    "market": ("market", "`market.*`: the record and its dynamics"),
    "programme": ("programme", "`programme.*`: the up-the-floors programme"),
    "sector attributes": ("sector", "`sector.<sector>.*`"),
    "sector mix": ("mix", "`mix.<zone>.<sector>`"),
    "sub-measures": ("m<k>", "`m<k>.*`: uptake, costs, approval and mechanism parameters"),
    "displacement": ("displacement", "`displacement.share`"),
}
OTHER = ("global behaviour, finance, space, trade", "every other group (`firms.*`, `exit.*`, ...)")


def measure_table(measure: str) -> str:
    """The parameters of one sub-measure, as a markdown table."""
    rows = zonesim.parameters()
    own = rows[rows.index.str.startswith(f"m{measure}.")]
    lines = ["| parameter | value | unit | range | grade | source |", "|---|---|---|---|---|---|"]
    for name, r in own.iterrows():
        if name.split(".", 1)[1] in COMMON:
            continue
        source = str(r["source"]).replace("|", "/")
        lines.append(
            f"| `{name}` | {r['value']:g} | {r['unit']} | {r['low']:g}-{r['high']:g} "
            f"| {r['grade']} | {source} |"
        )
    return "\n".join(lines) + "\n"


def grade_counts() -> pd.DataFrame:
    """Rows of the parameter table by group (index) and grade (columns P, D, G)."""
    table = zonesim.parameters()
    head = pd.Series(table.index.str.split(".").str[0], index=table.index)
    head = head.where(~head.str.match(r"m\d"), "m<k>")
    label = {key: name for name, (key, _) in GROUPS.items()}
    group = head.map(label).fillna(OTHER[0])
    counts = pd.crosstab(group, table["grade"]).reindex(columns=["P", "D", "G"], fill_value=0)
    return counts.reindex([g for g in [*GROUPS, OTHER[0]] if g in counts.index])


def count_table() -> str:
    counts = grade_counts()
    names = {name: text for name, (_, text) in GROUPS.items()} | {OTHER[0]: OTHER[1]}
    lines = ["| group | names | P | D | G | total |", "|---|---|---|---|---|---|"]
    for group, row in counts.iterrows():
        lines.append(
            f"| {group} | {names[group]} | {row['P']} | {row['D']} | {row['G']} | {row.sum()} |"
        )
    p, d, g = (int(counts[c].sum()) for c in ("P", "D", "G"))
    lines.append(f"| **all** | | **{p}** | **{d}** | **{g}** | **{p + d + g}** |")
    return "\n".join(lines) + "\n"


def overview_row() -> str:
    counts = grade_counts()
    p, d, g = (int(counts[c].sum()) for c in ("P", "D", "G"))
    return (
        f"| `parameters.csv` | {p + d + g} | every number: name, value, unit, low, high, grade, "
        f"source, description | {p} P, {d} D, {g} G |"
    )


def filled_measures(text: str) -> str:
    return PARAMETER_BLOCK.sub(lambda m: m.group(1) + measure_table(m.group(2)) + m.group(4), text)


def filled_odd(text: str) -> str:
    text = COUNT_BLOCK.sub(lambda m: m.group(1) + count_table() + m.group(3), text)
    return OVERVIEW_ROW.sub(overview_row(), text)


def main(argv: list[str]) -> int:
    stale = 0
    for path, fill in ((MEASURES_DOC, filled_measures), (ODD, filled_odd)):
        text = path.read_text(encoding="utf-8")
        new = fill(text)
        if new != text:
            stale = 1
            if "--check" not in argv:
                path.write_text(new, encoding="utf-8")
    return stale if "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
