"""Inspecting the duplicate register (CCBS Act 2014 s.31): off by default, a member asks, the
secretary grants a period (or answers another way), or the society opens it to every member;
every view is in the register access log."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django_scopes import scope

from members import services
from members.models import InspectionStatus, Member, RegisterInspection
from members.services import MemberError
from notifications.models import Message
from societies.models import AuditEntry

LONDON = ZoneInfo("Europe/London")
# A day chosen for its awkwardness: the clocks change that night.
TODAY = datetime(2026, 10, 25, 11, 0, tzinfo=LONDON)
STREET = "9 Quay Street"


def url(world, name, **kwargs):
    return reverse(f"members:{name}", kwargs={"society_slug": world.society.slug, **kwargs})


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def addressed(world, clock):
    with scope(society=world.society):
        Member.objects.filter(society=world.society).update(address=f"{STREET}\nWhitstable",
                                                            admitted_on=date(2020, 1, 6))
    return world


def ask(world, note="For the AGM requisition"):
    with scope(society=world.society):
        return services.request_register_inspection(
            actor=world.users["member"], member=world.members["member"], note=note)


def grant(world, inspection, start=date(2026, 10, 25), end=date(2026, 11, 7)):
    with scope(society=world.society):
        return services.grant_register_inspection(
            actor=world.users["secretary"], inspection=inspection, granted_from=start,
            granted_until=end)


def access_log(world):
    with scope(society=world.society):
        return list(AuditEntry.objects.filter(action="register.viewed").order_by("id"))


def test_by_default_a_member_is_told_how_to_ask_and_sees_no_addresses(addressed):
    response = addressed.client("member").get(url(addressed, "register_duplicate"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Inspecting the register of members" in html
    assert "not a right to a website" in html
    assert "Ask to inspect the register" in html
    assert STREET not in html
    assert access_log(addressed) == []


def test_a_member_asks_and_the_request_is_audited(addressed, audit_entries):
    response = addressed.client("member").post(url(addressed, "register_inspection_request"),
                                               {"note": "To write to members"})
    assert response.status_code == 302
    [entry] = audit_entries(addressed.society)
    assert entry.action == "register.inspection_requested"
    assert entry.actor == addressed.users["member"]
    page = addressed.client("member").get(url(addressed, "register_duplicate")).content.decode()
    assert "waiting for the secretary" in page
    assert "Ask to inspect the register</button>" not in page


def test_a_second_request_while_one_waits_is_refused(addressed):
    ask(addressed)
    with pytest.raises(MemberError, match="has not answered yet"):
        ask(addressed)
    response = addressed.client("member").post(url(addressed, "register_inspection_request"), {})
    assert response.status_code == 400 and "has not answered yet" in response.content.decode()


def test_a_grant_opens_the_register_for_its_period_and_every_view_is_logged(
        addressed, clock, audit_entries):
    world = addressed
    inspection = ask(world)
    before = len(audit_entries(world.society))
    grant(world, inspection)
    entries = audit_entries(world.society)[before:]
    assert [e.action for e in entries] == ["register.inspection_granted"]
    assert entries[0].actor == world.users["secretary"]
    assert entries[0].data == {"member_number": 5, "from": "2026-10-25", "until": "2026-11-07"}
    with scope(society=world.society):
        notice = Message.objects.get(kind="members.inspection_granted")
    assert notice.recipient == world.members["member"] and "7 November 2026" in notice.body_text

    client = world.client("member")
    html = client.get(url(world, "register_duplicate")).content.decode()
    assert STREET in html and "You may inspect it online until 7 November 2026" in html
    client.get(url(world, "register_duplicate"), {"q": "Secretary"})
    views = access_log(world)
    assert len(views) == 2 and all(v.actor == world.users["member"] for v in views)
    assert views[0].data["view"] == "duplicate" and views[0].data["basis"] == "grant"
    assert views[1].data["search"] == "Secretary"

    clock.move_to(datetime(2026, 11, 8, 9, 0, tzinfo=LONDON))
    html = client.get(url(world, "register_duplicate")).content.decode()
    assert STREET not in html and "(ended)" in html
    assert len(access_log(world)) == 2


def test_a_grant_starting_later_does_not_open_it_yet(addressed):
    grant(addressed, ask(addressed), start=date(2026, 11, 1), end=date(2026, 11, 3))
    html = addressed.client("member").get(url(addressed, "register_duplicate")).content.decode()
    assert STREET not in html and "(not yet open)" in html


@pytest.mark.parametrize("start,end,message", [
    (date(2026, 10, 30), date(2026, 10, 29), "end on or after"),
    (date(2026, 10, 1), date(2026, 10, 24), "already ended"),
    (date(2026, 10, 25), date(2027, 1, 25), "at most 92 days"),
])
def test_a_grant_with_a_bad_period_is_refused(addressed, audit_entries, start, end, message):
    inspection = ask(addressed)
    before = len(audit_entries(addressed.society))
    with pytest.raises(MemberError, match=message):
        grant(addressed, inspection, start, end)
    assert len(audit_entries(addressed.society)) == before
    with scope(society=addressed.society):
        assert RegisterInspection.objects.get().status == InspectionStatus.REQUESTED


def test_the_secretary_grants_on_the_page(addressed):
    inspection = ask(addressed)
    client = addressed.client("secretary")
    page = client.get(url(addressed, "register_inspections")).content.decode()
    assert "For the AGM requisition" in page and "Member (member 5)" in page
    prefix = f"grant-{inspection.public_id}"
    bad = client.post(url(addressed, "register_inspection_grant", public_id=inspection.public_id),
                      {f"{prefix}-granted_from": "2026-10-30",
                       f"{prefix}-granted_until": "2026-10-26"})
    assert bad.status_code == 400 and "end on or after the day it starts" in bad.content.decode()
    response = client.post(
        url(addressed, "register_inspection_grant", public_id=inspection.public_id),
        {f"{prefix}-granted_from": "2026-10-25", f"{prefix}-granted_until": "2026-11-07"})
    assert response.status_code == 302
    page = client.get(url(addressed, "register_inspections")).content.decode()
    assert "No requests are waiting." in page and "(open now)" in page
    again = client.post(url(addressed, "register_inspection_grant",
                            public_id=inspection.public_id),
                        {f"{prefix}-granted_from": "2026-10-25",
                         f"{prefix}-granted_until": "2026-11-07"})
    assert again.status_code == 404


def test_the_secretary_answers_another_way(addressed, audit_entries):
    inspection = ask(addressed)
    client = addressed.client("secretary")
    prefix = f"answer-{inspection.public_id}"
    response = client.post(
        url(addressed, "register_inspection_answer", public_id=inspection.public_id),
        {f"{prefix}-answer": "Come to the office on Tuesday 3 November at 10am."})
    assert response.status_code == 302
    entry = audit_entries(addressed.society)[-1]
    assert entry.action == "register.inspection_answered"
    assert entry.actor == addressed.users["secretary"]
    with scope(society=addressed.society):
        assert Message.objects.get(kind="members.inspection_answered").body_text.count(
            "Tuesday 3 November") == 1
    page = addressed.client("member").get(url(addressed, "register_duplicate")).content.decode()
    assert "the secretary answered: Come to the office" in page and STREET not in page
    assert "Ask to inspect the register</button>" in page


def test_the_society_setting_opens_it_to_every_member(addressed, audit_entries):
    client = addressed.client("secretary")
    response = client.post(url(addressed, "register_online_inspection"),
                           {"register_online_inspection": "on"})
    assert response.status_code == 302
    [entry] = audit_entries(addressed.society)
    assert entry.action == "society.settings_changed"
    assert entry.data["changes"] == {"register_online_inspection": [False, True]}
    html = addressed.client("member").get(url(addressed, "register_duplicate")).content.decode()
    assert STREET in html
    assert access_log(addressed)[-1].data["basis"] == "society setting"
    client.post(url(addressed, "register_online_inspection"), {})
    html = addressed.client("member").get(url(addressed, "register_duplicate")).content.decode()
    assert STREET not in html


def test_officers_see_it_and_their_views_are_logged_too(addressed):
    html = addressed.client("auditor").get(url(addressed, "register_duplicate")).content.decode()
    assert STREET in html
    assert access_log(addressed)[-1].data["basis"] == "officer"
    log = addressed.client("secretary").get(url(addressed, "register_inspections"))
    assert "Viewed the duplicate register as at 2026-10-25" in log.content.decode()


@pytest.mark.parametrize("persona,status", [
    ("secretary", 200), ("auditor", 403), ("member", 403), ("board_member", 403),
    ("outsider", 404),
])
def test_who_may_answer_requests(world, persona, status):
    assert world.client(persona).get(url(world, "register_inspections")).status_code == status


@pytest.mark.parametrize("persona,status", [
    ("member", 302), ("board_member", 302), ("secretary", 302), ("auditor", 403),
    ("outsider", 404),
])
def test_who_may_ask(world, persona, status):
    # The auditor and returning officer hold no membership: the auditor sees the register.
    response = world.client(persona).post(url(world, "register_inspection_request"), {})
    assert response.status_code == status


def test_only_the_secretary_changes_the_setting(world):
    for persona in ("member", "auditor", "board_member"):
        assert world.client(persona).post(url(world, "register_online_inspection"),
                                          {"register_online_inspection": "on"}
                                          ).status_code == 403
    world.society.refresh_from_db()
    assert world.society.register_online_inspection is False


def test_a_ceased_member_cannot_ask(world):
    with scope(society=world.society):
        member = world.members["member"]
        Member.objects.filter(pk=member.pk).update(admitted_on=date(2020, 1, 6),
                                                   ceased_on=date(2026, 1, 2),
                                                   cessation_reason="resigned")
        member.refresh_from_db()
        with pytest.raises(MemberError, match="Only current members"):
            services.request_register_inspection(actor=None, member=member)
