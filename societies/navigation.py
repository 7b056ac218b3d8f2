"""Links in a society's navigation bar. Apps register theirs in AppConfig.ready():

    register(label="Register", url_name="members:register", permission="register:view_trustee",
             group="Members", order=25)

A link shows only to visitors whose roles grant its permission, under its group's name; groups
show in the order of GROUPS, links within a group by `order`.
"""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from societies.permissions import check_permission_name

GROUPS = ["Members", "Shares", "Elections", "Meetings", "Records", "Settings"]


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str
    order: int
    group: str


@dataclass(frozen=True)
class NavGroup:
    label: str
    items: list[NavItem]


_ITEMS: list[NavItem] = []


def register(*, label: str, url_name: str, permission: str, group: str, order: int = 50) -> None:
    check_permission_name(permission)
    if group not in GROUPS:
        raise ImproperlyConfigured(f"Navigation group {group!r} is not one of {GROUPS}")
    if any(item.url_name == url_name for item in _ITEMS):
        return
    _ITEMS.append(NavItem(label, url_name, permission, order, group))
    _ITEMS.sort(key=lambda item: (GROUPS.index(item.group), item.order, item.label))


def items_for(permissions) -> list[NavItem]:
    return [item for item in _ITEMS if item.permission in permissions]


def groups_for(permissions) -> list[NavGroup]:
    """The visitor's links by group, leaving out groups with none of theirs."""
    mine = items_for(permissions)
    return [NavGroup(group, items) for group in GROUPS
            if (items := [item for item in mine if item.group == group])]
