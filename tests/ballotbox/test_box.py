"""The ballot box's state and services, with the real belenios-tool.

A 2-of-3 ranked box: trustee 2 keeps their key on their own computer (a folder of their own,
where the printed commands are typed), trustees 1 and 3 on the server; trustee 3 is absent
at the count. A homomorphic box of resolutions end to end.
"""

import json
import subprocess
from collections import Counter

import pytest
from django_scopes import scope

from ballotbox import belenios, services
from ballotbox.belenios import BallotRefused
from ballotbox.models import BoxState, EncryptedBallot, Keeping, StepKind, TallyStep
from ballotbox.services import BoxError, TrusteeSpec
from societies.models import AuditEntry
from tests.ballotbox.conftest import bump, edited_line

CANDIDATES = ("Ann", "Bob", "Cat", "Dan")
CAST = [[1, 2, 3, 4], [2, 1, 0, 0], [0, 0, 1, 0], [4, 3, 2, 1], [0, 0, 0, 0], [1, 0, 0, 2]]


def run_in(folder, instructions: services.Instructions) -> str:
    """Put the files the server offers in the trustee's folder, type the printed command
    there, and read what it wrote."""
    for name, content in instructions.files.items():
        path = folder / name
        path.parent.mkdir(exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    subprocess.run(["bash", "-c", instructions.command.shell()], cwd=folder, check=True,
                   capture_output=True, timeout=120)
    if instructions.sends == "ID.cert":
        return next(folder.glob("*.cert")).read_text()
    return (folder / instructions.sends).read_text()


def alter_factor(decryption):
    factors = decryption["decryption_factors"]
    factors[0][0] = bump(factors[0][0])


def actions(world, action):
    return list(AuditEntry.objects.filter(society=world.society, action=action))


def test_a_ranked_box_from_keys_to_a_verified_result(tool, world, tmp_path, monkeypatch,
                                                     django_capture_on_commit_callbacks):
    officer = world.users["returning_officer"]
    home = tmp_path / "trustee2"
    home.mkdir()
    with scope(society=world.society):
        box = services.create_box(
            actor=officer, society=world.society, name="Board election 2027",
            questions=[belenios.RankedQuestion("Elect two", CANDIDATES)], threshold=2,
            trustees=[TrusteeSpec("Ann Lee", Keeping.SERVER),
                      TrusteeSpec("Bo Chan", Keeping.OWN),
                      TrusteeSpec("Cy Dee", Keeping.SERVER)])
        assert box.group == belenios.GROUP_RANKED
        assert box.state == BoxState.KEYS and box.tool_version.startswith("2.0")
        one, two, three = box.trustee_rows.order_by("number")
        assert one.certificate and one.private_key and two.round == 1 and not two.private_key

        # Trustee 2: a wrong message is refused, named and audited; then the three rounds.
        with pytest.raises(BoxError, match=r"Trustee 2 \(Bo Chan\), round 1"):
            services.submit_key_message(actor=two.user, box=box, trustee_number=2,
                                        message='{"not": "a certificate"}')
        assert len(actions(world, "ballotbox.key_message_refused")) == 1
        for expected in (1, 3, 5):
            two.refresh_from_db()
            assert two.round == expected
            instructions = services.key_instructions(box, two)
            services.submit_key_message(actor=officer, box=box, trustee_number=2,
                                        message=run_in(home, instructions))
        box.refresh_from_db()
        assert box.state == BoxState.READY and box.trustees and box.error == ""
        assert len(actions(world, "ballotbox.key_message_sent")) == 3
        two.refresh_from_db()
        assert two.decryption_key and not two.private_key
        assert len(list(home.glob("*.key"))) == 1  # their key never left their folder

        voters = [f"v{n}" for n in range(len(CAST))]
        private = services.open_box(actor=officer, box=box, voter_ids=[*voters, "spare"])
        box.refresh_from_db()
        assert box.state == BoxState.OPEN and set(private) == {*voters, "spare"}
        assert box.credentials.count() == len(voters) + 1
        assert not any(c in box.election or c.encode() in bytes(box.setup_archive)
                       for c in private.values())

        trackers = [services.encrypt_and_store(box, private[v], [ranks])
                    for v, ranks in zip(voters, CAST, strict=True)]
        assert sorted(trackers) == sorted(box.ballots.values_list("tracker", flat=True))

        # Refusals: nothing stored.
        again = belenios.encrypt_ballot(election=box.election, trustees=box.trustees,
                                        private_credential=private["v0"], choices=[CAST[1]])
        with pytest.raises(BallotRefused, match="already in the ballot box"):
            services.store_ballot(box, again.text)
        stranger = belenios.generate_credentials(box.election_id, box.group, ["x"]).private["x"]
        with pytest.raises(BallotRefused, match="does not know"):
            services.encrypt_and_store(box, stranger, [CAST[0]])
        spare = belenios.encrypt_ballot(election=box.election, trustees=box.trustees,
                                        private_credential=private["spare"], choices=[CAST[1]])
        tampered = json.loads(spare.text)
        tampered["signature"]["proof"]["challenge"] = bump(
            tampered["signature"]["proof"]["challenge"])
        with pytest.raises(BallotRefused, match="do not verify"):
            services.store_ballot(box, json.dumps(tampered, separators=(",", ":")))
        assert box.ballots.count() == len(CAST)

        services.close_box(actor=officer, box=box)
        with pytest.raises(BallotRefused, match="not open"):
            services.store_ballot(box, again.text)

        # A crash during the encrypted tally: the error is on the box, nothing stored.
        real_tally = belenios.compute_encrypted_tally

        def crash(*args, **kwargs):
            raise belenios.BeleniosError("compute the encrypted tally", "the machine stopped")
        monkeypatch.setattr(belenios, "compute_encrypted_tally", crash)
        with pytest.raises(BoxError, match="the machine stopped"):
            services.resume(box)
        box.refresh_from_db()
        assert box.state == BoxState.CLOSED and "the machine stopped" in box.error
        assert not box.steps.exists()
        monkeypatch.setattr(belenios, "compute_encrypted_tally", real_tally)
        box = services.resume(box)
        assert box.state == BoxState.TALLYING and box.error == ""
        assert box.progress_step == "compute the encrypted tally" and box.progress_done == 2
        services.resume(box)  # nothing due: nothing changes
        assert box.steps.count() == 1

        # Shuffles: trustee 1 on the server, trustee 2 from their folder; not before two.
        with pytest.raises(BoxError, match="At least 2"):
            services.end_shuffles(actor=officer, box=box)
        real_shuffle = belenios.shuffle
        monkeypatch.setattr(belenios, "shuffle", crash)
        with pytest.raises(BoxError, match="Trustee 1: .*the machine stopped"):
            services.shuffle(actor=officer, box=box, trustee_number=1)
        box.refresh_from_db()
        assert "the machine stopped" in box.error and box.steps.count() == 1
        monkeypatch.setattr(belenios, "shuffle", real_shuffle)
        services.shuffle(actor=officer, box=box, trustee_number=1)
        box.refresh_from_db()
        assert box.error == ""
        mixed = run_in(tmp_path / "trustee2",
                       services.tally_instructions(box, two, StepKind.SHUFFLE))
        with pytest.raises(BoxError, match=r"Trustee 2 \(Bo Chan\).*shuffle"):
            services.shuffle(actor=officer, box=box, trustee_number=2,
                             message=edited_line(mixed, 0, lambda c: c["ciphertexts"][0][0]
                                                 .update(beta=bump(c["ciphertexts"][0][0]
                                                                   ["beta"]))))
        services.shuffle(actor=officer, box=box, trustee_number=2, message=mixed)
        services.end_shuffles(actor=officer, box=box)
        assert len(actions(world, "ballotbox.shuffled")) == 2
        assert len(actions(world, "ballotbox.shuffle_refused")) == 1

        # Partial decryptions: trustee 2's altered one refused first, then two valid ones.
        box.refresh_from_db()
        share = run_in(tmp_path / "trustee2",
                       services.tally_instructions(box, two, StepKind.DECRYPTION))
        bad = edited_line(share, 0, alter_factor)
        with pytest.raises(BoxError, match=r"Trustee 2 \(Bo Chan\).*waits for a valid one"):
            services.decrypt(actor=officer, box=box, trustee_number=2, message=bad)
        assert len(actions(world, "ballotbox.decryption_refused")) == 1
        assert not box.steps.filter(kind=StepKind.DECRYPTION).exists()

        real_result = belenios.compute_result
        monkeypatch.setattr(belenios, "compute_result", crash)
        services.decrypt(actor=officer, box=box, trustee_number=1)
        with django_capture_on_commit_callbacks(execute=True) as queued:
            services.decrypt(actor=officer, box=box, trustee_number=2, message=share)
        assert len(queued) == 1  # the worker's resume_box, which keeps the failure
        box.refresh_from_db()
        assert box.state == BoxState.TALLYING and "the machine stopped" in box.error
        assert box.steps.filter(kind=StepKind.DECRYPTION).count() == 2  # kept
        monkeypatch.setattr(belenios, "compute_result", real_result)
        box = services.resume(box)  # trustee 3 never came
        assert box.state == BoxState.RESULT and box.error == ""
        assert len(actions(world, "ballotbox.result_computed")) == 1

        (result,) = services.result_of(box)
        assert Counter(b.ranks for b in result.ballots) == Counter(tuple(r) for r in CAST)
        assert result.invalid == []
        record, digest = services.public_record(box)
        assert services.verify(box).ok
        assert sorted(belenios.ballot_summary(record)) == sorted(trackers)
        assert [s.kind for s in box.steps.order_by("position")] == [
            "tally", "shuffle", "shuffle", "end_shuffles", "decryption", "decryption", "result"]
        rebuilt = services.rebuild_record(box)
        assert belenios.verify_archive(rebuilt).ok
        assert rebuilt == record
        with pytest.raises(BoxError, match="not being counted"):
            services.decrypt(actor=officer, box=box, trustee_number=3)
        assert all(json.dumps(e.data).find(private["v0"]) < 0
                   for e in AuditEntry.objects.filter(society=world.society))
        assert digest and TallyStep.objects.filter(box=box).count() == 7


def test_a_box_of_resolutions_counts_totals(tool, world, tmp_path,
                                           django_capture_on_commit_callbacks):
    officer = world.users["returning_officer"]
    questions = [belenios.resolution_question("Adopt the accounts"),
                 belenios.ChoiceQuestion("Approve the directors", ("Ann", "Bob"), 1, 2,
                                         blank=True)]
    cast = [[[1, 0, 0], [0, 1, 1]], [[0, 1, 0], [1, 0, 0]], [[1, 0, 0], [0, 0, 1]]]
    with scope(society=world.society):
        box = services.create_box(
            actor=officer, society=world.society, name="AGM 2027", questions=questions,
            threshold=1, trustees=[TrusteeSpec("Ann Lee", Keeping.SERVER),
                                   TrusteeSpec("Cy Dee", Keeping.OWN)])
        one, two = box.trustee_rows.order_by("number")
        for _round in (1, 3):
            services.submit_key_message(actor=officer, box=box, trustee_number=2,
                                        message=run_in(tmp_path, services.key_instructions(
                                            box, two)))
            two.refresh_from_db()
        answer = run_in(tmp_path, services.key_instructions(box, two))
        altered = json.loads(answer)
        altered["public_key"]["public_key"] = bump(altered["public_key"]["public_key"])
        # An answer whose proof fails at step 6: named, dropped, sent again.
        with pytest.raises(BoxError, match=r"Trustee 2 \(Cy Dee\), round 5"):
            services.submit_key_message(actor=officer, box=box, trustee_number=2,
                                        message=json.dumps(altered, separators=(",", ":")))
        box.refresh_from_db()
        two.refresh_from_db()
        assert box.state == BoxState.KEYS and "Trustee 2" in box.error and two.round == 5
        assert len(actions(world, "ballotbox.key_message_refused")) == 1
        box = services.submit_key_message(actor=officer, box=box, trustee_number=2,
                                          message=answer)
        assert box.group == belenios.GROUP_HOMOMORPHIC and box.state == BoxState.READY
        assert box.error == ""
        private = services.open_box(actor=officer, box=box, voter_ids=["a", "b", "c", "d"])
        for voter, choices in zip("abc", cast, strict=False):
            services.encrypt_and_store(box, private[voter], choices)
        with django_capture_on_commit_callbacks(execute=True):  # the worker tallies
            services.close_box(actor=officer, box=box)
        box.refresh_from_db()
        with pytest.raises(BoxError, match="No shuffle"):
            services.shuffle(actor=officer, box=box, trustee_number=1)
        with django_capture_on_commit_callbacks(execute=True):  # and computes the result
            services.decrypt(actor=officer, box=box, trustee_number=1)
        box.refresh_from_db()
        assert box.state == BoxState.RESULT
        resolution, directors = services.result_of(box)
        assert resolution.totals == (2, 1, 0)
        assert directors.totals == (1, 2) and directors.blank == 1
        assert services.verify(box).ok
        assert EncryptedBallot.objects.filter(box=box).count() == 3
        assert len(actions(world, "ballotbox.created")) == 1
        assert len(actions(world, "ballotbox.opened")) == 1
        assert len(actions(world, "ballotbox.closed")) == 1
        assert len(actions(world, "ballotbox.decrypted")) == 1


def test_a_box_needs_a_sensible_threshold(world):
    with scope(society=world.society), pytest.raises(BoxError, match="between 1 and 2"):
        services.create_box(actor=world.users["secretary"], society=world.society, name="X",
                            questions=[belenios.resolution_question("Y")], threshold=3,
                            trustees=[TrusteeSpec("A"), TrusteeSpec("B")])
