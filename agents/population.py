"""The firms' numbers, held in columns so that one vectorised pass updates them all.

Each :class:`~zonesim.agents.enterprise.Enterprise` agent is a view onto one row, found by
its firm id (``fid``) through ``row_of``. Once a month the firms that left are dropped and
entrants appended; the count of eligible firms per cell and measure is kept up to date as
firms leave, enter and move.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


class FirmTable:
    """Column store of firm state.

    Columns are 1-d arrays of length ``n`` (one entry per firm); matrices are 2-d arrays of
    shape ``(n, n_measures)`` (one entry per firm and measure). Both are attributes, e.g.
    ``table.revenue`` or ``table.adopted``.

    Besides its permanent ``fid``, each firm holds a ``slot``: the index of its row in
    firm-aligned random draws. Slots of departed firms are reused by entrants (lowest first),
    so those draws stay about as long as the table.

    Parameters
    ----------
    columns, matrices : mappings of name to array; ``columns`` must include ``fid`` and ``cell``.
    n_cells : number of (zone, sector) cells.
    """

    def __init__(
        self, columns: Mapping[str, np.ndarray], matrices: Mapping[str, np.ndarray], n_cells: int
    ):
        columns = {**columns, "slot": np.arange(len(columns["fid"]))}
        self._arrays = list(columns) + list(matrices)
        for name, values in {**columns, **matrices}.items():
            setattr(self, name, values)
        self.n_cells = n_cells
        self._free_slots = np.zeros(0, dtype=np.int64)
        self.row_of = np.full(0, -1, dtype=np.int64)
        self.eligible_in_cell = self._eligible_counts(self.cell, self.eligible)
        self._index()

    def __len__(self) -> int:
        return len(self.fid)

    @property
    def next_fid(self) -> int:
        return len(self.row_of)

    def replace(
        self,
        keep: np.ndarray,
        columns: Mapping[str, np.ndarray] | None = None,
        matrices: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        """Keep the rows where ``keep`` is True, in order, and append new firms after them
        (every column except ``slot`` and every matrix must be given)."""
        gone = ~keep
        self._free_slots = np.sort(np.concatenate([self._free_slots, self.slot[gone]]))
        self.eligible_in_cell -= self._eligible_counts(self.cell[gone], self.eligible[gone])
        kept = np.flatnonzero(keep)
        new = {}
        if columns is not None:
            new = {**columns, **matrices, "slot": self._take_slots(len(columns["fid"]))}
            self.eligible_in_cell += self._eligible_counts(new["cell"], new["eligible"])
        for name in self._arrays:
            values = getattr(self, name)
            # boolean masks copy 1-d arrays fastest, row gathers 2-d ones
            values = values[keep] if values.ndim == 1 else values.take(kept, axis=0)
            if new:
                values = np.concatenate([values, new[name]])
            setattr(self, name, values)
        self._index()

    def move(self, rows: np.ndarray, zone: np.ndarray, n_sectors: int) -> None:
        """Move firms ``rows`` to ``zone`` (their cell follows)."""
        self.eligible_in_cell -= self._eligible_counts(self.cell[rows], self.eligible[rows])
        self.zone[rows] = zone
        self.cell[rows] = zone * n_sectors + self.sector[rows]
        self.eligible_in_cell += self._eligible_counts(self.cell[rows], self.eligible[rows])

    def _take_slots(self, m: int) -> np.ndarray:
        reused, self._free_slots = self._free_slots[:m], self._free_slots[m:]
        top = int(self.slot.max()) + 1 if len(self) else 0
        return np.concatenate([reused, top + np.arange(m - len(reused))])

    def _index(self) -> None:
        """Rebuild the fid -> row map."""
        top = int(self.fid.max()) + 1 if len(self) else 0
        if top > len(self.row_of):
            self.row_of = np.full(top, -1, dtype=np.int64)
        else:
            self.row_of[:] = -1
        self.row_of[self.fid] = np.arange(len(self))

    def _eligible_counts(self, cell: np.ndarray, eligible: np.ndarray) -> np.ndarray:
        """Eligible firms per cell and measure among the firms given (cells x K)."""
        k = eligible.shape[1]
        rows, cols = np.divmod(np.flatnonzero(eligible), k)
        counts = np.bincount(cell[rows] * k + cols, minlength=self.n_cells * k)
        return counts.reshape(self.n_cells, k).astype(float)

    def sparse_cell_sums(self, mask, *weights, per_row=None) -> list[np.ndarray]:
        """Per cell and measure: the count of entries where ``mask`` (n x K) is True, then for
        each of ``weights`` (n x K) the sum over those entries (times ``per_row``, if given).
        Fast when few entries are True. Each result has shape (n_cells, K)."""
        k = mask.shape[1]
        rows, cols = np.divmod(np.flatnonzero(mask), k)
        idx = self.cell[rows] * k + cols
        size = self.n_cells * k
        sums = [np.bincount(idx, minlength=size)]
        for w in weights:
            values = w[rows, cols] if per_row is None else w[rows, cols] * per_row[rows]
            sums.append(np.bincount(idx, weights=values, minlength=size))
        return [total.reshape(self.n_cells, k).astype(float) for total in sums]

    def row(self, fid: int) -> int:
        """Row of firm ``fid``; raises KeyError if it has left."""
        r = int(self.row_of[fid]) if fid < len(self.row_of) else -1
        if r < 0:
            raise KeyError(f"firm {fid} is not in the model")
        return r
