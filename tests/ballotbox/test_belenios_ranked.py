"""A ranked (STV) election through belenios-tool from key generation to verified result.

Three trustees share the key, two of them are needed; the third is absent at decryption.
Six voters cast rankings; the decrypted rankings must be the ones cast. Trustee 3 makes their
key, trustee 2 their shuffle and partial decryption by typing the commands we print, on
"their own computer" (a folder of their own), as a trustee would.
"""

import json
import subprocess
from collections import Counter
from dataclasses import dataclass

import pytest

from ballotbox import belenios
from ballotbox.belenios import (
    BallotRefused,
    BeleniosError,
    RankedQuestion,
    TrusteeRefused,
)
from tests.ballotbox.conftest import bump, edited_line, rewrite_archive

GROUP = belenios.GROUP_RANKED
CANDIDATES = ("Ann", "Bob", "Cat", "Dan")
CAST = [  # each candidate's rank, 0 = unranked
    [1, 2, 3, 4],
    [2, 1, 0, 0],
    [0, 0, 1, 0],
    [4, 3, 2, 1],
    [0, 0, 0, 0],
    [1, 0, 0, 2],
]


@dataclass
class Election:
    keys: list
    certificates: list
    polynomials: list
    voutputs: list
    threshold: belenios.ThresholdKey
    credentials: belenios.Credentials
    setup: belenios.ElectionSetup
    ballots: list
    tallied: bytes
    shuffles: dict
    after_first_shuffle: bytes
    shuffled: bytes
    decryptions: dict
    tally: belenios.Tally


def run_as_trustee(command: belenios.Command, folder) -> None:
    """Type the printed command in the trustee's own folder."""
    subprocess.run(["bash", "-c", command.shell()], cwd=folder, check=True,
                   capture_output=True, timeout=120)


def trustee_folder(tmp_path_factory, archive: bytes):
    folder = tmp_path_factory.mktemp("trustee")
    (folder / belenios.ELECTION_DIR).mkdir()
    (folder / belenios.ELECTION_DIR / "downloaded.bel").write_bytes(archive)
    return folder


@pytest.fixture(scope="module")
def election(tool, tmp_path_factory) -> Election:
    # Trustees 1 and 2 through the functions; trustee 3 types the step-1 command.
    keys = [belenios.generate_trustee_certificate(GROUP) for _ in range(2)]
    home = tmp_path_factory.mktemp("trustee3")
    run_as_trustee(belenios.certificate_command(GROUP), home)
    keys.append(belenios.TrusteeKey(next(home.glob("*.cert")).read_text().strip(),
                                    next(home.glob("*.key")).read_text().strip()))
    certificates = [k.certificate for k in keys]
    assert (home / keys[2].key_file).exists()
    belenios.check_certificates(GROUP, certificates)
    polynomials = [belenios.generate_polynomial(GROUP, certificates, k.private_key, 2)
                   for k in keys]
    vinputs = belenios.compute_verification_inputs(GROUP, certificates, polynomials)
    voutputs = [belenios.compute_verification_output(GROUP, certificates, k.private_key, v)
                for k, v in zip(keys, vinputs, strict=True)]
    threshold = belenios.combine_threshold_key(GROUP, certificates, polynomials, voutputs)
    trustees = belenios.make_trustees(threshold.parameters)

    election_id = belenios.new_election_id()
    voters = [f"voter-{n}" for n in range(len(CAST))]
    credentials = belenios.generate_credentials(election_id, GROUP, voters)
    setup = belenios.make_election(
        election_id, GROUP, trustees=trustees, public_credentials=credentials.public,
        name="Board election 2027", questions=[RankedQuestion("Elect two", CANDIDATES)])

    ballots, used = [], set()
    for voter, ranks in zip(voters, CAST, strict=True):
        encrypted = belenios.encrypt_ballot(
            election=setup.election, trustees=setup.trustees,
            private_credential=credentials.private[voter], choices=[ranks])
        checked = belenios.check_ballot(
            election=setup.election, trustees=setup.trustees, ballot=encrypted.text,
            public_credentials=set(credentials.public), used_credentials=used)
        assert checked == encrypted
        used.add(checked.credential)
        ballots.append(checked)

    tallied = belenios.compute_encrypted_tally(
        belenios.assemble_archive(setup.archive, [b.text for b in ballots]))
    shuffles = {1: belenios.shuffle(tallied, 1)}
    after_first_shuffle = belenios.add_shuffle(tallied, shuffles[1], 1)
    folder = trustee_folder(tmp_path_factory, after_first_shuffle)
    run_as_trustee(belenios.shuffle_command(2), folder)
    shuffles[2] = (folder / belenios.SHUFFLE_FILE).read_text()
    shuffled = belenios.end_shuffles(belenios.add_shuffle(after_first_shuffle, shuffles[2], 2))

    decryptions = {1: belenios.decrypt_threshold(
        shuffled, private_key=keys[0].private_key, decryption_key=threshold.decryption_keys[0],
        trustee_id=1)}
    folder = trustee_folder(tmp_path_factory, shuffled)
    (folder / belenios.KEY_FILE).write_text(keys[1].private_key)
    (folder / belenios.DECRYPTION_KEY_FILE).write_text(threshold.decryption_keys[1])
    run_as_trustee(belenios.partial_decryption_command(2), folder)
    decryptions[2] = (folder / belenios.PARTIAL_DECRYPTION_FILE).read_text()
    tally = belenios.compute_result(shuffled, decryptions)  # trustee 3 is absent
    return Election(keys, certificates, polynomials, voutputs, threshold, credentials, setup,
                    ballots, tallied, shuffles, after_first_shuffle, shuffled, decryptions,
                    tally)


def test_the_decrypted_rankings_are_the_ones_cast_with_a_trustee_absent(election):
    assert set(election.decryptions) == {1, 2}
    (result,) = belenios.read_result(election.tally.result, election.setup.election)
    assert result.question == RankedQuestion("Elect two", CANDIDATES)
    assert Counter(b.ranks for b in result.ballots) == Counter(tuple(r) for r in CAST)
    assert result.invalid == []
    assert Counter(result.valid) == Counter([(0, 1, 2, 3), (1, 0), (2,), (3, 2, 1, 0), (),
                                             (0, 3)])


def test_the_public_record_verifies(election):
    verdict = belenios.verify_archive(election.tally.archive)
    assert verdict == belenios.Verification(True, "all checks passed")


def test_every_voter_finds_their_tracker_in_the_summary(election):
    trackers = belenios.ballot_summary(election.tally.archive)
    assert sorted(trackers) == sorted(b.tracker for b in election.ballots)
    assert election.ballots[0].tracker == belenios.tracker_of(election.ballots[0].text)


def test_the_published_credentials_are_the_authoritys_and_name_no_voter(election):
    assert election.setup.credentials_fingerprint == election.credentials.fingerprint
    assert b"voter-" not in election.tally.archive
    assert set(election.credentials.public_by_voter.values()) == set(election.credentials.public)
    assert election.setup.election_id in election.setup.election
    assert belenios.read_setup(election.tally.archive).election == election.setup.election


def test_printed_commands_are_what_a_trustee_types(election):
    key_file = election.keys[2].key_file
    assert (belenios.polynomial_command(GROUP, 2, key_file=key_file).shell()
            == f"belenios-tool setup generate-trustee-key-threshold --group {GROUP} --step 3 "
               f"--certs certificates.jsons --key {key_file} --threshold 2 > polynomial.json")
    assert (belenios.partial_decryption_command(3, key_file=key_file).shell()
            == f"belenios-tool election decrypt-threshold --dir election --key {key_file} "
               "--decryption-key decryption.key --trustee-id=3 > partial_decryption.jsons")
    assert belenios.verify_command().shell() == "belenios-tool election verify --dir election"


def check(election, text, used=()):
    return belenios.check_ballot(
        election=election.setup.election, trustees=election.setup.trustees, ballot=text,
        public_credentials=set(election.credentials.public), used_credentials=set(used))


def altered(ballot_text: str, change) -> str:
    ballot = json.loads(ballot_text)
    change(ballot)
    return json.dumps(ballot, separators=(",", ":"))


def set_answer_proof(b):
    b["answers"][0]["proof"]["response"] = bump(b["answers"][0]["proof"]["response"])


def set_signature(b):
    b["signature"]["proof"]["challenge"] = bump(b["signature"]["proof"]["challenge"])


def set_ciphertext(b):
    b["answers"][0]["choices"]["beta"] = bump(b["answers"][0]["choices"]["beta"])


@pytest.mark.parametrize(("change", "reason"), [
    (set_answer_proof, "its proofs or its signature do not verify"),
    (set_signature, "its proofs or its signature do not verify"),
    (set_ciphertext, "its proofs or its signature do not verify"),
])
def test_a_ballot_with_a_bad_proof_or_signature_is_refused(election, change, reason):
    with pytest.raises(BallotRefused) as refused:
        check(election, altered(election.ballots[0].text, change))
    assert refused.value.message == f"This ballot cannot be accepted: {reason}."


@pytest.mark.parametrize(("text", "reason"), [
    ("", "a ballot is one line of JSON"),
    ("not a ballot", "it is not a ballot"),
    ('{"hello": 1}', "it is not a ballot"),
    ("[1, 2]", "it is not a ballot"),
])
def test_a_malformed_ballot_is_refused(election, text, reason):
    with pytest.raises(BallotRefused) as refused:
        check(election, text)
    assert refused.value.message == f"This ballot cannot be accepted: {reason}."


def test_a_ballot_the_tool_cannot_read_is_refused(election):
    text = altered(election.ballots[0].text, lambda b: b.pop("answers"))
    with pytest.raises(BallotRefused, match="it is not a ballot"):
        check(election, text)
    spaced = json.dumps(json.loads(election.ballots[0].text))  # same ballot, other spacing
    with pytest.raises(BallotRefused, match="not written the way Belenios writes"):
        check(election, spaced)
    with pytest.raises(BallotRefused, match="one line of JSON"):
        check(election, election.ballots[0].text.replace(",", ",\n", 1))


def test_a_ballot_for_another_election_is_refused(election):
    text = altered(election.ballots[0].text,
                   lambda b: b.update(election_hash=b["election_hash"][::-1]))
    with pytest.raises(BallotRefused, match="made for another election"):
        check(election, text)


def test_a_ballot_signed_with_an_unknown_credential_is_refused(election):
    stranger = belenios.generate_credentials(election.setup.election_id, GROUP, ["stranger"])
    ballot = belenios.encrypt_ballot(
        election=election.setup.election, trustees=election.setup.trustees,
        private_credential=stranger.private["stranger"], choices=[CAST[0]])
    with pytest.raises(BallotRefused) as refused:
        check(election, ballot.text)
    assert refused.value.message == ("This ballot cannot be accepted: it is signed with a "
                                     "credential this election does not know.")


def test_a_second_ballot_with_the_same_credential_is_refused(election):
    again = belenios.encrypt_ballot(
        election=election.setup.election, trustees=election.setup.trustees,
        private_credential=election.credentials.private["voter-0"], choices=[CAST[1]])
    with pytest.raises(BallotRefused) as refused:
        check(election, again.text, used=[b.credential for b in election.ballots])
    assert refused.value.message == ("This ballot cannot be accepted: a ballot signed with "
                                     "this credential is already in the ballot box.")
    with pytest.raises(BeleniosError, match="same credential"):
        belenios.assemble_archive(election.setup.archive,
                                  [b.text for b in election.ballots] + [again.text])


@pytest.mark.parametrize("ranks", [[1, 1, 0, 0], [2, 0, 0, 0], [1, 2, 3, 9], [1, -1, 0, 0],
                                   [1, 2, 3], [True, 0, 0, 0]])
def test_a_ranking_our_count_would_not_read_is_never_encrypted(election, ranks):
    with pytest.raises(BallotRefused, match="question 1"):
        belenios.encrypt_ballot(
            election=election.setup.election, trustees=election.setup.trustees,
            private_credential=election.credentials.private["voter-0"], choices=[ranks])


def test_a_mistyped_credential_is_refused_without_being_repeated(election):
    typo = election.credentials.private["voter-0"][:-1] + "1"
    with pytest.raises(BallotRefused) as refused:
        belenios.encrypt_ballot(election=election.setup.election,
                                trustees=election.setup.trustees,
                                private_credential=typo, choices=[CAST[0]])
    assert "mistyped" in str(refused.value)
    assert typo not in str(refused.value)


def test_a_bad_answer_at_key_generation_is_refused_naming_the_trustee(election):
    swapped = [election.voutputs[0], election.voutputs[2], election.voutputs[1]]
    with pytest.raises(TrusteeRefused) as refused:
        belenios.combine_threshold_key(GROUP, election.certificates, election.polynomials,
                                       swapped)
    assert refused.value.trustee_ids == (2,)
    assert "trustee 2's answer does not check" in str(refused.value)


def test_a_shuffle_whose_proof_fails_is_refused_naming_the_trustee(election):
    def change(shuffle):
        shuffle["ciphertexts"][0][0]["beta"] = bump(shuffle["ciphertexts"][0][0]["beta"])

    bad = edited_line(election.shuffles[2], 0, change)
    with pytest.raises(TrusteeRefused) as refused:
        belenios.add_shuffle(election.after_first_shuffle, bad, 2)
    assert refused.value.trustee_ids == (2,)
    assert "trustee 2's shuffle does not verify" in str(refused.value)


def test_a_message_marked_as_another_trustees_is_refused(election):
    with pytest.raises(TrusteeRefused, match="marked as trustee 1's"):
        belenios.add_shuffle(election.after_first_shuffle, election.shuffles[1], 2)
    with pytest.raises(TrusteeRefused, match="marked as trustee 2's"):
        belenios.compute_result(election.shuffled, {1: election.decryptions[2]})


def test_shuffles_end_only_after_two(election):
    with pytest.raises(BeleniosError, match="at least 2 times"):
        belenios.end_shuffles(election.after_first_shuffle)


def test_a_partial_decryption_whose_proof_fails_is_refused_naming_the_trustee(election):
    def change(decryption):
        factors = decryption["decryption_factors"]
        factors[0][0] = bump(factors[0][0])

    bad = edited_line(election.decryptions[2], 0, change)
    with pytest.raises(TrusteeRefused) as refused:
        belenios.compute_result(election.shuffled, {1: election.decryptions[1], 2: bad})
    assert refused.value.trustee_ids == (2,)
    assert "partial decryption of trustee 2 does not verify" in str(refused.value)
    assert belenios.check_partial_decryption(election.shuffled, election.decryptions[1], 1) \
        is None


def test_one_share_is_not_enough(election):
    with pytest.raises(BeleniosError, match="not enough partial decryptions"):
        belenios.compute_result(election.shuffled, {1: election.decryptions[1]})


def drop_a_ballot(records):
    ballot_event = next(i for i, (kind, content, _) in enumerate(records)
                        if kind == "event" and b'"type":"Ballot"' in content)
    return records[:ballot_event - 1] + records[ballot_event + 1:]


def change_first(marker: bytes, change):
    """An edit for rewrite_archive: `change` the JSON of the first data record holding
    `marker`."""
    def edit(records):
        for index, (kind, content, old_hash) in enumerate(records):
            if kind == "data" and marker in content:
                value = json.loads(content)
                change(value)
                records[index] = (kind, json.dumps(value, separators=(",", ":")).encode(),
                                  old_hash)
                return records
        raise AssertionError(f"no record holds {marker}")
    return edit


def bump_decryption_proof(decryption):
    proof = decryption["decryption_proofs"][0][0]
    proof["response"] = bump(proof["response"])


def bump_shuffle_proof(shuffle):
    response = shuffle["proofs"][0][1]
    response[0] = bump(response[0])


change_a_ballot = change_first(b'"election_uuid"', set_ciphertext)
alter_a_decryption_proof = change_first(b'"decryption_proofs"', bump_decryption_proof)
alter_a_shuffle_proof = change_first(b'"proofs"', bump_shuffle_proof)


def test_rewriting_a_record_unchanged_keeps_it_valid(election, tmp_path):
    # So the rejections below come from what was changed, not from the rewriting.
    rewritten = rewrite_archive(election.tally.archive, lambda records: records, tmp_path)
    assert rewritten == election.tally.archive


@pytest.mark.parametrize(("tamper", "reason"), [
    (change_a_ballot, "invalid ballot"),
    (drop_a_ballot, "shuffle #0 failed tests"),
    (alter_a_shuffle_proof, "shuffle #0 failed tests"),
    (alter_a_decryption_proof, "check_result failed"),
], ids=["ballot changed", "ballot dropped", "shuffle proof altered", "decryption proof altered"])
def test_a_consistently_rewritten_record_is_rejected(election, tamper, reason, tmp_path):
    tampered = rewrite_archive(election.tally.archive, tamper, tmp_path)
    verdict = belenios.verify_archive(tampered)
    assert not verdict.ok
    assert reason in verdict.message


def test_a_record_changed_in_place_is_rejected(election):
    ballot = election.ballots[0].text.encode()
    digit = ballot.index(b'"beta":"') + len(b'"beta":"')
    changed = ballot[:digit] + (b"2" if ballot[digit:digit + 1] == b"1" else b"1") \
        + ballot[digit + 1:]
    tampered = election.tally.archive.replace(ballot, changed)
    assert tampered != election.tally.archive
    assert not belenios.verify_archive(tampered).ok
