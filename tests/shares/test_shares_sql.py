"""The share ledger's hand-written statement (shares/sql.py) keeps to the society: the ORM's
scoping does not see raw SQL, so the interest aggregate is shown never to count another
society's ledger, even a row naming this society's share class, on SQLite and PostgreSQL."""

from datetime import date

from django_scopes import scopes_disabled

from shares import ledger
from shares.models import ShareTransaction, TransactionKind
from shares.sql import pence_days_by_member_and_class
from tests.shares.conftest import make_classes

START, END = date(2023, 4, 1), date(2024, 3, 31)


def _issue(society, member, share_class, on_date, pence):
    with scopes_disabled():
        ShareTransaction.objects.create(
            society=society, member=member, share_class=share_class, kind=TransactionKind.ISSUE,
            on_date=on_date, shares=pence // 100, amount_pence=pence)


def test_the_interest_aggregate_counts_its_own_societys_ledger_only(world):
    ours, theirs = world.members["member"], world.other.members["member"]
    with scopes_disabled():
        _ordinary, investor = make_classes(world.society)
        _their_ordinary, their_investor = make_classes(world.other.society)
    _issue(world.society, ours, investor, date(2023, 1, 2), 30_000)
    _issue(world.society, ours, investor, date(2023, 10, 1), 10_000)
    _issue(world.other.society, theirs, their_investor, date(2023, 1, 2), 50_000)
    # A foreign row naming our class: only the society in the WHERE keeps it out.
    _issue(world.other.society, theirs, investor, date(2023, 1, 2), 70_000)

    days = ledger.days_between(START, END)
    expected = 30_000 * days + 10_000 * ledger.days_between(date(2023, 10, 1), END)
    assert pence_days_by_member_and_class(world.society, START, END, [investor.pk]) == [
        (ours.pk, investor.pk, expected)]
    assert pence_days_by_member_and_class(world.other.society, START, END,
                                          [their_investor.pk]) == [
        (theirs.pk, their_investor.pk, 50_000 * days)]
    assert sorted(pence_days_by_member_and_class(world.other.society, START, END,
                                                 [their_investor.pk, investor.pk])) == sorted([
        (theirs.pk, their_investor.pk, 50_000 * days), (theirs.pk, investor.pk, 70_000 * days)])
    assert pence_days_by_member_and_class(world.society, START, END, []) == []
