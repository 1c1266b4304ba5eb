"""Potential entrants, drawn ahead in batches per sector.

Making a firm draws a dozen attributes and evaluates the measures' eligibility rules. Done
for the few entrants of each month, that is a few dozen small numpy operations a month;
done for a batch of a sector's future entrants at once, the same operations serve many
months. Entrants then move from the pool into the firm table block by block
(agents/batch.py).

A sector's potential entrants form one sequence: its n-th potential entrant is row n mod B of
batch n // B (B the sector's batch size, fixed for the run from the expected arrivals without
the plan), and batch b is drawn from the stream ``pool`` keyed by (sector, b). So the n-th
potential entrant of a sector is the same firm in every scenario run with the same seed,
whatever month it arrives in, and its identity (``entrant_ident``) keys its draws for life
(model/randomness.py). A sector keeps its last few batches in the store; a month whose
arrivals span more of them than it keeps makes room for more.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..agents.batch import Batch

MIN_BATCH = 64  # firms; the smallest batch drawn for a sector
BATCH_MONTHS = 36  # a batch holds at least this many months of a sector's expected arrivals
KEPT_BATCHES = 2  # batches a sector keeps at first: the current one and the next
SECTOR_BITS = 20  # batch numbers are counted below bit 20 of the stream index, sectors above
# identities: starting firms are numbered from 0; the n-th potential entrant of sector s is
# (s + 1) x 2**ENTRANT_BITS + n
ENTRANT_BITS = 32


def entrant_ident(sector: np.ndarray, number: np.ndarray) -> np.ndarray:
    """Identity of the ``number``-th potential entrant of ``sector`` (both from 0)."""
    return ((sector.astype(np.int64) + 1) << ENTRANT_BITS) + number


class EntrantPool:
    """Potential entrants of each sector, ready to enter.

    Parameters
    ----------
    draw : callable (sector, count, generator) -> Batch
        Makes ``count`` potential entrants of a sector (zone-dependent columns are set when
        they enter).
    stream : callable (index) -> numpy Generator
        The pool's random stream at an index (model.dice.stream("pool", index)).
    expected : array (S,)
        Expected arrivals per month of each sector, to size the batches.
    """

    def __init__(
        self,
        draw: Callable[[int, int, np.random.Generator], Batch],
        stream: Callable[[int], np.random.Generator],
        expected: np.ndarray,
    ):
        self._draw, self._stream = draw, stream
        self.size = np.maximum(np.ceil(BATCH_MONTHS * expected), MIN_BATCH).astype(int)
        self.kept = np.full(len(self.size), KEPT_BATCHES)  # batches each sector keeps
        self.start = np.cumsum(self.size * self.kept) - self.size * self.kept
        self.arrived = np.zeros(len(self.size), dtype=np.int64)  # entrants handed out so far
        # which batch each of a sector's places holds (-1: none yet)
        self.holds = [[-1] * KEPT_BATCHES for _ in self.size]
        self.store: Batch | None = None

    def arrive(self, sector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The next potential entrant of each sector given, in order (arrivals of one sector
        are its next potential entrants in sequence): their rows of ``store`` (valid until
        the next call) and their identities."""
        counts = np.bincount(sector, minlength=len(self.size))
        first, last = self.arrived, self.arrived + counts - 1
        for s in counts.nonzero()[0].tolist():
            self._load(s, int(first[s] // self.size[s]), int(last[s] // self.size[s]))
        order = np.argsort(sector, kind="stable")
        rank = np.empty(len(sector), dtype=np.int64)
        rank[order] = np.arange(len(sector)) - np.repeat(np.cumsum(counts) - counts, counts)
        number = first[sector] + rank
        size = self.size[sector]
        batch, row = np.divmod(number, size)
        self.arrived = self.arrived + counts
        rows = self.start[sector] + batch % self.kept[sector] * size + row
        return rows, entrant_ident(sector, number)

    def _load(self, s: int, first: int, last: int) -> None:
        """Make sure sector ``s`` holds its batches ``first`` to ``last``."""
        if last - first + 1 > self.kept[s]:
            self._keep_more(s, last - first + 1)
        for b in range(first, last + 1):
            place = b % self.kept[s]
            if self.holds[s][place] != b:
                batch = self._draw(s, int(self.size[s]), self._stream((s << SECTOR_BITS) + b))
                if self.store is None:
                    self.store = Batch(batch.layout, int((self.size * self.kept).sum()))
                self.store.put(int(self.start[s] + place * self.size[s]), batch)
                self.holds[s][place] = b

    def _keep_more(self, s: int, batches: int) -> None:
        """Give sector ``s`` room for ``batches`` batches; it draws them again as needed
        (the same draws: a batch depends only on its sector and number)."""
        old_start, old_room = self.start, self.size * self.kept
        self.kept = self.kept.copy()
        self.kept[s] = batches
        room = self.size * self.kept
        self.start = np.cumsum(room) - room
        self.holds[s] = [-1] * batches
        if self.store is None:
            return
        store = Batch(self.store.layout, int(room.sum()))
        for t in range(len(self.size)):
            if t != s:
                rows = np.arange(old_start[t], old_start[t] + old_room[t])
                store.put(int(self.start[t]), self.store.take(rows))
        self.store = store
