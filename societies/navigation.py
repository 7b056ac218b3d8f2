"""Links in a society's navigation bar. Apps register theirs in AppConfig.ready():

    register(label="Members", url_name="members:register", permission="members:view", order=20)

A link shows only to visitors whose roles grant its permission.
"""

from dataclasses import dataclass

from societies.permissions import check_permission_name


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str
    order: int


_ITEMS: list[NavItem] = []


def register(*, label: str, url_name: str, permission: str, order: int = 50) -> None:
    check_permission_name(permission)
    if any(item.url_name == url_name for item in _ITEMS):
        return
    _ITEMS.append(NavItem(label, url_name, permission, order))
    _ITEMS.sort(key=lambda item: (item.order, item.label))


def items_for(permissions) -> list[NavItem]:
    return [item for item in _ITEMS if item.permission in permissions]
