"""Scheduled work in the embedded mode: `manage.py run_schedules` runs CELERY_BEAT_SCHEDULE's
entries in-process at their intervals (a fake clock here; tests/e2e has the real one)."""

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from config.schedules import Scheduler, unknown_tasks

ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def recording_scheduler(schedule, fail=()):
    clock, calls = FakeClock(), []

    def run(task, args, kwargs):
        calls.append((clock.now, task, args, kwargs))
        if task in fail:
            raise RuntimeError(f"{task} broke")
        return "done"

    return Scheduler(schedule, clock=clock, run=run), clock, calls


def test_each_entry_runs_at_the_start_and_then_at_its_interval():
    scheduler, clock, calls = recording_scheduler({
        "often": {"task": "t.often", "schedule": 30.0},
        "seldom": {"task": "t.seldom", "schedule": timedelta(minutes=1), "args": (7,),
                   "kwargs": {"grace": 5}},
    })
    ran = {}
    for at in (0, 10, 29.9, 30, 45, 60, 89, 90):
        clock.now = 1000 + at
        ran[at] = scheduler.run_due()
    assert ran == {0: ["often", "seldom"], 10: [], 29.9: [], 30: ["often"], 45: [],
                   60: ["often", "seldom"], 89: [], 90: ["often"]}
    assert (1060.0, "t.seldom", (7,), {"grace": 5}) in calls
    clock.now = 1000 + 95
    assert scheduler.seconds_to_next() == 25  # the next run of "often", at 120


def test_missed_runs_are_not_made_up():
    scheduler, clock, calls = recording_scheduler({"often": {"task": "t", "schedule": 30}})
    scheduler.run_due()
    clock.now += 100  # the machine slept through three runs
    assert scheduler.run_due() == ["often"]
    assert scheduler.run_due() == []
    assert scheduler.seconds_to_next() == 30  # an interval after the late run
    clock.now += 30
    assert scheduler.run_due() == ["often"]
    assert len(calls) == 3


def test_a_failing_task_is_logged_and_the_others_keep_running(caplog):
    scheduler, clock, calls = recording_scheduler(
        {"broken": {"task": "t.broken", "schedule": 10}, "fine": {"task": "t.fine",
                                                                   "schedule": 10}},
        fail={"t.broken"})
    with caplog.at_level(logging.INFO, logger="omov.schedules"):
        for _ in range(3):
            assert scheduler.run_due() == ["broken", "fine"]
            clock.now += 10
    assert [task for _, task, _, _ in calls] == ["t.broken", "t.fine"] * 3
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 3 and "t.broken broke" in caplog.text
    assert caplog.text.count("Scheduled fine (t.fine) ran in") == 3


@pytest.mark.parametrize("schedule", [crontab(minute=0), 0, -5, "60"])
def test_a_schedule_it_cannot_keep_is_refused(schedule):
    with pytest.raises(ImproperlyConfigured, match="CELERY_BEAT_SCHEDULE\\['x'\\]"):
        Scheduler({"x": {"task": "t", "schedule": schedule}})


class Kept(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_every_beat_entry_names_a_real_task_and_runs_once(settings, transactional_db):
    # No test transaction around it: run_schedules closes stale connections between tasks,
    # as a worker does, and on PostgreSQL that would close the test's own transaction.
    settings.REDIS_URL = ""  # the embedded mode, also in CI's Redis leg
    assert settings.CELERY_BEAT_SCHEDULE and not unknown_tasks(settings.CELERY_BEAT_SCHEDULE)
    # Running a task sets up Celery's logging, so the records are kept on our own logger.
    kept, logger = Kept(), logging.getLogger("omov.schedules")
    logger.addHandler(kept)
    try:
        call_command("run_schedules", "--once")
    finally:
        logger.removeHandler(kept)
    messages = [record.getMessage() for record in kept.records]
    assert [m.split(" (")[0] for m in messages] == [
        f"Scheduled {name}" for name in settings.CELERY_BEAT_SCHEDULE]
    assert all(" ran in " in m for m in messages) and len(kept.records) == len(messages)


def test_with_redis_configured_beat_runs_the_schedule_instead(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    with pytest.raises(CommandError, match="Celery beat runs the schedule"):
        call_command("run_schedules")


def start_command(tmp_path, wrapper: str) -> subprocess.Popen:
    """`sh -c wrapper` with $COMMAND the scheduler, on a fresh SQLite file (its tasks fail
    there, which must not stop it)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DEBUG": "1",
           "PYTHONUNBUFFERED": "1", "COMMAND": f"{sys.executable} manage.py run_schedules"}
    env.pop("REDIS_URL", None)
    return subprocess.Popen(["sh", "-c", wrapper], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def gone(pid: int, timeout: float = 120) -> bool:
    """The process has ended (a zombie waiting for its new parent to reap it has ended)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def test_the_command_stops_on_sigterm(tmp_path):
    process = start_command(tmp_path, "exec $COMMAND")
    output = ""
    while "Running the scheduled work" not in output:
        line = process.stdout.readline()
        assert line, f"run_schedules ended early:\n{output}"
        output += line
    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=120)
    assert process.returncode == 0 and "Scheduled work stopped." in rest


def test_with_parent_given_it_stops_when_its_starter_has_gone(tmp_path):
    # As under `make run`: the shell that started it in the background ends.
    process = start_command(tmp_path, "$COMMAND --parent $$ & echo $!; sleep 1")
    pid = int(process.stdout.readline())
    try:
        process.wait(timeout=60)
        assert gone(pid), "run_schedules outlived the shell that started it"
    finally:
        if not gone(pid, timeout=0):
            os.kill(pid, signal.SIGKILL)
