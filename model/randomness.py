"""Random numbers for common-random-number comparisons.

Every monthly stochastic process (reviews, growth, exit, entry, relocation, ...) draws from
its own stream, keyed by the model's root seed, the process and the month. Draws that concern
a firm are keyed on its permanent identity (``ident``: a starting firm's number, or the n-th
potential entrant of a sector; see model/entrants.py), never on the row it occupies: a
starting firm's exit die in month 30 is the same in every scenario run with the same seed,
whoever else has left or entered, and a scenario that changes one process does not shift the
random numbers of any other. Draws a firm keeps for life (its taste for each measure, the
Bass exposure at which it learns of each) are made when the firm is created.

Streams of zone-level processes (the pool's batches, referrals, approvals) are SFC64
generators whose
state is set from a distinct integer per (process, month), offset from a key drawn once from
``model.rng``: all randomness flows from the model's seeded generator. The integer is spread
over SFC64's three state words by SplitMix64, a common seeder for small-state generators,
which keeps neighbouring seeds' streams independent. The monthly streams' states are made for
a block of months and every process at once, with numpy's 64-bit arithmetic.

Firm draws (and each entry cell's) use SplitMix64 itself, which can be read at any position:
the firm with identity i reads outputs i x w + 1 ... i x w + w of the process's stream for the
month (w draws each: ``Dice.firm_draws``, ``Dice.uniform`` and kin), so its draws depend on
nothing but the seed, the process, the month and i. Each stream starts
from a well-mixed 64-bit word of its (process, month) state, so two streams overlap only if
their starts lie within a few million steps of each other on SplitMix64's 2**64 cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MONTH_BITS = 32  # months are counted below bit 32 of a stream's seed, processes above it
PROCESSES = (
    "firm",  # the month's draws of every firm (FIRM_DRAWS), one row per firm
    "entry",
    "entry_order",
    "relocate_choice",
    "relocate_awareness",
    "pool",
    "approval",
    "referral",
)
# The firm draws of a month, one uniform each: for the review of measures, the queue for
# vertical space, exit, the relocation review, and the growth shock (see Dice.firm_draws)
FIRM_DRAWS = ("review", "place", "exit", "relocate", "grow")
# Monthly streams' states are made for this many months at a time, for every process at once
# (ten years, a run's usual horizon): one vectorised seeding instead of one in Python per
# stream and month.
MONTHS_PER_BLOCK = 120
# SplitMix64's constants (Steele, Lea & Flood 2014): the increment (golden ratio) and the two
# multipliers of its output mix
GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
MIX_2 = np.uint64(0x94D049BB133111EB)
SHIFT_1, SHIFT_2, SHIFT_3 = np.uint64(30), np.uint64(27), np.uint64(31)  # its xor-shifts
SFC64_WORDS = 3  # SFC64's state words a, b, c set from the seed; the fourth is its counter
SFC64_COUNTER = 1  # the counter's starting value, as SFC64 seeds itself
UNIT_52 = 2.0**-52  # a 52-bit integer (plus a half) times this is a float in (0, 1)
# a unit exponential's variance is 1, the difference of two has variance 2: this scales it to 1
UNIT_VARIANCE_LAPLACE = np.sqrt(0.5)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's output function of its state ``z`` (uint64; a new array)."""
    z = z ^ (z >> SHIFT_1)
    z *= MIX_1
    z ^= z >> SHIFT_2
    z *= MIX_2
    z ^= z >> SHIFT_3
    return z


def splitmix64(seeds: np.ndarray, n: int) -> np.ndarray:
    """The first ``n`` outputs of SplitMix64 started at each of ``seeds`` (uint64), along a
    last axis: shape ``seeds.shape + (n,)``. numpy's uint64 arithmetic wraps modulo 2**64 as
    SplitMix64's does."""
    state = seeds.astype(np.uint64)
    out = np.empty((*state.shape, n), dtype=np.uint64)
    for i in range(n):
        state = state + GOLDEN_GAMMA
        out[..., i] = _mix(state)
    return out


def unit_interval(words: np.ndarray) -> np.ndarray:
    """Uniform floats in (0, 1) from random 64-bit words: their top 52 bits, plus a half,
    times 2**-52, exactly (never 0 or 1, whose logarithms exponential draws would take)."""
    return ((words >> np.uint64(12)) + 0.5) * UNIT_52


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

    def _words(self, process: str, ident: np.ndarray, width: int) -> np.ndarray:
        """Random 64-bit words for the firms ``ident`` in the current month, ``width`` each:
        shape (width, n). Firm i's words are outputs i x width + 1 ... i x width + width of
        the process's stream for the month."""
        start = self._monthly_state(self._process[process], self.month)[0]
        # a position's state is position x gamma + start: the firm's part times the column's
        first = ident.astype(np.uint64) * np.uint64(width * int(GOLDEN_GAMMA) % 2**64)
        columns = np.arange(1, width + 1, dtype=np.uint64) * GOLDEN_GAMMA + start
        return _mix(columns[:, None] + first)

    def firm_draws(self, ident: np.ndarray) -> FirmDraws:
        """The month's draws for the firms with identities ``ident`` (one per firm and use,
        each firm reading its own part of the stream ``firm``)."""
        u = unit_interval(self._words("firm", ident, len(FIRM_DRAWS)))
        draws = dict(zip(FIRM_DRAWS, u, strict=True))
        # Laplace with scale 1 by its inverse distribution function, then unit variance
        half = draws.pop("grow") - 0.5
        grow = np.copysign(np.log1p(-2 * np.abs(half)), half) * UNIT_VARIANCE_LAPLACE
        return FirmDraws(**draws, grow=grow)

    def uniform(self, process: str, ident: np.ndarray, width: int = 1) -> np.ndarray:
        """Uniform (0, 1) draws for the firms with identities ``ident``: a row of ``width``
        per firm (one per firm when ``width`` is 1). A firm reads the same numbers in a month
        whichever other firms there are."""
        u = unit_interval(self._words(process, ident, width)).T
        return u[:, 0] if width == 1 else u

    def exponential(self, process: str, ident: np.ndarray, width: int = 1):
        """Unit exponential draws for the firms ``ident`` (as ``uniform``)."""
        return -np.log(self.uniform(process, ident, width))

    def gumbel(self, process: str, ident: np.ndarray, width: int = 1):
        """Standard Gumbel draws for the firms ``ident`` (as ``uniform``)."""
        return -np.log(self.exponential(process, ident, width))


@dataclass
class FirmDraws:
    """A month's random numbers for each firm (arrays in the order of the identities given to
    ``Dice.firm_draws``): uniforms for the review of measures, the queue for vertical space,
    exit and the relocation review, and the growth shock (Laplace, unit variance)."""

    review: np.ndarray
    place: np.ndarray
    exit: np.ndarray
    relocate: np.ndarray
    grow: np.ndarray
