"""The count in the background (ballotbox/tasks.py): the close and the k-th partial
decryption queue `resume_box` on commit, and the sweep queues again what was lost or failed.
Tasks run eagerly here, as in the rest of the suite; a real worker runs one on PostgreSQL."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from ballotbox import belenios, services, tasks
from ballotbox.models import Box, BoxState, Keeping, QueuedStep, StepKind, TallyStep
from ballotbox.services import TrusteeSpec
from tests.conftest import build_society, is_postgres, wait_for


def bare_box(society, name, state, *, threshold=1, decryptions=0, result=False, error="",
             updated=None, queued=(), **fields) -> Box:
    """A box row in a given state, without the tool: enough for the sweep's choice.
    `queued`: (trustee number, refused) of trustees' steps waiting for the worker."""
    box = Box.objects.create(society=society, name=name, election_id=f"id-{name}",
                             group="g", questions=[], threshold=threshold, trustee_count=3,
                             state=state, error=error, progress_updated_at=updated, **fields)
    for number, refused in queued:
        QueuedStep.objects.create(society=society, box=box, trustee_number=number,
                                  kind=StepKind.SHUFFLE, refused=refused)
    for number in range(1, decryptions + 1):
        TallyStep.objects.create(society=society, box=box, position=number,
                                 kind=StepKind.DECRYPTION, trustee_number=number)
    if result:
        TallyStep.objects.create(society=society, box=box, position=9, kind=StepKind.RESULT)
    return box


def test_the_sweep_queues_exactly_the_boxes_with_work(world, monkeypatch):
    now = timezone.now()
    ago = lambda minutes: now - timedelta(minutes=minutes)  # noqa: E731
    with scope(society=world.society):
        due = [
            bare_box(world.society, "closed-never-queued", BoxState.CLOSED),
            bare_box(world.society, "closed-worker-lost", BoxState.CLOSED, updated=ago(6)),
            bare_box(world.society, "tally-failed-long-ago", BoxState.CLOSED,
                     error="stopped", updated=ago(31)),
            bare_box(world.society, "k-decryptions", BoxState.TALLYING, threshold=2,
                     decryptions=2),
            bare_box(world.society, "more-than-k", BoxState.TALLYING, threshold=2,
                     decryptions=3, updated=ago(10)),
            bare_box(world.society, "a-shuffle-sent", BoxState.TALLYING,
                     queued=[(1, ""), (2, "refused")]),
            bare_box(world.society, "verify-asked", BoxState.RESULT, decryptions=1, result=True,
                     verify_requested_at=ago(1)),
            bare_box(world.society, "verify-asked-again", BoxState.RESULT, decryptions=1,
                     result=True, verify_requested_at=ago(1), verified_at=ago(2)),
        ]
        for name, state, extra in [
            ("keys", BoxState.KEYS, {}), ("ready", BoxState.READY, {}),
            ("open", BoxState.OPEN, {}),
            ("closed-just-queued", BoxState.CLOSED, {"updated": ago(1)}),
            ("tally-failed-just-now", BoxState.CLOSED, {"error": "stopped",
                                                        "updated": ago(10)}),
            ("waiting-for-trustees", BoxState.TALLYING, {"threshold": 2, "decryptions": 1}),
            ("no-decryption-yet", BoxState.TALLYING, {}),
            ("result-stored", BoxState.TALLYING, {"decryptions": 1, "result": True}),
            ("result", BoxState.RESULT, {"decryptions": 1, "result": True}),
            ("a-shuffle-refused", BoxState.TALLYING, {"queued": [(1, "refused")]}),
            ("verified", BoxState.RESULT, {"decryptions": 1, "result": True,
                                           "verify_requested_at": ago(3),
                                           "verified_at": ago(2)}),
        ]:
            bare_box(world.society, name, state, **extra)
    other = world.other
    with scope(society=other.society):
        due.append(bare_box(other.society, "elsewhere", BoxState.CLOSED))

    assert tasks.due_boxes(now) == sorted((b.society_id, b.pk) for b in due)
    queued = []
    monkeypatch.setattr(tasks, "enqueue", lambda society, task, box_id: queued.append(
        (society.pk, box_id)))
    assert tasks.resume_due_boxes() == len(due)
    assert sorted(queued) == sorted((b.society_id, b.pk) for b in due)
    # Each is stamped as queued: the next sweep leaves it alone, the one after the wait not.
    assert tasks.resume_due_boxes() == 0
    assert tasks.due_boxes(timezone.now() + tasks.STALE_AFTER + timedelta(seconds=1))


def test_resume_box_on_a_box_with_nothing_to_do_does_nothing(world):
    with scope(society=world.society):
        idle = bare_box(world.society, "open", BoxState.OPEN)
        waiting = bare_box(world.society, "waiting", BoxState.TALLYING, threshold=2,
                           decryptions=1)
    assert tasks.resume_box(world.society.pk, idle.pk) == BoxState.OPEN
    assert tasks.resume_box(world.society.pk, waiting.pk) == BoxState.TALLYING
    with scope(society=world.society):
        for box in (idle, waiting):
            before = {f: getattr(box, f) for f in ("state", "error", "progress_step",
                                                   "progress_updated_at")}
            box.refresh_from_db()
            assert {f: getattr(box, f) for f in before} == before
            assert box.steps.count() == (1 if box == waiting else 0)
    # A live worker's lease: a second run gives way.
    cache.add(tasks._lease_key(idle.pk), 1)
    try:
        assert tasks.resume_box(world.society.pk, idle.pk) == "busy"
    finally:
        cache.delete(tasks._lease_key(idle.pk))


def small_box(world, ballots=2) -> Box:
    """A 1-of-1 box of one resolution, the key on the server, `ballots` cast."""
    box = services.create_box(actor=None, society=world.society, name="AGM",
                              questions=[belenios.resolution_question("Adopt")], threshold=1,
                              trustees=[TrusteeSpec("Ann Lee", Keeping.SERVER)])
    voters = [f"v{n}" for n in range(ballots)]
    private = services.open_box(actor=None, box=box, voter_ids=voters)
    for voter in voters:
        services.encrypt_and_store(box, private[voter], [[1, 0, 0]])
    return box


class Killed(BaseException):
    """The worker's process stopping mid-step (not an error anything catches)."""


def test_a_crash_mid_close_is_finished_by_the_sweep(tool, world, monkeypatch,
                                                   django_capture_on_commit_callbacks):
    with scope(society=world.society):
        box = small_box(world)
        real_tally = belenios.compute_encrypted_tally

        def killed(*args, **kwargs):
            raise Killed

        # The close queues the count on commit, and only then.
        with django_capture_on_commit_callbacks() as queued:
            services.close_box(actor=None, box=box)
        assert len(queued) == 1

        # The worker is killed in the middle of the tally: the box shows where it was.
        monkeypatch.setattr(belenios, "compute_encrypted_tally", killed)
        with pytest.raises(Killed):
            services.resume(box)
        box.refresh_from_db()
        assert box.state == BoxState.CLOSED and box.error == "" and not box.steps.exists()
        assert (box.progress_step, box.progress_done, box.progress_total) == (
            "compute the encrypted tally", 1, 2)
        assert tasks.resume_due_boxes() == 0  # news a moment ago: a worker may be on it

        # No news for STALE_AFTER: the sweep queues it; this time the tool fails, which is
        # kept on the box and not raised.
        def failing(*args, **kwargs):
            raise belenios.BeleniosError("compute the encrypted tally", "the disk is full")

        monkeypatch.setattr(belenios, "compute_encrypted_tally", failing)
        Box.objects.filter(pk=box.pk).update(
            progress_updated_at=timezone.now() - tasks.STALE_AFTER - timedelta(seconds=1))
        with django_capture_on_commit_callbacks(execute=True):  # its job runs after commit
            assert tasks.resume_due_boxes() == 1
        box.refresh_from_db()
        assert box.state == BoxState.CLOSED and "the disk is full" in box.error
        Box.objects.filter(pk=box.pk).update(
            progress_updated_at=timezone.now() - tasks.STALE_AFTER - timedelta(seconds=1))
        assert tasks.resume_due_boxes() == 0  # a failed step waits RETRY_AFTER

        # RETRY_AFTER later the sweep tries again and the tally is stored, once.
        monkeypatch.setattr(belenios, "compute_encrypted_tally", real_tally)
        Box.objects.filter(pk=box.pk).update(
            progress_updated_at=timezone.now() - tasks.RETRY_AFTER - timedelta(seconds=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.resume_due_boxes() == 1
        box.refresh_from_db()
        assert box.state == BoxState.TALLYING and box.error == ""
        assert (box.progress_step, box.progress_done, box.progress_total) == (
            "compute the encrypted tally", 2, 2)
        queued[0]()  # the close's own task, delivered late: nothing more to do
        assert box.steps.count() == 1 and tasks.due_boxes() == []

        # The k-th partial decryption queues the result on commit.
        with django_capture_on_commit_callbacks(execute=True) as queued:
            services.decrypt(actor=None, box=box, trustee_number=1)
        # The resume, then (tasks running at once) the result's news to the apps above.
        assert len(queued) == 2
        box.refresh_from_db()
        assert box.state == BoxState.RESULT and box.progress_step == "compute the result"
        assert services.verify(box).ok


def test_a_rolled_back_close_queues_nothing(tool, world, django_capture_on_commit_callbacks):
    class Abandon(Exception):
        pass

    with scope(society=world.society):
        box = small_box(world, ballots=1)
        with django_capture_on_commit_callbacks() as queued, pytest.raises(Abandon), \
                transaction.atomic():
            services.close_box(actor=None, box=box)
            raise Abandon
        assert queued == []
        box.refresh_from_db()
        assert box.state == BoxState.OPEN


@pytest.mark.worker
@pytest.mark.postgres
def test_a_real_worker_counts_a_closed_box(tool, celery_worker):
    world = build_society("millmead", "Millmead Children's Centre")
    with scope(society=world.society):
        box = small_box(world, ballots=3)
        services.close_box(actor=None, box=box)

    def state():
        with scope(society=world.society):
            return Box.objects.get(pk=box.pk).state

    assert wait_for(lambda: state() == BoxState.TALLYING, timeout=120), celery_worker.log()
    with scope(society=world.society):
        services.decrypt(actor=None, box=box, trustee_number=1)
    def result_and_progress():
        with scope(society=world.society):
            found = Box.objects.get(pk=box.pk)
            # The progress is written just after the result's commit.
            return found.state == BoxState.RESULT and found.progress_done == 1

    assert wait_for(result_and_progress, timeout=120), celery_worker.log()
    with scope(society=world.society):
        box.refresh_from_db()
        assert box.error == "" and box.progress_step == "compute the result"
        assert box.progress_done == box.progress_total == 1
        (result,) = services.result_of(box)
        assert result.totals == (3, 0, 0)
        assert services.verify(box).ok


@pytest.mark.postgres
def test_a_worker_on_a_long_step_beats_and_holds_the_box(transactional_db, monkeypatch):
    # The heartbeat writes from a thread of its own: a database other connections can use.
    if not is_postgres():
        pytest.skip("needs a database shared between threads: runs in CI's PostgreSQL leg")
    world = build_society("millmead", "Millmead Children's Centre")
    with scope(society=world.society):
        box = bare_box(world.society, "long", BoxState.CLOSED)
    monkeypatch.setattr(tasks, "HEARTBEAT", timedelta(seconds=0.05))
    seen = {}

    def long_step(box):
        # A tool run that reports nothing meanwhile: the heartbeat stamps the box.
        seen["beat"] = wait_for(
            lambda: Box.objects.get(pk=box.pk).progress_updated_at is not None, timeout=20)
        seen["second run"] = tasks.resume_box.run(world.society.pk, box.pk)
        return box

    monkeypatch.setattr(services, "resume", long_step)
    assert tasks.resume_box(world.society.pk, box.pk) == BoxState.CLOSED
    assert seen["beat"] and seen["second run"] == "busy"
    assert cache.add(tasks._lease_key(box.pk), 1)  # given back at the end
    cache.delete(tasks._lease_key(box.pk))
