"""Share invariants under concurrent requests, where only row locks and the database's
constraints keep them (PostgreSQL; SQLite runs one writer at a time)."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from members.models import Member
from shares import services
from shares.models import (
    Holding,
    InterestRun,
    ShareAccount,
    ShareCertificate,
    ShareTransaction,
    TransactionKind,
    WithdrawalRequest,
)
from shares.services import ShareError
from tests.conftest import build_society, is_postgres
from tests.shares.conftest import ADMITTED, make_classes
from tests.societies.test_concurrency import run_together

pytestmark = pytest.mark.postgres
D = date


@pytest.fixture
def pg_world(transactional_db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks and concurrent connections: runs in CI's "
                    "PostgreSQL leg")
    world = build_society("baywind", "Baywind Energy Co-operative")
    with scope(society=world.society):
        Member.objects.filter(society=world.society).update(admitted_on=ADMITTED)
        for member in world.members.values():
            member.refresh_from_db()
        world.ordinary, world.investor = make_classes(world.society)
    return world


def in_scope(world, call):
    def run():
        with scope(society=world.society):
            return call()
    return run


def issue(world, member, shares, share_class=None, on=None):
    on = on or D(2023, 1, 2)
    share_class = share_class or world.ordinary
    return services.issue_shares(actor=None, member=member, share_class=share_class,
                                 shares=shares, amount_pence=shares * 100, paid_on=on,
                                 method="cash")


def approved_withdrawal(world, member, shares):
    request = services.request_withdrawal(actor=None, member=member,
                                          share_class=world.ordinary, shares=shares,
                                          requested_on=D(2023, 2, 1))
    return services.approve_withdrawal(actor=None, withdrawal=request, decided_on=D(2023, 2, 1),
                                       decision_reference="B/1")


def test_two_withdrawals_paid_at_once_never_overdraw_the_holding(pg_world):
    world, member = pg_world, pg_world.members["member"]
    with scope(society=world.society):
        issue(world, member, 12)
        first, second = approved_withdrawal(world, member, 6), approved_withdrawal(world,
                                                                                   member, 6)
        services.forfeit_shares(actor=None, member=member, share_class=world.ordinary,
                                shares=2, on_date=D(2023, 2, 15), reason="Rule 9")

    def pay(request):
        return in_scope(world, lambda: services.pay_withdrawal(
            actor=None, withdrawal=request, paid_on=D(2023, 3, 1), method="cash"))

    results = run_together(pay(first), pay(second))
    assert sum(isinstance(r, ShareTransaction) for r in results) == 1
    refused = [r for r in results if isinstance(r, ShareError)]
    assert len(refused) == 1 and "can withdraw at most 4" in str(refused[0])
    with scope(society=world.society):
        assert Holding.objects.get(member=member).shares == 4
        assert sum(ShareTransaction.objects.filter(member=member)
                   .values_list("shares", flat=True)) == 4


def test_two_withdrawal_requests_at_once_cannot_promise_the_same_shares(pg_world):
    world, member = pg_world, pg_world.members["member"]
    with scope(society=world.society):
        issue(world, member, 10)

    def ask():
        return in_scope(world, lambda: services.request_withdrawal(
            actor=None, member=member, share_class=world.ordinary, shares=6))()

    results = run_together(ask, ask)
    assert sum(isinstance(r, WithdrawalRequest) for r in results) == 1
    assert sum(isinstance(r, ShareError) for r in results) == 1
    with scope(society=world.society):
        assert WithdrawalRequest.objects.count() == 1


def test_two_issues_at_once_cannot_pass_the_cap_together(pg_world):
    world, member = pg_world, pg_world.members["member"]
    with scope(society=world.society):
        issue(world, member, 99_990)

    def buy():
        return in_scope(world, lambda: issue(world, member, 10, on=D(2023, 5, 1)))()

    results = run_together(buy, buy)
    assert sum(isinstance(r, ShareTransaction) for r in results) == 1
    assert "at most £100,000.00" in str(next(r for r in results if isinstance(r, ShareError)))
    with scope(society=world.society):
        assert Holding.objects.get(member=member).shares == 100_000


def test_certificates_issued_at_once_get_distinct_numbers(pg_world):
    world = pg_world
    members = [world.members[p] for p in ("member", "secretary", "board_member")]

    def buy(member):
        return in_scope(world, lambda: issue(world, member, 5))

    results = run_together(*(buy(m) for m in members))
    assert all(isinstance(r, ShareTransaction) for r in results), results
    with scope(society=world.society):
        numbers = sorted(ShareCertificate.objects.values_list("number", flat=True))
    assert numbers == [1, 2, 3]


def test_one_interest_run_per_year_and_it_posts_once(pg_world):
    world, member = pg_world, pg_world.members["member"]
    with scope(society=world.society):
        issue(world, member, 1000, world.investor, on=D(2022, 1, 3))
        services.set_reinvestment(actor=None, member=member, reinvest=True)

    def start():
        return in_scope(world, lambda: services.start_interest_run(
            actor=None, society=world.society, year_end=D(2023, 3, 31)))()

    results = run_together(start, start)
    assert sum(isinstance(r, InterestRun) for r in results) == 1
    assert sum(isinstance(r, ShareError) for r in results) == 1
    with scope(society=world.society):
        run = InterestRun.objects.get()
        assert run.status == "draft"  # computed after commit (tasks run eagerly in tests)

    def post():
        return in_scope(world, lambda: services.post_interest_run(actor=None, run=run))()

    results = run_together(post, post)
    assert sum(isinstance(r, InterestRun) for r in results) == 1
    assert sum(isinstance(r, ShareError) for r in results) == 1
    with scope(society=world.society):
        # £1,000 at 5.5% for the year to 31 March 2023: £55.00, reinvested once as 55 shares.
        entries = ShareTransaction.objects.filter(kind=TransactionKind.REINVESTMENT)
        assert list(entries.values_list("shares", flat=True)) == [55]


def test_two_secretaries_recording_payments_at_once_through_the_pages(pg_world):
    """The same race through real requests: two officers record payment of two approved
    withdrawals that the holding can no longer both cover."""
    world, member = pg_world, pg_world.members["member"]
    second_secretary = world.users["returning_officer"]  # has MFA; made secretary here
    from societies.models import RoleGrant

    with scope(society=world.society):
        RoleGrant.objects.create(society=world.society, user=second_secretary,
                                 role="secretary")
        issue(world, member, 12)
        requests = [approved_withdrawal(world, member, 6) for _ in range(2)]
        services.forfeit_shares(actor=None, member=member, share_class=world.ordinary,
                                shares=2, on_date=D(2023, 2, 15), reason="Rule 9")
    clients = []
    for user in (world.users["secretary"], second_secretary):
        client = Client()
        client.force_login(user)
        clients.append(client)

    def record(client, request):
        url = reverse("shares:withdrawal_pay", kwargs={"society_slug": world.society.slug,
                                                       "public_id": request.public_id})

        def call():
            return client.post(url, {"pay-paid_on": "2023-03-01", "pay-method": "bank_transfer",
                                     "pay-reference": "BACS"}).status_code
        return call

    statuses = run_together(*(record(c, r) for c, r in zip(clients, requests, strict=True)))
    assert sorted(statuses) == [302, 400], statuses
    with scope(society=world.society):
        assert Holding.objects.get(member=member).shares == 4
        assert sorted(WithdrawalRequest.objects.values_list("status", flat=True)) == [
            "approved", "paid"]
    connection.close()


@pytest.fixture
def near_the_cap(pg_world):
    """The member holds £99,990 of withdrawable shares; each other path can bring £10 more:
    the board member can transfer 10 investor shares, the member can convert 10 founder
    (non-withdrawable) shares, and the late secretary's 10 ordinary shares can pass on death."""
    world = pg_world
    receiver, giver, late = (world.members[p] for p in ("member", "board_member", "secretary"))
    from members.services import cease_member
    from shares.models import ShareClass

    with scope(society=world.society):
        world.founder = ShareClass.objects.create(
            society=world.society, name="Founder", nominal_value_pence=100,
            is_withdrawable=False, minimum_holding=0)
        issue(world, receiver, 99_740)
        issue(world, receiver, 250, world.investor)
        issue(world, receiver, 10, world.founder)
        issue(world, giver, 1)
        issue(world, giver, 260, world.investor)
        issue(world, late, 10)
        cease_member(actor=None, member=late, ceased_on=D(2023, 3, 1), reason="deceased")
    return world, receiver, giver, late


INFLOWS = {
    "issue": lambda w, r, g, late: issue(w, r, 10, on=D(2023, 5, 1)),
    "transfer in": lambda w, r, g, late: services.transfer_shares(
        actor=None, from_member=g, to_member=r, share_class=w.investor, shares=10,
        on_date=D(2023, 5, 1), consent_on=D(2023, 4, 1), consent_reference="B/9"),
    "conversion": lambda w, r, g, late: services.convert_shares(
        actor=None, member=r, from_class=w.founder, to_class=w.ordinary, shares=10,
        on_date=D(2023, 5, 1), reference="Resolution 4"),
    "transmission": lambda w, r, g, late: services.transmit_on_death(
        actor=None, member=late, to_member=r, share_class=w.ordinary, shares=10,
        on_date=D(2023, 5, 1), reference="Probate 2023/77"),
}


@pytest.mark.parametrize("path", ["transfer in", "conversion", "transmission"])
def test_the_cap_holds_when_another_path_races_an_issue(near_the_cap, path):
    world, receiver, giver, late = near_the_cap

    def inflow(name):
        return in_scope(world, lambda: INFLOWS[name](world, receiver, giver, late))

    results = run_together(inflow("issue"), inflow(path))
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1, results
    assert isinstance(failures[0], ShareError) and "at most £100,000.00" in str(failures[0])
    with scope(society=world.society):
        assert ShareAccount.objects.get(member=receiver).withdrawable_pence == 10_000_000


def test_two_admissions_at_once_get_distinct_certificates(pg_world):
    """The qualifying share path: two applicants admitted at the same moment."""
    from members import services as member_services
    from tests.members.conftest import application_values

    world = pg_world
    with scope(society=world.society):
        applications = [member_services.submit_application(
            actor=None, society=world.society, values=application_values(
                world, full_name=name, email=f"{name.split()[0].lower()}@x.test"))
            for name in ("Ada Lovelace", "Alan Turing")]

    def admit(application):
        return in_scope(world, lambda: member_services.admit_application(
            actor=None, application=application, decided_on=D(2026, 11, 2),
            decision_reference="B", admitted_on=D(2026, 11, 2),
            payment={"amount_pence": 100, "paid_on": D(2026, 11, 1), "method": "cash",
                     "reference": "till"}))

    results = run_together(*(admit(a) for a in applications))
    assert not [r for r in results if isinstance(r, Exception)], results
    with scope(society=world.society):
        numbers = sorted(ShareCertificate.objects.values_list("number", flat=True))
    assert numbers == [1, 2]


def test_posting_asked_twice_at_once_is_queued_once(pg_world):
    world, member = pg_world, pg_world.members["member"]
    with scope(society=world.society):
        issue(world, member, 1000, world.investor, on=D(2022, 1, 3))
        run = services.start_interest_run(actor=None, society=world.society,
                                          year_end=D(2023, 3, 31))
        run.refresh_from_db()
        assert run.status == "draft"

    def ask():
        return in_scope(world, lambda: services.start_posting_interest_run(
            actor=None, run=run, on_date=D(2023, 6, 1)))()

    results = run_together(ask, ask)
    assert sum(isinstance(r, ShareError) for r in results) == 1, results
    with scope(society=world.society):
        run.refresh_from_db()
        # Tasks run eagerly in tests: the one posting has happened.
        assert run.status == "posted"
        assert ShareTransaction.objects.filter(kind=TransactionKind.REINVESTMENT).count() == 0


def test_the_cap_holds_when_reinvested_interest_races_an_issue(pg_world):
    """£1,000 of investor shares earn £55 for the year to 31 March 2023, to be reinvested;
    the member holds £99,990 in all. Whichever goes first, the cap is never passed."""
    world, member = pg_world, pg_world.members["member"]
    with scope(society=world.society):
        issue(world, member, 1000, world.investor, on=D(2022, 1, 3))
        issue(world, member, 98_990, on=D(2022, 1, 3))
        services.set_reinvestment(actor=None, member=member, reinvest=True)
        run = services.start_interest_run(actor=None, society=world.society,
                                          year_end=D(2023, 3, 31))

    def post():
        return in_scope(world, lambda: services.post_interest_run(actor=None, run=run,
                                                                  on_date=D(2023, 6, 1)))()

    def buy():
        return in_scope(world, lambda: issue(world, member, 10, on=D(2023, 5, 1)))()

    results = run_together(post, buy)
    assert not [r for r in results if isinstance(r, Exception)
                and "at most £100,000.00" not in str(r)], results
    with scope(society=world.society):
        assert ShareAccount.objects.get(member=member).withdrawable_pence == 10_000_000
        line = InterestRun.objects.get().lines.get()
        assert line.reinvested_pence + line.paid_pence == 5500
