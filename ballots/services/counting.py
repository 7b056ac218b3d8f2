"""The count: counting a closed contest, a count that failed, and a tie resolved by lot."""


from django.db import transaction
from django.utils import timezone

from ballots.models import Contest, ContestState, SeedSource
from ballots.services.common import BallotError, locked
from ballots.services.results import (
    ballot_set_hash,
    compute_result,
    decrypted_ballots,
    grouped_ballots,
    invalid_note,
)
from counting import CountError, LotRequired, draw_seed
from societies import audit

RESULT_FIELDS = ["result", "report_text", "ballots_counted", "ballot_set_hash", "count_error",
                 "lot_needed", "state", "seed_used_at"]


@transaction.atomic
def count_contest(*, actor, contest: Contest) -> Contest:
    """Count a closed contest and keep the report, the ballot-set hash and the figures.

    A count that cannot finish (it needs a lot and there is no seed, or the engine refuses the
    ballots) leaves the contest closed, with no result, the reason in `count_error` and, for a
    lot, the tie in `lot_needed`; the caller sees that from the contest's state."""
    contest = locked(contest)
    if contest.state not in (ContestState.CLOSED, ContestState.COUNTED):
        raise BallotError("Only a closed contest can be counted.")
    decrypted, invalid = decrypted_ballots(contest) if contest.box_id is not None else (None, 0)
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
        report += invalid_note(invalid)
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
    contest = locked(contest)
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
    contest = locked(contest)
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
