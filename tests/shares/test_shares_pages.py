"""The secretary's share pages used the way a person uses them: transfer, conversion,
forfeiture, settlement on death, reversal, nominations, deferral and suspension of
withdrawals, and changing a class. Each one's success, and a mistake shown back naming the
field or the rule with nothing written."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from members import services as member_services
from shares import services
from shares.models import (
    Holding,
    Nomination,
    ShareTransaction,
    WithdrawalRequest,
    WithdrawalStatus,
    WithdrawalSuspension,
)

D = date
TODAY = timezone.localdate


def url(name, **kwargs):
    return reverse(f"shares:{name}", kwargs={"society_slug": "millmead", **kwargs})


def holding(member, share_class):
    found = Holding.objects.filter(member=member, share_class=share_class).first()
    return found.shares if found else 0


@pytest.fixture
def held(shares_world):
    """The plain member holds 1 ordinary and 500 investor shares; the board member 1."""
    sw = shares_world
    sw.issue(sw.member(), 1, on=D(2022, 1, 4))
    sw.issue(sw.member(), 500, sw.investor, on=D(2022, 1, 4))
    sw.issue(sw.member("board_member"), 1, on=D(2022, 1, 4))
    return sw


def post(sw, name, data, **kwargs):
    return sw.world.client("secretary").post(url(name, **kwargs), data)


def unchanged(check):
    """Run `check()` (a response), assert it was refused (400) and no ledger row was written;
    return the page's text."""
    before = ShareTransaction.objects.count()
    response = check()
    assert response.status_code == 400
    assert ShareTransaction.objects.count() == before
    return response.content.decode()


def test_a_transfer_with_the_boards_consent(held):
    sw = held
    giver, taker = sw.member(), sw.member("board_member")
    data = {"share_class": sw.investor.pk, "shares": "250", "to_member": "3",
            "on_date": TODAY().isoformat(), "consent_on": TODAY().isoformat(),
            "consent_reference": "Board 2026/7"}
    page = unchanged(lambda: post(sw, "transfer", {**data, "to_member": "99"},
                                  public_id=giver.public_id))
    assert "No member has the number 99." in page
    page = unchanged(lambda: post(sw, "transfer", {**data, "consent_reference": ""},
                                  public_id=giver.public_id))
    assert "Board consent reference: This field is required." in page
    # Only a transferable class is offered: ordinary shares cannot be chosen.
    page = unchanged(lambda: post(sw, "transfer", {**data, "share_class": sw.ordinary.pk},
                                  public_id=giver.public_id))
    assert "Select a valid choice" in page
    response = post(sw, "transfer", data, public_id=giver.public_id)
    assert response.status_code == 302
    assert (holding(giver, sw.investor), holding(taker, sw.investor)) == (250, 250)
    out = ShareTransaction.objects.get(member=giver, kind="transfer_out")
    assert out.counterparty == taker and "Board 2026/7" in out.reference


def test_a_conversion_keeps_the_value(held):
    sw = held
    member = sw.member()
    data = {"from_class": sw.investor.pk, "to_class": sw.investor.pk, "shares": "250",
            "on_date": TODAY().isoformat(), "reference": "Special resolution 2026/1"}
    page = unchanged(lambda: post(sw, "convert", data, public_id=member.public_id))
    assert "Choose two different classes." in page
    response = post(sw, "convert", {**data, "from_class": sw.investor.pk,
                                    "to_class": sw.ordinary.pk}, public_id=member.public_id)
    assert response.status_code == 302
    assert (holding(member, sw.investor), holding(member, sw.ordinary)) == (250, 251)


def test_forfeiture_needs_the_rule_and_decision(held):
    sw = held
    member = sw.member()
    data = {"share_class": sw.investor.pk, "shares": "500", "on_date": TODAY().isoformat(),
            "reason": ""}
    page = unchanged(lambda: post(sw, "forfeit", data, public_id=member.public_id))
    assert "Rule and decision: This field is required." in page
    response = post(sw, "forfeit", {**data, "reason": "Rule 14, board 2026/9"},
                    public_id=member.public_id)
    assert response.status_code == 302
    assert holding(member, sw.investor) == 0
    assert ShareTransaction.objects.get(member=member, kind="forfeit").shares == -500


@pytest.fixture
def deceased(held):
    sw = held
    member = sw.member()
    services.record_nomination(actor=None, member=member, nominee_name="Sam Heir",
                               nominee_address="1 Lane", percentage=100)
    member_services.cease_member(actor=None, member=member, ceased_on=TODAY(),
                                 reason="deceased")
    return sw


def test_settling_on_death_by_transfer_and_by_payment_under_the_nomination(deceased):
    sw = deceased
    member = sw.member()
    nomination = Nomination.objects.get(member=member)
    common = {"share_class": sw.investor.pk, "on_date": TODAY().isoformat(),
              "nomination": nomination.pk, "reference": ""}
    page = unchanged(lambda: post(sw, "death", {**common, "shares": "250", "how": "transfer"},
                                  public_id=member.public_id))
    assert "Give the member number of the member who receives the shares." in page
    response = post(sw, "death", {**common, "shares": "250", "how": "transfer",
                                  "to_member": "3"}, public_id=member.public_id)
    assert response.status_code == 302
    assert holding(sw.member("board_member"), sw.investor) == 250
    response = post(sw, "death", {**common, "shares": "250", "how": "pay",
                                  "method": "cheque"}, public_id=member.public_id)
    assert response.status_code == 302
    entry = ShareTransaction.objects.get(member=member, kind="death_payment")
    assert (entry.payment.payee, entry.payment.amount_pence) == ("Sam Heir", 25_000)
    assert holding(member, sw.investor) == 0


def test_the_nomination_limit_is_five_thousand_pounds_in_all(deceased):
    sw = deceased
    member = sw.member()
    sw.investor.maximum_holding = None
    ShareTransaction.objects.create(  # an inheritance larger than a nomination may carry
        society=sw.society, member=member, share_class=sw.investor, kind="issue",
        on_date=D(2022, 1, 5), shares=5000, amount_pence=500_000)
    Holding.objects.filter(member=member, share_class=sw.investor).update(
        shares=5500, amount_paid_pence=550_000)
    nomination = Nomination.objects.get(member=member)
    page = unchanged(lambda: post(sw, "death", {
        "share_class": sw.investor.pk, "on_date": TODAY().isoformat(), "shares": "5001",
        "how": "pay", "method": "cheque", "nomination": nomination.pk},
        public_id=member.public_id))
    assert "A nomination covers at most £5,000.00 in all" in page
    page = unchanged(lambda: post(sw, "death", {
        "share_class": sw.investor.pk, "on_date": TODAY().isoformat(), "shares": "500",
        "how": "pay", "method": "cheque", "payee": "The estate"},
        public_id=member.public_id))
    assert "record the grant of probate" in page


def test_the_secretary_reverses_an_entry_once(held):
    sw = held
    entry = ShareTransaction.objects.get(member=sw.member(), share_class=sw.investor)
    page = unchanged(lambda: post(sw, "reverse", {"reason": ""}, public_id=entry.public_id))
    assert "Why it is reversed: This field is required." in page
    assert post(sw, "reverse", {"reason": "keyed twice"},
                public_id=entry.public_id).status_code == 302
    assert holding(sw.member(), sw.investor) == 0
    page = unchanged(lambda: post(sw, "reverse", {"reason": "again"},
                                  public_id=entry.public_id))
    assert "already" in page.lower()


def test_the_secretary_records_a_nomination_from_a_paper_form(held):
    sw = held
    member = sw.member()
    data = {"nominee_name": "Kit Heir", "nominee_address": "2 Lane", "percentage": "60"}
    assert post(sw, "nominate_for", data, public_id=member.public_id).status_code == 302
    response = sw.world.client("secretary").post(url("nominate_for", public_id=member.public_id),
                                                 {**data, "percentage": "50"})
    assert response.status_code == 400
    assert "The nominations in force already give 60%; this one can give at most 40%" in \
        response.content.decode()
    book = sw.world.client("auditor").get(url("nominations")).content.decode()
    assert "Kit Heir" in book


def test_the_board_defers_and_suspends_withdrawals(held):
    sw = held
    member = sw.member()
    request = services.request_withdrawal(actor=None, member=member, share_class=sw.investor,
                                          shares=250, requested_on=TODAY() - timedelta(days=100))
    later = TODAY() + timedelta(days=30)
    response = post(sw, "withdrawal_defer", {
        "defer-until": later.isoformat(), "defer-decided_on": TODAY().isoformat(),
        "defer-decision_reference": "Board 2026/12"}, public_id=request.public_id)
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.deferred_until) == (WithdrawalStatus.DEFERRED, later)
    # Suspension: a payment is refused while withdrawals are suspended.
    assert post(sw, "withdrawals_suspend", {"on_date": TODAY().isoformat(),
                                            "decision_reference": "Board 2026/13"}
                ).status_code == 302
    assert WithdrawalSuspension.objects.get().resumed_on is None
    services.approve_withdrawal(actor=None, withdrawal=request, decided_on=TODAY(),
                                decision_reference="Board 2026/14")
    WithdrawalRequest.objects.filter(pk=request.pk).update(deferred_until=None)
    response = post(sw, "withdrawal_pay", {"pay-paid_on": TODAY().isoformat(),
                                           "pay-method": "cash"}, public_id=request.public_id)
    assert response.status_code == 400
    assert "Withdrawals are suspended by the board" in response.content.decode()
    assert holding(member, sw.investor) == 500
    assert post(sw, "withdrawals_resume", {"on_date": TODAY().isoformat(),
                                           "decision_reference": "Board 2026/15"}
                ).status_code == 302
    assert WithdrawalSuspension.objects.get().resumed_on == TODAY()


def test_a_class_cannot_change_its_value_once_shares_exist(held):
    sw = held
    values = {"name": "Investor", "nominal_value_pence": "0.50", "is_withdrawable": "on",
              "is_transferable": "on", "is_qualifying": "", "minimum_holding": "250",
              "maximum_holding": "100000", "withdrawal_notice_days": "90",
              "interest_rate_percent": "5.5", "allows_reinvestment": "on"}
    response = post(sw, "class_edit", values, public_id=sw.investor.public_id)
    assert response.status_code == 400
    assert "create a new class and convert" in response.content.decode()
    response = post(sw, "class_edit", {**values, "nominal_value_pence": "£1",
                                       "interest_rate_percent": "4.25"},
                    public_id=sw.investor.public_id)
    assert response.status_code == 302
    sw.investor.refresh_from_db()
    assert sw.investor.interest_rate_percent == Decimal("4.25")
