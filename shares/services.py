"""Every change to shares. Each service runs in one transaction and writes exactly one audit
entry, except `issue_qualifying_shares`, which runs inside the admission's transaction and is
covered by the admission's entry.

All movements go through `_post()`: it locks each member's `ShareAccount`, re-checks the
holding, the class maximum and the withdrawable cap, writes the ledger rows, moves the
balance rows (whose CHECK constraints have the last word) and keeps certificates in step.
"""

import uuid
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django_scopes import scope
from simple_history.utils import bulk_create_with_history

from accounts.acting import user_or_none
from config import bulk
from shares import ledger
from shares.models import (
    INFLOWS,
    OPEN_WITHDRAWAL,
    Holding,
    InterestLine,
    InterestRun,
    InterestRunStatus,
    Nomination,
    PaymentDirection,
    PaymentMethod,
    ShareAccount,
    ShareCertificate,
    ShareClass,
    SharePayment,
    ShareTransaction,
    TransactionKind,
    WithdrawalRequest,
    WithdrawalStatus,
    WithdrawalSuspension,
)
from societies import audit, numbering

CLASS_FIELDS = [
    "name", "nominal_value_pence", "is_withdrawable", "is_transferable", "is_qualifying",
    "minimum_holding", "maximum_holding", "withdrawal_notice_days", "interest_rate_percent",
    "allows_reinvestment",
]
# Fixed once shares of the class exist: the ledger's amounts and the cap depend on them.
FIXED_ONCE_ISSUED = ["nominal_value_pence", "is_withdrawable"]
SHARES_WITHDRAWN = "shares_withdrawn"
DECEASED = "deceased"
WRITE_CHUNK = 2000


class ShareError(Exception):
    """A share change that cannot be made; the message says why, for a person."""


def _today() -> date:
    return timezone.localdate()


def _day(on: date) -> str:
    return f"{on.day} {on:%B %Y}"


def _check_same_society(society, *objects):
    for obj in objects:
        if obj is not None and obj.society_id != society.pk:
            raise ShareError("That belongs to another society.")


def membership_minimum(society, share_class) -> int:
    """Shares of the qualifying class a member must hold to stay a member."""
    return max(society.minimum_shares, share_class.minimum_holding)


def _class_minimum(society, share_class) -> int:
    if share_class.is_qualifying:
        return membership_minimum(society, share_class)
    return share_class.minimum_holding


def cap_pence(society) -> int:
    """The withdrawable cap for the society: its rules' figure, never above the law's."""
    return min(society.max_withdrawable_pence, ledger.LEGAL_MAX_WITHDRAWABLE_PENCE)


# Share classes


def _check_class_name_free(society, name, exclude_pk=None):
    taken = ShareClass.objects.filter(society=society, name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ShareError(f"There is already a share class called {name!r}.")


def _check_qualifying_free(society, exclude_pk=None):
    others = ShareClass.objects.filter(society=society, is_qualifying=True)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    other = others.first()
    if other is not None:
        raise ShareError(f"{other.name} is already the class issued on admission; "
                         "change that class first.")


def _check_class_values(society, values):
    maximum = values.get("maximum_holding")
    if (values["is_withdrawable"] and maximum is not None
            and maximum * values["nominal_value_pence"] > cap_pence(society)):
        raise ShareError(
            "A member may hold at most "
            f"{ledger.format_pence(cap_pence(society))} of withdrawable shares, so the "
            "maximum holding must be lower."
        )
    if maximum is not None and maximum < values["minimum_holding"]:
        raise ShareError("The maximum holding cannot be below the minimum holding.")


def _audit_values(values) -> dict:
    return {f: str(values[f]) if f == "interest_rate_percent" else values[f]
            for f in CLASS_FIELDS if f in values}


@transaction.atomic
def create_share_class(*, actor, society, values: dict) -> ShareClass:
    _check_class_name_free(society, values["name"])
    if values.get("is_qualifying"):
        _check_qualifying_free(society)
    _check_class_values(society, values)
    share_class = ShareClass(society=society, **{f: values[f] for f in CLASS_FIELDS})
    share_class.full_clean(exclude=["society"])
    share_class.save()
    audit.record(society, actor, "shares.class_created", share_class, _audit_values(values))
    return share_class


@transaction.atomic
def update_share_class(*, actor, share_class: ShareClass, values: dict) -> dict:
    locked = ShareClass.objects.select_for_update(of=("self",)).get(pk=share_class.pk)
    changes = {f: [getattr(locked, f), values[f]] for f in CLASS_FIELDS
               if f in values and getattr(locked, f) != values[f]}
    if not changes:
        return {}
    fixed = [f for f in FIXED_ONCE_ISSUED if f in changes]
    if fixed and ShareTransaction.objects.filter(share_class=locked).exists():
        labels = ", ".join(str(ShareClass._meta.get_field(f).verbose_name) for f in fixed)
        raise ShareError(f"Shares of {locked.name} have been issued, so its {labels} can no "
                         "longer change; create a new class and convert the shares instead.")
    if "name" in changes:
        _check_class_name_free(locked.society, values["name"], exclude_pk=locked.pk)
    if changes.get("is_qualifying", [False, False])[1]:
        _check_qualifying_free(locked.society, exclude_pk=locked.pk)
    merged = {f: getattr(locked, f) for f in CLASS_FIELDS} | {f: v for f, (_o, v) in
                                                             changes.items()}
    _check_class_values(locked.society, merged)
    for field, (_old, new) in changes.items():
        setattr(locked, field, new)
    locked.full_clean(exclude=["society"])
    locked.save(update_fields=list(changes))
    audit.record(locked.society, actor, "shares.class_changed", locked,
                 {"changes": {f: [str(o), str(n)] for f, (o, n) in changes.items()}})
    for field, (_old, new) in changes.items():
        setattr(share_class, field, new)
    return changes


# Posting movements: the one place the ledger, balances and certificates are written.


@dataclass
class Leg:
    member: object
    share_class: ShareClass
    kind: str
    shares: int
    amount_pence: int
    counterparty: object = None
    reverses: ShareTransaction | None = None


def last_closed_year_end(society) -> date | None:
    """Entries cannot be dated on or before the end of a year whose interest is posted."""
    return InterestRun.objects.filter(
        society=society, status=InterestRunStatus.POSTED
    ).aggregate(last=Max("year_end"))["last"]


def _check_date(society, on_date: date):
    if on_date > _today():
        raise ShareError("The date cannot be in the future.")
    closed = last_closed_year_end(society)
    if closed is not None and on_date <= closed:
        raise ShareError(f"The year to {_day(closed)} is closed (its share interest is "
                         f"posted): date the entry after {_day(closed)}.")


def _lock_accounts(society, member_ids) -> dict[int, ShareAccount]:
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
    return _lock_accounts(member.society, [member.pk])[member.pk]


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


def _name(member) -> str:
    return f"{member.full_name} (no. {member.member_number})"


def _post(*, actor, society, legs: list[Leg], on_date: date, reference: str = "",
          payment: SharePayment | None = None, nomination: Nomination | None = None
          ) -> list[ShareTransaction]:
    """Write `legs` to the ledger as one batch dated `on_date`, under the members' locks."""
    _check_date(society, on_date)
    classes = {leg.share_class.pk: leg.share_class for leg in legs}
    members = {leg.member.pk: leg.member for leg in legs}
    for leg in legs:
        _check_same_society(society, leg.member, leg.share_class, leg.counterparty)
    accounts = _lock_accounts(society, members)
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
            raise ShareError(f"{_name(leg.member)} holds only {held} {leg.share_class.name} "
                             f"shares, so {abs(leg.shares)} cannot be taken from them.")
        maximum = leg.share_class.maximum_holding
        if leg.shares > 0 and maximum is not None and holding.shares > maximum:
            raise ShareError(f"{_name(leg.member)} would hold {holding.shares} "
                             f"{leg.share_class.name} shares; the class allows at most "
                             f"{maximum}.")
        if leg.share_class.is_withdrawable:
            accounts[leg.member.pk].withdrawable_pence += leg.amount_pence
    cap = cap_pence(society)
    for member_id, account in accounts.items():
        if account.withdrawable_pence > max(cap, before[member_id]):
            raise ShareError(
                f"{_name(members[member_id])} would hold "
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
                f"Dated {_day(on_date)}, this would leave the holding of "
                f"{classes[class_id].name} shares below zero on {_day(negative_on)}."
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


def _notify(member, kind: str, about, context: dict) -> None:
    """Tell the member, by their chosen channel, after this transaction commits (the
    notifications outbox); the calling service's audit entry covers it."""
    from notifications.services import notify

    notify(society=member.society, member=member, kind=kind, context=context,
           dedup_key=f"{kind}:{about.public_id}")


def _record_payment(*, actor, society, member, direction, amount_pence, paid_on, method,
                    reference="", payee="") -> SharePayment:
    if method not in PaymentMethod.values:
        raise ShareError("Choose how the money was paid.")
    return SharePayment.objects.create(
        society=society, member=member, direction=direction, amount_pence=amount_pence,
        paid_on=paid_on, method=method, reference=reference.strip()[:100], payee=payee[:200],
        recorded_by=user_or_none(actor),
    )


def _check_member_active(member, on_date: date):
    if not member.is_active_on(on_date):
        raise ShareError(f"{_name(member)} is not a member on {_day(on_date)}.")


def _positive(shares: int) -> int:
    if shares is None or shares < 1:
        raise ShareError("The number of shares must be at least 1.")
    return shares


# Issue


def _check_issue(member, share_class, shares, on_date):
    society = member.society
    _check_same_society(society, share_class)
    _positive(shares)
    _check_member_active(member, on_date)
    holding = Holding.objects.filter(member=member, share_class=share_class).first()
    held = holding.shares if holding else 0
    minimum = _class_minimum(society, share_class)
    if held + shares < minimum:
        raise ShareError(f"A member must hold at least {minimum} {share_class.name} shares.")


@transaction.atomic
def issue_shares(*, actor, member, share_class, shares: int, amount_pence: int,
                 paid_on: date, method: str, reference: str = "") -> ShareTransaction:
    """Issue fully paid shares to a member for a payment received."""
    society = member.society
    _check_issue(member, share_class, shares, paid_on)
    cost = shares * share_class.nominal_value_pence
    if amount_pence != cost:
        raise ShareError(f"{shares} {share_class.name} shares of {share_class.nominal_display} "
                         f"cost {ledger.format_pence(cost)}; the payment recorded is "
                         f"{ledger.format_pence(amount_pence or 0)}.")
    payment = _record_payment(actor=actor, society=society, member=member,
                              direction=PaymentDirection.RECEIVED, amount_pence=amount_pence,
                              paid_on=paid_on, method=method, reference=reference)
    (entry,) = _post(actor=actor, society=society, on_date=paid_on, reference=reference,
                     payment=payment,
                     legs=[Leg(member, share_class, TransactionKind.ISSUE, shares, cost)])
    certificate = entry.certificates.get()
    _notify(member, "shares.issued", entry, {
        "shares": shares, "class_name": share_class.name, "amount": ledger.format_pence(cost),
        "paid_on": paid_on, "certificate_number": certificate.number,
        "held": _held(member, share_class),
    })
    audit.record(society, actor, "shares.issued", entry, {
        "member_number": member.member_number, "class": share_class.name, "shares": shares,
        "amount_pence": cost, "paid_on": paid_on.isoformat(), "method": method,
        "reference": reference, "certificate": certificate.number,
    })
    return entry


def qualifying_class(society) -> ShareClass | None:
    return ShareClass.objects.filter(society=society, is_qualifying=True).first()


@dataclass(frozen=True)
class AdmissionTerms:
    """What joining costs: the qualifying shares a new member pays for with the application."""

    share_class: ShareClass
    shares: int

    @property
    def cost_pence(self) -> int:
        return self.shares * self.share_class.nominal_value_pence


def admission_terms(society) -> AdmissionTerms | None:
    """The shares a new member must buy to join, or None where joining needs none."""
    with scope(society=society):
        share_class = qualifying_class(society)
        if share_class is None:
            return None
        shares = membership_minimum(society, share_class)
    return AdmissionTerms(share_class, shares) if shares >= 1 else None


def issue_qualifying_shares(*, actor, member, on_date: date, method: str = PaymentMethod.OTHER,
                            reference: str = "paid with the application",
                            paid_on: date | None = None, amount_pence: int | None = None
                            ) -> ShareTransaction | None:
    """The qualifying shares of a newly admitted member, paid for with the application.

    For the members app: call it inside the admission's transaction, after the Member row
    exists. The payment the secretary records on admission comes in `amount_pence` (must
    be the shares' cost), `paid_on` (on or before the admission; defaults to it), `method`
    and `reference`. It writes no audit entry of its own: the admission's entry covers it.
    Returns None, issuing nothing, where the society has no class issued on admission or
    needs no shares to join. Raises ShareError (rolling the admission back) if the shares
    cannot be issued.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("issue_qualifying_shares() must run inside the admission's "
                           "transaction")
    society = member.society
    with scope(society=society):
        terms = admission_terms(society)
        if terms is None:
            return None
        share_class, shares, cost = terms.share_class, terms.shares, terms.cost_pence
        _check_issue(member, share_class, shares, on_date)
        if amount_pence is not None and amount_pence != cost:
            raise ShareError(f"Joining costs {ledger.format_pence(cost)} ({shares} "
                             f"{share_class.name} shares of {share_class.nominal_display}); "
                             f"the payment recorded is {ledger.format_pence(amount_pence)}.")
        paid_on = paid_on or on_date
        if paid_on > on_date:
            raise ShareError(f"The payment must be received by the day of admission "
                             f"({_day(on_date)}); it is dated {_day(paid_on)}.")
        payment = _record_payment(actor=actor, society=society, member=member,
                                  direction=PaymentDirection.RECEIVED, amount_pence=cost,
                                  paid_on=paid_on, method=method, reference=reference)
        (entry,) = _post(actor=actor, society=society, on_date=on_date, reference="admission",
                         payment=payment,
                         legs=[Leg(member, share_class, TransactionKind.ISSUE, shares, cost)])
    return entry


# Withdrawals


def _open_withdrawals(member, share_class) -> int:
    return WithdrawalRequest.objects.filter(
        member=member, share_class=share_class, status__in=OPEN_WITHDRAWAL
    ).aggregate(total=Sum("shares"))["total"] or 0


def _held(member, share_class) -> int:
    holding = Holding.objects.filter(member=member, share_class=share_class).first()
    return holding.shares if holding else 0


def _check_remainder(society, member, share_class, held, shares, *, whose="You"):
    minimum = _class_minimum(society, share_class)
    if shares > held:
        raise ShareError(f"{whose} can withdraw at most {held} {share_class.name} shares.")
    if not ledger.remainder_allowed(held, shares, minimum):
        raise ShareError(f"{whose} must keep at least {minimum} {share_class.name} shares, "
                         f"or withdraw all {held}.")


def withdrawal_ends_membership(society, share_class, left: int) -> bool:
    return share_class.is_qualifying and left < membership_minimum(society, share_class)


def _check_leaves_nothing_else(member, share_class, *, asking: bool):
    """A withdrawal that ends the membership must be the last: a former member keeps no
    shares. On asking, every other holding must be withdrawable and asked for in full; on
    paying, every other holding must already be paid out."""
    others = Holding.objects.filter(member=member, shares__gt=0).exclude(
        share_class=share_class).select_related("share_class").order_by("share_class__name")
    whose = "your" if asking else f"{_name(member)}'s"
    for other in others:
        held = f"{other.shares} {other.share_class.name} shares"
        if not other.share_class.is_withdrawable:
            raise ShareError(f"Withdrawing these {share_class.name} shares ends {whose} "
                             f"membership, and the {held} held are not withdrawable: the "
                             "secretary must deal with them first (transfer or forfeit).")
        if not asking:
            raise ShareError(f"Paying this withdrawal ends {whose} membership, and a former "
                             f"member keeps no shares: pay the withdrawal of the {held} "
                             "first.")
        if _open_withdrawals(member, other.share_class) < other.shares:
            raise ShareError(f"Withdrawing these {share_class.name} shares ends your "
                             "membership, and a former member keeps no shares: first ask to "
                             f"withdraw all {held} too.")


@transaction.atomic
def request_withdrawal(*, actor, member, share_class, shares: int,
                       requested_on: date | None = None) -> WithdrawalRequest:
    society = member.society
    _check_same_society(society, share_class)
    requested_on = requested_on or _today()
    _positive(shares)
    if not member.is_active:
        raise ShareError("Only a current member can ask to withdraw shares.")
    if not share_class.is_withdrawable:
        raise ShareError(f"{share_class.name} shares are not withdrawable.")
    lock_account(member)
    available = _held(member, share_class) - _open_withdrawals(member, share_class)
    _check_remainder(society, member, share_class, available, shares)
    left = available - shares
    if withdrawal_ends_membership(society, share_class, left):
        _check_leaves_nothing_else(member, share_class, asking=True)
    request = WithdrawalRequest.objects.create(
        society=society, member=member, share_class=share_class, shares=shares,
        requested_on=requested_on, requested_by=user_or_none(actor),
        earliest_payable_on=ledger.earliest_payable_on(requested_on,
                                                       share_class.withdrawal_notice_days),
        ends_membership=withdrawal_ends_membership(society, share_class, left),
    )
    _notify(member, "shares.withdrawal_requested", request, {
        "shares": shares, "class_name": share_class.name,
        "amount": ledger.format_pence(shares * share_class.nominal_value_pence),
        "requested_on": requested_on, "notice_days": share_class.withdrawal_notice_days,
        "earliest_payable_on": request.earliest_payable_on,
        "ends_membership": request.ends_membership,
    })
    audit.record(society, actor, "shares.withdrawal_requested", request, {
        "member_number": member.member_number, "class": share_class.name, "shares": shares,
        "earliest_payable_on": request.earliest_payable_on.isoformat(),
        "ends_membership": request.ends_membership,
    })
    return request


def _locked_request(withdrawal) -> WithdrawalRequest:
    return WithdrawalRequest.objects.select_for_update(of=("self",)).select_related(
        "member", "share_class").get(pk=withdrawal.pk)


def _decision(decided_on, decision_reference):
    if decided_on is None or not (decision_reference or "").strip():
        raise ShareError("Record the date and reference (e.g. the minute) of the board's "
                         "decision.")
    if decided_on > _today():
        raise ShareError("The decision date cannot be in the future.")
    return decision_reference.strip()


@transaction.atomic
def approve_withdrawal(*, actor, withdrawal, decided_on: date,
                       decision_reference: str) -> WithdrawalRequest:
    reference = _decision(decided_on, decision_reference)
    locked = _locked_request(withdrawal)
    if locked.status not in (WithdrawalStatus.REQUESTED, WithdrawalStatus.DEFERRED):
        raise ShareError(f"This withdrawal is {locked.get_status_display().lower()}; only a "
                         "requested or deferred one can be approved.")
    locked.status = WithdrawalStatus.APPROVED
    locked.decided_on, locked.decision_reference = decided_on, reference
    locked.save(update_fields=["status", "decided_on", "decision_reference"])
    audit.record(locked.society, actor, "shares.withdrawal_approved", locked, {
        "member_number": locked.member.member_number, "shares": locked.shares,
        "decided_on": decided_on.isoformat(), "decision_reference": reference,
    })
    return locked


@transaction.atomic
def defer_withdrawal(*, actor, withdrawal, until: date, decided_on: date,
                     decision_reference: str) -> WithdrawalRequest:
    reference = _decision(decided_on, decision_reference)
    locked = _locked_request(withdrawal)
    if not locked.is_open:
        raise ShareError(f"This withdrawal is {locked.get_status_display().lower()}.")
    if until is None or until <= decided_on:
        raise ShareError("Defer the withdrawal to a date after the decision.")
    locked.status = WithdrawalStatus.DEFERRED
    locked.deferred_until = until
    locked.decided_on, locked.decision_reference = decided_on, reference
    locked.save(update_fields=["status", "deferred_until", "decided_on", "decision_reference"])
    audit.record(locked.society, actor, "shares.withdrawal_deferred", locked, {
        "member_number": locked.member.member_number, "until": until.isoformat(),
        "decided_on": decided_on.isoformat(), "decision_reference": reference,
    })
    return locked


@transaction.atomic
def cancel_withdrawal(*, actor, withdrawal) -> WithdrawalRequest:
    locked = _locked_request(withdrawal)
    if not locked.is_open:
        raise ShareError(f"This withdrawal is {locked.get_status_display().lower()}, so it "
                         "cannot be cancelled.")
    locked.status = WithdrawalStatus.CANCELLED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    audit.record(locked.society, actor, "shares.withdrawal_cancelled", locked, {
        "member_number": locked.member.member_number, "shares": locked.shares,
    })
    return locked


def suspension_on(society, on: date) -> WithdrawalSuspension | None:
    """The suspension of withdrawals in force on `on`, if any."""
    return WithdrawalSuspension.objects.filter(society=society, suspended_on__lte=on).exclude(
        resumed_on__lte=on).first()


def open_suspension(society) -> WithdrawalSuspension | None:
    return WithdrawalSuspension.objects.filter(society=society, resumed_on__isnull=True).first()


@transaction.atomic
def suspend_withdrawals(*, actor, society, suspended_on: date,
                        decision_reference: str) -> WithdrawalSuspension:
    reference = _decision(suspended_on, decision_reference)
    if open_suspension(society) is not None:
        raise ShareError("Withdrawals are already suspended.")
    try:
        with transaction.atomic():
            suspension = WithdrawalSuspension.objects.create(
                society=society, suspended_on=suspended_on, decision_reference=reference)
    except IntegrityError:
        raise ShareError("Withdrawals are already suspended.") from None
    audit.record(society, actor, "shares.withdrawals_suspended", suspension, {
        "suspended_on": suspended_on.isoformat(), "decision_reference": reference,
    })
    return suspension


@transaction.atomic
def resume_withdrawals(*, actor, society, resumed_on: date,
                       decision_reference: str) -> WithdrawalSuspension:
    reference = _decision(resumed_on, decision_reference)
    suspension = WithdrawalSuspension.objects.select_for_update(of=("self",)).filter(
        society=society, resumed_on__isnull=True).first()
    if suspension is None:
        raise ShareError("Withdrawals are not suspended.")
    if resumed_on < suspension.suspended_on:
        raise ShareError("Withdrawals cannot resume before they were suspended.")
    suspension.resumed_on, suspension.resume_reference = resumed_on, reference
    suspension.save(update_fields=["resumed_on", "resume_reference"])
    audit.record(society, actor, "shares.withdrawals_resumed", suspension, {
        "resumed_on": resumed_on.isoformat(), "decision_reference": reference,
    })
    return suspension


@transaction.atomic
def pay_withdrawal(*, actor, withdrawal, paid_on: date, method: str,
                   reference: str = "") -> ShareTransaction:
    """Pay an approved withdrawal: the shares leave the ledger, the member's certificates are
    replaced by one for any remainder, and a withdrawal below the minimum holding for
    membership ends the membership ("shares withdrawn")."""
    society = withdrawal.society
    lock_account(withdrawal.member)
    locked = _locked_request(withdrawal)
    member, share_class = locked.member, locked.share_class
    if locked.status != WithdrawalStatus.APPROVED:
        raise ShareError(f"This withdrawal is {locked.get_status_display().lower()}; the board "
                         "must approve it before it is paid.")
    if paid_on < locked.payable_from:
        raise ShareError(f"This withdrawal cannot be paid before {_day(locked.payable_from)}"
                         " (the notice period or the board's deferral).")
    suspension = suspension_on(society, paid_on)
    if suspension is not None:
        raise ShareError(f"Withdrawals are suspended by the board from "
                         f"{_day(suspension.suspended_on)} "
                         f"({suspension.decision_reference}).")
    held = _held(member, share_class)
    _check_remainder(society, member, share_class, held, locked.shares, whose=member.full_name)
    if member.is_active and withdrawal_ends_membership(society, share_class,
                                                       held - locked.shares):
        _check_leaves_nothing_else(member, share_class, asking=False)
    amount = locked.shares * share_class.nominal_value_pence
    payment = _record_payment(actor=actor, society=society, member=member,
                              direction=PaymentDirection.PAID, amount_pence=amount,
                              paid_on=paid_on, method=method, reference=reference)
    (entry,) = _post(actor=actor, society=society, on_date=paid_on, reference=reference,
                     payment=payment, legs=[Leg(member, share_class, TransactionKind.WITHDRAWAL,
                                                -locked.shares, -amount)])
    locked.status = WithdrawalStatus.PAID
    locked.transaction = entry
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "transaction", "closed_at"])
    ends = member.is_active and withdrawal_ends_membership(society, share_class,
                                                           held - locked.shares)
    remainder = entry.certificates.first()
    _notify(member, "shares.withdrawal_paid", entry, {
        "shares": locked.shares, "class_name": share_class.name,
        "amount": ledger.format_pence(amount), "paid_on": paid_on, "reference": reference,
        "held": held - locked.shares, "ends_membership": ends,
        "certificate_number": remainder.number if remainder else None,
    })
    audit.record(society, actor, "shares.withdrawal_paid", entry, {
        "member_number": member.member_number, "class": share_class.name,
        "shares": locked.shares, "amount_pence": amount, "paid_on": paid_on.isoformat(),
        "method": method, "reference": reference, "ends_membership": ends,
    })
    if ends:
        end_membership_for_shares_withdrawn(actor=actor, member=member, ceased_on=paid_on)
    return entry


def end_membership_for_shares_withdrawn(*, actor, member, ceased_on: date) -> None:
    """Withdrawing below the minimum holding ends membership, reason "shares withdrawn".

    members.services.cease_member writes its own "member.ceased" audit entry.
    """
    from members.services import MemberError, cease_member

    if member.ceased_on is not None:
        return
    try:
        cease_member(actor=actor, member=member, ceased_on=ceased_on, reason=SHARES_WITHDRAWN)
    except MemberError as error:
        raise ShareError(str(error)) from error


# Transfers, forfeiture, conversion


def _check_keeps_membership(society, member, share_class, held, shares, whose):
    """Transfers and conversions may not take a member below the minimum for membership."""
    left = held - shares
    if shares > held:
        raise ShareError(f"{whose} holds only {held} {share_class.name} shares.")
    if share_class.is_qualifying and left < membership_minimum(society, share_class):
        raise ShareError(f"{whose} must keep at least "
                         f"{membership_minimum(society, share_class)} {share_class.name} "
                         "shares to stay a member.")
    if not ledger.remainder_allowed(held, shares, share_class.minimum_holding):
        raise ShareError(f"{whose} must keep at least {share_class.minimum_holding} "
                         f"{share_class.name} shares, or part with all {held}.")


def _check_receives(society, member, share_class, shares):
    held = _held(member, share_class)
    minimum = _class_minimum(society, share_class)
    if held + shares < minimum:
        raise ShareError(f"{_name(member)} would hold {held + shares} {share_class.name} "
                         f"shares; the class needs at least {minimum}.")


@transaction.atomic
def transfer_shares(*, actor, from_member, to_member, share_class, shares: int, on_date: date,
                    consent_on: date, consent_reference: str) -> list[ShareTransaction]:
    society = from_member.society
    _check_same_society(society, to_member, share_class)
    _positive(shares)
    if not share_class.is_transferable:
        raise ShareError(f"{share_class.name} shares are not transferable.")
    if from_member.pk == to_member.pk:
        raise ShareError("Shares cannot be transferred to the member who holds them.")
    consent_reference = _decision(consent_on, consent_reference)
    if consent_on > on_date:
        raise ShareError("The transfer cannot be dated before the board's consent.")
    _check_member_active(from_member, on_date)
    _check_member_active(to_member, on_date)
    _lock_accounts(society, [from_member.pk, to_member.pk])
    _check_keeps_membership(society, from_member, share_class, _held(from_member, share_class),
                            shares, _name(from_member))
    _check_receives(society, to_member, share_class, shares)
    amount = shares * share_class.nominal_value_pence
    rows = _post(actor=actor, society=society, on_date=on_date, reference=consent_reference,
                 legs=[Leg(from_member, share_class, TransactionKind.TRANSFER_OUT, -shares,
                           -amount, counterparty=to_member),
                       Leg(to_member, share_class, TransactionKind.TRANSFER_IN, shares, amount,
                           counterparty=from_member)])
    audit.record(society, actor, "shares.transferred", rows[0], {
        "from_member": from_member.member_number, "to_member": to_member.member_number,
        "class": share_class.name, "shares": shares, "on_date": on_date.isoformat(),
        "consent_on": consent_on.isoformat(), "consent_reference": consent_reference,
    })
    return rows


@transaction.atomic
def forfeit_shares(*, actor, member, share_class, shares: int, on_date: date,
                   reason: str) -> ShareTransaction:
    """Cancel shares without payment, where the rules provide (e.g. on expulsion)."""
    society = member.society
    _check_same_society(society, share_class)
    _positive(shares)
    reason = (reason or "").strip()
    if not reason:
        raise ShareError("Say why the shares are forfeit (the rule and the decision).")
    (entry,) = _post(actor=actor, society=society, on_date=on_date, reference=reason,
                     legs=[Leg(member, share_class, TransactionKind.FORFEIT, -shares,
                               -shares * share_class.nominal_value_pence)])
    audit.record(society, actor, "shares.forfeited", entry, {
        "member_number": member.member_number, "class": share_class.name, "shares": shares,
        "on_date": on_date.isoformat(), "reason": reason,
    })
    return entry


@transaction.atomic
def convert_shares(*, actor, member, from_class, to_class, shares: int, on_date: date,
                   reference: str) -> list[ShareTransaction]:
    """Convert shares of one class into shares of another of the same total value."""
    society = member.society
    _check_same_society(society, from_class, to_class)
    _positive(shares)
    if from_class.pk == to_class.pk:
        raise ShareError("Choose two different classes.")
    reference = (reference or "").strip()
    if not reference:
        raise ShareError("Record the decision or resolution that allows the conversion.")
    value = shares * from_class.nominal_value_pence
    if value % to_class.nominal_value_pence:
        raise ShareError(f"{shares} {from_class.name} shares are worth "
                         f"{ledger.format_pence(value)}, which is not a whole number of "
                         f"{to_class.name} shares of {to_class.nominal_display}.")
    new_shares = value // to_class.nominal_value_pence
    _check_member_active(member, on_date)
    lock_account(member)
    _check_keeps_membership(society, member, from_class, _held(member, from_class), shares,
                            _name(member))
    _check_receives(society, member, to_class, new_shares)
    rows = _post(actor=actor, society=society, on_date=on_date, reference=reference,
                 legs=[Leg(member, from_class, TransactionKind.CONVERSION_OUT, -shares, -value),
                       Leg(member, to_class, TransactionKind.CONVERSION_IN, new_shares, value)])
    audit.record(society, actor, "shares.converted", rows[0], {
        "member_number": member.member_number, "from_class": from_class.name,
        "to_class": to_class.name, "shares": shares, "new_shares": new_shares,
        "on_date": on_date.isoformat(), "reference": reference,
    })
    return rows


# Corrections


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
            rows = _post(actor=actor, society=society, on_date=on_date, reference=reason,
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


# Nominations and death


@transaction.atomic
def record_nomination(*, actor, member, nominee_name: str, nominee_address: str,
                      relationship: str = "", percentage: int = 100,
                      made_on: date | None = None) -> Nomination:
    society = member.society
    if not member.is_active:
        raise ShareError("Only a current member can make a nomination.")
    nominee_name, nominee_address = nominee_name.strip(), nominee_address.strip()
    if not nominee_name or not nominee_address:
        raise ShareError("Give the nominee's name and address.")
    if not 1 <= percentage <= 100:
        raise ShareError("The nominee's share must be between 1% and 100%.")
    lock_account(member)
    given = Nomination.objects.filter(member=member, revoked_on__isnull=True).aggregate(
        total=Sum("percentage"))["total"] or 0
    if given + percentage > 100:
        raise ShareError(f"The nominations in force already give {given}%; this one can give "
                         f"at most {100 - given}%. Revoke one first to change the shares.")
    nomination = Nomination.objects.create(
        society=society, member=member, nominee_name=nominee_name,
        nominee_address=nominee_address, relationship=relationship.strip(),
        percentage=percentage, made_on=made_on or _today(), recorded_by=user_or_none(actor),
    )
    audit.record(society, actor, "shares.nomination_recorded", nomination, {
        "member_number": member.member_number, "percentage": percentage,
    })
    return nomination


@transaction.atomic
def revoke_nomination(*, actor, nomination: Nomination,
                      revoked_on: date | None = None) -> Nomination:
    locked = Nomination.objects.select_for_update(of=("self",)).select_related("member").get(
        pk=nomination.pk)
    if locked.revoked_on is not None:
        raise ShareError("That nomination has already been revoked.")
    locked.revoked_on = revoked_on or _today()
    locked.save(update_fields=["revoked_on"])
    audit.record(locked.society, actor, "shares.nomination_revoked", locked, {
        "member_number": locked.member.member_number,
    })
    return locked


def _check_deceased(member):
    if member.ceased_on is None or getattr(member, "cessation_reason", "") != DECEASED:
        raise ShareError(f"Record {member.full_name}'s death on their member record first "
                         "(membership ceased, reason: deceased).")


def _check_settlement(member, nomination, value_pence, reference):
    """Nominated property is limited to £5,000 in all (CCBSA 2014 s.37); anything else goes
    to the personal representatives, on sight of the grant."""
    if nomination is None:
        if not reference.strip():
            raise ShareError("Without a nomination, record the grant of probate or letters of "
                             "administration the payment or transfer relies on.")
        return
    if nomination.member_id != member.pk or nomination.revoked_on is not None:
        raise ShareError("Choose one of the member's nominations in force.")
    settled = -(ShareTransaction.objects.filter(
        member=member, nomination__isnull=False, shares__lt=0
    ).aggregate(total=Sum("amount_pence"))["total"] or 0)
    if settled + value_pence > ledger.NOMINATION_LIMIT_PENCE:
        left = max(0, ledger.NOMINATION_LIMIT_PENCE - settled)
        raise ShareError(
            f"A nomination covers at most {ledger.format_pence(ledger.NOMINATION_LIMIT_PENCE)}"
            f" in all; {ledger.format_pence(left)} is left under it. Settle the rest with the "
            "personal representatives."
        )


@transaction.atomic
def transmit_on_death(*, actor, member, to_member, share_class, shares: int, on_date: date,
                      nomination: Nomination | None = None,
                      reference: str = "") -> list[ShareTransaction]:
    """Move a deceased member's shares to a member (their nominee or personal representative)."""
    society = member.society
    _check_same_society(society, to_member, share_class, nomination)
    _positive(shares)
    _check_deceased(member)
    if to_member.pk == member.pk:
        raise ShareError("Choose the member who receives the shares.")
    _check_member_active(to_member, on_date)
    value = shares * share_class.nominal_value_pence
    _lock_accounts(society, [member.pk, to_member.pk])
    _check_settlement(member, nomination, value, reference)
    _check_receives(society, to_member, share_class, shares)
    reference = reference.strip() or f"nomination of {_day(nomination.made_on)}"
    rows = _post(actor=actor, society=society, on_date=on_date, reference=reference,
                 nomination=nomination,
                 legs=[Leg(member, share_class, TransactionKind.TRANSMISSION_OUT, -shares,
                           -value, counterparty=to_member),
                       Leg(to_member, share_class, TransactionKind.TRANSMISSION_IN, shares,
                           value, counterparty=member)])
    audit.record(society, actor, "shares.transmitted_on_death", rows[0], {
        "from_member": member.member_number, "to_member": to_member.member_number,
        "class": share_class.name, "shares": shares, "nominated": nomination is not None,
        "reference": reference,
    })
    return rows


@transaction.atomic
def pay_out_on_death(*, actor, member, share_class, shares: int, on_date: date, payee: str,
                     method: str, reference: str = "",
                     nomination: Nomination | None = None) -> ShareTransaction:
    """Pay the value of a deceased member's shares to their nominee or representatives."""
    society = member.society
    _check_same_society(society, share_class, nomination)
    _positive(shares)
    _check_deceased(member)
    payee = (payee or "").strip() or (nomination.nominee_name if nomination else "")
    if not payee:
        raise ShareError("Say who is paid.")
    value = shares * share_class.nominal_value_pence
    lock_account(member)
    _check_settlement(member, nomination, value, reference)
    payment = _record_payment(actor=actor, society=society, member=member,
                              direction=PaymentDirection.PAID, amount_pence=value,
                              paid_on=on_date, method=method, reference=reference, payee=payee)
    (entry,) = _post(actor=actor, society=society, on_date=on_date,
                     reference=reference or f"paid to {payee}", payment=payment,
                     nomination=nomination,
                     legs=[Leg(member, share_class, TransactionKind.DEATH_PAYMENT, -shares,
                               -value)])
    audit.record(society, actor, "shares.paid_out_on_death", entry, {
        "member_number": member.member_number, "class": share_class.name, "shares": shares,
        "amount_pence": value, "payee": payee, "nominated": nomination is not None,
    })
    return entry


# Share interest


@transaction.atomic
def set_reinvestment(*, actor, member, reinvest: bool) -> ShareAccount:
    society = member.society
    if reinvest and not ShareClass.objects.filter(society=society,
                                                  allows_reinvestment=True).exists():
        raise ShareError("No share class of this society allows interest to be reinvested.")
    account = lock_account(member)
    if account.reinvest_interest != reinvest:
        account.reinvest_interest = reinvest
        account.save(update_fields=["reinvest_interest"])
    audit.record(society, actor, "shares.reinvestment_chosen", member,
                 {"member_number": member.member_number, "reinvest": reinvest})
    return account


def financial_year_ending(society, year_end: date) -> tuple[date, date]:
    start, end = ledger.financial_year(society.financial_year_end_month,
                                       society.financial_year_end_day, year_end.year)
    if end != year_end:
        raise ShareError(f"The society's financial year ends on "
                         f"{society.financial_year_end_display}, not {year_end:%d %B}.")
    return start, end


@transaction.atomic
def start_interest_run(*, actor, society, year_end: date) -> InterestRun:
    """Start share interest for the year ending `year_end`; a worker computes it after commit."""
    from jobs.queue import enqueue
    from shares.tasks import compute_interest_run as compute_task

    start, end = financial_year_ending(society, year_end)
    if end >= _today():
        raise ShareError(f"The year to {_day(end)} has not ended yet.")
    existing = InterestRun.objects.filter(society=society, year_end=end).first()
    if existing is not None:
        raise ShareError(_already_run(existing))
    rates = {str(c.pk): str(c.interest_rate_percent) for c in
             ShareClass.objects.filter(society=society, interest_rate_percent__gt=0)}
    if not rates:
        raise ShareError("No share class pays interest: set a class's interest rate first.")
    try:
        with transaction.atomic():
            run = InterestRun.objects.create(society=society, period_start=start, year_end=end,
                                             rates=rates, started_by=user_or_none(actor))
    except IntegrityError:
        raise ShareError(f"Share interest for the year to {_day(end)} has already been "
                         "run.") from None
    audit.record(society, actor, "shares.interest_run_started", run, {
        "year_end": end.isoformat(), "rates": {ShareClass.objects.get(pk=k).name: v
                                               for k, v in rates.items()},
    })
    enqueue(society, compute_task, run.pk)
    return run


def _already_run(run) -> str:
    if run.status == InterestRunStatus.POSTED:
        return (f"Share interest for the year to {_day(run.year_end)} was posted on "
                f"{_day(timezone.localtime(run.posted_at))}; a year is run only once.")
    if run.status == InterestRunStatus.POSTING:
        return (f"Share interest for the year to {_day(run.year_end)} is being posted; a "
                "year is run only once.")
    return (f"Share interest for the year to {_day(run.year_end)} has already been run "
            "and is not posted yet: post it, or discard it to run it again.")


def _reinvestment_plan(society, lines, *, lock: bool):
    """Split each line's interest into new shares and cash, for members who chose to
    reinvest, in classes that allow it, within the cap and the class maximum."""
    classes = {c.pk: c for c in ShareClass.objects.filter(society=society)}
    eligible = {c.pk for c in classes.values() if c.allows_reinvestment}
    needed = {line.member_id for line in lines if line.share_class_id in eligible}
    accounts = {}
    if needed:
        chosen = ShareAccount.objects.filter(society=society, reinvest_interest=True)
        if lock:
            chosen = chosen.select_for_update(of=("self",)).order_by("member_id")
        accounts = {a.member_id: a for a in chosen if a.member_id in needed}
    active = _active_member_ids(society, list(accounts))
    holdings = {}
    if accounts:
        ids = sorted(accounts)
        for start in range(0, len(ids), WRITE_CHUNK):
            for member_id, class_id, shares in Holding.objects.filter(
                    member_id__in=ids[start:start + WRITE_CHUNK]).values_list(
                    "member_id", "share_class_id", "shares"):
                holdings[(member_id, class_id)] = shares
    cap = cap_pence(society)
    headroom = {m: ledger.cap_headroom_pence(a.withdrawable_pence, cap)
                for m, a in accounts.items()}
    for line in lines:
        share_class = classes[line.share_class_id]
        if (line.member_id not in accounts or line.member_id not in active
                or not share_class.allows_reinvestment):
            split = ledger.Reinvestment(0, 0, line.interest_pence)
        else:
            room = headroom[line.member_id] if share_class.is_withdrawable else None
            maximum = share_class.maximum_holding
            more = None if maximum is None else maximum - holdings.get(
                (line.member_id, share_class.pk), 0)
            split = ledger.split_reinvestment(line.interest_pence,
                                              share_class.nominal_value_pence, room, more)
            if share_class.is_withdrawable:
                headroom[line.member_id] -= split.reinvested_pence
        line.reinvested_shares = split.shares
        line.reinvested_pence = split.reinvested_pence
        line.paid_pence = split.paid_pence
    return classes


def _active_member_ids(society, member_ids) -> set[int]:
    from members.models import Member

    active = set()
    for start in range(0, len(member_ids), WRITE_CHUNK):
        active.update(Member.objects.filter(
            society=society, pk__in=member_ids[start:start + WRITE_CHUNK],
            ceased_on__isnull=True).values_list("pk", flat=True))
    return active


def _set_totals(run, lines):
    run.member_count = len({line.member_id for line in lines})
    run.gross_pence = sum(line.interest_pence for line in lines)
    run.reinvested_pence = sum(line.reinvested_pence for line in lines)
    run.paid_pence = sum(line.paid_pence for line in lines)


@dataclass
class PlannedLine:
    """An interest line while it is worked out (no model instance per member)."""

    member_id: int
    share_class_id: int
    pence_days: int
    interest_pence: int
    reinvested_shares: int = 0
    reinvested_pence: int = 0
    paid_pence: int = 0
    pk: int | None = None


LINE_FIELDS = ["reinvested_shares", "reinvested_pence", "paid_pence"]


@transaction.atomic
def compute_interest_run(*, actor, run: InterestRun) -> InterestRun:
    """Work out every member's interest for the run's year from the ledger: one aggregate
    query over the ledger, then exact arithmetic per member and class (shares.ledger)."""
    from shares.queries import pence_days_by_member_and_class

    society = run.society
    locked = InterestRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
    if locked.status != InterestRunStatus.COMPUTING:
        return locked
    calculators = {int(k): ledger.interest_calculator(v, locked.days_in_year)
                   for k, v in locked.rates.items()}
    lines = []
    for member_id, class_id, pence_days in pence_days_by_member_and_class(
            society, locked.period_start, locked.year_end, list(calculators)):
        interest = calculators[class_id](pence_days)
        if interest > 0:
            lines.append(PlannedLine(member_id, class_id, pence_days, interest))
    _reinvestment_plan(society, lines, lock=False)
    InterestLine.objects.filter(run=locked).delete()
    bulk.insert_rows(InterestLine, [
        "society_id", "run_id", "member_id", "share_class_id", "pence_days", "interest_pence",
        *LINE_FIELDS,
    ], ((society.pk, locked.pk, line.member_id, line.share_class_id, line.pence_days,
         line.interest_pence, line.reinvested_shares, line.reinvested_pence, line.paid_pence)
        for line in lines))
    _set_totals(locked, lines)
    locked.status = InterestRunStatus.DRAFT
    locked.computed_at = timezone.now()
    locked.save(update_fields=["member_count", "gross_pence", "reinvested_pence",
                               "paid_pence", "status", "computed_at"])
    audit.record(society, actor, "shares.interest_computed", locked, {
        "year_end": locked.year_end.isoformat(), "members": locked.member_count,
        "gross_pence": locked.gross_pence, "reinvested_pence": locked.reinvested_pence,
    })
    return locked


def _check_postable(run, on_date: date, *, allow_posting: bool) -> None:
    """A run is posted once, from a computed draft, on a date after its year."""
    if run.status == InterestRunStatus.POSTED:
        raise ShareError(_already_run(run))
    if run.status == InterestRunStatus.COMPUTING:
        raise ShareError("The run is still being computed.")
    if run.status == InterestRunStatus.POSTING and not allow_posting:
        raise ShareError(_already_run(run))
    if on_date <= run.year_end:
        raise ShareError("Interest is posted after the year it is for.")
    if on_date > _today():
        raise ShareError("Interest cannot be posted on a date in the future.")


@transaction.atomic
def start_posting_interest_run(*, actor, run: InterestRun,
                               on_date: date | None = None) -> InterestRun:
    """Ask a worker to post the run (minutes for a large society, longer than a page may
    take): the run is "being posted" until `post_interest_run` finishes in the task, or
    back to a draft with the reason if it could not be posted."""
    from jobs.queue import enqueue
    from shares.tasks import post_interest_run as post_task

    locked = InterestRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
    on_date = on_date or _today()
    _check_postable(locked, on_date, allow_posting=False)
    locked.status = InterestRunStatus.POSTING
    locked.post_on = on_date
    locked.posted_by = user_or_none(actor)
    locked.post_error = ""
    locked.save(update_fields=["status", "post_on", "posted_by", "post_error"])
    audit.record(locked.society, actor, "shares.interest_posting_started", locked, {
        "year_end": locked.year_end.isoformat(), "post_on": on_date.isoformat(),
    })
    enqueue(locked.society, post_task, locked.pk)
    return locked


@transaction.atomic
def interest_posting_failed(*, run: InterestRun, reason: str) -> InterestRun:
    """The worker could not post the run: nothing was posted (the posting is one
    transaction), so the run is a draft again, showing why."""
    locked = InterestRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
    if locked.status != InterestRunStatus.POSTING:
        return locked  # posted meanwhile (a task delivered twice), or already reverted
    locked.status = InterestRunStatus.DRAFT
    locked.post_error = reason[:1000]
    locked.save(update_fields=["status", "post_error"])
    audit.record(locked.society, None, "shares.interest_posting_failed", locked, {
        "year_end": locked.year_end.isoformat(), "reason": locked.post_error,
    })
    return locked


@transaction.atomic
def post_interest_run(*, actor, run: InterestRun, on_date: date | None = None) -> InterestRun:
    """Post the run once: reinvested interest becomes new shares (within the cap, with
    certificates); the rest is to be paid gross (the run's CSV). The year is then closed.

    The pages call `start_posting_interest_run`, whose task calls this with the date asked
    for; called directly (a draft), it posts at once."""
    society = run.society
    locked = InterestRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
    if locked.status == InterestRunStatus.POSTING:
        on_date = locked.post_on
    on_date = on_date or _today()
    _check_postable(locked, on_date, allow_posting=True)
    lines = [PlannedLine(*row) for row in InterestLine.objects.filter(run=locked).values_list(
        "member_id", "share_class_id", "pence_days", "interest_pence", *LINE_FIELDS, "pk")]
    preview = {line.pk: (line.reinvested_shares, line.paid_pence) for line in lines}
    classes = _reinvestment_plan(society, lines, lock=True)
    bulk.set_rows(InterestLine, {
        line.pk: (line.reinvested_shares, line.reinvested_pence, line.paid_pence)
        for line in lines if preview[line.pk] != (line.reinvested_shares, line.paid_pence)
    }, LINE_FIELDS)
    reinvesting = [line for line in lines if line.reinvested_shares]
    if reinvesting:
        from members.models import Member

        members = {}
        ids = sorted({line.member_id for line in reinvesting})
        for start in range(0, len(ids), WRITE_CHUNK):
            members.update(Member.objects.only(
                "id", "society_id", "member_number", "full_name").in_bulk(
                ids[start:start + WRITE_CHUNK]))
        _post(actor=actor, society=society, on_date=on_date,
              reference=f"interest for the year to {_day(locked.year_end)}",
              legs=[Leg(members[line.member_id], classes[line.share_class_id],
                        TransactionKind.REINVESTMENT, line.reinvested_shares,
                        line.reinvested_pence) for line in reinvesting])
    _set_totals(locked, lines)
    locked.status = InterestRunStatus.POSTED
    locked.posted_at = timezone.now()
    locked.posted_by = user_or_none(actor)
    locked.post_on = on_date
    locked.post_error = ""
    locked.save(update_fields=["member_count", "gross_pence", "reinvested_pence", "paid_pence",
                               "status", "posted_at", "posted_by", "post_on", "post_error"])
    audit.record(society, actor, "shares.interest_posted", locked, {
        "year_end": locked.year_end.isoformat(), "members": locked.member_count,
        "gross_pence": locked.gross_pence, "reinvested_pence": locked.reinvested_pence,
        "paid_pence": locked.paid_pence,
    })
    return locked


@transaction.atomic
def discard_interest_run(*, actor, run: InterestRun) -> None:
    locked = InterestRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
    if locked.status in (InterestRunStatus.POSTED, InterestRunStatus.POSTING):
        raise ShareError(_already_run(locked))
    audit.record(locked.society, actor, "shares.interest_run_discarded", locked,
                 {"year_end": locked.year_end.isoformat()})
    InterestLine.objects.filter(run=locked).delete()
    locked.delete()

