"""A visitor who is not signed in finds the society's public page, reads its rules, joins
(agreeing to that version of the rules) and is told how to pay, on the page and by email; and
a member asks to inspect the register, which the secretary grants."""

from datetime import date

from django.core import mail
from django_scopes import scope
from playwright.sync_api import expect

from members.models import Application, Member
from societies import services
from societies.demo import make_pdf
from societies.models import DocumentKind
from tests.conftest import build_society
from tests.e2e.helpers import apply_by_email, assert_accessible
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
    apply_by_email(page, name="Mary Seacole", address="14 Cambridge Street\nLondon",
                   postcode="sw1v 4qj", born="1985-11-23", email=APPLICANT)

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


def test_a_member_asks_to_inspect_the_register_and_the_secretary_grants_it(
        live_server, new_page, sign_in):
    world = set_up_society()
    with scope(society=world.society):
        Member.objects.filter(society=world.society).update(address="3 Lock Lane\nRiverside")
    base = f"{live_server.url}/s/riverside"

    member = sign_in(new_page(), world.users["member"])
    member.goto(f"{base}/")
    member.get_by_role("navigation", name=world.society.name).get_by_role(
        "link", name="Duplicate register").click()
    expect(member.get_by_role("heading", level=1)).to_have_text(
        "Inspecting the register of members")
    expect(member.get_by_text("3 Lock Lane")).to_have_count(0)
    assert_accessible(member)
    member.get_by_label("Anything the secretary should know").fill("To propose a resolution")
    member.get_by_role("button", name="Ask to inspect the register").click()
    expect(member.get_by_role("status")).to_contain_text("Your request is with the secretary")

    secretary = sign_in(new_page(), world.users["secretary"])
    secretary.goto(f"{base}/settings/public/")
    expect(secretary.get_by_role("heading", level=1)).to_have_text("Public page and joining")
    assert_accessible(secretary)
    secretary.goto(f"{base}/members/register/")
    secretary.get_by_role("link", name="Inspection requests and access log").click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text("Inspection of the register")
    expect(secretary.get_by_text("They wrote: To propose a resolution")).to_be_visible()
    assert_accessible(secretary)
    secretary.get_by_role("button", name="Grant Member online inspection").click()
    expect(secretary.get_by_role("status")).to_contain_text("may inspect the register online")
    expect(secretary.get_by_text("(open now)")).to_be_visible()

    member.reload()
    expect(member.get_by_role("heading", level=1)).to_have_text("Duplicate register of members")
    expect(member.get_by_text("3 Lock Lane").first).to_be_visible()
    assert_accessible(member)
    secretary.reload()
    expect(secretary.get_by_role("cell", name="Viewed the duplicate register").first
           ).to_contain_text("under an inspection granted until")
