"""The progress line's estimate of time left, on a clock the test drives."""

from __future__ import annotations

import io
import re

import pytest
from zonesim.studies.runner import Progress, plan_runs

from zonesim import Policy, ZoneScenario

STARTUP = 2.0  # s before the first run starts (a pool's workers importing zonesim)
RUN = 1.0  # s a run
TOTAL = 12


def estimates(workers: int) -> list[tuple[float, float]]:
    """(estimated, true) seconds left after each run, for a pool of ``workers``."""
    now = [0.0]
    stream = io.StringIO()
    progress = Progress(TOTAL, stream=stream, clock=lambda: now[0])
    specs = plan_runs([ZoneScenario(name="a", policy=Policy.baseline(), months=1)], TOTAL, 0)
    finish = [STARTUP + RUN * (1 + i // workers) for i in range(TOTAL)]
    for spec, at in zip(specs, finish, strict=True):
        now[0] = at
        progress(spec, RUN)
    said = [float(s) for s in re.findall(r"about (\d+) s left", stream.getvalue())]
    return list(zip(said, [finish[-1] - at for at in finish], strict=True))


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_time_left_leaves_out_the_start_up(workers):
    pairs = estimates(workers)
    assert len(pairs) == TOTAL
    # once a run per worker has finished: right whenever a round of runs ends (rounded to
    # the second), and never off by more than two runs in between
    for done, (said, true) in enumerate(pairs[workers - 1 :], start=workers):
        if done % workers == 0:
            assert said == pytest.approx(true, abs=0.5), pairs
        assert said == pytest.approx(true, abs=2 * RUN), pairs
    # the first cannot know yet how many runs go at once: it says what one worker would
    # take (11 s), where counting the start-up as run time would say 33 s
    said, true = pairs[0]
    assert said == pytest.approx((TOTAL - 1) * RUN, abs=0.5), pairs


def test_the_line_names_the_scenario_and_replication():
    stream = io.StringIO()
    progress = Progress(2, stream=stream, clock=lambda: 0.0)
    (spec,) = plan_runs([ZoneScenario(name="plan", months=1)], 1, 0)
    progress(spec, RUN)
    assert stream.getvalue().startswith("run 1/2 (plan, replication 0) elapsed")
