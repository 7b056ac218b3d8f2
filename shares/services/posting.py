"""Posting movements: the one place the ledger, the balances and the certificates are
written, and the payments that go with them."""

import uuid
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history

from accounts.acting import user_or_none
from config import bulk
from shares import ledger
from shares.models import (
    INFLOWS,
    Holding,
    Nomination,
    PaymentMethod,
    ShareAccount,
    ShareCertificate,
    ShareClass,
    SharePayment,
    ShareTransaction,
    TransactionKind,
)
from shares.queries import cap_pence, last_closed_year_end
from shares.services.common import (
    WRITE_CHUNK,
    ShareError,
    check_same_society,
    long_date,
    member_label,
    today,
)
from societies import numbering


@dataclass
class Leg:
    member: object
    share_class: ShareClass
    kind: str
    shares: int
    amount_pence: int
    counterparty: object = None
    reverses: ShareTransaction | None = None


def _check_date(society, on_date: date):
    if on_date > today():
        raise ShareError("The date cannot be in the future.")
    closed = last_closed_year_end(society)
    if closed is not None and on_date <= closed:
        raise ShareError(f"The year to {long_date(closed)} is closed (its share interest is "
                         f"posted): date the entry after {long_date(closed)}.")


def lock_accounts(society, member_ids) -> dict[int, ShareAccount]:
    """Lock (creating where missing) the share accounts of these members, in id order."""
    member_ids = sorted(set(member_ids))
    existing = set(ShareAccount.objects.filter(member_id__in=member_ids)
                   .values_list("member_id", flat=True))
    missing = [m for m in member_ids if m not in existing]
    if missing:
        ShareAccount.objects.bulk_create(
            [ShareAccount(society=society, member_id=m) for m in missing],
            ignore_conflicts=True, batch_size=WRITE_CHUNK,
        )
    accounts = {}
    for start in range(0, len(member_ids), WRITE_CHUNK):
        chunk = member_ids[start:start + WRITE_CHUNK]
        for account in (ShareAccount.objects.select_for_update(of=("self",))
                        .filter(member_id__in=chunk).order_by("member_id")):
            accounts[account.member_id] = account
    return accounts


def lock_account(member) -> ShareAccount:
    return lock_accounts(member.society, [member.pk])[member.pk]


def _holdings_for(society, pairs) -> dict[tuple[int, int], Holding]:
    """The balance rows for (member id, class id) pairs, created at zero where missing.
    Callers hold the members' account locks, so nobody else moves these rows meanwhile."""
    pairs = set(pairs)
    member_ids = {m for m, _c in pairs}
    class_ids = {c for _m, c in pairs}

    def fetch():
        found = {}
        ids = sorted(member_ids)
        for start in range(0, len(ids), WRITE_CHUNK):
            for holding in Holding.objects.filter(member_id__in=ids[start:start + WRITE_CHUNK],
                                                  share_class_id__in=class_ids):
                found[(holding.member_id, holding.share_class_id)] = holding
        return found

    found = fetch()
    missing = pairs - found.keys()
    if missing:
        Holding.objects.bulk_create(
            [Holding(society=society, member_id=m, share_class_id=c) for m, c in missing],
            ignore_conflicts=True, batch_size=WRITE_CHUNK,
        )
        found = fetch()
    return {pair: found[pair] for pair in pairs}


def post_to_ledger(*, actor, society, legs: list[Leg], on_date: date, reference: str = "",
                   payment: SharePayment | None = None, nomination: Nomination | None = None
                   ) -> list[ShareTransaction]:
    """Write `legs` to the ledger as one batch dated `on_date`, under the members' locks."""
    _check_date(society, on_date)
    classes = {leg.share_class.pk: leg.share_class for leg in legs}
    members = {leg.member.pk: leg.member for leg in legs}
    for leg in legs:
        check_same_society(society, leg.member, leg.share_class, leg.counterparty)
    accounts = lock_accounts(society, members)
    holdings = _holdings_for(society, {(leg.member.pk, leg.share_class.pk) for leg in legs})
    before = {member_id: account.withdrawable_pence for member_id, account in accounts.items()}
    holding_deltas: dict[int, tuple[int, int]] = {}
    for leg in legs:
        holding = holdings[(leg.member.pk, leg.share_class.pk)]
        holding.shares += leg.shares
        holding.amount_paid_pence += leg.amount_pence
        shares, amount = holding_deltas.get(holding.pk, (0, 0))
        holding_deltas[holding.pk] = (shares + leg.shares, amount + leg.amount_pence)
        if holding.shares < 0 or holding.amount_paid_pence < 0:
            held = holding.shares - leg.shares
            raise ShareError(f"{member_label(leg.member)} holds only {held} {leg.share_class.name} "
                             f"shares, so {abs(leg.shares)} cannot be taken from them.")
        maximum = leg.share_class.maximum_holding
        if leg.shares > 0 and maximum is not None and holding.shares > maximum:
            raise ShareError(f"{member_label(leg.member)} would hold {holding.shares} "
                             f"{leg.share_class.name} shares; the class allows at most "
                             f"{maximum}.")
        if leg.share_class.is_withdrawable:
            accounts[leg.member.pk].withdrawable_pence += leg.amount_pence
    cap = cap_pence(society)
    for member_id, account in accounts.items():
        if account.withdrawable_pence > max(cap, before[member_id]):
            raise ShareError(
                f"{member_label(members[member_id])} would hold "
                f"{ledger.format_pence(account.withdrawable_pence)} of withdrawable shares; "
                f"a member may hold at most {ledger.format_pence(cap)}."
            )
    batch = uuid.uuid4()
    recorded_by = user_or_none(actor)
    rows = ShareTransaction.objects.bulk_create([
        ShareTransaction(
            society=society, member=leg.member, share_class=leg.share_class, kind=leg.kind,
            on_date=on_date, shares=leg.shares, amount_pence=leg.amount_pence, batch=batch,
            counterparty=leg.counterparty, payment=payment, reverses=leg.reverses,
            nomination=nomination, reference=reference[:200], recorded_by=recorded_by,
        )
        for leg in legs
    ], batch_size=WRITE_CHUNK)
    try:
        with transaction.atomic():
            bulk.add_to_rows(Holding, holding_deltas, ["shares", "amount_paid_pence"])
            bulk.add_to_rows(ShareAccount, {
                a.pk: (a.withdrawable_pence - before[a.member_id],) for a in accounts.values()
                if a.withdrawable_pence != before[a.member_id]}, ["withdrawable_pence"])
    except IntegrityError as error:
        # The database's constraints have the last word (never negative, the legal cap).
        raise ShareError("That would take a holding below zero or over the withdrawable "
                         "cap, so nothing was recorded.") from error
    _check_history(society, rows, on_date, classes)
    _keep_certificates(society, rows, holdings, on_date)
    return rows


def _check_history(society, rows, on_date, classes):
    """A backdated entry must not leave a holding negative at the close of any earlier day."""
    pairs = {(row.member_id, row.share_class_id) for row in rows if row.shares < 0
             or row.kind == TransactionKind.REVERSAL}
    for member_id, class_id in pairs:
        later = ShareTransaction.objects.filter(member_id=member_id, share_class_id=class_id,
                                                on_date__gt=on_date).exists()
        if not later:
            continue
        movements = [ledger.Movement(d, s, a) for d, s, a in ShareTransaction.objects.filter(
            member_id=member_id, share_class_id=class_id).values_list(
            "on_date", "shares", "amount_pence")]
        negative_on = ledger.first_negative_day(movements)
        if negative_on is not None:
            raise ShareError(
                f"Dated {long_date(on_date)}, this would leave the holding of "
                f"{classes[class_id].name} shares below zero on {long_date(negative_on)}."
            )


def _keep_certificates(society, rows, holdings, on_date):
    """Inflows get a certificate of their own; any other movement cancels the member's live
    certificates of that class and issues one for what is left."""
    new = []
    for row in rows:
        if row.kind in INFLOWS:
            new.append(ShareCertificate(
                society=society, member_id=row.member_id, share_class_id=row.share_class_id,
                shares=row.shares, amount_paid_pence=row.amount_pence, issued_on=on_date,
                transaction=row,
            ))
            continue
        live = ShareCertificate.objects.filter(member_id=row.member_id,
                                               share_class_id=row.share_class_id,
                                               cancelled_on__isnull=True)
        for certificate in live:
            certificate.cancelled_on = on_date
            certificate.cancelled_by_transaction = row
            certificate.save(update_fields=["cancelled_on", "cancelled_by_transaction"])
        holding = holdings[(row.member_id, row.share_class_id)]
        if holding.shares > 0:
            new.append(ShareCertificate(
                society=society, member_id=row.member_id, share_class_id=row.share_class_id,
                shares=holding.shares, amount_paid_pence=holding.amount_paid_pence,
                issued_on=on_date, transaction=row,
            ))
    if not new:
        return
    numbers = numbering.take(society, numbering.CERTIFICATE, len(new))
    for certificate, number in zip(new, numbers, strict=True):
        certificate.number = number
    bulk_create_with_history(new, ShareCertificate, batch_size=WRITE_CHUNK)


def record_payment(*, actor, society, member, direction, amount_pence, paid_on, method,
                   reference="", payee="") -> SharePayment:
    if method not in PaymentMethod.values:
        raise ShareError("Choose how the money was paid.")
    return SharePayment.objects.create(
        society=society, member=member, direction=direction, amount_pence=amount_pence,
        paid_on=paid_on, method=method, reference=reference.strip()[:100], payee=payee[:200],
        recorded_by=user_or_none(actor),
    )
