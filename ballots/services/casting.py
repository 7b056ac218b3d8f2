"""Casting: a ballot's choices checked and made canonical, an online ballot stored with the
claim of its roll entry in one statement pair, and paper ballots (a member struck off the
roll, a batch of returned papers entered).

No audit entry, log line or message holds a ballot's choices or its receipt."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ballots import boxed
from ballots import sql as ballot_sql
from ballots.models import (
    MARK_METHODS,
    RANKED_METHODS,
    RESOLUTION_ANSWERS,
    CastBallot,
    Channel,
    Contest,
    ContestState,
    PaperBatch,
    SpoiltPapers,
    SpoiltReason,
    VoterRollEntry,
)
from ballots.services.common import BallotError, counted, locked
from ballots.services.reads import ballot_candidates, standing_after_nominations, voting_is_open
from members.models import Member
from societies import audit

log = logging.getLogger(__name__)


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
    contest = locked(contest)
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
