"""The firms' numbers, held in columns so that one vectorised pass updates them all.

Each :class:`~zonesim.agents.enterprise.Enterprise` agent is a view onto one row, found by
its firm id (``fid``). Rows stay in ascending ``fid`` order: entrants are appended, and
exits are removed by compacting every column at once.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


class FirmTable:
    """Column store of firm state.

    Columns are 1-d arrays of length ``n`` (one entry per firm); matrices are 2-d arrays of
    shape ``(n, n_measures)`` (one entry per firm and measure). Both are attributes, e.g.
    ``table.revenue`` or ``table.adopted``.
    """

    def __init__(self, columns: Mapping[str, np.ndarray], matrices: Mapping[str, np.ndarray]):
        self._columns = list(columns)
        self._matrices = list(matrices)
        for name, values in {**columns, **matrices}.items():
            setattr(self, name, values)
        self.row_of = np.full(self.fid.max() + 1 if len(self.fid) else 0, -1, dtype=np.int64)
        self._index_rows()

    def __len__(self) -> int:
        return len(self.fid)

    @property
    def next_fid(self) -> int:
        return len(self.row_of)

    def _index_rows(self) -> None:
        self.row_of[self.fid] = np.arange(len(self.fid))

    def append(self, columns: Mapping[str, np.ndarray], matrices: Mapping[str, np.ndarray]):
        """Add firms; every column and matrix must be given."""
        for name in self._columns:
            setattr(self, name, np.concatenate([getattr(self, name), columns[name]]))
        for name in self._matrices:
            setattr(self, name, np.concatenate([getattr(self, name), matrices[name]]))
        grow = self.fid.max() + 1 - len(self.row_of)
        if grow > 0:
            self.row_of = np.concatenate([self.row_of, np.full(grow, -1, dtype=np.int64)])
        self._index_rows()

    def keep(self, mask: np.ndarray) -> None:
        """Drop every firm where ``mask`` is False."""
        self.row_of[self.fid[~mask]] = -1
        for name in self._columns + self._matrices:
            setattr(self, name, getattr(self, name)[mask])
        self._index_rows()

    def row(self, fid: int) -> int:
        """Row of firm ``fid``; raises KeyError if it has left."""
        r = int(self.row_of[fid]) if fid < len(self.row_of) else -1
        if r < 0:
            raise KeyError(f"firm {fid} is not in the model")
        return r
