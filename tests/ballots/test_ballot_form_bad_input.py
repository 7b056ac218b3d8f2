"""Out-of-range numbers in the resolution form are form errors naming the field, never a crash
(found by posting every form of the demo with bad values; see tests/test_demo_crawl.py)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from ballots.models import Contest
from tests.conftest import typed_datetime


def propose(world, **values):
    now = timezone.now()
    return world.client("secretary").post(
        reverse("ballots:propose_resolution", kwargs={"society_slug": world.society.slug}), {
            "title": "Accounts", "resolution_kind": "special", "fraction_numerator": 3,
            "fraction_denominator": 4, "resolution_text": "That the accounts be received.",
            "record_date": timezone.localdate().isoformat(),
            "voting_opens": typed_datetime(now + timedelta(hours=1)),
            "voting_closes": typed_datetime(now + timedelta(days=1)),
            **values,
        })


def contests(world) -> int:
    with scope(society=world.society):
        return Contest.objects.count()


def test_a_stakeholder_class_id_beyond_any_integer_is_a_choice_not_offered(world):
    response = propose(world, stakeholder_classes=["99999999999999999999"])
    assert response.status_code == 400
    assert response.context["form"].has_error("stakeholder_classes", "invalid_choice")
    assert b"Electorate: stakeholder classes" in response.content
    assert contests(world) == 0


def test_a_fraction_too_large_to_store_names_the_field(world):
    # 40000/50000 is a fraction below one; PostgreSQL's smallint column refused it with a 500.
    response = propose(world, fraction_numerator=40000, fraction_denominator=50000)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.has_error("fraction_numerator") and form.has_error("fraction_denominator")
    assert contests(world) == 0


def test_a_fraction_within_range_is_still_put_to_the_members(world):
    assert propose(world, fraction_numerator=999, fraction_denominator=1000).status_code == 302
    assert contests(world) == 1
