"""Random numbers for common-random-number comparisons.

Every monthly stochastic process (reviews, growth, exit, entry, relocation, ...) draws from
its own numpy Generator, keyed by the model's root seed, the process and the month. Draws
that concern firms are indexed by the firm's slot (its permanent place in firm-aligned draws;
a departed firm's slot is reused by a later entrant). So a starting firm's exit die in month
30 is the same in every scenario run with the same seed, and a scenario that changes one
process does not shift the random numbers of any other. Draws a firm keeps for life (its
taste for each measure, the Bass exposure at which it learns of each) are made when the firm
is created.

Each stream is an SFC64 generator whose state is set from a distinct integer per (process,
month), offset from a key drawn once from ``model.rng``: all randomness flows from the model's
seeded generator. The integer is spread over SFC64's three state words by SplitMix64, a
common seeder for small-state generators, which keeps neighbouring seeds' streams
independent; this costs a third of numpy's SeedSequence seeding, which matters because a run
opens a few streams every month.
"""

from __future__ import annotations

import numpy as np

MONTH_BITS = 32  # months are counted below bit 32 of a stream's seed, processes above it
PROCESSES = ("review", "grow", "exit", "entry", "relocate", "place", "pool", "approval", "referral")
MASK64 = (1 << 64) - 1


def splitmix64(seed: int, n: int) -> list[int]:
    """The first ``n`` outputs of SplitMix64 started at ``seed`` (Steele, Lea & Flood 2014)."""
    out = []
    for _ in range(n):
        seed = (seed + 0x9E3779B97F4A7C15) & MASK64
        z = ((seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        out.append(z ^ (z >> 31))
    return out


class Dice:
    """Month-keyed random streams, one per process."""

    def __init__(self, rng: np.random.Generator):
        self._key = int(rng.integers(2**62))
        self.month = 0
        self._generators = {p: np.random.Generator(np.random.SFC64(0)) for p in PROCESSES}

    def stream(self, process: str, index: int | None = None) -> np.random.Generator:
        """The generator for ``process`` in the current month (or at ``index``, for a process
        that is not monthly), set to the start of its stream. Each process has its own
        generator object, reset at every call."""
        at = self.month if index is None else index
        seed = self._key + (PROCESSES.index(process) << MONTH_BITS) + at
        generator = self._generators[process]
        words = np.array([*splitmix64(seed, 3), 1], dtype=np.uint64)  # a, b, c; counter 1
        generator.bit_generator.state = {
            "bit_generator": "SFC64",
            "state": {"state": words},
            "has_uint32": 0,
            "uinteger": 0,
        }
        return generator

    def uniform(self, process: str, slot: np.ndarray) -> np.ndarray:
        """Uniform [0, 1) draws aligned on firm slots: one per slot up to the highest in use,
        each firm reading its own."""
        size = int(slot.max()) + 1 if len(slot) else 0
        return self.stream(process).random(size, dtype=np.float32)[slot]

    def laplace(self, process: str, slot: np.ndarray) -> np.ndarray:
        """Laplace draws with unit variance aligned on firm slots. Each slot owns a pair of
        unit exponentials (one row), whose difference is Laplace with scale 1 (variance 2);
        numpy draws exponentials faster than Laplace."""
        size = int(slot.max()) + 1 if len(slot) else 0
        pairs = self.stream(process).standard_exponential((size, 2))
        # the difference per slot, then each firm's: one gather of a column instead of two
        return (pairs[:, 0] - pairs[:, 1])[slot] * np.sqrt(0.5)
