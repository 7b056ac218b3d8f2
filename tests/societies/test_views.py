"""Society pages as each persona sees them."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from societies import services
from societies.models import AuditEntry, Invitation, RoleGrant, Society
from societies.permissions import Role
from tests.conftest import make_user


def url(name, world, **kwargs):
    return reverse(name, kwargs={"society_slug": world.society.slug, **kwargs})


def settings_post(world, **overrides):
    society = world.society
    data = {
        "name": society.name, "legal_form": society.legal_form,
        "registration_number": "30012R", "registered_office": "1 Mill Road",
        "financial_year_end_month": 3, "financial_year_end_day": 31,
        "share_nominal_value_pence": "1.00", "minimum_shares": 1,
        "max_withdrawable_pence": "£100,000.00", "minimum_member_age": 16,
        "notice_clear_days": 14, "admission_method": "board", "probation_days": 0,
        "moved_out_of_area": "reclassify",
    }
    data.update(overrides)
    return data


def test_my_societies_lists_every_society_with_the_visitors_roles(world):
    with scope(society=world.other.society):
        RoleGrant.objects.create(society=world.other.society, user=world.users["member"],
                                 role=Role.AUDITOR)
    page = world.client("member").get(reverse("my_societies")).content.decode()
    assert "Millmead Children&#x27;s Centre" in page and "Elsewhere Co-operative" in page
    assert "Your roles: Member." in page and "Your roles: Auditor." in page


def test_society_home_shows_name_and_roles_in_the_header(world):
    page = world.client("board_member").get(url("societies:home", world)).content.decode()
    assert "Millmead Children&#x27;s Centre" in page
    assert "Board member, Member" in page


def test_secretary_edits_settings_and_the_change_is_audited(world):
    client = world.client("secretary")
    response = client.post(url("societies:settings_edit", world),
                           settings_post(world, notice_clear_days=21,
                                         admission_method="members_vote", probation_days=180))
    assert response.status_code == 302
    world.society.refresh_from_db()
    assert world.society.notice_clear_days == 21
    assert world.society.admission_method == "members_vote"
    with scope(society=world.society):
        entry = AuditEntry.objects.get(action="society.settings_changed")
    assert entry.actor == world.users["secretary"]
    assert entry.data["changes"]["probation_days"] == [0, 180]


@pytest.mark.parametrize("field,value,message", [
    ("max_withdrawable_pence", "100000.01", "Enter at most £100,000.00"),
    ("financial_year_end_day", "31", "has no day 31"),
    ("notice_clear_days", "-3", "Notice period"),
    ("share_nominal_value_pence", "abc", "Enter an amount in pounds and pence, like 1.00"),
])
def test_bad_settings_name_the_field_and_change_nothing(world, field, value, message):
    before = Society.objects.values().get(pk=world.society.pk)
    data = settings_post(world, **{field: value})
    if field == "financial_year_end_day":
        data["financial_year_end_month"] = 4
    response = world.client("secretary").post(url("societies:settings_edit", world), data)
    assert response.status_code == 400
    assert message.lower() in response.content.decode().lower()
    assert Society.objects.values().get(pk=world.society.pk) == before
    with scope(society=world.society):
        assert not AuditEntry.objects.exists()


def test_auditor_reads_settings_but_cannot_change_them(world):
    client = world.client("auditor")
    page = client.get(url("societies:settings", world)).content.decode()
    assert "Minimum member age" in page and "<form" not in page.split("<main")[1]
    response = client.post(url("societies:settings_edit", world), settings_post(world))
    assert response.status_code == 403


def test_officer_without_mfa_is_sent_to_enrol_first(world):
    secretary = make_user("new-secretary@millmead.test")
    with scope(society=world.society):
        RoleGrant.objects.create(society=world.society, user=secretary, role=Role.SECRETARY)
    client = world.client("member")
    client.force_login(secretary)
    response = client.get(url("societies:settings", world))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # Pages that are not officer pages still open.
    assert client.get(reverse("my_societies")).status_code == 200


def test_secretary_adds_a_stakeholder_class_through_the_page(world):
    client = world.client("secretary")
    response = client.post(url("societies:class_add", world),
                           {"name": "Volunteer", "description": "Helps out", "minimum_age": "12",
                            "is_constituency": "on"})
    assert response.status_code == 302
    page = client.get(url("societies:settings", world)).content.decode()
    assert "Volunteer" in page and "Helps out" in page


def test_duplicate_class_name_is_shown_on_the_name_field(world):
    response = world.client("secretary").post(url("societies:class_add", world),
                                              {"name": "STAFF", "description": ""})
    assert response.status_code == 400
    assert "already a stakeholder class" in response.content.decode()


def test_secretary_invites_and_the_invitee_sets_a_password(world,
                                                           django_capture_on_commit_callbacks):
    client = world.client("secretary")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("societies:roles", world),
                               {"email": "ro@ers.test", "role": Role.RETURNING_OFFICER})
    assert response.status_code == 302
    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[0].body).group(0)
    path = link.split("8000", 1)[1]
    visitor = world.client("anonymous")
    page = visitor.get(path)
    assert "Set password and accept" in page.content.decode()
    bad = visitor.post(path, {"full_name": "Rita Officer", "password1": "short",
                              "password2": "short"})
    assert bad.status_code == 200 and "too short" in bad.content.decode()
    done = visitor.post(path, {"full_name": "Rita Officer", "password1": "a-long-pass-phrase-9",
                               "password2": "a-long-pass-phrase-9"})
    # An officer goes straight to two-factor enrolment, without typing the password again.
    assert done.status_code == 302 and done["Location"] == reverse("mfa_activate_totp")
    assert "Turn on an authenticator app" in visitor.get(done["Location"]).content.decode()
    with scopes_disabled():
        assert RoleGrant.objects.filter(user__email="ro@ers.test",
                                        role=Role.RETURNING_OFFICER).exists()
    assert visitor.get(path).status_code == 404


def test_an_existing_account_signs_in_to_accept(world):
    with scope(society=world.society):
        invitation = services.invite_to_role(actor=None, society=world.society,
                                             email=world.users["member"].email, role=Role.AUDITOR)
    path = reverse("accept_invitation", args=[services.invitation_token(invitation)])
    assert "Sign in" in world.client("anonymous").get(path).content.decode()
    member = world.client("member")
    assert "Accept the invitation" in member.get(path).content.decode()
    assert member.post(path).status_code == 302
    with scope(society=world.society):
        assert RoleGrant.objects.filter(user=world.users["member"], role=Role.AUDITOR).exists()


def test_signed_in_as_someone_else_cannot_accept(world):
    with scope(society=world.society):
        invitation = services.invite_to_role(actor=None, society=world.society,
                                             email="someone@else.test", role=Role.AUDITOR)
    path = reverse("accept_invitation", args=[services.invitation_token(invitation)])
    page = world.client("member").get(path).content.decode()
    assert "was sent to someone@else.test" in page
    assert "Accept the invitation" not in page


def test_secretary_removes_a_role(world):
    with scope(society=world.society):
        grant = RoleGrant.objects.get(role=Role.AUDITOR)
    client = world.client("secretary")
    response = client.post(url("societies:role_revoke", world, public_id=grant.public_id))
    assert response.status_code == 302
    with scope(society=world.society):
        assert not RoleGrant.objects.filter(pk=grant.pk).exists()


def test_a_foreign_role_grant_is_not_found(world):
    with scope(society=world.other.society):
        foreign = RoleGrant.objects.filter(society=world.other.society).first()
    response = world.client("secretary").post(
        url("societies:role_revoke", world, public_id=foreign.public_id))
    assert response.status_code == 404
    with scope(society=world.other.society):
        assert RoleGrant.objects.filter(pk=foreign.pk).exists()


def test_superuser_creates_a_society_from_the_platform_page(world):
    operator = make_user("operator@omov.test", mfa=True)
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client = world.client("anonymous")
    client.force_login(operator)
    response = client.post(reverse("create_society"), {
        "name": "Baywind Energy Co-operative", "slug": "baywind", "legal_form": "cooperative",
        "secretary_email": "secretary@baywind.test"})
    assert response.status_code == 302
    with scopes_disabled():
        assert Invitation.objects.get(society__slug="baywind").email == "secretary@baywind.test"
    taken = client.post(reverse("create_society"), {
        "name": "Again", "slug": "baywind", "legal_form": "cooperative",
        "secretary_email": "x@y.test"})
    assert "already taken" in taken.content.decode()


def test_platform_pages_are_for_superusers_only(world):
    client = world.client("secretary")
    assert client.get(reverse("create_society")).status_code in (302, 403)
    assert client.get(reverse("platform_societies")).status_code in (302, 403)


def test_audit_log_lists_entries_newest_first(world):
    with scope(society=world.society):
        services.update_society_settings(actor=world.users["secretary"], society=world.society,
                                         values={"notice_clear_days": 20})
    page = world.client("auditor").get(url("societies:audit", world)).content.decode()
    assert "changed the society&#x27;s settings: notice clear days from 14 to 20." in page
