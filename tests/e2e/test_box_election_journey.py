"""An election whose online ballots go into a ballot box, in a real browser with the real
belenios-tool, from the set-up to a member verifying the public record.

The returning officer sets up the box of an STV contest from its page: three trustees (the
officer and two scrutineers), any two of whom can decrypt, the secretary keeping their key
on their own computer and the officer and a board member on the server. The form first
refuses it, since the two server-kept keys would be enough to decrypt, until the officer
ticks that they accept it. The secretary makes their share from their trustee page (found in
their to-do list) by typing the printed commands in a folder of their own; the box says the
keys are made and the officer opens voting. Four members vote and each is shown their ballot
tracker. The officer closes the poll, the server computes the encrypted tally, the board
member shuffles on the server and the secretary on their computer, the officer ends the
shuffles, both decrypt, and the contest counts itself. The officer signs off and publishes;
a member finds their tracker in the published list and verifies the downloaded record with
belenios-tool. Time moves by changing the contest's windows, never by today's date."""

import base64
import hashlib
import re
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from accounts.models import User
from ballotbox.models import Box, BoxState
from ballots.models import Contest, ContestState
from tests.ballotbox.conftest import tool  # noqa: F401 (the fixture: the real belenios-tool)
from tests.ballots.conftest import make_contest
from tests.conftest import build_society
from tests.e2e.helpers import assert_accessible
from tests.e2e.test_trustee_journey import own_step

pytestmark = pytest.mark.usefixtures("tool")  # the real belenios-tool, or skip (fail in CI)
SLOW_MS = 120_000  # a step that runs the tool: a shuffle, a decryption, the count
NAMES = {"returning_officer": "Dana Reid", "secretary": "Priya Shah",
         "board_member": "Tom Okafor"}


def vote(page, url: str, ranking: list[str]) -> str:
    """On the contest's page: number the candidates in `ranking` 1, 2, …, cast the vote, and
    read the tracker the page after it shows."""
    page.goto(url)
    for position, name in enumerate(ranking, start=1):
        page.get_by_label(name, exact=True).select_option(str(position))
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your vote is recorded")
    expect(page.get_by_role("main")).to_contain_text("Your ballot tracker is:")
    tracker = page.locator("#receipt-code").inner_text()
    # Belenios' tracker: the ballot's SHA-256 in base64 without its padding.
    assert re.fullmatch(r"[A-Za-z0-9+/]{43}", tracker), tracker
    return tracker


def open_todo(page, home: str, label: str) -> None:
    """A trustee who is a member finds their page in "What needs doing" on the society's
    home page."""
    page.goto(home)
    page.locator(".todo-list").get_by_role("link", name=re.compile(label)).click()


def test_a_contest_with_a_ballot_box_from_set_up_to_a_verified_record(
        live_server, new_page, sign_in, tmp_path):
    world = build_society("millmead", "Millmead Children's Centre")
    with scopes_disabled():
        for persona, name in NAMES.items():
            User.objects.filter(pk=world.users[persona].pk).update(full_name=name)
            world.users[persona].refresh_from_db()
    contest = make_contest(world, method="ers97", seats=1, candidates=3, open_now=False)
    with scope(society=world.society):
        a, b, c = (cand.name for cand in contest.candidates.order_by("number"))
    slug = world.society.slug
    home = f"{live_server.url}/s/{slug}/"
    base = f"{live_server.url}/s/{slug}/ballots"
    manage_url = f"{base}/manage/contests/{contest.public_id}/"
    contest_url = f"{base}/contests/{contest.public_id}/"

    # 1. The officer sets up the box from the contest's page. Two keys on the server and two
    # needed to decrypt: refused, naming the tick box, until the officer ticks it.
    officer = sign_in(new_page(), world.users["returning_officer"])
    officer.goto(manage_url)
    expect(officer.locator("#box-heading")).to_have_text("Ballot box")
    officer.get_by_role("link", name="Set up a ballot box").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(
        "Set up the ballot box: 2027 board election: Community seats")
    assert_accessible(officer)
    expect(officer.get_by_label("Trustee 1: the returning officer")).to_have_value(
        str(world.users["returning_officer"].pk))
    officer.get_by_label("Where trustee 1 keeps their key").select_option("server")
    officer.get_by_label("Trustee 2", exact=True).select_option(label="Priya Shah")
    officer.get_by_label("Where trustee 2 keeps their key").select_option("own")
    officer.get_by_label("Trustee 3", exact=True).select_option(label="Tom Okafor")
    officer.get_by_label("Where trustee 3 keeps their key").select_option("server")
    officer.get_by_label("Trustees needed to decrypt").fill("2")
    officer.get_by_role("button", name="Set up the ballot box").click()
    refusal = officer.locator("#id_box-server_decrypts_error")
    expect(refusal).to_contain_text(
        "I accept that the server alone could decrypt the ballots: 2 trustees would keep "
        "their key on the server and 2 can decrypt: the server alone could read every ballot.")
    expect(officer.get_by_label("Trustee 2", exact=True)).to_have_value(
        str(world.users["secretary"].pk))
    assert_accessible(officer)
    with scope(society=world.society):
        assert Contest.objects.get(pk=contest.pk).box_id is None
    officer.get_by_label("I accept that the server alone could decrypt the ballots").check()
    officer.get_by_role("button", name="Set up the ballot box").click()
    expect(officer.get_by_role("status")).to_contain_text("The ballot box is set up.")
    expect(officer.get_by_role("heading", level=1)).to_have_text(
        "Ballot box: 2027 board election: Community seats")
    expect(officer.locator("#box-state")).to_have_text("Key generation")
    trustees = officer.get_by_role("region", name="The trustees and what each has sent")
    for name, kept in (("Dana Reid", "on the server"), ("Priya Shah", "on their own computer"),
                       ("Tom Okafor", "on the server")):
        expect(trustees.get_by_role("row", name=re.compile(name))).to_contain_text(kept)
    assert_accessible(officer)
    box_url = officer.url
    officer.get_by_role("link", name="their trustee page").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(
        "Trustee of 2027 board election: Community seats")
    expect(officer.get_by_role("main")).to_contain_text("The server makes round 3 of the key")

    # Voting cannot open while the key is being made, even once its time has come.
    now = timezone.now()
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(
            nominations_open=now - timedelta(days=3), nominations_close=now - timedelta(hours=2),
            voting_opens=now - timedelta(hours=1))
    officer.goto(manage_url)
    expect(officer.locator("#box-status")).to_contain_text(
        "Voting cannot open until every trustee has made their share of the key.")
    officer.get_by_role("button", name="Freeze the roll and open voting now").click()
    expect(officer.get_by_role("status")).to_contain_text(
        "The trustees have not finished making the election key")
    expect(officer.locator("#contest-state")).to_have_text("Being prepared")

    # 2. The secretary makes their share on their own computer: three rounds, each found in
    # their to-do list, downloaded, typed and uploaded. The server-kept trustees need nothing.
    folder = tmp_path / "priya"
    folder.mkdir()
    secretary = sign_in(new_page(), world.users["secretary"])
    for round_number, step in ((1, "--step 1"), (3, "--step 3"), (5, "--step 5")):
        open_todo(secretary, home, f"Your key for .*: round {round_number} is waiting for you")
        expect(secretary.locator("#command")).to_contain_text(step)
        own_step(secretary, folder)
        expect(secretary.get_by_role("status")).to_contain_text("is in")
    expect(secretary.get_by_role("main")).to_contain_text("Nothing until the ballot box closes")
    assert len(list(folder.glob("*.key"))) == 1
    board = sign_in(new_page(), world.users["board_member"])
    board.goto(home)
    expect(board.locator(".todo")).not_to_contain_text("Your key for")

    officer.goto(box_url)
    expect(officer.locator("#box-state")).to_have_text("Keys made")
    officer.goto(manage_url)
    expect(officer.locator("#box-status")).to_contain_text("The key is made: voting can open.")
    officer.get_by_role("button", name="Freeze the roll and open voting now").click()
    expect(officer.get_by_role("status")).to_contain_text("The roll is frozen and voting is open.")
    expect(officer.locator("#contest-state")).to_have_text("Roll frozen; voting")

    # 3. Four members vote on the contest's page; each is shown their tracker. A is elected
    # at the first stage (3 first preferences of 4, quota 3).
    member = sign_in(new_page(), world.users["member"])
    member.goto(f"{base}/")
    member.get_by_role("link", name="2027 board election: Community seats").click()
    trackers = {"member": vote(member, member.url, [a, b])}
    assert_accessible(member)
    member.goto(contest_url)
    expect(member.get_by_role("main")).to_contain_text("You have voted in this contest.")
    for voter, ranking in zip(contest.voters[3:5] + contest.voters[:1], ([a], [b, a], [a, c]),
                              strict=True):
        trackers[voter.full_name] = vote(sign_in(new_page(), voter.user), contest_url, ranking)
    assert len(set(trackers.values())) == 4

    # 4. The poll closes; the server computes the encrypted tally at once (tasks run eagerly
    # here, as the worker would run them after the close).
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(voting_closes=timezone.now())
    officer.reload()
    officer.get_by_role("button", name="Close voting and count").click()
    expect(officer.get_by_role("status")).to_contain_text(
        "Voting is closed. The server prepares the ballot box's count", timeout=SLOW_MS)
    expect(officer.locator("#box-status")).to_contain_text(
        "The count waits for the trustees to shuffle and decrypt the ballots")
    expect(officer.locator("#count-waits")).to_contain_text(
        "The count runs by itself once the trustees have shuffled and decrypted the ballots")
    expect(officer.get_by_role("button", name="Run the count")).to_have_count(0)
    officer.goto(box_url)
    expect(officer.locator("#ballot-count")).to_have_text("4")
    expect(officer.locator("#box-state")).to_have_text("Counting")

    # Two shuffles: the board member's on the server, the secretary's on their computer.
    open_todo(board, home, "your shuffle of the ballots is waiting for you")
    board.get_by_role("button", name="Make my shuffle on the server").click()
    expect(board.get_by_role("status")).to_contain_text("Your shuffle is in", timeout=SLOW_MS)
    open_todo(secretary, home, "your shuffle of the ballots is waiting for you")
    expect(secretary.locator("#command")).to_contain_text("election shuffle")
    own_step(secretary, folder)
    expect(secretary.get_by_role("status")).to_contain_text("Your shuffle is in",
                                                            timeout=SLOW_MS)
    officer.reload()
    officer.get_by_role("button", name="End the shuffles").click()
    expect(officer.get_by_role("status")).to_contain_text("The shuffles are over",
                                                          timeout=SLOW_MS)

    # Two partial decryptions; the second computes the result, and the contest is counted.
    open_todo(secretary, home, "your partial decryption is waiting for you")
    expect(secretary.locator("#command")).to_contain_text("decrypt-threshold")
    own_step(secretary, folder)
    expect(secretary.get_by_role("status")).to_contain_text("Your partial decryption is in",
                                                            timeout=SLOW_MS)
    open_todo(board, home, "your partial decryption is waiting for you")
    board.get_by_role("button", name="Make my partial decryption on the server").click()
    expect(board.get_by_role("status")).to_contain_text("Your partial decryption is in",
                                                        timeout=SLOW_MS)
    officer.goto(manage_url)
    expect(officer.locator("#contest-state")).to_have_text("Counted; awaiting sign-off")
    expect(officer.locator("#box-status")).to_contain_text("The ballots are decrypted.")
    expect(officer.locator("#count-report")).to_contain_text(a)
    expect(officer.get_by_role("main")).to_contain_text("4 ballots; hash of the ballot set")
    with scope(society=world.society):
        assert Box.objects.get(pk=Contest.objects.get(pk=contest.pk).box_id
                               ).state == BoxState.RESULT

    # 5. The officer signs off and publishes, which publishes the box's record too.
    officer.get_by_label("Your full name").fill("Dana Reid")
    officer.get_by_role("button", name="Sign off the result").click()
    officer.get_by_role("button", name="Publish the result").click()
    expect(officer.get_by_role("status")).to_contain_text("published")
    with scope(society=world.society):
        assert Contest.objects.get(pk=contest.pk).state == ContestState.PUBLISHED

    # The member reads the result, finds their tracker in the list and checks it there.
    member.goto(f"{base}/")
    member.get_by_role("link", name="2027 board election: Community seats").click()
    expect(member.get_by_role("heading", level=1)).to_have_text(
        "Result: 2027 board election: Community seats")
    expect(member.locator(".outcome")).to_have_text(f"Elected: {a}")
    assert_accessible(member)
    result_url = member.url
    member.get_by_role("link", name=re.compile(r"^Check your receipt")).click()
    expect(member.get_by_role("main")).to_contain_text("its voter was shown its ballot tracker")
    expect(member.get_by_role("main")).not_to_contain_text("Every ballot counted has a receipt")
    listed = member.get_by_role("table", name="Receipt codes of the ballots counted, sorted")
    for tracker in trackers.values():
        expect(listed.get_by_role("cell", name=tracker, exact=True)).to_have_count(1)
    member.get_by_label("Your receipt code or ballot tracker").fill(trackers["member"])
    member.get_by_role("button", name="Check my receipt").click()
    expect(member.locator("#receipt-found")).to_have_text(
        f"Receipt {trackers['member']} is in the list: the ballot it was given for was "
        "counted.")

    # The public record: downloaded, its SHA-256 as shown, verified with the printed commands.
    member.goto(result_url)
    member.locator("#box-record-link").click()
    expect(member.get_by_role("heading", level=1)).to_have_text(
        "Public record: 2027 board election: Community seats")
    shown = member.locator("#record-sha256").inner_text()
    auditor = tmp_path / "auditor"
    auditor.mkdir()
    with member.expect_download() as download:
        member.get_by_role("link", name=re.compile("Download the public record")).click()
    record = auditor / download.value.suggested_filename
    download.value.save_as(record)
    assert hashlib.sha256(record.read_bytes()).hexdigest() == shown
    commands = member.locator("#auditor-commands").inner_text()
    assert "belenios-tool election verify --dir election" in commands
    ran = subprocess.run(["bash", "-e", "-c", commands], cwd=auditor, capture_output=True,
                         text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith(f"{shown}  {record.name}\n")
    # compute-ballot-summary lists each ballot's SHA-256 in hex: the member's tracker's bytes.
    mine = base64.b64decode(trackers["member"] + "=").hex()
    assert f'"{mine}"' in ran.stdout
