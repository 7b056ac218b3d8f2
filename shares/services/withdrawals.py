"""Withdrawals: a member asks, the board approves, defers or suspends, the secretary pays."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.acting import user_or_none
from shares import ledger
from shares.models import (
    OPEN_WITHDRAWAL,
    Holding,
    PaymentDirection,
    ShareTransaction,
    TransactionKind,
    WithdrawalRequest,
    WithdrawalStatus,
    WithdrawalSuspension,
)
from shares.queries import membership_minimum, open_suspension, shares_held, suspension_on
from shares.services.common import (
    ShareError,
    check_decision,
    check_positive,
    check_same_society,
    class_minimum,
    long_date,
    member_label,
    notify_member,
    today,
)
from shares.services.posting import Leg, lock_account, post_to_ledger, record_payment
from societies import audit

SHARES_WITHDRAWN = "shares_withdrawn"


def _open_withdrawals(member, share_class) -> int:
    return WithdrawalRequest.objects.filter(
        member=member, share_class=share_class, status__in=OPEN_WITHDRAWAL
    ).aggregate(total=Sum("shares"))["total"] or 0


def _check_remainder(society, member, share_class, held, shares, *, whose="You"):
    minimum = class_minimum(society, share_class)
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
    whose = "your" if asking else f"{member_label(member)}'s"
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
    check_same_society(society, share_class)
    requested_on = requested_on or today()
    check_positive(shares)
    if not member.is_active:
        raise ShareError("Only a current member can ask to withdraw shares.")
    if not share_class.is_withdrawable:
        raise ShareError(f"{share_class.name} shares are not withdrawable.")
    lock_account(member)
    available = shares_held(member, share_class) - _open_withdrawals(member, share_class)
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
    notify_member(member, "shares.withdrawal_requested", request, {
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


@transaction.atomic
def approve_withdrawal(*, actor, withdrawal, decided_on: date,
                       decision_reference: str) -> WithdrawalRequest:
    reference = check_decision(decided_on, decision_reference)
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
    reference = check_decision(decided_on, decision_reference)
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


@transaction.atomic
def suspend_withdrawals(*, actor, society, suspended_on: date,
                        decision_reference: str) -> WithdrawalSuspension:
    reference = check_decision(suspended_on, decision_reference)
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
    reference = check_decision(resumed_on, decision_reference)
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
        raise ShareError(f"This withdrawal cannot be paid before {long_date(locked.payable_from)}"
                         " (the notice period or the board's deferral).")
    suspension = suspension_on(society, paid_on)
    if suspension is not None:
        raise ShareError(f"Withdrawals are suspended by the board from "
                         f"{long_date(suspension.suspended_on)} "
                         f"({suspension.decision_reference}).")
    held = shares_held(member, share_class)
    _check_remainder(society, member, share_class, held, locked.shares, whose=member.full_name)
    if member.is_active and withdrawal_ends_membership(society, share_class,
                                                       held - locked.shares):
        _check_leaves_nothing_else(member, share_class, asking=False)
    amount = locked.shares * share_class.nominal_value_pence
    payment = record_payment(actor=actor, society=society, member=member,
                             direction=PaymentDirection.PAID, amount_pence=amount,
                             paid_on=paid_on, method=method, reference=reference)
    (entry,) = post_to_ledger(
        actor=actor, society=society, on_date=paid_on, reference=reference, payment=payment,
        legs=[Leg(member, share_class, TransactionKind.WITHDRAWAL, -locked.shares, -amount)])
    locked.status = WithdrawalStatus.PAID
    locked.transaction = entry
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "transaction", "closed_at"])
    ends = member.is_active and withdrawal_ends_membership(society, share_class,
                                                           held - locked.shares)
    remainder = entry.certificates.first()
    notify_member(member, "shares.withdrawal_paid", entry, {
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


LEAVING_REFERENCE = "Withdrawn on leaving employment"


def withdraw_on_leaving(sender=None, *, member, ceased_on: date, reason: str, actor,
                        **kwargs) -> dict:
    """`members.signals.member_ceased` receiver, run in `cease_member`'s transaction: a member
    of a class whose membership ends with employment (Central Surrey Health's staff
    co-owners), ceased as no longer eligible, has every withdrawable share withdrawn on the day
    their membership ended; the society owes them the amount paid up. Returns what it withdrew
    for the cessation's audit entry."""
    from members.models import CessationReason
    from members.services import MemberError

    if reason != CessationReason.INELIGIBLE or not member.stakeholder_class.tied_to_employment:
        return {}
    holdings = list(Holding.objects.filter(society=member.society_id, member=member, shares__gt=0,
                                           share_class__is_withdrawable=True)
                    .select_related("share_class"))
    if not holdings:
        return {}
    legs = [Leg(member, h.share_class, TransactionKind.WITHDRAWAL, -h.shares,
                -h.amount_paid_pence) for h in holdings]
    try:
        post_to_ledger(actor=actor, society=member.society, on_date=ceased_on,
                       reference=LEAVING_REFERENCE, legs=legs)
    except ShareError as error:
        raise MemberError(f"The shares cannot be withdrawn: {error}") from error
    return {"shares_withdrawn": {h.share_class.name: h.shares for h in holdings},
            "repayable_pence": sum(h.amount_paid_pence for h in holdings)}
