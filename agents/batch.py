"""Rows of firm data laid out for fast moves: the columns of one dtype share a 2-d array.

A :class:`Batch` holds named columns (one value per row) and matrices (one row of values per
row, e.g. one per measure). Columns of the same dtype are stored together, one array row per
column, and so are matrices of the same dtype and width, one array layer per matrix, so that
gathering, moving or appending rows costs one numpy operation per block instead of one per
column or matrix. The firm table and the pool of potential entrants share one
layout, so entrants move from the pool into the table block by block.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


class Layout:
    """Which columns and matrices share which block.

    A block is keyed by dtype and the trailing shape of one row: ``()`` for columns, e.g.
    ``(21,)`` for matrices with one value per measure. Block ``key`` holds its names in
    ``blocks[key]``, stacked along its first axis; rows run along its second axis.

    Parameters
    ----------
    columns : mapping of column name to an example array (its dtype decides the block)
    matrices : mapping of matrix name to an example 2-d array (its dtype and width are kept)
    """

    def __init__(self, columns: Mapping[str, np.ndarray], matrices: Mapping[str, np.ndarray]):
        self.blocks: dict[tuple[np.dtype, tuple[int, ...]], list[str]] = {}
        for name, values in columns.items():
            self.blocks.setdefault((np.asarray(values).dtype, ()), []).append(name)
        for name, m in matrices.items():
            self.blocks.setdefault((m.dtype, m.shape[1:]), []).append(name)
        self.where = {
            name: (key, j) for key, names in self.blocks.items() for j, name in enumerate(names)
        }


class Batch:
    """``rows`` rows of firm data in a :class:`Layout`. ``batch[name]`` is a view of a column
    or matrix; ``batch[name] = values`` writes into it."""

    def __init__(self, layout: Layout, rows: int):
        self.layout = layout
        self.blocks = {
            key: np.empty((len(names), rows, *key[1]), dtype=key[0])
            for key, names in layout.blocks.items()
        }
        self.rows = rows

    @classmethod
    def of(
        cls,
        layout: Layout,
        columns: Mapping[str, np.ndarray],
        matrices: Mapping[str, np.ndarray],
    ) -> Batch:
        """A batch holding the given arrays (every name of the layout, equal lengths)."""
        batch = cls(layout, len(next(iter(columns.values()))))
        given = {**columns, **matrices}
        for key, names in layout.blocks.items():
            for j, name in enumerate(names):
                batch.blocks[key][j] = given[name]
        return batch

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, name: str) -> np.ndarray:
        key, j = self.layout.where[name]
        return self.blocks[key][j]

    def __setitem__(self, name: str, values) -> None:
        self[name][...] = values

    def take(self, rows: np.ndarray) -> Batch:
        """A new batch with the given rows, in that order."""
        out = Batch.__new__(Batch)
        out.layout, out.rows = self.layout, len(rows)
        out.blocks = {key: block[:, rows] for key, block in self.blocks.items()}
        return out

    def put(self, start: int, other: Batch) -> None:
        """Write ``other``'s rows into rows start, start + 1, ... of this batch."""
        stop = start + len(other)
        for key, block in self.blocks.items():
            block[:, start:stop] = other.blocks[key]

    def move(self, to: np.ndarray, source: np.ndarray) -> None:
        """Copy rows ``source`` onto rows ``to`` (disjoint)."""
        for block in self.blocks.values():
            block[:, to] = block[:, source]

    def grown(self, rows: int, keep: int) -> Batch:
        """A batch with room for ``rows`` rows holding this batch's first ``keep`` rows."""
        bigger = Batch(self.layout, rows)
        for key, block in self.blocks.items():
            bigger.blocks[key][:, :keep] = block[:, :keep]
        return bigger

    def views(self, n: int) -> dict[str, np.ndarray]:
        """Views of the first ``n`` rows of every column and matrix, by name."""
        out = {}
        for key, names in self.layout.blocks.items():
            out.update(zip(names, self.blocks[key][:, :n], strict=True))
        return out
