"""Two-factor authentication guards every permission beyond a member's own: every URL under
/s/<slug>/, taken from the URL resolver, for every combination of roles, first without
two-factor and then with it. Also the platform's pages and the Django admin for superusers.

Without two-factor a page needing a permission the visitor's member role alone does not grant
sends them to enrol, never opens; a page their member role grants opens as for any member.
With two-factor every page their roles grant opens; the others are refused (403).
"""

from itertools import combinations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from members.models import Member
from societies.models import RoleGrant
from societies.permissions import (
    GRANTABLE_ROLES,
    ROLE_PERMISSIONS,
    Role,
    needs_mfa,
    roles_granting,
)
from tests.conftest import make_user
from tests.societies.test_isolation import PATTERNS, fetch, url_for

ENROL = reverse("mfa_activate_totp")
# Every combination of the roles a secretary grants, each with and without membership.
ROLE_SETS = [
    frozenset(chosen) | extra
    for size in range(len(GRANTABLE_ROLES) + 1)
    for chosen in combinations([role.value for role in GRANTABLE_ROLES], size)
    for extra in (frozenset(), frozenset({Role.MEMBER.value}))
    if chosen or extra
]
GUARDED = [(route, namespace, pattern, converters)
           for route, namespace, pattern, converters in PATTERNS
           if not getattr(pattern.callback, "society_public", False)]


def _label(roles) -> str:
    return "+".join(sorted(roles))


def _person_with(world, roles, *, mfa: bool):
    user = make_user(f"with-{_label(roles).replace('_', '-').replace('+', '.')}@millmead.test",
                     mfa=mfa)
    with scope(society=world.society):
        for role in roles - {Role.MEMBER.value}:
            RoleGrant.objects.create(society=world.society, user=user, role=role)
        if Role.MEMBER.value in roles:
            Member.objects.create(society=world.society, member_number=900, user=user,
                                  full_name=user.full_name, email=user.email,
                                  stakeholder_class=world.classes["Parent"])
    client = world.client("anonymous")
    client.force_login(user)
    return user, client


def _is_enrolment(response) -> bool:
    return response.status_code == 302 and response["Location"] == ENROL


def _opened_through(roles, pattern):
    """The permission the view checks for these roles (a few views open through one of
    several, in order), or None where none is granted."""
    order = getattr(pattern.callback, "opened_through", (pattern.callback.required_permission,))
    return next((p for p in order if roles_granting(roles, p)), None)


def _walk(world, client, roles, expect) -> list[str]:
    problems = []
    for route, namespace, pattern, converters in GUARDED:
        permission = _opened_through(roles, pattern)
        url = url_for(route, namespace, pattern, converters, world.society.slug)
        response = fetch(client, url)
        if not expect(permission, response):
            problems.append(f"{route} ({permission}): {response.status_code} "
                            f"{response.get('Location', '')}")
    return problems


@pytest.mark.parametrize("roles", ROLE_SETS, ids=[_label(r) for r in ROLE_SETS])
def test_no_permission_beyond_a_members_opens_without_two_factor(world, roles):
    user, client = _person_with(world, roles, mfa=False)

    def without_mfa(permission, response):
        if permission is None:
            return response.status_code == 403
        if needs_mfa(roles, permission):
            return _is_enrolment(response)
        return response.status_code not in (403, 500) and not _is_enrolment(response)

    problems = _walk(world, client, roles, without_mfa)
    assert not problems, "without two-factor:\n" + "\n".join(problems)

    with scopes_disabled():
        TOTP.activate(user, generate_totp_secret())

    def with_mfa(permission, response):
        if permission is None:
            return response.status_code == 403
        return response.status_code != 500 and not _is_enrolment(response)

    problems = _walk(world, client, roles, with_mfa)
    assert not problems, "with two-factor:\n" + "\n".join(problems)


def test_the_rule_needs_two_factor_for_every_role_but_members():
    for role in GRANTABLE_ROLES:
        assert all(needs_mfa({role}, permission) for permission in ROLE_PERMISSIONS[role])
    assert not needs_mfa({Role.MEMBER}, "members:view_own")
    # A member who is also secretary opens their own pages without it, the register not.
    both = {Role.MEMBER, Role.SECRETARY}
    assert not needs_mfa(both, "members:view_own")
    assert needs_mfa(both, "register:view_full")


def test_an_auditor_reaches_the_register_and_its_export_only_after_enrolling(world):
    user, client = _person_with(world, frozenset({Role.AUDITOR.value}), mfa=False)
    slug = world.society.slug
    register = reverse("members:register", kwargs={"society_slug": slug})
    export = reverse("members:register_export",
                     kwargs={"society_slug": slug, "kind": "full", "fmt": "csv"})
    for url in (register, export):
        response = client.get(url)
        assert _is_enrolment(response), url
        assert client.session["omov_after_mfa"] == url
    with scopes_disabled():
        TOTP.activate(user, generate_totp_secret())
    assert client.get(register).status_code == 200
    assert client.get(export)["Content-Type"].startswith("text/csv")


def test_a_secretary_who_is_also_auditor_enrols_before_the_register(world):
    user, client = _person_with(world, frozenset({Role.SECRETARY.value, Role.AUDITOR.value}),
                                mfa=False)
    register = reverse("members:register", kwargs={"society_slug": world.society.slug})
    assert _is_enrolment(client.get(register))


def test_a_member_who_holds_a_role_sees_no_officer_data_on_member_pages(world):
    user, client = _person_with(world, frozenset({Role.MEMBER.value, Role.SECRETARY.value}),
                                mfa=False)
    home = client.get(reverse("societies:home", kwargs={"society_slug": world.society.slug}))
    assert home.status_code == 200
    perms = home.context["society_perms"]
    assert "members:view_own" in perms
    assert "members:manage" not in perms and "register:view_full" not in perms
    assert "set up two-factor authentication" in home.content.decode()
    # The navigation still offers the role's pages: each leads to enrolment, then the page.
    links = [link["href"] for group in home.context["society_nav_groups"]
             for link in group["links"]]
    register = reverse("members:register", kwargs={"society_slug": world.society.slug})
    assert register in links
    assert _is_enrolment(client.get(register))
    plain = world.client("member").get(
        reverse("societies:home", kwargs={"society_slug": world.society.slug}))
    assert "set up two-factor authentication" not in plain.content.decode()


@pytest.fixture
def operator(db):
    user = make_user("operator@omov.test")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


PLATFORM_PAGES = ["/platform/societies/", "/platform/societies/new/", "/admin/",
                  "/admin/societies/society/", "/admin/societies/rolegrant/",
                  "/admin/societies/auditentry/"]


@pytest.mark.parametrize("path", PLATFORM_PAGES)
def test_the_superuser_enrols_before_the_platform_pages_and_the_admin(operator, client, path):
    client.force_login(operator)
    response = client.get(path)
    assert _is_enrolment(response)
    assert client.session["omov_after_mfa"] == path
    with scopes_disabled():
        TOTP.activate(operator, generate_totp_secret())
    assert client.get(path).status_code == 200
