"""Society services: each change happens, and writes exactly one audit entry."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django_scopes import scope, scopes_disabled

from societies import services
from societies.models import Invitation, RoleGrant, Society, StakeholderClass
from societies.permissions import Role
from societies.services import SocietyError
from tests.conftest import make_user


def only_entry(audit_entries, society):
    entries = audit_entries(society)
    assert len(entries) == 1, [e.action for e in entries]
    return entries[0]


def test_create_society_invites_its_first_secretary(db, audit_entries,
                                                    django_capture_on_commit_callbacks):
    operator = make_user("operator@omov.test")
    with django_capture_on_commit_callbacks(execute=True):
        society = services.create_society(
            actor=operator, name="Pembroke Street Estate TMO", slug="pembroke",
            legal_form="tenant_management_organisation", secretary_email="Sec@Pembroke.test",
        )
    entry = only_entry(audit_entries, society)
    assert (entry.actor, entry.action) == (operator, "society.created")
    assert entry.data["first_secretary"] == "sec@pembroke.test"
    with scope(society=society):
        invitation = Invitation.objects.get()
    assert invitation.role == Role.SECRETARY and invitation.sent_at is not None
    assert mail.outbox[0].to == ["sec@pembroke.test"]
    assert "/invitations/" in mail.outbox[0].body


def test_create_society_refuses_a_taken_address(world):
    with pytest.raises(SocietyError, match="already taken"):
        services.create_society(actor=None, name="Again", slug="millmead",
                                legal_form="cooperative", secretary_email="a@b.test")
    with scopes_disabled():
        assert Society.objects.filter(slug="millmead").count() == 1


def test_create_society_refuses_a_bad_email_and_writes_nothing(db):
    with pytest.raises(SocietyError, match="not an email address"):
        services.create_society(actor=None, name="New", slug="new-one",
                                legal_form="cooperative", secretary_email="not-an-email")
    with scopes_disabled():
        assert not Society.objects.filter(slug="new-one").exists()


def test_settings_change_is_audited_with_old_and_new_values(in_scope, audit_entries):
    secretary = in_scope.users["secretary"]
    changes = services.update_society_settings(
        actor=secretary, society=in_scope.society,
        values={"notice_clear_days": 21, "name": in_scope.society.name},
    )
    assert changes == {"notice_clear_days": [14, 21]}
    in_scope.society.refresh_from_db()
    assert in_scope.society.notice_clear_days == 21
    entry = only_entry(audit_entries, in_scope.society)
    assert (entry.actor, entry.action) == (secretary, "society.settings_changed")
    assert entry.data == {"changes": {"notice_clear_days": [14, 21]}}


def test_settings_without_change_write_no_audit(in_scope, audit_entries):
    assert services.update_society_settings(
        actor=in_scope.users["secretary"], society=in_scope.society,
        values={"notice_clear_days": 14},
    ) == {}
    assert audit_entries(in_scope.society) == []


def test_the_withdrawable_cap_cannot_exceed_the_law(in_scope):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.update_society_settings(
            actor=in_scope.users["secretary"], society=in_scope.society,
            values={"max_withdrawable_pence": 10_000_001},
        )
    in_scope.society.refresh_from_db()
    assert in_scope.society.max_withdrawable_pence == 10_000_000


def test_the_database_refuses_a_cap_above_the_law(in_scope):
    with pytest.raises(IntegrityError), transaction.atomic():
        Society.objects.filter(pk=in_scope.society.pk).update(max_withdrawable_pence=10_000_001)


def test_stakeholder_classes_are_added_changed_and_removed(in_scope, audit_entries):
    secretary = in_scope.users["secretary"]
    created = services.add_stakeholder_class(
        actor=secretary, society=in_scope.society,
        values={"name": "Volunteer", "description": "", "minimum_age": 12,
                "is_constituency": True},
    )
    services.update_stakeholder_class(
        actor=secretary, stakeholder_class=created,
        values={"name": "Volunteers", "description": "", "minimum_age": 14,
                "is_constituency": True},
    )
    services.remove_stakeholder_class(actor=secretary, stakeholder_class=created)
    actions = [(e.actor, e.action) for e in audit_entries(in_scope.society)]
    assert actions == [
        (secretary, "stakeholder_class.created"),
        (secretary, "stakeholder_class.changed"),
        (secretary, "stakeholder_class.removed"),
    ]
    assert not StakeholderClass.objects.filter(name__startswith="Volunteer").exists()


def test_class_names_are_unique_ignoring_case(in_scope):
    with pytest.raises(SocietyError, match="already a stakeholder class"):
        services.add_stakeholder_class(
            actor=None, society=in_scope.society,
            values={"name": "parent", "description": "", "minimum_age": None,
                    "is_constituency": False},
        )


def test_a_class_with_members_cannot_be_removed(in_scope, audit_entries):
    with pytest.raises(SocietyError, match="has members"):
        services.remove_stakeholder_class(
            actor=None, stakeholder_class=in_scope.classes["Parent"]
        )
    assert audit_entries(in_scope.society) == []


def test_grant_and_revoke_role(in_scope, audit_entries):
    secretary = in_scope.users["secretary"]
    member = in_scope.users["member"]
    grant = services.grant_role(actor=secretary, society=in_scope.society, user=member,
                                role=Role.AUDITOR)
    services.revoke_role(actor=secretary, grant=grant)
    actions = [(e.actor, e.action, e.data["role"]) for e in audit_entries(in_scope.society)]
    assert actions == [
        (secretary, "role.granted", "auditor"),
        (secretary, "role.revoked", "auditor"),
    ]
    assert not RoleGrant.objects.filter(user=member).exists()


def test_a_role_cannot_be_granted_twice(in_scope):
    with pytest.raises(SocietyError, match="already"):
        services.grant_role(actor=None, society=in_scope.society,
                            user=in_scope.users["auditor"], role=Role.AUDITOR)


def test_the_database_refuses_a_duplicate_role_grant(in_scope):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(society=in_scope.society, user=in_scope.users["auditor"],
                                 role=Role.AUDITOR)


def test_member_is_not_a_grantable_role(in_scope):
    with pytest.raises(SocietyError, match="not a role"):
        services.grant_role(actor=None, society=in_scope.society,
                            user=in_scope.users["auditor"], role="member")


def test_the_last_secretary_cannot_be_removed(in_scope, audit_entries):
    grant = RoleGrant.objects.get(role=Role.SECRETARY)
    with pytest.raises(SocietyError, match="at least one secretary"):
        services.revoke_role(actor=in_scope.users["secretary"], grant=grant)
    assert RoleGrant.objects.filter(role=Role.SECRETARY).count() == 1
    assert audit_entries(in_scope.society) == []


def test_invitation_is_sent_once_and_accepted(in_scope, audit_entries,
                                              django_capture_on_commit_callbacks):
    from notifications.tasks import send_invitation

    secretary = in_scope.users["secretary"]
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_to_role(actor=secretary, society=in_scope.society,
                                             email="new.ro@millmead.test",
                                             role=Role.RETURNING_OFFICER)
    assert len(mail.outbox) == 1
    # Running the task again (a redelivery) sends nothing more.
    assert send_invitation(in_scope.society.pk, invitation.pk) is False
    assert len(mail.outbox) == 1
    token = services.invitation_token(invitation)
    assert services.invitation_from_token(token) == invitation
    user = services.create_account_for_invitation(invitation=invitation, full_name="New RO",
                                                  password="a-long-password-1")
    assert user.emailaddress_set.get().verified
    assert RoleGrant.objects.filter(user=user, role=Role.RETURNING_OFFICER).exists()
    actions = [(e.actor, e.action) for e in audit_entries(in_scope.society)]
    assert actions == [(secretary, "invitation.sent"), (user, "invitation.accepted")]
    # A used link is no longer valid.
    assert services.invitation_from_token(token) is None


def test_invitation_must_be_accepted_by_the_invited_address(in_scope):
    invitation = services.invite_to_role(actor=None, society=in_scope.society,
                                         email="someone@millmead.test", role=Role.AUDITOR)
    with pytest.raises(SocietyError, match="was sent to someone@millmead.test"):
        services.accept_invitation(actor=in_scope.users["member"], invitation=invitation)
    assert not RoleGrant.objects.filter(user=in_scope.users["member"]).exists()


def test_cancelled_and_forged_invitations_are_refused(in_scope, audit_entries):
    invitation = services.invite_to_role(actor=None, society=in_scope.society,
                                         email="x@millmead.test", role=Role.AUDITOR)
    services.cancel_invitation(actor=in_scope.users["secretary"], invitation=invitation)
    assert services.invitation_from_token(services.invitation_token(invitation)) is None
    assert services.invitation_from_token("forged:token") is None
    assert [e.action for e in audit_entries(in_scope.society)] == [
        "invitation.sent", "invitation.cancelled"
    ]
