"""Chaos: a real worker is SIGKILLed mid-job and its own Redis is stopped (its queue lost);
once both are back, with beat's jobs sweep running, every job finishes, once."""

import os
import signal
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django_scopes import scope, scopes_disabled

from ballots.models import ContestState
from jobs.models import Job, JobState
from members import services as member_services
from members.models import ImportJob, ImportStatus, Member
from shares import services as share_services
from shares.models import InterestRunStatus
from societies.models import AuditEntry
from tests.conftest import WorkerProcess, build_society, wait_for
from tests.jobs.test_jobs import YEAR_END, interest_world, voted_contest
from tests.members.test_member_import import csv_bytes, row

pytestmark = [pytest.mark.worker, pytest.mark.postgres]

IMPORT_ROWS = 20_000


def jobs_by_state() -> dict:
    with scopes_disabled():
        found: dict = {}
        for state in Job.objects.values_list("state", flat=True):
            found[state] = found.get(state, 0) + 1
        return found


def test_jobs_survive_a_killed_worker_and_a_lost_broker(celery_worker_env, own_redis,
                                                        settings, tmp_path):
    # The worker reads the uploaded file from this test's media folder.
    env = {**celery_worker_env, "REDIS_URL": own_redis.url,
           "MEDIA_ROOT": str(settings.MEDIA_ROOT), "JOBS_STALE_SECONDS": "5",
           "JOBS_HEARTBEAT_SECONDS": "1", "JOBS_REPUBLISH_SECONDS": "10"}
    world = build_society("millmead", "Millmead Children's Centre")
    interest_world(world)
    worker = WorkerProcess(env)
    began = time.monotonic()
    try:
        # Three jobs queued while no worker runs: the import first, so it is the one cut short.
        data = csv_bytes([row(member_number=str(1000 + n), email=f"c{n}@example.org")
                          for n in range(IMPORT_ROWS)])
        with scope(society=world.society), transaction.atomic():
            upload = member_services.start_import(
                actor=world.users["secretary"], society=world.society,
                uploaded=SimpleUploadedFile("big.csv", data))
        contest = voted_contest(world)
        with scope(society=world.society), transaction.atomic():
            run = share_services.start_interest_run(actor=None, society=world.society,
                                                    year_end=YEAR_END)
        assert jobs_by_state() == {JobState.PENDING: 3}
        worker.start()
        # Kill the worker in the middle of the import, then lose the broker with its queue.
        with scopes_disabled():
            assert wait_for(lambda: ImportJob.objects.get(pk=upload.pk).status
                            == ImportStatus.RUNNING, timeout=30), worker.log()
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait()
        own_redis.stop()
        print(f"\n{time.monotonic() - began:.1f} s: before the restart:", jobs_by_state())
        own_redis.start()
        worker.beat_schedule = tmp_path / "beat-schedule"  # the sweep runs from now on
        restarted = time.monotonic()
        worker.start()

        def under_way():
            return set(jobs_by_state()) <= {JobState.RUNNING, JobState.DONE}

        assert wait_for(under_way, timeout=60), (jobs_by_state(), worker.log())
        to_under_way = time.monotonic() - restarted
        assert wait_for(lambda: set(jobs_by_state()) == {JobState.DONE}, timeout=60), (
            jobs_by_state(), worker.log())
        print(f"{time.monotonic() - began:.1f} s: all done")
    finally:
        worker.stop()
    with scope(society=world.society):
        upload.refresh_from_db()
        run.refresh_from_db()
        contest.refresh_from_db()
        done = {"import": upload.status == ImportStatus.DONE,
                "interest": run.status == InterestRunStatus.DRAFT,
                "count": contest.state == ContestState.COUNTED}
        actions = list(AuditEntry.objects.filter(society=world.society)
                       .values_list("action", flat=True))
        runs = {"import": actions.count("members.imported"),
                "interest": actions.count("shares.interest_computed"),
                "count": actions.count("contest.counted")}
        imported = Member.objects.filter(member_number__gte=1000).count()
    lost = sum(not ok for ok in done.values())
    duplicated = sum(n - 1 for n in runs.values() if n > 1)
    print(f"lost {lost}, duplicated {duplicated}, {to_under_way:.1f} s from restart to all "
          f"under way; jobs {jobs_by_state()}")
    assert (lost, duplicated) == (0, 0), (done, runs)
    assert imported == IMPORT_ROWS
    assert to_under_way <= 60
