"""A resolution's votes at its general meeting, kept as the contest's tallies, and a counted
result brought up to date with them (`refresh_resolution_result`)."""


from django.db import transaction
from django.utils import timezone

from ballots.models import Contest, ContestState, ResolutionTally
from ballots.services.common import BallotError, locked
from ballots.services.results import compute_result, invalid_note


def record_meeting_votes(contest: Contest, *, proxy: dict, room: dict,
                         casting_vote: str | None = None) -> Contest:
    """Keep the meeting's votes on a resolution (the proxies, the room and any casting vote
    of the chair) as the contest's tallies in force, and bring a counted result up to date
    with them, so the result shows the meeting's decision. Runs inside the meeting's
    service, whose audit entry records these figures (and the ones they replace). Refused
    once the result is published: what members were told is not changed afterwards."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_meeting_votes runs inside the meeting's transaction.")
    contest = locked(contest)
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
        refresh_resolution_result(contest)
    return contest


def refresh_resolution_result(contest: Contest) -> None:
    """The counted result again with the tallies in force (the ballots are unchanged)."""
    result, report, _ = compute_result(contest)
    if "invalid_decrypted" in (contest.result or {}):
        result["invalid_decrypted"] = contest.result["invalid_decrypted"]
        report += invalid_note(result["invalid_decrypted"])
    contest.result, contest.report_text = result, report
    contest.save(update_fields=["result", "report_text"])
