"""OMOV_TEST_NOW moves the whole test session's clock (tests/conftest.py): CI runs the suite
on awkward dates with it."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from django.utils import timezone

from tests.conftest import shifted_now

ROOT = Path(__file__).resolve().parents[1]


def test_each_test_starts_at_the_shifted_moment_and_may_travel_itself():
    moment = shifted_now() or datetime.now(UTC)
    assert moment <= timezone.now() < moment + timedelta(seconds=30)
    with time_machine.travel(datetime(2001, 2, 3, 4, 5, tzinfo=UTC), tick=False):
        assert timezone.now() == datetime(2001, 2, 3, 4, 5, tzinfo=UTC)
    assert moment <= timezone.now() < moment + timedelta(seconds=30)


def test_a_run_with_omov_test_now_set_says_so_and_runs_then():
    env = {**os.environ, "OMOV_TEST_NOW": "2028-02-29T12:00:00+00:00"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist",
         f"{__file__}::test_each_test_starts_at_the_shifted_moment_and_may_travel_itself"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert ("clock shifted (OMOV_TEST_NOW): every test starts at 2028-02-29T12:00:00+00:00, "
            "Tuesday 29 February 2028 12:00 GMT in Europe/London") in run.stdout
    assert "1 passed" in run.stdout


def test_a_moment_without_its_offset_is_refused():
    env = {**os.environ, "OMOV_TEST_NOW": "2028-02-29T12:00:00"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--collect-only", "-q", __file__],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    assert "needs an offset" in run.stdout + run.stderr
