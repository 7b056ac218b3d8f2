"""The count computed, with no writes: the ballots grouped (the stored ones and a box's
decrypted ones), the published lists (receipt codes and anonymous ballots) and their hash,
the counting engine's election and result, a resolution's advance votes and its outcome, and
how many ways a lot may fall."""

import hashlib
import re
from fractions import Fraction

from django.db.models import Count

from ballots import boxed, outcomes
from ballots.models import (
    RESOLUTION_ANSWERS,
    Candidate,
    CastBallot,
    Contest,
    ContestState,
    ResolutionKind,
    ResolutionTally,
)
from ballots.services.common import BallotError, counted
from config.rows import bytewise
from counting import Election, count, lot_outcomes

# Counting and the result


def decrypted_ballots(contest: Contest) -> tuple[list[str], int]:
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
    for text in decrypted_ballots(contest)[0] if decrypted is None else decrypted:
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


def invalid_note(invalid: int) -> str:
    if not invalid:
        return ""
    were = "was" if invalid == 1 else "were"
    return (f"\n{counted(invalid, 'ballot')} from the ballot box decrypted to a ranking this "
            "contest does not allow (a rank given twice, or more marks than allowed) and "
            f"{were} not counted.\n")


def decided_at_meeting(contest: Contest) -> bool:
    """Whether the meeting whose agenda carries this resolution has voted on it."""
    return contest.tallies.filter(source=ResolutionTally.Source.MEETING).exists()


# Recounting for every way the lots could fall costs one count each: about 2,000,000 distinct
# rankings' worth of counting (a second or two) at most, and never fewer than two counts.
LOT_CHECK_WORK = 2_000_000


def lot_check_limit(election: Election) -> int:
    return max(2, min(64, LOT_CHECK_WORK // max(1, len(election.ballots))))
