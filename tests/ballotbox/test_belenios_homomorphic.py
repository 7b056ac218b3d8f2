"""A resolution and an approval question, tallied homomorphically: only totals are decrypted.

Two trustees with plain keys (both needed). Also: what never reaches a command line, a log
or an error message, and what the ballot box refuses to encrypt.
"""

import logging
import os
import stat
import subprocess
import tempfile
from dataclasses import dataclass

import pytest

from ballotbox import belenios
from ballotbox.belenios import BallotRefused, BeleniosError, ChoiceQuestion, RankedQuestion

GROUP = belenios.GROUP_HOMOMORPHIC
QUESTIONS = [
    belenios.resolution_question("Adopt the accounts for 2026"),
    ChoiceQuestion("Approve the directors", ("Ann", "Bob", "Cat"), 1, 2, blank=True),
]
CAST = [  # resolution: for, against, abstain; directors: blank mark, then Ann, Bob, Cat
    [[1, 0, 0], [0, 1, 1, 0]],
    [[0, 1, 0], [0, 1, 0, 0]],
    [[0, 0, 1], [1, 0, 0, 0]],
    [[1, 0, 0], [0, 0, 1, 1]],
]


@dataclass
class Election:
    keys: list
    credentials: belenios.Credentials
    setup: belenios.ElectionSetup
    tallied: bytes
    tally: belenios.Tally


@pytest.fixture(scope="module")
def election(tool) -> Election:
    keys = [belenios.generate_trustee_key(GROUP) for _ in range(2)]
    trustees = belenios.make_trustees(public_keys=[k.public_key for k in keys])
    election_id = belenios.new_election_id()
    voters = [f"m{n}@example.org" for n in range(len(CAST))]
    credentials = belenios.generate_credentials(election_id, GROUP, voters)
    assert belenios.group_for(QUESTIONS) == GROUP
    setup = belenios.make_election(election_id, GROUP, trustees=trustees,
                                   public_credentials=credentials.public, name="AGM 2027",
                                   description="Annual general meeting", questions=QUESTIONS)
    ballots = [belenios.encrypt_ballot(election=setup.election, trustees=setup.trustees,
                                       private_credential=credentials.private[voter],
                                       choices=choices).text
               for voter, choices in zip(voters, CAST, strict=True)]
    tallied = belenios.compute_encrypted_tally(belenios.assemble_archive(setup.archive, ballots))
    decryptions = {n: belenios.decrypt_plain(tallied, private_key=k.private_key, trustee_id=n)
                   for n, k in enumerate(keys, start=1)}
    return Election(keys, credentials, setup, tallied,
                    belenios.compute_result(tallied, decryptions))


def test_only_the_totals_are_decrypted(election):
    resolution, directors = belenios.read_result(election.tally.result, election.setup.election)
    assert resolution.question == QUESTIONS[0]
    assert resolution.totals == (2, 1, 1)
    assert resolution.blank is None
    assert directors.totals == (2, 2, 1)
    assert directors.blank == 1
    assert belenios.verify_archive(election.tally.archive).ok


def test_the_questions_read_back_from_the_published_parameters(election):
    assert election.setup.questions == QUESTIONS
    assert election.setup.group == GROUP


def test_there_is_nothing_to_shuffle(election):
    with pytest.raises(BeleniosError, match="no ranked question to shuffle"):
        belenios.shuffle(election.tallied, 1)


@pytest.mark.parametrize(("choices", "complaint"), [
    ([[1, 0, 0]], "answers 1 questions"),
    ([[1, 1, 0], [0, 1, 0, 0]], "question 1: mark between 1 and 1"),
    ([[0, 0, 0], [0, 1, 0, 0]], "question 1: mark between 1 and 1"),
    ([[1, 0, 0], [0, 1, 1, 1]], "question 2: mark between 1 and 2"),
    ([[1, 0, 0], [1, 1, 0, 0]], "question 2: a blank answer marks nothing else"),
    ([[1, 0, 0], [0, 1, 0]], "question 2: one 0 or 1 per answer is needed"),
    ([[2, 0, 0], [0, 1, 0, 0]], "question 1: one 0 or 1 per answer is needed"),
])
def test_choices_outside_the_question_are_never_encrypted(election, choices, complaint):
    with pytest.raises(BallotRefused, match=complaint):
        belenios.encrypt_ballot(election=election.setup.election,
                                trustees=election.setup.trustees,
                                private_credential=election.credentials.private["m0@example.org"],
                                choices=choices)


def test_a_ranked_question_needs_the_ranked_group(election):
    with pytest.raises(BeleniosError, match=belenios.GROUP_RANKED):
        belenios.make_election(election.setup.election_id, GROUP, trustees=election.setup.trustees,
                               public_credentials=election.credentials.public, name="x",
                               questions=[RankedQuestion("Rank", ("Ann", "Bob"))])


def test_private_material_never_reaches_a_command_line_a_log_or_an_error(
        election, monkeypatch, tmp_path, caplog):
    credential = election.credentials.private["m1@example.org"]
    private_key = election.keys[0].private_key
    runs = []
    real_run = subprocess.run

    def watched(args, **kwargs):
        folder = kwargs["cwd"]
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        holding = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*")
                   if p.is_file() and any(secret.encode() in p.read_bytes()
                                          for secret in (credential, private_key))}
        runs.append((list(args), holding, kwargs.get("env")))
        return real_run(args, **kwargs)

    monkeypatch.setattr(belenios.subprocess, "run", watched)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    caplog.set_level(logging.DEBUG)
    belenios._archive_without_credentials.cache_clear()  # the archive is made in this test too
    belenios.encrypt_ballot(election=election.setup.election, trustees=election.setup.trustees,
                            private_credential=credential, choices=CAST[1])
    belenios.decrypt_plain(election.tallied, private_key=private_key, trustee_id=1)
    with pytest.raises(BeleniosError) as failed:
        belenios.decrypt_plain(election.tallied, private_key="notjson-secret-value",
                               trustee_id=1)

    assert len(runs) >= 4
    for args, holding, env in runs:
        assert not any(credential in a or private_key in a for a in args)
        assert all(mode == 0o600 for mode in holding.values()), holding
        assert set(env) == {"PATH", "LC_ALL"}  # nothing of ours, no secret, reaches the tool
    assert [sorted(holding) for _, holding, _ in runs[1:3]] == [["credential.txt"],
                                                                [belenios.PRIVATE_KEY_FILE]]
    assert "notjson-secret-value" not in str(failed.value)
    assert "[private]" in failed.value.tool_said  # the tool did echo it; it is blanked
    long_secret = "notjson-" + "k3Y" * 30  # the tool quotes only its first 33 characters
    with pytest.raises(BeleniosError) as failed:
        belenios.decrypt_plain(election.tallied, private_key=long_secret, trustee_id=1)
    assert failed.value.tool_said == "[withheld: it quoted private material]"
    assert "k3Yk3Y" not in str(failed.value)
    assert credential not in caplog.text and private_key not in caplog.text
    assert os.listdir(tmp_path) == []  # every working directory is gone


def test_ballots_of_one_election_need_one_tool_run_each_once_its_archive_is_made(
        election, monkeypatch):
    belenios._archive_without_credentials.cache_clear()
    runs = []
    real_run = subprocess.run

    def counted(args, **kwargs):
        runs.append(args[1:3])
        return real_run(args, **kwargs)

    monkeypatch.setattr(belenios.subprocess, "run", counted)
    made = [belenios.encrypt_ballot(election=election.setup.election,
                                    trustees=election.setup.trustees,
                                    private_credential=election.credentials.private[voter],
                                    choices=CAST[1])
            for voter in ("m1@example.org", "m2@example.org")]

    assert runs == [["archive", "init"], ["election", "generate-ballot"],
                    ["election", "generate-ballot"]]
    assert made[0].credential != made[1].credential
