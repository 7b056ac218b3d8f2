"""`audit.record(...)`: the one way services write an AuditEntry, inside their transaction;
and the one registry of the action names it may write.

Each app declares the names it writes once, in its `audit_actions.py` (found and imported
when Django starts, like the permission registry), each with one line saying what happened:

    register("members", prefixes=["member", "application"], actions={
        "member.admitted": "A person was admitted to the register of members",
    })

A name is `<prefix>.<what_happened>`: the prefix names the kind of thing the entry is about
and belongs to one app only; what happened is snake_case and says it in the past tense (one of
its words is a past participle: `admitted`, `paper_returned`, `withdrawn`). The rule is
checked when the app registers, and `record()` refuses a name nobody registered, so a typo
fails the first test that reaches it. Entries are never rewritten (the table is append-only),
so a name once written stays: one that breaks the rule is registered under `exceptions` with
the reason it is kept, and one the code no longer writes under `retired` (the audit log still
reads it; `record()` refuses it).
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from accounts.acting import user_or_none
from societies.models import AuditEntry

_NAME = re.compile(r"^(?P<prefix>[a-z]+(?:_[a-z]+)*)\.(?P<what>[a-z]+(?:_[a-z]+)*)$")
# Past participles that do not end in -ed; add one here when a name needs it.
IRREGULAR_PAST = frozenset({
    "cast", "chosen", "done", "drawn", "given", "held", "kept", "left", "made", "paid", "sent",
    "set", "shown", "struck", "taken", "withdrawn", "written",
})


@dataclass(frozen=True)
class AuditAction:
    name: str
    app: str
    description: str
    exception: str = ""  # why a name that breaks the rule is kept
    retired: bool = False  # stored entries hold it; the code writes it no more


_ACTIONS: dict[str, AuditAction] = {}
_PREFIXES: dict[str, str] = {}  # prefix -> the app that owns it


def naming_problem(name: str, prefixes) -> str:
    """What is wrong with `name` under the rule, or "" when nothing is."""
    match = _NAME.match(name)
    if match is None:
        return "is not of the form 'prefix.what_happened' (lower case, words joined by _)"
    if match["prefix"] not in prefixes:
        return f"does not start with one of the app's prefixes {sorted(prefixes)}"
    words = match["what"].split("_")
    if not any(word in IRREGULAR_PAST or (len(word) > 3 and word.endswith("ed"))
               for word in words):
        return "does not say what happened in the past tense (no word like 'admitted')"
    return ""


def register(app: str, *, prefixes, actions: dict[str, str] | None = None,
             exceptions: dict[str, tuple[str, str]] | None = None,
             retired: dict[str, str] | None = None) -> None:
    """Register `app`'s audit actions: `actions` maps each name to one line saying what
    happened; `exceptions` maps a stored name that breaks the rule to (that line, why it is
    kept); `retired` maps a name the code no longer writes to its line."""
    prefixes = set(prefixes)
    for prefix in prefixes:
        owner = _PREFIXES.get(prefix, app)
        if owner != app:
            raise ImproperlyConfigured(
                f"The audit prefix {prefix!r} of {app} already belongs to {owner}")
    entries = [AuditAction(name, app, line) for name, line in (actions or {}).items()]
    entries += [AuditAction(name, app, line, exception=why)
                for name, (line, why) in (exceptions or {}).items()]
    entries += [AuditAction(name, app, line, retired=True)
                for name, line in (retired or {}).items()]
    for action in entries:
        _check(action, prefixes)
    _PREFIXES.update(dict.fromkeys(prefixes, app))
    _ACTIONS.update((action.name, action) for action in entries)


def _check(action: AuditAction, prefixes: set[str]) -> None:
    known = _ACTIONS.get(action.name)
    if known is not None and known != action:
        raise ImproperlyConfigured(f"The audit action {action.name!r} is registered twice "
                                   f"({known.app} and {action.app})")
    if not action.description.strip() or "\n" in action.description:
        raise ImproperlyConfigured(f"Say in one line what {action.name!r} records")
    problem = naming_problem(action.name, prefixes)
    if action.exception:
        if not problem:
            raise ImproperlyConfigured(
                f"{action.name!r} follows the naming rule: register it as an action")
    elif problem:
        raise ImproperlyConfigured(f"The audit action {action.name!r} of {action.app} {problem}")


def registered() -> dict[str, AuditAction]:
    """Every registered action by name, retired ones included (what the audit log reads)."""
    return dict(_ACTIONS)


def check_action_name(action: str) -> None:
    """Refuse a name `record()` may not write: unregistered, or retired."""
    known = _ACTIONS.get(action)
    if known is None:
        raise ValueError(f"Unknown audit action {action!r}: register it in the app's "
                         "audit_actions.py (societies.audit.register)")
    if known.retired:
        raise ValueError(f"The audit action {action!r} is retired: nothing writes it any more")


def target_reference(target) -> tuple[str, str]:
    """How an entry names what it is about: (model label, public id, slug or key)."""
    if target is None:
        return "", ""
    return target._meta.label, str(getattr(target, "public_id", None)
                                   or getattr(target, "slug", None) or target.pk)


def record(society, actor, action: str, target=None, data: dict | None = None) -> AuditEntry:
    check_action_name(action)
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must run inside the service's transaction")
    target_type, target_id = target_reference(target)
    return AuditEntry.objects.create(
        society=society,
        actor=user_or_none(actor),
        actor_label=getattr(actor, "email", "") if actor is not None else "",
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=str(target)[:200] if target is not None else "",
        data=data or {},
    )
