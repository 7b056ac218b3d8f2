"""Fixtures for the shares tests: share classes in the `world` society, members admitted
long enough ago to have a history, and a helper to issue shares through the service."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scope

from members.models import Member
from shares import services
from shares.models import ShareClass
from tests.audit_helpers import assert_one_audit_entry, last_audit_id

ADMITTED = date(2020, 1, 6)


@dataclass
class SharesWorld:
    world: object
    ordinary: ShareClass
    investor: ShareClass

    @property
    def society(self):
        return self.world.society

    @property
    def secretary(self):
        return self.world.users["secretary"]

    def member(self, persona="member") -> Member:
        return self.world.members[persona]

    def issue(self, member, shares, share_class=None, on=date(2023, 1, 2), method="cheque"):
        share_class = share_class or self.ordinary
        return services.issue_shares(
            actor=self.secretary, member=member, share_class=share_class, shares=shares,
            amount_pence=shares * share_class.nominal_value_pence, paid_on=on, method=method,
            reference=f"cheque {shares}",
        )

    def add_member(self, number, name, admitted=ADMITTED) -> Member:
        return Member.objects.create(
            society=self.society, member_number=number, full_name=name,
            email=f"{name.split()[0].lower()}@members.test",
            stakeholder_class=self.world.classes["Parent"], admitted_on=admitted,
        )


def make_classes(society):
    ordinary = ShareClass.objects.create(
        society=society, name="Ordinary", nominal_value_pence=100, is_withdrawable=True,
        is_qualifying=True, minimum_holding=1, withdrawal_notice_days=0,
    )
    investor = ShareClass.objects.create(
        society=society, name="Investor", nominal_value_pence=100, is_withdrawable=True,
        is_transferable=True, minimum_holding=250, maximum_holding=100_000,
        withdrawal_notice_days=90, interest_rate_percent=Decimal("5.5"),
        allows_reinvestment=True,
    )
    return ordinary, investor


@pytest.fixture
def shares_world(world):
    """The `world` society, inside its scope, with two share classes and members admitted
    in January 2020."""
    with scope(society=world.society):
        Member.objects.filter(society=world.society).update(admitted_on=ADMITTED)
        for member in world.members.values():
            member.refresh_from_db()
        ordinary, investor = make_classes(world.society)
        yield SharesWorld(world, ordinary, investor)


@pytest.fixture
def only_entry(audit_entries):
    """The single audit entry written since `mark()`."""

    class Tracker:
        def __init__(self):
            self.since = 0

        def mark(self, society):
            self.since = last_audit_id(society)

        def new(self, society):
            return [e for e in audit_entries(society) if e.id > self.since]

        def one(self, society, action=None, **expected):
            """With `action`, also that it is the action, by `actor=` (about `target=`)."""
            if action is None:
                entries = self.new(society)
                assert len(entries) == 1, [e.action for e in entries]
                entry = entries[0]
            else:
                entry = assert_one_audit_entry(society, action, since=self.since, **expected)
            self.since = entry.id
            return entry

    return Tracker()
