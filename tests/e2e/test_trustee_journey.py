"""Trustees of an encrypted ballot box, in a real browser with the real belenios-tool: a 2-of-3
ranked box whose trustees 1 and 3 keep their shares on the server and trustee 2 on their own
computer. Trustee 2 downloads the files their page lists, types the printed commands in a
folder of their own and uploads what they wrote, round after round; the returning officer
sees the keys made. After ballots are stored and the box closed, the worker starts the
count, trustee 1 shuffles on the server, trustee 2 in their folder, the officer ends the
shuffles, trustees 2 and 3 decrypt, and the officer downloads and verifies the record, which
a member then finds on its public page. Every page passes axe."""

import hashlib
import subprocess
from pathlib import Path

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from ballotbox import belenios, services
from ballotbox.models import BoxState, Keeping
from ballotbox.services import TrusteeSpec
from tests.ballotbox.conftest import tool  # noqa: F401 (the fixture: the real belenios-tool)
from tests.conftest import build_society
from tests.e2e.helpers import assert_accessible

pytestmark = pytest.mark.usefixtures("tool")  # the real belenios-tool, or skip (fail in CI)
SLOW_MS = 120_000  # a step that runs the tool: a shuffle or a verification of the record


def own_step(page, folder):
    """Trustee 2 on their own computer: download every file listed, type the commands printed,
    upload what the last one wrote."""
    links = page.locator("a[download]")
    for index in range(links.count()):
        name = links.nth(index).inner_text()
        with page.expect_download() as download:
            links.nth(index).click()
        (folder / name).parent.mkdir(exist_ok=True)
        download.value.save_as(folder / name)
    for command in page.locator("pre code").all_inner_texts():
        subprocess.run(["bash", "-c", command], cwd=folder, check=True, capture_output=True,
                       timeout=300)
    sends = page.locator("#sends code").first.inner_text()
    written = next(folder.glob("*.cert")) if sends == ".cert" else folder / sends
    page.get_by_label("Or the file it wrote").set_input_files(written)
    page.get_by_role("button", name="Send").click()


def test_trustees_make_the_key_then_shuffle_and_decrypt_through_their_pages(
        live_server, new_page, sign_in, tmp_path):
    world = build_society("millmead", "Millmead Children's Centre")
    officer_user = world.users["returning_officer"]
    with scope(society=world.society):
        box = services.create_box(
            actor=officer_user, society=world.society, name="Board election 2027",
            questions=[belenios.RankedQuestion("Elect one", ("Ann", "Bob", "Cat"))],
            threshold=2,
            trustees=[TrusteeSpec("Sam Sec", Keeping.SERVER, world.users["secretary"]),
                      TrusteeSpec("Mo Member", Keeping.OWN, world.users["member"]),
                      TrusteeSpec("Bea Board", Keeping.SERVER, world.users["board_member"])])
    base = f"{live_server.url}/s/{world.society.slug}/ballotbox/boxes/{box.public_id}"
    folder = tmp_path / "mo"
    folder.mkdir()

    # Trustee 1, on the server: what that trusts, and nothing to do until the close.
    one = sign_in(new_page(), world.users["secretary"])
    one.goto(f"{base}/trustee/")
    expect(one.get_by_role("heading", level=1)).to_have_text("Trustee of Board election 2027")
    expect(one.get_by_role("heading", name="What keeping your share on the server means")
           ).to_be_visible()
    assert_accessible(one)

    # Trustee 2, on their own computer: three rounds, each downloaded, typed and uploaded.
    two = sign_in(new_page(), world.users["member"])
    two.goto(f"{base}/trustee/")
    expect(two.locator("#command")).to_contain_text("--step 1")
    assert_accessible(two)
    two.get_by_role("button", name="Send").click()  # nothing chosen: named in the summary
    expect(two.get_by_role("alert")).to_contain_text("What the command wrote: Paste what")
    assert_accessible(two)
    for step in ("--step 1", "--step 3", "--step 5"):
        expect(two.locator("#command")).to_contain_text(step)
        own_step(two, folder)
        expect(two.get_by_role("status")).to_contain_text("is in")
    expect(two.get_by_role("main")).to_contain_text("Nothing until the ballot box closes")
    assert len(list(folder.glob("*.key"))) == 1

    # The returning officer sees the keys made.
    officer = sign_in(new_page(), officer_user)
    officer.goto(f"{base}/")
    expect(officer.locator("#box-state")).to_have_text("Keys made")
    assert_accessible(officer)

    # Ballots and the close; the worker starts the count.
    with scope(society=world.society):
        private = services.open_box(actor=officer_user, box=box, voter_ids=["a", "b", "c"])
        for voter, ranks in zip("abc", ([1, 2, 0], [2, 1, 3], [1, 0, 0]), strict=True):
            services.encrypt_and_store(box, private[voter], [ranks])
        services.close_box(actor=officer_user, box=box)
    officer.reload()  # the close queued the count; tasks run at once in tests
    expect(officer.locator("#ballot-count")).to_have_text("3")
    expect(officer.locator("#box-state")).to_have_text("Counting")

    # Shuffles: trustee 1 on the server, trustee 2 in their folder; the officer ends them.
    one.reload()
    one.get_by_role("button", name="Make my shuffle on the server").click()
    expect(one.get_by_role("status")).to_contain_text("Your shuffle is in", timeout=SLOW_MS)
    assert_accessible(one)
    two.reload()
    expect(two.locator("#command")).to_contain_text("election shuffle")
    assert_accessible(two)
    own_step(two, folder)
    expect(two.get_by_role("status")).to_contain_text("Your shuffle is in", timeout=SLOW_MS)
    officer.reload()
    officer.get_by_role("button", name="End the shuffles").click()
    expect(officer.get_by_role("status")).to_contain_text("The shuffles are over",
                                                          timeout=SLOW_MS)

    # Decryptions: trustee 2 in their folder, trustee 3 on the server; trustee 1 not needed.
    two.reload()
    expect(two.locator("#command")).to_contain_text("decrypt-threshold")
    own_step(two, folder)
    expect(two.get_by_role("status")).to_contain_text("Your partial decryption is in",
                                                      timeout=SLOW_MS)
    three = sign_in(new_page(), world.users["board_member"])
    three.goto(f"{base}/trustee/")
    assert_accessible(three)
    three.get_by_role("button", name="Make my partial decryption on the server").click()
    expect(three.get_by_role("status")).to_contain_text("Your partial decryption is in",
                                                        timeout=SLOW_MS)
    box.refresh_from_db()
    assert box.state == BoxState.RESULT

    # The officer downloads the record (its SHA-256 as shown) and verifies it.
    officer.reload()
    shown = officer.locator("#record-sha256").inner_text()
    with officer.expect_download() as download:
        officer.get_by_role("link", name="Download the public record").click()
    assert hashlib.sha256(Path(download.value.path()).read_bytes()).hexdigest() == shown
    officer.get_by_role("button", name="Verify the record").click()
    expect(officer.locator("#verdict")).to_contain_text("The record verifies", timeout=SLOW_MS)
    assert_accessible(officer)
    officer.get_by_role("button", name="Publish the public record").click()
    expect(officer.get_by_role("status")).to_contain_text("The public record is published")

    # A member reads the public record's page: the file, its SHA-256, the commands.
    two.goto(f"{live_server.url}/s/{world.society.slug}/ballotbox/records/{box.public_id}/")
    expect(two.locator("#record-sha256")).to_have_text(shown)
    expect(two.locator("#auditor-commands")).to_contain_text("election verify --dir election")
    assert_accessible(two)
