"""Share services: each change happens, keeps the ledger, balances and certificates in step,
and writes exactly one audit entry."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from members.models import Member
from shares import ledger, queries, services
from shares.models import (
    AppendOnlyError,
    Holding,
    InterestLine,
    InterestRun,
    InterestRunStatus,
    Nomination,
    PaymentDirection,
    ShareAccount,
    ShareCertificate,
    ShareClass,
    SharePayment,
    ShareTransaction,
    TransactionKind,
    WithdrawalStatus,
)
from shares.services import ShareError
from tests.conftest import is_postgres

D = date


def held(member, share_class):
    holding = Holding.objects.filter(member=member, share_class=share_class).first()
    return (holding.shares, holding.amount_paid_pence) if holding else (0, 0)


def live_certificates(member, share_class):
    return list(ShareCertificate.objects.filter(member=member, share_class=share_class,
                                                cancelled_on__isnull=True).order_by("number"))


def class_values(**overrides):
    values = {
        "name": "Community", "nominal_value_pence": 100, "is_withdrawable": True,
        "is_transferable": False, "is_qualifying": False, "minimum_holding": 0,
        "maximum_holding": None, "withdrawal_notice_days": 30,
        "interest_rate_percent": 0, "allows_reinvestment": False,
    }
    values.update(overrides)
    return values


def test_the_cap_is_the_one_the_society_settings_use():
    from societies.models import LEGAL_MAX_WITHDRAWABLE_PENCE

    assert ledger.LEGAL_MAX_WITHDRAWABLE_PENCE == LEGAL_MAX_WITHDRAWABLE_PENCE


# Share classes


def test_secretary_defines_a_share_class_and_it_is_audited(shares_world, only_entry):
    sw = shares_world
    only_entry.mark(sw.society)
    created = services.create_share_class(actor=sw.secretary, society=sw.society,
                                          values=class_values(name="Community"))
    assert created.withdrawal_notice_days == 30
    entry = only_entry.one(sw.society)
    assert (entry.actor, entry.action) == (sw.secretary, "shares.class_created")
    assert entry.data["name"] == "Community"


def test_share_class_names_and_the_qualifying_class_are_unique(shares_world):
    sw = shares_world
    with pytest.raises(ShareError, match="already a share class called"):
        services.create_share_class(actor=sw.secretary, society=sw.society,
                                    values=class_values(name="ordinary"))
    with pytest.raises(ShareError, match="already the class issued on admission"):
        services.create_share_class(actor=sw.secretary, society=sw.society,
                                    values=class_values(is_qualifying=True))
    with pytest.raises(IntegrityError), transaction.atomic():
        ShareClass.objects.create(society=sw.society, name="Second", nominal_value_pence=1,
                                  is_qualifying=True)


def test_a_withdrawable_class_cannot_allow_more_than_the_legal_cap(shares_world):
    sw = shares_world
    with pytest.raises(ShareError, match="at most £100,000.00"):
        services.create_share_class(actor=sw.secretary, society=sw.society,
                                    values=class_values(maximum_holding=100_001))
    with pytest.raises(IntegrityError), transaction.atomic():
        ShareClass.objects.create(society=sw.society, name="Huge", nominal_value_pence=100,
                                  maximum_holding=100_001, is_withdrawable=True)


def test_nominal_value_is_fixed_once_shares_are_issued(shares_world):
    sw = shares_world
    assert services.update_share_class(actor=sw.secretary, share_class=sw.investor,
                                       values={"nominal_value_pence": 50}) == {
        "nominal_value_pence": [100, 50]}
    sw.issue(sw.member(), 5)
    with pytest.raises(ShareError, match="can no longer change"):
        services.update_share_class(actor=sw.secretary, share_class=sw.ordinary,
                                    values={"nominal_value_pence": 50})
    changes = services.update_share_class(actor=sw.secretary, share_class=sw.ordinary,
                                          values={"withdrawal_notice_days": 60})
    assert changes == {"withdrawal_notice_days": [0, 60]}


# Issue


def test_issuing_shares_records_payment_ledger_balance_and_certificate(shares_world,
                                                                        only_entry):
    sw = shares_world
    member = sw.member()
    only_entry.mark(sw.society)
    entry = sw.issue(member, 250, sw.investor, on=D(2023, 5, 1), method="bank_transfer")
    assert (entry.kind, entry.shares, entry.amount_pence) == ("issue", 250, 25_000)
    assert held(member, sw.investor) == (250, 25_000)
    assert ShareAccount.objects.get(member=member).withdrawable_pence == 25_000
    payment = entry.payment
    assert (payment.direction, payment.amount_pence, payment.method, payment.paid_on) == (
        PaymentDirection.RECEIVED, 25_000, "bank_transfer", D(2023, 5, 1))
    (certificate,) = live_certificates(member, sw.investor)
    assert (certificate.number, certificate.shares, certificate.issued_on) == (
        1, 250, D(2023, 5, 1))
    audit = only_entry.one(sw.society)
    assert (audit.actor, audit.action) == (sw.secretary, "shares.issued")
    assert audit.data["certificate"] == 1 and audit.data["amount_pence"] == 25_000


@pytest.mark.parametrize("change,message", [
    ({"amount_pence": 999}, "the payment recorded is £9.99"),
    ({"paid_on": D(2019, 12, 31)}, "is not a member on 31 December 2019"),
    ({"shares": 0}, "at least 1"),
    ({"shares": 100, "share_class": "investor"}, "at least 250 Investor"),
])
def test_an_issue_that_does_not_add_up_is_refused(shares_world, change, message):
    sw = shares_world
    kwargs = {"actor": sw.secretary, "member": sw.member(), "share_class": sw.ordinary,
              "shares": 10, "amount_pence": 1000, "paid_on": D(2023, 1, 2), "method": "cash"}
    if change.get("share_class") == "investor":
        change = {**change, "share_class": sw.investor, "amount_pence": 10_000}
    kwargs.update(change)
    with pytest.raises(ShareError, match=message):
        services.issue_shares(**kwargs)
    assert not ShareTransaction.objects.exists() and not SharePayment.objects.exists()


def test_an_issue_cannot_be_dated_in_the_future(shares_world):
    sw = shares_world
    with pytest.raises(ShareError, match="future"):
        sw.issue(sw.member(), 1, on=timezone.localdate() + timedelta(days=1))


def test_qualifying_shares_are_issued_inside_the_admission_without_an_audit_entry(
        shares_world, only_entry):
    sw = shares_world
    sw.society.minimum_shares = 1
    newcomer = sw.add_member(20, "Ada Newcomer", admitted=D(2024, 6, 1))
    only_entry.mark(sw.society)
    with transaction.atomic():
        entry = services.issue_qualifying_shares(actor=sw.secretary, member=newcomer,
                                                 on_date=D(2024, 6, 1), method="card",
                                                 reference="application APP-1")
    assert (entry.share_class, entry.shares, entry.on_date) == (sw.ordinary, 1,
                                                                D(2024, 6, 1))
    assert entry.payment.reference == "application APP-1"
    assert live_certificates(newcomer, sw.ordinary)[0].shares == 1
    assert only_entry.new(sw.society) == []


def test_qualifying_shares_need_the_callers_transaction_and_a_qualifying_class(shares_world):
    sw = shares_world
    newcomer = sw.add_member(21, "Bo Newcomer", admitted=D(2024, 6, 1))
    if not connection.in_atomic_block:
        with pytest.raises(RuntimeError, match="inside the admission"):
            services.issue_qualifying_shares(actor=None, member=newcomer,
                                             on_date=D(2024, 6, 1))
    ShareClass.objects.filter(pk=sw.ordinary.pk).update(is_qualifying=False)
    with transaction.atomic():
        assert services.issue_qualifying_shares(actor=None, member=newcomer,
                                                on_date=D(2024, 6, 1)) is None
    assert not ShareTransaction.objects.filter(member=newcomer).exists()


# The ledger is append-only


def test_ledger_rows_cannot_be_changed_or_removed_through_the_models(shares_world):
    sw = shares_world
    entry = sw.issue(sw.member(), 5)
    entry.shares = 500
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        ShareTransaction.objects.filter(pk=entry.pk).update(shares=500)
    with pytest.raises(AppendOnlyError):
        ShareTransaction.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        entry.payment.delete()
    with pytest.raises(AppendOnlyError):
        entry.certificates.get().delete()
    assert ShareTransaction.objects.get(pk=entry.pk).shares == 5


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "UPDATE shares_sharetransaction SET shares = 500",
    "DELETE FROM shares_sharetransaction",
    "UPDATE shares_sharepayment SET amount_pence = 1",
    "DELETE FROM shares_sharepayment",
    "DELETE FROM shares_sharecertificate",
    "UPDATE shares_sharecertificate SET number = number + 100",
])
def test_postgresql_refuses_to_rewrite_the_ledger_even_in_raw_sql(shares_world, statement):
    if not is_postgres():
        pytest.skip("the trigger is PostgreSQL's: runs in CI's PostgreSQL leg")
    sw = shares_world
    sw.issue(sw.member(), 5)
    with pytest.raises(IntegrityError, match="append-only|never deleted|renumbered"), \
            transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert ShareTransaction.objects.get().shares == 5


# Certificates


def test_certificate_numbers_are_never_reused(shares_world):
    sw = shares_world
    member, other = sw.member(), sw.member("secretary")
    sw.issue(member, 10)                        # no. 1
    sw.issue(member, 5)                         # no. 2
    sw.issue(other, 3)                          # no. 3
    request = services.request_withdrawal(actor=member.user, member=member,
                                          share_class=sw.ordinary, shares=4,
                                          requested_on=D(2023, 2, 1))
    services.approve_withdrawal(actor=sw.secretary, withdrawal=request,
                                decided_on=D(2023, 2, 1), decision_reference="B/1")
    services.pay_withdrawal(actor=sw.secretary, withdrawal=request, paid_on=D(2023, 2, 2),
                            method="bank_transfer")
    # Nos. 1 and 2 are cancelled and keep their numbers; the remainder is no. 4.
    cancelled = ShareCertificate.objects.filter(member=member, cancelled_on__isnull=False)
    assert sorted(cancelled.values_list("number", flat=True)) == [1, 2]
    (remainder,) = live_certificates(member, sw.ordinary)
    assert (remainder.number, remainder.shares) == (4, 11)
    assert sw.issue(other, 1).certificates.get().number == 5
    with pytest.raises(IntegrityError), transaction.atomic():
        ShareCertificate.objects.create(
            society=sw.society, number=4, member=other, share_class=sw.ordinary, shares=1,
            amount_paid_pence=100, issued_on=D(2023, 3, 1),
            transaction=ShareTransaction.objects.first())


def test_live_certificates_always_add_up_to_the_holding(shares_world):
    sw = shares_world
    member, other = sw.member(), sw.member("board_member")
    sw.issue(member, 300, sw.investor)
    sw.issue(member, 200, sw.investor, on=D(2023, 2, 1))
    sw.issue(other, 250, sw.investor)
    services.transfer_shares(actor=sw.secretary, from_member=member, to_member=other,
                             share_class=sw.investor, shares=100, on_date=D(2023, 3, 1),
                             consent_on=D(2023, 2, 20), consent_reference="B/7")
    for who, expected in ((member, 400), (other, 350)):
        assert sum(c.shares for c in live_certificates(who, sw.investor)) == expected
        assert held(who, sw.investor)[0] == expected


# The cap, on every path


@pytest.fixture
def near_cap(shares_world):
    """The member holds £99,990 of withdrawable shares: £10 below the legal cap."""
    sw = shares_world
    sw.issue(sw.member(), 99_990, sw.ordinary)
    return sw


def test_the_cap_holds_on_issue(near_cap):
    sw = near_cap
    sw.issue(sw.member(), 10)  # exactly £100,000
    with pytest.raises(ShareError, match="at most £100,000.00"):
        sw.issue(sw.member(), 1)
    assert ShareAccount.objects.get(member=sw.member()).withdrawable_pence == 10_000_000


def test_the_cap_counts_every_withdrawable_class_together(near_cap):
    sw = near_cap
    with pytest.raises(ShareError, match="would hold £100,240.00 of withdrawable"):
        sw.issue(sw.member(), 250, sw.investor)


def test_the_society_may_set_a_lower_cap(shares_world):
    sw = shares_world
    sw.society.max_withdrawable_pence = 30_000
    sw.society.save(update_fields=["max_withdrawable_pence"])
    sw.issue(sw.member(), 300, sw.investor)
    with pytest.raises(ShareError, match="at most £300.00"):
        sw.issue(sw.member(), 1)


def test_the_cap_holds_on_transfer_in(near_cap):
    sw = near_cap
    giver = sw.member("board_member")
    sw.issue(giver, 300, sw.investor)
    with pytest.raises(ShareError, match="at most £100,000.00"):
        services.transfer_shares(actor=sw.secretary, from_member=giver, to_member=sw.member(),
                                 share_class=sw.investor, shares=300, on_date=D(2023, 3, 1),
                                 consent_on=D(2023, 3, 1), consent_reference="B/2")
    assert held(giver, sw.investor)[0] == 300


def test_the_cap_holds_on_transmission_on_death(near_cap):
    sw = near_cap
    deceased = sw.add_member(30, "Dee Ceased")
    sw.issue(deceased, 20, sw.ordinary)
    Member.objects.filter(pk=deceased.pk).update(ceased_on=D(2023, 6, 1),
                                                 cessation_reason="deceased")
    deceased.refresh_from_db()
    with pytest.raises(ShareError, match="at most £100,000.00"):
        services.transmit_on_death(actor=sw.secretary, member=deceased, to_member=sw.member(),
                                   share_class=sw.ordinary, shares=20, on_date=D(2023, 7, 1),
                                   reference="probate PR-1")


def test_the_cap_holds_on_conversion_into_a_withdrawable_class(near_cap):
    sw = near_cap
    fixed = ShareClass.objects.create(society=sw.society, name="Fixed",
                                      nominal_value_pence=100, is_withdrawable=False)
    sw.issue(sw.member(), 50, fixed)  # non-withdrawable shares do not count
    with pytest.raises(ShareError, match="at most £100,000.00"):
        services.convert_shares(actor=sw.secretary, member=sw.member(), from_class=fixed,
                                to_class=sw.ordinary, shares=20, on_date=D(2023, 3, 1),
                                reference="AGM resolution 4")


def test_the_database_refuses_an_account_over_the_legal_cap(near_cap):
    sw = near_cap
    with pytest.raises(IntegrityError), transaction.atomic():
        ShareAccount.objects.filter(member=sw.member()).update(withdrawable_pence=10_000_001)


# Never negative


def test_the_database_refuses_a_negative_holding(shares_world):
    sw = shares_world
    sw.issue(sw.member(), 5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Holding.objects.filter(member=sw.member()).update(shares=-1)


def test_a_backdated_withdrawal_cannot_make_an_earlier_holding_negative(shares_world):
    sw = shares_world
    member = sw.member()
    sw.issue(member, 5, on=D(2023, 1, 2))
    sw.issue(member, 5, on=D(2023, 6, 1))
    request = services.request_withdrawal(actor=None, member=member, share_class=sw.ordinary,
                                          shares=8, requested_on=D(2023, 1, 2))
    services.approve_withdrawal(actor=None, withdrawal=request, decided_on=D(2023, 1, 2),
                                decision_reference="B/9")
    with pytest.raises(ShareError, match="below zero on 2 March 2023"):
        services.pay_withdrawal(actor=None, withdrawal=request, paid_on=D(2023, 3, 2),
                                method="cash")
    assert held(member, sw.ordinary) == (10, 1000)


# Withdrawals


def test_a_member_asks_to_withdraw_and_sees_the_earliest_payable_date(shares_world,
                                                                      only_entry):
    sw = shares_world
    member = sw.member()
    sw.issue(member, 1000, sw.investor)
    only_entry.mark(sw.society)
    request = services.request_withdrawal(actor=member.user, member=member,
                                          share_class=sw.investor, shares=400,
                                          requested_on=D(2024, 1, 31))
    assert request.earliest_payable_on == D(2024, 4, 30)  # 90 days' notice, leap year
    assert request.status == WithdrawalStatus.REQUESTED and not request.ends_membership
    entry = only_entry.one(sw.society)
    assert (entry.actor, entry.action) == (member.user, "shares.withdrawal_requested")


def test_withdrawal_requests_cannot_promise_more_than_is_held(shares_world):
    sw = shares_world
    member = sw.member()
    sw.issue(member, 1000, sw.investor)
    services.request_withdrawal(actor=None, member=member, share_class=sw.investor, shares=600)
    with pytest.raises(ShareError, match="at most 400"):
        services.request_withdrawal(actor=None, member=member, share_class=sw.investor,
                                    shares=401)
    with pytest.raises(ShareError, match="keep at least 250 Investor shares, or withdraw all"):
        services.request_withdrawal(actor=None, member=member, share_class=sw.investor,
                                    shares=200)


def test_non_withdrawable_shares_cannot_be_withdrawn(shares_world):
    sw = shares_world
    fixed = ShareClass.objects.create(society=sw.society, name="Fixed",
                                      nominal_value_pence=1, is_withdrawable=False)
    sw.issue(sw.member(), 1, fixed)
    with pytest.raises(ShareError, match="not withdrawable"):
        services.request_withdrawal(actor=None, member=sw.member(), share_class=fixed, shares=1)


def approved(sw, member, shares, share_class=None, requested_on=None):
    requested_on = requested_on or D(2023, 3, 1)
    request = services.request_withdrawal(actor=None, member=member,
                                          share_class=share_class or sw.investor,
                                          shares=shares, requested_on=requested_on)
    return services.approve_withdrawal(actor=sw.secretary, withdrawal=request,
                                       decided_on=requested_on, decision_reference="B/3")


def test_paying_a_withdrawal_replaces_the_certificates(shares_world, only_entry):
    sw = shares_world
    member = sw.member()
    sw.issue(member, 1000, sw.investor)
    request = approved(sw, member, 400)
    with pytest.raises(ShareError, match="cannot be paid before 30 May 2023"):
        services.pay_withdrawal(actor=sw.secretary, withdrawal=request, paid_on=D(2023, 5, 29),
                                method="bank_transfer")
    only_entry.mark(sw.society)
    entry = services.pay_withdrawal(actor=sw.secretary, withdrawal=request,
                                    paid_on=D(2023, 5, 30), method="bank_transfer",
                                    reference="BACS 77")
    assert (entry.kind, entry.shares, entry.amount_pence) == ("withdrawal", -400, -40_000)
    assert entry.payment.direction == PaymentDirection.PAID
    assert entry.payment.amount_pence == 40_000
    request.refresh_from_db()
    assert request.status == WithdrawalStatus.PAID and request.transaction == entry
    assert [c.shares for c in live_certificates(member, sw.investor)] == [600]
    assert ShareAccount.objects.get(member=member).withdrawable_pence == 60_000
    audit = only_entry.one(sw.society)
    assert (audit.actor, audit.action) == (sw.secretary, "shares.withdrawal_paid")
    member.refresh_from_db()
    assert member.is_active
    with pytest.raises(ShareError, match="paid"):
        services.pay_withdrawal(actor=sw.secretary, withdrawal=request, paid_on=D(2023, 6, 1),
                                method="cash")


def test_only_approved_withdrawals_are_paid(shares_world):
    sw = shares_world
    sw.issue(sw.member(), 1000, sw.investor)
    request = services.request_withdrawal(actor=None, member=sw.member(),
                                          share_class=sw.investor, shares=250,
                                          requested_on=D(2023, 1, 2))
    with pytest.raises(ShareError, match="must approve it"):
        services.pay_withdrawal(actor=None, withdrawal=request, paid_on=D(2023, 6, 1),
                                method="cash")


def test_the_board_defers_a_withdrawal(shares_world, only_entry):
    sw = shares_world
    sw.issue(sw.member(), 1000, sw.investor)
    request = services.request_withdrawal(actor=None, member=sw.member(),
                                          share_class=sw.investor, shares=250,
                                          requested_on=D(2023, 1, 2))
    only_entry.mark(sw.society)
    services.defer_withdrawal(actor=sw.secretary, withdrawal=request, until=D(2023, 9, 1),
                              decided_on=D(2023, 2, 1), decision_reference="B/12")
    only_entry.one(sw.society, "shares.withdrawal_deferred", actor=sw.secretary)
    request.refresh_from_db()
    assert request.payable_from == D(2023, 9, 1)
    services.approve_withdrawal(actor=sw.secretary, withdrawal=request,
                                decided_on=D(2023, 8, 1), decision_reference="B/20")
    with pytest.raises(ShareError, match="before 1 September 2023"):
        services.pay_withdrawal(actor=None, withdrawal=request, paid_on=D(2023, 8, 31),
                                method="cash")
    services.pay_withdrawal(actor=None, withdrawal=request, paid_on=D(2023, 9, 1),
                            method="cash")


def test_a_suspension_of_withdrawals_stops_payments_until_resumed(shares_world, only_entry):
    sw = shares_world
    sw.issue(sw.member(), 1000, sw.investor)
    request = approved(sw, sw.member(), 250, requested_on=D(2023, 1, 2))
    only_entry.mark(sw.society)
    services.suspend_withdrawals(actor=sw.secretary, society=sw.society,
                                 suspended_on=D(2023, 4, 1), decision_reference="B/30")
    only_entry.one(sw.society, "shares.withdrawals_suspended", actor=sw.secretary)
    with pytest.raises(ShareError, match="already suspended"):
        services.suspend_withdrawals(actor=sw.secretary, society=sw.society,
                                     suspended_on=D(2023, 4, 2), decision_reference="B/31")
    with pytest.raises(ShareError, match="suspended by the board from 1 April 2023"):
        services.pay_withdrawal(actor=None, withdrawal=request, paid_on=D(2023, 5, 1),
                                method="cash")
    services.resume_withdrawals(actor=sw.secretary, society=sw.society,
                                resumed_on=D(2023, 7, 1), decision_reference="B/40")
    with pytest.raises(ShareError, match="suspended"):  # a date inside the suspension
        services.pay_withdrawal(actor=None, withdrawal=request, paid_on=D(2023, 6, 30),
                                method="cash")
    services.pay_withdrawal(actor=None, withdrawal=request, paid_on=D(2023, 7, 1),
                            method="cash")


def test_a_member_cancels_their_request(shares_world, only_entry):
    sw = shares_world
    sw.issue(sw.member(), 1000, sw.investor)
    request = services.request_withdrawal(actor=None, member=sw.member(),
                                          share_class=sw.investor, shares=750)
    only_entry.mark(sw.society)
    services.cancel_withdrawal(actor=sw.member().user, withdrawal=request)
    only_entry.one(sw.society, "shares.withdrawal_cancelled", actor=sw.member().user)
    # The shares are free to ask for again.
    services.request_withdrawal(actor=None, member=sw.member(), share_class=sw.investor,
                                shares=1000)


def test_withdrawing_below_the_minimum_ends_the_membership(shares_world):
    sw = shares_world
    member = sw.member()
    sw.issue(member, 3)
    request = services.request_withdrawal(actor=None, member=member, share_class=sw.ordinary,
                                          shares=3, requested_on=D(2023, 3, 1))
    assert request.ends_membership
    services.approve_withdrawal(actor=sw.secretary, withdrawal=request,
                                decided_on=D(2023, 3, 1), decision_reference="B/5")
    services.pay_withdrawal(actor=sw.secretary, withdrawal=request, paid_on=D(2023, 3, 2),
                            method="cheque")
    member.refresh_from_db()
    assert member.ceased_on == D(2023, 3, 2)
    assert member.cessation_reason == "shares_withdrawn"
    assert held(member, sw.ordinary) == (0, 0)
    assert live_certificates(member, sw.ordinary) == []


def test_leaving_takes_every_other_share_with_it(shares_world):
    """A withdrawal that ends the membership must be the last: a former member keeps no
    shares, so the other holdings are asked for too, and paid first."""
    sw = shares_world
    member = sw.member()
    sw.issue(member, 1)
    sw.issue(member, 300, sw.investor)
    with pytest.raises(ShareError, match="first ask to withdraw all 300 Investor shares too"):
        services.request_withdrawal(actor=None, member=member, share_class=sw.ordinary,
                                    shares=1, requested_on=D(2023, 3, 1))
    investor = approved(sw, member, 300, requested_on=D(2023, 3, 1))
    leaving = approved(sw, member, 1, share_class=sw.ordinary, requested_on=D(2023, 3, 1))
    assert leaving.ends_membership
    with pytest.raises(ShareError, match="pay the withdrawal of the 300 Investor shares"):
        services.pay_withdrawal(actor=None, withdrawal=leaving, paid_on=D(2023, 6, 1),
                                method="cash")
    member.refresh_from_db()
    assert member.is_active and held(member, sw.ordinary) == (1, 100)
    services.pay_withdrawal(actor=None, withdrawal=investor, paid_on=D(2023, 6, 1),
                            method="cash")
    services.pay_withdrawal(actor=None, withdrawal=leaving, paid_on=D(2023, 6, 1),
                            method="cash")
    member.refresh_from_db()
    assert (member.ceased_on, member.cessation_reason) == (D(2023, 6, 1), "shares_withdrawn")
    assert not Holding.objects.filter(member=member, shares__gt=0).exists()


def test_leaving_is_refused_while_non_withdrawable_shares_are_held(shares_world):
    sw = shares_world
    member = sw.member()
    locked_in = services.create_share_class(actor=None, society=sw.society, values=class_values(
        name="Founder", is_withdrawable=False))
    sw.issue(member, 1)
    sw.issue(member, 5, locked_in)
    with pytest.raises(ShareError, match="the 5 Founder shares held are not withdrawable"):
        services.request_withdrawal(actor=None, member=member, share_class=sw.ordinary,
                                    shares=1, requested_on=D(2023, 3, 1))


def test_withdrawing_investor_shares_keeps_the_membership(shares_world):
    sw = shares_world
    member = sw.member()
    sw.issue(member, 1)
    sw.issue(member, 300, sw.investor)
    request = approved(sw, member, 300)
    assert not request.ends_membership
    services.pay_withdrawal(actor=None, withdrawal=request, paid_on=D(2023, 6, 1),
                            method="cash")
    member.refresh_from_db()
    assert member.is_active


# Transfers, forfeiture, conversion


def test_transfers_need_a_transferable_class_and_the_boards_consent(shares_world, only_entry):
    sw = shares_world
    giver, taker = sw.member(), sw.member("board_member")
    sw.issue(giver, 5)
    sw.issue(giver, 600, sw.investor)
    kwargs = {"actor": sw.secretary, "from_member": giver, "to_member": taker, "shares": 250,
              "on_date": D(2023, 3, 1), "consent_on": D(2023, 2, 1)}
    with pytest.raises(ShareError, match="not transferable"):
        services.transfer_shares(share_class=sw.ordinary, consent_reference="B/1", **kwargs)
    with pytest.raises(ShareError, match="reference"):
        services.transfer_shares(share_class=sw.investor, consent_reference=" ", **kwargs)
    with pytest.raises(ShareError, match="keep at least 250 Investor shares, or part with"):
        services.transfer_shares(share_class=sw.investor, consent_reference="B/1",
                                 **{**kwargs, "shares": 400})
    only_entry.mark(sw.society)
    out, into = services.transfer_shares(share_class=sw.investor, consent_reference="B/1",
                                         **kwargs)
    assert (out.kind, out.shares, out.counterparty) == ("transfer_out", -250, taker)
    assert (into.kind, into.shares, into.counterparty) == ("transfer_in", 250, giver)
    assert out.batch == into.batch
    assert held(giver, sw.investor)[0] == 350 and held(taker, sw.investor)[0] == 250
    audit = only_entry.one(sw.society, "shares.transferred", actor=sw.secretary, target=out)
    assert audit.data["consent_reference"] == "B/1"


def test_forfeit_and_conversion(shares_world, only_entry):
    sw = shares_world
    member = sw.member()
    pennies = ShareClass.objects.create(society=sw.society, name="Penny",
                                        nominal_value_pence=1)
    sw.issue(member, 400, sw.investor)
    only_entry.mark(sw.society)
    out, into = services.convert_shares(actor=sw.secretary, member=member,
                                        from_class=sw.investor, to_class=pennies, shares=150,
                                        on_date=D(2023, 4, 1), reference="AGM 2023 res. 5")
    assert (out.shares, into.shares, into.amount_pence) == (-150, 15_000, 15_000)
    only_entry.one(sw.society, "shares.converted", actor=sw.secretary)
    with pytest.raises(ShareError, match="not a whole number"):
        services.convert_shares(actor=sw.secretary, member=member, from_class=pennies,
                                to_class=sw.investor, shares=150, on_date=D(2023, 4, 1),
                                reference="x")
    services.forfeit_shares(actor=sw.secretary, member=member, share_class=pennies,
                            shares=15_000, on_date=D(2023, 5, 1), reason="Rule 12: expelled")
    only_entry.one(sw.society, "shares.forfeited", actor=sw.secretary)
    assert held(member, pennies) == (0, 0)


# Corrections are reversing entries


def test_a_mistaken_issue_is_reversed_not_edited(shares_world, only_entry):
    sw = shares_world
    member = sw.member()
    entry = sw.issue(member, 7, on=D(2023, 1, 2))
    sw.issue(member, 3, on=D(2023, 2, 1))
    only_entry.mark(sw.society)
    (reversal,) = services.reverse_transaction(actor=sw.secretary, entry=entry,
                                               reason="cheque bounced")
    assert (reversal.kind, reversal.shares, reversal.on_date, reversal.reverses) == (
        "reversal", -7, D(2023, 1, 2), entry)
    only_entry.one(sw.society, "shares.reversed", actor=sw.secretary)
    assert held(member, sw.ordinary) == (3, 300)
    assert queries.holdings_as_at(sw.society, [member.pk], D(2023, 1, 31))[member.pk] == (0, 0)
    assert [c.shares for c in live_certificates(member, sw.ordinary)] == [3]
    assert ShareTransaction.objects.get(pk=entry.pk).shares == 7  # still there
    with pytest.raises(ShareError, match="already been reversed"):
        services.reverse_transaction(actor=sw.secretary, entry=entry, reason="again")
    with pytest.raises(ShareError, match="cannot itself be reversed"):
        services.reverse_transaction(actor=sw.secretary, entry=reversal, reason="undo")


def test_reversing_a_transfer_reverses_both_legs(shares_world):
    sw = shares_world
    giver, taker = sw.member(), sw.member("board_member")
    sw.issue(giver, 600, sw.investor)
    _out, into = services.transfer_shares(
        actor=sw.secretary, from_member=giver, to_member=taker, share_class=sw.investor,
        shares=300, on_date=D(2023, 3, 1), consent_on=D(2023, 3, 1), consent_reference="B/1")
    rows = services.reverse_transaction(actor=sw.secretary, entry=into, reason="wrong member")
    assert sorted(r.shares for r in rows) == [-300, 300]
    assert held(giver, sw.investor)[0] == 600 and held(taker, sw.investor)[0] == 0


# Nominations and death


def test_nominations_give_at_most_the_whole(shares_world, only_entry):
    sw = shares_world
    member = sw.member()
    only_entry.mark(sw.society)
    first = services.record_nomination(actor=member.user, member=member,
                                       nominee_name="Sam Heir", nominee_address="1 Lane",
                                       relationship="child", percentage=60)
    only_entry.one(sw.society, "shares.nomination_recorded", actor=member.user)
    with pytest.raises(ShareError, match="at most 40%"):
        services.record_nomination(actor=member.user, member=member, nominee_name="Kim",
                                   nominee_address="2 Lane", percentage=50)
    services.revoke_nomination(actor=member.user, nomination=first)
    only_entry.one(sw.society, "shares.nomination_revoked", actor=member.user)
    services.record_nomination(actor=member.user, member=member, nominee_name="Kim",
                               nominee_address="2 Lane", percentage=100)


def test_on_death_shares_pass_under_a_nomination_up_to_five_thousand_pounds(shares_world,
                                                                            only_entry):
    sw = shares_world
    deceased, heir = sw.add_member(40, "Pat Late"), sw.member("board_member")
    sw.issue(deceased, 6000, sw.investor)
    nomination = services.record_nomination(actor=None, member=deceased, nominee_name="B M",
                                            nominee_address="3 Lane", percentage=100)
    with pytest.raises(ShareError, match="death on their member record"):
        services.pay_out_on_death(actor=sw.secretary, member=deceased, share_class=sw.investor,
                                  shares=10, on_date=D(2023, 7, 1), payee="", method="cheque",
                                  nomination=nomination)
    Member.objects.filter(pk=deceased.pk).update(ceased_on=D(2023, 6, 1),
                                                 cessation_reason="deceased")
    deceased.refresh_from_db()
    only_entry.mark(sw.society)
    out, into = services.transmit_on_death(
        actor=sw.secretary, member=deceased, to_member=heir, share_class=sw.investor,
        shares=3000, on_date=D(2023, 7, 1), nomination=nomination)
    assert (out.kind, into.kind, into.member) == ("transmission_out", "transmission_in", heir)
    only_entry.one(sw.society, "shares.transmitted_on_death", actor=sw.secretary)
    with pytest.raises(ShareError, match="£2,000.00 is left"):
        services.pay_out_on_death(actor=sw.secretary, member=deceased, share_class=sw.investor,
                                  shares=2001, on_date=D(2023, 7, 2), payee="", method="cheque",
                                  nomination=nomination)
    paid = services.pay_out_on_death(actor=sw.secretary, member=deceased,
                                     share_class=sw.investor, shares=2000,
                                     on_date=D(2023, 7, 2), payee="", method="cheque",
                                     nomination=nomination)
    assert paid.payment.payee == "B M" and paid.payment.amount_pence == 200_000
    only_entry.one(sw.society, "shares.paid_out_on_death", actor=sw.secretary)
    with pytest.raises(ShareError, match="grant of probate"):
        services.pay_out_on_death(actor=sw.secretary, member=deceased, share_class=sw.investor,
                                  shares=1000, on_date=D(2023, 8, 1), payee="Executors",
                                  method="cheque")
    services.pay_out_on_death(actor=sw.secretary, member=deceased, share_class=sw.investor,
                              shares=1000, on_date=D(2023, 8, 1), payee="Executors",
                              method="cheque", reference="Probate 2023/123")
    assert held(deceased, sw.investor) == (0, 0)
    assert Nomination.objects.get().settlements.filter(shares__lt=0).count() == 2


# Holdings as at a date


def test_holdings_as_at_any_date_for_a_page_of_members(shares_world,
                                                        django_assert_num_queries):
    sw = shares_world
    a, b, c = sw.member(), sw.member("board_member"), sw.member("secretary")
    sw.issue(a, 1, on=D(2023, 1, 2))
    sw.issue(a, 300, sw.investor, on=D(2023, 6, 1))
    sw.issue(b, 2, on=D(2023, 3, 1))
    request = approved(sw, a, 50, requested_on=D(2023, 6, 1))
    services.pay_withdrawal(actor=None, withdrawal=request, paid_on=D(2023, 9, 1),
                            method="cash")
    ids = [a.pk, b.pk, c.pk]
    with django_assert_num_queries(1):
        on_1_jan = queries.holdings_as_at(sw.society, ids, D(2023, 1, 1))
    assert on_1_jan == {a.pk: (0, 0), b.pk: (0, 0), c.pk: (0, 0)}
    assert queries.holdings_as_at(sw.society, ids, D(2023, 6, 1)) == {
        a.pk: (301, 30_100), b.pk: (2, 200), c.pk: (0, 0)}
    assert queries.holdings_as_at(sw.society, ids, D(2023, 9, 1))[a.pk] == (251, 25_100)
    by_class = queries.holdings_by_class_as_at(sw.society, ids, D(2023, 9, 1))
    assert by_class[a.pk] == {sw.ordinary.pk: (1, 100), sw.investor.pk: (250, 25_000)}
    assert by_class[c.pk] == {}


# Share interest


@pytest.fixture
def baywind_year(shares_world, django_capture_on_commit_callbacks):
    """The hand-worked Baywind example (tests/shares/test_shares_ledger.py): 250 shares held
    from before 1 April 2023, 250 more on 1 July 2023, 100 withdrawn on 1 January 2024;
    5.5% a year; the year to 31 March 2024 has 366 days. Interest: £22.71."""
    sw = shares_world
    member, other = sw.member(), sw.member("board_member")
    sw.issue(member, 250, sw.investor, on=D(2022, 5, 1))
    sw.issue(member, 250, sw.investor, on=D(2023, 7, 1))
    request = approved(sw, member, 100, requested_on=D(2023, 7, 2))
    services.pay_withdrawal(actor=None, withdrawal=request, paid_on=D(2024, 1, 1),
                            method="cash")
    # A part year: 1,000 shares from 1 October 2023, 183 of 366 days: exactly £27.50.
    sw.issue(other, 1000, sw.investor, on=D(2023, 10, 1))
    sw.issue(other, 5, sw.ordinary, on=D(2023, 10, 1))  # the ordinary class pays nothing
    return sw


def start_and_compute(sw, capture, year_end=None):
    year_end = year_end or D(2024, 3, 31)
    with capture(execute=True):
        run = services.start_interest_run(actor=sw.secretary, society=sw.society,
                                          year_end=year_end)
    run.refresh_from_db()
    return run


def test_the_interest_run_computes_each_members_interest(baywind_year, only_entry,
                                                         django_capture_on_commit_callbacks):
    sw = baywind_year
    only_entry.mark(sw.society)
    run = start_and_compute(sw, django_capture_on_commit_callbacks)
    assert [e.action for e in only_entry.new(sw.society)] == [
        "shares.interest_run_started", "shares.interest_computed"]
    assert run.status == InterestRunStatus.DRAFT
    assert (run.period_start, run.days_in_year) == (D(2023, 4, 1), 366)
    lines = {line.member_id: line for line in InterestLine.objects.filter(run=run)}
    assert lines[sw.member().pk].pence_days == 15_115_000
    assert lines[sw.member().pk].interest_pence == 2271
    assert lines[sw.member("board_member").pk].interest_pence == 2750
    assert (run.member_count, run.gross_pence, run.paid_pence) == (2, 5021, 5021)


def test_a_year_is_run_and_posted_only_once(baywind_year,
                                            django_capture_on_commit_callbacks):
    sw = baywind_year
    run = start_and_compute(sw, django_capture_on_commit_callbacks)
    with pytest.raises(ShareError, match="already been run"):
        services.start_interest_run(actor=sw.secretary, society=sw.society,
                                    year_end=D(2024, 3, 31))
    services.post_interest_run(actor=sw.secretary, run=run, on_date=D(2024, 6, 1))
    with pytest.raises(ShareError, match="was posted on"):
        services.post_interest_run(actor=sw.secretary, run=run, on_date=D(2024, 6, 2))
    with pytest.raises(ShareError, match="was posted on"):
        services.start_interest_run(actor=sw.secretary, society=sw.society,
                                    year_end=D(2024, 3, 31))
    with pytest.raises(ShareError, match="was posted on"):
        services.discard_interest_run(actor=sw.secretary, run=run)
    with pytest.raises(IntegrityError), transaction.atomic():
        InterestRun.objects.create(society=sw.society, period_start=D(2023, 4, 1),
                                   year_end=D(2024, 3, 31))


def test_the_pages_post_through_a_worker_and_the_run_shows_it(
        baywind_year, only_entry, django_capture_on_commit_callbacks):
    """Posting 100,000 members takes longer than a page may: the page asks, a task posts."""
    sw = baywind_year
    services.set_reinvestment(actor=None, member=sw.member("board_member"), reinvest=True)
    run = start_and_compute(sw, django_capture_on_commit_callbacks)
    only_entry.mark(sw.society)
    with django_capture_on_commit_callbacks() as queued:
        asked = services.start_posting_interest_run(actor=sw.secretary, run=run)
    assert (asked.status, asked.post_on) == (InterestRunStatus.POSTING, timezone.localdate())
    only_entry.one(sw.society, "shares.interest_posting_started", actor=sw.secretary)
    # While it is being posted it cannot be posted again, discarded or run again.
    for attempt in (lambda: services.start_posting_interest_run(actor=None, run=run),
                    lambda: services.discard_interest_run(actor=None, run=run),
                    lambda: services.start_interest_run(actor=None, society=sw.society,
                                                        year_end=D(2024, 3, 31))):
        with pytest.raises(ShareError, match="is being posted"):
            attempt()
    assert len(queued) == 1
    queued[0]()  # the worker
    queued[0]()  # delivered twice: nothing more
    run.refresh_from_db()
    assert (run.status, run.posted_by, run.post_on) == (
        InterestRunStatus.POSTED, sw.secretary, timezone.localdate())
    assert [e.action for e in only_entry.new(sw.society)] == ["shares.interest_posted"]
    reinvested = ShareTransaction.objects.filter(kind="reinvestment")
    assert [(e.member, e.shares, e.on_date) for e in reinvested] == [
        (sw.member("board_member"), 27, timezone.localdate())]


@pytest.mark.parametrize("failure,shown", [
    (ShareError("A class changed."), "A class changed."),
    (RuntimeError("disk full"), "An unexpected error stopped the posting"),
])
def test_a_posting_that_fails_leaves_a_draft_saying_why(
        baywind_year, django_capture_on_commit_callbacks, monkeypatch, failure, shown):
    from shares import tasks

    sw = baywind_year
    run = start_and_compute(sw, django_capture_on_commit_callbacks)

    def fail(**kwargs):
        raise failure

    monkeypatch.setattr(services, "post_interest_run", fail)
    services.start_posting_interest_run(actor=sw.secretary, run=run)
    if isinstance(failure, ShareError):
        assert tasks.post_interest_run(sw.society.pk, run.pk) is False
    else:
        with pytest.raises(RuntimeError):
            tasks.post_interest_run(sw.society.pk, run.pk)
    run.refresh_from_db()
    assert run.status == InterestRunStatus.DRAFT and shown in run.post_error
    assert not ShareTransaction.objects.filter(kind="reinvestment").exists()


def test_interest_is_not_posted_on_a_future_date(baywind_year,
                                                 django_capture_on_commit_callbacks):
    sw = baywind_year
    run = start_and_compute(sw, django_capture_on_commit_callbacks)
    with pytest.raises(ShareError, match="date in the future"):
        services.start_posting_interest_run(
            actor=None, run=run, on_date=timezone.localdate() + timedelta(days=1))
    run.refresh_from_db()
    assert run.status == InterestRunStatus.DRAFT


@pytest.mark.parametrize("statement", [
    "UPDATE shares_interestrun SET status = 'draft'",
    "DELETE FROM shares_interestrun",
])
def test_postgresql_keeps_a_posted_run_posted(baywind_year, django_capture_on_commit_callbacks,
                                              statement):
    if not is_postgres():
        pytest.skip("the trigger is PostgreSQL's: runs in CI's PostgreSQL leg")
    sw = baywind_year
    run = start_and_compute(sw, django_capture_on_commit_callbacks)
    services.post_interest_run(actor=None, run=run, on_date=D(2024, 6, 1))
    with pytest.raises(IntegrityError, match="it is kept as posted"), \
            transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert InterestRun.objects.get().status == InterestRunStatus.POSTED


def test_a_posted_year_is_closed_to_backdated_entries(baywind_year,
                                                      django_capture_on_commit_callbacks):
    sw = baywind_year
    run = start_and_compute(sw, django_capture_on_commit_callbacks)
    services.post_interest_run(actor=sw.secretary, run=run, on_date=D(2024, 6, 1))
    with pytest.raises(ShareError, match="year to 31 March 2024 is closed"):
        sw.issue(sw.member(), 1, on=D(2024, 3, 31))
    sw.issue(sw.member(), 1, on=D(2024, 4, 1))


def test_a_draft_run_is_discarded_and_run_again(baywind_year, only_entry,
                                                django_capture_on_commit_callbacks):
    sw = baywind_year
    run = start_and_compute(sw, django_capture_on_commit_callbacks)
    only_entry.mark(sw.society)
    services.discard_interest_run(actor=sw.secretary, run=run)
    only_entry.one(sw.society, "shares.interest_run_discarded", actor=sw.secretary)
    assert not InterestLine.objects.exists()
    assert start_and_compute(sw, django_capture_on_commit_callbacks).gross_pence == 5021


def test_posting_reinvests_whole_shares_for_members_who_chose_it(
        baywind_year, only_entry, django_capture_on_commit_callbacks):
    sw = baywind_year
    member = sw.member()
    services.set_reinvestment(actor=member.user, member=member, reinvest=True)
    run = start_and_compute(sw, django_capture_on_commit_callbacks)
    line = InterestLine.objects.get(run=run, member=member)
    assert (line.reinvested_shares, line.paid_pence) == (22, 71)  # preview
    only_entry.mark(sw.society)
    run = services.post_interest_run(actor=sw.secretary, run=run, on_date=D(2024, 6, 1))
    only_entry.one(sw.society, "shares.interest_posted", actor=sw.secretary)
    assert (run.gross_pence, run.reinvested_pence, run.paid_pence) == (5021, 2200, 2821)
    entry = ShareTransaction.objects.get(kind=TransactionKind.REINVESTMENT)
    assert (entry.member, entry.shares, entry.on_date) == (member, 22, D(2024, 6, 1))
    assert held(member, sw.investor)[0] == 422
    assert entry.certificates.get().shares == 22


def test_reinvested_interest_stops_at_the_cap_and_the_rest_is_paid(
        baywind_year, django_capture_on_commit_callbacks):
    sw = baywind_year
    member = sw.member()
    services.set_reinvestment(actor=None, member=member, reinvest=True)
    run = start_and_compute(sw, django_capture_on_commit_callbacks)
    # Before posting the member fills all but £5 of the cap.
    sw.issue(member, 99_595, sw.investor, on=D(2024, 5, 1))
    run = services.post_interest_run(actor=sw.secretary, run=run, on_date=D(2024, 6, 1))
    line = InterestLine.objects.get(run=run, member=member)
    assert (line.reinvested_shares, line.reinvested_pence, line.paid_pence) == (5, 500, 1771)
    assert ShareAccount.objects.get(member=member).withdrawable_pence == 10_000_000


def test_the_interest_run_refuses_an_unfinished_or_wrong_year(shares_world):
    sw = shares_world
    with pytest.raises(ShareError, match="ends on 31 March, not 30 April"):
        services.start_interest_run(actor=None, society=sw.society, year_end=D(2024, 4, 30))
    this_year = ledger.financial_year_containing(3, 31, timezone.localdate())[1]
    with pytest.raises(ShareError, match="has not ended yet"):
        services.start_interest_run(actor=None, society=sw.society, year_end=this_year)


def test_the_statement_shows_the_working(baywind_year, django_capture_on_commit_callbacks):
    sw = baywind_year
    run = start_and_compute(sw, django_capture_on_commit_callbacks)
    (investor,) = queries.interest_statement(run, sw.member())
    assert investor.share_class == sw.investor and investor.line.interest_pence == 2271
    assert [(p.period.start, p.period.days, p.period.shares) for p in investor.periods] == [
        (D(2023, 4, 1), 91, 250), (D(2023, 7, 1), 184, 500), (D(2024, 1, 1), 91, 400)]
    assert [str(p.interest) for p in investor.periods] == ["3.4187", "13.8251", "5.4699"]


# Year-end figures


def test_year_end_figures_add_up(baywind_year, django_capture_on_commit_callbacks):
    sw = baywind_year
    late = sw.add_member(50, "New In Year", admitted=D(2023, 5, 1))
    sw.issue(late, 3, on=D(2023, 5, 1))
    request = approved(sw, late, 3, share_class=sw.ordinary, requested_on=D(2023, 5, 2))
    services.pay_withdrawal(actor=None, withdrawal=request, paid_on=D(2023, 6, 1),
                            method="cash")  # ends the membership
    mistake = sw.issue(sw.member("secretary"), 9, on=D(2023, 8, 1))
    services.reverse_transaction(actor=None, entry=mistake, reason="typo")
    run = start_and_compute(sw, django_capture_on_commit_callbacks)
    services.post_interest_run(actor=None, run=run, on_date=D(2024, 6, 1))

    figures = queries.year_end_figures(sw.society, D(2023, 4, 1), D(2024, 3, 31))
    assert (figures.members_at_start, figures.admitted, figures.ceased,
            figures.members_at_end) == (3, 1, 1, 3)
    assert figures.capital_at_start_pence == 25_000
    # 250 + 1,000 investor shares, 5 ordinary, 3 for the newcomer; the reversed 9 do not count.
    assert figures.issued_pence == 25_000 + 100_000 + 500 + 300
    assert figures.withdrawn_pence == 10_000 + 300
    assert figures.capital_at_end_pence == (figures.capital_at_start_pence
                                            + figures.issued_pence - figures.withdrawn_pence
                                            - figures.forfeited_pence + figures.other_pence)
    assert figures.interest_paid_pence == 5021


# Notices to the member (the notifications outbox)


def test_the_member_is_told_of_an_issue_a_request_and_a_payment(shares_world):
    from notifications.models import Message

    sw = shares_world
    member = sw.member()
    sw.issue(member, 400, sw.investor, on=D(2023, 1, 2))
    request = approved(sw, member, 400, requested_on=D(2023, 2, 1))
    services.pay_withdrawal(actor=None, withdrawal=request, paid_on=D(2023, 5, 2),
                            method="bank_transfer", reference="BACS 9")
    messages = {m.kind: m for m in Message.objects.filter(recipient=member)}
    assert messages["shares.issued"].subject == \
        "Your share certificate no. 1 from Millmead Children's Centre"
    assert "You now hold 400 Investor shares." in messages["shares.issued"].body_text
    requested = messages["shares.withdrawal_requested"].body_text
    assert "it can be paid from 2 May 2023" in requested
    paid = messages["shares.withdrawal_paid"]
    assert paid.subject == "£400.00 paid for your Investor shares"
    assert "(reference BACS 9)" in paid.body_text
    assert "You no longer hold any Investor shares" in paid.body_text
