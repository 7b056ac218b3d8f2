"""The fast casting path: one claim statement, the ballot checked after it, and the candidate
list read once per contest once nominations are over."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from ballots import services
from ballots.models import CastBallot, Contest
from ballots.services import BallotError
from tests.ballots.conftest import make_contest
from tests.ballots.test_ballot_services import ids

NOBODY_STANDING = "00000000-0000-0000-0000-000000000000"


def test_a_voter_who_has_voted_is_told_so_even_with_a_bad_ballot(world, contest):
    voter = contest.voters[0]
    with scope(society=world.society):
        services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                             choices=ids(contest, 0))
        with pytest.raises(BallotError, match="already voted"):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=[NOBODY_STANDING])
        assert CastBallot.objects.count() == 1


def test_a_closed_poll_is_reported_before_a_bad_ballot(world, contest):
    voter = contest.voters[0]
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(
            voting_closes=timezone.now() - timedelta(seconds=1))
        with pytest.raises(BallotError, match="not open"):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=[NOBODY_STANDING])
        assert contest.roll.get(member=voter).voted_on is None


def test_a_bad_ballot_gives_back_the_claim_so_the_voter_can_vote(world, contest):
    voter = contest.voters[0]
    with scope(society=world.society):
        with pytest.raises(BallotError, match="not a candidate"):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=[NOBODY_STANDING])
        assert contest.roll.get(member=voter).voted_on is None
        services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                             choices=ids(contest, 1))
        assert CastBallot.objects.get().choices == "2"


def test_the_claim_stays_inside_the_contests_society(world, contest):
    """The claim names the society as well as the contest: a roll entry of this contest can
    only be claimed through a contest object of the same society."""
    voter = contest.voters[0]
    with scope(society=world.society):
        contest.society_id = world.other.society.pk
        with pytest.raises(BallotError):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=ids(contest, 0))
        assert contest.roll.get(member=voter).voted_on is None


def test_candidates_are_final_once_voting_opens(world, contest):
    """The rule that lets casting read a contest's candidate list once: nominating,
    consenting and withdrawing are all refused once the contest has left DRAFT."""
    ro = world.users["returning_officer"]
    with scope(society=world.society):
        standing = contest.candidates.order_by("number").first()
        newcomer = contest.voters[-1]
        with pytest.raises(BallotError):
            services.nominate(actor=ro, contest=contest, nominated_by=None, candidate=newcomer,
                              proposer=contest.voters[-2], seconder=contest.voters[-3],
                              by_officer=True)
        with pytest.raises(BallotError):
            services.consent_to_stand(actor=standing.member.user, candidate=standing,
                                      member=standing.member, statement="Changed my mind")
        with pytest.raises(BallotError):
            services.withdraw_candidate(actor=ro, candidate=standing)
        assert contest.standing().count() == 3


def test_the_candidate_list_read_for_casting_belongs_to_its_contest(world, contest):
    other = make_contest(world, title="Staff seats")
    foreign = make_contest(world.other, title="Elsewhere seats")
    voter = contest.voters[0]
    with scope(society=world.society):
        # Fill the list of `contest`, then check ballots of another contest against it.
        home_candidate = ids(contest, 0)
        services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                             choices=home_candidate)
        other_voter = other.voters[0]
        for wrong in (ids(contest, 0), ids(contest, 1)):
            with pytest.raises(BallotError, match="not a candidate"):
                services.cast_ballot(actor=other_voter.user, contest=other,
                                     member=other_voter, choices=wrong)
        services.cast_ballot(actor=other_voter.user, contest=other, member=other_voter,
                             choices=ids(other, 2))
        assert set(CastBallot.objects.values_list("contest_id", "choices")) == {
            (contest.pk, "1"), (other.pk, "3")}
    with scope(society=world.other.society):
        outsider_voter = foreign.voters[0]
        with pytest.raises(BallotError, match="not a candidate"):
            services.cast_ballot(actor=outsider_voter.user, contest=foreign,
                                 member=outsider_voter, choices=home_candidate)
        assert not CastBallot.objects.exists()


def test_the_ballot_page_post_renders_the_receipt_with_few_queries(world, contest,
                                                                   django_assert_max_num_queries):
    from django.test import Client
    from django.urls import reverse

    voter = contest.voters[0]
    client = Client()
    client.force_login(voter.user)
    target = reverse("ballots:contest", kwargs={"society_slug": world.society.slug,
                                                "public_id": contest.public_id})
    with scope(society=world.society):
        first = contest.candidates.get(number=1)
    # Session, user, member with society, contest, claim, candidates, ballot, audit entry
    # and the savepoint around the service: the request must not drift back to 13 queries.
    with django_assert_max_num_queries(10):
        response = client.post(target, {f"rank_{first.public_id}": "1"})
    assert response.status_code == 200
    assert b"Your vote is recorded" in response.content
