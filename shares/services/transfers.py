"""Transfers between members, forfeiture and conversion between classes."""

from datetime import date

from django.db import transaction

from shares import ledger
from shares.models import ShareTransaction, TransactionKind
from shares.queries import membership_minimum, shares_held
from shares.services.common import (
    ShareError,
    check_decision,
    check_member_active,
    check_positive,
    check_receives,
    check_same_society,
    member_label,
)
from shares.services.posting import Leg, lock_account, lock_accounts, post_to_ledger
from societies import audit


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


@transaction.atomic
def transfer_shares(*, actor, from_member, to_member, share_class, shares: int, on_date: date,
                    consent_on: date, consent_reference: str) -> list[ShareTransaction]:
    society = from_member.society
    check_same_society(society, to_member, share_class)
    check_positive(shares)
    if not share_class.is_transferable:
        raise ShareError(f"{share_class.name} shares are not transferable.")
    if from_member.pk == to_member.pk:
        raise ShareError("Shares cannot be transferred to the member who holds them.")
    consent_reference = check_decision(consent_on, consent_reference)
    if consent_on > on_date:
        raise ShareError("The transfer cannot be dated before the board's consent.")
    check_member_active(from_member, on_date)
    check_member_active(to_member, on_date)
    lock_accounts(society, [from_member.pk, to_member.pk])
    _check_keeps_membership(society, from_member, share_class,
                            shares_held(from_member, share_class), shares,
                            member_label(from_member))
    check_receives(society, to_member, share_class, shares)
    amount = shares * share_class.nominal_value_pence
    rows = post_to_ledger(
        actor=actor, society=society, on_date=on_date, reference=consent_reference,
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
    check_same_society(society, share_class)
    check_positive(shares)
    reason = (reason or "").strip()
    if not reason:
        raise ShareError("Say why the shares are forfeit (the rule and the decision).")
    (entry,) = post_to_ledger(actor=actor, society=society, on_date=on_date, reference=reason,
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
    check_same_society(society, from_class, to_class)
    check_positive(shares)
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
    check_member_active(member, on_date)
    lock_account(member)
    _check_keeps_membership(society, member, from_class, shares_held(member, from_class), shares,
                            member_label(member))
    check_receives(society, member, to_class, new_shares)
    rows = post_to_ledger(
        actor=actor, society=society, on_date=on_date, reference=reference,
        legs=[Leg(member, from_class, TransactionKind.CONVERSION_OUT, -shares, -value),
              Leg(member, to_class, TransactionKind.CONVERSION_IN, new_shares, value)])
    audit.record(society, actor, "shares.converted", rows[0], {
        "member_number": member.member_number, "from_class": from_class.name,
        "to_class": to_class.name, "shares": shares, "new_shares": new_shares,
        "on_date": on_date.isoformat(), "reference": reference,
    })
    return rows
