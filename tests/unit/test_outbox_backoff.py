"""idp.outbox.model.retry_delay: exponential backoff with jitter, bounded."""

from __future__ import annotations

import itertools
import random

import pytest

from idp.outbox.model import FIRST_RETRY, MAX_RETRY, retry_delay


@pytest.mark.parametrize("attempts", range(1, 15))
def test_the_delay_is_between_half_the_step_and_the_step(attempts):
    step = min(MAX_RETRY, FIRST_RETRY * 2 ** (attempts - 1))
    delays = {retry_delay(attempts, random.Random(seed)) for seed in range(200)}
    assert min(delays) >= step // 2
    assert max(delays) <= step
    assert len(delays) > 1 or step <= 2, "jittered, so receivers are not hit in lockstep"


class Highest(random.Random):
    def random(self) -> float:
        return 0.999999


def test_the_steps_double_until_the_cap():
    delays = [retry_delay(attempts, Highest()) for attempts in range(1, 13)]
    assert delays[:4] == [4, 9, 19, 39]
    assert delays[-1] == MAX_RETRY - 1
    assert all(later >= earlier for earlier, later in itertools.pairwise(delays))
