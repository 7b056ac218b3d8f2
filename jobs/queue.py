"""Background jobs that survive a broker outage and a worker killed mid-task.

A service that asks for work calls `enqueue` inside its transaction: the `Job` row commits
with the change, and only then is `run_job` published to the broker. A publish that fails is
logged and left to `sweep` (beat, every 15 s), which also publishes again a job left pending
(its message lost with the broker) and notices a running job whose heartbeat stopped (its
worker died): work safe to redo runs again, other work is failed with a reason people see.
The worker claims a job with a conditional UPDATE, so a message delivered twice runs it once.
"""

import functools
import logging
import threading
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from config import celery
from jobs.models import Job, JobState
from societies.tasks import SocietyTask

log = logging.getLogger(__name__)

class JobTask(SocietyTask):
    """Base of a task run as a job: `task(society_id, target_id, *args)`.

    `redo_safe`: a run cut short may simply run again (the work is one transaction, or its
    steps are stored once). `prepare_redo(society_id, target_id)` puts the target back to
    "waiting" before it does; `gave_up(society_id, target_id, reason)` records on the target
    why the work stopped, so its page says so instead of "running" for ever. Both run inside
    the society's scope."""

    redo_safe = False
    prepare_redo = None
    gave_up = None


def _stale_after() -> timedelta:
    return timedelta(seconds=settings.JOBS_STALE_SECONDS)


def enqueue(society, task, target_id: int, *args) -> Job:
    """Record that `task(society.pk, target_id, *args)` is to run, and publish it after the
    current transaction commits. Work asked for again before it started is asked once."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("jobs.enqueue belongs inside the transaction of the change")
    try:
        with transaction.atomic():
            job = Job.objects.create(society=society, kind=task.name, target_id=target_id,
                                     args=list(args))
    except IntegrityError:  # asked for already and not started: publish that one again
        job = Job.objects.get(kind=task.name, target_id=target_id, state=JobState.PENDING)
    transaction.on_commit(functools.partial(publish, job.pk))
    return job


def publish(job_id: int) -> bool:
    """Put `run_job(job_id)` on the broker; False (and a log line) if it could not take it.
    Never raises: the job row is committed and the sweep publishes it later."""
    from jobs.tasks import run_job

    if not celery.publish(run_job, (job_id,), later="the jobs sweep will queue it later"):
        return False
    with scopes_disabled():
        Job.objects.filter(pk=job_id, state=JobState.PENDING).update(
            published_at=timezone.now())
    return True


class _Heartbeat(threading.Thread):
    """While a job runs: stamp `heartbeat_at` every JOBS_HEARTBEAT_SECONDS."""

    def __init__(self, job_id: int, attempt: int):
        super().__init__(daemon=True, name=f"job-heartbeat-{job_id}")
        self.job_id, self.attempt = job_id, attempt
        self.stopped = threading.Event()

    def run(self):
        try:
            while not self.stopped.wait(settings.JOBS_HEARTBEAT_SECONDS):
                with scopes_disabled():
                    Job.objects.filter(pk=self.job_id, state=JobState.RUNNING,
                                       attempts=self.attempt).update(
                        heartbeat_at=timezone.now())
        except Exception:  # noqa: BLE001 - a missed beat at worst lets the sweep redo the job
            log.warning("heartbeat of job %s stopped", self.job_id, exc_info=True)
        finally:
            connection.close()

    def stop(self):
        self.stopped.set()
        self.join()


def run(job_id: int) -> str:
    """Claim the job if it is pending, run its task with a heartbeat, record the outcome."""
    now = timezone.now()
    with scopes_disabled():
        claimed = Job.objects.filter(pk=job_id, state=JobState.PENDING).update(
            state=JobState.RUNNING, attempts=F("attempts") + 1, started_at=now,
            heartbeat_at=now, finished_at=None)
        if not claimed:
            return "not claimed"
        job = Job.objects.get(pk=job_id)
    task = current_app.tasks[job.kind]
    heartbeat = _Heartbeat(job.pk, job.attempts)
    heartbeat.start()
    try:
        outcome = task(job.society_id, job.target_id, *job.args)
    except Exception as error:
        heartbeat.stop()
        log.exception("job %s (%s) failed", job.pk, job.kind)
        _give_up(job, f"It stopped on an unexpected error ({type(error).__name__}). Try "
                      "again; if it happens again, tell the platform's administrators.")
        return "failed"
    heartbeat.stop()
    with scopes_disabled():
        Job.objects.filter(pk=job.pk, state=JobState.RUNNING, attempts=job.attempts).update(
            state=JobState.DONE, finished_at=timezone.now(), error="")
    return str(outcome)


def _give_up(job: Job, reason: str) -> None:
    with scopes_disabled():
        changed = Job.objects.filter(pk=job.pk, state=job.state, attempts=job.attempts).update(
            state=JobState.FAILED, finished_at=timezone.now(), error=reason)
    if not changed:
        return
    hook = getattr(current_app.tasks.get(job.kind), "gave_up", None)
    if hook is not None:
        with scope(society=job.society):
            hook(job.society_id, job.target_id, reason)


def _redo(job: Job) -> bool:
    """Put a stale running job back to pending; False if it was not stale any more."""
    task = current_app.tasks[job.kind]
    with scope(society=job.society), transaction.atomic():
        try:
            with transaction.atomic():
                changed = Job.objects.filter(pk=job.pk, state=JobState.RUNNING,
                                             attempts=job.attempts).update(
                    state=JobState.PENDING, published_at=None, heartbeat_at=None)
        except IntegrityError:  # the same work was asked for again meanwhile: that one runs
            Job.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
                state=JobState.FAILED, finished_at=timezone.now(),
                error="Replaced by a later request for the same work.")
            return False
        if changed and task.prepare_redo is not None:
            task.prepare_redo(job.society_id, job.target_id)
    return bool(changed)


def stale_jobs(now=None):
    now = now or timezone.now()
    with scopes_disabled():
        return list(Job.objects.filter(state=JobState.RUNNING,
                                       heartbeat_at__lt=now - _stale_after())
                    .select_related("society").order_by("pk"))


def sweep(now=None) -> dict:
    """Redo or fail every running job whose worker stopped beating, then publish every
    pending job not published, or published a while ago (its message lost with the broker).
    Returns how many of each."""
    now = now or timezone.now()
    counts = {"redone": 0, "failed": 0, "published": 0}
    for job in stale_jobs(now):
        task = current_app.tasks.get(job.kind)
        if task is not None and getattr(task, "redo_safe", False) \
                and job.attempts < settings.JOBS_MAX_ATTEMPTS:
            if _redo(job):
                counts["redone"] += 1
        else:
            _give_up(job, _stopped_reason(job, redo_safe=getattr(task, "redo_safe", False)))
            counts["failed"] += 1
    republish_before = now - timedelta(seconds=settings.JOBS_REPUBLISH_SECONDS)
    with scopes_disabled():
        due = list(Job.objects.filter(
            Q(published_at=None) | Q(published_at__lt=republish_before),
            state=JobState.PENDING).order_by("pk").values_list("pk", flat=True))
    for job_id in due:
        if publish(job_id):
            counts["published"] += 1
    if any(counts.values()):
        log.info("Jobs sweep: %(redone)d redone, %(failed)d failed, %(published)d queued",
                 counts)
    return counts


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{seconds // 60} minutes"


def _stopped_reason(job: Job, *, redo_safe: bool) -> str:
    silence = _duration(settings.JOBS_STALE_SECONDS)
    if redo_safe:
        return (f"The worker running it stopped {job.attempts} times (no sign of life for "
                f"{silence} each time), so it is no longer tried. Nothing was "
                "half done. Try again; if it happens again, tell the platform's administrators.")
    return (f"The worker running it stopped (no sign of life for {silence}), and this "
            "work is not started again by itself. Try again; if it happens again, tell the "
            "platform's administrators.")


def latest(kind: str, target_id: int) -> Job | None:
    """The most recent job for this work, to show its state on the work's page."""
    return Job.objects.filter(kind=kind, target_id=target_id).order_by("-pk").first()
