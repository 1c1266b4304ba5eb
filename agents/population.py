"""The firms' numbers, held in columns so that one vectorised pass updates them all.

Each :class:`~zonesim.agents.enterprise.Enterprise` agent is a view onto one row: the
table's ``agent`` column refers to the agent, and the agent holds its ``row``, which the
table keeps up to date as rows move. The column holds weak references: the Mesa model owns
its agents, and Python's cycle collector cannot see into a numpy object array, so strong
references there (agent -> model -> table -> agent) would keep every model alive. A firm's
id (``fid``) is its agent's Mesa ``unique_id``: the one record of a firm's identity. Once a
month the firms that left are removed and entrants
added in place: the last rows fill the gaps and entrants go at the end, so a month moves a
few hundred rows instead of copying the table. The count of eligible firms per cell and
measure is kept up to date as firms leave, enter and move.

Why columns: the monthly step updates every firm at once with numpy (a Python loop over
agents and measures would be some hundred times slower); Mesa 3.5's experimental
``NumpyAgentDataSet`` takes the same approach.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .batch import Batch, Layout

GROWTH = 1.5  # factor by which full buffers grow: amortises copies over many months


def pairs_of(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (row, column) index pairs where the 2-d ``mask`` is True, in row-major order."""
    # the array methods, not np.flatnonzero: this runs a dozen times a month on small
    # arrays, where numpy's Python wrappers cost more than the work
    return np.divmod(mask.ravel().nonzero()[0], mask.shape[1])


class FirmTable:
    """Column store of firm state.

    Columns are 1-d arrays of length ``n`` (one entry per firm); matrices are 2-d arrays of
    shape ``(n, n_measures)`` (one entry per firm and measure). Both are attributes, e.g.
    ``table.revenue`` or ``table.adopted``: views of buffers with room for entrants. Code may
    update them in place or assign new arrays of length ``n`` and a compatible dtype.

    Columns of one dtype share a buffer (one row per column), so that moving firms between
    rows is one operation per dtype rather than per column. Rows have no meaning beyond the
    current month: ``replace`` moves firms between rows. Besides its ``fid`` (its Mesa
    agent's id), each firm holds its ``ident``: the identity its random draws are keyed on,
    the same in every scenario run with the same seed (model/randomness.py).

    Parameters
    ----------
    columns, matrices : mappings of name to array; ``columns`` must include ``fid``,
        ``ident``, ``cell`` and ``agent`` (weak references to objects with a settable
        ``row``, e.g. Enterprise agents).
    n_cells : number of (zone, sector) cells.
    """

    def __init__(
        self, columns: Mapping[str, np.ndarray], matrices: Mapping[str, np.ndarray], n_cells: int
    ):
        n = len(columns["fid"])
        self.layout = Layout(columns, matrices)
        self._store = Batch.of(self.layout, columns, matrices)
        self._n, self.n_cells = n, n_cells
        self._views: dict[str, np.ndarray] = {}
        self._expose()
        self._locate(np.arange(n))
        self.eligible_in_cell = np.zeros((n_cells, self.eligible.shape[1]))
        self._count_eligible(self.cell, self.eligible, +1)

    def __len__(self) -> int:
        return self._n

    def batch(self, columns: Mapping[str, np.ndarray], matrices: Mapping[str, np.ndarray]):
        """New firms' arrays as a :class:`Batch` in this table's layout, ready for
        ``replace`` (every column and matrix must be given)."""
        return Batch.of(self.layout, columns, matrices)

    def replace(self, keep: np.ndarray, new: Batch | None = None) -> None:
        """Remove the rows where ``keep`` is False and add the firms of ``new`` (a batch in
        this table's layout). Surviving firms may change
        rows; their agents' ``row`` follows, and the agents of removed firms get row -1."""
        gone = (~keep).nonzero()[0]  # as pairs_of: the method, without numpy's wrappers
        if new is None:
            self._count_eligible(self.cell[gone], self.eligible[gone], -1)
        else:
            if new.layout is not self.layout:
                raise ValueError("new firms must come in this table's layout (FirmTable.batch)")
            self._count_changes(self.cell[gone], self.eligible[gone], new["cell"], new["eligible"])
        self._unlocate(gone)
        n_keep = self._n - len(gone)
        holes = gone[gone < n_keep]  # gaps below the new end, filled by the last kept rows
        movers = n_keep + keep[n_keep:].nonzero()[0]
        n_new = n_keep + (len(new) if new is not None else 0)
        self._store_reassigned()
        if len(self._store) < n_new:
            self._store = self._store.grown(int(n_new * GROWTH), self._n)
        self._store.move(holes, movers)
        if new is not None:
            self._store.put(n_keep, new)
        self._n = n_new
        self._expose()
        self._locate(np.concatenate([holes, np.arange(n_keep, n_new)]))

    def _store_reassigned(self) -> None:
        """Copy attributes that code assigned anew into their buffers."""
        attributes = self.__dict__
        for name, view in self._views.items():
            if (values := attributes[name]) is not view:
                # the view is still the buffer's first n rows: write through it
                np.copyto(view, values, casting="same_kind")

    def _expose(self) -> None:
        """Set each attribute to the view of its first ``n`` rows."""
        self._views = self._store.views(self._n)
        self.__dict__.update(self._views)

    def move(self, rows: np.ndarray, zone: np.ndarray, n_sectors: int) -> None:
        """Move firms ``rows`` to ``zone`` (their cell follows)."""
        self._count_eligible(self.cell[rows], self.eligible[rows], -1)
        self.zone[rows] = zone
        self.cell[rows] = zone * n_sectors + self.sector[rows]
        self._count_eligible(self.cell[rows], self.eligible[rows], +1)

    def _locate(self, rows: np.ndarray) -> None:
        """Tell the agents of ``rows`` (moved or new firms) where they are."""
        for ref, row in zip(self.agent[rows].tolist(), rows.tolist(), strict=True):
            ref().row = row

    def _unlocate(self, rows: np.ndarray) -> None:
        """The agents of ``rows`` (removed firms) are nowhere; an agent nobody holds any
        more is gone already."""
        for ref in self.agent[rows].tolist():
            if (agent := ref()) is not None:
                agent.row = -1

    def _count_eligible(self, cell: np.ndarray, eligible: np.ndarray, sign: int) -> None:
        """Add (sign +1) or remove (-1) the firms given to the eligible counts per cell."""
        (counts,) = self.sums_by(cell, self.n_cells, *pairs_of(eligible))
        self.eligible_in_cell += sign * counts

    def _count_changes(self, cell_out, eligible_out, cell_in, eligible_in) -> None:
        """Remove the firms leaving and add those arriving to the eligible counts per cell, in
        one pass (this runs every month)."""
        rows_out, cols_out = pairs_of(eligible_out)
        rows_in, cols_in = pairs_of(eligible_in)
        cells = np.concatenate([cell_out[rows_out], cell_in[rows_in]])
        cols = np.concatenate([cols_out, cols_in])
        sign = np.concatenate([np.full(len(rows_out), -1.0), np.ones(len(rows_in))])
        k = eligible_in.shape[1]
        self.eligible_in_cell += np.bincount(
            cells * k + cols, weights=sign, minlength=self.n_cells * k
        ).reshape(self.n_cells, k)

    def cell_sums(self, rows: np.ndarray, cols: np.ndarray, *weights) -> list[np.ndarray]:
        """Per cell and measure: the count of the (firm row, measure) pairs given, then for
        each of ``weights`` (one value per pair) their sum. Each result has shape
        (n_cells, K)."""
        return self.sums_by(self.cell, self.n_cells, rows, cols, *weights)

    def sums_by(self, group, n_groups: int, rows, cols, *weights) -> list[np.ndarray]:
        """As ``cell_sums``, for any grouping of firms (``group``: one id per firm, below
        ``n_groups``); e.g. ``sums_by(table.zone, 6, ...)`` sums by zone."""
        k = self.eligible.shape[1]
        idx = group[rows] * k + cols
        size = n_groups * k
        sums = [np.bincount(idx, minlength=size)]
        sums += [np.bincount(idx, weights=w, minlength=size) for w in weights]
        return [total.reshape(n_groups, k) for total in sums]
