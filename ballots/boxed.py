"""Contests whose online ballots go into a ballot box (the `ballotbox` app, docs/secrecy.md).

A contest with a box keeps no online ballot in plain text: each is encrypted at cast to a key
its trustees share, signed with the voter's credential, shuffled at the close by at least two
parties, and decrypted by the trustees; the decrypted ballots are then counted by our engine
together with the paper ballots, which keep their own path.

The box's one question is a ranking whose answers are the standing candidates in the order of
their ballot-paper numbers (for a resolution: For, Against, Abstain). A ranked contest's
ballot is the ranking; a marks contest's ballot ranks its marked candidates 1, 2, … in number
order (only which are marked counts); a resolution's ranks its one answer. One encoding for
every method: each ballot is decrypted on its own after the shuffles, so the count gets the
same ballots the plain-text path stores.

Functions here take and return plain values and raise `BoxError` or `BallotRefused` with a
sentence a person can act on; `ballots.services` turns them into `BallotError`.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from django.db import transaction

from ballotbox import belenios
from ballotbox import services as box_services
from ballotbox.belenios import BallotRefused, BeleniosError
from ballotbox.models import Box, BoxState, Keeping
from ballotbox.services import BoxError, TrusteeSpec
from ballots.models import RESOLUTION_ANSWERS, Contest, ContestState, VoterRollEntry
from societies import audit

__all__ = ["BallotRefused", "BeleniosError", "BoxError", "TrusteeSpec"]

MIN_TRUSTEES = 3  # the returning officer and at least two others (issue 15)
CREDENTIAL_CHUNK = 2000


def tool_missing() -> str | None:
    """Why ballot boxes cannot be used on this server, or None when they can."""
    try:
        belenios.check_tool()
    except BeleniosError as error:
        return (f"belenios-tool {belenios.TOOL_VERSION} is not installed on this server "
                f"({error.message}); ask its administrators to run "
                "`apt-get install belenios-tool`.")
    return None


def _answers(contest: Contest, numbers: Sequence[int]) -> tuple[str, ...]:
    if contest.is_resolution:
        return tuple(a.capitalize() for a in RESOLUTION_ANSWERS)
    return tuple(f"Candidate {n}" for n in numbers)


def _numbers(contest: Contest) -> list[int]:
    """The standing candidates' ballot-paper numbers, in order: the box's answers."""
    return sorted(contest.standing().values_list("number", flat=True))


def questions(contest: Contest, numbers: Sequence[int] | None = None
              ) -> list[belenios.RankedQuestion]:
    """The box's one question for `contest`. Answers name candidates by their ballot-paper
    number only: the public record then holds no one's name."""
    numbers = _numbers(contest) if numbers is None else numbers
    title = contest.resolution_text[:200] if contest.is_resolution else contest.title
    return [belenios.RankedQuestion(title or str(contest), _answers(contest, numbers))]


def set_up_box(*, actor, contest: Contest, threshold: int, trustees: Sequence[TrusteeSpec],
               server_decrypts: bool = False) -> Box:
    """Give a contest being prepared its ballot box: `trustees` (the returning officer first,
    then at least two others), any `threshold` of whom can decrypt. The trustees then make
    the key (their page: ballotbox:trustee); the poll cannot open before they have.

    Refused when `threshold` or more keys would be kept on the server, unless
    `server_decrypts` says the officer accepts that the server alone could decrypt."""
    with transaction.atomic():
        contest = Contest.objects.select_for_update().get(pk=contest.pk)
        if contest.state != ContestState.DRAFT:
            raise BoxError("A ballot box can only be set up before voting opens.")
        if contest.box_id is not None:
            raise BoxError("This contest already has a ballot box.")
        if len(trustees) < MIN_TRUSTEES:
            raise BoxError(f"A ballot box needs at least {MIN_TRUSTEES} trustees: the "
                           "returning officer and at least two scrutineers.")
        if not 2 <= threshold <= len(trustees):
            raise BoxError(f"The number of trustees needed to decrypt must be between 2 and "
                           f"{len(trustees)}: one trustee alone must never be able to.")
        on_server = sum(1 for t in trustees if t.keeping == Keeping.SERVER)
        if on_server >= threshold and not server_decrypts:
            raise BoxError(f"{on_server} trustees would keep their key on the server and "
                           f"{threshold} can decrypt: the server alone could read every "
                           "ballot. Ask more trustees to keep their key on their own computer.")
        numbers = _numbers(contest)
        if not contest.is_resolution and not numbers:
            numbers = [1]  # the answers are set again from the candidates at the opening
        box = box_services.create_box(
            actor=actor, society=contest.society, name=str(contest)[:200],
            questions=questions(contest, numbers), threshold=threshold, trustees=trustees)
        contest.box = box
        contest.save(update_fields=["box"])
        audit.record(contest.society, actor, "contest.box_set_up", contest,
                     {"box": str(box.public_id), "threshold": threshold,
                      "trustees": [t.name for t in trustees], "on_server": on_server})
    return box


def opening_refusal(contest: Contest) -> str | None:
    """Why the contest's box cannot open yet, or None."""
    if Box.objects.filter(pk=contest.box_id, state=BoxState.KEYS).exists():
        return ("The trustees have not finished making the election key: voting cannot open "
                "until they have (the ballot box's page says who is due).")
    return None


def open_box(*, actor, contest: Contest) -> int:
    """At the opening, inside `open_voting`'s transaction once the roll is frozen: set the
    box's answers from the standing candidates, make one credential per roll entry, keep
    each on its entry for the length of the poll; how many were made."""
    box = Box.objects.get(pk=contest.box_id)
    refusal = opening_refusal(contest)
    if refusal:
        raise BoxError(refusal)
    box_services.set_questions(box=box, questions=questions(contest))
    entries = list(VoterRollEntry.objects.filter(contest=contest).values_list("pk", flat=True))
    if not entries:
        raise BoxError("The roll is empty: nobody could vote.")
    private = box_services.open_box(actor=actor, box=box,
                                    voter_ids=[str(pk) for pk in entries])
    rows = [VoterRollEntry(pk=pk, credential=private[str(pk)]) for pk in entries]
    VoterRollEntry.objects.bulk_update(rows, ["credential"], batch_size=CREDENTIAL_CHUNK)
    del private, rows
    return len(entries)


def close_box(*, actor, contest: Contest) -> None:
    """At the close, inside `close_voting`'s transaction: no more ballots, the private
    credentials forgotten (a member is then linked to nothing in the box), the count of
    the box queued in the worker."""
    VoterRollEntry.objects.filter(contest=contest).exclude(credential="").update(credential="")
    box_services.close_box(actor=actor, box=Box.objects.get(pk=contest.box_id))


def ranks(contest: Contest, text: str, numbers: Sequence[int]) -> list[list[int]]:
    """A canonical ballot text (ballots.services.canonical_choices) as the box's choices."""
    if contest.is_resolution:
        order = [RESOLUTION_ANSWERS.index(text)]
        size = len(RESOLUTION_ANSWERS)
    else:
        index = {number: i for i, number in enumerate(numbers)}
        order = [index[int(n)] for n in text.split(",") if n]
        size = len(numbers)
    return [belenios.ranks_from_preferences(order, size)]


def prepare(contest: Contest, credential: str, text: str, numbers: Sequence[int]
            ) -> belenios.EncryptedBallot:
    """Encrypt and check the ballot `text` with the voter's private credential; no write.
    Done before the casting transaction, so that transaction holds its locks for the
    statements alone."""
    if not credential:
        raise BoxError("Your voting credential is not available: voting in this contest is "
                       "not open.")
    box = Box.objects.get(pk=contest.box_id)
    return box_services.prepare_ballot(box, credential, ranks(contest, text, numbers))


def store(contest: Contest, checked: belenios.EncryptedBallot) -> str:
    """Store a prepared ballot inside the caller's transaction; its tracker."""
    return box_services.store_checked(Box.objects.get(pk=contest.box_id), checked)


def text_of(contest: Contest, preferences: Sequence[int], numbers: Sequence[int]) -> str | None:
    """A decrypted ranking (answer indices in preference order) as a canonical ballot text,
    or None if it is not a ballot this contest allows (reported apart as invalid)."""
    if contest.is_resolution:
        return RESOLUTION_ANSWERS[preferences[0]] if len(preferences) == 1 else None
    chosen = [numbers[i] for i in preferences]
    if contest.is_ranked:
        return ",".join(map(str, chosen))
    if len(chosen) > contest.max_marks:
        return None
    return ",".join(map(str, sorted(chosen)))


def decrypted(contest: Contest) -> tuple[list[str], int]:
    """The box's decrypted ballots as canonical texts, in the shuffled order they came out
    in, and how many decrypted rankings were not ballots this contest allows. BoxError until
    the box's result is in."""
    box = Box.objects.get(pk=contest.box_id)
    if box.state != BoxState.RESULT:
        raise BoxError("The ballot box is still being counted: it waits for the trustees' "
                       "shuffles and partial decryptions (see the ballot box's page).")
    (result,) = box_services.result_of(box)
    numbers = [int(a.removeprefix("Candidate ")) for a in result.question.candidates] \
        if not contest.is_resolution else []
    texts, invalid = [], len(result.invalid)
    for preferences in result.valid:
        text = text_of(contest, preferences, numbers)
        if text is None:
            invalid += 1
        else:
            texts.append(text)
    return texts, invalid


def publish_record(*, actor, contest: Contest) -> None:
    """With the contest's result: everyone with a vote can download the box's record."""
    box_services.publish_record(actor=actor, box=Box.objects.get(pk=contest.box_id))


def has_tracker(contest: Contest, tracker: str) -> bool:
    return box_services.has_tracker(Box.objects.get(pk=contest.box_id), tracker)


def codes_with_trackers(contest: Contest, receipts):
    """The published list's codes for a contest with a box: the online ballots' trackers and
    the paper ballots' receipt codes (`receipts`, sorted bytewise), merged in byte order."""
    trackers = box_services.trackers(Box.objects.get(pk=contest.box_id))
    return heapq.merge(trackers.iterator(chunk_size=10000), receipts.iterator(chunk_size=10000),
                       key=lambda code: code.encode())


def box_of(contest: Contest) -> Box | None:
    return Box.objects.filter(pk=contest.box_id).first() if contest.box_id else None


def refused(error: BallotRefused | BoxError) -> str:
    return error.message if isinstance(error, BallotRefused) else str(error)
