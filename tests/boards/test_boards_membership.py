"""Admissions, referrals, refusals and expulsions enter the decision register, linked to the
application and the member, inside the members service's transaction and audit entry."""

from datetime import date

import pytest

from boards import services as board_services
from boards.models import Decision
from members import services as member_services
from members.models import Application, Member
from societies.models import AuditEntry
from tests.members.conftest import application_values

DECIDED = date(2026, 11, 3)


def _apply(board_world, **overrides):
    return member_services.submit_application(
        actor=None, society=board_world.society,
        values=application_values(board_world.world, **overrides))


def _admit(board_world, application, **kwargs):
    return member_services.admit_application(
        actor=board_world.secretary, application=application, decided_on=DECIDED,
        decision_reference="Board 3 Nov 2026, item 4", **kwargs)


def test_an_admission_enters_the_register_naming_the_application_and_member(board_world):
    application = _admit(board_world, _apply(board_world))
    decision = Decision.objects.get(application=application)
    assert decision.member == application.member
    assert decision.body == board_world.board
    assert decision.decided_on == DECIDED and decision.outcome == "carried"
    assert decision.meeting_label == "Board 3 Nov 2026, item 4"
    assert "Grace Hopper" in decision.text
    assert f"member no. {application.member.member_number}" in decision.text
    assert list(application.member.decisions.all()) == [decision]
    # One action, one audit line: the admission's entry names the decision.
    entry = AuditEntry.objects.get(action="member.admitted")
    assert entry.data["decision"] == decision.number
    assert not AuditEntry.objects.filter(action="board.decision_recorded").exists()


def test_a_refusal_enters_the_register_with_its_reason(board_world):
    application = member_services.decline_application(
        actor=board_world.secretary, application=_apply(board_world), decided_on=DECIDED,
        decision_reference="Board 3 Nov 2026, item 5", reason="Lives outside the area")
    decision = Decision.objects.get(application=application)
    assert decision.member is None
    assert decision.text.endswith("Reason: Lives outside the area")
    assert AuditEntry.objects.get(action="application.declined").data["decision"] == \
        decision.number


def test_a_decision_already_recorded_for_the_application_is_not_written_twice(board_world):
    application = _apply(board_world)
    recorded = board_services.record_decision(
        actor=board_world.secretary, society=board_world.society, body=board_world.board,
        text="Admit Grace Hopper.", decided_on=DECIDED, outcome="carried",
        application=application)
    _admit(board_world, application)
    assert list(Decision.objects.filter(application=application)) == [recorded]
    assert "decision" not in AuditEntry.objects.get(action="member.admitted").data


def test_a_members_vote_admission_is_the_members_decision(board_world):
    society = board_world.society
    society.admission_method = "members_vote"
    society.save()
    application = _admit(board_world, _apply(board_world))
    referral = Decision.objects.get(application=application)
    assert referral.body == board_world.board and "vote of the members" in referral.text
    application.refresh_from_db()
    admitted = member_services.admit_application(
        actor=None, application=application, decided_on=date(2026, 11, 20),
        decision_reference="Members' vote", by_members_vote=True)
    decision = Decision.objects.get(application=admitted, body__isnull=True)
    assert decision.text.startswith("The members voted to admit")
    assert decision.member == admitted.member


def test_an_expulsion_enters_the_register_and_other_cessations_do_not(board_world):
    expelled = board_world.member("member")
    member_services.cease_member(actor=board_world.secretary, member=expelled,
                                 ceased_on=DECIDED, reason="expelled",
                                 reference="SGM 3 Nov 2026, resolution 2")
    decision = Decision.objects.get(member=expelled)
    assert decision.text.startswith(f"Expel {expelled.full_name}")
    assert decision.meeting_label == "SGM 3 Nov 2026, resolution 2"
    assert AuditEntry.objects.get(action="member.ceased").data["decision"] == decision.number

    resigned = board_world.member("board_member")
    member_services.cease_member(actor=board_world.secretary, member=resigned,
                                 ceased_on=DECIDED, reason="resigned")
    assert not Decision.objects.filter(member=resigned).exists()


def test_without_a_board_nothing_is_attributed_to_one(in_scope):
    world = in_scope
    application = member_services.admit_application(
        actor=world.users["secretary"],
        application=member_services.submit_application(
            actor=None, society=world.society, values=application_values(world)),
        decided_on=DECIDED, decision_reference="Board minute 12")
    assert not Decision.objects.exists()
    assert application.decision_reference == "Board minute 12"


@pytest.mark.django_db(transaction=True)
def test_a_failed_admission_leaves_no_decision(board_world):
    application = _apply(board_world)
    Member.objects.filter(pk=board_world.member("member").pk).update(email="grace@example.org")
    with pytest.raises(member_services.MemberError):
        _admit(board_world, application)
    assert not Decision.objects.exists()
    assert Application.objects.get(pk=application.pk).status == "pending"
