"""Random numbers for common-random-number comparisons.

Every monthly stochastic process (reviews, growth, exit, entry, relocation, ...) draws from
its own numpy Generator, keyed by the model's root seed, the process and the month. Draws
that concern firms are indexed by the firm's slot (its permanent place in firm-aligned draws;
a departed firm's slot is reused by a later entrant). So a starting firm's exit die in month
30 is the same in every scenario run with the same seed, and a scenario that changes one
process does not shift the random numbers of any other. Draws a firm keeps for life (its
taste for each measure, the Bass exposure at which it learns of each) are made when the firm
is created.

Each stream is an SFC64 generator seeded with a distinct integer per (process, month),
offset from a key drawn once from ``model.rng``: all randomness flows from the model's seeded
generator, and numpy's SeedSequence hashing of distinct seeds keeps the streams independent.
"""

from __future__ import annotations

import numpy as np

MONTH_BITS = 32  # months are counted below bit 32 of a stream's seed, processes above it
PROCESSES = ("review", "grow", "exit", "entry", "relocate", "place")


class Dice:
    """Month-keyed random streams, one per process."""

    def __init__(self, rng: np.random.Generator):
        self._key = int(rng.integers(2**62))
        self.month = 0

    def stream(self, process: str) -> np.random.Generator:
        """A fresh generator for ``process`` in the current month."""
        seed = self._key + (PROCESSES.index(process) << MONTH_BITS) + self.month
        return np.random.Generator(np.random.SFC64(seed))

    def uniform(self, process: str, slot: np.ndarray, columns: int | None = None) -> np.ndarray:
        """Uniform [0, 1) draws aligned on firm slots, shape (n,) or (n, columns)."""
        size = int(slot.max()) + 1 if len(slot) else 0
        shape = (size,) if columns is None else (size, columns)
        return self.stream(process).random(shape, dtype=np.float32).take(slot, axis=0)
