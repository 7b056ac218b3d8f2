"""A visitor who is not signed in finds the society's public page, reads its rules, joins
(agreeing to that version of the rules) and is told how to pay, on the page and by email."""

from datetime import date

from django.core import mail
from django_scopes import scope
from playwright.sync_api import expect

from members.models import Application
from societies import services
from societies.demo import make_pdf
from societies.models import DocumentKind
from tests.conftest import build_society
from tests.e2e.helpers import assert_accessible
from tests.shares.conftest import make_classes

APPLICANT = "mary.seacole@example.org"
RULES = make_pdf("Rules of Riverside Housing Co-operative", ["1. Name.", "2. Objects."])


def set_up_society():
    world = build_society("riverside", "Riverside Housing Co-operative")
    secretary = world.users["secretary"]
    with scope(society=world.society):
        make_classes(world.society)
        services.update_society_settings(
            actor=secretary, society=world.society, fields=services.JOINING_FIELDS,
            values={"description": "Homes owned and run by the people who live in them.",
                    "payment_method": "bank_transfer",
                    "payment_account_name": "Riverside Housing Co-op",
                    "payment_sort_code": "20-00-00", "payment_account_number": "55779911",
                    "payment_reference": "RHC {reference}"})
        world.rules = services.upload_society_document(
            actor=secretary, society=world.society, kind=DocumentKind.RULES,
            version_label="Rules 2025", version_date=date(2025, 6, 14), content=RULES)
        services.upload_society_document(
            actor=secretary, society=world.society, kind=DocumentKind.PRIVACY_NOTICE,
            version_label="Privacy notice v2", version_date=date(2025, 7, 1),
            content=make_pdf("Privacy notice", ["We keep your name and address."]))
    return world


def test_a_visitor_finds_the_society_joins_and_is_told_how_to_pay(live_server, page):
    world = set_up_society()
    page.goto(f"{live_server.url}/s/riverside/")

    # The public page: who the society is, its rules, and a way to join.
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Housing Co-operative")
    expect(page.get_by_text("Homes owned and run by the people who live in them.")).to_be_visible()
    assert_accessible(page)
    rules_href = page.get_by_role("link", name="The society's rules").get_attribute("href")
    rules = page.request.get(live_server.url + rules_href)
    assert rules.headers["content-type"] == "application/pdf" and rules.body() == RULES

    # The application form links the same rules, and the applicant agrees to them.
    page.get_by_role("link", name="Join Riverside Housing Co-operative").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Apply to join Riverside Housing Co-operative")
    expect(page.get_by_role("link", name="Read the rules")).to_have_attribute(
        "href", rules_href)
    assert_accessible(page)
    page.get_by_label("I am applying as").select_option(label="Staff (from age 16)")
    page.get_by_label("Full name").fill("Mary Seacole")
    page.get_by_label("Postal address").fill("14 Cambridge Street\nLondon")
    page.get_by_label("Postcode").fill("sw1v 4qj")
    page.get_by_label("Date of birth").fill("1985-11-23")
    page.get_by_label("Email address").fill(APPLICANT)
    page.get_by_label("How should the society contact you?").select_option("email")
    page.get_by_label("I agree to receive notices and ballots electronically").check()
    page.get_by_label("I agree to be bound by the society's rules").check()
    page.get_by_role("button", name="Send my application").click()

    # The acknowledgement page says how to pay...
    expect(page.get_by_role("heading", level=1)).to_have_text("Application received")
    reference = page.locator(".reference strong").inner_text()
    payment = page.get_by_role("region", name="Paying for your share")
    expect(payment).to_contain_text("Pay it by bank transfer to:")
    expect(payment).to_contain_text("55779911")
    expect(payment).to_contain_text(f"RHC {reference}")
    assert_accessible(page)
    paragraphs = payment.locator("p").all_inner_texts()
    details = [f"{dt}: {dd}" for dt, dd in zip(payment.locator("dt").all_inner_texts(),
                                               payment.locator("dd").all_inner_texts(),
                                               strict=True)]

    # ... and the acknowledgement email says the same.
    [email] = [m for m in mail.outbox if m.to == [APPLICANT]]
    assert reference in email.subject
    for line in [*paragraphs, *details]:
        assert line in email.body, line
    assert len(details) == 4

    with scope(society=world.society):
        application = Application.objects.get(reference=reference)
    assert application.rules_version == world.rules
    assert application.privacy_notice_version.version_label == "Privacy notice v2"
