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
opens a few streams every month. The monthly streams' states are made for a block of months and
every process at once, with numpy's 64-bit arithmetic, so opening a stream only sets them.
"""

from __future__ import annotations

import numpy as np

MONTH_BITS = 32  # months are counted below bit 32 of a stream's seed, processes above it
PROCESSES = ("review", "grow", "exit", "entry", "relocate", "place", "pool", "approval", "referral")
# Monthly streams' states are made for this many months at a time, for every process at once
# (ten years, a run's usual horizon): one vectorised seeding instead of one in Python per
# stream and month.
MONTHS_PER_BLOCK = 120
# SplitMix64's constants (Steele, Lea & Flood 2014): the increment (golden ratio) and the two
# multipliers of its output mix
GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
MIX_2 = np.uint64(0x94D049BB133111EB)
SFC64_WORDS = 3  # SFC64's state words a, b, c set from the seed; the fourth is its counter
SFC64_COUNTER = 1  # the counter's starting value, as SFC64 seeds itself
# a unit exponential's variance is 1, the difference of two has variance 2: this scales it to 1
UNIT_VARIANCE_LAPLACE = np.sqrt(0.5)


def splitmix64(seeds: np.ndarray, n: int) -> np.ndarray:
    """The first ``n`` outputs of SplitMix64 started at each of ``seeds`` (uint64), along a
    last axis: shape ``seeds.shape + (n,)``. numpy's uint64 arithmetic wraps modulo 2**64 as
    SplitMix64's does."""
    state = seeds.astype(np.uint64)
    out = np.empty((*state.shape, n), dtype=np.uint64)
    for i in range(n):
        state = state + GOLDEN_GAMMA
        z = (state ^ (state >> 30)) * MIX_1
        z = (z ^ (z >> 27)) * MIX_2
        out[..., i] = z ^ (z >> 31)
    return out


def sfc64_states(seeds: np.ndarray) -> np.ndarray:
    """SFC64 state words (a, b, c, counter) for each of ``seeds``: shape ``seeds.shape +
    (4,)``."""
    words = np.full((*seeds.shape, SFC64_WORDS + 1), SFC64_COUNTER, dtype=np.uint64)
    words[..., :SFC64_WORDS] = splitmix64(seeds, SFC64_WORDS)
    return words


class Dice:
    """Month-keyed random streams, one per process."""

    def __init__(self, rng: np.random.Generator):
        self._key = int(rng.integers(2**62))
        self.month = 0
        self._generators = {p: np.random.Generator(np.random.SFC64(0)) for p in PROCESSES}
        # each process's position in PROCESSES, and its monthly streams' states by block of
        # months (process x month in the block x 4 words), made when first needed
        self._process = {p: i for i, p in enumerate(PROCESSES)}
        self._monthly_states: dict[int, np.ndarray] = {}

    def stream(self, process: str, index: int | None = None) -> np.random.Generator:
        """The generator for ``process`` in the current month (or at ``index``, for a process
        that is not monthly), set to the start of its stream. Each process has its own
        generator object, reset at every call."""
        p = self._process[process]
        if index is None:
            words = self._monthly_state(p, self.month)
        else:
            words = sfc64_states(np.array([self._seed(p, index)]))[0]
        generator = self._generators[process]
        generator.bit_generator.state = {
            "bit_generator": "SFC64",
            "state": {"state": words},
            "has_uint32": 0,
            "uinteger": 0,
        }
        return generator

    def _seed(self, p, at):
        """The seed of process number ``p`` at ``at`` (a month or an index; arrays too)."""
        return self._key + (p << MONTH_BITS) + at

    def _monthly_state(self, p: int, month: int) -> np.ndarray:
        """State words of process number ``p``'s stream in ``month``."""
        block, at = divmod(month, MONTHS_PER_BLOCK)
        states = self._monthly_states.get(block)
        if states is None:
            months = block * MONTHS_PER_BLOCK + np.arange(MONTHS_PER_BLOCK, dtype=np.uint64)
            processes = np.arange(len(PROCESSES), dtype=np.uint64)[:, None]
            states = sfc64_states(self._seed(processes, months))
            self._monthly_states[block] = states
        return states[p, at]

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
        return (pairs[:, 0] - pairs[:, 1])[slot] * UNIT_VARIANCE_LAPLACE
