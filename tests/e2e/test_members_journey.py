"""Membership in a real browser: someone applies, the secretary admits them, the new member
creates an account and sees their record, and a trustee reads the register without addresses."""

import re

from django.core import mail
from django_scopes import scope
from playwright.sync_api import expect

from members.models import Member
from tests.conftest import build_society, make_user
from tests.e2e.helpers import apply_by_email, assert_accessible

APPLICANT = "rosa.parks@example.org"
STREET = "17 Cleveland Avenue"


def confirmation_link(live_server) -> str:
    for message in reversed(mail.outbox):
        if APPLICANT in message.to:
            match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", message.body)
            if match:
                return live_server.url + match.group(1)
    raise AssertionError("no confirmation email: " + repr([m.subject for m in mail.outbox]))


def test_apply_admit_sign_in_and_trustee_view(live_server, new_page, sign_in):
    world = build_society("riverside", "Riverside Housing Co-operative")
    slug = world.society.slug
    base = f"{live_server.url}/s/{slug}/members"

    # 1. Anyone applies on the public page.
    page = new_page()
    page.goto(f"{base}/apply/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Apply to join Riverside Housing Co-operative")
    assert_accessible(page)
    apply_by_email(page, name="Rosa Parks", address=f"{STREET}\nMontgomery", postcode="mg1 2ab",
                   born="1983-02-04", email=APPLICANT)
    expect(page.get_by_role("heading", level=1)).to_have_text("Application received")
    reference = page.locator(".reference strong").inner_text()
    assert reference.startswith("A-")
    assert_accessible(page)

    # 2. The secretary admits them, recording the board's decision.
    secretary = sign_in(new_page(), world.users["secretary"])
    secretary.goto(f"{live_server.url}/s/{slug}/")
    secretary.get_by_role("navigation", name=world.society.name).get_by_role(
        "link", name="Applications").click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text("Applications")
    assert_accessible(secretary)
    secretary.get_by_role("link", name=reference).click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text(f"Application {reference}")
    assert_accessible(secretary)
    secretary.locator("#id_admit-decision_reference").fill("Board minutes 2026-11 item 4")
    secretary.get_by_role("button", name="Admit as a member").click()
    expect(secretary.get_by_role("status")).to_contain_text(
        "Rosa Parks is admitted as member number 6.")
    expect(secretary.get_by_role("heading", level=1)).to_contain_text("Rosa Parks")
    assert_accessible(secretary)
    secretary.get_by_role("link", name="Back to the register").click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text("Register of members")
    expect(secretary.get_by_role("cell", name=re.compile(STREET))).to_be_visible()
    assert_accessible(secretary)

    # 3. The new member creates an account with the same email, confirms it, and sees
    #    their record: the verified address links the account to the membership.
    member = new_page()
    member.goto(f"{live_server.url}/accounts/signup/")
    member.locator("input[name=email]").fill(APPLICANT)
    member.locator("input[name=password1]").fill("lantern-orchard-walnut-42")
    member.locator("input[name=password2]").fill("lantern-orchard-walnut-42")
    member.get_by_role("button", name=re.compile("Sign Up", re.I)).click()
    member.goto(confirmation_link(live_server))
    member.get_by_role("button", name="Confirm").click()
    member.goto(f"{live_server.url}/s/{slug}/")
    member.get_by_role("navigation", name=world.society.name).get_by_role(
        "link", name="Your record").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Your record in the register")
    expect(member.get_by_text("Member number")).to_be_visible()
    expect(member.locator("dd").first).to_have_text("6")
    expect(member.get_by_text(STREET)).to_be_visible()
    assert_accessible(member)
    with scope(society=world.society):
        assert Member.objects.get(member_number=6).user.email == APPLICANT

    # 4. A trustee reads the register: names, numbers, classes and dates, no addresses.
    trustee = sign_in(new_page(), world.users["board_member"])
    trustee.goto(f"{live_server.url}/s/{slug}/")
    trustee.get_by_role("navigation", name=world.society.name).get_by_role(
        "link", name="Register", exact=True).click()
    expect(trustee.get_by_role("heading", level=1)).to_have_text("Members")
    expect(trustee.get_by_role("cell", name="Rosa Parks")).to_be_visible()
    html = trustee.content()
    assert STREET not in html and "MG1 2AB" not in html and "Montgomery" not in html
    assert APPLICANT not in html
    assert_accessible(trustee)


def test_the_register_filters_and_pages_without_javascript(live_server, new_page, sign_in):
    world = build_society("riverside", "Riverside Housing Co-operative")
    with scope(society=world.society):
        for n in range(60):
            Member.objects.create(society=world.society, member_number=100 + n,
                                  full_name=f"Paged Person {n:02d}", address="1 Road",
                                  stakeholder_class=world.classes["Staff"])
    auditor = make_user("auditor2@riverside.test", mfa=True)
    from societies.models import RoleGrant

    with scope(society=world.society):
        RoleGrant.objects.create(society=world.society, user=auditor, role="auditor")
    page = sign_in(new_page(java_script_enabled=False), auditor)
    page.goto(f"{live_server.url}/s/riverside/members/register/")
    page.get_by_label("Sort by").select_option("name")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("cell", name="Member").first).to_be_visible()
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_role("link", name="Previous page")).to_be_visible()
    page.get_by_label("Search").fill("Paged Person 07")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("tbody tr")).to_have_count(1)
