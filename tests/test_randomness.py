"""The month-keyed random streams: SplitMix64 seeding as published, and a month's stream the
same however the run reaches it (its block of months made at once or not)."""

from __future__ import annotations

import numpy as np
from zonesim.model.demography import poisson_counts
from zonesim.model.randomness import MONTHS_PER_BLOCK, PROCESSES, Dice, splitmix64

MASK64 = (1 << 64) - 1


def splitmix64_reference(seed: int, n: int) -> list[int]:
    """SplitMix64 in Python integers, masked to 64 bits, as published."""
    out = []
    for _ in range(n):
        seed = (seed + 0x9E3779B97F4A7C15) & MASK64
        z = ((seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        out.append(z ^ (z >> 31))
    return out


def test_splitmix64_gives_the_reference_outputs():
    # the first outputs for seed 1234567 of Vigna's reference splitmix64.c
    expected = [6457827717110365317, 3203168211198807973, 9817491932198370423]
    assert splitmix64(np.array([1234567]), 3).tolist() == [expected]
    # numpy's uint64 arithmetic wraps as the masked integers do, near 2**64 too
    seeds = [0, 2**62 + 12345, 2**64 - 1]
    got = splitmix64(np.array(seeds, dtype=np.uint64), 3).tolist()
    assert got == [splitmix64_reference(seed, 3) for seed in seeds]


def draws(dice: Dice, process: str, month: int, index: int | None = None) -> list[float]:
    dice.month = month
    return dice.stream(process, index).random(4).tolist()


def test_a_month_stream_is_the_same_in_any_block_and_visiting_order():
    months = [0, 1, MONTHS_PER_BLOCK - 1, MONTHS_PER_BLOCK, 2 * MONTHS_PER_BLOCK + 5]
    forward, backward = Dice(np.random.default_rng(3)), Dice(np.random.default_rng(3))
    ahead = {(p, t): draws(forward, p, t) for t in months for p in PROCESSES}
    for t in reversed(months):
        for p in PROCESSES:
            assert draws(backward, p, t) == ahead[p, t]
            # the monthly stream is the indexed stream at the month's number, made singly
            assert draws(Dice(np.random.default_rng(3)), p, 0, index=t) == ahead[p, t]
    assert len({tuple(v) for v in ahead.values()}) == len(ahead)  # no two streams alike


def test_poisson_counts_by_inversion_have_poisson_moments_and_move_with_the_rate_alone():
    u = np.random.default_rng(5).random(200_000)
    for rate in (0.05, 0.7, 3.0, 12.0):
        counts = poisson_counts(u, np.full(len(u), rate))
        assert abs(counts.mean() - rate) < 0.02 * max(rate, 1)
        assert abs(counts.var() - rate) < 0.05 * max(rate, 1)
        assert abs((counts == 0).mean() - np.exp(-rate)) < 0.005
    # common random numbers: with the same uniforms a higher rate never gives fewer arrivals,
    # and a cell whose rate is unchanged keeps its count
    low, high = np.full(len(u), 0.3), np.full(len(u), 0.3)
    high[::2] = 0.33
    a, b = poisson_counts(u, low), poisson_counts(u, high)
    assert (b >= a).all() and (b[1::2] == a[1::2]).all() and (b != a).any()
