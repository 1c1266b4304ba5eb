"""The firms' numbers, held in columns so that one vectorised pass updates them all.

Each :class:`~zonesim.agents.enterprise.Enterprise` agent is a view onto one row, found by
its firm id (``fid``) through ``row_of``. Rows are kept sorted by ``cell`` (zone, then
sector), so that sums over a zone or a zone-and-sector cell are sums over contiguous blocks.
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
        self._reorder(np.argsort(self.cell, kind="stable"))

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
        """Keep the rows where ``keep`` is True, add new firms (every column except ``slot``
        and every matrix must be given), and re-sort by cell."""
        self._free_slots = np.sort(np.concatenate([self._free_slots, self.slot[~keep]]))
        kept = np.flatnonzero(keep)
        if columns is not None:
            m = len(columns["fid"])
            new = {**columns, **matrices, "slot": self._take_slots(m)}
            for name in self._arrays:
                setattr(self, name, np.concatenate([getattr(self, name), new[name]]))
            kept = np.concatenate([kept, len(self) - m + np.arange(m)])
        self._reorder(kept[np.argsort(self.cell[kept], kind="stable")])

    def _take_slots(self, m: int) -> np.ndarray:
        reused, self._free_slots = self._free_slots[:m], self._free_slots[m:]
        top = int(self.slot.max()) + 1 if len(self) else 0
        return np.concatenate([reused, top + np.arange(m - len(reused))])

    def _reorder(self, rows: np.ndarray) -> None:
        """Keep ``rows`` in this order; rebuild the fid -> row map and the cell blocks."""
        for name in self._arrays:
            setattr(self, name, getattr(self, name).take(rows, axis=0))
        top = int(self.fid.max()) + 1 if len(self) else 0
        if top > len(self.row_of):
            self.row_of = np.full(top, -1, dtype=np.int64)
        else:
            self.row_of[:] = -1
        self.row_of[self.fid] = np.arange(len(self))
        counts = np.bincount(self.cell, minlength=self.n_cells)
        self.cell_counts = counts
        self.cell_starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.eligible_in_cell = self.cell_sums(self.eligible)

    def cell_sums(self, values: np.ndarray) -> np.ndarray:
        """Sums of ``values`` (n, or n x K) within each cell: shape (n_cells,) or (n_cells, K)."""
        dtype = np.float64
        if values.dtype == bool:
            values, dtype = values.view(np.int8), np.int32
        occupied = self.cell_counts > 0
        out = np.zeros((self.n_cells, *values.shape[1:]))
        if len(values):
            starts = self.cell_starts[occupied]
            out[occupied] = np.add.reduceat(values, starts, axis=0, dtype=dtype)
        return out

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
