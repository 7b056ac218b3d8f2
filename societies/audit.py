"""`audit.record(...)`: the one way services write an AuditEntry, inside their transaction."""

from django.db import connection

from accounts.acting import user_or_none
from societies.models import AuditEntry


def record(society, actor, action: str, target=None, data: dict | None = None) -> AuditEntry:
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must run inside the service's transaction")
    target_type = target_id = target_label = ""
    if target is not None:
        target_type = target._meta.label
        target_id = str(getattr(target, "public_id", None) or getattr(target, "slug", None)
                        or target.pk)
        target_label = str(target)[:200]
    return AuditEntry.objects.create(
        society=society,
        actor=user_or_none(actor),
        actor_label=getattr(actor, "email", "") if actor is not None else "",
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        data=data or {},
    )
