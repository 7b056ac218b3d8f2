"""The ballot box's services: the key ceremony, opening, casting, the close and the count.

Every step that changes a box locks it (`select_for_update`), re-checks its state and stores
what the step produced in the same transaction, so a step is stored once or not at all and
`resume` carries on from the last stored one. belenios-tool does the cryptography
(ballotbox/belenios.py); nothing here reads a ballot's content. Audit entries name boxes,
trustees and counts, never a ballot, a credential or a key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from ballotbox import belenios, signals
from ballotbox.belenios import BallotRefused, BeleniosError, TrusteeRefused
from ballotbox.models import (
    Box,
    BoxState,
    EncryptedBallot,
    Keeping,
    PublicCredential,
    QueuedStep,
    StepKind,
    TallyStep,
    Trustee,
)
from config.rows import bytewise
from societies import audit

ROUNDS = (1, 3, 5)
MIN_SHUFFLES = 2


class BoxError(Exception):
    """A ballot-box step that cannot be done, with a sentence a person can act on."""


# --- Questions -------------------------------------------------------------------------------

def questions_json(questions: Sequence[belenios.Question]) -> list[dict]:
    """Our description of the questions, as stored in `Box.questions`."""
    described = []
    for q in questions:
        if isinstance(q, belenios.RankedQuestion):
            described.append({"type": "ranked", "question": q.question,
                              "candidates": list(q.candidates)})
        else:
            described.append({"type": "choice", "question": q.question,
                              "answers": list(q.answers), "min": q.min, "max": q.max,
                              "blank": q.blank})
    return described


def questions_of(box: Box) -> list[belenios.Question]:
    """The box's questions, as the engine takes them."""
    return [belenios.RankedQuestion(q["question"], tuple(q["candidates"]))
            if q["type"] == "ranked" else
            belenios.ChoiceQuestion(q["question"], tuple(q["answers"]), q["min"], q["max"],
                                    q["blank"])
            for q in box.questions]


def is_ranked(box: Box) -> bool:
    return any(q["type"] == "ranked" for q in box.questions)


# --- Helpers ---------------------------------------------------------------------------------

def _locked(box: Box) -> Box:
    return Box.objects.select_for_update(of=("self",)).get(pk=box.pk)


def _failed(box: Box, error: Exception) -> None:
    """Leave a failed step's reason on the box (its own write: the step's was undone)."""
    Box.objects.filter(pk=box.pk).update(error=str(error)[:4000],
                                         progress_updated_at=timezone.now())


def _progress(box: Box, step: str, done: int, total: int) -> None:
    """Progress of a long step, written at once so that others see it while it runs."""
    now = timezone.now()
    Box.objects.filter(pk=box.pk).update(progress_step=step, progress_done=done,
                                         progress_total=total, progress_updated_at=now)
    box.progress_step, box.progress_done, box.progress_total = step, done, total
    box.progress_updated_at = now


def _trustee(box: Box, number: int) -> Trustee:
    try:
        return box.trustee_rows.get(number=number)
    except Trustee.DoesNotExist:
        raise BoxError(f"This ballot box has no trustee {number}.") from None


def _refused(box: Box, actor, action: str, trustee: Trustee, reason: str) -> BoxError:
    """Record a trustee's refused message (kept even though the step is not) and return the
    error to raise."""
    with transaction.atomic():
        audit.record(box.society, actor, action, box,
                     {"trustee": trustee.number, "name": trustee.name, "reason": reason})
    return BoxError(reason)


# --- The key ceremony ------------------------------------------------------------------------

@dataclass(frozen=True)
class TrusteeSpec:
    name: str
    keeping: str = Keeping.OWN
    user: object = None


def create_box(*, actor, society, name: str, questions: Sequence[belenios.Question],
               threshold: int, trustees: Sequence[TrusteeSpec]) -> Box:
    """A new box in key generation: n trustees, any `threshold` of whom can decrypt.
    Server-kept trustees make their certificates at once."""
    if not trustees:
        raise BoxError("A ballot box needs at least one trustee.")
    if not 1 <= threshold <= len(trustees):
        raise BoxError(f"The number of trustees needed to decrypt must be between 1 and "
                       f"{len(trustees)}.")
    if not questions:
        raise BoxError("A ballot box needs at least one question.")
    group = belenios.group_for(questions)
    version = belenios.tool_version()
    election_id = belenios.new_election_id()
    with transaction.atomic():
        box = Box.objects.create(
            society=society, name=name, election_id=election_id, group=group,
            questions=questions_json(questions), threshold=threshold,
            trustee_count=len(trustees), tool_version=version)
        for number, spec in enumerate(trustees, start=1):
            if spec.keeping not in Keeping.values:
                raise BoxError(f"Trustee {number}: keep the key on the server or on their "
                               "own computer.")
            Trustee.objects.create(society=society, box=box, number=number, name=spec.name,
                                   user=spec.user, keeping=spec.keeping)
        audit.record(society, actor, "ballotbox.created", box,
                     {"threshold": threshold, "trustees": len(trustees)})
        _advance_keys(box)
    return box


def _advance_keys(box: Box) -> None:
    """Run every key-generation step that can run now: server-kept trustees' rounds, and the
    server's steps 2, 4, 6 and make-trustees once every trustee's message of a round is in.
    Call with the box locked (or just created). Idempotent."""
    if box.state != BoxState.KEYS:
        return
    trustees = list(box.trustee_rows.order_by("number"))
    group = box.group
    for t in trustees:
        if t.keeping == Keeping.SERVER and not t.certificate:
            key = belenios.generate_trustee_certificate(group)
            t.certificate, t.private_key = key.certificate, key.private_key
            t.save(update_fields=["certificate", "private_key"])
    if not all(t.certificate for t in trustees):
        return
    certificates = [t.certificate for t in trustees]
    if not any(t.polynomial for t in trustees):
        belenios.check_certificates(group, certificates)  # step 2
    for t in trustees:
        if t.keeping == Keeping.SERVER and not t.polynomial:
            t.polynomial = belenios.generate_polynomial(group, certificates, t.private_key,
                                                        box.threshold)
            t.save(update_fields=["polynomial"])
    if not all(t.polynomial for t in trustees):
        return
    if not all(t.vinput for t in trustees):  # step 4
        vinputs = belenios.compute_verification_inputs(
            group, certificates, [t.polynomial for t in trustees])
        for t, vinput in zip(trustees, vinputs, strict=True):
            t.vinput = vinput
            t.save(update_fields=["vinput"])
    for t in trustees:
        if t.keeping == Keeping.SERVER and not t.voutput:
            t.voutput = belenios.compute_verification_output(group, certificates,
                                                             t.private_key, t.vinput)
            t.save(update_fields=["voutput"])
    if not all(t.voutput for t in trustees):
        return
    key = belenios.combine_threshold_key(  # step 6; TrusteeRefused names a bad answer
        group, certificates, [t.polynomial for t in trustees], [t.voutput for t in trustees])
    for t, decryption_key in zip(trustees, key.decryption_keys, strict=True):
        t.decryption_key = decryption_key
        t.save(update_fields=["decryption_key"])
    box.threshold_parameters = key.parameters
    box.trustees = belenios.make_trustees(key.parameters)
    box.state = BoxState.READY
    box.error = ""
    box.save(update_fields=["threshold_parameters", "trustees", "state", "error"])


def _check_key_message(box: Box, trustee: Trustee, message: str) -> str:
    """The message for the trustee's round, checked for what can be checked alone; BoxError
    naming the trustee and the round otherwise."""
    what = f"Trustee {trustee.number} ({trustee.name}), round {trustee.round}"
    text = message.strip()
    if not text or "\n" in text:
        raise BoxError(f"{what}: send the one line the command wrote.")
    try:
        json.loads(text)
    except ValueError:
        raise BoxError(f"{what}: this is not what the command writes.") from None
    if trustee.round == 1:
        try:
            belenios.check_certificates(box.group, [text])
        except BeleniosError:
            raise BoxError(f"{what}: this is not a valid certificate for this ballot "
                           "box.") from None
        if box.trustee_rows.filter(certificate=text).exists():
            raise BoxError(f"{what}: this certificate is another trustee's.")
    elif trustee.round == 3 and box.trustee_rows.filter(certificate="").exists():
        raise BoxError(f"{what}: wait until every trustee has sent their certificate.")
    elif trustee.round == 5 and not trustee.vinput:
        raise BoxError(f"{what}: wait until every trustee has sent their polynomial.")
    return text


def submit_key_message(*, actor, box: Box, trustee_number: int, message: str) -> Box:
    """A trustee on their own computer sends the public message of their current round
    (the output of `key_instructions(...).command`). The server's steps then run as far as
    they can. A refused message is audited and named; nothing of it is kept. A round-5
    answer that fails at step 6 is dropped, named on the box and in the audit, and its
    trustee sends it again."""
    refusal = late_refusal = None
    try:
        with transaction.atomic():
            box = _locked(box)
            if box.state != BoxState.KEYS:
                raise BoxError("The keys of this ballot box are already made.")
            trustee = _trustee(box, trustee_number)
            if trustee.keeping != Keeping.OWN:
                raise BoxError(f"Trustee {trustee.number}'s key is kept on the server.")
            number = trustee.round
            if number is None:
                raise BoxError(f"Trustee {trustee.number} has sent every message already.")
            try:
                text = _check_key_message(box, trustee, message)
            except BoxError as error:
                refusal = (trustee, str(error))
                raise
            field = {1: "certificate", 3: "polynomial", 5: "voutput"}[number]
            setattr(trustee, field, text)
            trustee.save(update_fields=[field])
            audit.record(box.society, actor, "ballotbox.key_message_sent", box,
                         {"trustee": trustee.number, "round": number})
            try:
                with transaction.atomic():
                    _advance_keys(box)
            except TrusteeRefused as error:
                bad = _trustee(box, error.trustee_ids[0])
                late_refusal = (f"Trustee {bad.number} ({bad.name}), round 5: their answer "
                                "does not check; they must run the round 5 command again "
                                "and send what it writes.")
                bad.voutput = ""
                bad.save(update_fields=["voutput"])
                box.error = late_refusal
                box.save(update_fields=["error"])
                audit.record(box.society, actor, "ballotbox.key_message_refused", box,
                             {"trustee": bad.number, "name": bad.name, "reason": late_refusal})
    except BoxError as error:
        if refusal:
            raise _refused(box, actor, "ballotbox.key_message_refused", *refusal) from None
        raise error from None
    except BeleniosError as error:
        _failed(box, error)
        raise BoxError(f"The key could not be made: {error.message}.") from None
    if late_refusal:
        raise BoxError(late_refusal)
    return box


@dataclass(frozen=True)
class Instructions:
    """What a trustee on their own computer does next: put `files` (name → content) in a
    folder next to their key, run `command` there, send what it writes (`sends`)."""

    step: str
    command: belenios.Command
    files: Mapping[str, str | bytes]
    sends: str


def key_instructions(box: Box, trustee: Trustee) -> Instructions | None:
    """The command for the trustee's current key-generation round (None: nothing to do yet)."""
    group = box.group
    certificates = "".join(t.certificate + "\n" for t in box.trustee_rows.order_by("number"))
    if trustee.round == 1:
        return Instructions("round 1", belenios.certificate_command(group), {}, "ID.cert")
    key_file = belenios.certificate_id(trustee.certificate) + ".key"
    files = {belenios.CERTIFICATES_FILE: certificates}
    if trustee.round == 3 and box.trustee_rows.filter(certificate="").exists():
        return None
    if trustee.round == 3:
        return Instructions("round 3", belenios.polynomial_command(
            group, box.threshold, key_file=key_file), files, belenios.POLYNOMIAL_FILE)
    if trustee.round == 5 and trustee.vinput:
        return Instructions("round 5", belenios.verification_output_command(
            group, key_file=key_file), {**files, belenios.VINPUT_FILE: trustee.vinput + "\n"},
            belenios.VOUTPUT_FILE)
    return None


def set_questions(*, box: Box, questions: Sequence[belenios.Question]) -> Box:
    """Change the questions before the box opens (a contest's candidates can change until its
    poll opens); they must need the group the trustees' keys were made in."""
    with transaction.atomic():
        box = _locked(box)
        if box.state not in (BoxState.KEYS, BoxState.READY):
            raise BoxError("The questions of an opened ballot box cannot change.")
        if belenios.group_for(questions) != box.group:
            raise BoxError("These questions need another kind of key: set up a new box.")
        box.questions = questions_json(questions)
        box.save(update_fields=["questions"])
    return box


# --- Opening ---------------------------------------------------------------------------------

def open_box(*, actor, box: Box, voter_ids: Sequence[str]) -> dict[str, str]:
    """Make one credential per opaque voter id and the election; the box is then open.

    Returns voter id → private credential. The box keeps only the public credentials and
    never the link between a voter id and a credential: the caller hands each private
    credential to its voter and then forgets it (whoever holds one can cast that ballot).
    """
    try:
        with transaction.atomic():
            box = _locked(box)
            if box.state != BoxState.READY:
                raise BoxError("Only a ballot box whose keys are made can be opened, once.")
            credentials = belenios.generate_credentials(box.election_id, box.group,
                                                        list(voter_ids))
            setup = belenios.make_election(
                box.election_id, box.group, trustees=box.trustees,
                public_credentials=credentials.public, name=box.name,
                questions=questions_of(box))
            if setup.credentials_fingerprint != credentials.fingerprint:
                raise BoxError("The published credentials are not the ones made.")
            PublicCredential.objects.bulk_create(
                (PublicCredential(society=box.society, box=box, credential=c)
                 for c in credentials.public), batch_size=2000)
            box.election, box.setup_archive = setup.election, setup.archive
            box.credentials_fingerprint = credentials.fingerprint
            box.state, box.error = BoxState.OPEN, ""
            box.save(update_fields=["election", "setup_archive", "credentials_fingerprint",
                                    "state", "error"])
            audit.record(box.society, actor, "ballotbox.opened", box,
                         {"voters": len(credentials.public)})
    except BeleniosError as error:
        _failed(box, error)
        raise BoxError(f"The ballot box could not be opened: {error.message}.") from None
    return dict(credentials.private)


# --- Casting ---------------------------------------------------------------------------------

class _Known:
    """`in` answered by the database: is this credential one of the box's?"""

    def __init__(self, box: Box, used: bool):
        self.box, self.used = box, used

    def __contains__(self, credential) -> bool:
        model = EncryptedBallot if self.used else PublicCredential
        return model.objects.filter(box=self.box, credential=credential).exists()


_ALREADY = "This ballot cannot be accepted: a ballot signed with this credential is already " \
           "in the ballot box."


def _open_for_ballots(box: Box) -> Box:
    """The box as it is now; BallotRefused unless it is open."""
    box = Box.objects.get(pk=box.pk)
    if box.state != BoxState.OPEN:
        raise BallotRefused("store a ballot", "This ballot cannot be accepted: the ballot box "
                                              "is not open.")
    return box


def _check(box: Box, ballot_json: str, *, proofs: bool = True) -> belenios.EncryptedBallot:
    return belenios.check_ballot(
        election=box.election, trustees=box.trustees, ballot=ballot_json,
        public_credentials=_Known(box, used=False), used_credentials=_Known(box, used=True),
        proofs=proofs)


def store_checked(box: Box, checked: belenios.EncryptedBallot) -> str:
    """Store a checked ballot under the box's lock, inside the caller's transaction (so a
    caller can claim a voter's roll entry in the same transaction, by another statement);
    its tracker. BallotRefused if the box has closed or the credential has been used."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("store_checked runs inside the caller's transaction")
    box = _locked(box)  # the close takes the same lock: no ballot lands after it
    if box.state != BoxState.OPEN:
        raise BallotRefused("store a ballot", "This ballot cannot be accepted: the ballot "
                                              "box has closed.")
    try:
        with transaction.atomic():
            EncryptedBallot.objects.create(society=box.society, box=box, ballot=checked.text,
                                           tracker=checked.tracker,
                                           credential=checked.credential)
    except IntegrityError:
        raise BallotRefused("store a ballot", _ALREADY) from None
    return checked.tracker


def store_ballot(box: Box, ballot_json: str) -> str:
    """Check a ballot against the box and store it; its tracker. BallotRefused (with a
    sentence for the voter) for a ballot the box cannot take. Not audited: an entry would say
    when someone voted, which the box must not know."""
    box = _open_for_ballots(box)
    checked = _check(box, ballot_json)
    with transaction.atomic():
        return store_checked(box, checked)


def prepare_ballot(box: Box, private_credential: str,
                   choices: Sequence[Sequence[int]]) -> belenios.EncryptedBallot:
    """Encrypt the choices on the server with the voter's private credential and check the
    ballot's election and credential (known, not used); nothing is stored (`store_checked`
    does). The tool does not check again the proofs of a ballot it has just made (0.09 s of
    CPU a vote, a third of its cost); the encrypted tally and every verification of the
    record check them. The server sees the choices while it encrypts (docs/secrecy.md)."""
    box = _open_for_ballots(box)
    encrypted = belenios.encrypt_ballot(election=box.election, trustees=box.trustees,
                                        private_credential=private_credential, choices=choices)
    return _check(box, encrypted.text, proofs=False)


def encrypt_and_store(box: Box, private_credential: str,
                      choices: Sequence[Sequence[int]]) -> str:
    """Encrypt the choices on the server with the voter's private credential, then store the
    ballot; its tracker."""
    checked = prepare_ballot(box, private_credential, choices)
    with transaction.atomic():
        return store_checked(box, checked)


def has_tracker(box: Box, tracker: str) -> bool:
    """Whether a ballot with this tracker is in the box."""
    return box.ballots.filter(tracker=tracker).exists()


def trackers(box: Box):
    """The trackers of the box's ballots, in byte order (what `LC_ALL=C sort` gives)."""
    return box.ballots.order_by(bytewise("tracker")).values_list("tracker", flat=True)


# --- The close and the count -----------------------------------------------------------------

def _queue_resume(box: Box) -> None:
    """The worker runs `resume` once the current transaction commits (ballotbox/tasks.py)."""
    from ballotbox.tasks import queue_resume

    queue_resume(box)


def close_box(*, actor, box: Box) -> Box:
    """No more ballots. The count starts in the worker (`resume`, queued on commit)."""
    with transaction.atomic():
        box = _locked(box)
        if box.state != BoxState.OPEN:
            raise BoxError("Only an open ballot box can be closed.")
        box.state = BoxState.CLOSED
        box.save(update_fields=["state"])
        audit.record(box.society, actor, "ballotbox.closed", box,
                     {"ballots": box.ballots.count()})
        _queue_resume(box)
    return box


def _steps(box: Box, kind: str) -> list[TallyStep]:
    return list(box.steps.filter(kind=kind).order_by("position"))


def _store_step(box: Box, kind: str, message: str, trustee_number: int | None = None) -> None:
    position = box.steps.count()
    TallyStep.objects.create(society=box.society, box=box, position=position, kind=kind,
                             trustee_number=trustee_number, message=message)


def count_progress(box: Box) -> tuple[int, int]:
    """The count's steps stored, and how many it takes at least: the encrypted tally, (for
    a ranking) two shuffles and their end, `threshold` partial decryptions, the result."""
    needed = 1 + (MIN_SHUFFLES + 1 if is_ranked(box) else 0) + box.threshold + 1
    return min(box.steps.count(), needed), needed


def decryptions_in(box: Box) -> int:
    return box.steps.filter(kind=StepKind.DECRYPTION).count()


def server_step_due(box: Box) -> bool:
    """Whether the server has a step of the count to do now, as `resume` would do it: the
    encrypted tally after the close, the result once `threshold` partial decryptions are in."""
    return box.state == BoxState.CLOSED or (box.state == BoxState.TALLYING
                                            and decryptions_in(box) >= box.threshold)


def work_due(box: Box) -> bool:
    """Whether `resume` has anything to do now: a server step of the count, a trustee's step
    waiting for the worker, or a verification asked for."""
    return (server_step_due(box) or box.queued.filter(refused="").exists()
            or verification_due(box))


def _ballot_texts(box: Box) -> Iterable[str]:
    return box.ballots.order_by("tracker").values_list("ballot", flat=True).iterator(2000)


def resume(box: Box) -> Box:
    """Do the server's next step of the count, if one is due, and go on while steps are due:
    the encrypted tally after the close; the trustees' queued shuffles and partial
    decryptions (`queue_trustee_step`), in the order they came; the result once `threshold`
    partial decryptions are in. Safe to call at any time, twice, or from two workers: each
    step is computed, then stored under the box's lock only if no one stored it meanwhile."""
    while True:
        box = Box.objects.get(pk=box.pk)
        queued = box.queued.filter(refused="").order_by("queued_at", "pk").first()
        if queued is not None:
            _run_queued(box, queued)
            continue
        if verification_due(box):
            try:
                _run_verification(box)
            except BeleniosError as error:
                _failed(box, error)
                raise BoxError(f"The record could not be verified: {error}") from None
            continue
        if not server_step_due(box):
            return box
        step = _compute_tally if box.state == BoxState.CLOSED else _compute_result
        try:
            step(box)
        except BeleniosError as error:
            _failed(box, error)
            raise BoxError(f"The count stopped: {error}") from None


def _compute_tally(box: Box) -> None:
    _progress(box, "assemble the public record", 0, 2)
    assembled = belenios.assemble_archive(bytes(box.setup_archive), _ballot_texts(box))
    _progress(box, "compute the encrypted tally", 1, 2)
    tallied = belenios.compute_encrypted_tally(assembled)
    with transaction.atomic():
        box = _locked(box)
        if box.state != BoxState.CLOSED:
            return  # someone else stored it
        _store_step(box, StepKind.TALLY, belenios.last_event_data(tallied))
        box.record, box.state, box.error = tallied, BoxState.TALLYING, ""
        box.save(update_fields=["record", "state", "error"])
    _progress(box, "compute the encrypted tally", 2, 2)


def _compute_result(box: Box) -> None:
    decryptions = {s.trustee_number: s.message for s in _steps(box, StepKind.DECRYPTION)}
    _progress(box, "compute the result", 0, 1)
    tally = belenios.compute_result(bytes(box.record), decryptions)
    with transaction.atomic():
        box = _locked(box)
        if box.state != BoxState.TALLYING or box.steps.filter(kind=StepKind.RESULT).exists():
            return
        _store_step(box, StepKind.RESULT, tally.result)
        box.record, box.record_sha256 = tally.archive, hashlib.sha256(tally.archive).hexdigest()
        box.state, box.error = BoxState.RESULT, ""
        box.save(update_fields=["record", "record_sha256", "state", "error"])
        audit.record(box.society, None, "ballotbox.result_computed", box,
                     {"decryptions": len(decryptions)})
        society_id, box_id = box.society_id, box.pk
        transaction.on_commit(lambda: signals.result_ready.send(
            sender=Box, society_id=society_id, box_id=box_id))
    _progress(box, "compute the result", 1, 1)


def _trustee_step(*, actor, box: Box, trustee_number: int, message: str | None, kind: str,
                  make, check, refused_action: str, done_action: str) -> Box:
    """A trustee's shuffle or partial decryption: made on the server for a server-kept
    trustee (`make`), sent by the trustee otherwise; checked (`check`, TrusteeRefused names
    a bad one, which is audited and not kept); stored once."""
    trustee = None
    try:
        with transaction.atomic():
            box = _locked(box)
            trustee = _trustee(box, trustee_number)
            _can_take(box, kind, trustee)
            made_here = trustee.keeping == Keeping.SERVER
            if made_here:
                message = make(box, trustee)
            elif not message:
                raise BoxError(f"Trustee {trustee.number} runs this step on their own "
                               "computer and sends what it writes.")
            record = check(box, trustee, message, made_here)
            _store_step(box, kind, message.strip() + "\n", trustee.number)
            box.error = ""
            if record is None:
                box.save(update_fields=["error"])
            else:  # the record is rewritten only when the step adds to it
                box.record = record
                box.save(update_fields=["record", "error"])
            audit.record(box.society, actor, done_action, box,
                         {"trustee": trustee.number, "name": trustee.name})
    except TrusteeRefused as error:
        raise _refused(box, actor, refused_action, trustee,
                       f"Trustee {trustee.number} ({trustee.name}): {error.message}; "
                       "nothing was kept, and the count waits for a valid one.") from None
    except BeleniosError as error:
        _failed(box, error)
        raise BoxError(f"Trustee {trustee_number}: {error}") from None
    return box


def _can_take(box: Box, kind: str, trustee: Trustee) -> None:
    if box.state != BoxState.TALLYING:
        raise BoxError("The ballot box is not being counted.")
    if box.steps.filter(kind=kind, trustee_number=trustee.number).exists():
        raise BoxError(f"Trustee {trustee.number}'s {StepKind(kind).label} is already in.")
    ended = box.steps.filter(kind=StepKind.END_SHUFFLES).exists()
    if kind == StepKind.SHUFFLE and (not is_ranked(box) or ended):
        raise BoxError("No shuffle is wanted now.")
    if kind == StepKind.DECRYPTION and is_ranked(box) and not ended:
        raise BoxError("The ballots are decrypted after the shuffles.")


def _check_shuffle(box, trustee, message, made_here):
    """The record with the shuffle; its proof checked (a whole `election verify`) unless the
    server has just made it with the tool: the officer's and every auditor's verification
    check it then, as they check everything."""
    return belenios.add_shuffle(bytes(box.record), message, trustee.number,
                                check=not made_here)


def shuffle(*, actor, box: Box, trustee_number: int, message: str | None = None) -> Box:
    """A trustee's shuffle of the ranked ballots: run on the server for a server-kept
    trustee; for one on their own computer, `message` is what `tally_instructions` has them
    run. Refused (BoxError, audited) unless its proof verifies."""
    return _trustee_step(
        actor=actor, box=box, trustee_number=trustee_number, message=message,
        kind=StepKind.SHUFFLE, make=lambda b, t: belenios.shuffle(bytes(b.record), t.number),
        check=_check_shuffle, refused_action="ballotbox.shuffle_refused",
        done_action="ballotbox.shuffled")


def queue_trustee_step(*, actor, box: Box, trustee_number: int, kind: str,
                       message: str | None = None) -> None:
    """A trustee's shuffle or partial decryption, for the worker to make (server-kept
    trustee) or check (`message`, from a trustee on their own computer) and store: each can
    take minutes at 10,000 ballots. Refused at once if it is not this trustee's turn; a
    message refused by its check is kept on the queued row (`refused`) for their page."""
    if kind not in (StepKind.SHUFFLE, StepKind.DECRYPTION):
        raise BoxError("Only a shuffle or a partial decryption is queued.")
    with transaction.atomic():
        box = _locked(box)
        trustee = _trustee(box, trustee_number)
        _can_take(box, kind, trustee)
        if trustee.keeping == Keeping.OWN and not (message or "").strip():
            raise BoxError(f"Trustee {trustee.number} runs this step on their own computer "
                           "and sends what it writes.")
        QueuedStep.objects.update_or_create(
            box=box, kind=kind, trustee_number=trustee.number,
            defaults={"society": box.society, "actor": actor, "refused": "",
                      "queued_at": timezone.now(),
                      "message": (message or "") if trustee.keeping == Keeping.OWN else ""})
        _queue_resume(box)


def queued_step(box: Box, trustee_number: int) -> QueuedStep | None:
    """The trustee's latest step waiting for the worker, or refused by it, if any."""
    return (box.queued.filter(trustee_number=trustee_number)
            .order_by("-queued_at", "-pk").first())


def _run_queued(box: Box, queued: QueuedStep) -> None:
    """Make or check a queued trustee step and store it; a refusal is kept on the row."""
    step = shuffle if queued.kind == StepKind.SHUFFLE else decrypt
    label = StepKind(queued.kind).label
    _progress(box, f"check trustee {queued.trustee_number}'s {label}", 0, 1)
    try:
        step(actor=queued.actor, box=box, trustee_number=queued.trustee_number,
             message=queued.message or None)
    except BoxError as error:
        QueuedStep.objects.filter(pk=queued.pk).update(refused=str(error))
    else:
        QueuedStep.objects.filter(pk=queued.pk).delete()
    _progress(box, f"check trustee {queued.trustee_number}'s {label}", 1, 1)


def end_shuffles(*, actor, box: Box) -> Box:
    """No more shuffles (at least two are needed); the trustees can then decrypt."""
    try:
        with transaction.atomic():
            box = _locked(box)
            if box.state != BoxState.TALLYING or not is_ranked(box):
                raise BoxError("The ballot box is not being shuffled.")
            if box.steps.filter(kind=StepKind.END_SHUFFLES).exists():
                return box
            shuffles = box.steps.filter(kind=StepKind.SHUFFLE).count()
            if shuffles < MIN_SHUFFLES:
                raise BoxError(f"At least {MIN_SHUFFLES} trustees must shuffle the ballots; "
                               f"{shuffles} did.")
            box.record = belenios.end_shuffles(bytes(box.record), minimum=MIN_SHUFFLES)
            _store_step(box, StepKind.END_SHUFFLES, "")
            box.save(update_fields=["record"])
            audit.record(box.society, actor, "ballotbox.shuffles_ended", box,
                         {"shuffles": shuffles})
    except BeleniosError as error:
        _failed(box, error)
        raise BoxError(f"The shuffles could not be ended: {error}") from None
    return box


def _make_decryption(box, trustee):
    return belenios.decrypt_threshold(bytes(box.record), private_key=trustee.private_key,
                                      decryption_key=trustee.decryption_key,
                                      trustee_id=trustee.number)


def _check_decryption(box, trustee, message, made_here):
    """A partial decryption sent by a trustee is checked on arrival (one `compute-result`),
    so a bad one is named at once; one the server has just made is checked with the others
    when the result is computed."""
    if not made_here:
        belenios.check_partial_decryption(bytes(box.record), message, trustee.number)


def decrypt(*, actor, box: Box, trustee_number: int, message: str | None = None) -> Box:
    """A trustee's partial decryption: made on the server for a server-kept trustee, sent by
    one on their own computer. A bad one is refused, named and audited. Once `threshold` are
    in, the worker computes the result (`resume`, queued on commit); trustees who did not
    decrypt are not needed."""
    box = _trustee_step(
        actor=actor, box=box, trustee_number=trustee_number, message=message,
        kind=StepKind.DECRYPTION, make=_make_decryption, check=_check_decryption,
        refused_action="ballotbox.decryption_refused", done_action="ballotbox.decrypted")
    if decryptions_in(box) >= box.threshold:
        _queue_resume(box)
    return Box.objects.get(pk=box.pk)  # as it is now (where tasks run at once, with a result)


def tally_instructions(box: Box, trustee: Trustee, kind: str) -> Instructions:
    """For a trustee on their own computer: the shuffle or the partial decryption to run on
    the current public record (`election/election.bel`), after `belenios-tool election
    verify --dir election`."""
    files: dict[str, str | bytes] = {f"{belenios.ELECTION_DIR}/election.bel": bytes(box.record)}
    if kind == StepKind.SHUFFLE:
        return Instructions("shuffle", belenios.shuffle_command(trustee.number), files,
                            belenios.SHUFFLE_FILE)
    key_id = belenios.certificate_id(trustee.certificate)
    files[f"{key_id}.dkey"] = trustee.decryption_key + "\n"
    return Instructions("partial decryption", belenios.partial_decryption_command(
        trustee.number, key_file=f"{key_id}.key", decryption_key_file=f"{key_id}.dkey"),
        files, belenios.PARTIAL_DECRYPTION_FILE)


def trustee_progress(box: Box) -> list[dict]:
    """Each trustee's public progress: which rounds they sent, which steps of the count."""
    steps = {}
    for kind, number in box.steps.exclude(trustee_number=None).values_list("kind",
                                                                           "trustee_number"):
        steps.setdefault(number, set()).add(kind)
    return [{"trustee": t, "certificate": bool(t.certificate), "polynomial": bool(t.polynomial),
             "answer": bool(t.voutput),
             "shuffled": StepKind.SHUFFLE in steps.get(t.number, ()),
             "decrypted": StepKind.DECRYPTION in steps.get(t.number, ())}
            for t in box.trustee_rows.order_by("number")]


# --- The result and the public record --------------------------------------------------------

def result_of(box: Box) -> list[belenios.RankedResult | belenios.ChoiceResult]:
    """The result of each question (rank vectors for a ranking, totals otherwise)."""
    (step,) = _steps(box, StepKind.RESULT) or [None]
    if step is None:
        raise BoxError("The ballot box has no result yet.")
    return belenios.read_result(step.message, box.election)


def public_record(box: Box) -> tuple[bytes, str]:
    """The public record (a .bel archive) and its SHA-256 (hex), once the result is in."""
    if box.state != BoxState.RESULT:
        raise BoxError("The public record is published with the result.")
    return bytes(box.record), box.record_sha256


def publish_record(*, actor, box: Box) -> Box:
    """Let everyone with a vote download the public record (it holds the decrypted ballots,
    so not before the result is signed off). Publishing a contest's result does this."""
    with transaction.atomic():
        box = _locked(box)
        if box.state != BoxState.RESULT:
            raise BoxError("The public record is published with the result.")
        if box.published_at is None:
            box.published_at = timezone.now()
            box.save(update_fields=["published_at"])
            audit.record(box.society, actor, "ballotbox.published", box,
                         {"record_sha256": box.record_sha256})
    return box


def request_verification(*, actor, box: Box) -> None:
    """Ask the worker to run every check Belenios knows on the record (`verification_due`);
    the verdict is kept on the box."""
    with transaction.atomic():
        box = _locked(box)
        if box.state != BoxState.RESULT:
            raise BoxError("The record is verified once the result is in.")
        box.verify_requested_at = timezone.now()
        box.save(update_fields=["verify_requested_at"])
        _queue_resume(box)


def verification_due(box: Box) -> bool:
    return (box.state == BoxState.RESULT and box.verify_requested_at is not None
            and (box.verified_at is None or box.verified_at < box.verify_requested_at))


def _run_verification(box: Box) -> None:
    _progress(box, "verify the public record", 0, 1)
    verdict = verify(box)
    with transaction.atomic():
        box = _locked(box)
        box.verified_at, box.verified_ok = timezone.now(), verdict.ok
        box.verified_message = verdict.message
        box.save(update_fields=["verified_at", "verified_ok", "verified_message"])
        audit.record(box.society, None, "ballotbox.verified", box,
                     {"ok": verdict.ok, "record_sha256": box.record_sha256})
    _progress(box, "verify the public record", 1, 1)


def verify(box: Box) -> belenios.Verification:
    """Every check Belenios knows, on the box's public record."""
    return belenios.verify_archive(public_record(box)[0])


def rebuild_record(box: Box) -> bytes:
    """The public record made again from the set-up, the stored ballots and the stored steps
    (checking that each step gives back what was stored)."""
    archive = belenios.assemble_archive(bytes(box.setup_archive), _ballot_texts(box))
    decryptions = {}
    for step in box.steps.order_by("position"):
        if step.kind == StepKind.TALLY:
            archive = belenios.compute_encrypted_tally(archive)
            if belenios.last_event_data(archive) != step.message:
                raise BoxError("The encrypted tally made again differs from the one stored.")
        elif step.kind == StepKind.SHUFFLE:
            archive = belenios.add_shuffle(archive, step.message, step.trustee_number,
                                           check=False)
        elif step.kind == StepKind.END_SHUFFLES:
            archive = belenios.end_shuffles(archive, minimum=MIN_SHUFFLES)
        elif step.kind == StepKind.DECRYPTION:
            decryptions[step.trustee_number] = step.message
        elif step.kind == StepKind.RESULT:
            tally = belenios.compute_result(archive, decryptions)
            if tally.result != step.message:
                raise BoxError("The result made again differs from the one stored.")
            archive = tally.archive
    return archive
