"""Corrections: a mistaken entry is reversed, never edited."""

from datetime import date

from django.db import IntegrityError, transaction

from shares.models import ShareTransaction, TransactionKind
from shares.services.common import ShareError
from shares.services.posting import Leg, post_to_ledger
from societies import audit


@transaction.atomic
def reverse_transaction(*, actor, entry: ShareTransaction, reason: str,
                        on_date: date | None = None) -> list[ShareTransaction]:
    """Correct a mistaken entry (with the other leg of a transfer, transmission or
    conversion) by reversing entries: the ledger itself is never edited."""
    society = entry.society
    reason = (reason or "").strip()
    if not reason:
        raise ShareError("Say why the entry is reversed.")
    if entry.kind == TransactionKind.REVERSAL:
        raise ShareError("A reversal cannot itself be reversed: record the entry again.")
    batch = list(ShareTransaction.objects.filter(batch=entry.batch).select_related(
        "member", "share_class").order_by("id"))
    if ShareTransaction.objects.filter(reverses__in=batch).exists():
        raise ShareError("This entry has already been reversed.")
    on_date = on_date or entry.on_date
    if on_date < entry.on_date:
        raise ShareError("A reversal cannot be dated before the entry it reverses.")
    try:
        with transaction.atomic():
            rows = post_to_ledger(
                actor=actor, society=society, on_date=on_date, reference=reason,
                legs=[Leg(e.member, e.share_class, TransactionKind.REVERSAL, -e.shares,
                          -e.amount_pence, counterparty=e.counterparty, reverses=e)
                      for e in batch])
    except IntegrityError:
        raise ShareError("This entry has already been reversed.") from None
    audit.record(society, actor, "shares.reversed", entry, {
        "entries": [str(e.public_id) for e in batch], "kind": entry.kind,
        "on_date": on_date.isoformat(), "reason": reason,
    })
    return rows
