"""One vote per household, where the rules say so (a tenants' organisation): members the register
puts in one household share one vote on the roll, cast by the member the household names, else
the longest-standing (lowest number); members of no household vote each. Candidates come from
every eligible member."""

from django_scopes import scope

from ballots.services.reads import eligible_members, is_eligible, roll_members
from members.models import Member
from tests.ballots.conftest import add_members, make_contest, open_contest


def households(world, count=5):
    a, b, c, d, e = add_members(world, count, start=300)
    with scope(society=world.society):
        Member.objects.filter(pk__in=[a.pk, b.pk]).update(household="PS-0012")
        Member.objects.filter(pk__in=[c.pk, d.pk]).update(household="PS-0044")
        Member.objects.filter(pk=d.pk).update(household_voter=True)
    return a, b, c, d, e


def test_a_household_has_one_vote_on_the_roll(world):
    contest = make_contest(world, open_now=False, method="resolution",
                           one_vote_per_household=True)
    a, b, c, d, e = households(world)
    with scope(society=world.society):
        voters = set(roll_members(contest).values_list("pk", flat=True))
        assert {a.pk, d.pk, e.pk} <= voters  # the lowest number; the one named; no household
        assert not {b.pk, c.pk} & voters
        assert {b.pk, c.pk} <= set(eligible_members(contest).values_list("pk", flat=True))
        assert not is_eligible(contest, b) and is_eligible(contest, d)
    open_contest(contest, world)
    with scope(society=world.society):
        contest.refresh_from_db()
        on_roll = set(contest.roll.values_list("member_id", flat=True))
        assert contest.roll_size == len(on_roll) == len(voters)
        assert not {b.pk, c.pk} & on_roll


def test_without_the_rule_every_member_votes(world):
    contest = make_contest(world, open_now=False, candidates=0)
    members = households(world)
    with scope(society=world.society):
        voters = set(roll_members(contest).values_list("pk", flat=True))
    assert {m.pk for m in members} <= voters


def test_the_forms_offer_the_rule_and_the_household(world):
    from django.urls import reverse

    slug = world.society.slug
    propose = world.client("secretary").get(
        reverse("ballots:propose_resolution", kwargs={"society_slug": slug})).text
    assert "One vote per household" in propose
    edit = world.client("secretary").get(reverse("members:member_edit", kwargs={
        "society_slug": slug, "public_id": world.members["member"].public_id})).text
    assert "Household" in edit and "Votes for the household" in edit
