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
    SCRUTINEER = "scrutineer", "Scrutineer"


# Roles a secretary grants on the roles page; "member" comes from admission to the register.
GRANTABLE_ROLES = [Role.SECRETARY, Role.RETURNING_OFFICER, Role.BOARD_MEMBER, Role.AUDITOR,
                   Role.SCRUTINEER]

PERMISSIONS: dict[str, str] = {
    "society:view": "See the society's home page",
    "society:view_settings": "See the society's settings and stakeholder classes",
    "society:edit_settings": "Change the society's settings and stakeholder classes",
    "roles:view": "See who holds which role",
    "roles:manage": "Grant and remove roles, invite people to roles",
    "audit:view": "Read the society's audit log",
    # Notifications
    "notices:view_own": "Read one's own notices (the inbox) and set how one is contacted",
    "notices:send": "Send notices to members, and manage the letter pack for post",
    "notices:view_service": "See and export the record of service of every notice",
    # Membership and the register of members
    "members:view_own": "See and edit one's own member record",
    "members:manage": "Admit, decline, edit, cease and readmit members; handle applications",
    "members:import": "Import a register of members from a file",
    "register:view_full": "See the full register of members (every s.30 field) as at any date",
    "register:view_duplicate": "Inspect the duplicate register (no holdings)",
    "register:view_trustee": "See names, numbers, classes and dates of members (no contacts)",
    "register:export": "Export the register (CSV, XLSX, PDF)",
    # Shares
    "shares:view_own": "See one's own shares, certificates and nominations; ask to withdraw",
    "shares:view_ledger": "See the share ledger, withdrawals, interest runs of every member",
    "shares:manage": "Define share classes; issue, withdraw, transfer shares; run share interest",
    "shares:year_end": "See the year-end membership and share capital figures",
    # Elections and resolutions
    "ballots:view": "See open polls, vote, read statements and results, verify one's receipt",
    "ballots:nominate": "Nominate, propose and second candidates; consent to stand",
    "ballots:administer": "Run elections: contests, windows, roll, paper ballots, count, results",
    "ballots:turnout": "See turnout figures (numbers only) while a poll is open",
    "ballots:scrutinise": "Watch every step of an election (roll, turnout, paper batches, the "
                          "ballot box, the count), read-only and without seeing a vote",
    "ballots:paper_desk": "Work the paper desk: record returned ballot papers by their code, "
                          "set papers apart and decide those to check, issue papers in person",
    "ballots:cosign": "Co-sign a result the returning officer has signed off",
    "resolutions:propose": "Put resolutions to the members",
    # Boards and general meetings
    "boards:view": "Read the decision log",
    "boards:view_board": "See the board's composition, rotation, officers and interests",
    "boards:manage": "Define bodies and seats; record terms, officers and interests",
    "boards:record_decisions": "Record decisions in the decision register",
    "boards:proxy": "Appoint or revoke one's own proxy for a general meeting",
    "boards:view_proxies": "See the register of proxies of a general meeting",
}

_EVERYONE = {"society:view"}
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.MEMBER: frozenset(
        _EVERYONE
        | {
            "notices:view_own",
            "members:view_own",
            "register:view_duplicate",
            "shares:view_own",
            "ballots:view",
            "ballots:nominate",
            "boards:view",
            "boards:proxy",
        }
    ),
    Role.BOARD_MEMBER: frozenset(
        _EVERYONE
        | {"roles:view", "register:view_trustee", "shares:year_end", "boards:view",
           "boards:view_board", "boards:record_decisions"}
    ),
    Role.RETURNING_OFFICER: frozenset(
        _EVERYONE | {"ballots:administer", "ballots:turnout", "ballots:paper_desk"}
    ),
    Role.SCRUTINEER: frozenset(
        _EVERYONE | {"ballots:view", "ballots:turnout", "ballots:scrutinise", "ballots:cosign",
                     "ballots:paper_desk"}
    ),
    Role.AUDITOR: frozenset(
        _EVERYONE
        | {
            "society:view_settings",
            "roles:view",
            "audit:view",
            "notices:view_service",
            "register:view_full",
            "register:view_trustee",
            "register:view_duplicate",
            "register:export",
            "shares:view_ledger",
            "shares:year_end",
            "boards:view",
            "boards:view_board",
            "boards:view_proxies",
        }
    ),
    Role.SECRETARY: frozenset(
        _EVERYONE
        | {
            "society:view_settings",
            "society:edit_settings",
            "roles:view",
            "roles:manage",
            "audit:view",
            "ballots:paper_desk",
            "notices:send",
            "notices:view_service",
            "members:manage",
            "members:import",
            "register:view_full",
            "register:view_trustee",
            "register:view_duplicate",
            "register:export",
            "shares:view_ledger",
            "shares:manage",
            "shares:year_end",
            "ballots:turnout",
            "resolutions:propose",
            "boards:view",
            "boards:view_board",
            "boards:manage",
            "boards:record_decisions",
            "boards:view_proxies",
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


def needs_mfa(roles, permission: str) -> bool:
    """Whether reaching `permission` with `roles` needs two-factor authentication: whenever
    the visitor's member role alone does not grant it. Every other role can see members'
    private data or change something, so whatever combination of roles grants a permission
    beyond a member's own, it is reached only with two-factor; a member who also holds a role
    still opens their own member pages without it."""
    return Role.MEMBER not in roles_granting(roles, permission)


def role_needs_mfa(role: str) -> bool:
    """Whether holding `role` means setting up two-factor authentication (every role but
    member's): asked for when a role is accepted, before any of its pages."""
    return any(needs_mfa({role}, permission) for permission in ROLE_PERMISSIONS[role])


check_registry()
