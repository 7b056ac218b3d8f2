"""Audit entries as sentences a person reads ("Liam Hughes admitted Ann Lee as member 57").

Each app describes its own actions in its `audit_text.py`, imported from AppConfig.ready(),
so this module never imports a higher app. Most are a phrase over the entry's parts:

    phrases({"member.admitted": "{actor} admitted {name} as member {data[member_number]}"})

(`{actor}`, `{target}`, `{name}`, `{data[key]}`, `{date[key]}` in words, `{money[key]}` in
pounds, `{changes}` for a `{"changes": {field: [old, new]}}` entry); the rest a function
that gets an `Event` and returns one sentence:

    @describes("notice.sent")
    def _sent(e): ...

An action nobody describes, or an entry whose data a describer cannot read (written before
its describer changed), still reads as a plain sentence built from the action's name; the
details list shows the data as labelled values, never as a Python dict.
tests/societies/test_audit_text.py fails for an action the code records without a describer.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.functional import cached_property

from societies.money import format_pence

# Who did it when no person did: scheduled work (polls opening on time, counts, sweeps).
SYSTEM = "OMOV"

_DESCRIBERS: dict[str, Callable[["Event"], str]] = {}


def describes(*actions: str):
    """Register the decorated function as the sentence for each of `actions`."""
    def register(describer):
        for action in actions:
            known = _DESCRIBERS.get(action)
            if known is not None and known is not describer:
                raise ImproperlyConfigured(f"Two describers for the audit action {action!r}")
            _DESCRIBERS[action] = describer
        return describer
    return register


def phrases(table: dict[str, str]) -> None:
    """Describe each action of `table` by its phrase (see the module's docstring)."""
    for action, phrase in table.items():
        describes(action)(_Phrase(phrase))


@dataclass(frozen=True)
class _Phrase:
    phrase: str

    def __call__(self, event: "Event") -> str:
        return self.phrase.format_map({
            "actor": event.actor, "target": event.target, "name": event.name,
            "data": event.data, "date": _Read(event.date), "money": _Read(event.money),
            "changes": _Lazy(event.changes),
        })


@dataclass(frozen=True)
class _Lazy:
    """`{changes}` in a phrase, worked out only where the phrase uses it."""

    how: Callable[[], str]

    def __format__(self, spec: str) -> str:
        return format(self.how(), spec)


@dataclass(frozen=True)
class _Read:
    """`{date[paid_on]}` in a phrase: the data's value, read by `how`."""

    how: Callable[[str], str]

    def __getitem__(self, key: str) -> str:
        return self.how(key)


def described_actions() -> set[str]:
    return set(_DESCRIBERS)


@dataclass
class Event:
    """What a describer reads: one audit entry with its parts ready to put in a sentence."""

    entry: object

    @cached_property
    def actor(self) -> str:
        user = self.entry.actor
        if user is not None:
            return str(user)
        return self.entry.actor_label or SYSTEM

    @property
    def action(self) -> str:
        return self.entry.action

    @property
    def target(self) -> str:
        return self.entry.target_label or "(not named)"

    @property
    def name(self) -> str:
        """The target's name without the member number its label ends with, "Ann Lee (no. 57)"."""
        return re.sub(r" \(no\. \d+\)$", "", self.target)

    @property
    def data(self) -> dict:
        return self.entry.data if isinstance(self.entry.data, dict) else {}

    def date(self, key: str) -> str:
        return readable(self.data[key], key)

    def money(self, key: str) -> str:
        return format_pence(int(self.data[key]))

    def changes(self) -> str:
        """A `{"changes": {field: [old, new]}}` entry as "a from x to y; b from …"."""
        return changes_text(self.data["changes"])


def sentence(entry) -> str:
    event = Event(entry)
    describer = _DESCRIBERS.get(entry.action)
    if describer is not None:
        try:
            return describer(event)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            pass  # an older entry without the data the describer reads: said plainly below
    return generic_sentence(event)


def generic_sentence(event: Event) -> str:
    area, _, what = event.action.partition(".")
    what = label(what or area)
    area = label(area) if what else ""
    about = f" — {event.entry.target_label}" if event.entry.target_label else ""
    return f"{event.actor}: {area.lower() + ' ' if area else ''}{what.lower()}{about}".strip()


def details(entry) -> list[tuple[str, str]]:
    """The entry's data as (label, value) pairs for the details list, then what it is about
    and the action's name as recorded (what an auditor searches the records for)."""
    data = entry.data if isinstance(entry.data, dict) else {}
    pairs = [(label(key), readable(value, key)) for key, value in data.items()]
    if entry.target_label:
        pairs.append(("About", entry.target_label))
    return [*pairs, ("Recorded as", entry.action)]


def label(key: str) -> str:
    """A data key or field name as words: "max_withdrawable_pence" -> "Max withdrawable"."""
    words = re.sub(r"_pence$", "", str(key)).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def readable(value, key: str = "") -> str:
    """A stored value as a person writes it: dates in words, pence as money, yes and no."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and str(key).endswith("pence"):
        return format_pence(value)
    if isinstance(value, str) and _ISO_DATE.match(value):
        day = date.fromisoformat(value)
        return f"{day.day} {day:%B %Y}"
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return f"{moment.day} {moment:%B %Y %H:%M}"
    if isinstance(value, dict):
        return "; ".join(f"{label(k).lower()}: {readable(v, k)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(readable(v, key) for v in value) or "none"
    return str(value)


def changes_text(changes: dict) -> str:
    parts = []
    for field, change in changes.items():
        if isinstance(change, list | tuple) and len(change) == 2:
            old, new = (readable(v, field) for v in change)
            parts.append(f"{label(field).lower()} from {old} to {new}")
        else:
            parts.append(f"{label(field).lower()} ({readable(change, field)})")
    return "; ".join(parts) or "nothing"


def plural(count, one: str, many: str | None = None) -> str:
    """ "1 member", "3 members"."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


@dataclass(frozen=True)
class Line:
    """One row of the audit log page."""

    entry: object
    sentence: str
    details: list


def lines(entries) -> list[Line]:
    return [Line(entry, _full_stop(sentence(entry)), details(entry)) for entry in entries]


def _full_stop(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else f"{text}."


# The society's own actions.

def _role(value) -> str:
    from societies.permissions import Role

    try:
        return Role(value).label.lower()
    except ValueError:
        return str(value)


phrases({
    "society.created": "{actor} set up {data[name]} and invited {data[first_secretary]} as its "
                       "first secretary",
    "society.settings_changed": "{actor} changed the society's settings: {changes}",
    "stakeholder_class.created": "{actor} added the stakeholder class {target}",
    "stakeholder_class.changed": "{actor} changed the stakeholder class {target}: {changes}",
    "stakeholder_class.removed": "{actor} removed the stakeholder class {data[name]}",
    "invitation.cancelled": "{actor} cancelled the invitation to {data[email]}",
    "society.document_uploaded": "{actor} uploaded version {data[version]} of the society's "
                                 "{data[kind]}, dated {date[version_date]}",
})


_ROLE_CHANGES = {
    "role.granted": "{actor} made {email} {role}",
    "role.revoked": "{actor} removed {email} as {role}",
    "invitation.sent": "{actor} invited {email} to be {role}",
    "invitation.accepted": "{email} accepted the invitation to be {role}",
}


@describes(*_ROLE_CHANGES)
def _role_changed(e):
    return _ROLE_CHANGES[e.action].format(actor=e.actor, email=e.data["email"],
                                          role=_role(e.data["role"]))
