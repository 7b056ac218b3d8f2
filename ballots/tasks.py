"""Scheduled steps of a poll: open, remind, close, count. Each is safe to run twice."""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from jobs.queue import JobTask, enqueue

log = logging.getLogger(__name__)


def _count_gave_up(society_id: int, contest_id: int, reason: str) -> None:
    from ballots.models import Contest
    from ballots.services import note_count_failure

    contest = Contest.objects.filter(society_id=society_id, pk=contest_id).first()
    if contest is not None:
        note_count_failure(actor=None, contest=contest, reason=reason)


# Both run as jobs (jobs.queue) and are safe to redo after a worker died: the count and the
# opening are each one transaction on the locked contest, guarded by its state.
@shared_task(base=JobTask, redo_safe=True, gave_up=staticmethod(_count_gave_up))
def count_contest_task(society_id: int, contest_id: int) -> str:
    """Count a closed contest. A count that stops (a lot is needed) says why on the contest;
    one that fails unexpectedly is noted there too, so the officer's page offers a way on."""
    from ballotbox.models import BoxState
    from ballots.models import Contest, ContestState
    from ballots.services import count_contest, note_count_failure

    contest = Contest.objects.get(society_id=society_id, pk=contest_id)
    if contest.state not in (ContestState.CLOSED, ContestState.COUNTED):
        return contest.state  # counted and signed off already: nothing to do
    if contest.box_id is not None and contest.box.state != BoxState.RESULT:
        # The trustees shuffle and decrypt first; the box's result queues this task again
        # (`count_when_box_result`).
        return "waiting for the ballot box"
    try:
        return count_contest(actor=None, contest=contest).state
    except Exception as error:
        # Logged for the administrators and kept for the officer; not raised again, so that
        # where tasks run eagerly the page that closed the poll shows it instead of an error.
        log.exception("the count of contest %s failed", contest.public_id)
        return note_count_failure(actor=None, contest=contest, reason=(
            f"the count could not finish ({type(error).__name__}); nothing was counted. Run it "
            "again; if it fails again, tell the platform's administrators.")).state


@shared_task(base=JobTask, redo_safe=True)
def open_contest_task(society_id: int, contest_id: int, user_id: int | None = None) -> str:
    """Open a contest with a ballot box (its credentials take about a second per 400
    members on the roll: too long for a page at 10,000). A refusal is logged; the scheduled
    opening (`open_due_polls`) tries again every 30 s."""
    from django.contrib.auth import get_user_model

    from ballots.models import Contest
    from ballots.services import BallotError, open_voting

    contest = Contest.objects.get(society_id=society_id, pk=contest_id)
    actor = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        open_voting(actor=actor, contest=contest)
    except BallotError as error:
        log.warning("contest %s cannot open: %s", contest.public_id, error)
        return "refused"
    return Contest.objects.get(pk=contest_id).state


def count_when_box_result(sender, *, society_id: int, box_id: int, **kwargs) -> None:
    """Receiver of `ballotbox.signals.result_ready`: count the contest counted from that
    box (connected in ballots/apps.py)."""
    from ballots.models import Contest

    with scopes_disabled():  # by the box's id and its society's: one contest at most
        contest = (Contest.objects.filter(society_id=society_id, box_id=box_id)
                   .select_related("society").first())
    if contest is not None:
        with transaction.atomic():
            enqueue(contest.society, count_contest_task, contest.pk)


def _run_due(kind: str) -> int:
    from ballots.models import Contest
    from ballots.services import (
        BallotError,
        close_voting,
        due_contests,
        open_voting,
        send_reminders,
    )
    from societies.models import Society

    step = {"open": open_voting, "close": close_voting, "remind": send_reminders}[kind]
    now = timezone.now()
    done = 0
    for society_id, contest_id in due_contests(kind, now):
        society = Society.objects.get(pk=society_id)
        with scope(society=society):
            contest = Contest.objects.get(pk=contest_id)
            try:
                if step(actor=None, contest=contest, now=now):
                    done += 1
            except BallotError as error:
                log.warning("contest %s cannot %s: %s", contest.public_id, kind, error)
    return done


@shared_task
def open_due_polls() -> int:
    return _run_due("open")


@shared_task
def close_due_polls() -> int:
    return _run_due("close")


@shared_task
def send_due_reminders() -> int:
    return _run_due("remind") + send_scheduled_reminders()


def send_scheduled_reminders() -> int:
    """Send every scheduled reminder that is due (each once, however many workers run it)."""
    from ballots.models import ContestReminder
    from ballots.services import due_scheduled_reminders, send_scheduled_reminder
    from societies.models import Society

    now = timezone.now()
    sent = 0
    for society_id, reminder_id in due_scheduled_reminders(now):
        with scope(society=Society.objects.get(pk=society_id)):
            reminder = ContestReminder.objects.filter(pk=reminder_id).first()
            if reminder and send_scheduled_reminder(actor=None, reminder=reminder, now=now):
                sent += 1
    return sent


@shared_task
def count_decrypted_boxes() -> int:
    """Queue the count of every closed contest whose ballot box has its result and which has
    not been counted (the box's news was lost: broker down, worker killed); a count that
    stopped with a reason (a lot, a failure) waits for the officer instead."""
    from ballotbox.models import BoxState
    from ballots.models import Contest, ContestState
    from jobs.models import Job, JobState

    with scopes_disabled():
        live = Job.objects.filter(kind=count_contest_task.name,
                                  state__in=[JobState.PENDING, JobState.RUNNING])
        due = list(Contest.objects.filter(state=ContestState.CLOSED, box__state=BoxState.RESULT,
                                          count_error="")
                   .exclude(pk__in=live.values("target_id")).select_related("society"))
        for contest in due:
            with transaction.atomic():
                enqueue(contest.society, count_contest_task, contest.pk)
    return len(due)
