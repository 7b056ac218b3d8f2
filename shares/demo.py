"""Share records for the demo societies, loaded by `manage.py seed_demo`. Idempotent: a
society that already has a share class is left alone.

- Millmead Children's Centre: one £1 membership share each, not withdrawable, issued on
  admission (a community benefit society: the share is cancelled when a member leaves).
- Pembroke Street Estate TMO: one £1 tenant share each, the same way.
- Baywind Energy Co-operative: £1 withdrawable shares, at least 250 to be a member, 90 days'
  notice, 4% share interest that members may reinvest; members bought more over the years,
  a few withdrew (one left the co-op that way), one request awaits the board and one the
  payment; the share interest for the year to 31 March 2025 is posted (some reinvested),
  the year to 31 March 2026 is left for the demo secretary to run; two nominations.

Like the rest of the demo data it describes a state that already exists, so the movements
go through the ledger's own posting (`services.posting.post_to_ledger`: ledger rows,
balances, certificates, the cap and the holding checks) rather than the services that audit
and notify. Only the past interest run is computed and posted by its services, so its two
audit entries exist.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from members.models import CessationReason, Member
from shares import ledger, queries, services
from shares.models import (
    InterestRun,
    Nomination,
    PaymentDirection,
    ShareAccount,
    ShareClass,
    TransactionKind,
    WithdrawalRequest,
    WithdrawalStatus,
)
from shares.services import posting
from societies.models import Society

METHODS = ["bank_transfer", "card", "cheque", "cash"]
BAYWIND_YEAR_END = date(2025, 3, 31)
BAYWIND_POSTED_ON = date(2025, 5, 15)


def seed_demo_shares() -> None:
    """Share classes and share records for each demo society that has none yet."""
    with scopes_disabled():
        found = {s.slug: s for s in Society.objects.filter(slug__in=BUILDERS)}
    for slug, build in BUILDERS.items():
        society = found.get(slug)
        if society is None:
            continue
        with scope(society=society), transaction.atomic():
            if ShareClass.objects.filter(society=society).exists():
                continue
            build(society)


def _members(society):
    return list(Member.objects.filter(society=society).order_by("member_number"))


def _issue(society, member, share_class, shares, on, rng, reference):
    cost = shares * share_class.nominal_value_pence
    payment = posting.record_payment(
        actor=None, society=society, member=member, direction=PaymentDirection.RECEIVED,
        amount_pence=cost, paid_on=on, method=rng.choice(METHODS), reference=reference)
    posting.post_to_ledger(actor=None, society=society, on_date=on, reference=reference,
                           payment=payment, legs=[posting.Leg(member, share_class,
                                                              TransactionKind.ISSUE, shares, cost)])


def _one_share_each(society, name, description):
    share_class = ShareClass.objects.create(
        society=society, name=name, nominal_value_pence=100, is_withdrawable=False,
        is_transferable=False, is_qualifying=True, minimum_holding=1, maximum_holding=1,
        withdrawal_notice_days=0, interest_rate_percent=Decimal("0"))
    rng = random.Random(f"{society.slug}-shares")
    for member in _members(society):
        _issue(society, member, share_class, 1, member.admitted_on, rng,
               f"{description} {member.member_number}")


def _millmead(society):
    _one_share_each(society, "Membership share", "joining payment, member")


def _pembroke(society):
    _one_share_each(society, "Tenant share", "joining payment, tenant")


def _withdrawal(society, member, share_class, shares, requested_on, *, status, paid_on=None,
                reference=""):
    """A withdrawal request as the board left it; a paid one moves the ledger."""
    request = WithdrawalRequest(
        society=society, member=member, share_class=share_class, shares=shares,
        requested_on=requested_on,
        earliest_payable_on=ledger.earliest_payable_on(requested_on,
                                                       share_class.withdrawal_notice_days),
        ends_membership=services.withdrawal_ends_membership(
            society, share_class, queries.shares_held(member, share_class) - shares),
        status=status)
    if status in (WithdrawalStatus.APPROVED, WithdrawalStatus.PAID):
        request.decided_on = requested_on + timedelta(days=21)
        request.decision_reference = f"Board minute {request.decided_on:%Y/%m}"
    if status == WithdrawalStatus.PAID:
        amount = shares * share_class.nominal_value_pence
        payment = posting.record_payment(
            actor=None, society=society, member=member, direction=PaymentDirection.PAID,
            amount_pence=amount, paid_on=paid_on, method="bank_transfer", reference=reference)
        (entry,) = posting.post_to_ledger(
            actor=None, society=society, on_date=paid_on, reference=reference, payment=payment,
            legs=[posting.Leg(member, share_class, TransactionKind.WITHDRAWAL, -shares,
                              -amount)])
        request.transaction = entry
        request.closed_at = timezone.now()
    request.save()
    return request


def _baywind(society):
    share_class = ShareClass.objects.create(
        society=society, name="Withdrawable share", nominal_value_pence=100,
        is_withdrawable=True, is_transferable=False, is_qualifying=True, minimum_holding=250,
        maximum_holding=100_000, withdrawal_notice_days=90,
        interest_rate_percent=Decimal("4.00"), allows_reinvestment=True)
    rng = random.Random("baywind-shares")
    members = _members(society)
    minimum = services.membership_minimum(society, share_class)
    early = [m for m in members if m.admitted_on < date(2020, 6, 1)]
    demo_member, approved_one, partial, leaver = members[2], early[3], early[5:7], early[8]
    investors = {demo_member.pk, approved_one.pk, *(m.pk for m in partial)}
    events = []  # (date, order, action): played in date order around the interest year end

    def buy(member, shares, on, reference):
        events.append((on, 1, lambda: _issue(society, member, share_class, shares, on, rng,
                                             reference)))

    for member in members:
        events.append((member.admitted_on, 0, lambda m=member: _issue(
            society, m, share_class, minimum, m.admitted_on, rng,
            f"application {m.member_number}")))
        if member.pk in investors:
            on = member.admitted_on + timedelta(days=60)
            buy(member, 1000, on, f"share offer {on:%Y}")
        elif rng.random() < 0.6:
            on = min(member.admitted_on + timedelta(days=rng.randint(40, 900)),
                     date(2026, 9, 30))
            buy(member, rng.choice([250, 500, 750, 1000, 2000, 5000]), on,
                f"share offer {on:%Y}")
    # Two members withdrew some shares; one left the co-operative by withdrawing everything.
    for member, paid_on in zip(partial, (date(2024, 2, 12), date(2025, 9, 1)), strict=True):
        events.append((paid_on, 2, lambda m=member, p=paid_on: _withdrawal(
            society, m, share_class, 500, p - timedelta(days=120), status=WithdrawalStatus.PAID,
            paid_on=p, reference=f"BACS OUT {m.member_number}")))
    left_on = date(2025, 10, 6)
    events.append((left_on, 2, lambda: _leave(society, leaver, share_class, left_on)))
    events.sort(key=lambda event: (event[0], event[1]))
    for on, _order, action in events:
        if on <= BAYWIND_YEAR_END:
            action()
    # Some members take their interest as shares; the year to 31 March 2025 is posted.
    for member in members[::4]:
        ShareAccount.objects.filter(member=member).update(reinvest_interest=True)
    start, end = services.financial_year_ending(society, BAYWIND_YEAR_END)
    run = InterestRun.objects.create(society=society, period_start=start, year_end=end,
                                     rates={str(share_class.pk): "4.00"})
    services.compute_interest_run(actor=None, run=run)
    services.post_interest_run(actor=None, run=run, on_date=BAYWIND_POSTED_ON)
    for on, _order, action in events:
        if on > BAYWIND_YEAR_END:
            action()
    # Requests with the board now: the demo member's awaits a decision, another the payment.
    today = timezone.localdate()
    _withdrawal(society, demo_member, share_class, 100, today - timedelta(days=10),
                status=WithdrawalStatus.REQUESTED)
    _withdrawal(society, approved_one, share_class, 250, today - timedelta(days=100),
                status=WithdrawalStatus.APPROVED)
    for member, nominee, relationship in ((members[0], "Robin Ashworth", "Partner"),
                                          (members[4], "Alex Dobson", "Daughter")):
        Nomination.objects.create(society=society, member=member, nominee_name=nominee,
                                  nominee_address="4 Mill Lane\nUlverston\nLA12 7HA",
                                  relationship=relationship, percentage=100,
                                  made_on=member.admitted_on + timedelta(days=30))


def _leave(society, member, share_class, paid_on):
    """A member withdraws everything after notice; the membership ends, shares withdrawn."""
    held = queries.shares_held(member, share_class)
    _withdrawal(society, member, share_class, held, paid_on - timedelta(days=95),
                status=WithdrawalStatus.PAID, paid_on=paid_on,
                reference=f"BACS OUT {member.member_number} final")
    Member.objects.filter(pk=member.pk).update(
        ceased_on=paid_on, cessation_reason=CessationReason.SHARES_WITHDRAWN)


BUILDERS = {"millmead": _millmead, "pembroke-street": _pembroke, "baywind": _baywind}
