"""Debian's belenios-tool 2.0, run as a separate program, one function per party's step.

Belenios (https://www.belenios.org, specification in its repository, doc/specification.tex)
is the cryptography of the ballot box; this module only runs its command-line tool and moves
texts between the parties. Nothing here encrypts, proves or checks anything itself.

Who runs what (docs/secrecy.md has the commands a trustee types on their own computer):
- **Trustees** hold the private key shares. Their steps take and return public messages, plus
  their own private material, which never leaves their side: `generate_trustee_certificate`
  (step 1), `generate_polynomial` (3), `compute_verification_output` (5), `shuffle`,
  `decrypt_threshold`. The same steps run on a trustee's computer with the `Command` each
  `*_command` function prints; the server then only relays public messages.
- **The server** relays and checks: `check_certificates` (2), `compute_verification_inputs` (4),
  `combine_threshold_key` (6), `make_trustees`, `make_election`, `check_ballot`,
  `assemble_archive`, `compute_encrypted_tally`, `add_shuffle`, `end_shuffles`,
  `compute_result`.
- **The credential authority** (`generate_credentials`) sees every voter's private credential
  once, to hand it out; only the public credentials are kept.
- **A voter's device** (or the server on the voter's behalf) runs `encrypt_ballot`.
- **Anyone** runs `verify_archive` and `ballot_summary` on the public record.

Every call runs in its own temporary directory (mode 0700, removed afterwards); private
material is written there in files of mode 0600 and named on the command line by file name
only; nothing secret is logged or put in an error message. Every call has a timeout. A
failure raises `BeleniosError` naming the step and what the tool said.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import logging
import os
import re
import shlex
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Container, Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("omov.ballotbox")

TOOL_VERSION = "2.0"
# Debian's 2.0 offers these two groups only. Ranked (non-homomorphic) questions need a group
# with an embedding of small integers: RFC-3526-2048. Homomorphic questions alone run about
# five times cheaper in BELENIOS-2048.
GROUP_HOMOMORPHIC = "BELENIOS-2048"
GROUP_RANKED = "RFC-3526-2048"
GROUPS = (GROUP_HOMOMORPHIC, GROUP_RANKED)
# A ranking is encoded as 8 bits a candidate plus 8 bits of padding inside one 2048-bit group
# element; with more than about 254 candidates the tool loops for ever, so we stop well short.
MAX_RANKED_CANDIDATES = 250

SETUP_TIMEOUT = 120.0  # seconds: key generation, election set-up, archive assembly
CAST_TIMEOUT = 60.0  # seconds: encrypting or checking one ballot
MAX_BALLOT_CHARS = 1_000_000

# File and folder names, the same in what we run and in the commands we print for trustees.
ELECTION_DIR = "election"
CERTIFICATES_FILE = "certificates.jsons"
POLYNOMIALS_FILE = "polynomials.jsons"
KEY_FILE = "trustee.key"
VINPUT_FILE = "vinput.json"
VOUTPUT_FILE = "voutput.json"
VOUTPUTS_FILE = "voutputs.jsons"
POLYNOMIAL_FILE = "polynomial.json"
DECRYPTION_KEY_FILE = "decryption.key"
PRIVATE_KEY_FILE = "private.key"
SHUFFLE_FILE = "shuffle.jsons"
PARTIAL_DECRYPTION_FILE = "partial_decryption.jsons"

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_CREDENTIAL = re.compile(rf"[{_BASE58}]{{3}}(-?[{_BASE58}]{{3}}){{4}}")
_ELECTION_ID = re.compile(rf"[{_BASE58}]{{14,}}")
_VOTER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")
_ARCHIVE_FILE = re.compile(r"[0-9a-f]{64}\.(data|event)\.json")


# --- Errors ----------------------------------------------------------------------------------

class BeleniosError(Exception):
    """A step failed: `step` says which, `message` why, `tool_said` what belenios-tool printed
    (with any private material of the step blanked out)."""

    def __init__(self, step: str, message: str, tool_said: str = "",
                 status: int | None = None):
        self.step = step
        self.message = message
        self.tool_said = tool_said
        self.status = status  # the tool's exit status, when it ran and failed
        text = f"{step}: {message}"
        if tool_said:
            text += f" (belenios-tool said: {tool_said})"
        super().__init__(text)


class BallotRefused(BeleniosError):
    """A ballot that cannot be made or accepted; `message` is a sentence a voter can read."""


class TrusteeRefused(BeleniosError):
    """A trustee's message (shuffle, partial decryption) that fails its checks; names them."""

    def __init__(self, step: str, message: str, trustee_ids: Sequence[int], tool_said: str = ""):
        self.trustee_ids = tuple(trustee_ids)
        super().__init__(step, message, tool_said)


# --- Running the tool ------------------------------------------------------------------------

@dataclass(frozen=True)
class Command:
    """One run of belenios-tool: the arguments, and the files standard input is read from and
    standard output saved to. `shell()` is the line a trustee types; we run the same."""

    args: tuple[str, ...]
    stdin: str | None = None
    stdout: str | None = None

    def shell(self) -> str:
        line = " ".join(shlex.quote(part) for part in ("belenios-tool", *self.args))
        if self.stdin:
            line += f" < {shlex.quote(self.stdin)}"
        if self.stdout:
            line += f" > {shlex.quote(self.stdout)}"
        return line


def _setting(name: str, default):
    # Django's settings where there are some; the environment on a machine without them.
    from django.conf import settings

    if settings.configured or os.environ.get("DJANGO_SETTINGS_MODULE"):
        return getattr(settings, name, default)
    return os.environ.get(name, default)


def tool_path() -> str:
    """The tool named by settings.BELENIOS_TOOL (default `belenios-tool`, found on PATH)."""
    return _setting("BELENIOS_TOOL", "belenios-tool")


def tally_timeout() -> float:
    """Seconds one tally step may run (settings.BELENIOS_TALLY_TIMEOUT, default 4 hours)."""
    return float(_setting("BELENIOS_TALLY_TIMEOUT", 4 * 3600))


_checked_versions: dict[str, str] = {}


def check_tool() -> str:
    """The tool's full path, once it has said it is version 2.0; BeleniosError otherwise."""
    step = "check belenios-tool"
    name = tool_path()
    path = shutil.which(name)
    if path is None:
        raise BeleniosError(step, f"{name!r} was not found: install Debian's belenios-tool "
                                  f"{TOOL_VERSION} (apt-get install belenios-tool) or set "
                                  "BELENIOS_TOOL to its path")
    if path not in _checked_versions:
        try:
            done = subprocess.run([path, "--version"], capture_output=True, text=True,
                                  timeout=30, env=_child_environment(), check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise BeleniosError(step, f"{path} could not be run: {error}") from None
        found = done.stdout.strip()
        if done.returncode != 0 or found.split(" ")[0] != TOOL_VERSION:
            raise BeleniosError(step, f"{path} is version {found or 'unknown'}; OMOV is "
                                      f"written for version {TOOL_VERSION} (Debian's package), "
                                      "whose formats and commands it relies on")
        _checked_versions[path] = found
    return path


def tool_version() -> str:
    """The version line of the tool in use, e.g. `2.0 (20230102)`: record it per election."""
    return _checked_versions[check_tool()]


def _child_environment() -> dict[str, str]:
    # The tool needs nothing from ours; none of the app's settings or secrets reach it.
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}


@contextmanager
def _workdir():
    path = Path(tempfile.mkdtemp(prefix="omov-belenios-"))  # mode 0700
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _write(path: Path, content: str | bytes) -> None:
    """A new file only its owner can read (mode 0600), whether or not it holds a secret."""
    data = content.encode() if isinstance(content, str) else content
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "wb") as out:
        out.write(data)


def _tool_said(stderr: str, secrets: Iterable[str]) -> str:
    """What the tool said, without its progress lines and with every secret blanked out."""
    lines = [line for line in stderr.splitlines() if line and not line.startswith("I: ")]
    said = " ".join(line.removeprefix("belenios-tool: ") for line in lines)[-2000:]
    for secret in secrets:
        for part in {secret.strip(), *(line.strip() for line in secret.splitlines())}:
            if len(part) >= 4:
                said = said.replace(part, "[private]")
        # The tool may quote part of a file it cannot read: any 8 characters of a secret
        # left in its message withhold the message.
        secret = secret.strip()
        if any(secret[i:i + 8] in said for i in range(len(secret) - 7)):
            return "[withheld: it quoted private material]"
    return said


def _run(step: str, command: Command, workdir: Path, *, timeout: float,
         secrets: Iterable[str] = (), binary: bool = False) -> str | bytes:
    """Run one command in `workdir`; its standard output (text unless `binary`)."""
    path = check_tool()
    stdin = open(workdir / command.stdin, "rb") if command.stdin else subprocess.DEVNULL  # noqa: SIM115
    started = time.monotonic()
    try:
        done = subprocess.run([path, *command.args], cwd=workdir, stdin=stdin,
                              capture_output=True, timeout=timeout, env=_child_environment(),
                              check=False)
    except subprocess.TimeoutExpired:
        raise BeleniosError(step, f"stopped after {timeout:g} s without finishing") from None
    except OSError as error:
        raise BeleniosError(step, f"{path} could not be run: {error.strerror}") from None
    finally:
        if command.stdin:
            stdin.close()
    log.debug("belenios-tool %s (%s): %.2f s", command.args[:2], step,
              time.monotonic() - started)
    if done.returncode != 0:
        raise BeleniosError(step, f"belenios-tool stopped with status {done.returncode}",
                            _tool_said(done.stderr.decode(errors="replace"), secrets),
                            done.returncode)
    return done.stdout if binary else done.stdout.decode()


def _one_line(text: str, what: str, step: str) -> str:
    text = text.strip()
    if not text or "\n" in text or "\r" in text:
        raise BeleniosError(step, f"the {what} must be one line of JSON")
    return text


def _b64_sha256(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


def _check_group(group: str) -> None:
    if group not in GROUPS:
        raise BeleniosError("choose the group", f"{group!r} is not one of {', '.join(GROUPS)}")


# --- The election's identity -----------------------------------------------------------------

def new_election_id() -> str:
    """A fresh election id (Belenios calls it the UUID): 14 or more base-58 characters."""
    step = "generate the election id"
    with _workdir() as work:
        token = _run(step, Command(("setup", "generate-token")), work,
                     timeout=SETUP_TIMEOUT).strip()
    if not _ELECTION_ID.fullmatch(token):
        raise BeleniosError(step, "the tool gave something that is not an election id")
    return token


# --- Threshold key generation (Pedersen), steps 1 to 6 ----------------------------------------

@dataclass(frozen=True)
class TrusteeKey:
    """A trustee's step 1: the certificate to send, and the private key to keep (never sent)."""

    certificate: str
    private_key: str = field(repr=False)

    @property
    def key_file(self) -> str:
        """The name the tool gives the private key file on the trustee's computer."""
        return certificate_id(self.certificate) + ".key"


@dataclass(frozen=True)
class ThresholdKey:
    """Step 6: the public threshold parameters, and each trustee's decryption key, encrypted
    to that trustee's certificate (in certificate order), to hand back to them."""

    parameters: str
    decryption_keys: tuple[str, ...]


def certificate_id(certificate: str) -> str:
    """The fingerprint the tool names a trustee's files by (SHA-256 of the certificate's
    message, hex): their key is `<id>.key`, their decryption key `<id>.dkey`."""
    try:
        message = json.loads(certificate)["message"]
    except (ValueError, KeyError, TypeError):
        raise BeleniosError("read a certificate", "this is not a trustee's certificate") from None
    return hashlib.sha256(message.encode()).hexdigest()


def certificate_command(group: str) -> Command:
    """Trustee, step 1: writes `<id>.cert` (send it) and `<id>.key` (keep it)."""
    return Command(("setup", "generate-trustee-key-threshold", "--group", group, "--step", "1"))


def check_certificates_command(group: str, certificates_file: str = CERTIFICATES_FILE) -> Command:
    """Step 2, anyone: check every trustee's certificate."""
    return Command(("setup", "generate-trustee-key-threshold", "--group", group, "--step", "2",
                    "--certs", certificates_file))


def polynomial_command(group: str, threshold: int, key_file: str = KEY_FILE,
                       certificates_file: str = CERTIFICATES_FILE) -> Command:
    """Trustee, step 3: the polynomial to send."""
    return Command(("setup", "generate-trustee-key-threshold", "--group", group, "--step", "3",
                    "--certs", certificates_file, "--key", key_file,
                    "--threshold", str(threshold)), stdout=POLYNOMIAL_FILE)


def verification_output_command(group: str, key_file: str = KEY_FILE,
                                certificates_file: str = CERTIFICATES_FILE) -> Command:
    """Trustee, step 5: reads the server's message (vinput), writes the answer to send."""
    return Command(("setup", "generate-trustee-key-threshold", "--group", group, "--step", "5",
                    "--certs", certificates_file, "--key", key_file),
                   stdin=VINPUT_FILE, stdout=VOUTPUT_FILE)


def _certificates(certificates: Sequence[str], step: str) -> str:
    if len(certificates) < 1:
        raise BeleniosError(step, "there are no certificates")
    lines = [_one_line(c, "certificate", step) for c in certificates]
    ids = [certificate_id(c) for c in lines]
    if len(set(ids)) != len(ids):
        raise BeleniosError(step, "the same certificate is there twice")
    return "".join(line + "\n" for line in lines)


def _generate_key_pair(step: str, group: str, command: Command, public: str,
                       private: str) -> tuple[str, str]:
    """Run a key generation; the one public and one private file it writes, read."""
    _check_group(group)
    with _workdir() as work:
        _run(step, command, work, timeout=SETUP_TIMEOUT)
        found = [list(work.glob(f"*.{suffix}")) for suffix in (public, private)]
        if [len(files) for files in found] != [1, 1]:
            raise BeleniosError(step, f"the tool did not write one .{public} and one .{private}")
        return found[0][0].read_text().strip(), found[1][0].read_text().strip()


def generate_trustee_certificate(group: str) -> TrusteeKey:
    """Trustee, step 1. The private key stays with the trustee."""
    return TrusteeKey(*_generate_key_pair("generate a trustee's certificate (step 1)", group,
                                          certificate_command(group), "cert", "key"))


def check_certificates(group: str, certificates: Sequence[str]) -> None:
    """Step 2 (server, and each trustee for themselves): every certificate is valid."""
    step = "check the trustees' certificates (step 2)"
    _check_group(group)
    with _workdir() as work:
        _write(work / CERTIFICATES_FILE, _certificates(certificates, step))
        _run(step, check_certificates_command(group), work, timeout=SETUP_TIMEOUT)


def generate_polynomial(group: str, certificates: Sequence[str], private_key: str,
                        threshold: int) -> str:
    """Trustee, step 3: their polynomial (a public message; its secret parts are encrypted
    to each other trustee). `threshold` trustees will be needed to decrypt."""
    step = "generate a trustee's polynomial (step 3)"
    _check_group(group)
    if not 1 <= threshold <= len(certificates):
        raise BeleniosError(step, f"the threshold must be between 1 and {len(certificates)}, "
                                  f"the number of trustees; it is {threshold}")
    with _workdir() as work:
        _write(work / CERTIFICATES_FILE, _certificates(certificates, step))
        _write(work / KEY_FILE, private_key.strip() + "\n")
        out = _run(step, polynomial_command(group, threshold), work, timeout=SETUP_TIMEOUT,
                   secrets=[private_key])
    return _one_line(out, "polynomial", step)


def compute_verification_inputs(group: str, certificates: Sequence[str],
                                polynomials: Sequence[str]) -> list[str]:
    """Server, step 4: from every trustee's polynomial (in certificate order), one message
    (vinput) for each trustee, in certificate order."""
    step = "combine the polynomials (step 4)"
    _check_group(group)
    if len(polynomials) != len(certificates):
        raise BeleniosError(step, f"{len(certificates)} certificates but "
                                  f"{len(polynomials)} polynomials")
    with _workdir() as work:
        _write(work / CERTIFICATES_FILE, _certificates(certificates, step))
        _write(work / POLYNOMIALS_FILE,
               "".join(_one_line(p, "polynomial", step) + "\n" for p in polynomials))
        _run(step, Command(("setup", "generate-trustee-key-threshold", "--group", group,
                            "--step", "4", "--certs", CERTIFICATES_FILE,
                            "--polynomials", POLYNOMIALS_FILE)), work, timeout=SETUP_TIMEOUT)
        return [(work / f"{certificate_id(c)}.vinput").read_text().strip()
                for c in certificates]


def compute_verification_output(group: str, certificates: Sequence[str], private_key: str,
                                vinput: str) -> str:
    """Trustee, step 5: checks the server's message to them and answers it (voutput)."""
    step = "answer the server's verification message (step 5)"
    _check_group(group)
    with _workdir() as work:
        _write(work / CERTIFICATES_FILE, _certificates(certificates, step))
        _write(work / KEY_FILE, private_key.strip() + "\n")
        _write(work / VINPUT_FILE, _one_line(vinput, "verification input", step) + "\n")
        out = _run(step, verification_output_command(group), work, timeout=SETUP_TIMEOUT,
                   secrets=[private_key])
    return _one_line(out, "verification output", step)


def combine_threshold_key(group: str, certificates: Sequence[str], polynomials: Sequence[str],
                          voutputs: Sequence[str]) -> ThresholdKey:
    """Server, step 6: checks every trustee's answer and makes the threshold parameters.
    A bad answer is refused with the trustee's number (1 = first certificate)."""
    step = "make the threshold key (step 6)"
    _check_group(group)
    if not len(certificates) == len(polynomials) == len(voutputs):
        raise BeleniosError(step, "one certificate, polynomial and answer per trustee are needed")
    with _workdir() as work:
        _write(work / CERTIFICATES_FILE, _certificates(certificates, step))
        _write(work / POLYNOMIALS_FILE,
               "".join(_one_line(p, "polynomial", step) + "\n" for p in polynomials))
        _write(work / VOUTPUTS_FILE,
               "".join(_one_line(v, "verification output", step) + "\n" for v in voutputs))
        command = Command(("setup", "generate-trustee-key-threshold", "--group", group,
                           "--step", "6", "--certs", CERTIFICATES_FILE,
                           "--polynomials", POLYNOMIALS_FILE), stdin=VOUTPUTS_FILE)
        try:
            parameters = _run(step, command, work, timeout=SETUP_TIMEOUT)
        except BeleniosError as error:
            # The tool names the first failing answer, counting from 1.
            found = re.search(r"(?:verification key|pok) (\d+) (?:is incorrect|does not "
                              r"validate)", error.tool_said)
            if found:
                number = int(found.group(1))
                raise TrusteeRefused(step, f"trustee {number}'s answer does not check",
                                     [number], error.tool_said) from None
            raise
        keys = tuple((work / f"{certificate_id(c)}.dkey").read_text().strip()
                     for c in certificates)
    return ThresholdKey(_one_line(parameters, "threshold parameters", step), keys)


# --- A plain (non-threshold) trustee key ------------------------------------------------------

@dataclass(frozen=True)
class PlainTrusteeKey:
    """A key every holder of which must take part in the decryption (no threshold)."""

    public_key: str
    private_key: str = field(repr=False)


def plain_key_command(group: str) -> Command:
    """Trustee: writes `<ID>.pubkey` (send it) and `<ID>.privkey` (keep it)."""
    return Command(("setup", "generate-trustee-key", "--group", group))


def generate_trustee_key(group: str) -> PlainTrusteeKey:
    """Trustee: a plain key pair. The private key stays with the trustee."""
    return PlainTrusteeKey(*_generate_key_pair("generate a trustee's plain key", group,
                                               plain_key_command(group), "pubkey", "privkey"))


def make_trustees(threshold_parameters: str | None = None,
                  public_keys: Sequence[str] = ()) -> str:
    """Server: the election's trustees (trustees.json). Trustees are numbered from 1: plain
    keys first, in the order given, then the threshold trustees in certificate order."""
    step = "make the trustees"
    if threshold_parameters is None and not public_keys:
        raise BeleniosError(step, "an election needs at least one trustee")
    with _workdir() as work:
        _write(work / "public_keys.jsons",
               "".join(_one_line(k, "public key", step) + "\n" for k in public_keys))
        if threshold_parameters is not None:
            _write(work / "threshold.json",
                   _one_line(threshold_parameters, "threshold parameters", step) + "\n")
        _run(step, Command(("setup", "make-trustees", "--dir", ".")), work,
             timeout=SETUP_TIMEOUT)
        return (work / "trustees.json").read_text().strip()


# --- Credentials ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Credentials:
    """One credential per voter.

    - `private`: voter id → private credential. Whoever calls `generate_credentials` (the
      credential authority) sees these once: each goes to its voter and is then forgotten.
      With a voter's private credential anyone can cast that voter's ballot.
    - `public`: the public credentials as the election publishes them, without voter ids, in
      the tool's shuffled order. Kept and published.
    - `public_by_voter`: voter id → public credential. Whoever keeps this can tell which
      stored (encrypted) ballot came from which voter — never what it says, since ballots
      are shuffled before they are decrypted. Keep it only if the roll needs it.
    - `fingerprint`: the tool's fingerprint of `public`; `make_election` gives the same one
      for what it published, for the credential authority to compare.
    """

    private: dict[str, str] = field(repr=False)
    public: tuple[str, ...]
    public_by_voter: dict[str, str] = field(repr=False)
    fingerprint: str


def generate_credentials(election_id: str, group: str, voter_ids: Sequence[str]) -> Credentials:
    """Credential authority: a credential for each voter id (letters, digits, `._@+-`)."""
    step = "generate the credentials"
    _check_group(group)
    if not _ELECTION_ID.fullmatch(election_id):
        raise BeleniosError(step, "that is not an election id")
    if not voter_ids:
        raise BeleniosError(step, "there are no voters")
    for voter in voter_ids:
        if not _VOTER_ID.fullmatch(voter):
            raise BeleniosError(step, f"voter id {voter!r} may hold only letters, digits and "
                                      "._@+- (at most 100)")
    if len(set(voter_ids)) != len(voter_ids):
        raise BeleniosError(step, "a voter id is listed twice")
    with _workdir() as work:
        _write(work / "voters.txt", "".join(v + "\n" for v in voter_ids))
        out = _run(step, Command(("setup", "generate-credentials", "--uuid", election_id,
                                  "--group", group, "--file", "voters.txt", "--dir", ".")),
                   work, timeout=SETUP_TIMEOUT + len(voter_ids) / 50)
        private_files = list(work.glob("*.privcreds"))
        public_files = list(work.glob("*.pubcreds"))
        if len(private_files) != 1 or len(public_files) != 1:
            raise BeleniosError(step, "the tool did not write the credential files")
        private = dict(line.split(" ", 1) for line in private_files[0].read_text().splitlines()
                       if line)
        listed = json.loads(public_files[0].read_text())
    found = re.search(r"fingerprint of public credentials is (\S+)", out)
    public_by_voter = {}
    for entry in listed:
        credential, _weight, voter = entry.split(",", 2)
        public_by_voter[voter] = credential
    if set(private) != set(voter_ids) or set(public_by_voter) != set(voter_ids) or not found:
        raise BeleniosError(step, "the tool's credential files do not match the voters")
    public = tuple(entry.split(",", 1)[0] for entry in listed)
    return Credentials(private, public, public_by_voter, found.group(1))


def _credential_checksum_ok(credential: str) -> bool:
    # The specification's typing check: 14 base-58 digits, then 53 - (their value mod 53).
    digits = credential.replace("-", "")
    value = 0
    for char in digits[:14]:
        value = value * 58 + _BASE58.index(char)
    return _BASE58.index(digits[14]) == 53 - value % 53


# --- Questions and the election ----------------------------------------------------------------

@dataclass(frozen=True)
class RankedQuestion:
    """A ranking (STV): each ballot is decrypted on its own after the shuffles."""

    question: str
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class ChoiceQuestion:
    """A homomorphic question: only the totals are ever decrypted. A ballot marks between
    `min` and `max` answers; with `blank`, it may instead be blank."""

    question: str
    answers: tuple[str, ...]
    min: int
    max: int
    blank: bool = False


Question = RankedQuestion | ChoiceQuestion
RESOLUTION_ANSWERS = ("For", "Against", "Abstain")


def resolution_question(text: str) -> ChoiceQuestion:
    """A resolution: exactly one of for, against, abstain."""
    return ChoiceQuestion(text, RESOLUTION_ANSWERS, 1, 1)


def group_for(questions: Sequence[Question]) -> str:
    """The group an election with these questions needs (chosen before the trustees' keys,
    which belong to one group)."""
    if any(isinstance(q, RankedQuestion) for q in questions):
        return GROUP_RANKED
    return GROUP_HOMOMORPHIC


def _check_questions(questions: Sequence[Question], group: str, step: str) -> None:
    if not questions:
        raise BeleniosError(step, "an election needs at least one question")
    for q in questions:
        if isinstance(q, RankedQuestion):
            if group != GROUP_RANKED:
                raise BeleniosError(step, f"a ranked question needs the group {GROUP_RANKED}")
            if not 1 <= len(q.candidates) <= MAX_RANKED_CANDIDATES:
                raise BeleniosError(step, f"a ranking has 1 to {MAX_RANKED_CANDIDATES} "
                                          f"candidates, not {len(q.candidates)}")
        elif isinstance(q, ChoiceQuestion):
            if not q.answers or not 0 <= q.min <= q.max <= len(q.answers):
                raise BeleniosError(step, f"question {q.question!r}: 0 <= min <= max <= "
                                          "number of answers does not hold")
        else:
            raise BeleniosError(step, f"{q!r} is not a question")


def _template(name: str, description: str, questions: Sequence[Question]) -> str:
    items = []
    for q in questions:
        if isinstance(q, RankedQuestion):
            items.append({"type": "NonHomomorphic",
                          "value": {"answers": list(q.candidates), "question": q.question}})
        else:
            item = {"answers": list(q.answers), "min": q.min, "max": q.max,
                    "question": q.question}
            if q.blank:
                item["blank"] = True
            items.append(item)
    return json.dumps({"description": description, "name": name, "questions": items})


def election_questions(election: str) -> list[Question]:
    """The questions of an election's parameters (election.json), in order."""
    questions: list[Question] = []
    for item in json.loads(election)["questions"]:
        if item.get("type") == "NonHomomorphic":
            value = item["value"]
            questions.append(RankedQuestion(value["question"], tuple(value["answers"])))
        else:
            questions.append(ChoiceQuestion(item["question"], tuple(item["answers"]),
                                            item["min"], item["max"], bool(item.get("blank"))))
    return questions


@dataclass(frozen=True)
class ElectionSetup:
    """An election as set up: its parameters (`election`, election.json as published),
    `trustees` (trustees.json), and the setup-only public record `archive` (a .bel file
    holding both and the public credentials). All public."""

    election: str
    trustees: str
    archive: bytes = field(repr=False)

    @property
    def election_id(self) -> str:
        return json.loads(self.election)["uuid"]

    @property
    def group(self) -> str:
        return json.loads(self.election)["group"]

    @property
    def questions(self) -> list[Question]:
        return election_questions(self.election)

    @property
    def fingerprint(self) -> str:
        """The election's fingerprint (Belenios' election hash), which every ballot names."""
        return _b64_sha256(self.election)

    @property
    def credentials_fingerprint(self) -> str:
        """The fingerprint of the published public credentials (compare with
        `Credentials.fingerprint`)."""
        return _b64_sha256(_read_archive(self.archive).setup_part("credentials"))


def make_election(election_id: str, group: str, *, trustees: str,
                  public_credentials: Sequence[str], name: str, description: str = "",
                  questions: Sequence[Question]) -> ElectionSetup:
    """Server: the election's parameters and its setup-only public record."""
    step = "make the election"
    _check_group(group)
    _check_questions(questions, group, step)
    if not _ELECTION_ID.fullmatch(election_id):
        raise BeleniosError(step, "that is not an election id")
    if not public_credentials or len(set(public_credentials)) != len(public_credentials):
        raise BeleniosError(step, "the public credentials must be listed, each once")
    with _workdir() as work:
        _write(work / "template.json", _template(name, description, questions))
        _write(work / "trustees.json", _one_line(trustees, "trustees", step) + "\n")
        _write(work / "public_creds.json", json.dumps(list(public_credentials)))
        _run(step, Command(("setup", "make-election", "--uuid", election_id, "--group", group,
                            "--template", "template.json", "--dir", ".")), work,
             timeout=SETUP_TIMEOUT)
        _run(step, Command(("archive", "init", "--dir", ".")), work, timeout=SETUP_TIMEOUT)
        archive = (work / f"{election_id}.bel").read_bytes()
    parsed = _read_archive(archive)
    return ElectionSetup(parsed.setup_part("election"), parsed.setup_part("trustees"), archive)


def read_setup(archive: bytes) -> ElectionSetup:
    """The election's parameters and trustees from its public record (any stage)."""
    parsed = _read_archive(archive)
    return ElectionSetup(parsed.setup_part("election"), parsed.setup_part("trustees"),
                         parsed.setup_archive())


# --- The public record (a .bel archive: a tar of data and events named by their SHA-256) -------

@dataclass
class _Archive:
    """An archive read for its structure: events are parsed, data is read when asked for
    (a finished record of 10,000 ballots is about 200 MB)."""

    tar: tarfile.TarFile
    members: dict[str, tarfile.TarInfo]  # in archive order, the BELENIOS header first
    events: list[dict]  # in chain order, each with its own "hash"

    def read(self, name: str) -> bytes:
        return self.tar.extractfile(self.members[name]).read()

    def data(self, hash_hex: str) -> str:
        return self.read(f"{hash_hex}.data.json").decode()

    def files(self) -> list[tuple[str, bytes]]:
        return [(name, self.read(name)) for name in self.members if name != "BELENIOS"]

    def _setup(self) -> dict:
        try:
            setup = json.loads(self.data(self.events[0]["payload"]))
            return {part: setup[part] for part in ("election", "trustees", "credentials")}
        except (KeyError, ValueError, TypeError):
            raise BeleniosError("read the public record", "its Setup cannot be read") from None

    def setup_part(self, part: str) -> str:
        try:
            return self.data(self._setup()[part])
        except KeyError:
            raise BeleniosError("read the public record", f"its {part} is missing") from None

    def setup_archive(self) -> bytes:
        first = self.events[0]
        names = [f"{h}.data.json" for h in (first["payload"], *self._setup().values())]
        names.append(f"{first['hash']}.event.json")
        return _pack(self.read("BELENIOS"), [(name, self.read(name)) for name in names])

    def count(self, event_type: str) -> int:
        return sum(1 for e in self.events if e["type"] == event_type)


def _read_archive(archive: bytes) -> _Archive:
    step = "read the public record"
    try:
        tar = tarfile.open(fileobj=io.BytesIO(archive), mode="r:")  # noqa: SIM115
        members = {m.name: m for m in tar.getmembers() if m.isfile()}
    except (tarfile.TarError, OSError):
        raise BeleniosError(step, "this is not a Belenios archive") from None
    if "BELENIOS" not in members or any(
            not _ARCHIVE_FILE.fullmatch(name) for name in members if name != "BELENIOS"):
        raise BeleniosError(step, "this is not a Belenios archive")
    archive_read = _Archive(tar, members, [])
    for name in members:
        if name.endswith(".event.json"):
            try:
                event = dict(json.loads(archive_read.read(name)), hash=name.split(".")[0])
                event["height"] = int(event["height"])
                event.setdefault("type", None)
            except (ValueError, TypeError, KeyError):
                raise BeleniosError(step, f"event {name} cannot be read") from None
            archive_read.events.append(event)
    archive_read.events.sort(key=lambda e: e["height"])
    first = archive_read.events[0] if archive_read.events else {}
    if first.get("type") != "Setup" or "payload" not in first:
        raise BeleniosError(step, "the archive has no Setup event")
    return archive_read


def _pack(header: bytes, files: Iterable[tuple[str, bytes]]) -> bytes:
    """An archive from an extracted one, made canonical by the tool (`archive make`)."""
    step = "assemble the public record"
    with _workdir() as work:
        folder = work / "extracted"
        folder.mkdir()
        _write(folder / "BELENIOS", header)
        for name, content in files:
            if not (folder / name).exists():
                _write(folder / name, content)
        return _run(step, Command(("archive", "make", "--dir", "extracted")), work,
                    timeout=tally_timeout(), binary=True)


def _event(parent: str, height: int, event_type: str, payload: str | None = None) -> bytes:
    event = {"parent": parent, "height": height, "type": event_type}
    if payload is not None:
        event["payload"] = payload
    return json.dumps(event, separators=(",", ":")).encode()


def _hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@contextmanager
def _election_folder(archive: bytes):
    """A working directory holding the archive in `election/`, as trustees are told to."""
    with _workdir() as work:
        (work / ELECTION_DIR).mkdir()
        _write(work / ELECTION_DIR / "election.bel", archive)
        yield work


def _append(work: Path, event_type: str, lines: str, step: str, timeout: float) -> None:
    _write(work / "event.jsons", lines)
    try:
        _run(step, Command(("archive", "add-event", "--dir", ELECTION_DIR,
                            f"--type={event_type}"), stdin="event.jsons"), work, timeout=timeout)
    finally:
        (work / "event.jsons").unlink()


def _archive_bytes(work: Path) -> bytes:
    return (work / ELECTION_DIR / "election.bel").read_bytes()


# --- Casting -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class EncryptedBallot:
    """A ballot as cast: `text` (one line of JSON, stored and published as it is), its
    `tracker` (Belenios' smart ballot tracker: base64 SHA-256 of `text`, without padding;
    `ballot_summary` lists the same) and the public `credential` that signed it."""

    text: str
    tracker: str
    credential: str


def tracker_of(ballot: str) -> str:
    """A ballot's tracker, as Belenios computes it."""
    return _b64_sha256(ballot.strip())


def ranks_from_preferences(preferences: Sequence[int], candidates: int) -> list[int]:
    """Candidate indices in order of preference → each candidate's rank (0 = unranked)."""
    ranks = [0] * candidates
    for rank, index in enumerate(preferences, start=1):
        ranks[index] = rank
    return ranks


def _check_choices(questions: Sequence[Question], choices: Sequence[Sequence[int]]) -> None:
    def refuse(message: str):
        raise BallotRefused("encrypt a ballot", message)

    if len(choices) != len(questions):
        refuse(f"the ballot answers {len(choices)} questions; the election has "
               f"{len(questions)}")
    for number, (q, answer) in enumerate(zip(questions, choices, strict=True), start=1):
        values = list(answer)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            refuse(f"question {number}: the answer must be whole numbers")
        if isinstance(q, RankedQuestion):
            if len(values) != len(q.candidates):
                refuse(f"question {number}: one rank per candidate is needed")
            if read_ranks(values).problem:
                refuse(f"question {number}: the ranks must be 1, 2, 3… each given once "
                       "(0 = unranked)")
        else:
            size = len(q.answers) + (1 if q.blank else 0)
            if len(values) != size or any(v not in (0, 1) for v in values):
                refuse(f"question {number}: one 0 or 1 per answer is needed"
                       + (", after the blank mark" if q.blank else ""))
            marks = values[1:] if q.blank else values
            if q.blank and values[0] == 1:
                if any(marks):
                    refuse(f"question {number}: a blank answer marks nothing else")
            elif not q.min <= sum(marks) <= q.max:
                refuse(f"question {number}: mark between {q.min} and {q.max} answers")


def _mini_archive(work: Path, election: str, trustees: str, credentials: Sequence[str],
                  step: str) -> None:
    """In `work/election/`: a setup-only archive of this election with only `credentials`.
    The tool checks every public credential of an archive it opens (33 s of CPU for 10,000),
    so one ballot is made and checked against an archive with its own credential alone."""
    (work / ELECTION_DIR).mkdir()
    _write(work / "election.json", _one_line(election, "election", step))
    _write(work / "trustees.json", _one_line(trustees, "trustees", step))
    _write(work / "public_creds.json", json.dumps(list(credentials)))
    # archive init reads the three files from the working directory, writes into --dir.
    _run(step, Command(("archive", "init", "--dir", ELECTION_DIR)), work, timeout=CAST_TIMEOUT)


@functools.lru_cache(maxsize=16)
def _archive_without_credentials(election: str, trustees: str, step: str) -> tuple[str, bytes]:
    """The setup-only archive of an election with no public credential (the name of its file
    and its bytes): what every ballot of the election is made against. `archive init` writes
    the same bytes each time, so each process makes it once per election."""
    with _workdir() as work:
        _mini_archive(work, election, trustees, [], step)
        (made,) = (work / ELECTION_DIR).iterdir()
        return made.name, made.read_bytes()


def encrypt_ballot(*, election: str, trustees: str, private_credential: str,
                   choices: Sequence[Sequence[int]]) -> EncryptedBallot:
    """The voter's side: encrypt and sign `choices` with the voter's private credential.

    `choices` has one list per question: for a ranking, each candidate's rank (1 = first
    preference, 0 = unranked; use `ranks_from_preferences`); for a homomorphic question, 0 or
    1 per answer (with a leading 1 for blank where `blank` is allowed). Whoever runs this sees
    the choices and the private credential.
    """
    step = "encrypt a ballot"
    questions = election_questions(election)
    _check_choices(questions, choices)
    credential = private_credential.strip()
    if not _CREDENTIAL.fullmatch(credential) or not _credential_checksum_ok(credential):
        raise BallotRefused(step, "the private credential is mistyped or incomplete")
    name, archive = _archive_without_credentials(election.strip(), trustees.strip(), step)
    with _workdir() as work:
        (work / ELECTION_DIR).mkdir()
        _write(work / ELECTION_DIR / name, archive)
        _write(work / "credential.txt", credential + "\n")
        _write(work / "choices.json", json.dumps([list(c) for c in choices]))
        out = _run(step, Command(("election", "generate-ballot", "--dir", ELECTION_DIR,
                                  "--privcred", "credential.txt", "--ballot", "choices.json")),
                   work, timeout=CAST_TIMEOUT, secrets=[credential])
    text = _one_line(out, "ballot", step)
    return EncryptedBallot(text, tracker_of(text), json.loads(text)["credential"])


# The tool's words for a ballot it refuses, as a voter may read them.
_REFUSALS = {
    "invalid credential": "it is signed with a credential this election does not know",
    "invalid ballot": "its proofs or its signature do not verify",
    "ballot not in canonical form": "it is not written the way Belenios writes ballots",
    "ill-formed ballot": "it is not a ballot",
    "Missing record field": "it is not a ballot",
}


def check_ballot(*, election: str, trustees: str, ballot: str,
                 public_credentials: Container[str], used_credentials: Container[str],
                 proofs: bool = True) -> EncryptedBallot:
    """Server, before storing a submitted ballot: refuse it (BallotRefused, with a sentence for
    the voter) unless it is one line of JSON for this election, signed with a credential in
    `public_credentials` and not in `used_credentials`, whose proofs and signature the tool
    accepts. Both containers may be sets or objects answering `in` from the database; a
    unique constraint on the stored credential must back `used_credentials`.

    Costs about 0.1 s of CPU whatever the number of voters (three tool runs). With
    `proofs=False` the tool is not run: for a ballot the caller has just made itself with
    `encrypt_ballot` (every tally step and every verification of the record check it).
    """
    step = "check a ballot"

    def refuse(reason: str, tool_said: str = ""):
        raise BallotRefused(step, f"This ballot cannot be accepted: {reason}.", tool_said)

    text = ballot.strip()
    if len(text) > MAX_BALLOT_CHARS:
        refuse("it is far too long to be a ballot")
    if not text or "\n" in text or "\r" in text:
        refuse("a ballot is one line of JSON")
    try:
        parsed = json.loads(text)
    except ValueError:
        refuse("it is not a ballot")
    if not isinstance(parsed, dict) or not isinstance(parsed.get("credential"), str):
        refuse("it is not a ballot")
    params = json.loads(election)
    if (parsed.get("election_uuid") != params["uuid"]
            or parsed.get("election_hash") != _b64_sha256(election.strip())):
        refuse("it was made for another election")
    credential = parsed["credential"]
    if credential not in public_credentials:
        refuse("it is signed with a credential this election does not know")
    if credential in used_credentials:
        refuse("a ballot signed with this credential is already in the ballot box")
    if not proofs:
        return EncryptedBallot(text, tracker_of(text), credential)
    with _workdir() as work:
        _mini_archive(work, election, trustees, [credential], step)
        _append(work, "Ballot", text + "\n", step, CAST_TIMEOUT)
        try:
            _run(step, Command(("election", "verify", "--dir", ELECTION_DIR)), work,
                 timeout=CAST_TIMEOUT)
        except BeleniosError as error:
            reason = next((why for words, why in _REFUSALS.items() if words in error.tool_said),
                          "the ballot does not verify")
            refuse(reason, error.tool_said)
    return EncryptedBallot(text, tracker_of(text), credential)


# --- The close: one writer assembles the record, then the tally ---------------------------------

def assemble_archive(setup_archive: bytes, ballots: Iterable[str]) -> bytes:
    """Server, at the close: the public record with every checked ballot and EndBallots.

    Ballots go in tracker order (not the order they were cast in). They are written as the
    specification's data and Ballot events, named by their SHA-256, and the tool makes the
    canonical archive from them (`archive make`) in one run: appending each ballot with its
    own `archive add-event` re-reads the whole archive each time (docs/performance.md).
    A credential used twice is refused: `check_ballot` should have stopped it.
    """
    step = "assemble the public record"
    parsed = _read_archive(setup_archive)
    if len(parsed.events) != 1:
        raise BeleniosError(step, "the archive given is not a setup-only archive")
    files = dict(parsed.files())
    seen: set[str] = set()
    texts = []
    for ballot in ballots:
        text = _one_line(ballot, "ballot", step)
        try:
            credential = json.loads(text)["credential"]
        except (ValueError, KeyError, TypeError):
            raise BeleniosError(
                step, "a ballot cannot be read: check each with check_ballot") from None
        if credential in seen:
            raise BeleniosError(step, "two ballots are signed with the same credential")
        seen.add(credential)
        texts.append(text)
    parent, height = parsed.events[0]["hash"], 0
    for text in sorted(texts, key=tracker_of):
        payload = text.encode()
        files[f"{_hex(payload)}.data.json"] = payload
        height += 1
        event = _event(parent, height, "Ballot", _hex(payload))
        parent = _hex(event)
        files[f"{parent}.event.json"] = event
    event = _event(parent, height + 1, "EndBallots")
    files[f"{_hex(event)}.event.json"] = event
    return _pack(parsed.read("BELENIOS"), files.items())


def compute_encrypted_tally(archive: bytes, *, timeout: float | None = None) -> bytes:
    """Server: the encrypted tally appended (EncryptedTally). Re-checks every ballot."""
    step = "compute the encrypted tally"
    if _read_archive(archive).events[-1]["type"] != "EndBallots":
        raise BeleniosError(step, "the archive must end with EndBallots")
    with _election_folder(archive) as work:
        out = _run(step, Command(("election", "compute-encrypted-tally", "--dir", ELECTION_DIR)),
                   work, timeout=timeout or tally_timeout())
        _append(work, "EncryptedTally", out, step, timeout or tally_timeout())
        return _archive_bytes(work)


def shuffle_command(trustee_id: int) -> Command:
    """Trustee (or any party named to shuffle): shuffle the ranked ballots once more."""
    return Command(("election", "shuffle", "--dir", ELECTION_DIR, f"--trustee-id={trustee_id}"),
                   stdout=SHUFFLE_FILE)


def shuffle(archive: bytes, trustee_id: int, *, timeout: float | None = None) -> str:
    """Trustee: re-encrypt and permute the ranked ballots, with a proof. Returns the shuffle
    message (two lines: the shuffle and whose it is) to send to the server."""
    step = f"shuffle by trustee {trustee_id}"
    _needs_ranked(archive, step)
    with _election_folder(archive) as work:
        return _run(step, shuffle_command(trustee_id), work, timeout=timeout or tally_timeout())


def _needs_ranked(archive: bytes, step: str) -> _Archive:
    parsed = _read_archive(archive)
    if not any(isinstance(q, RankedQuestion)
               for q in election_questions(parsed.setup_part("election"))):
        raise BeleniosError(step, "this election has no ranked question to shuffle")
    return parsed


def _owned_message(text: str, trustee_id: int, what: str, step: str) -> str:
    """A trustee's two-line message (content, then whose it is), checked for its form."""
    if not isinstance(trustee_id, int) or isinstance(trustee_id, bool) or trustee_id < 1:
        raise BeleniosError(step, "trustees are numbered from 1")
    lines = [line for line in text.strip().splitlines() if line.strip()]
    try:
        owner = json.loads(lines[1]) if len(lines) == 2 else None
    except ValueError:
        owner = None
    if not isinstance(owner, dict) or set(owner) != {"owner", "payload"}:
        raise TrusteeRefused(step, f"trustee {trustee_id}'s {what} is not in the tool's form",
                             [trustee_id])
    if owner["owner"] != trustee_id:
        raise TrusteeRefused(step, f"the {what} sent by trustee {trustee_id} is marked as "
                                   f"trustee {owner['owner']}'s", [trustee_id])
    if owner["payload"] != _hex(lines[0].encode()):
        raise TrusteeRefused(step, f"trustee {trustee_id}'s {what} is incomplete or altered",
                             [trustee_id])
    return lines[0] + "\n" + lines[1] + "\n"


def add_shuffle(archive: bytes, shuffle_message: str, trustee_id: int, *, check: bool = True,
                timeout: float | None = None) -> bytes:
    """Server: append trustee `trustee_id`'s shuffle (Shuffle event). With `check` (the
    default) the archive is verified with it, and a shuffle whose proof fails is refused
    (TrusteeRefused) — a whole `election verify`, as long as the other tally steps."""
    step = f"add trustee {trustee_id}'s shuffle"
    parsed = _needs_ranked(archive, step)
    if parsed.events[-1]["type"] not in ("EncryptedTally", "Shuffle"):
        raise BeleniosError(step, "shuffles follow the encrypted tally")
    lines = _owned_message(shuffle_message, trustee_id, "shuffle", step)
    with _election_folder(archive) as work:
        _append(work, "Shuffle", lines, step, timeout or tally_timeout())
        if check:
            try:
                _run(step, Command(("election", "verify", "--dir", ELECTION_DIR)), work,
                     timeout=timeout or tally_timeout())
            except BeleniosError as error:
                raise TrusteeRefused(step, f"trustee {trustee_id}'s shuffle does not verify",
                                     [trustee_id], error.tool_said) from None
        return _archive_bytes(work)


def end_shuffles(archive: bytes, *, minimum: int = 2) -> bytes:
    """Server: no more shuffles (EndShuffles); at least `minimum` must have been made."""
    step = "end the shuffles"
    parsed = _needs_ranked(archive, step)
    if parsed.count("Shuffle") < minimum or parsed.events[-1]["type"] != "Shuffle":
        raise BeleniosError(step, f"the ranked ballots must be shuffled at least {minimum} "
                                  f"times first; they were shuffled {parsed.count('Shuffle')}")
    with _election_folder(archive) as work:
        _append(work, "EndShuffles", "", step, tally_timeout())
        return _archive_bytes(work)


def partial_decryption_command(trustee_id: int, key_file: str = KEY_FILE,
                               decryption_key_file: str = DECRYPTION_KEY_FILE) -> Command:
    """Threshold trustee: their partial decryption of the tally, to send."""
    return Command(("election", "decrypt-threshold", "--dir", ELECTION_DIR, "--key", key_file,
                    "--decryption-key", decryption_key_file, f"--trustee-id={trustee_id}"),
                   stdout=PARTIAL_DECRYPTION_FILE)


def plain_partial_decryption_command(trustee_id: int,
                                     private_key_file: str = PRIVATE_KEY_FILE) -> Command:
    """Plain-key trustee: their partial decryption of the tally, to send."""
    return Command(("election", "decrypt", "--dir", ELECTION_DIR, "--privkey", private_key_file,
                    f"--trustee-id={trustee_id}"), stdout=PARTIAL_DECRYPTION_FILE)


def verify_command() -> Command:
    """Anyone: every check Belenios knows, on the public record in `election/`."""
    return Command(("election", "verify", "--dir", ELECTION_DIR))


def decrypt_threshold(archive: bytes, *, private_key: str, decryption_key: str,
                      trustee_id: int, timeout: float | None = None) -> str:
    """Threshold trustee: their partial decryption (two lines, with a proof) of the tally in
    `archive`, made with their private key and the decryption key step 6 gave them."""
    step = f"partial decryption by trustee {trustee_id}"
    with _election_folder(archive) as work:
        _write(work / KEY_FILE, private_key.strip() + "\n")
        _write(work / DECRYPTION_KEY_FILE, decryption_key.strip() + "\n")
        return _run(step, partial_decryption_command(trustee_id), work,
                    timeout=timeout or tally_timeout(), secrets=[private_key])


def decrypt_plain(archive: bytes, *, private_key: str, trustee_id: int,
                  timeout: float | None = None) -> str:
    """Plain-key trustee: their partial decryption of the tally in `archive`."""
    step = f"partial decryption by trustee {trustee_id}"
    with _election_folder(archive) as work:
        _write(work / PRIVATE_KEY_FILE, private_key.strip() + "\n")
        return _run(step, plain_partial_decryption_command(trustee_id), work,
                    timeout=timeout or tally_timeout(), secrets=[private_key])


def _ready_for_decryption(archive: bytes, step: str) -> None:
    parsed = _read_archive(archive)
    ranked = any(isinstance(q, RankedQuestion)
                 for q in election_questions(parsed.setup_part("election")))
    expected = "EndShuffles" if ranked else "EncryptedTally"
    if parsed.events[-1]["type"] != expected:
        raise BeleniosError(step, f"partial decryptions follow {expected}")


def check_partial_decryption(archive: bytes, partial_decryption: str, trustee_id: int, *,
                             timeout: float | None = None) -> None:
    """Server: refuse (TrusteeRefused) trustee `trustee_id`'s partial decryption unless its
    proof verifies. Costs one `compute-result` (re-checks every ballot); `compute_result`
    does the same checks for all at once and names the culprit only when one fails."""
    step = f"check trustee {trustee_id}'s partial decryption"
    _ready_for_decryption(archive, step)
    lines = _owned_message(partial_decryption, trustee_id, "partial decryption", step)
    with _election_folder(archive) as work:
        _append(work, "PartialDecryption", lines, step, timeout or tally_timeout())
        try:
            _run(step, Command(("election", "compute-result", "--dir", ELECTION_DIR)), work,
                 timeout=timeout or tally_timeout())
        except BeleniosError as error:
            # Alone, a valid share is "not enough"; the tool checks every share it is given
            # before it counts them (Belenios 2.0, compute_synthetic_factors).
            if "not enough partial decryptions" in error.tool_said:
                return
            if "a partial decryption is missing" in error.tool_said:
                raise BeleniosError(step, "with plain-key trustees every share is needed "
                                          "at once: use compute_result") from None
            raise TrusteeRefused(step, f"trustee {trustee_id}'s partial decryption does not "
                                       "verify", [trustee_id], error.tool_said) from None


@dataclass(frozen=True)
class Tally:
    """The finished public record (`archive`, ending with Result) and the result as the tool
    wrote it (`result`; read it with `read_result`)."""

    archive: bytes = field(repr=False)
    result: str


def compute_result(archive: bytes, partial_decryptions: Mapping[int, str], *,
                   timeout: float | None = None) -> Tally:
    """Server: append the partial decryptions (trustee id → message) and the result.

    The tool checks every share it is given; if one fails, each is checked alone to name the
    trustees whose shares fail (TrusteeRefused), so the count can wait for valid ones or go
    on without them while enough remain.
    """
    step = "compute the result"
    _ready_for_decryption(archive, step)
    if not partial_decryptions:
        raise BeleniosError(step, "there are no partial decryptions")
    messages = {trustee: _owned_message(text, trustee, "partial decryption", step)
                for trustee, text in sorted(partial_decryptions.items())}
    limit = timeout or tally_timeout()
    with _election_folder(archive) as work:
        for lines in messages.values():
            _append(work, "PartialDecryption", lines, step, limit)
        try:
            result = _run(step, Command(("election", "compute-result", "--dir", ELECTION_DIR)),
                          work, timeout=limit)
        except BeleniosError as error:
            if "invalid partial decryption" not in error.tool_said:
                raise
            failing = []
            for trustee, text in messages.items():
                try:
                    check_partial_decryption(archive, text, trustee, timeout=limit)
                except TrusteeRefused:
                    failing.append(trustee)
            if not failing:
                raise BeleniosError(step, "the tool refuses the partial decryptions together "
                                          "but accepts each alone", error.tool_said) from None
            raise TrusteeRefused(step, "the partial decryption of trustee "
                                 + ", ".join(map(str, failing)) + " does not verify",
                                 failing, error.tool_said) from None
        result = _one_line(result, "result", step)
        _append(work, "Result", result + "\n", step, limit)
        return Tally(_archive_bytes(work), result)


# --- Reading the result ----------------------------------------------------------------------

@dataclass(frozen=True)
class RankedBallot:
    """One decrypted ranking: `ranks` as decrypted (each candidate's rank, 0 = unranked),
    `preferences` (candidate indices read from rank 1 up to the first gap or repeat), and
    `problem`: None for a well-formed ranking (ranks 1..k each given once, k >= 0), else why
    not. Ranked ballots carry no proof of their form in Belenios 2.0, so anything may come."""

    ranks: tuple[int, ...]
    preferences: tuple[int, ...]
    problem: str | None


def read_ranks(ranks: Sequence[int]) -> RankedBallot:
    """Read one decrypted rank vector (see RankedBallot)."""
    ranks = tuple(ranks)
    holders: dict[int, list[int]] = {}
    for index, rank in enumerate(ranks):
        if rank:
            holders.setdefault(rank, []).append(index)
    preferences = []
    rank = 1
    while len(holders.get(rank, ())) == 1:
        preferences.append(holders[rank][0])
        rank += 1
    problem = None
    if any(r < 0 or r > len(ranks) for r in ranks):
        problem = f"a rank is outside 0 to {len(ranks)}"
    elif rank in holders:
        problem = f"rank {rank} is given to {len(holders[rank])} candidates"
    elif holders and max(holders) > rank:
        problem = f"rank {rank} is missing"
    return RankedBallot(ranks, tuple(preferences), problem)


@dataclass(frozen=True)
class RankedResult:
    question: RankedQuestion
    ballots: tuple[RankedBallot, ...]

    @property
    def valid(self) -> list[tuple[int, ...]]:
        """Preference orders (candidate indices) of the well-formed rankings; () is blank."""
        return [b.preferences for b in self.ballots if b.problem is None]

    @property
    def invalid(self) -> list[RankedBallot]:
        return [b for b in self.ballots if b.problem is not None]


@dataclass(frozen=True)
class ChoiceResult:
    """Totals per answer, and how many ballots were blank (None where blank is not allowed)."""

    question: ChoiceQuestion
    totals: tuple[int, ...]
    blank: int | None


def read_result(result: str, election: str) -> list[RankedResult | ChoiceResult]:
    """The tool's result for each question of the election, in order."""
    step = "read the result"
    try:
        values = json.loads(result)["result"]
    except (ValueError, KeyError, TypeError):
        raise BeleniosError(step, "this is not a Belenios result") from None
    questions = election_questions(election)
    if len(values) != len(questions):
        raise BeleniosError(step, "the result does not answer every question")
    read: list[RankedResult | ChoiceResult] = []
    for q, value in zip(questions, values, strict=True):
        if isinstance(q, RankedQuestion):
            read.append(RankedResult(q, tuple(read_ranks(v) for v in value)))
        elif q.blank:
            read.append(ChoiceResult(q, tuple(value[1:]), value[0]))
        else:
            read.append(ChoiceResult(q, tuple(value), None))
    return read


# --- Anyone: verification and trackers --------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    ok: bool
    message: str


def verify_archive(archive: bytes, *, timeout: float | None = None) -> Verification:
    """Anyone: `election verify` on the public record: ok, with what the tool said."""
    with _election_folder(archive) as work:
        try:
            _run("verify the public record", verify_command(), work,
                 timeout=timeout or tally_timeout())
        except BeleniosError as error:
            if error.status is None:  # not run to the end (missing, timed out): no verdict
                raise
            return Verification(False, error.tool_said or error.message)
    return Verification(True, "all checks passed")


def ballot_summary(archive: bytes, *, timeout: float | None = None) -> list[str]:
    """Anyone: the trackers of the ballots counted (the tool lists their SHA-256 in hex;
    here in the tracker's base64 form). Re-checks every ballot."""
    step = "list the ballots' trackers"
    with _election_folder(archive) as work:
        out = _run(step, Command(("election", "compute-ballot-summary", "--dir", ELECTION_DIR)),
                   work, timeout=timeout or tally_timeout())
    return [base64.b64encode(bytes.fromhex(entry["hash"])).decode().rstrip("=")
            for entry in json.loads(out)]


def last_event_data(archive: bytes) -> str:
    """The public text the record's last event added (its payload), or "" if it has none."""
    parsed = _read_archive(archive)
    payload = parsed.events[-1].get("payload")
    return parsed.data(payload) if payload else ""
