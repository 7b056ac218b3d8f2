"""OMOV_TEST_NOW moves the whole test session's clock (tests/conftest.py): CI runs the suite
on awkward dates with it."""

import os
import subprocess
import sys
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import time_machine
from django.utils import timezone

from tests.conftest import moment_for

ROOT = Path(__file__).resolve().parents[1]


def test_each_test_starts_at_the_shifted_moment_and_may_travel_itself():
    moment = moment_for(__file__) or datetime.now(UTC)
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


def test_with_several_moments_each_file_runs_at_its_own_and_the_rotation_turns_them():
    moments = ["2028-02-29T12:00:00+00:00", "2027-10-31T01:30:00+00:00",
               "2026-12-31T23:30:00+00:00"]
    here = Path(__file__)
    for rotation in range(3):
        env = {**os.environ, "OMOV_TEST_NOW": ",".join(moments),
               "OMOV_TEST_NOW_ROTATION": str(rotation)}
        expected = moments[(zlib.crc32(b"tests/test_shifted_clock.py") + rotation) % 3]
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist",
             f"{__file__}::test_each_test_starts_at_the_shifted_moment_and_may_travel_itself"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        assert f"each test file starts at one of 3 moments (rotation {rotation})" in run.stdout
        assert "1 passed" in run.stdout
        with_env = {"OMOV_TEST_NOW": ",".join(moments), "OMOV_TEST_NOW_ROTATION": str(rotation)}
        with mock.patch.dict(os.environ, with_env):
            assert moment_for(here) == datetime.fromisoformat(expected)
