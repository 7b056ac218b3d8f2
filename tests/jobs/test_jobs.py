"""Jobs (jobs/queue.py): work a change asks for is a row in its transaction, so a broker that
is down at commit costs a delay, not the work, and a worker that dies mid-job is noticed by
the sweep, which redoes the job or fails it with a reason the page shows."""

from datetime import date, timedelta
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from ballots.models import ContestState
from jobs import queue
from jobs.models import Job, JobState
from jobs.tasks import run_job
from members import importer
from members.models import ImportJob, ImportStatus, Member
from shares import services as share_services
from shares.models import InterestRun, InterestRunStatus
from tests.ballots.conftest import close_contest, make_contest
from tests.members.test_member_import import csv_bytes, row
from tests.shares.conftest import make_classes

YEAR_END = date(2024, 3, 31)


def only_job(kind: str) -> Job:
    with scopes_disabled():
        [job] = Job.objects.filter(kind=kind)
    return job


def big_import_file() -> bytes:
    data = csv_bytes([row(member_number=str(1000 + n), email=f"bg{n}@example.org")
                      for n in range(3000)])
    assert len(data) > importer.INLINE_MAX_BYTES
    return data


def import_page(client, response):
    return client.get(response["Location"]).content.decode()


def post_import(world, capture, name: str, data: bytes):
    client = world.client("secretary")
    with capture(execute=True):
        response = client.post(reverse("members:import", kwargs={"society_slug": "millmead"}),
                               {"file": SimpleUploadedFile(name, data)})
    return client, response


def start_big_import(world, capture):
    return post_import(world, capture, "big.csv", big_import_file())


def small_import_file(first: int) -> bytes:
    return csv_bytes([row(member_number=str(first + n), email=f"s{first + n}@example.org")
                      for n in range(3)])


def redo_an_import_whose_runner_died(job, broker_back) -> None:
    """As if whatever ran the import (a worker, or the request) died mid-way: the sweep, the
    broker back, redoes it."""
    with scopes_disabled():
        ImportJob.objects.filter(pk=job.target_id).update(status=ImportStatus.RUNNING)
    make_stale(job, attempts=1)
    broker_back()
    assert queue.sweep()["redone"] == 1


def interest_world(world):
    with scope(society=world.society):
        _ordinary, investor = make_classes(world.society)
        member = world.members["member"]
        Member.objects.filter(pk=member.pk).update(admitted_on=date(2020, 1, 1))
        member.refresh_from_db()
        share_services.issue_shares(actor=None, member=member, share_class=investor,
                                    shares=1000, amount_pence=100_000, paid_on=date(2022, 1, 3),
                                    method="cheque")


def start_interest(world, capture) -> InterestRun:
    interest_world(world)
    with scope(society=world.society), capture(execute=True):
        return share_services.start_interest_run(actor=world.users["secretary"],
                                                 society=world.society, year_end=YEAR_END)


def voted_contest(world):
    """A poll in which every voter chose the first candidate, closed (its count queued)."""
    from ballots import services as ballot_services

    contest = make_contest(world)
    with scope(society=world.society):
        first = str(contest.candidates.order_by("number").first().public_id)
        for voter in contest.voters:
            ballot_services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                        choices=[first])
    return close_contest(contest, world)


def make_stale(job: Job, attempts: int) -> None:
    """As if a worker had claimed the job `attempts` times and died 10 minutes ago."""
    with scopes_disabled():
        Job.objects.filter(pk=job.pk).update(
            state=JobState.RUNNING, attempts=attempts,
            heartbeat_at=timezone.now() - timedelta(minutes=10))


def test_a_large_import_with_the_broker_down_is_kept_and_the_sweep_starts_it(
        world, django_capture_on_commit_callbacks, broker_unreachable):
    client, response = start_big_import(world, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    job = only_job("members.tasks.run_import")
    assert (job.state, job.published_at) == (JobState.PENDING, None)
    assert "Waiting to start" in import_page(client, response)
    broker_unreachable()  # the broker is back
    assert queue.sweep()["published"] == 1
    assert "3000 members added" in import_page(client, response)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.DONE, 1)


def test_interest_with_the_broker_down_is_kept_and_the_sweep_computes_it(
        world, django_capture_on_commit_callbacks, broker_unreachable):
    run = start_interest(world, django_capture_on_commit_callbacks)
    with scope(society=world.society):
        run.refresh_from_db()
        assert run.status == InterestRunStatus.COMPUTING
    assert only_job("shares.tasks.compute_interest_run").state == JobState.PENDING
    broker_unreachable()
    assert queue.sweep()["published"] == 1
    with scope(society=world.society):
        run.refresh_from_db()
        assert run.status == InterestRunStatus.DRAFT and run.gross_pence > 0


def test_a_count_with_the_broker_down_is_kept_and_the_sweep_counts(world, broker_unreachable):
    contest = voted_contest(world)  # publishing the count fails: no error
    assert contest.state == ContestState.CLOSED
    assert only_job("ballots.tasks.count_contest_task").state == JobState.PENDING
    broker_unreachable()
    assert queue.sweep()["published"] == 1
    with scope(society=world.society):
        contest.refresh_from_db()
        assert contest.state == ContestState.COUNTED


def test_a_pending_job_is_not_published_again_until_its_message_may_be_lost(
        world, django_capture_on_commit_callbacks, broker_unreachable, settings):
    start_interest(world, django_capture_on_commit_callbacks)
    job = only_job("shares.tasks.compute_interest_run")
    with scopes_disabled():  # published a moment ago: its message is still on the way
        Job.objects.filter(pk=job.pk).update(published_at=timezone.now())
    broker_unreachable()
    assert queue.sweep()["published"] == 0
    later = timezone.now() + timedelta(seconds=settings.JOBS_REPUBLISH_SECONDS + 1)
    assert queue.sweep(now=later)["published"] == 1
    job.refresh_from_db()
    assert job.state == JobState.DONE


def test_a_job_whose_worker_died_is_redone(world, django_capture_on_commit_callbacks,
                                           broker_unreachable):
    run = start_interest(world, django_capture_on_commit_callbacks)
    job = only_job("shares.tasks.compute_interest_run")
    make_stale(job, attempts=1)
    broker_unreachable()
    assert queue.sweep() == {"redone": 1, "failed": 0, "published": 1}
    job.refresh_from_db()
    assert (job.state, job.attempts, job.error) == (JobState.DONE, 2, "")
    with scope(society=world.society):
        run.refresh_from_db()
        assert run.status == InterestRunStatus.DRAFT


def test_a_job_beating_recently_is_left_alone(world, django_capture_on_commit_callbacks,
                                              broker_unreachable):
    start_interest(world, django_capture_on_commit_callbacks)
    job = only_job("shares.tasks.compute_interest_run")
    make_stale(job, attempts=1)
    with scopes_disabled():
        Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    broker_unreachable()
    assert queue.sweep() == {"redone": 0, "failed": 0, "published": 0}
    job.refresh_from_db()
    assert job.state == JobState.RUNNING


def test_an_import_whose_worker_died_once_too_often_fails_with_its_reason_on_the_page(
        world, django_capture_on_commit_callbacks, broker_unreachable, settings):
    client, response = start_big_import(world, django_capture_on_commit_callbacks)
    job = only_job("members.tasks.run_import")
    with scopes_disabled():  # the worker claimed the import before it died
        ImportJob.objects.filter(pk=job.target_id).update(status=ImportStatus.RUNNING)
    make_stale(job, attempts=settings.JOBS_MAX_ATTEMPTS)
    broker_unreachable()
    assert queue.sweep()["failed"] == 1
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "stopped 3 times" in job.error
    page = import_page(client, response)
    assert "Nothing was imported" in page and "stopped 3 times" in page
    with scopes_disabled():
        assert ImportJob.objects.get(pk=job.target_id).status == ImportStatus.FAILED


def test_an_import_whose_worker_died_is_redone_from_the_start(
        world, django_capture_on_commit_callbacks, broker_unreachable):
    client, response = start_big_import(world, django_capture_on_commit_callbacks)
    redo_an_import_whose_runner_died(only_job("members.tasks.run_import"), broker_unreachable)
    assert "3000 members added" in import_page(client, response)


def test_a_computation_given_up_says_why_on_the_run_page(
        world, django_capture_on_commit_callbacks, broker_unreachable, settings):
    run = start_interest(world, django_capture_on_commit_callbacks)
    make_stale(only_job("shares.tasks.compute_interest_run"),
               attempts=settings.JOBS_MAX_ATTEMPTS)
    broker_unreachable()
    queue.sweep()
    page = world.client("secretary").get(reverse(
        "shares:interest_run", kwargs={"society_slug": "millmead", "public_id": run.public_id}))
    text = page.content.decode()
    assert "could not be computed" in text and "stopped 3 times" in text
    assert "Discard this run" in text


def test_a_count_given_up_says_why_on_the_contest_page(world, broker_unreachable, settings):
    contest = voted_contest(world)
    make_stale(only_job("ballots.tasks.count_contest_task"), attempts=settings.JOBS_MAX_ATTEMPTS)
    broker_unreachable()
    queue.sweep()
    with scope(society=world.society):
        contest.refresh_from_db()
    assert contest.state == ContestState.CLOSED and "stopped 3 times" in contest.count_error


def test_a_job_delivered_twice_runs_once(world, django_capture_on_commit_callbacks,
                                         broker_unreachable, audit_entries):
    start_interest(world, django_capture_on_commit_callbacks)
    job = only_job("shares.tasks.compute_interest_run")
    broker_unreachable()
    assert run_job(job.pk) == "True"
    assert run_job(job.pk) == "not claimed"
    assert [e.action for e in audit_entries(world.society)].count(
        "shares.interest_computed") == 1


def test_a_job_that_raises_is_failed_with_a_reason(world, django_capture_on_commit_callbacks,
                                                   broker_unreachable, monkeypatch):
    start_interest(world, django_capture_on_commit_callbacks)
    job = only_job("shares.tasks.compute_interest_run")

    def broken(**kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(share_services, "compute_interest_run", broken)
    broker_unreachable()
    assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "ZeroDivisionError" in job.error


def test_work_asked_for_twice_before_it_starts_is_one_job(world, broker_unreachable):
    from django.db import transaction

    from ballots.tasks import count_contest_task

    with scope(society=world.society), transaction.atomic():
        first = queue.enqueue(world.society, count_contest_task, 42)
        second = queue.enqueue(world.society, count_contest_task, 42)
    assert first.pk == second.pk



def test_an_opening_given_up_says_why_on_the_contest_page(world, broker_unreachable, settings):
    from django.db import transaction

    from ballots.tasks import open_contest_task

    contest = make_contest(world, open_now=False)
    with scope(society=world.society), transaction.atomic():
        queue.enqueue(world.society, open_contest_task, contest.pk, None)
    url = reverse("ballots:manage_contest",
                  kwargs={"society_slug": "millmead", "public_id": contest.public_id})
    client = world.client("returning_officer")
    assert "Voting is opening" in client.get(url).content.decode()
    make_stale(only_job("ballots.tasks.open_contest_task"), attempts=settings.JOBS_MAX_ATTEMPTS)
    broker_unreachable()
    queue.sweep()
    page = client.get(url).content.decode()
    assert "Voting could not be opened" in page and "stopped 3 times" in page


def test_a_small_import_runs_in_the_request_through_its_job(
        world, django_capture_on_commit_callbacks, broker_unreachable):
    client, response = post_import(world, django_capture_on_commit_callbacks, "small.csv",
                                   small_import_file(2000))
    assert "3 members added" in import_page(client, response)
    job = only_job("members.tasks.run_import")
    assert (job.state, job.attempts) == (JobState.DONE, 1)


def test_a_small_import_whose_web_process_died_is_redone_by_a_worker(
        world, django_capture_on_commit_callbacks, broker_unreachable, monkeypatch):
    # The request's process dies mid-import: its job was claimed there and beats no more.
    monkeypatch.setattr("members.views.jobs_queue", SimpleNamespace(run=lambda job_id: None))
    client, response = post_import(world, django_capture_on_commit_callbacks, "small.csv",
                                   small_import_file(2100))
    redo_an_import_whose_runner_died(only_job("members.tasks.run_import"), broker_unreachable)
    assert "3 members added" in import_page(client, response)
