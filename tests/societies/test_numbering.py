"""Number series handed out by societies.numbering, on any database."""

import pytest
from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from boards import services as boards
from members import services as members
from members.models import Member
from societies import numbering
from societies.models import Counter
from tests.conftest import build_society
from tests.members.conftest import application_values


def _take(society, kind, count=1, **options):
    with transaction.atomic():
        return list(numbering.take(society, kind, count, **options))


def test_numbers_are_consecutive_and_blocks_follow_on(world):
    assert _take(world.society, "test") == [1]
    assert _take(world.society, "test", 3) == [2, 3, 4]
    assert _take(world.society, "test", 0) == []
    assert _take(world.society, "test") == [5]


def test_each_kind_and_each_society_has_its_own_series(world):
    other = build_society("baywind", "Baywind Energy Co-operative").society
    assert _take(world.society, "a", 2) == [1, 2]
    assert _take(world.society, "b") == [1]
    assert _take(other, "a") == [1]
    with scopes_disabled():
        assert Counter.objects.get(society=world.society, kind="a").last == 2


def test_numbers_in_use_are_never_handed_out_again(world):
    assert _take(world.society, "test", in_use=lambda: 40) == [41]
    # The counter remembers what it gave, even when the rows carry lower numbers.
    assert _take(world.society, "test", in_use=lambda: 7) == [42]


def test_a_number_rolled_back_is_handed_out_again(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        assert list(numbering.take(world.society, "test")) == [1]
        raise RuntimeError("the admission failed")
    assert _take(world.society, "test") == [1]


def _admit(world, email):
    with scope(society=world.society):
        application = members.submit_application(
            actor=None, society=world.society,
            values=application_values(world, email=email, full_name="New Person"))
        return members.admit_application(
            actor=None, application=application, decided_on=timezone.localdate(),
            decision_reference="Board 1").member.member_number


def test_admissions_number_after_the_register_and_the_counter(world):
    highest = max(m.member_number for m in world.members.values())
    assert _admit(world, "first@example.org") == highest + 1
    with scopes_disabled():
        counter = Counter.objects.get(society=world.society, kind=numbering.MEMBER)
        assert counter.last == highest + 1
        # A row written with a number of its own (as an imported file's are).
        Member.objects.create(society=world.society, member_number=500, full_name="Imported",
                              stakeholder_class=world.classes["Parent"],
                              admitted_on=timezone.localdate())
    assert _admit(world, "second@example.org") == 501


def test_decisions_are_numbered_one_after_another(world):
    society = world.society
    with scope(society=society):
        numbers = [boards.record_decision(actor=None, society=society, text=f"Decision {n}",
                                          decided_on=timezone.localdate(),
                                          outcome="carried").number for n in range(3)]
    assert numbers == [1, 2, 3]
    with scopes_disabled():
        assert Counter.objects.get(society=society, kind=numbering.DECISION).last == 3
