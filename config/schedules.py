"""Scheduled work without Celery beat: CELERY_BEAT_SCHEDULE run in this process.

Production runs the schedule with Celery beat on Redis. The embedded mode has no broker, so
`manage.py run_schedules` (which `make run` starts beside the web server) reads the same
dict and runs each entry's task in-process at its interval: one list of scheduled work.
"""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger("omov.schedules")


@dataclass
class Entry:
    name: str
    task: str
    every: float
    args: tuple
    kwargs: dict
    due_at: float


def interval_seconds(name: str, schedule) -> float:
    """An entry's interval in seconds; only plain intervals run here (crontabs need beat)."""
    if isinstance(schedule, timedelta):
        seconds = schedule.total_seconds()
    elif isinstance(schedule, int | float) and not isinstance(schedule, bool):
        seconds = float(schedule)
    else:
        raise ImproperlyConfigured(
            f"CELERY_BEAT_SCHEDULE[{name!r}]: run_schedules runs intervals (seconds or a "
            f"timedelta), not {schedule!r}; run Celery beat for that schedule")
    if seconds <= 0:
        raise ImproperlyConfigured(f"CELERY_BEAT_SCHEDULE[{name!r}]: the interval must be "
                                   "more than 0 seconds")
    return seconds


def celery_tasks() -> dict:
    """Every task the apps define, by name (as a worker sees them after its start-up)."""
    from config.celery import app

    app.loader.import_default_modules()
    return app.tasks


def unknown_tasks(schedule: dict) -> list[str]:
    tasks = celery_tasks()
    return [entry["task"] for entry in schedule.values() if entry["task"] not in tasks]


def run_task(task: str, args: tuple, kwargs: dict):
    """Run a registered Celery task here and now; its errors are raised."""
    from django.db import close_old_connections

    try:
        return celery_tasks()[task].apply(args=args, kwargs=kwargs, throw=True).result
    finally:
        close_old_connections()


class Scheduler:
    """Runs every entry once at the start, then each at its interval (missed runs are not
    made up). `clock` gives seconds (monotonic); `run(task, args, kwargs)` runs a task."""

    def __init__(self, schedule: dict, *, clock=time.monotonic, run=run_task):
        self.clock = clock
        self.run = run
        start = clock()
        self.entries = [
            Entry(name=name, task=entry["task"],
                  every=interval_seconds(name, entry["schedule"]),
                  args=tuple(entry.get("args", ())), kwargs=dict(entry.get("kwargs", {})),
                  due_at=start)
            for name, entry in schedule.items()
        ]

    def run_due(self) -> list[str]:
        """Run each entry that is due; one failing is logged and never stops the others."""
        ran = []
        for entry in self.entries:
            if entry.due_at > self.clock():
                continue
            started = time.monotonic()
            try:
                result = self.run(entry.task, entry.args, entry.kwargs)
            except Exception:
                log.exception("Scheduled %s (%s) failed", entry.name, entry.task)
            else:
                log.info("Scheduled %s (%s) ran in %.2f s: %r", entry.name, entry.task,
                         time.monotonic() - started, result)
            entry.due_at += entry.every
            now = self.clock()
            if entry.due_at <= now:
                entry.due_at = now + entry.every
            ran.append(entry.name)
        return ran

    def seconds_to_next(self) -> float:
        if not self.entries:
            return float("inf")
        return max(0.0, min(entry.due_at for entry in self.entries) - self.clock())

    def run_until(self, stop: threading.Event, *, keep_going=lambda: True,
                  longest_wait: float = 1.0) -> None:
        """Run due entries until `stop` is set or `keep_going()` is false (checked at least
        every `longest_wait` seconds)."""
        while not stop.is_set() and keep_going():
            self.run_due()
            stop.wait(min(self.seconds_to_next(), longest_wait))
