"""Membership services: each change happens, keeps the rules, and writes one audit entry."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scope

from members import services
from members.models import (
    Application,
    ApplicationStatus,
    CessationReason,
    Member,
    under_16_on,
)
from members.services import MemberError
from notifications.models import Message
from societies.models import AdmissionMethod
from tests.audit_helpers import assert_one_audit_entry, last_audit_id
from tests.conftest import anniversary, make_user
from tests.members.conftest import application_values

TODAY = timezone.localdate


def only_entry(audit_entries, society, action=None):
    entries = audit_entries(society)
    assert len(entries) == 1, [e.action for e in entries]
    if action:
        assert entries[0].action == action
    return entries[0]


def submit(world, **overrides):
    with scope(society=world.society):
        return services.submit_application(actor=None, society=world.society,
                                           values=application_values(world, **overrides))


def admit(world, application, **kwargs):
    with scope(society=world.society):
        return services.admit_application(
            actor=world.users["secretary"], application=application,
            decided_on=kwargs.pop("decided_on", TODAY()),
            decision_reference=kwargs.pop("decision_reference", "Board 2026/11 item 3"),
            **kwargs)


def new_member(world, **overrides):
    return admit(world, submit(world, **overrides)).member


def test_an_application_is_acknowledged_once_by_email(world, audit_entries,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(world)
    entry = only_entry(audit_entries, world.society, "application.submitted")
    assert entry.actor is None and entry.data["reference"] == application.reference
    assert application.status == ApplicationStatus.PENDING
    assert application.postcode == "CT9 1AA" and application.email == "grace@example.org"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["grace@example.org"]
    assert application.reference in mail.outbox[0].subject
    assert application.reference in mail.outbox[0].body
    from members.tasks import send_application_acknowledgement

    assert send_application_acknowledgement(world.society.pk, application.pk) is False
    assert len(mail.outbox) == 1


def test_an_application_without_email_sends_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(world, email="", contact_channel="post", electronic_consent=False)
    assert mail.outbox == []


def test_an_applicant_under_the_class_minimum_age_is_refused(world):
    with scope(society=world.society):
        world.classes["Parent"].minimum_age = 18
        world.classes["Parent"].save()
    young = anniversary(TODAY(), -18) + timedelta(days=1)  # not yet 18
    with pytest.raises(MemberError, match="at least 18"):
        submit(world, date_of_birth=young)
    with scope(society=world.society):
        assert not Application.objects.exists()


def test_admission_numbers_the_member_and_sends_a_welcome(world, audit_entries,
                                                          django_capture_on_commit_callbacks):
    application = submit(world)
    with django_capture_on_commit_callbacks(execute=True):
        admitted = admit(world, application, decided_on=date(2026, 11, 20))
    member = admitted.member
    assert admitted.status == ApplicationStatus.ADMITTED
    assert member.member_number == 6  # after the highest, 5; gaps are never filled
    assert member.admitted_on == TODAY()
    assert member.admission_reference == "Board 2026/11 item 3"
    assert member.admission_decided_on == date(2026, 11, 20)
    entries = audit_entries(world.society)
    assert [e.action for e in entries] == ["application.submitted", "member.admitted"]
    assert entries[1].actor == world.users["secretary"]
    assert entries[1].data["member_number"] == 6
    with scope(society=world.society):
        welcome = Message.objects.get(recipient=member)
    assert welcome.kind == "members.welcome" and welcome.channel == "email"
    assert "member no. 6" in welcome.subject
    assert any("Welcome to" in m.body for m in mail.outbox)


def test_the_next_number_follows_the_highest_ever_used(world):
    first = new_member(world)
    with scope(society=world.society):
        services.cease_member(actor=None, member=first, ceased_on=TODAY(),
                              reason=CessationReason.RESIGNED)
    second = new_member(world, email="second@example.org", full_name="Second Person")
    assert second.member_number == first.member_number + 1


def test_an_application_is_decided_only_once(world):
    application = submit(world)
    admit(world, application)
    with pytest.raises(MemberError, match="already been admitted"):
        admit(world, application)
    with pytest.raises(MemberError, match="already been admitted"), scope(society=world.society):
        services.decline_application(actor=None, application=application,
                                     decided_on=TODAY(), decision_reference="x")


def test_decline_keeps_the_application_with_its_decision(world, audit_entries):
    application = submit(world)
    since = last_audit_id(world.society)
    with scope(society=world.society):
        declined = services.decline_application(
            actor=world.users["secretary"], application=application,
            decided_on=TODAY(), decision_reference="Board 12", reason="Not eligible")
        assert not Member.objects.filter(full_name="Grace Hopper").exists()
    assert declined.status == ApplicationStatus.DECLINED
    assert declined.decline_reason == "Not eligible"
    assert_one_audit_entry(world.society, "application.declined",
                           actor=world.users["secretary"], target=application, since=since)


def test_members_vote_societies_refer_the_application_instead(world, audit_entries):
    world.society.admission_method = AdmissionMethod.MEMBERS_VOTE
    world.society.save()
    application = submit(world)
    since = last_audit_id(world.society)
    referred = admit(world, application)
    assert referred.status == ApplicationStatus.AWAITING_VOTE and referred.member is None
    assert_one_audit_entry(world.society, "application.referred_to_members",
                           actor=world.users["secretary"], target=application, since=since)
    with pytest.raises(MemberError, match="already awaiting"):
        admit(world, application)
    voted_in = admit(world, application, by_members_vote=True)
    assert voted_in.status == ApplicationStatus.ADMITTED and voted_in.member.member_number == 6


def test_one_current_membership_per_email_address(world):
    new_member(world)
    with pytest.raises(MemberError, match="already belongs to a current member"):
        submit(world, email="GRACE@example.org", full_name="Someone Else")
    # The database has the last word, whatever the services do.
    with scope(society=world.society), pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(society=world.society, member_number=99, full_name="Copy",
                              email="grace@EXAMPLE.org",
                              stakeholder_class=world.classes["Parent"])


def test_one_current_membership_per_account(world):
    user = make_user("applicant@example.org")
    with scope(society=world.society):
        first = services.submit_application(
            actor=user, society=world.society,
            values=application_values(world, email="applicant@example.org"))
        second = services.submit_application(
            actor=user, society=world.society,
            values=application_values(world, email="", contact_channel="post",
                                      electronic_consent=False))
    assert admit(world, first).member.user == user
    with pytest.raises(MemberError, match="already has a current membership"):
        admit(world, second)


def test_the_secretary_edits_a_record_and_history_keeps_the_old_address(world, audit_entries):
    member = new_member(world)
    with scope(society=world.society):
        changes = services.update_member(
            actor=world.users["secretary"], member=member,
            values={"full_name": "Grace B. Hopper", "address": "1 New Road\nRamsgate",
                    "postcode": "ct11 9aa"})
        assert set(changes) == {"full_name", "address", "postcode"}
        member.refresh_from_db()
        assert member.postcode == "CT11 9AA"
        history = list(member.history.order_by("history_date"))
    assert [h.address for h in history] == ["7 Harbour Row\nMargate", "1 New Road\nRamsgate"]
    assert history[-1].full_name == "Grace B. Hopper"
    entry = audit_entries(world.society)[-1]
    assert entry.action == "member.changed"
    # Personal details stay in the history, not in the audit log.
    assert entry.data["changes"]["address"] == "changed"
    assert entry.data["changes"]["full_name"] == "Grace B. Hopper"


def test_a_member_changes_only_their_own_contact_details(world, audit_entries):
    member = world.members["member"]
    since = last_audit_id(world.society)
    with scope(society=world.society):
        changes = services.update_member(
            actor=world.users["member"], member=member, own=True,
            values={"address": "2 Lane", "full_name": "Not Allowed", "contact_channel": "post"})
        member.refresh_from_db()
    assert set(changes) == {"address"}
    assert member.full_name != "Not Allowed"
    assert_one_audit_entry(world.society, "member.own_details_changed",
                           actor=world.users["member"], target=member, since=since)


def test_email_contact_needs_an_address_and_consent(world):
    member = world.members["member"]
    with scope(society=world.society), pytest.raises(MemberError, match="agree to receive"):
        services.update_member(actor=None, member=member, own=True,
                               values={"contact_channel": "email"})


@pytest.mark.parametrize("reason", [r.value for r in CessationReason])
def test_cessation_keeps_the_member_in_the_register(world, audit_entries, reason):
    member = world.members["member"]
    with scope(society=world.society):
        if reason == CessationReason.UNTRACEABLE:
            services.record_returned_mail(actor=None, member=member, returned_on=TODAY(),
                                          description="AGM notice 2026")
        services.cease_member(actor=world.users["secretary"], member=member,
                              ceased_on=TODAY(), reason=reason,
                              reference="Board 7" if reason == "expelled" else "")
        member.refresh_from_db()
        assert Member.objects.filter(pk=member.pk).exists()
    assert (member.ceased_on, member.cessation_reason) == (TODAY(), reason)
    entry = audit_entries(world.society)[-1]
    assert (entry.action, entry.data["reason"]) == ("member.ceased", reason)


def test_cessation_rules(world):
    member = world.members["member"]
    with scope(society=world.society):
        with pytest.raises(MemberError, match="reference of the decision"):
            services.cease_member(actor=None, member=member, ceased_on=TODAY(),
                                  reason=CessationReason.EXPELLED)
        with pytest.raises(MemberError, match="returned mail"):
            services.cease_member(actor=None, member=member, ceased_on=TODAY(),
                                  reason=CessationReason.UNTRACEABLE)
        with pytest.raises(MemberError, match="future"):
            services.cease_member(actor=None, member=member,
                                  ceased_on=TODAY() + timedelta(days=1),
                                  reason=CessationReason.RESIGNED)
        with pytest.raises(MemberError, match="before the date admitted"):
            services.cease_member(actor=None, member=member,
                                  ceased_on=member.admitted_on - timedelta(days=1),
                                  reason=CessationReason.RESIGNED)
        services.cease_member(actor=None, member=member, ceased_on=TODAY(),
                              reason=CessationReason.RESIGNED)
        with pytest.raises(MemberError, match="already ceased"):
            services.cease_member(actor=None, member=member, ceased_on=TODAY(),
                                  reason=CessationReason.RESIGNED)


def test_a_ceased_member_cannot_be_made_current_again_by_editing(world):
    member = world.members["member"]
    with scope(society=world.society):
        services.cease_member(actor=None, member=member, ceased_on=TODAY(),
                              reason=CessationReason.RESIGNED)
        loaded = Member.objects.get(pk=member.pk)
        loaded.ceased_on, loaded.cessation_reason = None, ""
        with pytest.raises(ValueError, match="readmit"):
            loaded.save()
        # Past the model too: the database trigger refuses.
        with pytest.raises(IntegrityError), transaction.atomic():
            Member.objects.filter(pk=member.pk).update(ceased_on=None, cessation_reason="")
        assert Member.objects.get(pk=member.pk).ceased_on == TODAY()


def test_members_are_never_deleted(world):
    with scope(society=world.society), pytest.raises(ValueError, match="never deleted"):
        world.members["member"].delete()


def test_readmission_is_a_new_membership_with_a_new_number(world, audit_entries):
    member = world.members["member"]
    with scope(society=world.society):
        Member.objects.filter(pk=member.pk).update(admitted_on=date(2020, 1, 1))
        member.refresh_from_db()
        services.cease_member(actor=None, member=member, ceased_on=TODAY() - timedelta(days=5),
                              reason=CessationReason.RESIGNED)
        new = services.readmit_member(actor=world.users["secretary"], member=member,
                                      admitted_on=TODAY(), decided_on=TODAY(),
                                      decision_reference="Board 9")
        member.refresh_from_db()
    assert new.pk != member.pk and new.member_number == 6
    assert new.readmission_of == member and new.user == member.user
    assert member.ceased_on == TODAY() - timedelta(days=5)
    entry = audit_entries(world.society)[-1]
    assert entry.action == "member.readmitted" and entry.data["previous_number"] == 5
    with scope(society=world.society), pytest.raises(MemberError, match="current member"):
        services.readmit_member(actor=None, member=new, admitted_on=TODAY(),
                                decided_on=TODAY(), decision_reference="x")
    with scope(society=world.society), pytest.raises(MemberError, match="already readmitted"):
        services.readmit_member(actor=None, member=member, admitted_on=TODAY(),
                                decided_on=TODAY(), decision_reference="x")


def test_a_deceased_member_is_not_readmitted(world):
    member = world.members["member"]
    with scope(society=world.society):
        services.cease_member(actor=None, member=member, ceased_on=TODAY(),
                              reason=CessationReason.DECEASED)
        with pytest.raises(MemberError, match="deceased"):
            services.readmit_member(actor=None, member=member, admitted_on=TODAY(),
                                    decided_on=TODAY(), decision_reference="x")


def test_under_16s_are_flagged_as_ineligible_for_office(world):
    with scope(society=world.society):
        world.classes["Parent"].minimum_age = None
        world.society.minimum_member_age = 12
        world.society.save()
    born = anniversary(TODAY(), -14)
    young = new_member(world, date_of_birth=born, email="teen@example.org")
    assert young.is_under_16_on(TODAY())
    assert young.is_under_16_on(anniversary(born, 16) - timedelta(days=1))
    assert not young.is_under_16_on(anniversary(born, 16))
    assert not world.members["member"].is_under_16_on(TODAY())  # no date of birth
    with scope(society=world.society):
        assert list(under_16_on(Member.objects.all(), TODAY())) == [young]


def test_returned_mail_is_recorded(world, audit_entries):
    member = world.members["member"]
    since = last_audit_id(world.society)
    with scope(society=world.society):
        services.record_returned_mail(actor=world.users["secretary"], member=member,
                                      returned_on=TODAY(), description="AGM notice")
        assert member.returned_mail.get().description == "AGM notice"
    assert_one_audit_entry(world.society, "member.returned_mail",
                           actor=world.users["secretary"], target=member, since=since)


def test_signing_in_links_the_membership_with_that_verified_email(world, audit_entries, client):
    member = new_member(world, email="linkme@example.org")
    assert member.user is None
    user = make_user("LinkMe@example.org")
    since = last_audit_id(world.society)
    client.force_login(user)
    with scope(society=world.society):
        member.refresh_from_db()
    assert member.user == user
    assert_one_audit_entry(world.society, "member.account_linked", actor=user, target=member,
                           since=since)


def test_an_unverified_email_links_nothing(world, client):
    from allauth.account.models import EmailAddress

    member = new_member(world, email="unverified@example.org")
    user = make_user("unverified@example.org")
    EmailAddress.objects.filter(user=user).update(verified=False)
    client.force_login(user)
    with scope(society=world.society):
        member.refresh_from_db()
    assert member.user is None
