"""The proxy form printed with the posted notice, and the secretary entering a returned paper
form: the same rules as appointing online, audited as received on paper."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from boards import services
from boards.models import ProxyAppointment
from boards.services import BoardError
from notifications import letters
from tests.pdf import read_pdf

PERSONAS = ["secretary", "returning_officer", "board_member", "auditor", "member", "outsider"]


def test_the_posted_notice_carries_a_proxy_form(agm_world):
    agm_world.board_world.new_member(30, "Pat Post", address="4 Mill Lane\nMillmead",
                                     postcode="ME1 1AB", contact_channel="post")
    services.add_agenda_item(actor=agm_world.secretary, meeting=agm_world.meeting,
                             kind="report", title="Annual report")
    services.serve_notice(actor=agm_world.secretary, meeting=agm_world.meeting)
    agm_world.meeting.refresh_from_db()
    notice = agm_world.meeting.notice
    posted = letters.pack_messages(notice).count()
    assert posted >= 1
    pack = read_pdf(letters.build_pack(notice))
    assert len(pack) >= 2 * posted  # the notice, then the form
    text = pack.text
    assert f"Proxy form: {agm_world.meeting}" in text
    assert "the chair of the meeting, or" in text and "this member:" in text
    assert "1. Change of rules (special)" in text
    assert "Annual report" not in text.split("Proxy form")[1].split("Signed")[0]
    for column in ("For", "Against", "Abstain", "Discretion"):
        assert column in text
    deadline = timezone.localtime(services.proxy_deadline(agm_world.meeting))
    assert f"Return this form to arrive by {deadline:%H:%M on %A} {deadline.day}" in text
    assert "The Secretary" in text
    assert "fill in the proxy form enclosed" in letters.pack_messages(notice).first().body_text


def test_other_letters_have_no_form(world):
    from tests.notifications.test_letter_pack import letters_for

    notice = letters_for(world, 2)
    with scope(society=world.society):
        pack = read_pdf(letters.build_pack(notice))
    assert len(pack) == 2


def test_a_paper_form_is_recorded_like_an_online_appointment(agm_world, audit_entries):
    member, holder = agm_world.extra[0], agm_world.extra[1]
    appointment = services.record_paper_proxy(
        actor=agm_world.secretary, meeting=agm_world.meeting, appointer=member, holder=holder,
        instructions={agm_world.item: "against"})
    assert appointment.instructions.get().instruction == "against"
    assert appointment.created_by == agm_world.secretary
    entry = audit_entries(agm_world.society)[-1]
    assert (entry.action, entry.actor_id) == ("board.proxy_appointed", agm_world.secretary.pk)
    assert entry.data["on_paper"] is True


def test_a_paper_form_received_after_the_deadline_is_refused(agm_world):
    late = services.proxy_deadline(agm_world.meeting) + timedelta(minutes=1)
    with pytest.raises(BoardError, match="Too late"):
        services.appoint_proxy(actor=agm_world.secretary, meeting=agm_world.meeting,
                               appointer=agm_world.extra[0], instructions={}, now=late,
                               on_paper=True)
    with pytest.raises(BoardError, match="future"):
        services.record_paper_proxy(
            actor=agm_world.secretary, meeting=agm_world.meeting, appointer=agm_world.extra[0],
            instructions={}, received_at=timezone.now() + timedelta(hours=1))
    assert not ProxyAppointment.objects.filter(meeting=agm_world.meeting).exists()


def test_a_paper_form_older_than_the_members_online_appointment_does_not_replace_it(agm_world):
    member = agm_world.extra[0]
    online = services.appoint_proxy(actor=member.user, meeting=agm_world.meeting,
                                    appointer=member, instructions={})
    with pytest.raises(BoardError, match="later appointment stands"):
        services.record_paper_proxy(
            actor=agm_world.secretary, meeting=agm_world.meeting, appointer=member,
            instructions={}, received_at=timezone.now() - timedelta(days=1))
    online.refresh_from_db()
    assert online.is_live


def test_a_paper_form_respects_the_holders_cap(agm_world):
    society = agm_world.society
    society.proxy_max_per_holder = 1
    society.save(update_fields=["proxy_max_per_holder"])
    agm_world.meeting.refresh_from_db()
    holder = agm_world.extra[4]
    services.record_paper_proxy(actor=agm_world.secretary, meeting=agm_world.meeting,
                                appointer=agm_world.extra[0], holder=holder, instructions={})
    with pytest.raises(BoardError, match="already holds 1"):
        services.record_paper_proxy(actor=agm_world.secretary, meeting=agm_world.meeting,
                                    appointer=agm_world.extra[1], holder=holder,
                                    instructions={})


def paper_url(agm):
    return reverse("boards:proxy_paper", kwargs={"society_slug": agm.society.slug,
                                                 "public_id": agm.meeting.public_id})


def test_the_paper_proxy_page_by_persona(agm_world):
    world = agm_world.board_world.world
    assert {p: world.client(p).get(paper_url(agm_world)).status_code for p in PERSONAS} == {
        "secretary": 200, "returning_officer": 403, "board_member": 403, "auditor": 403,
        "member": 403, "outsider": 404}


def test_the_secretary_enters_a_paper_form(agm_world):
    client = agm_world.board_world.world.client("secretary")
    member = agm_world.extra[2]
    response = client.post(paper_url(agm_world), {
        "appointer_number": member.member_number, "holder": "chair",
        f"item_{agm_world.item.public_id}": "for"})
    assert response.status_code == 302
    appointment = ProxyAppointment.objects.get(meeting=agm_world.meeting, appointer=member)
    assert appointment.holder is None and appointment.instructions.get().instruction == "for"
    register = client.get(response.url).content.decode()
    assert "entered by" in register


def test_a_bad_paper_form_names_the_field_and_writes_nothing(agm_world):
    client = agm_world.board_world.world.client("secretary")
    response = client.post(paper_url(agm_world), {
        "appointer_number": 9999, "holder": "member", "received_at": "yesterday-ish"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "No member has that number." in page
    assert "Give your proxy&#x27;s member number." in page or "member number" in page
    assert "Enter a valid date/time." in page
    assert not ProxyAppointment.objects.filter(meeting=agm_world.meeting).exists()
