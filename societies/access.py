"""Who may see what in a society: role lookup, view decorators and fetch helpers."""

import functools
from dataclasses import dataclass

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from societies.permissions import (
    OFFICER_ROLES,
    Role,
    check_permission_name,
    permissions_for,
    roles_granting,
)


@dataclass(frozen=True)
class Visitor:
    """What the current user is in the current society."""

    roles: frozenset[str]
    member: object | None = None

    @property
    def permissions(self) -> frozenset[str]:
        return permissions_for(self.roles)

    def can(self, permission: str) -> bool:
        check_permission_name(permission)
        return permission in self.permissions


NOBODY = Visitor(roles=frozenset())
AFTER_MFA_SESSION_KEY = "omov_after_mfa"


def visitor_for(user, society) -> Visitor:
    """Roles of `user` in `society`; call inside the society's scope."""
    from members.models import Member

    if user is None or not user.is_authenticated:
        return NOBODY
    roles = set(society.role_grants.filter(user=user).values_list("role", flat=True))
    member = Member.objects.filter(society=society, user=user, ceased_on__isnull=True).first()
    if member is not None:
        roles.add(Role.MEMBER.value)
    return Visitor(roles=frozenset(roles), member=member)


def requires(permission: str):
    """Let the view run only for visitors whose roles grant `permission` (403 otherwise).

    Where only an officer role grants it, the officer must have set up multi-factor
    authentication first; they are sent to enrol and then back here.
    """
    check_permission_name(permission)

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            granting = roles_granting(request.visitor.roles, permission)
            if not granting:
                raise PermissionDenied
            if granting <= OFFICER_ROLES and not is_mfa_enabled(request.user):
                messages.info(
                    request,
                    "Officers must set up two-factor authentication before opening this page.",
                )
                return redirect_to_mfa_enrolment(request, request.get_full_path())
            if AFTER_MFA_SESSION_KEY in request.session:
                del request.session[AFTER_MFA_SESSION_KEY]
            return view(request, *args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator


def redirect_to_mfa_enrolment(request, come_back_to: str):
    """Send an officer to set up TOTP; the recovery-codes page then links back here."""
    request.session[AFTER_MFA_SESSION_KEY] = come_back_to
    return redirect(reverse("mfa_activate_totp"))


def public(view):
    """Mark a society page anyone may open, signed in or not (e.g. the application form)."""
    view.society_public = True
    return view


def get_or_404(queryset, **lookup):
    """Fetch one object from a society-owned queryset; 404 whatever the reason it is absent."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
