"""The membership pages for each persona: applying, admitting, the three registers, exports."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from members import services
from members.models import Application, ApplicationStatus, Member
from societies.models import AuditEntry
from tests.pdf import read_pdf

ADDRESS_LINE = "42 Lighthouse Lane"
POSTCODE = "CT9 5ZZ"


def url(world, name, **kwargs):
    return reverse(f"members:{name}", kwargs={"society_slug": world.society.slug, **kwargs})


@pytest.fixture
def addressed(world):
    """Every member has a private address, email and date of birth."""
    with scope(society=world.society):
        for number, member in enumerate(Member.objects.all()):
            member.address = f"{ADDRESS_LINE} {number}\nMargate"
            member.postcode = POSTCODE
            member.date_of_birth = date(1980, 1, 2)
            member.save()
    return world


def test_anyone_can_apply_and_gets_a_reference(world, django_capture_on_commit_callbacks):
    client = world.client("anonymous")
    page = client.get(url(world, "apply"))
    assert page.status_code == 200 and b"Apply to join" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(world, "apply"), {
            "stakeholder_class": world.classes["Staff"].pk, "full_name": "Ada Lovelace",
            "address": "1 Engine Row\nLondon", "postcode": "n1 9gu", "date_of_birth": "1990-12-10",
            "email": "ada@example.org", "contact_channel": "email", "electronic_consent": "on",
            "agree_rules": "on",
        })
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    with scope(society=world.society):
        application = Application.objects.get()
    assert application.reference in thanks.content.decode()
    assert mail.outbox[0].to == ["ada@example.org"]


def test_the_application_form_explains_what_is_wrong(world):
    response = world.client("anonymous").post(url(world, "apply"), {
        "stakeholder_class": world.classes["Staff"].pk, "full_name": "Too Young",
        "address": "1 Road", "date_of_birth": timezone.localdate().replace(year=2020).isoformat(),
        "contact_channel": "email",
    })
    assert response.status_code == 400
    text = response.content.decode()
    assert "must be at least 16" in text
    assert "Give an email address" in text
    assert "This field is required" in text  # the rules must be agreed to
    with scope(society=world.society):
        assert not Application.objects.exists()


def test_the_secretary_enters_a_paper_application_without_email(world):
    response = world.client("secretary").post(url(world, "apply"), {
        "stakeholder_class": world.classes["Parent"].pk, "full_name": "No Email",
        "address": "3 Post Lane", "date_of_birth": "1950-01-01", "contact_channel": "post",
        "agree_rules": "on",
    })
    assert response.status_code == 302
    with scope(society=world.society):
        application = Application.objects.get()
    assert application.entered_by == world.users["secretary"] and application.user is None


def test_the_secretary_admits_from_the_applications_page(world):
    with scope(society=world.society):
        application = services.submit_application(
            actor=None, society=world.society,
            values={"stakeholder_class": world.classes["Parent"], "full_name": "Alan Turing",
                    "address": "Bletchley", "date_of_birth": date(1980, 6, 23),
                    "contact_channel": "post"})
    client = world.client("secretary")
    listing = client.get(url(world, "applications"))
    assert "Alan Turing" in listing.content.decode()
    detail = client.get(url(world, "application", public_id=application.public_id))
    assert detail.status_code == 200
    response = client.post(url(world, "application_admit", public_id=application.public_id), {
        "admit-decided_on": timezone.localdate().isoformat(),
        "admit-decision_reference": "Board 4",
    })
    assert response.status_code == 302
    record = client.get(response["Location"])
    assert "Alan Turing" in record.content.decode() and "Board 4" in record.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ADMITTED


def test_a_future_decision_date_is_refused(world):
    with scope(society=world.society):
        application = services.submit_application(
            actor=None, society=world.society,
            values={"stakeholder_class": world.classes["Parent"], "full_name": "Later",
                    "address": "x", "date_of_birth": date(1980, 6, 23), "contact_channel": "post"})
    response = world.client("secretary").post(
        url(world, "application_admit", public_id=application.public_id),
        {"admit-decided_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
         "admit-decision_reference": "x"})
    assert response.status_code == 400 and b"in the future" in response.content


def test_the_trustee_register_has_no_address_anywhere(addressed):
    world = addressed
    response = world.client("board_member").get(url(world, "register"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Member" in html and world.members["member"].full_name in html
    assert ADDRESS_LINE not in html and POSTCODE not in html and "Margate" not in html
    assert "@" not in html.split("<main")[1].split("</main>")[0]  # no email addresses
    assert "1980" not in html  # no dates of birth
    # A postcode search cannot reveal where members live either.
    searched = world.client("board_member").get(url(world, "register"), {"q": POSTCODE})
    assert "No members match." in searched.content.decode()


def test_the_full_register_shows_every_field_and_is_audited(addressed):
    world = addressed
    response = world.client("auditor").get(url(world, "register"), {"status": "all"})
    html = response.content.decode()
    assert ADDRESS_LINE in html and POSTCODE in html and "member@millmead.test" in html
    assert "Shares held" in html and "Amount paid" in html
    with scope(society=world.society):
        entry = AuditEntry.objects.filter(action="register.viewed").get()
    assert entry.actor == world.users["auditor"]
    assert entry.data["view"] == "full" and entry.data["status"] == "all"


def test_the_duplicate_register_has_addresses_but_no_holdings_or_contacts(addressed):
    world = addressed
    world.society.register_online_inspection = True
    world.society.save(update_fields=["register_online_inspection"])
    html = world.client("member").get(url(world, "register_duplicate")).content.decode()
    html = html[html.index("<main"):]  # the menu's "Shares" group is not the register's
    assert ADDRESS_LINE in html
    assert "Shares" not in html and "member@millmead.test" not in html and "1980" not in html


@pytest.mark.parametrize("persona,status", [
    ("secretary", 200), ("auditor", 200), ("board_member", 200), ("member", 403),
    ("returning_officer", 403), ("outsider", 404),
])
def test_who_may_open_the_register(world, persona, status):
    assert world.client(persona).get(url(world, "register")).status_code == status


@pytest.mark.parametrize("persona,status", [
    ("secretary", 200), ("auditor", 200), ("board_member", 403), ("member", 403),
])
def test_who_may_export(world, persona, status):
    assert world.client(persona).get(
        url(world, "register_export", kind="full", fmt="csv")).status_code == status


def test_the_csv_export_streams_the_register_and_is_audited(addressed):
    world = addressed
    response = world.client("secretary").get(
        url(world, "register_export", kind="full", fmt="csv"), {"status": "all"})
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["member_number", "full_name", "address"]
    assert len(rows) == 4
    assert rows[1][2].startswith(ADDRESS_LINE) and rows[1][3] == POSTCODE
    with scope(society=world.society):
        entry = AuditEntry.objects.get(action="register.exported")
    assert entry.data["format"] == "csv" and entry.data["register"] == "full"


def test_the_duplicate_export_has_no_holdings_or_emails(addressed):
    world = addressed
    response = world.client("auditor").get(
        url(world, "register_export", kind="duplicate", fmt="csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "shares" not in text and "@" not in text and ADDRESS_LINE in text


def test_the_xlsx_export_opens_as_a_workbook(addressed):
    import zipfile

    world = addressed
    response = world.client("secretary").get(url(world, "register_export", kind="full",
                                                 fmt="xlsx"))
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in \
            book.namelist() else sheet
    assert ADDRESS_LINE in strings or ADDRESS_LINE in sheet


def test_the_pdf_shows_the_as_at_date_on_every_page(addressed):
    world = addressed
    with scope(society=world.society):
        for n in range(200):
            Member.objects.create(society=world.society, member_number=100 + n,
                                  full_name=f"Printed Member {n}", address="1 Long Road\nTown",
                                  stakeholder_class=world.classes["Staff"],
                                  admitted_on=date(2020, 1, 1))
    client = world.client("secretary")
    response = client.get(url(world, "register_export", kind="full", fmt="pdf"),
                          {"as_at": "2024-03-31"})
    assert response["Content-Type"] == "application/pdf"
    register = read_pdf(response.content)
    # '£' needs a Unicode font, embedded so the printout looks the same everywhere.
    assert any(font.startswith("DejaVuSans") for font in register.pages[0].embedded_fonts)
    assert len(register) >= 3
    for number, page in enumerate(register.pages, start=1):
        assert f"As at 31 March 2024, page {number} of {len(register)}" in page.text
    assert "Register of members as at 31 March 2024" in register.pages[0].text
    assert "Paid (£)" in register.pages[0].text
    assert "Printed Member 199" in register.pages[-1].text


def test_a_member_sees_and_edits_their_own_record(world):
    client = world.client("member")
    page = client.get(url(world, "my_record"))
    assert page.status_code == 200 and b"Member number" in page.content
    response = client.post(url(world, "my_record_edit"), {
        "address": "9 New Street\nMargate", "postcode": "ct9 2bb", "email": "member@millmead.test",
        "contact_channel": "post"})
    assert response.status_code == 302
    page = client.get(url(world, "my_record"))
    assert b"9 New Street" in page.content and b"CT9 2BB" in page.content
    assert b"Changes to the record" in page.content


def test_register_as_at_an_earlier_date_shows_the_old_address(world):
    with scope(society=world.society):
        member = Member.objects.create(society=world.society, member_number=40,
                                       full_name="Moved Away", address="Old House",
                                       stakeholder_class=world.classes["Staff"],
                                       admitted_on=date(2020, 1, 1))
        services.update_member(actor=None, member=member, values={"address": "New House"})
    client = world.client("secretary")
    earlier = client.get(url(world, "register"), {"as_at": "2021-01-01"}).content.decode()
    now = client.get(url(world, "register")).content.decode()
    assert "Old House" in earlier and "New House" not in earlier
    assert "New House" in now


def test_the_member_record_page_shows_history_and_actions(world):
    member = world.members["member"]
    with scope(society=world.society):
        services.update_member(actor=world.users["secretary"], member=member,
                               values={"full_name": "Renamed Person",
                                       "stakeholder_class": world.classes["Staff"]})
    html = world.client("secretary").get(
        url(world, "member", public_id=member.public_id)).content.decode()
    assert "Renamed Person" in html and "End the membership" in html
    assert "Stakeholder class: Parent → Staff" in html
    assert "Changes to the record" in html and "→" in html
    auditor_html = world.client("auditor").get(
        url(world, "member", public_id=member.public_id)).content.decode()
    assert "End the membership" not in auditor_html


def test_cease_and_readmit_through_the_pages(world):
    member = world.members["member"]
    with scope(society=world.society):
        Member.objects.filter(pk=member.pk).update(admitted_on=date(2020, 1, 1))
    client = world.client("secretary")
    today = timezone.localdate().isoformat()
    response = client.post(url(world, "member_cease", public_id=member.public_id),
                           {"ceased_on": today, "reason": "expelled", "reference": ""})
    assert response.status_code == 400 and b"needs the reference" in response.content
    response = client.post(url(world, "member_cease", public_id=member.public_id),
                           {"ceased_on": today, "reason": "resigned"})
    assert response.status_code == 302
    response = client.post(url(world, "member_readmit", public_id=member.public_id),
                           {"admitted_on": today, "decided_on": today,
                            "decision_reference": "Board 10"})
    assert response.status_code == 302
    with scope(society=world.society):
        assert Member.objects.filter(readmission_of=member).exists()
