"""``zonesim list``: the shipped tables, the parameter table filtered, printed to fit a
terminal (long text cut, ``…``), in full (``long``: every field, wrapped) or as CSV."""

from __future__ import annotations

import difflib
import math
import re
import textwrap
import unicodedata
from fnmatch import fnmatchcase

import pandas as pd

from .model import checks
from .model.tables import GRADES
from .options import UsageError

FORMATS = ("table", "long", "csv")
GAP = "  "  # between columns
LONG_TEXT = 30  # characters: a text column with longer cells is cut to fit the terminal
TEXT_MIN = 12  # characters a cut column keeps however narrow the terminal
LONG_WIDTH = 100  # --format long wraps at this width when there is no terminal
_WILDCARDS = re.compile(r"[*?\[]")


def select_parameters(
    table: pd.DataFrame,
    name: str | None = None,
    measure: str | None = None,
    grade: str | None = None,
) -> pd.DataFrame:
    """The rows of the parameter table whose name matches the glob ``name``, that belong to
    sub-measure ``measure`` (``m<id>.*``) and have evidence grade ``grade``. UsageError (one
    line) for an unknown measure or grade, a pattern that matches no row, or no row left."""
    keep = pd.Series(True, index=table.index)
    if measure is not None:
        try:
            mid = checks.measure_id(measure)
        except checks.InputError as err:
            raise UsageError(f"--measure: {err.message}") from None
        keep &= table.index.str.startswith(f"m{mid}.")
    if name is not None:
        matches = pd.Series([fnmatchcase(n, name) for n in table.index], index=table.index)
        if not matches.any():
            raise UsageError(f"--name '{name}' matches no parameter{_pattern_hint(name)}")
        keep &= matches
    if grade is not None:
        if grade not in GRADES:
            raise UsageError(f"--grade must be one of {', '.join(GRADES)}, got '{grade}'")
        keep &= table["grade"] == grade
    if not keep.any():
        asked = {"--name": name, "--measure": measure, "--grade": grade}
        given = " ".join(f"{flag} {value}" for flag, value in asked.items() if value is not None)
        raise UsageError(f"no parameter matches {given}")
    return table[keep]


def _pattern_hint(pattern: str) -> str:
    """For a plain name, ``*.<name>`` if rows end with it, else the nearest row; for a glob,
    the nearest ``<head>.*`` or ``*.<last part>`` pattern."""
    names = checks.parameter_names()
    if not _WILDCARDS.search(pattern):
        if any(n.endswith(f".{pattern}") for n in names):
            return f"; did you mean '*.{pattern}'?"
        return checks.hint(pattern, names)
    heads = {f"{n.split('.')[0]}.*" for n in names}
    lasts = {f"*.{n.rsplit('.', 1)[-1]}" for n in names}
    near = difflib.get_close_matches(pattern, sorted(heads | lasts), n=1)
    return f"; did you mean '{near[0]}'?" if near else ""


def render(frame: pd.DataFrame, fmt: str, width: int | None) -> str:
    """``frame`` as text: ``table`` (long text cut to fit ``width`` terminal columns; None:
    nothing cut), ``long`` (wrapped at ``width``) or ``csv``."""
    if fmt == "csv":
        return frame.to_csv().rstrip("\n")
    if fmt == "long":
        return _long(frame, width or LONG_WIDTH)
    return _table(frame, width)


def _table(frame: pd.DataFrame, width: int | None) -> str:
    """One line per row, within ``width`` if it can be: long text columns are cut first,
    then shorter text (units) if still needed; names and numbers never."""
    flat = frame.reset_index()
    columns = [str(c) for c in flat.columns]
    cells = [[_cell(v) for v in flat[c]] for c in flat.columns]
    natural = [max(_width(h), *map(_width, col)) for h, col in zip(columns, cells, strict=True)]
    numeric = [pd.api.types.is_numeric_dtype(flat[c]) for c in flat.columns]
    text = [i for i in range(1, len(columns)) if not numeric[i] and natural[i] > TEXT_MIN]
    widths = list(natural)
    for tier in ([i for i in text if natural[i] > LONG_TEXT], text):
        excess = sum(widths) + len(GAP) * (len(widths) - 1) - (width or math.inf)
        if excess <= 0:
            break
        room = sum(widths[i] for i in tier) - excess
        for i, w in zip(tier, _share(room, [natural[i] for i in tier]), strict=True):
            widths[i] = w
    lines = []
    for row in [columns, *zip(*cells, strict=True)]:
        parts = [
            _fit(v, w, right=numeric[i]) for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append(GAP.join(parts).rstrip())
    return "\n".join(lines)


def _share(room: int, natural: list[int]) -> list[int]:
    """Widths for text columns: each at least TEXT_MIN (or its own width), the rest of
    ``room`` shared evenly, none wider than its longest cell."""
    widths = [min(n, TEXT_MIN) for n in natural]
    left = room - sum(widths)
    growing = [i for i, n in enumerate(natural) if widths[i] < n]
    while left > 0 and growing:
        step = max(1, left // len(growing))
        for i in list(growing):
            add = min(step, natural[i] - widths[i], left)
            widths[i] += add
            left -= add
            if widths[i] == natural[i]:
                growing.remove(i)
            if not left:
                break
    return widths


def _long(frame: pd.DataFrame, width: int) -> str:
    """Each row as a block: its name, then one wrapped ``column: value`` line per field."""
    blocks = []
    for index, row in frame.iterrows():
        name = " ".join(index) if isinstance(index, tuple) else str(index)
        lines = [name]
        for column, value in row.items():
            lines.append(
                textwrap.fill(
                    _cell(value),
                    width=max(width, LONG_WIDTH // 2),
                    initial_indent=f"  {column}: ",
                    subsequent_indent="    ",
                )
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def _fit(text: str, width: int, right: bool) -> str:
    """``text`` in exactly ``width`` terminal columns: cut with an ellipsis, or padded."""
    if _width(text) > width:
        while _width(text) > width - 1:
            text = text[:-1]
        text += "…"
    pad = " " * (width - _width(text))
    return pad + text if right else text + pad


def _width(text: str) -> int:
    """Terminal columns ``text`` takes: two for wide characters (Chinese names)."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
