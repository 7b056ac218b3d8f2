"""Meeting pages: who sees what (every persona), the .ics download, and the secretary's and
members' forms calling the services."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from boards import ics, services
from boards.models import AgendaItem, Minutes, ProxyAppointment
from notifications.models import Message
from tests.conftest import typed_datetime

PERSONAS = ["secretary", "returning_officer", "board_member", "auditor", "member", "outsider"]


def url(agm, name, **kwargs):
    return reverse(f"boards:{name}", kwargs={"society_slug": agm.society.slug, **kwargs})


def murl(agm, name, meeting=None, **kwargs):
    meeting = meeting or agm.meeting
    return url(agm, name, public_id=meeting.public_id, **kwargs)


def statuses(agm, path):
    world = agm.board_world.world
    return {p: world.client(p).get(path).status_code for p in PERSONAS}


def test_the_meeting_page_by_persona(agm_world):
    assert statuses(agm_world, murl(agm_world, "meeting")) == {
        "secretary": 200, "returning_officer": 403, "board_member": 200, "auditor": 200,
        "member": 200, "outsider": 404}
    assert agm_world.board_world.world.client("anonymous").get(
        murl(agm_world, "meeting")).status_code == 302


def test_the_ics_download_by_persona(agm_world):
    assert statuses(agm_world, murl(agm_world, "meeting_ics")) == {
        "secretary": 200, "returning_officer": 403, "board_member": 200, "auditor": 200,
        "member": 200, "outsider": 404}


def test_the_proxy_form_by_persona(agm_world):
    assert statuses(agm_world, murl(agm_world, "proxy")) == {
        "secretary": 200, "returning_officer": 403, "board_member": 200, "auditor": 403,
        "member": 200, "outsider": 404}


def test_the_proxy_register_by_persona(agm_world):
    assert statuses(agm_world, murl(agm_world, "proxies")) == {
        "secretary": 200, "returning_officer": 403, "board_member": 403, "auditor": 200,
        "member": 403, "outsider": 404}


@pytest.mark.parametrize("name", ["attendance", "agenda_item_new", "resolution_new"])
def test_the_secretarys_meeting_pages_by_persona(agm_world, name):
    assert statuses(agm_world, murl(agm_world, name)) == {
        "secretary": 200, "returning_officer": 403, "board_member": 403, "auditor": 403,
        "member": 403, "outsider": 404}


def test_the_vote_page_by_persona(agm_world):
    path = murl(agm_world, "vote", item_id=agm_world.item.public_id)
    assert statuses(agm_world, path) == {
        "secretary": 200, "returning_officer": 403, "board_member": 403, "auditor": 403,
        "member": 403, "outsider": 404}


def test_the_meeting_rules_page_by_persona(agm_world):
    assert statuses(agm_world, url(agm_world, "meeting_rules")) == {
        "secretary": 200, "returning_officer": 403, "board_member": 403, "auditor": 403,
        "member": 403, "outsider": 404}


def test_members_do_not_see_board_meetings(agm_world):
    board_meeting = services.schedule_meeting(
        actor=agm_world.secretary, society=agm_world.society, kind="board",
        body=agm_world.board_world.board, held_on=timezone.localdate() + timedelta(days=3))
    path = murl(agm_world, "meeting", meeting=board_meeting)
    assert statuses(agm_world, path) == {
        "secretary": 200, "returning_officer": 403, "board_member": 200, "auditor": 200,
        "member": 404, "outsider": 404}
    world = agm_world.board_world.world
    assert world.client("member").get(murl(agm_world, "proxy", meeting=board_meeting)
                                      ).status_code == 404


def test_minutes_show_to_members_only_once_approved(agm_world):
    today = timezone.localdate()
    sec = agm_world.secretary
    first = services.schedule_meeting(actor=sec, society=agm_world.society, kind="agm",
                                      held_on=today - timedelta(days=40),
                                      today=today - timedelta(days=80))
    later = services.schedule_meeting(actor=sec, society=agm_world.society, kind="special",
                                      held_on=today - timedelta(days=5),
                                      today=today - timedelta(days=60))
    world = agm_world.board_world.world
    response = world.client("secretary").post(murl(agm_world, "minutes_draft", meeting=first))
    assert response.status_code == 302
    minutes = Minutes.objects.get(meeting=first)
    path = murl(agm_world, "minutes", meeting=first)
    assert statuses(agm_world, path) == {
        "secretary": 200, "returning_officer": 403, "board_member": 200, "auditor": 200,
        "member": 404, "outsider": 404}
    response = world.client("secretary").post(murl(agm_world, "minutes_edit", meeting=first),
                                              {"text": "The meeting opened at 7pm."})
    assert response.status_code == 302
    response = world.client("secretary").post(
        murl(agm_world, "minutes_approve", meeting=first), {"at_meeting": later.pk})
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.approved_on == later.held_on
    assert statuses(agm_world, path)["member"] == 200
    html = world.client("member").get(path).content.decode()
    assert "The meeting opened at 7pm." in html and "Approved at the" in html
    listing = world.client("member").get(url(agm_world, "meetings")).content.decode()
    assert path in listing
    # Locked: the edit form no longer changes anything.
    response = world.client("secretary").post(murl(agm_world, "minutes_edit", meeting=first),
                                              {"text": "Changed"})
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.text == "The meeting opened at 7pm.\n"


def test_the_ics_file_follows_rfc_5545(agm_world):
    response = agm_world.board_world.world.client("member").get(murl(agm_world, "meeting_ics"))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert f"UID:meeting-{agm_world.meeting.public_id}@omov" in text
    assert "DTSTAMP:" in text
    start = services.meeting_starts_at(agm_world.meeting)
    assert f"DTSTART:{ics._utc(start)}" in text
    assert "LOCATION:Village Hall" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_ics_escaping_and_folding():
    assert ics.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = ics.fold("DESCRIPTION:" + "é" * 60)
    lines = folded.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert "".join(line[1:] if i else line for i, line in enumerate(lines)) == (
        "DESCRIPTION:" + "é" * 60)


def test_the_secretary_adds_an_item_with_a_paper(agm_world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    world = agm_world.board_world.world
    response = world.client("secretary").post(murl(agm_world, "agenda_item_new"), {
        "kind": "report", "title": "Annual accounts",
        "paper": SimpleUploadedFile("accounts.pdf", b"%PDF-1.4 accounts", "application/pdf"),
    })
    assert response.status_code == 302
    item = AgendaItem.objects.get(title="Annual accounts")
    download = world.client("member").get(murl(agm_world, "agenda_paper",
                                               item_id=item.public_id))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 accounts"
    assert world.client("outsider").get(murl(agm_world, "agenda_paper",
                                             item_id=item.public_id)).status_code == 404


def test_a_resolution_item_without_its_resolution_names_the_field(agm_world):
    world = agm_world.board_world.world
    response = world.client("secretary").post(murl(agm_world, "agenda_item_new"),
                                              {"kind": "resolution", "title": "Something"})
    assert response.status_code == 400
    assert "Resolution put to the members: Choose the resolution" in response.content.decode()
    assert AgendaItem.objects.count() == 1


def test_the_secretary_puts_a_resolution_on_the_agenda(agm_world):
    world = agm_world.board_world.world
    closes = timezone.localtime(services.meeting_starts_at(agm_world.meeting))
    response = world.client("secretary").post(murl(agm_world, "resolution_new"), {
        "title": "Accounts", "text": "That the accounts be received.", "kind": "ordinary",
        "fraction_numerator": 3, "fraction_denominator": 4,
        "voting_opens": typed_datetime(timezone.now()),
        "voting_closes": typed_datetime(closes),
        "record_date": timezone.localdate().isoformat()})
    assert response.status_code == 302
    item = AgendaItem.objects.get(title="Accounts")
    assert item.resolution.election == agm_world.contest.election


def test_serving_notice_from_the_page(agm_world):
    world = agm_world.board_world.world
    response = world.client("secretary").post(murl(agm_world, "notice_serve"))
    assert response.status_code == 302
    assert Message.objects.filter(kind=services.MEETING_NOTICE_KIND).count() == 8
    assert world.client("member").post(murl(agm_world, "notice_serve")).status_code == 403


def test_a_member_appoints_and_revokes_a_proxy_through_the_form(agm_world):
    world = agm_world.board_world.world
    member = world.client("member")
    field = f"item_{agm_world.item.public_id}"
    response = member.post(murl(agm_world, "proxy"), {
        "holder": "member", "holder_number": "", field: "for"})
    assert response.status_code == 400
    assert "Your proxy&#x27;s member number: Give your proxy" in response.content.decode()
    response = member.post(murl(agm_world, "proxy"), {
        "holder": "member", "holder_number": agm_world.extra[0].member_number,
        field: "against"})
    assert response.status_code == 302
    appointment = ProxyAppointment.objects.get(appointer=agm_world.member("member"))
    assert appointment.holder == agm_world.extra[0]
    assert appointment.instructions.get().instruction == "against"
    page = member.get(murl(agm_world, "proxy")).content.decode()
    assert "Ann Able" in page
    response = member.post(murl(agm_world, "proxy_revoke"),
                           {"appointment": appointment.public_id})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.revoked_reason == "revoked"


def test_the_meeting_rules_form(agm_world):
    world = agm_world.board_world.world
    response = world.client("secretary").post(url(agm_world, "meeting_rules"), {
        "quorum_minimum_members": 12, "quorum_percent": "200",
        "proxy_deadline_hours": 48, "proxy_max_per_holder": ""})
    assert response.status_code == 400
    assert "…or this percentage of members" in response.content.decode()
    response = world.client("secretary").post(url(agm_world, "meeting_rules"), {
        "quorum_minimum_members": 12, "quorum_percent": "2.5",
        "proxy_deadline_hours": 24, "proxy_max_per_holder": "", "chair_casting_vote": "on"})
    assert response.status_code == 302
    agm_world.society.refresh_from_db()
    assert agm_world.society.quorum_minimum_members == 12
    assert agm_world.society.proxy_max_per_holder is None
    assert not agm_world.society.quorum_counts_proxies


def test_an_admission_decision_links_to_the_member_both_ways(agm_world):
    world = agm_world.board_world.world
    ann = agm_world.extra[0]
    response = world.client("secretary").post(reverse("boards:decision_new", kwargs={
        "society_slug": agm_world.society.slug}), {
        "decided_on": "2026-01-05", "text": "Admit Ann Able", "votes_for": 5,
        "votes_against": 0, "abstentions": 0, "member_number": ann.member_number,
        "meeting": agm_world.meeting.pk})
    assert response.status_code == 302
    decision = ann.decisions.get()
    assert decision.meeting == agm_world.meeting
    member_page = world.client("secretary").get(reverse("members:member", kwargs={
        "society_slug": agm_world.society.slug, "public_id": ann.public_id})).content.decode()
    assert f"Decision {decision.number}" in member_page and "Admit Ann Able" in member_page
    log = world.client("member").get(reverse("boards:decisions", kwargs={
        "society_slug": agm_world.society.slug})).content.decode()
    assert "Member concerned: Ann Able" in log
    assert murl(agm_world, "meeting") in log


def test_a_decision_naming_an_unknown_member_or_application_names_the_field(agm_world):
    world = agm_world.board_world.world
    response = world.client("secretary").post(reverse("boards:decision_new", kwargs={
        "society_slug": agm_world.society.slug}), {
        "decided_on": "2026-01-05", "text": "Admit", "votes_for": 5, "votes_against": 0,
        "abstentions": 0, "member_number": 999, "application_reference": "NOPE"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "No member has that number." in html
    assert "No application has that reference." in html


def _posts(agm, path, data=None):
    world = agm.board_world.world
    return {p: world.client(p).post(path, data or {}).status_code for p in PERSONAS}


def test_the_secretarys_post_only_actions_by_persona(agm_world):
    expected = {"secretary": 302, "returning_officer": 403, "board_member": 403,
                "auditor": 403, "member": 403, "outsider": 404}
    assert _posts(agm_world, murl(agm_world, "minutes_draft")) == expected
    assert _posts(agm_world, murl(agm_world, "notice_serve")) == expected
    assert Minutes.objects.count() == 1
    assert Message.objects.filter(kind=services.MEETING_NOTICE_KIND).count() == 8


def test_the_minutes_forms_by_persona(agm_world):
    services.draft_minutes(actor=agm_world.secretary, meeting=agm_world.meeting)
    for name in ("minutes_edit", "minutes_approve"):
        assert statuses(agm_world, murl(agm_world, name)) == {
            "secretary": 200, "returning_officer": 403, "board_member": 403, "auditor": 403,
            "member": 403, "outsider": 404}


def test_revoking_someone_elses_proxy_is_not_found(agm_world):
    appointment = services.appoint_proxy(actor=None, meeting=agm_world.meeting,
                                         appointer=agm_world.extra[0], instructions={})
    data = {"appointment": appointment.public_id}
    assert _posts(agm_world, murl(agm_world, "proxy_revoke"), data) == {
        "secretary": 404, "returning_officer": 403, "board_member": 404, "auditor": 403,
        "member": 404, "outsider": 404}
    appointment.refresh_from_db()
    assert appointment.revoked_at is None


def test_a_paper_by_persona(agm_world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    item = services.add_agenda_item(
        actor=agm_world.secretary, meeting=agm_world.meeting, kind="report", title="Accounts",
        paper=SimpleUploadedFile("accounts.pdf", b"%PDF-1.4", "application/pdf"))
    assert statuses(agm_world, murl(agm_world, "agenda_paper", item_id=item.public_id)) == {
        "secretary": 200, "returning_officer": 403, "board_member": 200, "auditor": 200,
        "member": 200, "outsider": 404}
