"""Random numbers for common-random-number comparisons.

Every stochastic process (awareness, decisions, growth, exit, entry, ...) draws from its own
numpy Generator, keyed by the model's root seed, the process and the month. Draws that
concern firms are indexed by firm id. So firm 17's dice for the awareness of measure 6 in
month 30 are the same in every scenario run with the same seed, and a scenario that changes
one process does not shift the random numbers of any other.

The streams are Philox counter-based generators: the key is drawn from ``model.rng`` once
(so all randomness flows from the model's seeded generator) and the counter's high words hold
the process and the month, so no two streams overlap.
"""

from __future__ import annotations

import numpy as np

PROCESSES = ("aware", "decide", "review", "grow", "exit", "entry", "relocate", "place")


class Dice:
    """Month-keyed random streams, one per process."""

    def __init__(self, rng: np.random.Generator):
        self._key = rng.integers(2**63, size=2, dtype=np.uint64)
        self.month = 0

    def stream(self, process: str) -> np.random.Generator:
        """A fresh generator for ``process`` in the current month."""
        counter = [0, 0, self.month, PROCESSES.index(process)]
        return np.random.Generator(np.random.Philox(counter=counter, key=self._key))

    def uniform(self, process: str, fid: np.ndarray, columns: int | None = None) -> np.ndarray:
        """Uniform [0, 1) draws aligned on firm id: shape ``(len(fid),)`` or ``(len(fid), columns)``."""
        size = int(fid[-1]) + 1 if len(fid) else 0
        shape = (size,) if columns is None else (size, columns)
        return self.stream(process).random(shape, dtype=np.float32)[fid]
