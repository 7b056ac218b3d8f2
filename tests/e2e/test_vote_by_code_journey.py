"""Voting with a voting code in a real browser, with no account.

A member with no email address gets the "Voting is open" letter and their ballot paper in
the letter pack; its QR code (read from the PDF with zbarimg) takes them to the voting page
with their code filled in; they rank the candidates and are shown their ballot tracker: the
ballot went into the contest's ballot box (the real belenios-tool). A member who follows the
emailed link finds the code already in the field and gone from the address bar; without
JavaScript a member types the code by keyboard and votes all the same; a code used once is
refused the second time with "This code has already been used." Pages checked with axe."""

import re

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from ballots.models import VoterRollEntry
from members.models import ContactChannel, Member
from notifications.models import Message
from tests.ballotbox.conftest import tool  # noqa: F401 (the fixture: the real belenios-tool)
from tests.ballots.conftest import make_contest, open_contest
from tests.conftest import build_society
from tests.e2e.helpers import assert_accessible

SHOWN_CODE = re.compile(r"Your voting code: ([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})")


def _letter_code(world, member) -> tuple[str, Message]:
    """The code as the member reads it in their letter (or email)."""
    with scope(society=world.society):
        message = Message.objects.get(recipient=member, kind="ballots.poll_open")
    return SHOWN_CODE.search(message.body_text)[1], message


def _cast_ranking(page, names: list[str]) -> None:
    for position, name in enumerate(names, start=1):
        page.get_by_label(name, exact=True).select_option(str(position))
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your vote is recorded")


@pytest.mark.usefixtures("tool")
def test_a_member_with_no_email_gets_a_paper_whose_qr_code_takes_them_to_vote_online(
        live_server, new_page, sign_in, settings, tmp_path, monkeypatch):
    """The letter pack's ballot paper carries the member's code and a QR code of the voting
    link; followed, it fills the code in; the vote goes into the ballot box and the member
    is shown their tracker."""
    from tests.ballots import test_box_contest
    from tests.ballots.test_ballot_papers import _decode
    from tests.pdf import read_pdf

    settings.SITE_URL = live_server.url
    world = build_society("millmead", "Millmead Children's Centre")
    opening = test_box_contest.open_contest

    def with_addresses(contest, world):
        with scope(society=world.society):  # letters need somewhere to go
            Member.objects.filter(society=world.society).update(address="2 Mill Lane\nMillmead",
                                                                postcode="MM1 2AB")
        return opening(contest, world)

    monkeypatch.setattr(test_box_contest, "open_contest", with_addresses)
    contest = test_box_contest.with_box(world, method="ers97", seats=1, candidates=3)
    voter = contest.voters[4]
    with scope(society=world.society):
        assert not Member.objects.get(pk=voter.pk).can_be_emailed
        names = [c.name for c in contest.candidates.order_by("number")]
    code, letter = _letter_code(world, voter)
    assert letter.channel == "post"

    # The secretary downloads the letter pack; the member's paper follows their letter.
    secretary = sign_in(new_page(), world.users["secretary"])
    pack = secretary.request.get(f"{live_server.url}/s/{world.society.slug}/notifications/"
                                 f"notices/{letter.notice.public_id}/letters.pdf")
    assert pack.ok and pack.headers["content-type"] == "application/pdf"
    pages = [" ".join(p.text.split()) for p in read_pdf(pack.body()).pages]
    paper = next(n for n, text in enumerate(pages, start=1)
                 if text.startswith("Ballot paper") and code in text)
    assert voter.full_name in pages[paper - 2]  # the letter, then its paper
    assert all(name in pages[paper - 1] for name in names)
    (link,) = [found.removeprefix("QR-Code:") for found in _decode(pack.body(), paper, tmp_path)
               if found.startswith("QR-Code:")]
    assert link == f"{live_server.url}/s/{world.society.slug}/vote/#code={code.replace('-', '')}"

    # The member scans it with their phone: the code is filled in, and they vote.
    page = new_page()
    page.goto(link)
    expect(page.get_by_label("Your voting code")).to_have_value(code.replace("-", ""))
    assert_accessible(page)
    page.get_by_role("button", name="Show my ballot").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your ballot")
    assert_accessible(page)
    _cast_ranking(page, [names[2], names[0]])
    expect(page.get_by_role("main")).to_contain_text("Your ballot tracker is:")
    tracker = page.locator("#receipt-code").inner_text()
    assert re.fullmatch(r"[A-Za-z0-9+/]{43}", tracker), tracker
    assert page.get_by_role("link", name="Sign out").count() == 0  # no account here
    assert_accessible(page)
    with scope(society=world.society):
        entry = VoterRollEntry.objects.get(contest=contest, member=voter)
        assert entry.voted_on is not None and entry.channel == "online"


def test_the_emailed_link_fills_in_the_code_and_a_used_code_is_refused(live_server, page):
    world = build_society("millmead", "Millmead Children's Centre")
    contest = make_contest(world, open_now=False)
    voter = contest.voters[3]
    with scope(society=world.society):
        Member.objects.filter(pk=voter.pk).update(contact_channel=ContactChannel.EMAIL,
                                                  electronic_consent=True)
    open_contest(contest, world)
    with scope(society=world.society):
        names = [c.name for c in contest.candidates.order_by("number")]
    code, email = _letter_code(world, voter)
    link = re.search(r'href="[^"]*(/s/[^"]+/vote/#code=[2-9A-Z]{16})"', email.body_html)[1]

    page.goto(f"{live_server.url}{link}")
    expect(page.get_by_label("Your voting code")).to_have_value(code.replace("-", ""))
    assert "#" not in page.url  # the code is gone from the address bar and the history
    page.get_by_role("button", name="Show my ballot").click()
    _cast_ranking(page, [names[1]])
    expect(page.get_by_role("main")).to_contain_text("Your receipt code is:")

    page.goto(f"{live_server.url}/s/{world.society.slug}/vote/")
    page.get_by_label("Your voting code").fill(code)
    page.get_by_role("button", name="Show my ballot").click()
    expect(page.get_by_role("alert")).to_have_text("This code has already been used.")
    assert_accessible(page)


def test_without_javascript_a_member_types_the_code_and_votes(live_server, new_page):
    world = build_society("millmead", "Millmead Children's Centre")
    contest = make_contest(world)
    voter = contest.voters[2]
    with scope(society=world.society):
        names = [c.name for c in contest.candidates.order_by("number")]
    code, _message = _letter_code(world, voter)
    page = new_page(java_script_enabled=False)

    page.goto(f"{live_server.url}/s/{world.society.slug}/vote/")
    page.get_by_label("Your voting code").fill("XXXX-XXXX-XXXX-XXXX")
    page.get_by_role("button", name="Show my ballot").click()
    expect(page.get_by_role("alert")).to_contain_text("That is not a valid voting code.")
    expect(page.get_by_label("Your voting code")).to_have_attribute("aria-invalid", "true")
    # By keyboard alone, as the member reads it from their letter.
    page.get_by_label("Your voting code").fill("")
    page.get_by_label("Your voting code").focus()
    page.keyboard.type(code.lower().replace("-", " "))
    page.keyboard.press("Enter")
    _cast_ranking(page, [names[0], names[1], names[2]])
    expect(page.get_by_role("main")).to_contain_text("Your receipt code is:")
