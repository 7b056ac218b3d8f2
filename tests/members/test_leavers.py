"""Membership that ends with employment (Central Surrey Health's staff co-owners): a member of
such a class whose employment ends is ceased, "ceased to be eligible", on the day it ended, with
their penny share withdrawn in the same transaction; by the secretary one at a time, or from
the staff list, which shows who has left."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from members import services
from members.models import CessationReason, Member
from members.services import MemberError
from shares.models import Holding, ShareClass, ShareTransaction, TransactionKind
from shares.services import issue_shares
from societies.models import AuditEntry, StakeholderClass

ADMITTED = date(2020, 1, 6)


@pytest.fixture
def surrey(world):
    """The Staff class ends with employment; every staff co-owner holds one 1p share."""
    with scope(society=world.society):
        StakeholderClass.objects.filter(pk=world.classes["Staff"].pk).update(
            tied_to_employment=True)
        penny = ShareClass.objects.create(
            society=world.society, name="Co-owner", nominal_value_pence=1, is_withdrawable=True,
            is_qualifying=True, minimum_holding=1, withdrawal_notice_days=0)
        staff = []
        for number in (71, 72, 73):
            member = Member.objects.create(
                society=world.society, member_number=number, full_name=f"Nurse {number}",
                email=f"nurse{number}@surrey.test", admitted_on=ADMITTED,
                stakeholder_class=StakeholderClass.objects.get(pk=world.classes["Staff"].pk))
            issue_shares(actor=world.users["secretary"], member=member, share_class=penny,
                         shares=1, amount_pence=1, paid_on=ADMITTED, method="other")
            staff.append(member)
    world.staff, world.penny = staff, penny
    return world


def test_a_leaver_is_ceased_and_the_penny_share_withdrawn(surrey):
    leaver = surrey.staff[0]
    ended = timezone.localdate() - timedelta(days=3)
    with scope(society=surrey.society):
        last = AuditEntry.objects.latest("id").id
        services.record_employment_end(actor=surrey.users["secretary"], member=leaver,
                                       ended_on=ended)
        leaver.refresh_from_db()
        assert leaver.ceased_on == ended
        assert leaver.cessation_reason == CessationReason.INELIGIBLE
        assert Holding.objects.get(member=leaver).shares == 0
        withdrawal = ShareTransaction.objects.get(member=leaver, kind=TransactionKind.WITHDRAWAL)
        assert (withdrawal.on_date, withdrawal.shares, withdrawal.amount_pence) == (ended, -1, -1)
        (entry,) = AuditEntry.objects.filter(id__gt=last)
    assert entry.action == "member.ceased"
    assert entry.data["reason"] == "ineligible"
    assert entry.data["shares_withdrawn"] == {"Co-owner": 1}
    assert entry.data["repayable_pence"] == 1


def test_other_classes_do_not_end_with_employment(surrey):
    parent = surrey.members["member"]
    with scope(society=surrey.society), pytest.raises(MemberError, match="does not end"):
        services.record_employment_end(actor=surrey.users["secretary"], member=parent,
                                       ended_on=timezone.localdate())


def test_any_other_reason_keeps_the_shares(surrey):
    resigned = surrey.staff[1]
    with scope(society=surrey.society):
        services.cease_member(actor=surrey.users["secretary"], member=resigned,
                              ceased_on=timezone.localdate(), reason="resigned")
        assert Holding.objects.get(member=resigned).shares == 1


def url(world, name):
    return reverse(f"members:{name}", kwargs={"society_slug": world.society.slug})


def staff_list(text: str):
    return SimpleUploadedFile("staff.csv", text.encode(), content_type="text/csv")


def test_the_staff_list_shows_who_left_and_the_secretary_confirms(surrey):
    client = surrey.client("secretary")
    first, second, third = surrey.staff
    assert "Upload the staff list" in client.get(url(surrey, "leavers")).text
    # Still employed: the first by member number, the third by email (any case).
    read = client.post(url(surrey, "leavers"), {"file": staff_list(
        f"Payroll,Member number,Email\nP1,{first.member_number},\nP3,,NURSE73@surrey.test\n")})
    assert read.status_code == 200
    assert "1 member not on the staff list" in read.text
    assert second.full_name in read.text and first.full_name not in read.text
    with scope(society=surrey.society):
        assert Member.objects.filter(ceased_on__isnull=False).count() == 0  # nothing yet
    ended = timezone.localdate() - timedelta(days=1)
    done = client.post(url(surrey, "leavers"), {
        "confirm": "1", "leavers": [second.pk], "ended_on": ended.isoformat(),
        "reference": "Payroll November"})
    assert done.status_code == 302
    with scope(society=surrey.society):
        second.refresh_from_db()
        assert (second.ceased_on, second.cessation_reference) == (ended, "Payroll November")
        assert Holding.objects.get(member=second).shares == 0
        assert Member.objects.filter(ceased_on__isnull=False).count() == 1


@pytest.mark.parametrize(("text", "says"), [
    ("name\nAnn\n", "must name a column member_number or email"),
    ("member_number\n71\nseventy\n", "Line 3, member_number"),
    ("email\n\n", "names nobody"),
])
def test_a_bad_staff_list_is_refused_naming_the_line(surrey, text, says):
    response = surrey.client("secretary").post(url(surrey, "leavers"),
                                               {"file": staff_list(text)})
    assert response.status_code == 400 and says in response.text
    with scope(society=surrey.society):
        assert Member.objects.filter(ceased_on__isnull=False).count() == 0


def test_a_future_end_is_refused_and_nothing_changes(surrey):
    ahead = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = surrey.client("secretary").post(url(surrey, "leavers"), {
        "confirm": "1", "leavers": [surrey.staff[0].pk], "ended_on": ahead})
    assert response.status_code == 400 and "this date is in the future" in response.text
    with scope(society=surrey.society):
        assert Member.objects.filter(ceased_on__isnull=False).count() == 0


def test_the_cease_page_suggests_ceased_to_be_eligible_for_staff(surrey):
    page = surrey.client("secretary").get(reverse("members:member_cease", kwargs={
        "society_slug": surrey.society.slug, "public_id": surrey.staff[0].public_id})).text
    assert "ends with employment" in page
    assert '<option value="ineligible" selected>' in page
