"""How the society middleware finds the society and the visitor's roles on each request: one
query for a plain member, and nothing kept from one request to the next."""

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from members.models import Member
from members.visitors import society_and_visitor
from societies.models import RoleGrant, Society
from societies.permissions import Role


def trustee_register(world) -> str:
    return reverse("members:register", kwargs={"society_slug": world.society.slug})


def test_a_plain_member_is_found_with_the_society_in_one_query(world,
                                                               django_assert_num_queries):
    member = world.members["member"]
    with django_assert_num_queries(1):
        society, visitor = society_and_visitor(world.society.slug, member.user)
    assert society == world.society
    assert visitor.roles == {Role.MEMBER.value}
    assert visitor.member == member


def test_every_persona_gets_the_roles_it_holds(world):
    expected = {
        "secretary": {Role.MEMBER.value, Role.SECRETARY.value},
        "board_member": {Role.MEMBER.value, Role.BOARD_MEMBER.value},
        "returning_officer": {Role.RETURNING_OFFICER.value},
        "auditor": {Role.AUDITOR.value},
        "member": {Role.MEMBER.value},
        "outsider": set(),
    }
    for persona, roles in expected.items():
        society, visitor = society_and_visitor(world.society.slug, world.users[persona])
        assert society == world.society, persona
        assert visitor.roles == roles, persona
        assert (visitor.member == world.members.get(persona)), persona


def test_a_member_of_one_society_is_nobody_in_another(world):
    member = world.members["member"]
    society, visitor = society_and_visitor(world.other.society.slug, member.user)
    assert society == world.other.society
    assert not visitor.roles and visitor.member is None
    client = world.client("member")
    slug = world.other.society.slug
    assert client.get(reverse("members:my_record", kwargs={"society_slug": slug})
                      ).status_code == 404
    # The society's address answers with its public page, as for any visitor.
    response = client.get(reverse("societies:home", kwargs={"society_slug": slug}))
    assert response.status_code == 200
    assert b"Your membership" not in response.content
    assert b"Join Elsewhere Co-operative" in response.content


def test_a_revoked_role_takes_effect_on_the_next_request(world):
    client = world.client("board_member")
    assert client.get(trustee_register(world)).status_code == 200
    with scope(society=world.society):
        RoleGrant.objects.filter(user=world.users["board_member"]).delete()
    assert client.get(trustee_register(world)).status_code == 403


def test_a_granted_role_takes_effect_on_the_next_request(world):
    client = world.client("member")
    assert client.get(trustee_register(world)).status_code == 403
    with scope(society=world.society):
        RoleGrant.objects.create(society=world.society, user=world.users["member"],
                                 role=Role.BOARD_MEMBER)
    # The role's pages open once the new board member has set up two-factor.
    response = client.get(trustee_register(world))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    with scopes_disabled():
        TOTP.activate(world.users["member"], generate_totp_secret())
    assert client.get(trustee_register(world)).status_code == 200


def test_a_ceased_membership_takes_effect_on_the_next_request(world):
    client = world.client("member")
    home = reverse("members:my_record", kwargs={"society_slug": world.society.slug})
    assert client.get(home).status_code == 200
    with scope(society=world.society):
        Member.objects.filter(pk=world.members["member"].pk).update(
            ceased_on=timezone.localdate(), cessation_reason="resigned")
    assert client.get(home).status_code == 404


def test_a_deactivated_society_is_not_found_even_by_its_members(world):
    client = world.client("member")
    home = reverse("societies:home", kwargs={"society_slug": world.society.slug})
    assert client.get(home).status_code == 200
    with scopes_disabled():
        Society.objects.filter(pk=world.society.pk).update(is_active=False)
    assert client.get(home).status_code == 404
    assert society_and_visitor(world.society.slug, world.users["member"])[0] is None
