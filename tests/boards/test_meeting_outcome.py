"""One owner for a resolution's outcome: the ballot box keeps the tallies and works out the
result from the advance votes, the proxies and the room, once; the meeting's decision and the
published result are that one result, and it is published once, after the meeting."""

import pytest
from django.urls import reverse
from django.utils import timezone

from ballots import services as ballot_services
from ballots.models import ContestState, ResolutionTally
from ballots.services import BallotError
from boards import services
from boards.models import Decision
from boards.services import BoardError
from tests.boards.conftest import open_and_vote


def officer(agm):
    return agm.board_world.world.users["returning_officer"]


def count_and_sign(agm):
    contest = ballot_services.count_contest(actor=officer(agm), contest=agm.contest)
    return ballot_services.sign_off(actor=officer(agm), contest=contest, name="Rita Officer",
                                    on=timezone.localdate())


def attend(agm, members):
    services.record_attendance_many(actor=agm.secretary, meeting=agm.meeting, members=members,
                                    mode="in_person", today=agm.meeting.held_on)


def take_vote(agm, **figures):
    return services.vote_on_resolution(actor=agm.secretary, item=agm.item,
                                       today=agm.meeting.held_on, **figures)


@pytest.fixture
def agm(agm_world):
    """Advance voting on the special resolution: two for, one against; then counted and
    signed off, before the meeting."""
    member, board_member = agm_world.member("member"), agm_world.member("board_member")
    secretary = agm_world.member("secretary")
    open_and_vote(agm_world, {member: "for", board_member: "for", secretary: "against"})
    count_and_sign(agm_world)
    return agm_world


def test_the_advance_votes_alone_are_not_published_for_a_resolution_the_meeting_decides(
        agm, audit_entries):
    before = len(audit_entries(agm.society))
    with pytest.raises(BallotError, match="decided at the Annual general meeting.*Publish it "
                                          "once the meeting has voted"):
        ballot_services.publish_result(actor=officer(agm), contest=agm.contest)
    agm.contest.refresh_from_db()
    assert agm.contest.state == ContestState.SIGNED and agm.contest.published_at is None
    assert len(audit_entries(agm.society)) == before


def test_the_published_result_is_the_meetings_decision(agm, audit_entries):
    # The advance votes carry it (2 of 3 for); the room does not: 1 for, 3 against.
    attend(agm, agm.extra[:4])
    vote = take_vote(agm, room_for=1, room_against=3)
    decision = vote.decision
    assert (decision.votes_for, decision.votes_against, decision.outcome) == (
        3, 4, "not_carried")
    contest = agm.contest
    contest.refresh_from_db()
    # The ballot box's result was brought up to date with the meeting's votes at once.
    assert contest.state == ContestState.SIGNED
    assert contest.result["channels"] == {
        "ballot": {"for": 2, "against": 1, "abstain": 0},
        "proxy": {"for": 0, "against": 0, "abstain": 0},
        "meeting": {"for": 1, "against": 3, "abstain": 0}}
    assert contest.result["passed"] is False
    assert contest.result["explanation"] == vote.explanation
    ballot_services.publish_result(actor=officer(agm), contest=contest)
    contest.refresh_from_db()
    assert contest.state == ContestState.PUBLISHED
    assert (contest.result["for"], contest.result["against"], contest.result["passed"]) == (
        decision.votes_for, decision.votes_against, False)
    entry = audit_entries(agm.society)[-1]
    assert (entry.action, entry.actor_id) == ("contest.published", officer(agm).pk)


def test_a_result_is_published_once(agm, audit_entries):
    attend(agm, agm.extra[:4])
    take_vote(agm, room_for=4, room_against=0)
    ballot_services.publish_result(actor=officer(agm), contest=agm.contest)
    agm.contest.refresh_from_db()
    published_at, before = agm.contest.published_at, len(audit_entries(agm.society))
    with pytest.raises(BallotError, match="already published"):
        ballot_services.publish_result(actor=officer(agm), contest=agm.contest)
    agm.contest.refresh_from_db()
    assert agm.contest.published_at == published_at
    assert len(audit_entries(agm.society)) == before


def test_no_correction_changes_a_published_result(agm):
    attend(agm, agm.extra[:4])
    vote = take_vote(agm, room_for=4, room_against=0)
    ballot_services.publish_result(actor=officer(agm), contest=agm.contest)
    vote.agenda_item.resolution.refresh_from_db()
    assert "was published to the members" in services.correction_refused(vote)
    with pytest.raises(BoardError, match="published to the members"):
        services.correct_meeting_vote(actor=agm.secretary, vote=vote, reason="Miscounted.",
                                      room_for=0, room_against=4,
                                      today=agm.meeting.held_on)
    assert Decision.objects.count() == 1
    assert ResolutionTally.objects.get(contest=agm.contest, source="meeting").votes_for == 4


def test_the_chairs_casting_vote_is_kept_with_the_meetings_votes(agm_world):
    """An ordinary resolution, advance voting closed but not yet counted at the meeting: the
    count afterwards gives the meeting's result, casting vote and all."""
    contest = agm_world.contest
    contest.resolution_kind = "ordinary"
    contest.save()
    agm_world.society.chair_casting_vote = True
    agm_world.society.save()
    open_and_vote(agm_world, {agm_world.member("member"): "for",
                              agm_world.member("board_member"): "against"})
    attend(agm_world, agm_world.extra[:4])
    vote = take_vote(agm_world, room_for=2, room_against=2, casting_vote="for")
    assert vote.decision.outcome == "carried" and vote.decision.casting_vote_used
    assert ResolutionTally.objects.get(contest=contest, source="meeting").casting_vote == "for"
    contest = ballot_services.count_contest(actor=officer(agm_world), contest=contest)
    assert contest.result["passed"] is True and contest.result["casting_vote_used"] is True
    assert contest.result["explanation"] == vote.explanation


def test_the_officer_sees_why_the_result_waits_for_the_meeting(agm):
    client = agm.board_world.world.client("returning_officer")
    url = reverse("ballots:publish", kwargs={"society_slug": agm.society.slug,
                                             "public_id": agm.contest.public_id})
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "the advance votes alone are not its result" in response.content.decode()
    agm.contest.refresh_from_db()
    assert agm.contest.state == ContestState.SIGNED
