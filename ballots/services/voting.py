"""Opening voting (queued or now, with the roll and its notice), the reminder before the close,
and closing voting (which queues the count)."""

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from ballots import boxed, codes
from ballots.models import Contest, ContestState, VoterRollEntry
from ballots.services.common import (
    REMINDER_BEFORE,
    ROLL_CHUNK,
    BallotError,
    can_be_emailed,
    locked,
    not_voted,
    notify_roll,
    on_the_roll,
)
from ballots.services.reads import opening_refusal, roll_fingerprint, roll_members, turnout
from societies import audit


@transaction.atomic
def queue_opening(*, actor, contest: Contest) -> Contest:
    """Ask a worker to open a contest with a ballot box now (its credentials take about a
    second per 400 members); the job runs after commit and survives a broker outage."""
    from ballots.tasks import open_contest_task
    from jobs.queue import enqueue

    contest = locked(contest)
    if contest.state != ContestState.DRAFT:
        return contest
    refusal = opening_refusal(contest)
    if refusal:
        raise BallotError(refusal)
    enqueue(contest.society, open_contest_task, contest.pk, getattr(actor, "pk", None))
    audit.record(contest.society, actor, "contest.opening_queued", contest, {})
    return contest


@transaction.atomic
def open_voting(*, actor, contest: Contest, now: datetime | None = None) -> bool:
    """Freeze the roll and open the poll; notify every voter. Safe to run twice."""
    now = now or timezone.now()
    contest = locked(contest)
    if contest.state != ContestState.DRAFT:
        return False
    refusal = opening_refusal(contest, now)
    if refusal:
        raise BallotError(refusal)
    society = contest.society
    stream = roll_members(contest).order_by("pk").values_list("pk", flat=True)
    batch = []
    for member_id in stream.iterator(chunk_size=ROLL_CHUNK):
        batch.append(VoterRollEntry(society=society, contest=contest, member_id=member_id,
                                    voting_code=codes.new_code()))
        if len(batch) >= ROLL_CHUNK:
            VoterRollEntry.objects.bulk_create(batch)
            batch = []
    VoterRollEntry.objects.bulk_create(batch)
    contest.roll_size = VoterRollEntry.objects.filter(contest=contest).count()
    contest.roll_fingerprint = roll_fingerprint(contest)
    if contest.box_id is not None:
        try:
            boxed.open_box(actor=actor, contest=contest)
        except boxed.BoxError as error:
            raise BallotError(str(error)) from None
    contest.state = ContestState.OPEN
    contest.save(update_fields=["state", "roll_size", "roll_fingerprint"])
    notify_roll(contest, kind="ballots.poll_open", members=on_the_roll(contest),
                 actor=actor)
    audit.record(society, actor, "contest.opened", contest,
                 {"roll_size": contest.roll_size, "roll_fingerprint": contest.roll_fingerprint})
    return True


@transaction.atomic
def send_reminders(*, actor, contest: Contest, now: datetime | None = None) -> int:
    """Remind members on the roll who have not voted, once, 24 hours before close: by email
    only, since a letter posted then would arrive after the close (the scheduled reminders,
    `send_scheduled_reminder`, reach postal voters in time)."""
    now = now or timezone.now()
    contest = locked(contest)
    if contest.state != ContestState.OPEN or contest.reminders_sent:
        return 0
    if not (contest.voting_closes - REMINDER_BEFORE <= now < contest.voting_closes):
        return 0
    sent = notify_roll(contest, kind="ballots.reminder",
                        members=not_voted(contest).filter(can_be_emailed()), actor=actor)
    contest.reminders_sent = True
    contest.save(update_fields=["reminders_sent"])
    audit.record(contest.society, actor, "contest.reminded", contest, {"reminded": sent})
    return sent


@transaction.atomic
def close_voting(*, actor, contest: Contest, now: datetime | None = None) -> bool:
    """Close the poll at its time and queue the count. Safe to run twice."""
    now = now or timezone.now()
    contest = locked(contest)
    if contest.state != ContestState.OPEN:
        return False
    if now < contest.voting_closes:
        raise BallotError("Voting cannot close before the time set for it.")
    contest.state = ContestState.CLOSED
    contest.save(update_fields=["state"])
    # The codes are spent: none can vote again, and none is kept to name an entry.
    VoterRollEntry.objects.filter(contest=contest).exclude(voting_code="").update(voting_code="")
    _rewrite_in_key_order(contest)
    if contest.box_id is not None:
        boxed.close_box(actor=actor, contest=contest)
    # How many voted, by channel: the audit log's only record of the votes (none per vote).
    figures = turnout(contest)
    audit.record(contest.society, actor, "contest.closed", contest,
                 {"voted": figures["voted"], "online": figures["online"],
                  "paper": figures["paper"], "roll_size": contest.roll_size})
    from ballots.tasks import count_contest_task
    from jobs.queue import enqueue

    enqueue(contest.society, count_contest_task, contest.pk)
    return True


def _rewrite_in_key_order(contest: Contest) -> None:
    """Rewrite the contest's ballots in random-key order, so where rows sit on disk (rowid,
    ctid) no longer follows the order they were cast in. Only this contest's rows are touched."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS ballots_rewrite")
        cursor.execute("CREATE TEMP TABLE ballots_rewrite AS SELECT * FROM ballots_castballot "
                       "WHERE contest_id = %s", [contest.pk])
        cursor.execute("DELETE FROM ballots_castballot WHERE contest_id = %s", [contest.pk])
        cursor.execute("INSERT INTO ballots_castballot SELECT * FROM ballots_rewrite ORDER BY id")
        cursor.execute("DROP TABLE ballots_rewrite")
