"""idp.refresher: the node's cache refresher. A job that keeps failing is reported once,
not at every interval, and again when it works again; at start-up its errors propagate;
stop() ends its thread."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from idp.refresher import CacheRefresher, Job


class Flaky:
    """A job whose outcome the test decides."""

    def __init__(self) -> None:
        self.failing = False
        self.runs = 0
        self.threads: set[threading.Thread] = set()

    def __call__(self) -> None:
        self.runs += 1
        self.threads.add(threading.current_thread())
        if self.failing:
            raise ConnectionError("database unreachable")


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "idp.refresher" and record.levelno >= logging.WARNING
    ]


def test_a_job_runs_when_due_and_not_before():
    work = Flaky()
    job = Job("clients", work, interval=10.0)
    job.run_if_due(100.0)
    job.run_if_due(105.0)
    job.run_if_due(109.999)
    assert work.runs == 1
    job.run_if_due(110.0)
    assert work.runs == 2


def test_a_failing_job_is_reported_once_not_at_every_tick(caplog):
    caplog.set_level(logging.INFO, logger="idp.refresher")
    work = Flaky()
    work.failing = True
    job = Job("revocations", work, interval=1.0)
    for tick in range(10):
        job.run_if_due(float(tick))
    assert work.runs == 10
    messages = warnings_of(caplog)
    assert len(messages) == 1
    assert "revocations" in messages[0]
    assert "database unreachable" in messages[0]


def test_a_failing_job_is_retried_at_its_interval():
    work = Flaky()
    work.failing = True
    job = Job("revocations", work, interval=5.0)
    job.run_if_due(0.0)
    job.run_if_due(1.0)
    job.run_if_due(5.0)
    assert work.runs == 2


def test_recovery_is_reported_once(caplog):
    caplog.set_level(logging.INFO, logger="idp.refresher")
    work = Flaky()
    job = Job("keys", work, interval=1.0)
    job.run_if_due(0.0)
    assert warnings_of(caplog) == []  # working from the start: nothing to say
    work.failing = True
    job.run_if_due(1.0)
    job.run_if_due(2.0)
    work.failing = False
    for tick in range(3, 8):
        job.run_if_due(float(tick))
    messages = warnings_of(caplog)
    assert len(messages) == 2
    assert "cannot refresh keys" in messages[0]
    assert "keys" in messages[1]
    assert "again" in messages[1]


def test_a_second_outage_is_reported_again(caplog):
    caplog.set_level(logging.INFO, logger="idp.refresher")
    work = Flaky()
    job = Job("clients", work, interval=1.0)
    for tick, failing in enumerate([True, True, False, True, True, False]):
        work.failing = failing
        job.run_if_due(float(tick))
    assert len(warnings_of(caplog)) == 4  # down, up, down, up


def test_run_once_runs_every_job_and_propagates_errors():
    first, second = Flaky(), Flaky()
    refresher = CacheRefresher(jobs=[Job("a", first, 60.0), Job("b", second, 60.0)], tick=1.0)
    refresher.run_once()
    assert (first.runs, second.runs) == (1, 1)
    second.failing = True
    with pytest.raises(ConnectionError):
        refresher.run_once()


def test_run_once_makes_the_jobs_due_an_interval_later():
    work = Flaky()
    job = Job("a", work, interval=60.0)
    CacheRefresher(jobs=[job], tick=1.0).run_once()
    job.run_if_due(time.monotonic())
    assert work.runs == 1  # not due again yet


def test_the_thread_runs_the_jobs_and_stop_ends_it():
    work = Flaky()
    refresher = CacheRefresher(jobs=[Job("a", work, interval=0.01)], tick=0.01)
    refresher.start()
    try:
        deadline = time.monotonic() + 10
        while work.runs < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert work.runs >= 2
    finally:
        refresher.stop()
    (thread,) = work.threads
    assert thread is not threading.current_thread()
    assert thread.name == "idp-cache-refresher"
    assert thread.daemon  # never holds the process open
    assert not thread.is_alive()
    runs = work.runs
    time.sleep(0.05)
    assert work.runs == runs


def test_a_failing_job_does_not_stop_the_thread_or_the_other_jobs():
    broken, working = Flaky(), Flaky()
    broken.failing = True
    refresher = CacheRefresher(
        jobs=[Job("broken", broken, interval=0.01), Job("working", working, interval=0.01)],
        tick=0.01,
    )
    refresher.start()
    try:
        deadline = time.monotonic() + 10
        while (broken.runs < 3 or working.runs < 3) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert broken.runs >= 3
        assert working.runs >= 3
    finally:
        refresher.stop()


def test_stop_without_start_is_harmless():
    CacheRefresher(jobs=[], tick=1.0).stop()


def test_a_shorter_interval_takes_effect_at_once():
    """The event bus lost: the node polls often again without waiting out the long wait."""
    runs, interval = [], [30.0]
    job = Job("revocations", lambda: runs.append(1), lambda: interval[0])
    job.run_if_due(100.0)
    job.run_if_due(101.5)
    assert len(runs) == 1
    interval[0] = 1.0
    job.run_if_due(101.5)
    assert len(runs) == 2
