"""What a service test says about the audit log: the change wrote exactly one entry of its
action, by the person (or, with `actor=None`, the system) that made it."""

from django_scopes import scope

from societies import audit
from societies.models import AuditEntry


def last_audit_id(society) -> int:
    """The newest entry's id (0 for none): pass it as `since` to look only at what follows."""
    with scope(society=society):
        return (AuditEntry.objects.filter(society=society).order_by("-id")
                .values_list("id", flat=True).first() or 0)


def assert_one_audit_entry(society, action: str, *, actor, target=None, since: int = 0,
                           alone: bool = True) -> AuditEntry:
    """Assert that the society's entries after id `since` hold exactly one `action`, written
    by `actor` (a user; None for the system) about `target` when given; with `alone`, that
    it is the only entry written since (one change, one entry). Returns the entry."""
    audit.check_action_name(action)
    with scope(society=society):
        entries = list(AuditEntry.objects.filter(society=society, id__gt=since)
                       .select_related("actor").order_by("id"))
    written = [e.action for e in entries]
    matching = [e for e in entries if e.action == action]
    assert len(matching) == 1, f"expected one {action!r} entry, found: {written}"
    entry = matching[0]
    assert entry.actor_id == getattr(actor, "pk", None), (
        f"{action!r} was written by {entry.actor or entry.actor_label or 'the system'}, "
        f"not {actor or 'the system'}")
    if target is not None:
        assert (entry.target_type, entry.target_id) == audit.target_reference(target), (
            f"{action!r} is about {entry.target_type} {entry.target_label!r}, not {target!r}")
    if alone:
        assert written == [action], f"expected only {action!r} since {since}, found: {written}"
    return entry
