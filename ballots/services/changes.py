"""Corrections before the poll opens, cancelling, and extending an open poll."""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from ballots.models import Candidate, Contest, ContestState
from ballots.services.common import (
    REMINDER_BEFORE,
    BallotError,
    check_contest,
    check_electorate,
    day_text,
    locked,
    moment_text,
    notify_roll,
)
from ballots.services.elections import CONTEST_FIELDS
from ballots.services.reads import agenda_meeting, eligible_members
from members.models import Member
from societies import audit


def check_changeable(contest: Contest, what: str) -> None:
    if contest.state == ContestState.CANCELLED:
        raise BallotError("This contest was cancelled.")
    if contest.state != ContestState.DRAFT:
        raise BallotError(f"Voting has opened (or the contest is decided), so it can no longer "
                          f"be {what}; only the close of an open poll can be extended.")
    meeting = agenda_meeting(contest)
    if meeting:
        raise BallotError(f"This resolution is on the agenda of the {meeting}, whose notice "
                          f"states it: it can only be {what} with the meeting.")


def _audited(value):
    """A value as an audit entry keeps it: dates as ISO text, records by name."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is not None and not isinstance(value, str | int | bool | float):
        return str(value)
    return value


ELECTORATE_FIELDS = {"stakeholder_classes": "stakeholder_classes", "record_date": "record_date",
                     "min_age": "min_age", "min_shares_pence": "min_shares_paid"}


def _check_nominations_still_valid(contest: Contest, changed: dict) -> None:
    """A changed electorate must still hold every candidate, proposer and seconder."""
    field = next((ELECTORATE_FIELDS[f] for f in ELECTORATE_FIELDS if f in changed), None)
    if field is None:
        return
    eligible = set(eligible_members(contest).values_list("pk", flat=True))
    for nominee in (contest.candidates.filter(withdrawn_at__isnull=True)
                    .select_related("member", "proposer", "seconder")):
        for role, person in (("candidate", nominee.member), ("proposer", nominee.proposer),
                             ("seconder", nominee.seconder)):
            if person is not None and person.pk not in eligible:
                who = "" if role == "candidate" else f" of {nominee.name}"
                raise BallotError(
                    f"{person.full_name}, the {role}{who}, would not be on the changed "
                    "electorate. Keep the electorate, or the nomination must first be withdrawn.",
                    field=field)


@transaction.atomic
def change_contest(*, actor, contest: Contest, values: dict, classes=None) -> dict:
    """Correct a contest or resolution before voting opens: anything set when it was created,
    checked as then. Returns {field: [old, new]}; when nothing changed, no entry is written."""
    contest = locked(contest)
    check_changeable(contest, "changed")
    if "method" in values and (values["method"] == "resolution") != contest.is_resolution:
        raise BallotError("A contest for seats cannot become a resolution, nor a resolution a "
                          "contest: cancel it and create the other.", field="method")
    before = {f: getattr(contest, f) for f in CONTEST_FIELDS}
    old_classes = list(contest.stakeholder_classes.all())
    for name, value in values.items():
        if name in CONTEST_FIELDS:
            setattr(contest, name, value)
    check_contest(contest)
    classes = old_classes if classes is None else list(classes)
    if any(c.society_id != contest.society_id for c in classes):
        raise BallotError("Those stakeholder classes belong to another society.",
                          field="stakeholder_classes")
    check_electorate(contest, classes)
    changes = {f: [_audited(before[f]), _audited(getattr(contest, f))] for f in CONTEST_FIELDS
               if before[f] != getattr(contest, f)}
    if {c.pk for c in classes} != {c.pk for c in old_classes}:
        changes["stakeholder_classes"] = [sorted(c.name for c in old_classes),
                                          sorted(c.name for c in classes)]
    if not changes:
        return {}
    fields = [f for f in CONTEST_FIELDS if f in changes]
    if fields:
        contest.save(update_fields=fields)
    if "stakeholder_classes" in changes:
        contest.stakeholder_classes.set(classes)
    _check_nominations_still_valid(contest, changes)
    audit.record(contest.society, actor, "resolution.changed" if contest.is_resolution
                 else "contest.changed", contest, {"changes": changes})
    return changes


@transaction.atomic
def reorder_candidates(*, actor, contest: Contest, order: list) -> list[str]:
    """Set the ballot paper's numbers (1, 2, 3…) in `order` (every candidate once) before
    voting opens; no ballot names a number yet. Returns the names in their new order."""
    contest = locked(contest)
    check_changeable(contest, "reordered")
    current = list(contest.candidates.select_related("member").order_by("number"))
    by_pk = {c.pk: c for c in current}
    if sorted(c.pk for c in order) != sorted(by_pk):
        raise BallotError("Give every candidate exactly one place on the ballot paper.")
    old = [c.name for c in current]
    new = [by_pk[c.pk].name for c in order]
    if [c.pk for c in order] == [c.pk for c in current]:
        return new
    top = max(c.number for c in current)
    # Two passes, so no two candidates ever share a number (unique per contest).
    for place, candidate in enumerate(order, start=1):
        Candidate.objects.filter(pk=candidate.pk).update(number=top + place)
    for place, candidate in enumerate(order, start=1):
        Candidate.objects.filter(pk=candidate.pk).update(number=place)
    audit.record(contest.society, actor, "contest.candidates_reordered", contest,
                 {"changes": {"order": [old, new]}})
    return new


@transaction.atomic
def cancel_contest(*, actor, contest: Contest, reason: str,
                   now: datetime | None = None) -> Contest:
    """Cancel a contest or resolution before voting opens: it never opens, members see it
    cancelled with the reason, and the candidates nominated are told by their own channel."""
    now = now or timezone.now()
    contest = locked(contest)
    check_changeable(contest, "cancelled")
    reason = reason.strip()
    if not reason:
        raise BallotError("Give the reason: members and candidates are told it.",
                          field="reason")
    application = contest.application
    contest.state = ContestState.CANCELLED
    contest.cancelled_at = now
    contest.cancellation_reason = reason
    # An applicant awaiting the members' vote may be put to a new vote.
    contest.application = None
    contest.save(update_fields=["state", "cancelled_at", "cancellation_reason", "application"])
    told = _tell_candidates_of_cancellation(contest, actor)
    audit.record(contest.society, actor, "resolution.cancelled" if contest.is_resolution
                 else "contest.cancelled", contest,
                 {"reason": reason[:500], "candidates_told": told,
                  "application": application.reference if application else None})
    return contest


def _tell_candidates_of_cancellation(contest: Contest, actor) -> int:
    from notifications.services import create_notice, notify_members

    members = Member.objects.filter(candidacies__contest=contest,
                                    candidacies__withdrawn_at__isnull=True)
    if not members.exists():
        return 0
    notice = create_notice(society=contest.society, kind="ballots.contest_cancelled",
                           title=f"Cancelled: {contest}",
                           audience=f"The candidates nominated in {contest}", created_by=actor)
    return notify_members(notice=notice, members=members, context={
        "contest_title": str(contest), "reason": contest.cancellation_reason,
        "cancelled_on": day_text(contest.cancelled_at),
    })


@transaction.atomic
def extend_voting(*, actor, contest: Contest, closes: datetime,
                  now: datetime | None = None) -> Contest:
    """Move an open poll's close later (never earlier) and tell everyone on the roll."""
    now = now or timezone.now()
    contest = locked(contest)
    if contest.state != ContestState.OPEN:
        raise BallotError("Only an open poll can be extended; before voting opens, change the "
                          "contest instead.")
    meeting = agenda_meeting(contest)
    if meeting:
        raise BallotError(f"This resolution's voting closes before the {meeting}: it can only "
                          "be changed with the meeting.")
    if now >= contest.voting_closes:
        raise BallotError("Voting has already closed at the time set: a closed poll cannot be "
                          "reopened.", field="voting_closes")
    if closes <= contest.voting_closes:
        raise BallotError(f"Choose a time later than the present close "
                          f"({moment_text(contest.voting_closes)}): a poll can be extended, never "
                          "shortened.", field="voting_closes")
    previous = contest.voting_closes
    contest.voting_closes = closes
    fields = ["voting_closes"]
    if contest.reminders_sent and closes - REMINDER_BEFORE > now:
        # Those yet to vote are reminded again before the new close.
        contest.reminders_sent = False
        fields.append("reminders_sent")
    contest.save(update_fields=fields)
    told = notify_roll(contest, kind="ballots.poll_extended", actor=actor,
                        members=Member.objects.filter(roll_entries__contest=contest),
                        previous_closes=moment_text(previous))
    audit.record(contest.society, actor, "contest.close_extended", contest,
                 {"changes": {"voting_closes": [previous.isoformat(), closes.isoformat()]},
                  "notified": told})
    return contest
