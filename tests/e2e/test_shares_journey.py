"""A Baywind investor's shares, in a real browser: the secretary issues shares against a
payment, the member downloads the certificate and asks to withdraw, the secretary records
the board's approval and the payment.

Joining (application and admission) belongs to the membership pages; until the journey can
start there, the member is admitted here the way admission will do it: the Member row and
`shares.services.issue_qualifying_shares()` in one transaction.
"""

import re
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from members.models import Member
from shares import services
from shares.models import Holding, ShareCertificate, WithdrawalRequest
from tests.conftest import build_society, make_user
from tests.e2e.helpers import assert_accessible
from tests.shares.conftest import make_classes

SLUG = "baywind"


def admit(world, user):
    """What admission does (membership app): the member row and the qualifying share."""
    with scope(society=world.society), transaction.atomic():
        member = Member.objects.create(
            society=world.society, member_number=100, user=user, full_name="Jo Investor",
            email=user.email, stakeholder_class=world.classes["Parent"],
            address="2 Windmill Lane\nUlverston", postcode="LA12 7AA",
        )
        services.issue_qualifying_shares(actor=world.users["secretary"], member=member,
                                         on_date=timezone.localdate(), method="card",
                                         reference="application ref. APP-100")
    return member


def status_message(page):
    return page.get_by_role("status")


def test_investor_buys_downloads_a_certificate_and_withdraws(live_server, new_page, sign_in,
                                                             tmp_path):
    world = build_society(SLUG, "Baywind Energy Co-operative")
    with scope(society=world.society):
        make_classes(world.society)
    investor_user = make_user("jo.investor@baywind.test", full_name="Jo Investor")
    member = admit(world, investor_user)
    base = f"{live_server.url}/s/{SLUG}"

    # The secretary finds the new member on the share register and issues 500 shares.
    secretary = sign_in(new_page(), world.users["secretary"])
    secretary.goto(f"{base}/")
    secretary.get_by_role("navigation", name="Baywind Energy Co-operative").get_by_role(
        "link", name="Shares", exact=True).click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Shares held as at "))
    assert_accessible(secretary)
    secretary.get_by_label("Member number").fill("100")
    secretary.get_by_role("button", name="Open the member's shares").click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text(
        "Shares of Jo Investor (no. 100)")
    assert_accessible(secretary)
    secretary.get_by_role("link", name="Issue shares").click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text(
        "Issue shares: Jo Investor (no. 100)")
    assert_accessible(secretary)
    secretary.get_by_label("Share class").select_option(label="Investor")
    secretary.get_by_label("Number of shares").fill("500")
    secretary.get_by_label("Amount paid (£)").fill("500.00")
    secretary.get_by_label("How it was paid").select_option(label="Bank transfer")
    secretary.get_by_label("Payment reference").fill("BACS JO500")
    secretary.get_by_role("button", name="Issue shares").click()
    expect(status_message(secretary)).to_contain_text(
        "500 Investor shares issued to Jo Investor: certificate no. 2.")
    assert_accessible(secretary)

    # The member sees the shares and downloads the certificate.
    page = sign_in(new_page(), investor_user)
    page.goto(f"{base}/")
    page.get_by_role("navigation", name="Baywind Energy Co-operative").get_by_role(
        "link", name="My shares").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My shares")
    holdings = page.get_by_role("table", name="Your shares by class")
    expect(holdings).to_contain_text("Investor")
    expect(holdings).to_contain_text("£500.00")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Certificate 2 (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "share-certificate-2.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    # Later, the member asks to withdraw half; 90 days' notice.
    page.get_by_role("link", name="Ask to withdraw shares").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask to withdraw shares")
    earliest = timezone.localdate() + timedelta(days=90)
    expect(page.get_by_role("table", name="If you ask today")).to_contain_text(
        f"{earliest.day} {earliest:%B %Y}")
    assert_accessible(page)
    page.get_by_label("Share class").select_option(label="Investor")
    page.get_by_label("Number of shares to withdraw").fill("250")
    page.get_by_role("button", name="Ask to withdraw").click()
    expect(status_message(page)).to_contain_text(
        f"It can be paid from {earliest.day} {earliest:%B %Y}.")
    assert_accessible(page)

    # Ninety days pass (the request is moved back in time rather than the clock forward).
    with scope(society=world.society):
        served = timezone.localdate() - timedelta(days=91)
        WithdrawalRequest.objects.filter(member=member).update(
            requested_on=served, earliest_payable_on=served + timedelta(days=90))

    # The secretary records the board's approval, then the payment.
    secretary.goto(f"{base}/shares/register/")
    secretary.get_by_role("navigation", name="Share records").get_by_role(
        "link", name="Withdrawals").click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text("Withdrawals")
    assert_accessible(secretary)
    secretary.get_by_role("link", name="Jo Investor (no. 100)").click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text(
        "Withdrawal of 250 Investor shares")
    assert_accessible(secretary)
    approval = secretary.get_by_role("region", name="Record the board's approval")
    approval.get_by_label("Decision reference (e.g. minute number)").fill("Board minute 2026/41")
    approval.get_by_role("button", name="Record approval").click()
    expect(status_message(secretary)).to_contain_text("The board's approval is recorded.")
    assert_accessible(secretary)
    payment = secretary.get_by_role("region", name="Record the payment")
    payment.get_by_label("How it was paid").select_option(label="Bank transfer")
    payment.get_by_label("Payment reference").fill("BACS OUT 250")
    payment.get_by_role("button", name="Record payment").click()
    expect(status_message(secretary)).to_contain_text("The payment is recorded")
    expect(secretary.get_by_text(re.compile(r"^Paid \(Board minute 2026/41"))).to_be_visible()
    assert_accessible(secretary)

    # The member sees what is left and the replacement certificate.
    page.goto(f"{base}/shares/")
    expect(page.get_by_role("table", name="Your shares by class")).to_contain_text("£250.00")
    certificates = page.get_by_role("table", name="Your share certificates, newest first")
    expect(certificates).to_contain_text("Cancelled")
    expect(page.get_by_role("link", name="Certificate 3 (PDF)")).to_be_visible()
    assert_accessible(page)

    # The pages need no JavaScript: the new certificate downloads with it switched off.
    plain = sign_in(new_page(java_script_enabled=False), investor_user)
    plain.goto(f"{base}/shares/")
    with plain.expect_download() as download_info:
        plain.get_by_role("link", name="Certificate 3 (PDF)").click()
    assert download_info.value.suggested_filename == "share-certificate-3.pdf"
    with scope(society=world.society):
        assert Holding.objects.get(member=member, share_class__name="Investor").shares == 250
        assert ShareCertificate.objects.get(number=3).shares == 250
        member.refresh_from_db()
        assert member.is_active  # the qualifying share is still held
