"""Notices in a real browser: a member chooses email, the secretary sends a notice and reads
the record of service, prints the letters for members who chose post and confirms posting,
and the member reads the notice in their inbox. Every page passes axe-core."""

import re
from pathlib import Path

from django.core import mail
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from members.models import ContactChannel, Member
from tests.conftest import build_society
from tests.e2e.helpers import assert_accessible
from tests.pdf import read_pdf

SUBJECT = "Notice of the annual general meeting"
BODY = "The AGM is on 1 May at 7 pm in the Village Hall.\nShare interest of £2.75 is proposed."


def test_member_chooses_email_secretary_sends_serves_and_posts(live_server, new_page,
                                                               sign_in):
    world = build_society("millmead", "Millmead Children's Centre")
    with scope(society=world.society):
        Member.objects.create(
            society=world.society, member_number=40, full_name="Bert Posted",
            address="Flat 3\n14 Canal Street\nMillmead", postcode="ME2 3BB",
            contact_channel=ContactChannel.POST, stakeholder_class=world.classes["Parent"],
        )
    base = f"{live_server.url}/s/millmead/notifications"

    # 1. The member chooses email and consents, from their inbox.
    member_page = sign_in(new_page(), world.users["member"])
    member_page.goto(f"{live_server.url}/s/millmead/")
    member_page.get_by_role("navigation", name="Millmead Children's Centre").get_by_role(
        "link", name="Inbox").click()
    expect(member_page.get_by_role("heading", level=1)).to_have_text("Inbox")
    expect(member_page.get_by_text("No notices yet.")).to_be_visible()
    assert_accessible(member_page)
    member_page.get_by_role("link", name="Contact preferences").click()
    expect(member_page.get_by_role("heading", level=1)).to_have_text("Contact preferences")
    assert_accessible(member_page)
    member_page.get_by_label("How should the society send you notices?").select_option("email")
    member_page.get_by_label("Email address (optional)").fill("member.new@example.test")
    member_page.get_by_label("I agree to receive notices from the society electronically").check()
    member_page.get_by_role("button", name="Save contact preferences").click()
    expect(member_page.get_by_role("status")).to_contain_text("Contact preferences saved.")
    assert_accessible(member_page)

    # 2. The secretary sends a notice to all members.
    page = sign_in(new_page(), world.users["secretary"])
    page.goto(f"{live_server.url}/s/millmead/")
    page.get_by_role("navigation", name="Millmead Children's Centre").get_by_role(
        "link", name="Notices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notices")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Send a notice").click()
    assert_accessible(page)
    page.get_by_label("Send to").select_option(label="All members")
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Text of the notice").fill(BODY)
    page.get_by_role("button", name="Send the notice").click()

    # 3. The record of service: who was served, how, and what failed.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Record of service: {SUBJECT}")
    expect(page.get_by_role("status")).to_contain_text("Notice sent: 1 by email, 3 by post.")
    assert_accessible(page)
    members_table = page.get_by_role("table", name=re.compile("Members and how each"))
    member_row = members_table.get_by_role("row").filter(has_text="member.new@example.test")
    expect(member_row).to_contain_text("Sent")
    bert_row = members_table.get_by_role("row").filter(has_text="Bert Posted")
    expect(bert_row).to_contain_text("Pending")
    expect(members_table.get_by_role("row").filter(has_text="Secretary")).to_contain_text(
        "No postal address on the register")
    assert [m.to for m in mail.outbox if m.subject == SUBJECT] == [
        ["Member <member.new@example.test>"]]

    # 4. The letter pack: one PDF, one letter for the one member with post and an address.
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"Letter pack \(PDF")).click()
    (letter,) = read_pdf(Path(download.value.path()).read_bytes()).pages
    window = [line.text for line in letter.lines_within(19, 22, 50, 90)]
    assert window[1:] == ["Bert Posted", "Flat 3", "14 Canal Street", "Millmead", "ME2 3BB"]
    assert SUBJECT in letter.text

    # 5. Confirming the posting date marks the letters served.
    today = timezone.localdate()
    expect(page.get_by_label("Posted on")).to_have_value(today.isoformat())
    page.get_by_role("button", name="Confirm the letters were posted").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"1 letter marked as posted on {today.day} {today:%B %Y}.")
    expect(page.get_by_role("table", name=re.compile("Members and how each")).get_by_role(
        "row").filter(has_text="Bert Posted")).to_contain_text("Posted")
    assert_accessible(page)

    # 6. The member reads it in their inbox.
    member_page.goto(f"{base}/inbox/")
    row = member_page.get_by_role("row").filter(has_text=SUBJECT)
    expect(row).to_contain_text("Emailed")
    assert_accessible(member_page)
    row.get_by_role("link", name=SUBJECT).click()
    expect(member_page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    expect(member_page.get_by_text("The AGM is on 1 May at 7 pm")).to_be_visible()
    assert_accessible(member_page)


def test_the_notices_pages_work_without_javascript(live_server, new_page, sign_in):
    world = build_society("millmead", "Millmead Children's Centre")
    page = sign_in(new_page(java_script_enabled=False), world.users["secretary"])
    page.goto(f"{live_server.url}/s/millmead/notifications/notices/new/")
    page.get_by_label("Subject").fill("Without JavaScript")
    page.get_by_label("Text of the notice").fill("It still works.")
    page.get_by_role("button", name="Send the notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Record of service: Without JavaScript")
    expect(page.get_by_role("status")).to_contain_text("Notice sent: 0 by email, 3 by post.")
