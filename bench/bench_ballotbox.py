"""Ballot box benchmark: Debian's belenios-tool 2.0 through ballotbox.belenios.

    python -m bench ballotbox        (or `make bench`; needs belenios-tool 2.0)

An election of 100 voters with one 10-candidate ranked question (RFC-3526-2048), three
trustees of whom two are needed (threshold key). Rankings are random from a fixed seed.
Figures, in seconds of wall-clock time (and `_cpu_s`: CPU seconds of the tool's processes,
steadier on a shared machine):
- belenios_encrypt_ranked_s: one ballot encrypted (`encrypt_ballot`), median of 100
- belenios_check_ballot_s: one submitted ballot checked before it is stored
  (`check_ballot`), median of 100
- belenios_tally_100_s: from close to result for the 100 ballots: the record assembled, the
  encrypted tally, two shuffles each checked, two partial decryptions, the result
- belenios_verify_100_s: `election verify` of the finished record
- belenios_assemble_100_s: assembling the record from the 100 ballots in one `archive make`,
  against belenios_add_event_100_s: appending them one `archive add-event` process each
No database is used.
"""

import os
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from ballotbox import belenios
from bench.support import emit

VOTERS = 100
CANDIDATES = 10
SEED = 20261207
GROUP = belenios.GROUP_RANKED


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def _timed(work):
    """Run `work()`: its result, wall-clock seconds and the tool's CPU seconds."""
    wall, cpu = time.perf_counter(), _children_cpu()
    result = work()
    return result, time.perf_counter() - wall, _children_cpu() - cpu


def _threshold_trustees():
    keys = [belenios.generate_trustee_certificate(GROUP) for _ in range(3)]
    certificates = [k.certificate for k in keys]
    belenios.check_certificates(GROUP, certificates)
    polynomials = [belenios.generate_polynomial(GROUP, certificates, k.private_key, 2)
                   for k in keys]
    vinputs = belenios.compute_verification_inputs(GROUP, certificates, polynomials)
    voutputs = [belenios.compute_verification_output(GROUP, certificates, k.private_key, v)
                for k, v in zip(keys, vinputs, strict=True)]
    threshold = belenios.combine_threshold_key(GROUP, certificates, polynomials, voutputs)
    return keys, threshold, belenios.make_trustees(threshold.parameters)


def _rankings(rng: random.Random) -> list[list[int]]:
    rankings = []
    for _ in range(VOTERS):
        order = rng.sample(range(CANDIDATES), rng.randint(1, CANDIDATES))
        rankings.append(belenios.ranks_from_preferences(order, CANDIDATES))
    return rankings


def _cast(setup, credentials, rankings):
    encrypt, check, ballots, used = [], [], [], set()
    public = set(credentials.public)
    for voter, ranks in zip(credentials.private, rankings, strict=True):
        ballot, wall, cpu = _timed(lambda v=voter, r=ranks: belenios.encrypt_ballot(
            election=setup.election, trustees=setup.trustees,
            private_credential=credentials.private[v], choices=[r]))
        encrypt.append((wall, cpu))
        checked, wall, cpu = _timed(lambda b=ballot: belenios.check_ballot(
            election=setup.election, trustees=setup.trustees, ballot=b.text,
            public_credentials=public, used_credentials=used))
        check.append((wall, cpu))
        used.add(checked.credential)
        ballots.append(checked.text)
    return ballots, encrypt, check


def _tally(setup, ballots, keys, threshold):
    archive = belenios.compute_encrypted_tally(belenios.assemble_archive(setup.archive, ballots))
    for trustee in (1, 2):
        archive = belenios.add_shuffle(archive, belenios.shuffle(archive, trustee), trustee)
    archive = belenios.end_shuffles(archive)
    decryptions = {n: belenios.decrypt_threshold(
        archive, private_key=keys[n - 1].private_key,
        decryption_key=threshold.decryption_keys[n - 1], trustee_id=n) for n in (1, 2)}
    return belenios.compute_result(archive, decryptions)


def _add_event_per_ballot(setup, ballots) -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "election.bel").write_bytes(setup.archive)
        for ballot in ballots:
            subprocess.run([belenios.check_tool(), "archive", "add-event", "--dir", folder,
                            "--type=Ballot"], input=ballot.encode() + b"\n",
                           capture_output=True, check=True, timeout=60)


def _emit_median(name: str, samples) -> None:
    emit(f"{name}_s", statistics.median(wall for wall, _ in samples), "s")
    emit(f"{name}_cpu_s", statistics.median(cpu for _, cpu in samples), "s")


def _emit_one(name: str, wall: float, cpu: float) -> None:
    emit(f"{name}_s", wall, "s")
    emit(f"{name}_cpu_s", cpu, "s")


def run() -> None:
    belenios.check_tool()
    keys, threshold, trustees = _threshold_trustees()
    election_id = belenios.new_election_id()
    credentials = belenios.generate_credentials(election_id, GROUP,
                                                [f"voter-{n}" for n in range(VOTERS)])
    setup = belenios.make_election(
        election_id, GROUP, trustees=trustees, public_credentials=credentials.public,
        name="Benchmark", questions=[belenios.RankedQuestion(
            "Rank the candidates", tuple(f"Candidate {n}" for n in range(CANDIDATES)))])
    ballots, encrypt, check = _cast(setup, credentials, _rankings(random.Random(SEED)))
    _emit_median("belenios_encrypt_ranked", encrypt)
    _emit_median("belenios_check_ballot", check)

    tally, wall, cpu = _timed(lambda: _tally(setup, ballots, keys, threshold))
    _emit_one("belenios_tally_100", wall, cpu)
    verdict, wall, cpu = _timed(lambda: belenios.verify_archive(tally.archive))
    assert verdict.ok, verdict.message
    _emit_one("belenios_verify_100", wall, cpu)

    _, wall, cpu = _timed(lambda: belenios.assemble_archive(setup.archive, ballots))
    _emit_one("belenios_assemble_100", wall, cpu)
    _, wall, cpu = _timed(lambda: _add_event_per_ballot(setup, ballots))
    _emit_one("belenios_add_event_100", wall, cpu)


if __name__ == "__main__":
    run()
