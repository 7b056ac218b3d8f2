"""What needs doing, for the society's home page. Apps register providers in AppConfig.ready():

    todo.register(waiting_applications, permissions={"members:manage"})

A provider is `provider(society, visitor, now) -> list[Todo]`: what the visitor's roles let
them act on, each with a link to the page that does it. The home calls a provider only for a
visitor holding one of its permissions; a provider asks the database for counts (one or two
cheap queries), never for lists of rows.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.urls import reverse

from societies.permissions import check_permission_name


@dataclass(frozen=True)
class Todo:
    label: str  # what is waiting, in words: "Applications waiting for a decision"
    url: str  # the page that does it
    count: int | None = None  # how many, where there can be several
    due: date | None = None  # the deadline, or the earliest of several
    detail: str = ""  # one more sentence ("Notice must be served by 3 March 2027.")
    overdue: bool = False


Provider = Callable[..., list[Todo]]


@dataclass(frozen=True)
class _Registered:
    provider: Provider
    permissions: frozenset[str]
    order: int


_PROVIDERS: list[_Registered] = []


def register(provider: Provider, *, permissions: set[str], order: int = 50) -> None:
    for permission in permissions:
        check_permission_name(permission)
    if any(known.provider is provider for known in _PROVIDERS):
        return
    _PROVIDERS.append(_Registered(provider, frozenset(permissions), order))
    _PROVIDERS.sort(key=lambda known: known.order)


def items_for(society, visitor, now: datetime) -> list[Todo]:
    """Every provider the visitor's permissions reach, overdue items first; empty items are
    left out."""
    granted = visitor.permissions
    items: list[Todo] = []
    for known in _PROVIDERS:
        if known.permissions & granted:
            items += [item for item in known.provider(society, visitor, now)
                      if item.count is None or item.count > 0]
    return sorted(items, key=lambda item: not item.overdue)


def link(society, url_name: str, **kwargs) -> str:
    """A page of `society`, for a provider's Todo.url."""
    return reverse(url_name, kwargs={"society_slug": society.slug, **kwargs})


def day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"
