"""What the services and the pages read, with no writes: the meeting whose agenda carries a
resolution, who is eligible and the roll's fingerprint, whether nominations or voting are open
and what stops an opening, the standing candidates, the turnout, the contests due for a
scheduled step, and the sign-offs."""

import hashlib
from datetime import date, datetime
from typing import NamedTuple

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from ballots import boxed
from ballots.models import Candidate, Channel, Contest, ContestState, VoterRollEntry
from ballots.services.common import REMINDER_BEFORE, ROLL_CHUNK
from members.models import Member
from shares.queries import members_paid_at_least


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


def roll_members(contest: Contest):
    """Who goes on the roll: the eligible members, and where the contest gives one vote per
    household, one member of each household (the one it names, else the lowest member
    number); members of no household vote each. Candidates and their proposers are taken
    from all the eligible members."""
    members = eligible_members(contest)
    if not contest.one_vote_per_household:
        return members
    first = members.exclude(household="").annotate(place=Window(
        RowNumber(), partition_by=[F("household")],
        order_by=[F("household_voter").desc(), F("member_number").asc()]))
    return members.filter(Q(household="") | Q(pk__in=first.filter(place=1).values("pk")))


def is_eligible(contest: Contest, member: Member) -> bool:
    if contest.state != ContestState.DRAFT:
        return contest.roll.filter(member=member).exists()
    return roll_members(contest).filter(pk=member.pk).exists()


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


def nominations_are_open(contest: Contest, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (contest.state == ContestState.DRAFT and not contest.is_resolution
            and contest.nominations_open is not None and contest.nominations_close is not None
            and contest.nominations_open <= now < contest.nominations_close)


# Voting


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


def voting_is_open(contest: Contest, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (contest.state == ContestState.OPEN
            and contest.voting_opens <= now < contest.voting_closes)


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


def has_certificate(contest: Contest) -> bool:
    """The result certificate is issued once the returning officer and a scrutineer have
    both signed the result."""
    return contest.signed_off_on is not None and contest.cosigned_on is not None


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
