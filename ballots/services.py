"""Every change to elections, contests, rolls and ballots (DESIGN §6; docs/elections.md).

Each service runs in one transaction and writes exactly one audit entry, but for casting a
ballot, which writes none: the close records how many voted, by channel. No audit entry, log
line, message, task argument or cache entry ever holds a ballot's choices or its receipt.
"""

import hashlib
import logging
import re
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.acting import user_or_none
from ballots import boxed, codes, outcomes
from ballots import sql as ballot_sql
from ballots.models import (
    MARK_METHODS,
    RANKED_METHODS,
    RESOLUTION_ANSWERS,
    Candidate,
    CastBallot,
    Channel,
    Contest,
    ContestReminder,
    ContestState,
    PaperBatch,
    ResolutionKind,
    ResolutionTally,
    SeedSource,
    SpoiltPapers,
    SpoiltReason,
    VoterRollEntry,
)
from ballots.models import Election as ElectionModel
from config.rows import bytewise
from counting import (
    CountError,
    Election,
    LotRequired,
    count,
    draw_seed,
    lot_outcomes,
)
from members.models import Member
from shares.queries import members_paid_at_least, society_has_shares
from societies import audit

log = logging.getLogger(__name__)

ROLL_CHUNK = 5000
REMINDER_BEFORE = timedelta(hours=24)


def counted(n: int, one: str, many: str = "") -> str:
    """"1 seat", "2 seats": `many` where the plural is not `one` + "s"."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


class BallotError(Exception):
    """A ballot or election change that cannot be made; the message says why, for a person.
    `field` names the form field at fault, where one is (views put the message on it)."""

    def __init__(self, message: str = "", *, field: str | None = None):
        super().__init__(message)
        self.field = field


# Setting up


@transaction.atomic
def create_election(*, actor, society, title: str) -> ElectionModel:
    title = " ".join(title.split())
    if not title:
        raise BallotError("An election needs a title.")
    election = ElectionModel.objects.create(society=society, title=title)
    audit.record(society, actor, "election.created", election, {"title": title})
    return election


CONTEST_FIELDS = [
    "title", "method", "seats", "record_date", "min_age", "min_shares_pence",
    "nominations_open", "nominations_close", "withdrawal_deadline", "statement_limit",
    "voting_opens", "voting_closes", "ballot_order", "results_hidden", "resolution_text",
    "explanatory_note", "resolution_kind", "fraction_numerator", "fraction_denominator", "seed",
    "seat_category",
]


def _check_contest(contest: Contest) -> None:
    if contest.voting_closes <= contest.voting_opens:
        raise BallotError("Voting must close after it opens.", field="voting_closes")
    if contest.is_resolution:
        contest.seats = 1
        if not contest.resolution_text.strip():
            raise BallotError("A resolution needs its text.", field="resolution_text")
        contest.resolution_kind = contest.resolution_kind or "ordinary"
        if contest.resolution_kind == "special" and not (
            0 < contest.fraction_numerator <= contest.fraction_denominator
        ):
            raise BallotError("A special resolution needs a fraction between 0 and 1.",
                              field="fraction_numerator")
    else:
        if contest.method == "plurality" and contest.seats != 1:
            raise BallotError("Plurality is for one seat; use the block vote for several.",
                              field="seats")
        if contest.nominations_open and contest.nominations_close and (
            contest.nominations_close <= contest.nominations_open
        ):
            raise BallotError("Nominations must close after they open.",
                              field="nominations_close")
        if contest.nominations_close and contest.nominations_close > contest.voting_opens:
            raise BallotError("Nominations must close before voting opens.",
                              field="nominations_close")
        if contest.withdrawal_deadline and contest.withdrawal_deadline > contest.voting_opens:
            raise BallotError("Withdrawals must close by the time voting opens.",
                              field="withdrawal_deadline")
    if contest.min_shares_pence and not society_has_shares(contest.society):
        raise BallotError("This society keeps no share register here, so a minimum "
                          "shareholding cannot be applied; leave it at 0.",
                          field="min_shares_paid")
    _check_seat_category(contest)


def _check_seat_category(contest: Contest) -> None:
    """A contest for seats may name the board seats it fills (boards.terms starts the terms)."""
    category = contest.seat_category
    if category is None:
        return
    if contest.is_resolution:
        raise BallotError("A resolution fills no board seats.")
    if category.society_id != contest.society_id:
        raise BallotError("Those seats belong to another society.", field="seat_category")
    if category.filled_by != "elected":
        raise BallotError(f"{category.name} seats are not filled by election.",
                          field="seat_category")
    if contest.seats > category.seats:
        raise BallotError(f"The contest is for {contest.seats} seats; {category.name} has only "
                          f"{category.seats}.", field="seats")


def _check_electorate(contest: Contest, classes) -> None:
    """Seats with a constituency are elected by that constituency's members, and only them."""
    category = contest.seat_category
    if category is None or category.constituency_id is None:
        return
    if [c.pk for c in classes] != [category.constituency_id]:
        raise BallotError(f"{category.name} seats are elected by the "
                          f"{category.constituency.name} constituency: choose that class, and "
                          "only it, as the electorate.", field="stakeholder_classes")


@transaction.atomic
def link_seat_category(*, actor, contest: Contest, seat_category) -> Contest:
    """Name (or change, or clear) the board seats a contest fills, until terms start."""
    contest = _locked(contest)
    if contest.terms_started_on is not None:
        raise BallotError("The winners' terms have already started from this result.")
    contest.seat_category = seat_category
    _check_seat_category(contest)
    _check_electorate(contest, list(contest.stakeholder_classes.all()))
    contest.save(update_fields=["seat_category"])
    audit.record(contest.society, actor, "contest.seat_category_linked", contest,
                 {"seat_category": str(seat_category) if seat_category else None})
    return contest


@transaction.atomic
def create_contest(*, actor, election: ElectionModel, values: dict, classes=()) -> Contest:
    """A contest for seats, or (method "resolution") a resolution put to the members."""
    society = election.society
    contest = Contest(society=society, election=election,
                      **{k: v for k, v in values.items() if k in CONTEST_FIELDS})
    _check_contest(contest)
    contest.save()
    classes = list(classes)
    if any(c.society_id != society.pk for c in classes):
        raise BallotError("Those stakeholder classes belong to another society.")
    _check_electorate(contest, classes)
    contest.stakeholder_classes.set(classes)
    schedule_default_reminders(contest)
    audit.record(society, actor, "resolution.proposed" if contest.is_resolution
                 else "contest.created", contest,
                 {"method": contest.method, "seats": contest.seats,
                  "classes": [c.name for c in classes],
                  "voting_opens": contest.voting_opens.isoformat(),
                  "voting_closes": contest.voting_closes.isoformat()})
    return contest


@transaction.atomic
def propose_resolution(*, actor, society, values: dict, classes=()) -> Contest:
    """The secretary's "Propose a resolution" page: the resolution's own election and its
    contest, both or neither (a refusal leaves no empty election behind)."""
    election = create_election(actor=actor, society=society, title=values.get("title", ""))
    return create_contest(actor=actor, election=election,
                          values={**values, "method": "resolution"}, classes=classes)


def _locked(contest: Contest) -> Contest:
    return Contest.objects.select_for_update(of=("self",)).get(pk=contest.pk)


# Corrections before the poll opens, cancelling, and extending an open poll


def agenda_meeting(contest: Contest) -> str:
    """The general meeting whose agenda carries this resolution (boards), or "": its text and
    voting window went out with the meeting's agenda and notice, so it changes with it."""
    items = getattr(contest, "agenda_items", None)
    if items is None or not contest.is_resolution:
        return ""
    item = items.select_related("meeting").first()
    return str(item.meeting) if item is not None else ""


def on_an_agenda(contest_ids) -> set:
    """Which of these resolutions a general meeting's agenda carries (see agenda_meeting)."""
    if not hasattr(Contest, "agenda_items"):
        return set()
    return set(Contest.objects.filter(pk__in=list(contest_ids), agenda_items__isnull=False)
               .values_list("pk", flat=True))


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
    contest = _locked(contest)
    check_changeable(contest, "changed")
    if "method" in values and (values["method"] == "resolution") != contest.is_resolution:
        raise BallotError("A contest for seats cannot become a resolution, nor a resolution a "
                          "contest: cancel it and create the other.", field="method")
    before = {f: getattr(contest, f) for f in CONTEST_FIELDS}
    old_classes = list(contest.stakeholder_classes.all())
    for name, value in values.items():
        if name in CONTEST_FIELDS:
            setattr(contest, name, value)
    _check_contest(contest)
    classes = old_classes if classes is None else list(classes)
    if any(c.society_id != contest.society_id for c in classes):
        raise BallotError("Those stakeholder classes belong to another society.",
                          field="stakeholder_classes")
    _check_electorate(contest, classes)
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
    contest = _locked(contest)
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
    contest = _locked(contest)
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
        "cancelled_on": _day(contest.cancelled_at),
    })


@transaction.atomic
def extend_voting(*, actor, contest: Contest, closes: datetime,
                  now: datetime | None = None) -> Contest:
    """Move an open poll's close later (never earlier) and tell everyone on the roll."""
    now = now or timezone.now()
    contest = _locked(contest)
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
                          f"({_moment(contest.voting_closes)}): a poll can be extended, never "
                          "shortened.", field="voting_closes")
    previous = contest.voting_closes
    contest.voting_closes = closes
    fields = ["voting_closes"]
    if contest.reminders_sent and closes - REMINDER_BEFORE > now:
        # Those yet to vote are reminded again before the new close.
        contest.reminders_sent = False
        fields.append("reminders_sent")
    contest.save(update_fields=fields)
    told = _notify_roll(contest, kind="ballots.poll_extended", actor=actor,
                        members=Member.objects.filter(roll_entries__contest=contest),
                        previous_closes=_moment(previous))
    audit.record(contest.society, actor, "contest.close_extended", contest,
                 {"changes": {"voting_closes": [previous.isoformat(), closes.isoformat()]},
                  "notified": told})
    return contest


def _moment(when: datetime) -> str:
    return timezone.localtime(when).strftime("%-d %B %Y at %H:%M")


def _day(when: datetime) -> str:
    return timezone.localtime(when).strftime("%-d %B %Y")


# Eligibility and the roll


def eligible_members(contest: Contest):
    """Members entitled to vote: active at the record date, in the classes, old enough, and
    with at least the minimum shareholding paid up at the close of the record date."""
    on = contest.record_date
    members = Member.objects.filter(society=contest.society_id).active_on(on)
    class_ids = list(contest.stakeholder_classes.values_list("pk", flat=True))
    if class_ids:
        members = members.filter(stakeholder_class__in=class_ids)
    if contest.min_age:
        # Born on or before this date means old enough; unknown dates of birth are not refused.
        try:
            latest_birth = on.replace(year=on.year - contest.min_age)
        except ValueError:  # 29 February
            latest_birth = date(on.year - contest.min_age, 2, 28)
        members = members.filter(Q(date_of_birth__isnull=True)
                                 | Q(date_of_birth__lte=latest_birth))
    if contest.min_shares_pence:
        members = members.filter(pk__in=members_paid_at_least(
            contest.society_id, on, contest.min_shares_pence))
    return members


def is_eligible(contest: Contest, member: Member) -> bool:
    if contest.state != ContestState.DRAFT:
        return contest.roll.filter(member=member).exists()
    return eligible_members(contest).filter(pk=member.pk).exists()


def roll_fingerprint(contest: Contest) -> str:
    """sha256 over the contest's id and the sorted public ids of the members on its roll."""
    digest = hashlib.sha256(f"omov-roll:{contest.public_id}\n".encode())
    ids = (VoterRollEntry.objects.filter(contest=contest)
           .values_list("member__public_id", flat=True).order_by("member__public_id"))
    for public_id in ids.iterator(chunk_size=ROLL_CHUNK):
        digest.update(f"{public_id}\n".encode())
    return digest.hexdigest()


def opening_refusal(contest: Contest, now: datetime | None = None) -> str | None:
    """Why the contest cannot open now (checked before the worker is asked to), or None."""
    now = now or timezone.now()
    if contest.state != ContestState.DRAFT:
        return "Voting has already opened."
    if now < contest.voting_opens:
        return "Voting cannot open before the time set for it."
    if not contest.is_resolution and contest.standing().count() <= contest.seats:
        return ("There are no more candidates than seats: declare them elected unopposed "
                "instead of holding a poll.")
    if contest.box_id is not None:
        return boxed.opening_refusal(contest)
    return None


@transaction.atomic
def queue_opening(*, actor, contest: Contest) -> Contest:
    """Ask a worker to open a contest with a ballot box now (its credentials take about a
    second per 400 members); the job runs after commit and survives a broker outage."""
    from ballots.tasks import open_contest_task
    from jobs.queue import enqueue

    contest = _locked(contest)
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
    contest = _locked(contest)
    if contest.state != ContestState.DRAFT:
        return False
    refusal = opening_refusal(contest, now)
    if refusal:
        raise BallotError(refusal)
    society = contest.society
    stream = eligible_members(contest).order_by("pk").values_list("pk", flat=True)
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
    _notify_roll(contest, kind="ballots.poll_open", members=_on_the_roll(contest),
                 actor=actor)
    audit.record(society, actor, "contest.opened", contest,
                 {"roll_size": contest.roll_size, "roll_fingerprint": contest.roll_fingerprint})
    return True


ROLL_NOTICE_TITLES = {"ballots.poll_open": "Voting is open: ",
                      "ballots.reminder": "Reminder to vote: ",
                      "ballots.poll_extended": "Voting extended: "}


def _on_the_roll(contest: Contest, **entry):
    """The members on the contest's roll (whose roll entry matches `entry` too, as
    `voted_on__isnull=True`), each with their voting code (`voting_code`, which the
    messages' templates give: notifications/messages/_voting_code.txt). One filter call,
    so every condition and the code are of the same roll entry."""
    return Member.objects.filter(
        roll_entries__contest=contest, **{f"roll_entries__{k}": v for k, v in entry.items()}
    ).annotate(voting_code=F("roll_entries__voting_code"))


def _not_voted(contest: Contest):
    return _on_the_roll(contest, voted_on__isnull=True)


def _notify_roll(contest: Contest, *, kind: str, members, actor, **context) -> int:
    return _notify_roll_notice(contest, kind=kind, members=members, actor=actor, **context)[1]


def _notify_roll_notice(contest: Contest, *, kind: str, members, actor, **context):
    """The notice written to `members` of the roll, and how many messages it has."""
    from notifications.services import create_notice, notify_members

    notice = create_notice(society=contest.society, kind=kind,
                           title=ROLL_NOTICE_TITLES[kind] + str(contest),
                           audience=f"The roll of {contest}", created_by=actor,
                           about=f"ballots.contest:{contest.public_id}")
    return notice, notify_members(notice=notice, members=members, context={
        "contest_title": str(contest),
        "contest_id": str(contest.public_id),
        "closes": _moment(contest.voting_closes),
        "is_resolution": contest.is_resolution,
        "resolution_text": contest.resolution_text,
        **context,
    })


@transaction.atomic
def send_reminders(*, actor, contest: Contest, now: datetime | None = None) -> int:
    """Remind members on the roll who have not voted, once, 24 hours before close: by email
    only, since a letter posted then would arrive after the close (the scheduled reminders,
    `send_scheduled_reminder`, reach postal voters in time)."""
    now = now or timezone.now()
    contest = _locked(contest)
    if contest.state != ContestState.OPEN or contest.reminders_sent:
        return 0
    if not (contest.voting_closes - REMINDER_BEFORE <= now < contest.voting_closes):
        return 0
    sent = _notify_roll(contest, kind="ballots.reminder",
                        members=_not_voted(contest).filter(_can_be_emailed()), actor=actor)
    contest.reminders_sent = True
    contest.save(update_fields=["reminders_sent"])
    audit.record(contest.society, actor, "contest.reminded", contest, {"reminded": sent})
    return sent


@transaction.atomic
def close_voting(*, actor, contest: Contest, now: datetime | None = None) -> bool:
    """Close the poll at its time and queue the count. Safe to run twice."""
    now = now or timezone.now()
    contest = _locked(contest)
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


# Nominations


def _check_member_eligible(contest: Contest, member: Member, role: str) -> None:
    if member is None or member.society_id != contest.society_id:
        raise BallotError(f"The {role} must be a member of this society.")
    if not eligible_members(contest).filter(pk=member.pk).exists():
        raise BallotError(f"{member.full_name} cannot be the {role}: they are not on the "
                          "electorate of this contest.")


def nominations_are_open(contest: Contest, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (contest.state == ContestState.DRAFT and not contest.is_resolution
            and contest.nominations_open is not None and contest.nominations_close is not None
            and contest.nominations_open <= now < contest.nominations_close)


@transaction.atomic
def nominate(*, actor, contest: Contest, nominated_by: Member | None, candidate: Member,
             proposer: Member, seconder: Member, by_officer: bool = False) -> Candidate:
    """Nominate `candidate` with a proposer and a seconder (members on the electorate)."""
    contest = _locked(contest)
    if not by_officer and not nominations_are_open(contest):
        raise BallotError("Nominations for this contest are not open.")
    nominee = _add_candidate(actor, contest, nominated_by=nominated_by, candidate=candidate,
                             proposer=proposer, seconder=seconder)
    audit.record(contest.society, actor, "candidate.nominated", nominee,
                 {"contest": str(contest.public_id), "candidate": candidate.member_number,
                  "proposer": proposer.member_number, "seconder": seconder.member_number})
    return nominee


def _add_candidate(actor, contest: Contest, *, nominated_by, candidate, proposer, seconder,
                   **fields) -> Candidate:
    """The checks every nomination passes, the candidate's row, and the message telling them;
    `contest` is locked by the caller."""
    if contest.state != ContestState.DRAFT or contest.is_resolution:
        raise BallotError("Nominations are closed.")
    _check_member_eligible(contest, candidate, "candidate")
    _check_member_eligible(contest, proposer, "proposer")
    _check_member_eligible(contest, seconder, "seconder")
    if proposer.pk == seconder.pk:
        raise BallotError("The proposer and the seconder must be different members.",
                          field="seconder")
    if candidate.pk in (proposer.pk, seconder.pk):
        raise BallotError("A candidate cannot propose or second themselves.")
    if contest.candidates.filter(member=candidate).exists():
        raise BallotError(f"{candidate.full_name} is already nominated in this contest.",
                          field="candidate")
    number = (contest.candidates.order_by("-number").values_list("number", flat=True)
              .first() or 0) + 1
    nominee = Candidate.objects.create(
        society=contest.society, contest=contest, member=candidate, number=number,
        nominated_by=nominated_by, proposer=proposer, seconder=seconder, **fields,
    )
    if nominated_by is None or nominated_by.pk != candidate.pk:
        _tell_nominee(nominee, contest, actor)
    return nominee


def _tell_nominee(nominee: Candidate, contest: Contest, actor) -> None:
    """The nominee hears, by their own channel, who nominated them and how to consent: online,
    or on the consent form (printed with the letter; linked from the email)."""
    from ballots.consent_form import public_form_path
    from notifications.services import create_notice, notify

    member = nominee.member
    notice = create_notice(society=contest.society, kind="ballots.nominated",
                           title=f"Nomination: {contest} - {member.full_name}",
                           audience=f"{member.full_name}, nominated in {contest}",
                           created_by=actor)
    notify(society=contest.society, member=member, kind="ballots.nominated", notice=notice,
           dedup_key=f"{NOMINATED_KIND}:{nominee.public_id}", context={
               "contest_title": str(contest),
               "contest_id": str(contest.public_id),
               "seats": contest.seats,
               "nominated_by": nominee.nominated_by.full_name if nominee.nominated_by else "",
               "on_paper": nominee.nominated_by_id is None,
               "proposer": nominee.proposer.full_name,
               "seconder": nominee.seconder.full_name,
               "statement_limit": contest.statement_limit,
               "consent_by": _moment(contest.voting_opens),
               "form_path": public_form_path(nominee),
               "has_account": member.user_id is not None,
           })


NOMINATED_KIND = "ballots.nominated"


def nominee_message(candidate: Candidate):
    """The message that told `candidate` of their nomination, if one was written."""
    from notifications.models import Message

    return Message.objects.filter(society=candidate.society_id,
                                  dedup_key=f"{NOMINATED_KIND}:{candidate.public_id}").first()


# Paper: nominations received on forms, and consents signed on them


@transaction.atomic
def record_paper_nomination(*, actor, contest: Contest, candidate: Member, proposer: Member,
                            seconder: Member, received_on: date,
                            today: date | None = None) -> Candidate:
    """A nomination form received by the returning officer: the same checks as online, and it
    must have arrived while nominations were open (by the closing day)."""
    today = today or timezone.localdate()
    contest = _locked(contest)
    if received_on > today:
        raise BallotError("The form cannot have been received after today.",
                          field="received_on")
    if contest.nominations_open and received_on < timezone.localdate(contest.nominations_open):
        raise BallotError(f"Nominations opened on {_day(contest.nominations_open)}: a form "
                          "received before then does not count.", field="received_on")
    if contest.nominations_close and received_on > timezone.localdate(contest.nominations_close):
        raise BallotError(f"Nominations closed on {_day(contest.nominations_close)}: a form "
                          "received after then is too late.", field="received_on")
    nominee = _add_candidate(actor, contest, nominated_by=None, candidate=candidate,
                             proposer=proposer, seconder=seconder, paper_received_on=received_on)
    audit.record(contest.society, actor, "candidate.nominated_on_paper", nominee,
                 {"contest": str(contest.public_id), "candidate": candidate.member_number,
                  "proposer": proposer.member_number, "seconder": seconder.member_number,
                  "received_on": received_on.isoformat()})
    return nominee


CONSENT_SCAN_MAX_BYTES = 5 * 1024 * 1024
# What a scanned form may be, told by its first bytes (never by its name): suffix, type.
SCAN_KINDS = {b"%PDF-": ("pdf", "application/pdf"),
              b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
              b"\xff\xd8\xff": ("jpg", "image/jpeg")}


def scan_kind(head: bytes) -> tuple[str, str] | None:
    """(suffix, content type) of a scanned form from its first bytes, or None."""
    for magic, kind in SCAN_KINDS.items():
        if head.startswith(magic):
            return kind
    return None


def _check_scan(scan) -> str:
    if scan.size > CONSENT_SCAN_MAX_BYTES:
        raise BallotError(f"The scan is {scan.size // 1024:,} KB; the limit is "
                          f"{CONSENT_SCAN_MAX_BYTES // 1024 // 1024} MB.", field="scan")
    scan.seek(0)
    kind = scan_kind(scan.read(16))
    scan.seek(0)
    if kind is None:
        raise BallotError("The scan must be a PDF, PNG or JPEG file.", field="scan")
    return kind[0]


@transaction.atomic
def record_paper_consent(*, actor, candidate: Candidate, signed_on: date, witness: str,
                         statement: str = "", scan=None, now: datetime | None = None
                         ) -> Candidate:
    """A consent to stand signed on paper before a witness, received by the returning officer
    before voting opens; optionally the candidate's written statement and the scanned form."""
    now = now or timezone.now()
    candidate = (Candidate.objects.select_for_update(of=("self",)).select_related("member")
                 .get(pk=candidate.pk))
    contest = candidate.contest
    if contest.state != ContestState.DRAFT or now >= contest.voting_opens:
        raise BallotError("It is too late: consents count only until voting opens.")
    if candidate.withdrawn_at:
        raise BallotError(f"{candidate.name} has withdrawn from this contest.")
    if candidate.consented_at:
        raise BallotError(f"{candidate.name} has already consented, on "
                          f"{_day(candidate.consented_at)}.")
    if signed_on > timezone.localdate(now):
        raise BallotError("The form cannot have been signed after today.", field="signed_on")
    witness = " ".join(witness.split())
    if not witness:
        raise BallotError("Give the name of the person who witnessed the signature.",
                          field="witness")
    if witness.casefold() == candidate.name.casefold():
        raise BallotError("A candidate cannot witness their own signature.", field="witness")
    statement = statement.strip()
    if len(statement) > contest.statement_limit:
        raise BallotError(f"The statement is {len(statement):,} characters long; the limit is "
                          f"{contest.statement_limit:,}.", field="statement")
    fields = ["consented_at", "consent_signed_on", "consent_witness", "statement"]
    if scan is not None:
        suffix = _check_scan(scan)
        candidate.consent_scan.save(f"consent.{suffix}", scan, save=False)
        fields.append("consent_scan")
    candidate.consented_at = now
    candidate.consent_signed_on = signed_on
    candidate.consent_witness = witness[:200]
    candidate.statement = statement
    candidate.save(update_fields=fields)
    audit.record(contest.society, actor, "candidate.consented_on_paper", candidate,
                 {"contest": str(contest.public_id), "signed_on": signed_on.isoformat(),
                  "witness": candidate.consent_witness, "scan": scan is not None,
                  "statement_characters": len(statement)})
    return candidate


@transaction.atomic
def consent_to_stand(*, actor, candidate: Candidate, member: Member, statement: str
                     ) -> Candidate:
    candidate = Candidate.objects.select_for_update(of=("self",)).get(pk=candidate.pk)
    contest = candidate.contest
    if candidate.member_id != member.pk:
        raise BallotError("Only the candidate can consent to stand.")
    if contest.state != ContestState.DRAFT or timezone.now() >= contest.voting_opens:
        raise BallotError("It is too late to consent or change the statement.")
    if candidate.withdrawn_at:
        raise BallotError("You have withdrawn from this contest.")
    statement = statement.strip()
    if len(statement) > contest.statement_limit:
        raise BallotError(f"The statement is {len(statement)} characters long; the limit is "
                          f"{contest.statement_limit}.")
    first = candidate.consented_at is None
    candidate.consented_at = candidate.consented_at or timezone.now()
    candidate.statement = statement
    candidate.save(update_fields=["consented_at", "statement"])
    audit.record(contest.society, actor, "candidate.consented" if first
                 else "candidate.statement_changed", candidate, {"contest": str(contest.public_id)})
    return candidate


@transaction.atomic
def withdraw_candidate(*, actor, candidate: Candidate) -> Candidate:
    candidate = Candidate.objects.select_for_update(of=("self",)).get(pk=candidate.pk)
    contest = candidate.contest
    deadline = contest.withdrawal_deadline or contest.voting_opens
    if contest.state != ContestState.DRAFT or timezone.now() >= deadline:
        raise BallotError("The deadline for withdrawing has passed.")
    if candidate.withdrawn_at:
        raise BallotError("That candidate has already withdrawn.")
    candidate.withdrawn_at = timezone.now()
    candidate.save(update_fields=["withdrawn_at"])
    audit.record(contest.society, actor, "candidate.withdrawn", candidate,
                 {"contest": str(contest.public_id)})
    return candidate


@transaction.atomic
def declare_unopposed(*, actor, contest: Contest) -> Contest:
    """Candidates do not exceed seats: they are elected without a poll."""
    contest = _locked(contest)
    if contest.state != ContestState.DRAFT or contest.is_resolution:
        raise BallotError("Only a contest still being prepared can be declared unopposed.")
    if contest.nominations_close and timezone.now() < contest.nominations_close:
        raise BallotError("Nominations are still open.")
    standing = list(contest.standing().select_related("member"))
    if len(standing) > contest.seats:
        raise BallotError(f"{counted(len(standing), 'candidate stands', 'candidates stand')} "
                          f"for {counted(contest.seats, 'seat')}: a poll is needed.")
    names = [c.name for c in standing]
    contest.state = ContestState.UNOPPOSED
    contest.result = {"unopposed": True, "elected": names, "seats": contest.seats,
                      "method": contest.method}
    contest.published_at = timezone.now()
    contest.save(update_fields=["state", "result", "published_at"])
    audit.record(contest.society, actor, "contest.declared_unopposed", contest,
                 {"elected": names})
    return contest


# Casting


def ballot_candidates(contest: Contest) -> list[Candidate]:
    return list(contest.standing().select_related("member"))


class StandingCandidate(NamedTuple):
    public_id: str
    number: int


# Standing candidates of contests past nominations, by contest public id (random, so never
# shared between contests or societies). A contest leaves DRAFT once and never returns, and
# nominating, consenting and withdrawing all require DRAFT, so the list is final by then.
_STANDING: dict[str, tuple[StandingCandidate, ...]] = {}
_STANDING_MAX = 512


def standing_after_nominations(contest: Contest) -> tuple[StandingCandidate, ...]:
    """The contest's standing candidates, read once per process; call only once the contest
    is known to be past DRAFT in the database (casting calls it after claiming the roll
    entry of an open poll)."""
    key = str(contest.public_id)
    found = _STANDING.get(key)
    if found is None:
        found = tuple(StandingCandidate(str(public_id), number) for public_id, number
                      in contest.standing().values_list("public_id", "number"))
        if len(_STANDING) >= _STANDING_MAX:
            _STANDING.clear()
        _STANDING[key] = found
    return found


def canonical_choices(contest: Contest, choices, candidates=None) -> str:
    """Check a ballot against the contest and return its canonical stored text.

    Ranked: candidate public ids (str) in preference order. Marks: candidate public ids.
    Resolution: "for", "against" or "abstain". Raises BallotError for anything else.
    """
    if contest.is_resolution:
        if choices not in RESOLUTION_ANSWERS:
            raise BallotError("Choose for, against or abstain.")
        return choices
    if isinstance(choices, str) or not isinstance(choices, (list, tuple)):
        raise BallotError("That ballot could not be read.")
    if candidates is None:
        by_id = {str(public_id): number for public_id, number
                 in contest.standing().values_list("public_id", "number")}
    else:
        by_id = {str(c.public_id): c.number for c in candidates}
    numbers = []
    for choice in choices:
        number = by_id.get(str(choice))
        if number is None:
            raise BallotError("The ballot names someone who is not a candidate in this contest.")
        numbers.append(number)
    if len(set(numbers)) != len(numbers):
        raise BallotError("The ballot gives a candidate more than one preference or mark.")
    if contest.method in RANKED_METHODS:
        return ",".join(map(str, numbers))
    if contest.method in MARK_METHODS and len(numbers) > contest.max_marks:
        raise BallotError(f"The ballot has {len(numbers)} marks; at most {contest.max_marks} "
                          "are allowed.")
    return ",".join(map(str, sorted(numbers)))


def voting_is_open(contest: Contest, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (contest.state == ContestState.OPEN
            and contest.voting_opens <= now < contest.voting_closes)


def _refusal(contest: Contest, member: Member, now: datetime) -> str | None:
    """Why `member` may not vote in `contest` now, in the order a voter should hear it, or
    None if their roll entry could be claimed."""
    entry = (VoterRollEntry.objects.select_related("contest")
             .filter(contest_id=contest.pk, member_id=member.pk).first())
    return _entry_refusal(contest, entry, now)


def _entry_refusal(contest: Contest, entry: VoterRollEntry | None, now: datetime) -> str | None:
    """`_refusal` for a roll entry already read with its contest (None: not on the roll)."""
    if not voting_is_open(entry.contest if entry else Contest.objects.get(pk=contest.pk), now):
        return "Voting in this contest is not open: your ballot was not recorded."
    if entry is None:
        return "You are not on the roll for this contest."
    if entry.voted_on is not None:
        return "You have already voted in this contest."
    return None


def cast_ballot(*, actor, contest: Contest, member: Member, choices) -> str:
    """Cast `member`'s ballot in `contest` and return its receipt code (DESIGN §6).

    Check the ballot; then, in one transaction, claim the roll entry while the poll is open
    and, only if that claimed it, store the ballot by a statement of its own — all or
    nothing. The roll entry keeps the day of the vote and the channel; the ballot row carries
    no member, user, time or channel. No audit entry is written per vote: the close records
    how many voted, by channel (`close_voting`). `actor`, the voter's user, is not stored.
    """
    now = timezone.now()
    try:
        # The cached candidate list is final once the contest has left DRAFT (it never
        # returns there); a contest read as DRAFT cannot be claimed anyway.
        standing = (standing_after_nominations(contest)
                    if contest.state != ContestState.DRAFT else None)
        text = canonical_choices(contest, choices, standing)
    except BallotError:
        # Someone who may not vote hears that first, whatever their ballot says.
        refusal = _refusal(contest, member, now)
        if refusal:
            raise BallotError(refusal) from None
        raise
    if contest.box_id is not None:
        return _cast_encrypted(contest, member, text, now)
    ballot = CastBallot(society_id=contest.society_id, contest=contest, choices=text)
    if not _claim_then_insert(contest, member, now, ballot):
        raise BallotError(_refusal(contest, member, now)
                          or "You have already voted in this contest.")
    return ballot.receipt


def _cast_encrypted(contest: Contest, member: Member, text: str, now: datetime) -> str:
    """Cast into the contest's ballot box and return the ballot's tracker (ballots/boxed.py).

    The ballot is encrypted with the member's credential and checked first, outside any
    transaction (a third of a second of the tool's time); then, in one transaction, the
    roll entry is claimed and the encrypted ballot stored, by two statements — all or
    nothing, as for plain-text ballots."""
    entry = (VoterRollEntry.objects.select_related("contest")
             .filter(contest_id=contest.pk, member_id=member.pk).first())
    refusal = _entry_refusal(contest, entry, now)
    if refusal:
        raise BallotError(refusal)
    numbers = [c.number for c in sorted(standing_after_nominations(contest),
                                        key=lambda c: c.number)]
    try:
        checked = boxed.prepare(contest, entry.credential, text, numbers)
    except (boxed.BoxError, boxed.BallotRefused) as error:
        raise BallotError(f"{boxed.refused(error)} Your ballot was not recorded.") from None
    except boxed.BeleniosError:
        log.exception("a ballot of contest %s could not be encrypted", contest.public_id)
        raise BallotError("Your ballot could not be encrypted, so it was not recorded. Please "
                          "try again in a moment.") from None
    try:
        with transaction.atomic():
            if not _claim_online(contest, member, now):
                raise BallotError(_refusal(contest, member, now)
                                  or "You have already voted in this contest.")
            return boxed.store(contest, checked)
    except boxed.BallotRefused as error:
        raise BallotError(f"{error.message} Your ballot was not recorded.") from None


def _claim_online(contest: Contest, member: Member, now: datetime) -> bool:
    """Claim `member`'s roll entry in `contest` for an online vote now (ballots.sql)."""
    return ballot_sql.claim_online(contest=contest, member_id=member.pk,
                                   on_day=timezone.localdate(now), channel=Channel.ONLINE.value,
                                   state=ContestState.OPEN.value, now=now)


def _claim_then_insert(contest: Contest, member: Member, now: datetime,
                       ballot: CastBallot) -> bool:
    """Claim the roll entry and, only if it was claimed, insert the ballot; True if claimed.

    Two statements in one transaction, the claim first: the mark of who voted and the ballot
    are never written by the same statement (DESIGN §6), and either both are kept or
    neither. Of two casts at once, the second's claim waits on the first's row lock, then
    finds the entry voted and stores nothing."""
    with transaction.atomic():
        if not _claim_online(contest, member, now):
            return False
        ballot.save(force_insert=True)
    return True


# Paper ballots


def claim_for_paper(entry: VoterRollEntry) -> bool:
    """Mark `entry` voted on paper, today, if it has not voted in any way; True if it was.
    The conditional UPDATE has the last word over an online vote or another paper at once."""
    return VoterRollEntry.objects.filter(pk=entry.pk, voted_on__isnull=True).update(
        voted_on=timezone.localdate(), channel=Channel.PAPER) == 1


@transaction.atomic
def strike_off_paper(*, actor, contest: Contest, member: Member) -> VoterRollEntry:
    """Mark a roll entry as voted on paper; refused if the member has voted in any way."""
    contest = Contest.objects.get(pk=contest.pk)
    if contest.state not in (ContestState.OPEN, ContestState.CLOSED):
        raise BallotError("Paper ballots can only be struck off while the roll is in use.")
    entry = (VoterRollEntry.objects.select_for_update(of=("self",))
             .filter(contest=contest, member=member).first())
    if entry is None:
        raise BallotError(f"{member.full_name} is not on the roll for this contest.")
    if not claim_for_paper(entry):
        raise BallotError(f"{member.full_name} has already voted in this contest.")
    audit.record(contest.society, actor, "ballot.struck_off", contest,
                 {"member": member.member_number, "channel": Channel.PAPER})
    return entry


@transaction.atomic
def enter_paper_ballots(*, actor, contest: Contest, label: str, ballots: list,
                        spoilt: dict | None = None) -> PaperBatch:
    """Enter a batch of paper ballots (each as `cast_ballot` takes choices); receipts are made
    for them too, so the published list covers every ballot counted. `spoilt` counts the
    batch's spoilt papers by reason (SpoiltReason): kept as counts, never counted as votes."""
    contest = _locked(contest)
    if contest.state not in (ContestState.OPEN, ContestState.CLOSED):
        raise BallotError("Paper ballots can only be entered while voting is open or before "
                          "the count.")
    spoilt = {reason: n for reason, n in (spoilt or {}).items() if n}
    if any(reason not in SpoiltReason.values or n < 0 for reason, n in spoilt.items()):
        raise BallotError("Spoilt papers are counted by one of the listed reasons, each a "
                          "whole number of papers.")
    if not ballots and not spoilt:
        raise BallotError("The batch has no ballots.")
    struck = contest.roll.filter(channel=Channel.PAPER).count()
    entered = sum(contest.paper_batches.values_list("ballots", flat=True))
    entered += sum(SpoiltPapers.objects.filter(batch__contest=contest)
                   .values_list("papers", flat=True))
    if entered + len(ballots) + sum(spoilt.values()) > struck:
        already = counted(entered, "paper is", "papers are")
        size = len(ballots) + sum(spoilt.values())
        raise BallotError(f"Only {counted(struck, 'member is', 'members are')} struck off as "
                          f"voting on paper and {already} already entered (spoilt ones "
                          f"included): this batch of {size} would be more ballots than "
                          "voters.")
    candidates = ballot_candidates(contest)
    rows = []
    for number, choices in enumerate(ballots, start=1):
        try:
            text = canonical_choices(contest, choices, candidates)
        except BallotError as error:
            raise BallotError(f"Ballot {number} of the batch: {error}") from None
        rows.append(CastBallot(society_id=contest.society_id, contest=contest, choices=text))
    CastBallot.objects.bulk_create(rows)
    batch = PaperBatch.objects.create(society=contest.society, contest=contest,
                                      label=label.strip() or f"Batch {entered + 1}",
                                      ballots=len(rows))
    SpoiltPapers.objects.bulk_create(
        SpoiltPapers(society_id=contest.society_id, batch=batch, reason=reason, papers=n)
        for reason, n in spoilt.items())
    audit.record(contest.society, actor, "ballot.paper_batch_entered", batch,
                 {"contest": str(contest.public_id), "ballots": len(rows),
                  "spoilt": sum(spoilt.values()), "spoilt_reasons": spoilt})
    return batch


# Counting and the result


def _decrypted(contest: Contest) -> tuple[list[str], int]:
    """The contest's box's decrypted ballots and how many were invalid (boxed.decrypted);
    BallotError until the box's result is in."""
    try:
        return boxed.decrypted(contest)
    except boxed.BoxError as error:
        raise BallotError(str(error)) from None


def grouped_ballots(contest: Contest, decrypted: list[str] | None = None
                    ) -> list[tuple[str, int]]:
    """Identical ballots grouped: (choices, how many). The stored ones (all of them, or the
    paper ones of a contest with a ballot box) grouped by the database, and a contest's box's
    decrypted ballots (`decrypted`, read from the box when not given) added to them."""
    rows = list(CastBallot.objects.filter(contest=contest).values("choices")
                .annotate(n=Count("id")).order_by("choices").values_list("choices", "n"))
    if contest.box_id is None:
        return rows
    totals = dict(rows)
    for text in _decrypted(contest)[0] if decrypted is None else decrypted:
        totals[text] = totals.get(text, 0) + 1
    return sorted(totals.items())


# The published lists (docs/elections.md, Verification): the receipt codes, and apart from
# them the anonymous ballots; neither says which code goes with which ballot. Each is one line
# per ballot, sorted in byte order (what `LC_ALL=C sort` gives), so anyone can rebuild it.
BLANK_BALLOT = "-"


def _joined(lines, size: int = 10000):
    """`lines` joined into pieces of `size` lines, for hashing and streaming."""
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def receipt_codes(contest: Contest):
    """The receipt codes of the contest's ballots, in the published list's order, read in
    chunks as they are iterated: with a ballot box, the online ballots' trackers and the paper
    ballots' receipt codes. The queries are built at once, in the caller's society scope."""
    codes = (CastBallot.objects.filter(contest=contest).order_by(bytewise("receipt"))
             .values_list("receipt", flat=True))
    if contest.box_id is not None:
        return boxed.codes_with_trackers(contest, codes)
    return codes.iterator(chunk_size=10000)


def receipt_list(contest: Contest):
    """The published list of receipt codes, in pieces of text: one line per ballot counted,
    sorted. The query is built at once, in the caller's society scope, and run as the pieces
    are read (a streamed response is sent after the scope has ended)."""
    return _joined(f"{code}\n" for code in receipt_codes(contest))


RECEIPT_SHAPE = re.compile(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}")


def normal_code(code: str) -> str:
    """A code as typed, as it is listed: a receipt code in capitals; a ballot tracker
    (base64, where case matters) as it is."""
    code = code.strip()
    return code.upper() if RECEIPT_SHAPE.fullmatch(code.upper()) else code


def code_counted(contest: Contest, code: str) -> bool:
    """Whether a ballot with this receipt code (or, with a ballot box, tracker) was counted."""
    if contest.box_id is not None and boxed.has_tracker(contest, code):
        return True
    return CastBallot.objects.filter(contest=contest, receipt=code).exists()


def ballot_line(choices: str) -> str:
    """A ballot as the published list writes it: its canonical text, "-" when blank."""
    return choices or BLANK_BALLOT


def sorted_ballots(contest: Contest, grouped=None) -> list[tuple[str, int]]:
    """The anonymous ballots as (published line, how many), in the published list's order."""
    rows = grouped if grouped is not None else grouped_ballots(contest)
    return sorted((ballot_line(choices), n) for choices, n in rows)


def ballot_list(contest: Contest, grouped=None):
    """The published list of the anonymous ballots, in pieces of text: one line per ballot,
    sorted; identical ballots are adjacent, so each group is one piece. Read from the
    database at once, in the caller's society scope."""
    return (f"{line}\n" * n for line, n in sorted_ballots(contest, grouped))


def ballot_set_hash(contest: Contest, grouped=None) -> str:
    """SHA-256 of the receipt list followed by the ballot list, as published: what
    `cat receipts.txt ballots.txt | sha256sum` prints."""
    digest = hashlib.sha256()
    for piece in receipt_list(contest):
        digest.update(piece.encode())
    for piece in ballot_list(contest, grouped):
        digest.update(piece.encode())
    return digest.hexdigest()


def engine_candidates(contest: Contest) -> tuple[list[Candidate], list[str], list[int]]:
    """Every consented candidate in ballot-number order, unique names, withdrawn indices."""
    candidates = list(contest.candidates.filter(consented_at__isnull=False)
                      .select_related("member").order_by("number"))
    names, seen = [], set()
    for c in candidates:
        name = c.name if c.name not in seen else f"{c.name} (no. {c.member.member_number})"
        seen.add(name)
        names.append(name)
    withdrawn = [i for i, c in enumerate(candidates) if c.withdrawn_at]
    return candidates, names, withdrawn


def engine_election(contest: Contest, grouped=None) -> Election:
    candidates, names, withdrawn = engine_candidates(contest)
    index = {c.number: i for i, c in enumerate(candidates)}
    ballots = {}
    for choices, n in grouped if grouped is not None else grouped_ballots(contest):
        prefs = tuple(index[int(x)] for x in choices.split(",")) if choices else ()
        ballots[prefs] = ballots.get(prefs, 0) + n
    return Election(names, ballots, seats=contest.seats, withdrawn=withdrawn,
                    title=str(contest))


def compute_result(contest: Contest, grouped=None) -> tuple[dict, str, int]:
    """Count the contest's stored ballots (`grouped`, if read already): (result dict, report
    text, ballots counted).

    Raises `LotRequired` when the count needs a lot and the contest has no seed."""
    grouped = grouped if grouped is not None else grouped_ballots(contest)
    total = sum(n for _, n in grouped)
    if contest.is_resolution:
        channels, casting_vote = {outcomes.BALLOT: _answers(grouped)}, None
        for tally in contest.tallies.all():
            channels[tally.source] = {"for": tally.votes_for, "against": tally.votes_against,
                                      "abstain": tally.abstentions}
            casting_vote = casting_vote or tally.casting_vote or None
        outcome = resolution_outcome(contest, channels, casting_vote=casting_vote)
        return outcomes.result_record(channels, outcome), outcome.explanation, total
    election = engine_election(contest, grouped)
    outcome = count(contest.method, election, seats=contest.seats, seed=contest.seed or None)
    result, report = outcome.to_dict(), outcome.report()
    if any(tie.rule == "lot" for tie in outcome.tie_breaks):
        check = lot_outcomes(contest.method, election, contest.seats,
                             limit=lot_check_limit(election))
        result["lot_check"] = check.to_dict()
        report += f"\n{check.sentence()}\n"
    return result, report, total


# A resolution decided at a general meeting: its advance votes, the meeting's votes and the
# outcome of them all, which the ballot box owns (docs/architecture.md, "One owner for each
# outcome"); boards asks for them here.

ADVANCE_VOTING_DONE = (ContestState.CLOSED, ContestState.COUNTED, ContestState.SIGNED,
                       ContestState.PUBLISHED)


def _answers(grouped) -> dict[str, int]:
    votes = dict.fromkeys(RESOLUTION_ANSWERS, 0)
    for choices, n in grouped:
        if choices in votes:
            votes[choices] += n
    return votes


def advance_votes(contest: Contest) -> dict[str, int]:
    """A resolution's ballots cast ahead of its meeting (online and on paper), once advance
    voting has closed: {"for": n, "against": n, "abstain": n}; nothing for one never opened."""
    if contest.state == ContestState.DRAFT:
        return dict.fromkeys(RESOLUTION_ANSWERS, 0)
    if contest.state not in ADVANCE_VOTING_DONE:
        raise BallotError(f"Advance voting on {contest.title!r} is still open: it must close "
                          "before the meeting votes.")
    try:
        grouped = grouped_ballots(contest)
    except BallotError as error:  # a ballot box whose trustees have not decrypted it yet
        raise BallotError(f"The advance votes on {contest.title!r} cannot be read yet: "
                          f"{error}") from None
    return _answers(grouped)


def resolution_outcome(contest: Contest, channels: dict, *, casting_vote: str | None = None):
    """The outcome of the resolution from the votes of every channel, by its kind and
    fraction: the one rule (ballots.outcomes.decide) for the meeting and the count alike."""
    return outcomes.decide(
        channels, kind=contest.resolution_kind or ResolutionKind.ORDINARY,
        fraction=Fraction(contest.fraction_numerator, contest.fraction_denominator),
        casting_vote=casting_vote)


def record_meeting_votes(contest: Contest, *, proxy: dict, room: dict,
                         casting_vote: str | None = None) -> Contest:
    """Keep the meeting's votes on a resolution (the proxies, the room and any casting vote
    of the chair) as the contest's tallies in force, and bring a counted result up to date
    with them, so the result shows the meeting's decision. Runs inside the meeting's
    service, whose audit entry records these figures (and the ones they replace). Refused
    once the result is published: what members were told is not changed afterwards."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_meeting_votes runs inside the meeting's transaction.")
    contest = _locked(contest)
    if not contest.is_resolution:
        raise BallotError("Only a resolution is voted on at a meeting.")
    if contest.state == ContestState.PUBLISHED:
        raise BallotError(f"The result on {contest.title!r} was published to the members on "
                          f"{timezone.localtime(contest.published_at):%d %B %Y}: it is not "
                          "changed now. A later meeting may decide the matter again.")
    for source, figures in ((ResolutionTally.Source.PROXY, proxy),
                            (ResolutionTally.Source.MEETING, room)):
        ResolutionTally.objects.update_or_create(
            society=contest.society, contest=contest, source=source,
            defaults={"votes_for": figures.get("for", 0),
                      "votes_against": figures.get("against", 0),
                      "abstentions": figures.get("abstain", 0),
                      "casting_vote": (casting_vote or "")
                      if source == ResolutionTally.Source.MEETING else ""})
    if contest.state in (ContestState.COUNTED, ContestState.SIGNED):
        _refresh_resolution_result(contest)
    return contest


def _invalid_note(invalid: int) -> str:
    if not invalid:
        return ""
    were = "was" if invalid == 1 else "were"
    return (f"\n{counted(invalid, 'ballot')} from the ballot box decrypted to a ranking this "
            "contest does not allow (a rank given twice, or more marks than allowed) and "
            f"{were} not counted.\n")


def _refresh_resolution_result(contest: Contest) -> None:
    """The counted result again with the tallies in force (the ballots are unchanged)."""
    result, report, _ = compute_result(contest)
    if "invalid_decrypted" in (contest.result or {}):
        result["invalid_decrypted"] = contest.result["invalid_decrypted"]
        report += _invalid_note(result["invalid_decrypted"])
    contest.result, contest.report_text = result, report
    contest.save(update_fields=["result", "report_text"])


def decided_at_meeting(contest: Contest) -> bool:
    """Whether the meeting whose agenda carries this resolution has voted on it."""
    return contest.tallies.filter(source=ResolutionTally.Source.MEETING).exists()


# Recounting for every way the lots could fall costs one count each: about 2,000,000 distinct
# rankings' worth of counting (a second or two) at most, and never fewer than two counts.
LOT_CHECK_WORK = 2_000_000


def lot_check_limit(election: Election) -> int:
    return max(2, min(64, LOT_CHECK_WORK // max(1, len(election.ballots))))


RESULT_FIELDS = ["result", "report_text", "ballots_counted", "ballot_set_hash", "count_error",
                 "lot_needed", "state", "seed_used_at"]


@transaction.atomic
def count_contest(*, actor, contest: Contest) -> Contest:
    """Count a closed contest and keep the report, the ballot-set hash and the figures.

    A count that cannot finish (it needs a lot and there is no seed, or the engine refuses the
    ballots) leaves the contest closed, with no result, the reason in `count_error` and, for a
    lot, the tie in `lot_needed`; the caller sees that from the contest's state."""
    contest = _locked(contest)
    if contest.state not in (ContestState.CLOSED, ContestState.COUNTED):
        raise BallotError("Only a closed contest can be counted.")
    decrypted, invalid = _decrypted(contest) if contest.box_id is not None else (None, 0)
    grouped = grouped_ballots(contest, decrypted)
    try:
        result, report, total = compute_result(contest, grouped)
    except CountError as error:
        lot = error.to_dict() if isinstance(error, LotRequired) else None
        contest.result, contest.report_text, contest.ballots_counted = None, "", None
        contest.ballot_set_hash = ""
        contest.count_error, contest.lot_needed = str(error), lot
        contest.state = ContestState.CLOSED
        contest.save(update_fields=RESULT_FIELDS)
        audit.record(contest.society, actor, "contest.count_stopped", contest,
                     {"reason": str(error)[:500], "lot_needed": lot})
        return contest
    if contest.box_id is not None:
        result["invalid_decrypted"] = invalid
        report += _invalid_note(invalid)
    contest.result = result
    contest.report_text = report
    contest.ballots_counted = total
    contest.ballot_set_hash = ballot_set_hash(contest, grouped)
    contest.count_error, contest.lot_needed = "", None
    contest.state = ContestState.COUNTED
    if contest.seed_used_at is None and any(t["rule"] == "lot"
                                            for t in result.get("tie_breaks", ())):
        contest.seed_used_at = timezone.now()  # from now on the seed cannot change
    contest.save(update_fields=RESULT_FIELDS)
    audit.record(contest.society, actor, "contest.counted", contest,
                 {"ballots": total, "ballot_set_hash": contest.ballot_set_hash,
                  "seed": contest.seed if contest.seed_used_at else None})
    return contest


@transaction.atomic
def note_count_failure(*, actor, contest: Contest, reason: str) -> Contest:
    """Keep on the contest why a count task failed, so the page says so and offers a way on."""
    contest = _locked(contest)
    if contest.state != ContestState.CLOSED:
        return contest
    contest.count_error = reason
    contest.save(update_fields=["count_error"])
    audit.record(contest.society, actor, "contest.count_failed", contest, {"reason": reason})
    return contest


# Lots: a count stopped on a tie only a lot can break


@transaction.atomic
def resolve_lot(*, actor, contest: Contest, source: str, seed: str = "",
                witness: str = "") -> Contest:
    """Record the seed for the lot a stopped count needs, then count again.

    `source` "published": the seed published before the count, as given; "drawn": a fresh
    random seed drawn here (`seed` is ignored). Either way the seed, who recorded it, when,
    and any witness are kept and shown with the result; once the count has drawn the lot
    from it, it cannot be changed."""
    contest = _locked(contest)
    if contest.state != ContestState.CLOSED or not contest.lot_needed:
        raise BallotError("This count is not waiting for a lot, so there is no seed to record.")
    if contest.seed or contest.seed_used_at:
        raise BallotError(f"The seed {contest.seed} is already recorded for this count and "
                          "cannot be changed.")
    if source == SeedSource.PUBLISHED:
        seed = " ".join(seed.split())
        if not seed:
            raise BallotError("Enter the seed exactly as it was published.")
        if len(seed) > Contest._meta.get_field("seed").max_length:
            raise BallotError("A seed is at most 64 characters.")
    elif source == SeedSource.DRAWN:
        seed = draw_seed()
    else:
        raise BallotError("Choose a published seed or a draw now.")
    witness = " ".join(witness.split())
    contest.seed, contest.seed_source, contest.seed_witness = seed, source, witness
    contest.seed_recorded_by = actor.get_full_name()
    contest.seed_recorded_at = timezone.now()
    contest.save(update_fields=["seed", "seed_source", "seed_witness", "seed_recorded_by",
                                "seed_recorded_at"])
    audit.record(contest.society, actor, "contest.lot_seed_recorded", contest,
                 {"seed": seed, "source": source, "witness": witness,
                  "tie": {k: contest.lot_needed.get(k) for k in ("stage", "purpose",
                                                                  "candidates")}})
    return count_contest(actor=actor, contest=contest)


@transaction.atomic
def sign_off(*, actor, contest: Contest, name: str, on: date) -> Contest:
    contest = _locked(contest)
    if contest.state != ContestState.COUNTED:
        raise BallotError("Only a counted result can be signed off.")
    name = " ".join(name.split())
    if not name:
        raise BallotError("Sign with your name.")
    contest.signed_off_name, contest.signed_off_on = name, on
    contest.signed_off_by = user_or_none(actor)
    contest.state = ContestState.SIGNED
    contest.save(update_fields=["signed_off_name", "signed_off_on", "signed_off_by", "state"])
    audit.record(contest.society, actor, "contest.signed_off", contest,
                 {"name": name, "on": on.isoformat()})
    return contest


def signed_off_by(contest: Contest):
    """Who signed the result off: the contest says, or (signed before it kept that) the
    audit entry of the sign-off."""
    if contest.signed_off_by_id is not None:
        return contest.signed_off_by_id
    from societies.models import AuditEntry

    return (AuditEntry.objects.filter(society=contest.society, action="contest.signed_off",
                                      target_type=Contest._meta.label,
                                      target_id=str(contest.public_id))
            .order_by("-id").values_list("actor_id", flat=True).first())


@transaction.atomic
def cosign_result(*, actor, contest: Contest, name: str, on: date) -> Contest:
    """A scrutineer's co-signature of the result the returning officer signed off. The result
    may be published before or after it; the result certificate waits for both signatures."""
    contest = _locked(contest)
    if contest.state not in (ContestState.SIGNED, ContestState.PUBLISHED) \
            or contest.signed_off_on is None:
        raise BallotError("The returning officer must sign off the result before a scrutineer "
                          "co-signs it.")
    if contest.cosigned_on is not None:
        raise BallotError(f"The result is already co-signed, by {contest.cosigned_name} on "
                          f"{contest.cosigned_on:%d %B %Y}.")
    if actor is not None and actor.pk == signed_off_by(contest):
        raise BallotError("You signed the result off as returning officer: another person, a "
                          "scrutineer, must co-sign it.")
    name = " ".join(name.split())
    if not name:
        raise BallotError("Sign with your name.", field="name")
    if on < contest.signed_off_on:
        raise BallotError("The co-signature cannot be dated before the returning officer "
                          f"signed off, on {contest.signed_off_on:%d %B %Y}.", field="on")
    if on > timezone.localdate():
        raise BallotError("The co-signature cannot be dated in the future.", field="on")
    contest.cosigned_name, contest.cosigned_on, contest.cosigned_by = name, on, actor
    contest.save(update_fields=["cosigned_name", "cosigned_on", "cosigned_by"])
    audit.record(contest.society, actor, "contest.cosigned", contest,
                 {"name": name, "on": on.isoformat()})
    return contest


def has_certificate(contest: Contest) -> bool:
    """The result certificate is issued once the returning officer and a scrutineer have
    both signed the result."""
    return contest.signed_off_on is not None and contest.cosigned_on is not None


@transaction.atomic
def publish_result(*, actor, contest: Contest) -> Contest:
    """Publish the signed-off result, once. A resolution on a general meeting's agenda is
    decided by the meeting: its result is published only after the meeting has voted, and
    is then the meeting's decision, advance votes, proxies and the room together."""
    contest = _locked(contest)
    if contest.state == ContestState.PUBLISHED:
        raise BallotError(f"The result was already published, on "
                          f"{timezone.localtime(contest.published_at):%d %B %Y}.")
    if contest.state != ContestState.SIGNED:
        raise BallotError("The result must be signed off before it is published.")
    meeting = agenda_meeting(contest)
    if meeting and not decided_at_meeting(contest):
        raise BallotError(f"This resolution is decided at the {meeting}: the advance votes "
                          "alone are not its result. Publish it once the meeting has voted, "
                          "when the result counts the advance votes, the proxies and the "
                          "room together.")
    if meeting:
        _refresh_resolution_result(contest)
    contest.state = ContestState.PUBLISHED
    contest.published_at = timezone.now()
    contest.save(update_fields=["state", "published_at"])
    if contest.box_id is not None:
        boxed.publish_record(actor=actor, contest=contest)
    decided = None
    if contest.application_id and contest.is_resolution:
        decided = _decide_application(actor, contest)
    audit.record(contest.society, actor, "contest.published", contest,
                 {"ballots": contest.ballots_counted, "application": decided})
    return contest


def _decide_application(actor, contest: Contest) -> str:
    """Members' vote on an applicant: the published result admits or declines them."""
    from members.models import ApplicationStatus
    from members.services import admit_application, decline_application

    application = contest.application
    if application.status != ApplicationStatus.AWAITING_VOTE:
        return application.status
    today = timezone.localdate()
    reference = f"Members' vote {contest.public_id}"
    if contest.result and contest.result.get("passed"):
        admit_application(actor=actor, application=application, decided_on=today,
                          decision_reference=reference, by_members_vote=True)
        return "admitted"
    decline_application(actor=actor, application=application, decided_on=today,
                        decision_reference=reference, reason="Not carried by the members' vote.")
    return "declined"


@transaction.atomic
def put_application_to_vote(*, actor, application, election: ElectionModel | None,
                            voting_opens, voting_closes, record_date: date) -> Contest:
    """A resolution to admit an applicant awaiting the members' vote, in the election given or
    (None) in a new one of its own, made in the same transaction."""
    from members.models import ApplicationStatus

    if application.status != ApplicationStatus.AWAITING_VOTE:
        raise BallotError("That application is not awaiting a members' vote.")
    if election is None:
        election = create_election(actor=actor, society=application.society,
                                   title=f"Admission of {application.full_name}")
    if election.society_id != application.society_id:
        raise BallotError("That application belongs to another society.")
    contest = Contest(
        society=election.society, election=election, method="resolution",
        title=f"Admission of {application.full_name}", record_date=record_date,
        voting_opens=voting_opens, voting_closes=voting_closes, resolution_kind="ordinary",
        resolution_text=f"That {application.full_name} ({application.reference}) be admitted "
                        f"as a member of the {application.stakeholder_class.name} class.",
        application=application,
    )
    _check_contest(contest)
    contest.save()
    audit.record(election.society, actor, "resolution.proposed", contest,
                 {"method": "resolution", "application": application.reference})
    return contest


def turnout(contest: Contest) -> dict:
    """Numbers only: who has voted is never shown, nor any choice."""
    voted = contest.roll.filter(voted_on__isnull=False).values("channel").annotate(n=Count("id"))
    by_channel = {row["channel"]: row["n"] for row in voted}
    total = sum(by_channel.values())
    size = contest.roll_size or 0
    return {"roll_size": size, "voted": total, "online": by_channel.get(Channel.ONLINE, 0),
            "paper": by_channel.get(Channel.PAPER, 0),
            "percent": (f"{total * 1000 // size / 10:.1f}" if size else "0.0")}


def due_contests(field: str, now: datetime):
    """Contests in every society due for a scheduled step (read across societies)."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        if field == "open":
            qs = Contest.objects.filter(state=ContestState.DRAFT, voting_opens__lte=now)
        elif field == "close":
            qs = Contest.objects.filter(state=ContestState.OPEN, voting_closes__lte=now)
        else:
            qs = Contest.objects.filter(state=ContestState.OPEN, reminders_sent=False,
                                        voting_closes__lte=now + REMINDER_BEFORE,
                                        voting_closes__gt=now)
        return list(qs.values_list("society_id", "pk"))



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
                f"{_moment(due)}, which has passed. Choose fewer days.")
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
    contest = _locked(contest)
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


def _can_be_emailed():
    """Members reminded by email: as `Member.can_be_emailed`, in the database."""
    from members.models import ContactChannel

    return Q(contact_channel=ContactChannel.EMAIL, electronic_consent=True) & ~Q(email="")


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
    contest = _locked(reminder.contest)
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
    members = _not_voted(contest)
    if reminder.days_before <= society.posting_days:
        reminder.too_late_for_post = members.exclude(_can_be_emailed()).count()
        members = members.filter(_can_be_emailed())
    if members.exists():
        notice, _written = _notify_roll_notice(contest, kind="ballots.reminder",
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
