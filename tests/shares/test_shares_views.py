"""Share pages as each persona sees them, with real objects behind every address."""

import re
from datetime import date

import pytest
from django.urls import reverse
from django_scopes import scope

from shares import services
from shares.models import (
    InterestRun,
    ShareCertificate,
    ShareClass,
    ShareTransaction,
    WithdrawalRequest,
    WithdrawalStatus,
)

D = date
PERSONAS = ["secretary", "returning_officer", "auditor", "board_member", "member"]
# Who may open a page needing each permission (the auditor and the returning officer are not
# members; the returning officer has no share permission at all).
ALLOWED = {
    "shares:view_own": {"secretary", "board_member", "member"},
    "shares:view_ledger": {"secretary", "auditor"},
    "shares:manage": {"secretary"},
    "shares:year_end": {"secretary", "auditor", "board_member"},
}


@pytest.fixture
def objects(shares_world, django_capture_on_commit_callbacks):
    """One of everything, owned by the plain member."""
    sw = shares_world
    member = sw.member()
    sw.issue(member, 1, on=D(2022, 1, 4))
    sw.issue(member, 500, sw.investor, on=D(2022, 1, 4))
    services.record_nomination(actor=None, member=member, nominee_name="Sam Heir",
                               nominee_address="1 Lane", percentage=100)
    withdrawal = services.request_withdrawal(actor=None, member=member,
                                             share_class=sw.investor, shares=250)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_interest_run(actor=None, society=sw.society,
                                          year_end=D(2023, 3, 31))
    return {
        "sw": sw, "member": member.public_id, "withdrawal": withdrawal.public_id,
        "run": run.public_id, "class": sw.investor.public_id,
        "certificate": ShareCertificate.objects.filter(member=member).first().public_id,
        "entry": ShareTransaction.objects.filter(member=member).first().public_id,
    }


PAGES = [
    # (url name, permission, URL arguments taken from `objects`, owner only)
    ("mine", "shares:view_own", {}, False),
    ("withdraw", "shares:view_own", {}, False),
    ("nominate", "shares:view_own", {}, False),
    ("my_certificate", "shares:view_own", {"public_id": "certificate"}, True),
    ("my_statement", "shares:view_own", {"public_id": "run"}, True),
    ("register", "shares:view_ledger", {}, False),
    ("member", "shares:view_ledger", {"public_id": "member"}, False),
    ("certificate", "shares:view_ledger", {"public_id": "certificate"}, False),
    ("ledger", "shares:view_ledger", {}, False),
    ("classes", "shares:view_ledger", {}, False),
    ("withdrawals", "shares:view_ledger", {}, False),
    ("withdrawal", "shares:view_ledger", {"public_id": "withdrawal"}, False),
    ("nominations", "shares:view_ledger", {}, False),
    ("interest", "shares:view_ledger", {}, False),
    ("interest_run", "shares:view_ledger", {"public_id": "run"}, False),
    ("interest_csv", "shares:view_ledger", {"public_id": "run"}, False),
    ("interest_statement", "shares:view_ledger", {"public_id": "run", "member_id": "member"},
     False),
    ("issue", "shares:manage", {"public_id": "member"}, False),
    ("transfer", "shares:manage", {"public_id": "member"}, False),
    ("convert", "shares:manage", {"public_id": "member"}, False),
    ("forfeit", "shares:manage", {"public_id": "member"}, False),
    ("death", "shares:manage", {"public_id": "member"}, False),
    ("nominate_for", "shares:manage", {"public_id": "member"}, False),
    ("reverse", "shares:manage", {"public_id": "entry"}, False),
    ("class_add", "shares:manage", {}, False),
    ("class_edit", "shares:manage", {"public_id": "class"}, False),
    ("year_end", "shares:year_end", {}, False),
]


def page_url(objects, name, args, slug="millmead"):
    return reverse(f"shares:{name}", kwargs={"society_slug": slug,
                                             **{k: objects[v] for k, v in args.items()}})


def expected_status(persona, permission, owner_only):
    if persona not in ALLOWED[permission]:
        return 403
    if owner_only and persona != "member":
        return 404  # another member's certificate or statement looks missing
    return 200


@pytest.mark.parametrize("name,permission,args,owner_only", PAGES, ids=[p[0] for p in PAGES])
def test_every_share_page_for_every_persona(objects, name, permission, args, owner_only):
    world = objects["sw"].world
    url = page_url(objects, name, args)
    for persona in PERSONAS:
        response = world.client(persona).get(url)
        assert response.status_code == expected_status(persona, permission, owner_only), (
            persona, url)
    assert world.client("outsider").get(url).status_code == 404
    assert world.client("anonymous").get(url).status_code == 302


def test_officer_pages_name_the_member_and_share_columns(objects):
    world = objects["sw"].world
    page = world.client("auditor").get(page_url(objects, "register", {})).content.decode()
    assert "Investor shares" in page and "Ordinary shares" in page
    assert re.search(r"Member</a></td>\s*<td>500</td>\s*<td>1</td>\s*<td>£501.00</td>", page)


# Issue with payment


def test_secretary_issues_shares_recording_the_payment(objects):
    sw = objects["sw"]
    url = page_url(objects, "issue", {"public_id": "member"})
    response = sw.world.client("secretary").post(url, {
        "share_class": sw.investor.pk, "shares": "100", "amount": "£100.00",
        "paid_on": "2024-05-01", "method": "bank_transfer", "reference": "BACS 12",
    }, follow=True)
    assert response.redirect_chain[-1][0] == page_url(objects, "member", {"public_id": "member"})
    assert "100 Investor shares issued to Member: certificate no. 3." in \
        response.content.decode()
    entry = ShareTransaction.objects.latest("id")
    assert (entry.shares, entry.payment.amount_pence, entry.payment.reference) == (
        100, 10_000, "BACS 12")


def test_an_issue_with_the_wrong_amount_is_shown_back_to_the_secretary(objects):
    sw = objects["sw"]
    before = ShareTransaction.objects.count()
    response = sw.world.client("secretary").post(
        page_url(objects, "issue", {"public_id": "member"}), {
            "share_class": sw.investor.pk, "shares": "100", "amount": "10",
            "paid_on": "2024-05-01", "method": "cash"})
    assert response.status_code == 400
    assert "cost £100.00; the payment recorded is £10.00" in response.content.decode()
    assert ShareTransaction.objects.count() == before


# A member's own pages


def test_a_member_downloads_their_certificate_but_no_one_elses(objects):
    sw = objects["sw"]
    response = sw.world.client("member").get(page_url(objects, "my_certificate",
                                                      {"public_id": "certificate"}))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")
    other = sw.issue(sw.member("board_member"), 1).certificates.get()
    url = reverse("shares:my_certificate", kwargs={"society_slug": "millmead",
                                                   "public_id": other.public_id})
    assert sw.world.client("member").get(url).status_code == 404


def test_a_member_asks_to_withdraw_and_is_told_when_it_can_be_paid(objects):
    sw = objects["sw"]
    client = sw.world.client("member")
    page = client.get(page_url(objects, "withdraw", {})).content.decode()
    assert "Earliest payable date" in page
    assert "ask to withdraw all your other shares first" in page
    refused = client.post(page_url(objects, "withdraw", {}),
                          {"share_class": sw.investor.pk, "shares": "100"})
    assert refused.status_code == 400
    assert "You must keep at least 250 Investor shares, or withdraw all 250." in \
        refused.content.decode()
    # Leaving while 250 investor shares are not yet asked for is refused, naming them.
    leaving = {"share_class": sw.ordinary.pk, "shares": "1"}
    refused = client.post(page_url(objects, "withdraw", {}), leaving)
    assert refused.status_code == 400
    assert "first ask to withdraw all 500 Investor shares too" in refused.content.decode()
    client.post(page_url(objects, "withdraw", {}), {"share_class": sw.investor.pk,
                                                     "shares": "250"})
    response = client.post(page_url(objects, "withdraw", {}), leaving, follow=True)
    text = response.content.decode()
    assert "Your request to withdraw 1 Ordinary shares is with the board." in text
    assert "When it is paid, your membership ends." in text


def test_the_secretary_approves_and_pays_a_withdrawal_through_the_pages(objects):
    sw = objects["sw"]
    client = sw.world.client("secretary")
    detail = page_url(objects, "withdrawal", {"public_id": "withdrawal"})
    approve = page_url(objects, "withdrawal_approve", {"public_id": "withdrawal"})
    pay = page_url(objects, "withdrawal_pay", {"public_id": "withdrawal"})
    early = client.post(approve, {"approve-decided_on": "2024-01-10",
                                  "approve-decision_reference": "B/2024/3"})
    assert early.status_code == 302
    too_soon = client.post(pay, {"pay-paid_on": "2024-01-11", "pay-method": "cheque"})
    assert too_soon.status_code == 400
    assert "cannot be paid before" in too_soon.content.decode()
    WithdrawalRequest.objects.filter(public_id=objects["withdrawal"]).update(
        requested_on=D(2023, 1, 2), earliest_payable_on=D(2023, 4, 2))  # notice long given
    response = client.post(pay, {"pay-paid_on": "2024-01-11", "pay-method": "cheque",
                                 "pay-reference": "chq 100"}, follow=True)
    assert response.redirect_chain[-1][0] == detail
    assert "The payment is recorded" in response.content.decode()
    assert WithdrawalRequest.objects.get(public_id=objects["withdrawal"]).status == \
        WithdrawalStatus.PAID


def test_a_member_chooses_to_reinvest_interest(objects):
    sw = objects["sw"]
    response = sw.world.client("member").post(page_url(objects, "reinvest", {}),
                                              {"reinvest": "on"}, follow=True)
    assert "will be reinvested" in response.content.decode()
    assert sw.member().share_account.reinvest_interest


def test_a_member_reads_their_interest_statement(objects):
    sw = objects["sw"]
    page = sw.world.client("member").get(page_url(objects, "my_statement",
                                                  {"public_id": "run"})).content.decode()
    # £500 all year at 5.5% in the year to 31 March 2023 (365 days): £27.50.
    assert "£27.50" in page and "365 days" in page


# Share interest pages


def test_secretary_runs_and_posts_interest_and_downloads_the_csv(
        shares_world, django_capture_on_commit_callbacks):
    sw = shares_world
    sw.issue(sw.member(), 1000, sw.investor, on=D(2022, 1, 4))
    client = sw.world.client("secretary")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("shares:interest_start",
                                       kwargs={"society_slug": "millmead"}),
                               {"year_end": "2023-03-31"})
    run = InterestRun.objects.get()
    assert response["Location"].endswith(f"/interest/{run.public_id}/")
    assert "Computed, not posted" in client.get(response["Location"]).content.decode()
    csv_url = reverse("shares:interest_csv", kwargs={"society_slug": "millmead",
                                                     "public_id": run.public_id})
    rows = b"".join(client.get(csv_url).streaming_content).decode().splitlines()
    assert rows[0].startswith("member_number,name,share_class,interest_gross")
    assert rows[1] == "5,Member,Investor,55.00,0,0.00,55.00,draft"
    with django_capture_on_commit_callbacks(execute=True):  # the worker posts it
        posted = client.post(reverse("shares:interest_post", kwargs={
            "society_slug": "millmead", "public_id": run.public_id}))
    page = client.get(posted["Location"]).content.decode()
    assert "Share interest is being posted" in page
    assert re.search(r"<dd>Posted on \d+ \w+ \d{4} \(reinvested shares dated", page)
    again = client.post(reverse("shares:interest_start", kwargs={"society_slug": "millmead"}),
                        {"year_end": "2023-03-31"}, follow=True)
    assert "a year is run only once" in again.content.decode()


# Classes and year-end


def test_secretary_adds_a_share_class(shares_world):
    sw = shares_world
    response = sw.world.client("secretary").post(
        reverse("shares:class_add", kwargs={"society_slug": "millmead"}), {
            "name": "Penny", "nominal_value_pence": "0.01", "is_withdrawable": "on",
            "minimum_holding": "1", "withdrawal_notice_days": "0",
            "interest_rate_percent": "0"}, follow=True)
    assert "Share class Penny saved." in response.content.decode()
    assert ShareClass.objects.get(name="Penny").nominal_value_pence == 1


def test_the_board_reads_the_year_end_figures(objects):
    page = objects["sw"].world.client("board_member").get(
        reverse("shares:year_end", kwargs={"society_slug": "millmead"}),
        {"year_end": "2023-03-31"}).content.decode()
    assert "Year 1 April 2022 to 31 March 2023" in page
    assert re.search(r"Share capital at the start of the year</th><td>£501.00", page)
    assert re.search(r"Share interest for the year</th><td>£27.50 \(not posted yet\)", page)


def test_the_navigation_shows_share_links_by_role(objects):
    world = objects["sw"].world
    member_page = world.client("member").get("/s/millmead/").content.decode()
    assert "My shares" in member_page and ">Share register<" not in member_page
    auditor_page = world.client("auditor").get("/s/millmead/").content.decode()
    assert ">Share register<" in auditor_page and "Year-end figures" in auditor_page
    with scope(society=world.society):
        assert InterestRun.objects.exists()


@pytest.mark.parametrize("model", ["shareclass", "sharetransaction", "sharepayment",
                                   "sharecertificate", "withdrawalrequest", "nomination",
                                   "interestrun"])
def test_platform_operators_read_share_records_in_the_admin(objects, model):
    from django.test import Client

    from tests.conftest import make_user

    operator = make_user("operator@omov.test", mfa=True)
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client = Client()
    client.force_login(operator)
    response = client.get(f"/admin/shares/{model}/")
    assert response.status_code == 200
    assert client.get(f"/admin/shares/{model}/add/").status_code == 403


def test_share_class_mistakes_are_explained_in_words(shares_world):
    response = shares_world.world.client("secretary").post(
        reverse("shares:class_add", kwargs={"society_slug": "millmead"}), {
            "name": "Big", "nominal_value_pence": "1.00", "is_withdrawable": "on",
            "minimum_holding": "5", "maximum_holding": "100001",
            "withdrawal_notice_days": "0", "interest_rate_percent": "0"})
    assert response.status_code == 400
    assert "A member may hold at most £100,000 of withdrawable shares" in \
        response.content.decode()


MANAGE_POSTS = [
    ("withdrawal_approve", {"public_id": "withdrawal"}),
    ("withdrawal_defer", {"public_id": "withdrawal"}),
    ("withdrawal_pay", {"public_id": "withdrawal"}),
    ("withdrawal_cancel", {"public_id": "withdrawal"}),
    ("withdrawals_suspend", {}),
    ("withdrawals_resume", {}),
    ("interest_start", {}),
    ("interest_post", {"public_id": "run"}),
    ("interest_discard", {"public_id": "run"}),
]


@pytest.mark.parametrize("name,args", MANAGE_POSTS, ids=[p[0] for p in MANAGE_POSTS])
def test_only_the_secretary_may_record_decisions_and_run_interest(objects, name, args):
    world = objects["sw"].world
    url = page_url(objects, name, args)
    for persona in ("returning_officer", "auditor", "board_member", "member"):
        assert world.client(persona).post(url).status_code == 403, persona
    assert world.client("outsider").post(url).status_code == 404
    assert world.client("secretary").get(url).status_code == 405
    with scope(society=world.society):
        assert InterestRun.objects.get().status == "draft"
        assert WithdrawalRequest.objects.get().status == WithdrawalStatus.REQUESTED
