"""The hand-written lookups on every society request and every vote (`RowReader`): the rows
they make are the ones the ORM would make, and they keep to the society and to active rows."""

import pytest
from django.db.models import Model
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from ballots.models import Contest
from ballots.views import _contest
from members.models import Member
from members.visitors import society_and_visitor
from societies.models import Society
from tests.ballots.conftest import make_contest


def field_values(obj: Model) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def assert_same_row(made: Model, expected: Model) -> None:
    assert type(made) is type(expected)
    assert field_values(made) == field_values(expected)
    for name, value in field_values(made).items():
        assert type(value) is type(getattr(expected, name)), name
    assert not made._state.adding
    assert made._state.db == expected._state.db


def test_the_member_and_society_read_are_the_orms_rows(world):
    member = world.members["member"]
    society, visitor = society_and_visitor(world.society.slug, member.user)
    with scopes_disabled():
        assert_same_row(visitor.member, Member.objects.get(pk=member.pk))
        assert_same_row(society, Society.objects.get(pk=world.society.pk))
    assert visitor.member.society is society
    # The instance saves like an ORM one (an UPDATE of the existing row, not an INSERT).
    with scope(society=society):
        visitor.member.save(update_fields=["postcode"])
        assert Member.objects.filter(society=society).count() == len(world.members)


def test_an_ended_membership_is_not_found(world):
    member = world.members["member"]
    with scope(society=world.society):
        Member.objects.filter(pk=member.pk).update(ceased_on=timezone.localdate(),
                                                   cessation_reason="resigned")
    society, visitor = society_and_visitor(world.society.slug, member.user)
    assert society == world.society
    assert visitor.member is None and not visitor.roles


def test_a_member_of_an_inactive_society_is_not_found(world):
    member = world.members["member"]
    Society.objects.filter(pk=world.society.pk).update(is_active=False)
    assert society_and_visitor(world.society.slug, member.user) == (None, society_and_visitor(
        "no-such-society", member.user)[1])


def test_a_role_holder_who_is_a_member_gets_the_roles(world):
    society, visitor = society_and_visitor(world.society.slug, world.users["secretary"])
    assert "secretary" in visitor.roles and "member" in visitor.roles
    assert visitor.member == world.members["secretary"]


def request_in(society):
    request = RequestFactory().get("/")
    request.society = society
    return request


def test_the_contest_read_is_the_orms_row_with_its_election(world):
    contest = make_contest(world)
    found = _contest(request_in(world.society), contest.public_id)
    with scope(society=world.society):
        expected = Contest.objects.select_related("election").get(pk=contest.pk)
    assert_same_row(found, expected)
    assert_same_row(found.election, expected.election)
    assert found.society is world.society
    # A string id (as other callers may pass) finds the same contest.
    assert _contest(request_in(world.society), str(contest.public_id)).pk == contest.pk


def test_a_contest_of_another_society_is_not_found(world):
    contest = make_contest(world)
    with pytest.raises(Http404):
        _contest(request_in(world.other.society), contest.public_id)
    response = world.other.client("secretary").get(
        f"/s/{world.other.society.slug}/ballots/contests/{contest.public_id}/")
    assert response.status_code == 404
