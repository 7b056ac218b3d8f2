"""Who may see what in a society: role lookup, view decorators and fetch helpers."""

import functools
from dataclasses import dataclass, field

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from societies.permissions import (
    check_permission_name,
    needs_mfa,
    permissions_for,
)


@dataclass(frozen=True)
class Visitor:
    """What the current user is in the current society.

    `granted` is what the roles grant; `permissions` what the visitor may use now: a
    permission that needs two-factor authentication (`permissions.needs_mfa`) counts only once
    the user has set it up, so no page, link or figure behind it shows before then.
    """

    roles: frozenset[str]
    member: object | None = None
    user: object | None = field(default=None, compare=False, repr=False)

    @functools.cached_property
    def granted(self) -> frozenset[str]:
        return permissions_for(self.roles)

    @functools.cached_property
    def permissions(self) -> frozenset[str]:
        without_mfa = frozenset(p for p in self.granted if not needs_mfa(self.roles, p))
        if without_mfa == self.granted or self.has_mfa:
            return self.granted
        return without_mfa

    @functools.cached_property
    def has_mfa(self) -> bool:
        return self.user is not None and is_mfa_enabled(self.user)

    def can(self, permission: str) -> bool:
        check_permission_name(permission)
        return permission in self.permissions

    def holds(self, permission: str) -> bool:
        """Whether the roles grant `permission`, two-factor set up or not."""
        check_permission_name(permission)
        return permission in self.granted


NOBODY = Visitor(roles=frozenset())
AFTER_MFA_SESSION_KEY = "omov_after_mfa"


def requires(permission: str):
    """Let the view run only for visitors whose roles grant `permission` (403 otherwise).

    Where the permission needs two-factor authentication (any role but member's grants it,
    see `permissions.needs_mfa`), a visitor who has not set it up is sent to enrol and then
    back here.
    """
    check_permission_name(permission)

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            visitor = request.visitor
            if not visitor.holds(permission):
                raise PermissionDenied
            if not visitor.can(permission):
                messages.info(
                    request,
                    "Your role's pages open once you have set up two-factor authentication.",
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


def platform_operator(view):
    """Let the view run only for superusers (403 otherwise) who have set up two-factor
    authentication: they are sent to enrol first, as officers are."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        if not is_mfa_enabled(request.user):
            messages.info(request, "The platform's pages open once you have set up two-factor "
                                   "authentication.")
            return redirect_to_mfa_enrolment(request, request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def public(view):
    """Mark a society page anyone may open, signed in or not (e.g. the application form)."""
    view.society_public = True
    return view


def first_or_none(queryset):
    """The one row a unique lookup finds, or None: `.first()` without its ORDER BY, which
    costs more to build than the query itself on a wide model."""
    return next(iter(queryset[:1]), None)


def get_or_404(queryset, **lookup):
    """Fetch one object from a society-owned queryset; 404 whatever the reason it is absent."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
