"""The ballot box's pages with the real belenios-tool: who may open each, a trustee on their
own computer downloading, typing the printed commands and uploading what they wrote, a
trustee on the server pressing its button, the officer's overview, "Try again" and the
verdict, and the public record checked with the commands its page prints."""

import html
import json
import subprocess

import pytest
from django.urls import reverse
from django_scopes import scope

from ballotbox import belenios, services
from ballotbox.models import BoxState, Keeping
from ballotbox.services import TrusteeSpec
from societies.models import AuditEntry


def make_box(world, *, threshold=2):
    """Resolutions (the cheap group): trustee 1, the secretary, on the server; trustee 2, the
    member, on their own computer."""
    with scope(society=world.society):
        return services.create_box(
            actor=world.users["returning_officer"], society=world.society, name="AGM 2027",
            questions=[belenios.resolution_question("Adopt the accounts")], threshold=threshold,
            trustees=[TrusteeSpec("Sam Sec", Keeping.SERVER, world.users["secretary"]),
                      TrusteeSpec("Mo Member", Keeping.OWN, world.users["member"])])


def url(world, view, box, **kwargs):
    return reverse(f"ballotbox:{view}", kwargs={"society_slug": world.society.slug,
                                                "public_id": box.public_id, **kwargs})


def do_my_step(client, world, box, folder, *, paste=False):
    """As a trustee on their own computer: download the files the page lists, type the
    commands it prints in their folder, and send what the last one wrote."""
    page = client.get(url(world, "trustee", box))
    assert page.status_code == 200
    owed = page.context["owed"]
    text = page.content.decode()
    for name, _file, _folder in page.context["files"]:
        download = client.get(url(world, "trustee_file", box, name=name))
        assert download.status_code == 200
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_bytes(download.content)
    commands = [owed.instructions.command.shell()]
    if owed.kind != "key":
        commands.insert(0, belenios.verify_command().shell())
    for command in commands:
        assert html.escape(command) in text
        subprocess.run(["bash", "-c", command], cwd=folder, check=True, capture_output=True,
                       timeout=120)
    sends = owed.instructions.sends
    written = next(folder.glob("*.cert")) if sends == "ID.cert" else folder / sends
    if paste:
        data = {"action": "upload", "message": written.read_text()}
    else:
        data = {"action": "upload", "upload": written.open("rb")}
    return client.post(url(world, "trustee", box), data)


def test_each_page_opens_only_for_whom_it_is(tool, world):
    box = make_box(world)
    assert world.client("member").get(url(world, "trustee", box)).status_code == 200
    assert world.client("secretary").get(url(world, "trustee", box)).status_code == 200
    for persona in ("board_member", "returning_officer", "auditor", "outsider"):
        assert world.client(persona).get(url(world, "trustee", box)).status_code == 404
    assert world.client("member").get(
        url(world, "trustee_file", box, name="certificates.jsons")).status_code == 404
    assert world.client("returning_officer").get(url(world, "box", box)).status_code == 200
    for persona in ("member", "secretary", "board_member"):
        assert world.client(persona).get(url(world, "box", box)).status_code == 403
    assert world.client("outsider").get(url(world, "box", box)).status_code == 404
    # The public record is published with the result, not before.
    assert world.client("member").get(url(world, "record", box)).status_code == 404
    assert world.client("member").get(url(world, "record_download", box)).status_code == 404
    assert world.client("returning_officer").get(url(world, "record", box)).status_code == 403
    assert world.client("returning_officer").get(
        url(world, "officer_record", box)).status_code == 404


def test_trustees_make_the_key_and_count_through_their_pages(
        tool, world, tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    box = make_box(world)
    member, secretary = world.client("member"), world.client("secretary")
    officer = world.client("returning_officer")
    folder = tmp_path / "mo"
    folder.mkdir()

    home = reverse("societies:home", kwargs={"society_slug": world.society.slug})
    assert "Your key for AGM 2027: round 1 is waiting for you" in member.get(home).content.decode()
    assert "AGM 2027" not in secretary.get(home).content.decode()  # the server does theirs
    page = secretary.get(url(world, "trustee", box)).content.decode()
    assert "What keeping your share on the server means" in page
    assert "The server makes round 3 of the key for you" in page
    for action in ("server", "upload"):  # no form for either while the server makes the key
        assert secretary.post(url(world, "trustee", box), {"action": action,
                                                           "message": "{}"}).status_code == 404

    # Round 1: nothing sent is refused, naming the field; a wrong message names the round.
    page = member.get(url(world, "trustee", box)).content.decode()
    assert "Now: round 1 of the key." in page and "generate-trustee-key-threshold" in page
    empty = member.post(url(world, "trustee", box), {"action": "upload", "message": " "})
    assert empty.status_code == 400
    assert "What the command wrote: Paste what the command wrote" in empty.content.decode()
    wrong = member.post(url(world, "trustee", box), {"action": "upload", "message": "{}"})
    assert wrong.status_code == 400
    assert "Trustee 2 (Mo Member), round 1: " in html.unescape(wrong.content.decode())
    # A trustee on their own computer has no server button.
    assert member.post(url(world, "trustee", box), {"action": "server"}).status_code == 404

    for paste in (False, True, True):
        sent = do_my_step(member, world, box, folder, paste=paste)
        assert sent.status_code == 302, sent.content.decode()
    box.refresh_from_db()
    assert box.state == BoxState.READY
    assert len(list(folder.glob("*.key"))) == 1  # the private key never left the folder
    page = member.get(url(world, "trustee", box)).content.decode()
    assert "Nothing until the ballot box closes" in page

    with scope(society=world.society):
        private = services.open_box(actor=world.users["returning_officer"], box=box,
                                    voter_ids=["a", "b", "c"])
        for voter, choice in (("a", [1, 0, 0]), ("b", [1, 0, 0]), ("c", [0, 1, 0])):
            services.encrypt_and_store(box, private[voter], [choice])
        services.close_box(actor=world.users["returning_officer"], box=box)
    overview = officer.get(url(world, "box", box)).content.decode()
    assert '<dd id="ballot-count">3</dd>' in overview and "Start the count" in overview
    real_tally = belenios.compute_encrypted_tally

    def crash(*args, **kwargs):
        raise belenios.BeleniosError("compute the encrypted tally", "the machine stopped")
    monkeypatch.setattr(belenios, "compute_encrypted_tally", crash)
    stopped = officer.post(url(world, "resume", box), follow=True).content.decode()
    assert "The last step stopped: " in stopped and "the machine stopped" in stopped
    assert "Try again" in stopped
    monkeypatch.setattr(belenios, "compute_encrypted_tally", real_tally)
    assert officer.post(url(world, "resume", box)).status_code == 302
    box.refresh_from_db()
    assert box.state == BoxState.TALLYING and box.error == ""

    # Trustee 1 presses the server's button; trustee 2 decrypts in their folder.
    assert "AGM 2027: your partial decryption is waiting for you" in html.unescape(
        secretary.get(home).content.decode())
    page = secretary.get(url(world, "trustee", box)).content.decode()
    assert "Make my partial decryption on the server" in page
    with django_capture_on_commit_callbacks(execute=True):  # the worker, at once
        assert secretary.post(url(world, "trustee", box),
                              {"action": "server"}).status_code == 302
    with scope(society=world.society):
        assert services.decryptions_in(box) == 1
    assert do_my_step(member, world, box, folder).status_code == 302
    # Trustee 2's decryption waits for the worker (which is not running here); the page says
    # so, and the officer has it checked, and the result computed, at once.
    assert 'id="step-queued"' in member.get(url(world, "trustee", box)).content.decode()
    overview = officer.get(url(world, "box", box)).content.decode()
    assert "Check the trustees' steps now" in overview
    assert '<dd id="count-progress">2 of 4 steps done' in overview  # tally, 1 of 2 decryptions
    assert officer.post(url(world, "resume", box)).status_code == 302
    box.refresh_from_db()
    assert box.state == BoxState.RESULT
    with scope(society=world.society):
        assert AuditEntry.objects.filter(society=world.society, action="ballotbox.decrypted",
                                         actor=world.users["member"]).count() == 1

    overview = officer.get(url(world, "box", box)).content.decode()
    assert box.record_sha256 in overview
    # Verifying is the worker's (minutes for a large election); here it runs on commit.
    with django_capture_on_commit_callbacks(execute=True):
        assert officer.post(url(world, "verify", box)).status_code == 302
    verdict = officer.get(url(world, "box", box)).content.decode()
    assert "The record verifies" in verdict
    assert officer.get(url(world, "officer_record", box)).content == bytes(box.record)

    # Members see the record once it is published (with a contest's result, or here).
    assert member.get(url(world, "record", box)).status_code == 404
    assert officer.post(url(world, "publish", box)).status_code == 302
    # A member checks the record with the commands its page prints.
    page = member.get(url(world, "record", box))
    assert page.status_code == 200
    audit = tmp_path / "auditor"
    audit.mkdir()
    download = member.get(url(world, "record_download", box))
    name = f"{box.election_id}.bel"
    assert f'filename="{name}"' in download["Content-Disposition"]
    (audit / name).write_bytes(download.content)
    commands = html.unescape(page.content.decode().split('<code id="auditor-commands">')[1]
                             .split("</code>")[0]).splitlines()
    outputs = [subprocess.run(["bash", "-c", c], cwd=audit, check=True, capture_output=True,
                              text=True, timeout=120).stdout for c in commands]
    assert outputs[0].split()[0] == box.record_sha256
    assert len(json.loads(outputs[-1])) == 3


@pytest.mark.parametrize("bad", [b"\xff\xfe not text", b"{}\x00"])
def test_a_file_that_is_not_text_is_refused_naming_the_field(tool, world, bad, tmp_path):
    box = make_box(world, threshold=1)
    upload = tmp_path / "ID.cert"
    upload.write_bytes(bad)
    response = world.client("member").post(url(world, "trustee", box),
                                           {"action": "upload", "upload": upload.open("rb")})
    assert response.status_code == 400
    assert "Or the file it wrote: This is not the text" in response.content.decode()
    box.refresh_from_db()
    with scope(society=world.society):
        assert box.trustee_rows.get(number=2).certificate == ""
