"""The "Propose a resolution" page is one service: a refused proposal leaves nothing behind."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from ballots.models import Contest, Election
from societies.models import AuditEntry
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
