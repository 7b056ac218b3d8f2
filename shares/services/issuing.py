"""Issuing shares: for a payment received, and the qualifying shares on admission."""

from datetime import date

from django.db import connection, transaction
from django_scopes import scope

from shares import ledger
from shares.models import (
    Holding,
    PaymentDirection,
    PaymentMethod,
    ShareTransaction,
    TransactionKind,
)
from shares.queries import admission_terms, shares_held
from shares.services.common import (
    ShareError,
    check_member_active,
    check_positive,
    check_same_society,
    class_minimum,
    long_date,
    notify_member,
)
from shares.services.posting import Leg, post_to_ledger, record_payment
from societies import audit


def _check_issue(member, share_class, shares, on_date):
    society = member.society
    check_same_society(society, share_class)
    check_positive(shares)
    check_member_active(member, on_date)
    holding = Holding.objects.filter(member=member, share_class=share_class).first()
    held = holding.shares if holding else 0
    minimum = class_minimum(society, share_class)
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
    payment = record_payment(actor=actor, society=society, member=member,
                             direction=PaymentDirection.RECEIVED, amount_pence=amount_pence,
                             paid_on=paid_on, method=method, reference=reference)
    (entry,) = post_to_ledger(actor=actor, society=society, on_date=paid_on, reference=reference,
                              payment=payment,
                              legs=[Leg(member, share_class, TransactionKind.ISSUE, shares, cost)])
    certificate = entry.certificates.get()
    notify_member(member, "shares.issued", entry, {
        "shares": shares, "class_name": share_class.name, "amount": ledger.format_pence(cost),
        "paid_on": paid_on, "certificate_number": certificate.number,
        "held": shares_held(member, share_class),
    })
    audit.record(society, actor, "shares.issued", entry, {
        "member_number": member.member_number, "class": share_class.name, "shares": shares,
        "amount_pence": cost, "paid_on": paid_on.isoformat(), "method": method,
        "reference": reference, "certificate": certificate.number,
    })
    return entry


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
                             f"({long_date(on_date)}); it is dated {long_date(paid_on)}.")
        payment = record_payment(actor=actor, society=society, member=member,
                                 direction=PaymentDirection.RECEIVED, amount_pence=cost,
                                 paid_on=paid_on, method=method, reference=reference)
        (entry,) = post_to_ledger(
            actor=actor, society=society, on_date=on_date, reference="admission",
            payment=payment, legs=[Leg(member, share_class, TransactionKind.ISSUE, shares, cost)])
    return entry
