"""A count that needs a lot, in a real browser: an STV contest set up without a seed, votes that
leave three candidates tied at every stage, the poll closed by the returning officer (signed
in with a password and an authenticator code), the tie explained on the page, a seed drawn
there with a witness named, the count finished, signed off and published, and a member
reading the result with the seed, who drew it and what the lot changed."""

import re

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from ballots import services
from ballots.models import Contest
from societies.models import RoleGrant
from societies.permissions import Role
from tests.ballots.conftest import make_contest
from tests.conftest import build_society, make_user
from tests.e2e.helpers import assert_accessible, current_totp_code

PASSWORD = "correct-horse-battery-9"


def test_a_tied_count_is_resolved_on_the_page_with_a_drawn_seed_and_published(
        live_server, new_page, sign_in):
    world = build_society("millmead", "Millmead Children's Centre")
    secret = generate_totp_secret()
    officer = make_user("dana.reid@millmead.test", full_name="Dana Reid", password=PASSWORD)
    with scopes_disabled():
        TOTP.activate(officer, secret)
    with scope(society=world.society):
        RoleGrant.objects.create(society=world.society, user=officer,
                                 role=Role.RETURNING_OFFICER)
    world.users["returning_officer"] = officer

    # 1. An STV contest for one seat, four candidates, set up with no seed for a lot.
    contest = make_contest(world, method="ers97", seats=1, candidates=4)
    assert contest.seed == ""
    with scope(society=world.society):
        a, b, c, d = (cand.name for cand in contest.candidates.order_by("number"))
    slug = world.society.slug
    base = f"{live_server.url}/s/{slug}/ballots"

    # 2. Members vote: two for A, and one each for B, C and D with A next. B, C and D are then
    # tied at every stage, so the rules leave the exclusion to a lot.
    member = sign_in(new_page(), world.users["member"])
    member.goto(f"{base}/contests/{contest.public_id}/")
    member.get_by_label(a).select_option("1")
    member.get_by_role("button", name="Cast my vote").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Your vote is recorded")
    with scope(society=world.society):
        ids = {cand.name: str(cand.public_id) for cand in contest.candidates.all()}
        for voter, ranking in zip(contest.voters[:4], ([a], [b, a], [c, a], [d, a]), strict=True):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=[ids[name] for name in ranking])

    # 3. The returning officer signs in with their password and authenticator code.
    ro = new_page()
    manage_url = f"{base}/manage/contests/{contest.public_id}/"
    ro.goto(manage_url)
    expect(ro).to_have_url(re.compile(r"/accounts/login/\?next="))
    ro.get_by_label("Email").fill("dana.reid@millmead.test")
    ro.get_by_label("Password").fill(PASSWORD)
    ro.get_by_label("Password").press("Enter")
    expect(ro.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    ro.get_by_label("Code").fill(current_totp_code(secret))
    ro.get_by_label("Code").press("Enter")
    expect(ro).to_have_url(manage_url)

    # 4. Voting closes; the count runs and stops on the tie, which the page explains.
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(voting_closes=timezone.now())
    ro.reload()
    ro.get_by_role("button", name="Close voting and count").click()
    lot = ro.locator("#lot-needed")
    expect(lot).to_contain_text("The count needs a lot.")
    expect(lot).to_contain_text(f"At stage 2, {b}, {c} and {d} are tied for exclusion")
    expect(lot).to_contain_text("so the votes cannot decide which of them is excluded.")
    expect(ro.get_by_role("status")).to_contain_text(
        "Voting is closed. The count stopped: it needs a lot to break a tie.")
    expect(lot).to_contain_text("What the rules say: ERS97 rule 5.2.5")
    expect(ro.get_by_role("button", name="Run the count")).to_have_count(0)
    assert_accessible(ro)

    # 5. A seed is drawn on the page, with the scrutineer named as witness; the count finishes.
    ro.locator("#id_draw-witness").fill("Sam Scrutineer")
    ro.get_by_role("button", name="Draw a seed and finish the count").click()
    expect(ro.get_by_role("status")).to_contain_text("is recorded and the lot drawn from it")
    expect(ro.locator("#contest-state")).to_contain_text("Counted")
    with scope(society=world.society):
        contest.refresh_from_db()
    seed = contest.seed
    assert re.fullmatch(r"[0-9a-f]{4}(-[0-9a-f]{4}){3}", seed)
    expect(ro.locator("#lot-seed")).to_contain_text(
        f"The count drew a lot from the seed {seed}, drawn at the count by the system")
    expect(ro.locator("#lot-seed")).to_contain_text("by Dana Reid; witnessed by Sam Scrutineer")
    expect(ro.locator("#count-report")).to_contain_text(f"Seed for any lot: {seed}")
    assert_accessible(ro)

    # 6. The officer signs off and publishes.
    ro.get_by_label("Your full name").fill("Dana Reid")
    ro.get_by_role("button", name="Sign off the result").click()
    ro.get_by_role("button", name="Publish the result").click()
    expect(ro.get_by_role("status")).to_contain_text("published")

    # 7. A member reads the result: the seed, who drew it and when, the tie and the lot check.
    member.goto(f"{base}/")
    member.get_by_role("link", name="2027 board election: Community seats").click()
    expect(member.get_by_role("heading", level=1)).to_contain_text("Result")
    expect(member.locator(".outcome")).to_contain_text(a)
    expect(member.locator("#seed")).to_have_text(seed)
    drawn_on = timezone.localtime(contest.seed_recorded_at).strftime("%-d %B %Y")
    verification = member.locator("dd", has=member.locator("#seed"))
    expect(verification).to_contain_text(
        f"drawn at the count by the system, with a fresh random seed, on {drawn_on}")
    expect(verification).to_contain_text("by Dana Reid; witnessed by Sam Scrutineer")
    expect(verification).to_contain_text(f"omov-lot|{seed}|2|exclusion|{b}")
    expect(member.locator("#tie-breaks")).to_contain_text(
        f"Stage 2, exclusion: {b}, {c}, {d} were tied;")
    expect(member.locator("#lot-check")).to_have_text(
        f"The lot did not change who was elected: every possible draw elects {a}.")
    expect(member.get_by_role("link", name="Download the anonymous ballots (BLT file)")
           ).to_be_visible()
    assert_accessible(member)
