"""Shares in a real browser, from joining to leaving.

A Baywind investor applies on the public page (told what joining costs), the secretary —
signed in with a password and an authenticator code — admits them recording the payment, so
the qualifying share is issued with a numbered certificate; the member downloads it; the
secretary issues investor shares against a further payment; the member asks to withdraw half
(and sees the earliest payable date from the notice period); the secretary records the
board's approval and the payment; the certificate is cancelled and reissued for the rest.
Then a member withdraws their only share and their membership ends, "shares withdrawn".
"""

import re
from datetime import date, timedelta

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from members.models import Member
from shares import services
from shares.models import (
    Holding,
    InterestRun,
    ShareCertificate,
    SharePayment,
    ShareTransaction,
    WithdrawalRequest,
)
from societies.models import RoleGrant
from societies.permissions import Role
from tests.conftest import build_society, make_user
from tests.e2e.helpers import assert_accessible, current_totp_code
from tests.shares.conftest import make_classes

SLUG = "baywind"
NAME = "Baywind Energy Co-operative"
PASSWORD = "kestrel-turbine-meadow-7"


def status_message(page):
    return page.get_by_role("status")


def day(on) -> str:
    return f"{on.day} {on:%B %Y}"


def secretary_signs_in(live_server, new_page, world):
    """A secretary with an authenticator app signs in: password, then the code."""
    secret = generate_totp_secret()
    user = make_user("sam.secretary@baywind.test", full_name="Sam Secretary",
                     password=PASSWORD)
    with scopes_disabled():
        TOTP.activate(user, secret)
    with scope(society=world.society):
        RoleGrant.objects.create(society=world.society, user=user, role=Role.SECRETARY)
    page = new_page()
    page.goto(f"{live_server.url}/s/{SLUG}/members/applications/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    page.get_by_label("Code").fill(current_totp_code(secret))
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications")
    return page


def apply(page, base):
    page.goto(f"{base}/members/apply/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Apply to join {NAME}")
    expect(page.get_by_role("region", name="Paying for your share")).to_contain_text(
        "Joining costs £1.00")
    assert_accessible(page)
    page.get_by_label("I am applying as").select_option(label="Parent (from age 16)")
    page.get_by_label("Full name").fill("Jo Investor")
    page.get_by_label("Postal address").fill("2 Windmill Lane\nUlverston")
    page.get_by_label("Postcode").fill("la12 7aa")
    page.get_by_label("Date of birth").fill("1979-05-17")
    page.get_by_label("Email address").fill("jo.investor@baywind.test")
    page.get_by_label("How should the society contact you?").select_option("email")
    page.get_by_label("I agree to receive notices and ballots electronically").check()
    page.get_by_label("I agree to be bound by the society's rules").check()
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Application received")
    expect(page.get_by_text(re.compile(r"^Joining costs £1.00: 1 share of £1.00 \(Ordinary\)"))
           ).to_be_visible()
    assert_accessible(page)
    return page.locator(".reference strong").inner_text()


def test_investor_joins_pays_downloads_a_certificate_and_withdraws(live_server, new_page,
                                                                   sign_in, tmp_path):
    world = build_society(SLUG, NAME)
    with scope(society=world.society):
        make_classes(world.society)
    base = f"{live_server.url}/s/{SLUG}"
    today = timezone.localdate()

    # 1. Jo, who has an account, applies and is told what to pay and how to quote it.
    investor_user = make_user("jo.investor@baywind.test", full_name="Jo Investor")
    page = sign_in(new_page(), investor_user)
    reference = apply(page, base)

    # 2. The secretary, signed in with MFA, admits Jo recording the £1 received.
    secretary = secretary_signs_in(live_server, new_page, world)
    assert_accessible(secretary)
    secretary.get_by_role("link", name=reference).click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text(f"Application {reference}")
    assert_accessible(secretary)
    secretary.locator("#id_admit-decision_reference").fill("Board minute 2026/40")
    payment = secretary.get_by_role("group", name="Payment for the qualifying shares")
    expect(payment.get_by_label("Amount paid for the qualifying shares (£)")).to_have_value("1.00")
    payment.get_by_label("How it was paid").select_option(label="Bank transfer")
    payment.get_by_label("Payment reference").fill(f"FPS {reference}")
    # A wrong amount is named and nothing is admitted.
    payment.get_by_label("Amount paid for the qualifying shares (£)").fill("10")
    secretary.get_by_role("button", name="Admit as a member").click()
    expect(secretary.get_by_text("Joining costs £1.00; record the payment for exactly")
           ).to_be_visible()
    assert_accessible(secretary)
    secretary.get_by_label("Amount paid for the qualifying shares (£)").fill("1.00")
    secretary.get_by_role("button", name="Admit as a member").click()
    expect(status_message(secretary)).to_contain_text(
        "Jo Investor is admitted as member number 6.")
    with scope(society=world.society):
        member = Member.objects.get(member_number=6)
        assert member.user == investor_user
        issued = ShareTransaction.objects.get(member=member)
        assert (issued.kind, issued.shares, issued.amount_pence) == ("issue", 1, 100)
        assert (issued.payment.method, issued.payment.reference) == (
            "bank_transfer", f"FPS {reference}")

    # 3. Jo sees the qualifying share and downloads its certificate (no. 1).
    page.goto(f"{base}/")
    page.get_by_role("navigation", name=NAME).get_by_role("link", name="My shares").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My shares")
    expect(page.get_by_role("table", name="Your shares by class")).to_contain_text("Ordinary")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Certificate 1 (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "share-certificate-1.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    # 4. Jo pays for 500 investor shares; the secretary issues them recording the payment.
    secretary.goto(f"{base}/")
    secretary.get_by_role("navigation", name=NAME).get_by_role(
        "link", name="Share register", exact=True).click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Shares held as at "))
    assert_accessible(secretary)
    secretary.get_by_label("Member number", exact=True).fill("6")
    secretary.get_by_role("button", name="Open the member's shares").click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text(
        "Shares of Jo Investor (no. 6)")
    assert_accessible(secretary)
    secretary.get_by_role("link", name="Issue shares").click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text(
        "Issue shares: Jo Investor (no. 6)")
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

    # 5. Later, Jo asks to withdraw half; 90 days' notice.
    page.goto(f"{base}/shares/")
    expect(page.get_by_role("table", name="Your shares by class")).to_contain_text("£500.00")
    page.get_by_role("link", name="Ask to withdraw shares").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask to withdraw shares")
    earliest = today + timedelta(days=90)
    expect(page.get_by_role("table", name="If you ask today")).to_contain_text(day(earliest))
    assert_accessible(page)
    page.get_by_label("Share class").select_option(label="Investor")
    page.get_by_label("Number of shares to withdraw").fill("250")
    page.get_by_role("button", name="Ask to withdraw").click()
    expect(status_message(page)).to_contain_text(f"It can be paid from {day(earliest)}.")
    assert_accessible(page)

    # Ninety days pass (the request is moved back in time rather than the clock forward).
    with scope(society=world.society):
        served = today - timedelta(days=91)
        WithdrawalRequest.objects.filter(member=member).update(
            requested_on=served, earliest_payable_on=served + timedelta(days=90))

    # 6. The secretary records the board's approval, then the payment.
    secretary.goto(f"{base}/shares/register/")
    secretary.get_by_role("navigation", name="Share records").get_by_role(
        "link", name="Withdrawals").click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text("Withdrawals")
    assert_accessible(secretary)
    secretary.get_by_role("link", name="Jo Investor (no. 6)").click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text(
        "Withdrawal of 250 Investor shares")
    assert_accessible(secretary)
    approval = secretary.get_by_role("region", name="Record the board's approval")
    approval.get_by_label("Decision reference (e.g. minute number)").fill("Board minute 2026/41")
    approval.get_by_role("button", name="Record approval").click()
    expect(status_message(secretary)).to_contain_text("The board's approval is recorded.")
    assert_accessible(secretary)
    paying = secretary.get_by_role("region", name="Record the payment")
    paying.get_by_label("How it was paid").select_option(label="Bank transfer")
    paying.get_by_label("Payment reference").fill("BACS OUT 250")
    paying.get_by_role("button", name="Record payment").click()
    expect(status_message(secretary)).to_contain_text("The payment is recorded")
    expect(secretary.get_by_text(re.compile(r"^Paid \(Board minute 2026/41"))).to_be_visible()
    assert_accessible(secretary)

    # 7. Jo sees what is left: certificate 2 cancelled, certificate 3 for the 250 left.
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
        assert ShareCertificate.objects.get(number=2).cancelled_on == today
        assert ShareCertificate.objects.get(number=3).shares == 250
        paid_out = SharePayment.objects.get(member=member, direction="paid")
        assert (paid_out.amount_pence, paid_out.reference) == (25000, "BACS OUT 250")
        member.refresh_from_db()
        assert member.is_active  # the qualifying share is still held


def test_withdrawing_the_only_share_ends_the_membership(live_server, new_page, sign_in):
    world = build_society(SLUG, NAME)
    with scope(society=world.society):
        ordinary, _investor = make_classes(world.society)
        leaver = world.members["member"]
        Member.objects.filter(pk=leaver.pk).update(admitted_on=timezone.localdate()
                                                   - timedelta(days=400))
    with scope(society=world.society):
        leaver.refresh_from_db()
        services.issue_shares(actor=None, member=leaver, share_class=ordinary, shares=1,
                              amount_pence=100, paid_on=leaver.admitted_on, method="cash",
                              reference="on joining")
    base = f"{live_server.url}/s/{SLUG}"

    page = sign_in(new_page(), world.users["member"])
    page.goto(f"{base}/shares/withdraw/")
    expect(page.get_by_text("Withdrawing your Ordinary shares below 1 ends your membership.")
           ).to_be_visible()
    page.get_by_label("Number of shares to withdraw").fill("1")
    page.get_by_role("button", name="Ask to withdraw").click()
    expect(status_message(page)).to_contain_text("When it is paid, your membership ends.")
    assert_accessible(page)

    secretary = secretary_signs_in(live_server, new_page, world)
    secretary.goto(f"{base}/shares/withdrawals/")
    secretary.get_by_role("link", name=re.compile(r"^Member \(no\. 5\)")).click()
    expect(secretary.get_by_text("Ends when paid")).to_be_visible()
    approval = secretary.get_by_role("region", name="Record the board's approval")
    approval.get_by_label("Decision reference (e.g. minute number)").fill("Board 2026/42")
    approval.get_by_role("button", name="Record approval").click()
    paying = secretary.get_by_role("region", name="Record the payment")
    paying.get_by_label("How it was paid").select_option(label="Cash")
    paying.get_by_label("Payment reference").fill("receipt 77")
    paying.get_by_role("button", name="Record payment").click()
    expect(status_message(secretary)).to_contain_text("The payment is recorded")
    assert_accessible(secretary)

    secretary.goto(f"{base}/members/{leaver.public_id}/")
    expect(secretary.get_by_text(re.compile(r"— Shares withdrawn"))).to_be_visible()
    with scope(society=world.society):
        leaver.refresh_from_db()
        assert (leaver.ceased_on, leaver.cessation_reason) == (timezone.localdate(),
                                                               "shares_withdrawn")
        assert not Holding.objects.filter(member=leaver, shares__gt=0).exists()


def test_every_share_page_passes_the_accessibility_check(live_server, new_page, sign_in):
    """axe on each share page as the person who uses it, with real records behind it."""
    world = build_society(SLUG, NAME)
    with scope(society=world.society):
        _ordinary, investor = make_classes(world.society)
        member = world.members["member"]
        Member.objects.filter(society=world.society).update(admitted_on=date(2020, 1, 6))
        member.refresh_from_db()
        services.issue_shares(actor=None, member=member, share_class=investor, shares=500,
                              amount_pence=50_000, paid_on=date(2022, 1, 4), method="cash")
        services.record_nomination(actor=None, member=member, nominee_name="Sam Heir",
                                   nominee_address="1 Lane", percentage=100)
        withdrawal = services.request_withdrawal(actor=None, member=member,
                                                 share_class=investor, shares=250)
        end = services.financial_year_ending(world.society, date(2023, 3, 31))
        run = InterestRun.objects.create(society=world.society, period_start=end[0],
                                         year_end=end[1], rates={str(investor.pk): "5.5"})
        services.compute_interest_run(actor=None, run=run)
        entry = ShareTransaction.objects.filter(member=member).first()
    base = f"{live_server.url}/s/{SLUG}/shares"
    secretary = sign_in(new_page(), world.users["secretary"])
    for path in [
        "/classes/",
        "/classes/new/",
        f"/classes/{investor.public_id}/",
        "/ledger/",
        f"/ledger/{entry.public_id}/reverse/",
        "/nominations/",
        "/interest/",
        f"/interest/{run.public_id}/",
        f"/interest/{run.public_id}/members/{member.public_id}/",
        "/year-end/",
        f"/members/{member.public_id}/transfer/",
        f"/members/{member.public_id}/convert/",
        f"/members/{member.public_id}/forfeit/",
        f"/members/{member.public_id}/death/",
        f"/members/{member.public_id}/nominations/new/",
        f"/withdrawals/{withdrawal.public_id}/",
    ]:
        response = secretary.goto(base + path)
        assert response.status == 200, path
        assert_accessible(secretary)
    page = sign_in(new_page(), world.users["member"])
    for path in ["/", "/withdraw/", "/nominations/new/", f"/statements/{run.public_id}/"]:
        response = page.goto(base + path)
        assert response.status == 200, path
        assert_accessible(page)
    board = sign_in(new_page(), world.users["board_member"])
    board.goto(base + "/year-end/")
    assert_accessible(board)
