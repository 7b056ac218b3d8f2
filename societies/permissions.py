"""The one registry of roles and `"area:action"` permissions.

Views name the permission they need with `access.requires("area:action")`; an unknown name
fails at import time, so a typo can never silently open or close a page.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import models


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    SECRETARY = "secretary", "Secretary"
    RETURNING_OFFICER = "returning_officer", "Returning officer"
    BOARD_MEMBER = "board_member", "Board member"
    AUDITOR = "auditor", "Auditor"


# Roles a secretary grants on the roles page; "member" comes from admission to the register.
GRANTABLE_ROLES = [Role.SECRETARY, Role.RETURNING_OFFICER, Role.BOARD_MEMBER, Role.AUDITOR]
# Officers must have multi-factor authentication before any page only officers may open.
OFFICER_ROLES = frozenset({Role.SECRETARY, Role.RETURNING_OFFICER})

PERMISSIONS: dict[str, str] = {
    "society:view": "See the society's home page",
    "society:view_settings": "See the society's settings and stakeholder classes",
    "society:edit_settings": "Change the society's settings and stakeholder classes",
    "roles:view": "See who holds which role",
    "roles:manage": "Grant and remove roles, invite people to roles",
    "audit:view": "Read the society's audit log",
}

_EVERYONE = {"society:view"}
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.MEMBER: frozenset(_EVERYONE),
    Role.BOARD_MEMBER: frozenset(_EVERYONE | {"roles:view"}),
    Role.RETURNING_OFFICER: frozenset(_EVERYONE),
    Role.AUDITOR: frozenset(
        _EVERYONE | {"society:view_settings", "roles:view", "audit:view"}
    ),
    Role.SECRETARY: frozenset(
        _EVERYONE
        | {
            "society:view_settings",
            "society:edit_settings",
            "roles:view",
            "roles:manage",
            "audit:view",
        }
    ),
}


def check_permission_name(name: str) -> None:
    if name not in PERMISSIONS:
        raise ImproperlyConfigured(f"Unknown permission {name!r}: add it to societies.permissions")


def check_registry() -> None:
    for name in PERMISSIONS:
        area, sep, action = name.partition(":")
        if not (area and sep and action):
            raise ImproperlyConfigured(f"Permission {name!r} is not of the form 'area:action'")
    for role, granted in ROLE_PERMISSIONS.items():
        for name in granted:
            check_permission_name(name)
        if role not in Role.values:
            raise ImproperlyConfigured(f"Unknown role {role!r} in ROLE_PERMISSIONS")
    missing = set(Role.values) - set(ROLE_PERMISSIONS)
    if missing:
        raise ImproperlyConfigured(f"Roles without permissions: {sorted(missing)}")


def permissions_for(roles) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def roles_granting(roles, permission: str) -> frozenset[str]:
    return frozenset(role for role in roles if permission in ROLE_PERMISSIONS[role])


check_registry()
