"""A candidate without an account, in a real browser: the returning officer finds the member,
records the nomination received on paper, the nominee's letter (with the consent form) is
queued, the officer records the signed consent with its witness and scan, and the candidate
then stands on the ballot paper."""

import io
from datetime import timedelta

from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect
from pypdf import PdfReader

from ballots import services
from ballots.models import Contest
from members.models import ContactChannel, Member
from notifications.models import Message
from tests.ballots.conftest import add_members
from tests.conftest import build_society
from tests.e2e.helpers import assert_accessible

SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_paper_nomination_and_consent(live_server, new_page, sign_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_society("millmead", "Millmead Children's Centre")
    ro_user, now = world.users["returning_officer"], timezone.now()
    voters = add_members(world, 4, start=50)
    with scope(society=world.society):
        nell = Member.objects.create(
            society=world.society, member_number=77, full_name="Nell Fairweather",
            address="4 Mill Lane\nMargate", postcode="CT9 4AA",
            contact_channel=ContactChannel.POST, stakeholder_class=world.classes["Parent"],
            admitted_on=timezone.localdate() - timedelta(days=400))
        election = services.create_election(actor=ro_user, society=world.society,
                                            title="2027 board election")
        contest = services.create_contest(actor=ro_user, election=election, values={
            "title": "Community seats", "method": "ers97", "seats": 1,
            "record_date": timezone.localdate(), "nominations_open": now - timedelta(days=2),
            "nominations_close": now + timedelta(hours=1),
            "voting_opens": now + timedelta(hours=2), "voting_closes": now + timedelta(days=7)})
        other = services.nominate(actor=ro_user, contest=contest, nominated_by=None,
                                  candidate=voters[0], proposer=voters[2], seconder=voters[3],
                                  by_officer=True)
        services.consent_to_stand(actor=voters[0].user, candidate=other, member=voters[0],
                                  statement="")
    base = f"{live_server.url}/s/{world.society.slug}/ballots"

    # 1. The officer finds Nell by name and records the nomination form that came by post.
    ro = sign_in(new_page(), ro_user)
    ro.goto(f"{base}/manage/contests/{contest.public_id}/")
    ro.get_by_role("link", name="Record a nomination received on paper").click()
    expect(ro.get_by_role("heading", level=1)).to_contain_text("Record a nomination")
    ro.get_by_label("Find a member").fill("fairweather")
    ro.get_by_role("button", name="Search").click()
    row = ro.get_by_role("row", name="77 Nell Fairweather Parent Yes")
    expect(row).to_be_visible()
    assert_accessible(ro)
    ro.get_by_label("Candidate's member number").fill("77")
    ro.get_by_label("Proposer's member number").fill(str(voters[2].member_number))
    ro.get_by_label("Seconder's member number").fill(str(voters[2].member_number))
    ro.get_by_label("Form received on").fill(timezone.localdate().isoformat())
    ro.get_by_role("button", name="Record the nomination").click()
    expect(ro.locator(".errorlist")).to_contain_text("must be different members")
    ro.get_by_label("Seconder's member number").fill(str(voters[3].member_number))
    ro.get_by_role("button", name="Record the nomination").click()
    expect(ro.get_by_role("status")).to_contain_text(
        "Nell Fairweather is nominated, and is told by letter")

    # 2. The letter is queued for the post, says how to consent, and encloses the form.
    with scope(society=world.society):
        letter = Message.objects.get(kind="ballots.nominated", recipient=nell)
    assert letter.channel == "post" and letter.status == "pending"
    assert "sign the enclosed consent form in front of a witness" in letter.body_text
    assert "before voting opens" in letter.body_text
    expect(ro.get_by_role("row", name="Nell Fairweather By letter, to print and post")
           ).to_be_visible()
    pdf_link = ro.get_by_role("link", name="Letter with the form (PDF) to Nell Fairweather")
    pdf = ro.request.get(live_server.url + pdf_link.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.body())).pages
    assert len(pages) == 2 and "Consent to stand" in pages[1].extract_text()
    assert_accessible(ro)

    # 3. The signed form comes back: the officer records it, with the witness and the scan.
    ro.get_by_role("link", name="Record signed consent of Nell Fairweather").click()
    expect(ro.get_by_role("heading", level=1)).to_have_text(
        "Record a signed consent: Nell Fairweather")
    assert_accessible(ro)
    ro.get_by_label("Signed on").fill(timezone.localdate().isoformat())
    ro.get_by_label("Witnessed by").fill("Nell Fairweather")
    ro.get_by_role("button", name="Record the consent").click()
    expect(ro.locator(".errorlist")).to_contain_text("cannot witness their own signature")
    ro.get_by_label("Witnessed by").fill("Dora Witness")
    ro.get_by_label("The candidate's statement, as written on the form").fill(
        "Thirty years in Millmead; I will listen.")
    ro.get_by_label("Scanned form (optional)").set_input_files(
        files=[{"name": "consent.pdf", "mimeType": "application/pdf", "buffer": SCAN}])
    ro.get_by_role("button", name="Record the consent").click()
    expect(ro.get_by_role("status")).to_contain_text("signed consent is recorded")
    expect(ro.get_by_role("row", name="Nell Fairweather")).to_contain_text(
        "witnessed by Dora Witness")
    expect(ro.get_by_role("link", name="scanned form of Nell Fairweather")).to_be_visible()

    # 4. Voting opens: Nell is on the ballot paper, with her statement.
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(
            nominations_close=timezone.now() - timedelta(minutes=2),
            voting_opens=timezone.now() - timedelta(minutes=1))
    ro.goto(f"{base}/manage/contests/{contest.public_id}/")
    ro.get_by_role("button", name="Freeze the roll and open voting now").click()
    expect(ro.locator("#contest-state")).to_contain_text("voting")
    voter = sign_in(new_page(), voters[1].user)
    voter.goto(f"{base}/contests/{contest.public_id}/")
    expect(voter.get_by_label("Nell Fairweather")).to_be_visible()
    expect(voter.locator("main")).to_contain_text("Thirty years in Millmead; I will listen.")
