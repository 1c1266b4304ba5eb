"""Potential entrants, drawn ahead in batches per sector.

Making a firm draws a dozen attributes and evaluates the measures' eligibility rules. Done
for the few entrants of each month, that is a few dozen small numpy operations a month;
done for a batch of a sector's future entrants at once, the same operations serve many
months. Entrants then move from the pool into the firm table block by block
(agents/batch.py).

A sector's potential entrants form one sequence, drawn batch by batch from the stream
``pool`` keyed by (sector, batch number): the j-th potential entrant of a sector is the same
firm in every scenario run with the same seed, whatever the month it arrives in, as long as
the scenarios' arrivals have not crossed a batch boundary differently (a month whose arrivals
do not fit in what is left of the batch starts the next batch; the rest of the old one is
not used). A month whose arrivals of a sector exceed a whole batch (far beyond the expected
rate) makes that sector's batches twice that size from then on; the sector's sequence then
continues from a new, larger batch, and so may differ from a scenario that did not grow it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..agents.batch import Batch

MIN_BATCH = 64  # firms; the smallest batch drawn for a sector
BATCH_MONTHS = 36  # a batch holds at least this many months of a sector's expected arrivals
SECTOR_BITS = 20  # batch numbers are counted below bit 20 of the stream index, sectors above


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
        self.start = np.cumsum(self.size) - self.size
        self.used = self.size.copy()  # nothing drawn yet: the first arrival draws a batch
        self.batches = np.zeros(len(self.size), dtype=int)
        self.store: Batch | None = None

    def arrive(self, sector: np.ndarray) -> np.ndarray:
        """Rows of ``store`` holding the next potential entrant of each sector given, in
        order (arrivals of one sector take consecutive potential entrants)."""
        counts = np.bincount(sector, minlength=len(self.size))
        for s in (self.used + counts > self.size).nonzero()[0]:
            self._next_batch(int(s), int(counts[s]))
        order = np.argsort(sector, kind="stable")
        rank = np.empty(len(sector), dtype=np.intp)
        rank[order] = np.arange(len(sector)) - np.repeat(np.cumsum(counts) - counts, counts)
        rows = self.start[sector] + self.used[sector] + rank
        self.used += counts
        return rows

    def _next_batch(self, s: int, needed: int) -> None:
        if needed > self.size[s]:
            self._resize(s, 2 * needed)
        rng = self._stream((s << SECTOR_BITS) + int(self.batches[s]))
        batch = self._draw(s, int(self.size[s]), rng)
        if self.store is None:
            self.store = Batch(batch.layout, int(self.size.sum()))
        self.store.put(int(self.start[s]), batch)
        self.batches[s] += 1
        self.used[s] = 0

    def _resize(self, s: int, size: int) -> None:
        """Give sector ``s`` room for ``size`` potential entrants (its batch is redrawn)."""
        old_start, old_size = self.start.copy(), self.size.copy()
        self.size[s] = size
        self.start = np.cumsum(self.size) - self.size
        if self.store is None:
            return
        store = Batch(self.store.layout, int(self.size.sum()))
        for t in range(len(self.size)):
            if t != s:
                rows = np.arange(old_start[t], old_start[t] + old_size[t])
                store.put(int(self.start[t]), self.store.take(rows))
        self.store = store
