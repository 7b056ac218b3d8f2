"""The key ceremony: a new box, its trustees' key messages, and its questions until it opens."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from ballotbox import belenios
from ballotbox.belenios import BeleniosError, TrusteeRefused
from ballotbox.models import Box, BoxState, Keeping, Trustee
from ballotbox.services.common import (
    BoxError,
    locked_box,
    numbered_trustee,
    questions_json,
    record_failure,
    record_refusal,
)
from societies import audit


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
            box = locked_box(box)
            if box.state != BoxState.KEYS:
                raise BoxError("The keys of this ballot box are already made.")
            trustee = numbered_trustee(box, trustee_number)
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
                bad = numbered_trustee(box, error.trustee_ids[0])
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
            raise record_refusal(box, actor, "ballotbox.key_message_refused", *refusal) from None
        raise error from None
    except BeleniosError as error:
        record_failure(box, error)
        raise BoxError(f"The key could not be made: {error.message}.") from None
    if late_refusal:
        raise BoxError(late_refusal)
    return box


def set_questions(*, box: Box, questions: Sequence[belenios.Question]) -> Box:
    """Change the questions before the box opens (a contest's candidates can change until its
    poll opens); they must need the group the trustees' keys were made in."""
    with transaction.atomic():
        box = locked_box(box)
        if box.state not in (BoxState.KEYS, BoxState.READY):
            raise BoxError("The questions of an opened ballot box cannot change.")
        if belenios.group_for(questions) != box.group:
            raise BoxError("These questions need another kind of key: set up a new box.")
        box.questions = questions_json(questions)
        box.save(update_fields=["questions"])
    return box
