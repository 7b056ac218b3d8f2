"""Who is a member on a date: one query, Member.objects.active_on(day), at its edges."""

from datetime import date, timedelta

import pytest
from django_scopes import ScopeError

from members.models import CessationReason, Member

DAY = date(2024, 3, 15)


@pytest.fixture
def edges(in_scope):
    world = in_scope
    rows = {}
    for number, (name, admitted_on, ceased_on) in enumerate([
        ("admitted that day", DAY, None),
        ("ceased the day after", DAY - timedelta(days=400), DAY + timedelta(days=1)),
        ("ceased that day", DAY - timedelta(days=400), DAY),
        ("ceased the day before", DAY - timedelta(days=400), DAY - timedelta(days=1)),
        ("not yet admitted", DAY + timedelta(days=1), None),
    ], start=100):
        rows[name] = Member.objects.create(
            society=world.society, member_number=number, full_name=name,
            stakeholder_class=world.classes["Parent"], admitted_on=admitted_on,
            ceased_on=ceased_on, cessation_reason=CessationReason.RESIGNED if ceased_on else "")
    return rows


def _names(members, edges) -> set[str]:
    return set(members.filter(pk__in=[m.pk for m in edges.values()])
               .values_list("full_name", flat=True))


def test_a_member_is_active_from_admission_until_the_day_before_ceasing(in_scope, edges):
    assert _names(Member.objects.active_on(DAY), edges) == {
        "admitted that day", "ceased the day after"}


def test_the_query_agrees_with_the_row_test(in_scope, edges):
    assert _names(Member.objects.active_on(DAY), edges) == {
        name for name, member in edges.items() if member.is_active_on(DAY)}


def test_active_on_chains_from_a_society_and_a_filter(in_scope, edges):
    society = in_scope.society
    assert _names(society.members.active_on(DAY), edges) == {
        "admitted that day", "ceased the day after"}
    assert _names(Member.objects.filter(member_number__gte=101).active_on(DAY), edges) == {
        "ceased the day after"}


def test_active_on_outside_a_society_scope_fails_loudly(world):
    with pytest.raises(ScopeError):
        list(Member.objects.active_on(DAY))
