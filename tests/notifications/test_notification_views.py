"""The notices pages for each persona: inbox, contact preferences, sending, record of service."""

import csv
import io

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope

from members.models import ContactChannel
from notifications.models import Channel, Message, Notice, Status
from tests.notifications.conftest import add_member


def url(world, name, **kwargs):
    return reverse(f"notifications:{name}", kwargs={"society_slug": world.society.slug, **kwargs})


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """`send(world, **form)`: the secretary sends a notice; what it queues runs on commit."""

    def post(world, **data):
        with django_capture_on_commit_callbacks(execute=True):
            return world.client("secretary").post(url(world, "notice_new"), {
                "subject": "Notice of the AGM", "body": "The AGM is on 1 May.", **data})

    return post


def the_notice(world) -> Notice:
    with scope(society=world.society):
        return Notice.objects.get()


def test_a_secretary_sends_a_notice_to_all_members(world, emailed, posted, audit_entries, send):
    response = send(world)
    notice = the_notice(world)
    assert response.status_code == 302
    assert response["Location"] == url(world, "notice_detail", public_id=notice.public_id)
    with scope(society=world.society):
        by_member = {m.recipient_id: m for m in notice.messages.all()}
    # Three personas are members too; none has an address, so theirs are recorded as failed.
    assert len(by_member) == 5
    assert by_member[emailed.pk].status == Status.SENT
    assert by_member[posted.pk].status == Status.PENDING
    assert [m.to for m in mail.outbox] == [["Ada Emailed <ada@example.test>"]]
    entry = audit_entries(world.society)[-1]
    assert (entry.actor, entry.action) == (world.users["secretary"], "notice.sent")
    assert entry.data == {"subject": "Notice of the AGM", "audience": "All members",
                          "email": 1, "post": 4}


def test_a_notice_to_a_stakeholder_class_reaches_only_that_class(world, emailed, send):
    staff = add_member(world, 120, "Sally Staff", email="sally@example.test",
                       stakeholder_class="Staff")
    with scope(society=world.society):
        staff_class = world.classes["Staff"]
    send(world, audience=staff_class.pk)
    with scope(society=world.society):
        assert [m.recipient_id for m in the_notice(world).messages.all()] == [staff.pk]
        assert the_notice(world).audience == "Members in the class Staff"


def test_a_notice_with_no_subject_is_refused(world, send):
    response = send(world, subject="")
    assert response.status_code == 400
    with scope(society=world.society):
        assert not Notice.objects.exists()


def test_the_record_of_service_shows_who_was_served_and_what_failed(world, emailed, posted, send):
    send(world)
    notice = the_notice(world)
    page = world.client("auditor").get(url(world, "notice_detail", public_id=notice.public_id))
    assert page.status_code == 200
    html = page.content.decode()
    assert "ada@example.test" in html and "Bert Posted" in html
    assert "No postal address on the register" in html
    # The auditor reads the record but prints and posts nothing.
    assert "Letter pack" not in html
    secretary_view = world.client("secretary").get(
        url(world, "notice_detail", public_id=notice.public_id)).content.decode()
    assert "Letter pack" in secretary_view and "Confirm the letters were posted" in secretary_view


def test_the_record_of_service_can_show_only_the_failures(world, emailed, posted, send):
    send(world)
    notice = the_notice(world)
    html = world.client("secretary").get(
        url(world, "notice_detail", public_id=notice.public_id) + "?status=failed"
    ).content.decode()
    assert "No postal address" in html and "ada@example.test" not in html


def test_the_record_of_service_exports_as_csv_and_the_export_is_logged(world, emailed, posted,
                                                                       audit_entries, send):
    send(world)
    notice = the_notice(world)
    response = world.client("auditor").get(url(world, "notice_export",
                                                public_id=notice.public_id))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_name = {row["name"]: row for row in rows}
    assert by_name["Ada Emailed"]["channel"] == "email"
    assert by_name["Ada Emailed"]["status"] == "sent" and by_name["Ada Emailed"]["sent_at"]
    assert by_name["Bert Posted"]["served_to"] == "Bert Posted, Flat 3, 14 Canal Street, " \
                                                  "Millmead, ME2 3BB"
    assert by_name["Member"]["status"] == "failed"
    assert "No postal address" in by_name["Member"]["failure_reason"]
    entry = audit_entries(world.society)[-1]
    assert (entry.actor, entry.action) == (world.users["auditor"], "notice.service_exported")


def test_the_secretary_downloads_the_letter_pack_and_confirms_posting(world, emailed, posted,
                                                                     audit_entries, send):
    send(world)
    notice = the_notice(world)
    client = world.client("secretary")
    pdf = client.get(url(world, "letter_pack", public_id=notice.public_id) + "?part=1")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get(url(world, "letter_pack", public_id=notice.public_id)
                      + "?part=2").status_code == 404
    response = client.post(url(world, "confirm_posted", public_id=notice.public_id),
                           {"posted_on": "2000-01-01"})
    assert response.status_code == 302
    with scope(society=world.society):
        assert Message.objects.get(recipient=posted).status == Status.PENDING  # refused
    from django.utils import timezone

    today = timezone.localdate()
    client.post(url(world, "confirm_posted", public_id=notice.public_id),
                {"posted_on": today.isoformat()})
    with scope(society=world.society):
        letter = Message.objects.get(recipient=posted)
    assert (letter.status, letter.posted_on) == (Status.POSTED, today)
    entry = audit_entries(world.society)[-1]
    assert (entry.action, entry.data) == ("notice.posted",
                                          {"letters": 1, "posted_on": today.isoformat()})
    page = client.get(url(world, "notice_detail", public_id=notice.public_id)).content.decode()
    assert "Confirm the letters were posted" not in page


def test_a_member_reads_their_notices_in_the_inbox_whatever_the_channel(world, posted, send):
    posted_user = world.users["member"]
    with scope(society=world.society):
        member = world.members["member"]
        member.address, member.postcode = "5 Lane", "ME5 5EE"
        member.save()
    send(world)
    client = world.client("member")
    page = client.get(url(world, "inbox")).content.decode()
    assert "Notice of the AGM" in page and "Waiting to be posted" in page
    with scope(society=world.society):
        mine = Message.objects.get(recipient__user=posted_user)
        theirs = Message.objects.get(recipient=posted)
    detail = client.get(url(world, "inbox_message", public_id=mine.public_id))
    assert detail.status_code == 200 and "The AGM is on 1 May." in detail.content.decode()
    # Another member's notice is not found, not forbidden.
    assert client.get(url(world, "inbox_message", public_id=theirs.public_id)).status_code == 404


def test_a_member_chooses_email_and_consents(world, audit_entries):
    client = world.client("member")
    response = client.post(url(world, "contact_preferences"), {
        "contact_channel": "email", "email": "me@example.test",
        "email_purpose": "Notices and ballots", "electronic_consent": "on",
    })
    assert response.status_code == 302
    with scope(society=world.society):
        member = world.members["member"]
        member.refresh_from_db()
    assert member.contact_channel == ContactChannel.EMAIL and member.electronic_consent
    assert member.electronic_consent_at is not None and member.can_be_emailed
    assert member.email_purpose == "Notices and ballots"
    entry = audit_entries(world.society)[-1]
    assert (entry.actor, entry.action) == (world.users["member"],
                                           "member.contact_preferences_changed")
    assert entry.data["changes"]["email"] == "changed"
    assert "me@example.test" not in str(entry.data)


def test_email_without_consent_is_refused_on_the_form(world):
    response = world.client("member").post(url(world, "contact_preferences"), {
        "contact_channel": "email", "email": "me@example.test", "email_purpose": "x",
    })
    assert response.status_code == 400
    assert "Agree to electronic notices" in response.content.decode()
    with scope(society=world.society):
        member = world.members["member"]
        member.refresh_from_db()
    assert member.contact_channel == ContactChannel.POST


def test_withdrawing_consent_clears_the_consent_time(world):
    client = world.client("member")
    data = {"contact_channel": "email", "email": "me@example.test", "email_purpose": "x",
            "electronic_consent": "on"}
    client.post(url(world, "contact_preferences"), data)
    client.post(url(world, "contact_preferences"),
                {**data, "contact_channel": "post", "electronic_consent": ""})
    with scope(society=world.society):
        member = world.members["member"]
        member.refresh_from_db()
    assert not member.electronic_consent and member.electronic_consent_at is None
    assert not member.can_be_emailed


def test_pages_answer_each_persona(world, emailed, send):
    send(world)
    notice = the_notice(world)
    pages = {
        "inbox": url(world, "inbox"),
        "contact": url(world, "contact_preferences"),
        "notices": url(world, "notices"),
        "new": url(world, "notice_new"),
        "detail": url(world, "notice_detail", public_id=notice.public_id),
    }
    expected = {
        "secretary": {"inbox": 200, "contact": 200, "notices": 200, "new": 200, "detail": 200},
        "auditor": {"inbox": 403, "contact": 403, "notices": 200, "new": 403, "detail": 200},
        "board_member": {"inbox": 200, "contact": 200, "notices": 403, "new": 403,
                         "detail": 403},
        "member": {"inbox": 200, "contact": 200, "notices": 403, "new": 403, "detail": 403},
        "returning_officer": {"inbox": 403, "contact": 403, "notices": 403, "new": 403,
                              "detail": 403},
        "outsider": {"inbox": 404, "contact": 404, "notices": 404, "new": 404, "detail": 404},
    }
    for persona, answers in expected.items():
        client = world.client(persona)
        got = {name: client.get(page).status_code for name, page in pages.items()}
        assert got == answers, persona


def test_the_navigation_links_to_the_inbox_and_the_notices(world):
    html = world.client("secretary").get(url(world, "inbox")).content.decode()
    assert f'href="{url(world, "inbox")}"' in html and f'href="{url(world, "notices")}"' in html
    member_html = world.client("member").get(url(world, "inbox")).content.decode()
    assert f'href="{url(world, "notices")}"' not in member_html


def test_post_channel_members_are_in_the_pack_and_email_ones_are_not(world, emailed, posted, send):
    from notifications.letters import pack_messages

    send(world)
    with scope(society=world.society):
        assert [m.recipient_id for m in pack_messages(the_notice(world))] == [posted.pk]
        assert Message.objects.get(recipient=emailed).channel == Channel.EMAIL


def test_a_refused_email_shows_in_the_record_of_service_with_the_reason(world, refusing_smtp,
                                                                        send):
    add_member(world, 133, "Gone Away", email="bounce@example.test")
    send(world)
    notice = the_notice(world)
    html = world.client("secretary").get(
        url(world, "notice_detail", public_id=notice.public_id) + "?status=failed"
    ).content.decode()
    assert "Gone Away" in html and "550 5.1.1 No such mailbox here" in html
