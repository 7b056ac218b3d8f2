"""Scheduled reminders to those who have not voted (docs/voting.md, "Reminders"): the default
schedule, adding and removing one, sending one when due, and which are due."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ballots.models import Contest, ContestReminder, ContestState
from ballots.services.common import (
    BallotError,
    can_be_emailed,
    counted,
    locked,
    moment_text,
    not_voted,
    notify_roll_notice,
)
from societies import audit

# Scheduled reminders to those who have not voted (docs/voting.md, "Reminders")

DEFAULT_REMINDER_DAYS = (7, 2)


def _poll_length_text(contest: Contest) -> str:
    length = contest.voting_closes - contest.voting_opens
    hours = length.seconds // 3600
    text = counted(length.days, "day")
    return f"{text} and {counted(hours, 'hour')}" if hours else text


def reminder_refusal(contest: Contest, days_before, now: datetime | None = None) -> str | None:
    """Why a reminder `days_before` the close cannot be scheduled for `contest`, or None."""
    from ballots.models import REMINDER_MAX_DAYS

    now = now or timezone.now()
    if contest.state not in (ContestState.DRAFT, ContestState.OPEN):
        return "Voting has closed (or the contest is decided): reminders can no longer be set."
    if not isinstance(days_before, int) or not 1 <= days_before <= REMINDER_MAX_DAYS:
        return f"Give a whole number of days from 1 to {REMINDER_MAX_DAYS}."
    due = contest.voting_closes - timedelta(days=days_before)
    if due <= contest.voting_opens:
        return (f"The poll lasts {_poll_length_text(contest)}: a reminder "
                f"{counted(days_before, 'day')} before the close would go before voting "
                "opens. Choose fewer days.")
    if due <= now:
        return (f"A reminder {counted(days_before, 'day')} before the close was due on "
                f"{moment_text(due)}, which has passed. Choose fewer days.")
    if ContestReminder.objects.filter(contest=contest, days_before=days_before).exists():
        return f"There is already a reminder {counted(days_before, 'day')} before the close."
    return None


def schedule_default_reminders(contest: Contest) -> list[ContestReminder]:
    """The reminders every new contest starts with (those that fit in its poll); part of the
    service that creates the contest, whose audit entry covers them."""
    days = [d for d in DEFAULT_REMINDER_DAYS
            if contest.voting_closes - timedelta(days=d) > contest.voting_opens]
    return ContestReminder.objects.bulk_create([
        ContestReminder(society=contest.society, contest=contest, days_before=d) for d in days])


@transaction.atomic
def add_reminder(*, actor, contest: Contest, days_before: int,
                 now: datetime | None = None) -> ContestReminder:
    """Schedule one more reminder to those on the roll who have not voted."""
    contest = locked(contest)
    refusal = reminder_refusal(contest, days_before, now)
    if refusal:
        raise BallotError(refusal, field="days_before")
    reminder = ContestReminder.objects.create(society=contest.society, contest=contest,
                                              days_before=days_before)
    audit.record(contest.society, actor, "contest.reminder_added", contest,
                 {"days_before": days_before})
    return reminder


@transaction.atomic
def remove_reminder(*, actor, reminder: ContestReminder) -> None:
    """Take a reminder off the schedule; one already sent stays on the record."""
    reminder = (ContestReminder.objects.select_for_update(of=("self",))
                .select_related("contest").get(pk=reminder.pk))
    if reminder.sent_at is not None:
        raise BallotError("This reminder has been sent: it stays on the record.")
    contest, days_before = reminder.contest, reminder.days_before
    reminder.delete()
    audit.record(contest.society, actor, "contest.reminder_removed", contest,
                 {"days_before": days_before})


@transaction.atomic
def send_scheduled_reminder(*, actor, reminder: ContestReminder,
                            now: datetime | None = None) -> ContestReminder | None:
    """Send a due reminder to those on the roll who have not voted, by each one's channel;
    a letter only when it can arrive before the close (the society's posting days), else
    that member is counted as too late for post. Once only: the reminder is claimed by a
    conditional update, so a second worker running it at the same time sends nothing.
    Returns the reminder with its counts, or None when it was not due or already sent."""
    from notifications.services import channel_counts

    now = now or timezone.now()
    contest = locked(reminder.contest)
    if contest.state != ContestState.OPEN or not (
        reminder.due_at(contest) <= now < contest.voting_closes
    ):
        return None
    claimed = ContestReminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(
        sent_at=now)
    if not claimed:
        return None
    reminder = ContestReminder.objects.get(pk=reminder.pk)
    society = contest.society
    members = not_voted(contest)
    if reminder.days_before <= society.posting_days:
        reminder.too_late_for_post = members.exclude(can_be_emailed()).count()
        members = members.filter(can_be_emailed())
    if members.exists():
        notice, _written = notify_roll_notice(contest, kind="ballots.reminder",
                                               members=members, actor=actor)
        by_channel = channel_counts(notice)
        reminder.notice = notice
        reminder.emailed, reminder.letters = by_channel["email"], by_channel["post"]
    reminder.save(update_fields=["notice", "emailed", "letters", "too_late_for_post"])
    audit.record(society, actor, "contest.reminder_sent", contest,
                 {"days_before": reminder.days_before, "emailed": reminder.emailed,
                  "letters": reminder.letters, "too_late_for_post": reminder.too_late_for_post})
    return reminder


def due_scheduled_reminders(now: datetime) -> list[tuple[int, int]]:
    """(society id, reminder id) of every scheduled reminder due now, in every society."""
    from django_scopes import scopes_disabled

    from ballots.models import REMINDER_MAX_DAYS

    with scopes_disabled():
        unsent = (ContestReminder.objects.filter(
            sent_at__isnull=True, contest__state=ContestState.OPEN,
            contest__voting_closes__gt=now,
            contest__voting_closes__lte=now + timedelta(days=REMINDER_MAX_DAYS))
            .values_list("society_id", "pk", "days_before", "contest__voting_closes"))
        return [(society_id, pk) for society_id, pk, days, closes in unsent
                if closes - timedelta(days=days) <= now]
