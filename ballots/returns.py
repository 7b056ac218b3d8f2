"""Returned ballot papers at the returning officer's desk (docs/voting.md).

Each paper's code (or the serial printed beside it) is scanned or typed as it comes back. An
unused code marks its member's roll entry voted on paper, by the same conditional claim as a
strike-off, so an online vote and a paper at once count once. A code already used makes a
tendered paper: set apart, listed, never counted. After the close a paper is recorded as late,
by the day it came, without looking its code up. A code that cannot be read goes on the pile
to check, where a scrutineer's decision is recorded. At a meeting the officer issues a paper
to a member present, which is a paper ballot like a postal one.

None of this ever sees a choice: the papers' choices are entered later in batches
(`services.enter_paper_ballots`), apart from their codes, so no code or member is stored
beside a choice. Nothing here stores the code that was typed, nor the time of day.
"""

from typing import NamedTuple

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from ballots.codes import CodeError, normal_code
from ballots.models import (
    Channel,
    Contest,
    ContestState,
    ReturnedPaper,
    SpoiltPapers,
    SpoiltReason,
    VoterRollEntry,
)
from ballots.services import BallotError, claim_for_paper, voting_is_open
from members.models import Member
from societies import audit

SERIAL_LENGTH = 10
# Papers come back, and are checked, while the roll is in use: until the count.
ROLL_IN_USE = (ContestState.OPEN, ContestState.CLOSED)
AFTER_THE_CLOSE = (ContestState.CLOSED, ContestState.COUNTED, ContestState.SIGNED,
                   ContestState.PUBLISHED)
NOT_A_CODE = ("That is not a valid code or serial for this contest. Check it against the "
              "paper; if it cannot be read, put the paper in the pile to check below.")


def serial(entry: VoterRollEntry) -> str:
    """The serial printed as a barcode on the member's paper, beside their code."""
    return f"{entry.pk:0{SERIAL_LENGTH}d}"


class Returned(NamedTuple):
    """What became of a returned paper: `kind` is "voted", or a ReturnedPaper.Kind."""

    kind: str
    message: str
    paper: ReturnedPaper | None = None


def _contest_for_update(contest: Contest) -> Contest:
    # The close's lock waits for this one: a paper is either in before it, or late. A
    # no-key lock, so an online vote's ballot (whose foreign key share-locks the contest)
    # never waits on it while this waits on the vote's roll entry: that was a deadlock.
    return Contest.objects.select_for_update(of=("self",), no_key=True).get(pk=contest.pk)


def _entry_on_paper(contest: Contest, text: str) -> VoterRollEntry | None:
    """The roll entry a paper's code or serial names, or None; BallotError if what was typed
    cannot be either."""
    # A Code 39 scanner may send the barcode's start and stop characters (*) too.
    typed = "".join(text.split()).replace("-", "").strip("*")
    entries = VoterRollEntry.objects.select_related("member").filter(contest_id=contest.pk)
    if typed.isdigit() and len(typed) == SERIAL_LENGTH:
        return entries.filter(pk=int(typed)).first()
    try:
        code = normal_code(typed)
    except CodeError:
        raise BallotError(NOT_A_CODE, field="paper") from None
    return entries.filter(voting_code=code).first()


def _today():
    return timezone.localdate()


def _record_late(actor, contest: Contest) -> Returned:
    paper = ReturnedPaper.objects.create(
        society_id=contest.society_id, contest=contest, kind=ReturnedPaper.Kind.LATE,
        reason="Returned after the close of the poll.", recorded_on=_today())
    audit.record(contest.society, actor, "ballot.paper_late", contest,
                 {"on": paper.recorded_on.isoformat()})
    return Returned(ReturnedPaper.Kind.LATE,
                    "Voting has closed: the paper is recorded as late and is not counted. "
                    "Keep it with the late papers.", paper)


def _past_the_close(contest: Contest) -> bool:
    """Closed, or open past its closing time (the beat has not closed it yet)."""
    return contest.state in AFTER_THE_CLOSE or (contest.state == ContestState.OPEN
                                                and not voting_is_open(contest))


def _claim_on_roll(contest: Contest, member: Member, already: str) -> VoterRollEntry:
    """Mark `member`'s roll entry voted on paper; BallotError (on the member number field)
    if they are not on the roll, or `already` if they have voted."""
    entry = VoterRollEntry.objects.filter(contest_id=contest.pk, member=member).first()
    if entry is None:
        raise BallotError(f"{member.full_name} is not on the roll for this contest.",
                          field="member_number")
    if not claim_for_paper(entry):
        raise BallotError(f"{member.full_name} has already voted in this contest: {already}",
                          field="member_number")
    return entry


def _check_poll_held(contest: Contest) -> None:
    """BallotError unless the contest's poll is open (the caller has ruled out its close)."""
    if contest.state == ContestState.DRAFT:
        raise BallotError("Returned papers are recorded once voting has opened.")
    if contest.state != ContestState.OPEN:
        raise BallotError("This contest has no poll: no papers are recorded for it.")


@transaction.atomic
def receive_paper(*, actor, contest: Contest, text: str) -> Returned:
    """Record a returned paper by the code or serial on it (scanned or typed).

    While voting is open: an unused code marks its member voted on paper; a used one makes a
    tendered paper, set apart and never counted. After the close: a late paper, by the day,
    the code not looked up (codes are blanked at the close). BallotError, and nothing
    written, for a code that is not one of this contest's."""
    if not (text or "").strip():
        raise BallotError("Scan or type the code or the serial on the paper.", field="paper")
    contest = _contest_for_update(contest)
    if _past_the_close(contest):
        return _record_late(actor, contest)
    _check_poll_held(contest)
    entry = _entry_on_paper(contest, text)
    if entry is None:
        raise BallotError(NOT_A_CODE, field="paper")
    member = entry.member
    if claim_for_paper(entry):
        audit.record(contest.society, actor, "ballot.paper_returned", contest,
                     {"member": member.member_number})
        return Returned("voted", f"Paper of member {member.member_number} "
                                 f"({member.full_name}) received: they are marked as voting "
                                 "on paper. Put the paper with the others for entry.")
    entry.refresh_from_db(fields=["channel"])
    how = "online" if entry.channel == Channel.ONLINE else "on paper"
    paper = ReturnedPaper.objects.create(
        society_id=contest.society_id, contest=contest, kind=ReturnedPaper.Kind.TENDERED,
        member=member, reason=f"The code had already been used {how}.",
        recorded_on=_today())
    audit.record(contest.society, actor, "ballot.paper_tendered", contest,
                 {"member": member.member_number, "used": entry.channel})
    return Returned(ReturnedPaper.Kind.TENDERED,
                    f"Refused: the code of member {member.member_number} "
                    f"({member.full_name}) has already been used {how}. The paper is recorded "
                    "as tendered: keep it apart, with the tendered papers. It is not counted.",
                    paper)


@transaction.atomic
def set_aside_to_check(*, actor, contest: Contest, reason: str) -> ReturnedPaper:
    """Put a paper whose code cannot be read on the pile to check, with why; after the close
    it is a late paper like any other."""
    reason = (reason or "").strip()
    if not reason:
        raise BallotError("Say why the paper needs checking (for example: the code is torn).",
                          field="reason")
    contest = _contest_for_update(contest)
    if _past_the_close(contest):
        raise BallotError("Voting has closed: a paper returned now is late. Scan it, or type "
                          "anything, in the box above to record it as late.")
    _check_poll_held(contest)
    paper = ReturnedPaper.objects.create(
        society_id=contest.society_id, contest=contest, kind=ReturnedPaper.Kind.TO_CHECK,
        reason=reason[:500], recorded_on=_today())
    audit.record(contest.society, actor, "ballot.paper_to_check", contest,
                 {"reason": paper.reason})
    return paper


def _actor_name(actor) -> str:
    return (getattr(actor, "full_name", "") or getattr(actor, "email", "") or "?")[:200]


@transaction.atomic
def decide_paper(*, actor, paper: ReturnedPaper, decision: str, note: str,
                 member: Member | None = None) -> ReturnedPaper:
    """Record the decision on a paper to check. Accepted: the member it is found to be is
    marked voting on paper (refused if they have voted). Rejected: it stays uncounted."""
    note = (note or "").strip()
    if decision not in ReturnedPaper.Decision.values:
        raise BallotError("Choose whether the paper is accepted or rejected.", field="decision")
    if not note:
        raise BallotError("Say why, for the record.", field="note")
    paper = (ReturnedPaper.objects.select_for_update(of=("self",))
             .select_related("contest").get(pk=paper.pk))
    contest = paper.contest
    if paper.kind != ReturnedPaper.Kind.TO_CHECK or paper.decision:
        raise BallotError("This paper has already been decided.")
    if contest.state not in ROLL_IN_USE:
        raise BallotError("The count has been made: papers can no longer be decided.")
    data = {"decision": decision, "note": note[:500]}
    if decision == ReturnedPaper.Decision.ACCEPTED:
        if member is None:
            raise BallotError("Give the member number of the member whose paper it is.",
                              field="member_number")
        _claim_on_roll(contest, member,
                       "the paper cannot be counted. Record it as rejected.")
        paper.member = member
        data["member"] = member.member_number
    paper.decision = decision
    paper.decided_by = _actor_name(actor)
    paper.decided_on = _today()
    paper.decision_note = note[:500]
    paper.save(update_fields=["member", "decision", "decided_by", "decided_on",
                              "decision_note"])
    audit.record(contest.society, actor, "ballot.paper_checked", contest, data)
    return paper


@transaction.atomic
def issue_paper_in_person(*, actor, contest: Contest, member: Member) -> VoterRollEntry:
    """At a general meeting: issue a ballot paper to a member present, marking them voted on
    paper on the roll (their paper is then entered in a batch like a postal one)."""
    contest = _contest_for_update(contest)
    if not voting_is_open(contest):
        raise BallotError("Ballot papers are issued only while voting is open.")
    entry = _claim_on_roll(contest, member, "no paper may be issued to them.")
    audit.record(contest.society, actor, "ballot.paper_issued", contest,
                 {"member": member.member_number})
    return entry


# What the desk and the contest's page show


def desk_figures(contest: Contest) -> dict:
    """The papers set apart, for the desk: to check, decided, tendered, and late by day."""
    papers = ReturnedPaper.objects.filter(contest_id=contest.pk).select_related("member")
    late = (papers.filter(kind=ReturnedPaper.Kind.LATE).values("recorded_on")
            .annotate(papers=Count("id")).order_by("recorded_on"))
    return {
        "to_check": [p for p in papers.filter(kind=ReturnedPaper.Kind.TO_CHECK)
                     if not p.decision],
        "checked": papers.filter(kind=ReturnedPaper.Kind.TO_CHECK).exclude(decision=""),
        "tendered": papers.filter(kind=ReturnedPaper.Kind.TENDERED),
        "late": list(late),
        "late_total": sum(row["papers"] for row in late),
        "paper_voters": contest.roll.filter(channel=Channel.PAPER).count(),
    }


def spoilt_by_reason(contest: Contest) -> list[tuple[str, int]]:
    """How many papers of the contest were spoilt, by reason, in the reasons' order."""
    totals = dict(SpoiltPapers.objects.filter(batch__contest_id=contest.pk)
                  .values("reason").annotate(total=Sum("papers"))
                  .values_list("reason", "total"))
    return [(label, totals[value]) for value, label in SpoiltReason.choices if value in totals]
