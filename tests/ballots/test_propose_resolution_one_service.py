"""The pages that make an election and a contest together are one service each: a refusal
leaves nothing behind."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from ballots.models import Contest, Election
from societies.models import AuditEntry
from tests.ballots.test_members_vote_on_applicant import by_vote  # noqa: F401 (fixture)
from tests.conftest import typed_datetime


def _post(world, opens, closes):
    return world.client("secretary").post(
        reverse("ballots:propose_resolution", kwargs={"society_slug": world.society.slug}), {
            "title": "Accounts", "resolution_kind": "special", "fraction_numerator": 3,
            "fraction_denominator": 4,
            "resolution_text": "That the accounts be received.",
            "record_date": timezone.localdate().isoformat(),
            "voting_opens": typed_datetime(opens), "voting_closes": typed_datetime(closes),
        })


def _rows(world) -> tuple[int, int, int]:
    with scope(society=world.society):
        return (Election.objects.count(), Contest.objects.count(),
                AuditEntry.objects.filter(society=world.society).count())


def test_a_refused_proposal_leaves_no_election_and_no_audit_entry(world):
    before = _rows(world)
    now = timezone.now()
    response = _post(world, now + timedelta(days=2), now + timedelta(days=1))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["Voting must close after it opens."]
    assert _rows(world) == before


def test_a_proposal_makes_its_election_and_contest_together(world):
    elections, contests, entries = _rows(world)
    now = timezone.now()
    response = _post(world, now + timedelta(days=1), now + timedelta(days=2))
    assert response.status_code == 302, response.context["form"].errors
    assert _rows(world) == (elections + 1, contests + 1, entries + 2)
    with scope(society=world.society):
        contest = Contest.objects.select_related("election").get()
        actions = list(AuditEntry.objects.filter(society=world.society)
                       .order_by("-pk").values_list("action", "actor")[:2])
    assert contest.is_resolution and contest.election.title == "Accounts"
    secretary = world.users["secretary"].pk
    assert actions == [("resolution.proposed", secretary), ("election.created", secretary)]


def test_a_refused_admission_vote_leaves_no_election_of_its_own(world, request):
    from ballots import services

    world = request.getfixturevalue("by_vote")
    before = _rows(world)
    now = timezone.now()
    with scope(society=world.society), pytest.raises(services.BallotError):
        services.put_application_to_vote(
            actor=world.users["secretary"], application=world.application, election=None,
            voting_opens=now + timedelta(days=2), voting_closes=now + timedelta(days=1),
            record_date=timezone.localdate())
    assert _rows(world) == before
    with scope(society=world.society):
        contest = services.put_application_to_vote(
            actor=world.users["secretary"], application=world.application, election=None,
            voting_opens=now + timedelta(days=1), voting_closes=now + timedelta(days=2),
            record_date=timezone.localdate())
        assert contest.election.title == f"Admission of {world.application.full_name}"
    assert _rows(world)[:2] == (before[0] + 1, before[1] + 1)
