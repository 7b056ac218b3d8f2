"""Nominations, and a deceased member's shares: transmitted to a member or paid out."""

from datetime import date

from django.db import transaction
from django.db.models import Sum

from accounts.acting import user_or_none
from shares import ledger
from shares.models import Nomination, PaymentDirection, ShareTransaction, TransactionKind
from shares.services.common import (
    ShareError,
    check_member_active,
    check_positive,
    check_receives,
    check_same_society,
    long_date,
    today,
)
from shares.services.posting import Leg, lock_account, lock_accounts, post_to_ledger, record_payment
from societies import audit

DECEASED = "deceased"


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
        percentage=percentage, made_on=made_on or today(), recorded_by=user_or_none(actor),
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
    locked.revoked_on = revoked_on or today()
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
    check_same_society(society, to_member, share_class, nomination)
    check_positive(shares)
    _check_deceased(member)
    if to_member.pk == member.pk:
        raise ShareError("Choose the member who receives the shares.")
    check_member_active(to_member, on_date)
    value = shares * share_class.nominal_value_pence
    lock_accounts(society, [member.pk, to_member.pk])
    _check_settlement(member, nomination, value, reference)
    check_receives(society, to_member, share_class, shares)
    reference = reference.strip() or f"nomination of {long_date(nomination.made_on)}"
    rows = post_to_ledger(actor=actor, society=society, on_date=on_date, reference=reference,
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
    check_same_society(society, share_class, nomination)
    check_positive(shares)
    _check_deceased(member)
    payee = (payee or "").strip() or (nomination.nominee_name if nomination else "")
    if not payee:
        raise ShareError("Say who is paid.")
    value = shares * share_class.nominal_value_pence
    lock_account(member)
    _check_settlement(member, nomination, value, reference)
    payment = record_payment(actor=actor, society=society, member=member,
                             direction=PaymentDirection.PAID, amount_pence=value,
                             paid_on=on_date, method=method, reference=reference, payee=payee)
    (entry,) = post_to_ledger(actor=actor, society=society, on_date=on_date,
                              reference=reference or f"paid to {payee}", payment=payment,
                              nomination=nomination,
                              legs=[Leg(member, share_class, TransactionKind.DEATH_PAYMENT, -shares,
                                        -value)])
    audit.record(society, actor, "shares.paid_out_on_death", entry, {
        "member_number": member.member_number, "class": share_class.name, "shares": shares,
        "amount_pence": value, "payee": payee, "nominated": nomination is not None,
    })
    return entry
