"""Rows of firm data laid out for fast moves: the columns of one dtype share a 2-d array.

A :class:`Batch` holds named columns (one value per row) and matrices (one row of values per
row, e.g. one per measure). Columns of the same dtype are stored together, one array row per
column, so that gathering, moving or appending rows costs one numpy operation per dtype
instead of one per column. The firm table and the pool of potential entrants share one
layout, so entrants move from the pool into the table block by block.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


class Layout:
    """Which columns share which block, and the matrices' names and trailing shapes.

    Parameters
    ----------
    columns : mapping of column name to an example array (its dtype decides the block)
    matrices : mapping of matrix name to an example 2-d array (its dtype and width are kept)
    """

    def __init__(self, columns: Mapping[str, np.ndarray], matrices: Mapping[str, np.ndarray]):
        self.blocks: dict[np.dtype, list[str]] = {}
        for name, values in columns.items():
            self.blocks.setdefault(np.asarray(values).dtype, []).append(name)
        self.matrices = {name: (m.dtype, m.shape[1:]) for name, m in matrices.items()}
        self.where = {
            name: (dtype, j) for dtype, names in self.blocks.items() for j, name in enumerate(names)
        }


class Batch:
    """``rows`` rows of firm data in a :class:`Layout`. ``batch[name]`` is a view of a column
    or matrix; ``batch[name] = values`` writes into it."""

    def __init__(self, layout: Layout, rows: int):
        self.layout = layout
        self.blocks = {
            dtype: np.empty((len(names), rows), dtype=dtype)
            for dtype, names in layout.blocks.items()
        }
        self.matrices = {
            name: np.empty((rows, *shape), dtype=dtype)
            for name, (dtype, shape) in layout.matrices.items()
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
        for dtype, names in layout.blocks.items():
            batch.blocks[dtype][:] = [columns[name] for name in names]
        for name in layout.matrices:
            batch.matrices[name][:] = matrices[name]
        return batch

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, name: str) -> np.ndarray:
        if name in self.matrices:
            return self.matrices[name]
        dtype, j = self.layout.where[name]
        return self.blocks[dtype][j]

    def __setitem__(self, name: str, values) -> None:
        self[name][...] = values

    def take(self, rows: np.ndarray) -> Batch:
        """A new batch with the given rows, in that order."""
        out = Batch.__new__(Batch)
        out.layout, out.rows = self.layout, len(rows)
        out.blocks = {dtype: block[:, rows] for dtype, block in self.blocks.items()}
        out.matrices = {name: m[rows] for name, m in self.matrices.items()}
        return out

    def put(self, start: int, other: Batch) -> None:
        """Write ``other``'s rows into rows start, start + 1, ... of this batch."""
        stop = start + len(other)
        for dtype, block in self.blocks.items():
            block[:, start:stop] = other.blocks[dtype]
        for name, m in self.matrices.items():
            m[start:stop] = other.matrices[name]

    def move(self, to: np.ndarray, source: np.ndarray) -> None:
        """Copy rows ``source`` onto rows ``to`` (disjoint)."""
        for block in self.blocks.values():
            block[:, to] = block[:, source]
        for m in self.matrices.values():
            m[to] = m[source]

    def grown(self, rows: int, keep: int) -> Batch:
        """A batch with room for ``rows`` rows holding this batch's first ``keep`` rows."""
        bigger = Batch(self.layout, rows)
        for dtype, block in self.blocks.items():
            bigger.blocks[dtype][:, :keep] = block[:, :keep]
        for name, m in self.matrices.items():
            bigger.matrices[name][:keep] = m[:keep]
        return bigger

    def views(self, n: int) -> dict[str, np.ndarray]:
        """Views of the first ``n`` rows of every column and matrix, by name."""
        out = {}
        for dtype, names in self.layout.blocks.items():
            out.update(zip(names, self.blocks[dtype][:, :n], strict=True))
        for name, m in self.matrices.items():
            out[name] = m[:n]
        return out
