"""Membership and the share ledger together: admission issues the qualifying share, the
register shows holdings as at a date, and withdrawing every share ends the membership."""

from datetime import date

import pytest
from django.urls import reverse

from members import services
from members.models import Member
from shares.models import ShareTransaction
from tests.members.conftest import application_values
from tests.shares.conftest import ADMITTED, SharesWorld, make_classes


@pytest.fixture
def with_shares(in_scope):
    make_classes(in_scope.society)
    return in_scope


def admit(world, **overrides):
    application = services.submit_application(
        actor=None, society=world.society, values=application_values(world, **overrides))
    services.admit_application(actor=world.users["secretary"], application=application,
                               decided_on=date(2026, 11, 2), decision_reference="B-26/14",
                               admitted_on=date(2026, 11, 2))
    return Member.objects.get(full_name=overrides.get("full_name", "Grace Hopper"))


def test_admission_issues_the_qualifying_share_in_the_same_transaction(with_shares,
                                                                       audit_entries):
    member = admit(with_shares)
    issued = ShareTransaction.objects.get(member=member)
    assert (issued.shares, issued.amount_pence, issued.on_date) == (1, 100, date(2026, 11, 2))
    admitted = [e for e in audit_entries(with_shares.society) if e.action == "member.admitted"]
    assert admitted[0].data["qualifying_shares"] == 1


def test_a_society_without_share_classes_admits_without_shares(in_scope):
    member = admit(in_scope)
    assert not ShareTransaction.objects.filter(member=member).exists()


def test_the_full_register_shows_holdings_as_at_the_date_asked(with_shares):
    member = admit(with_shares)
    client = with_shares.client("secretary")
    url = reverse("members:register", kwargs={"society_slug": with_shares.society.slug})
    assert member.pk
    page = client.get(url, {"as_at": "2026-11-20", "status": "all"}).content.decode()
    assert "£1.00" in page



@pytest.fixture
def holder(in_scope):
    """The plain member, admitted in 2020, in a society with share classes."""
    Member.objects.filter(society=in_scope.society).update(admitted_on=ADMITTED)
    in_scope.members["member"].refresh_from_db()
    return SharesWorld(in_scope, *make_classes(in_scope.society))


def test_your_record_shows_the_holding_that_my_shares_shows(holder):
    holder.issue(holder.member(), 3)
    client = holder.world.client("member")
    record = client.get(reverse("members:my_record", kwargs={"society_slug": "millmead"}))
    assert "3 shares, £3.00 paid" in record.content.decode()
    mine = client.get(reverse("shares:mine", kwargs={"society_slug": "millmead"}))
    assert "£3.00" in mine.content.decode()


def test_one_share_is_one_share(holder):
    holder.issue(holder.member(), 1)
    record = holder.world.client("member").get(
        reverse("members:my_record", kwargs={"society_slug": "millmead"})).content.decode()
    assert "1 share, £1.00 paid" in record
