"""The trustees' steps of the count: shuffles of ranked ballots and partial decryptions,
made on the server or sent by the trustee, checked and stored once."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ballotbox import belenios
from ballotbox.belenios import BeleniosError, TrusteeRefused
from ballotbox.models import Box, BoxState, Keeping, QueuedStep, StepKind, Trustee
from ballotbox.services.common import (
    MIN_SHUFFLES,
    BoxError,
    is_ranked,
    locked_box,
    numbered_trustee,
    record_failure,
    record_progress,
    record_refusal,
    resume_after_commit,
    store_step,
)
from ballotbox.services.reads import decryptions_in
from societies import audit


def _trustee_step(*, actor, box: Box, trustee_number: int, message: str | None, kind: str,
                  make, check, refused_action: str, done_action: str) -> Box:
    """A trustee's shuffle or partial decryption: made on the server for a server-kept
    trustee (`make`), sent by the trustee otherwise; checked (`check`, TrusteeRefused names
    a bad one, which is audited and not kept); stored once."""
    trustee = None
    try:
        with transaction.atomic():
            box = locked_box(box)
            trustee = numbered_trustee(box, trustee_number)
            _can_take(box, kind, trustee)
            made_here = trustee.keeping == Keeping.SERVER
            if made_here:
                message = make(box, trustee)
            elif not message:
                raise BoxError(f"Trustee {trustee.number} runs this step on their own "
                               "computer and sends what it writes.")
            record = check(box, trustee, message, made_here)
            store_step(box, kind, message.strip() + "\n", trustee.number)
            box.error = ""
            if record is None:
                box.save(update_fields=["error"])
            else:  # the record is rewritten only when the step adds to it
                box.record = record
                box.save(update_fields=["record", "error"])
            audit.record(box.society, actor, done_action, box,
                         {"trustee": trustee.number, "name": trustee.name})
    except TrusteeRefused as error:
        raise record_refusal(box, actor, refused_action, trustee,
                             f"Trustee {trustee.number} ({trustee.name}): {error.message}; "
                             "nothing was kept, and the count waits for a valid one.") from None
    except BeleniosError as error:
        record_failure(box, error)
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
        box = locked_box(box)
        trustee = numbered_trustee(box, trustee_number)
        _can_take(box, kind, trustee)
        if trustee.keeping == Keeping.OWN and not (message or "").strip():
            raise BoxError(f"Trustee {trustee.number} runs this step on their own computer "
                           "and sends what it writes.")
        QueuedStep.objects.update_or_create(
            box=box, kind=kind, trustee_number=trustee.number,
            defaults={"society": box.society, "actor": actor, "refused": "",
                      "queued_at": timezone.now(),
                      "message": (message or "") if trustee.keeping == Keeping.OWN else ""})
        resume_after_commit(box)


def run_queued(box: Box, queued: QueuedStep) -> None:
    """Make or check a queued trustee step and store it; a refusal is kept on the row."""
    step = shuffle if queued.kind == StepKind.SHUFFLE else decrypt
    label = StepKind(queued.kind).label
    record_progress(box, f"check trustee {queued.trustee_number}'s {label}", 0, 1)
    try:
        step(actor=queued.actor, box=box, trustee_number=queued.trustee_number,
             message=queued.message or None)
    except BoxError as error:
        QueuedStep.objects.filter(pk=queued.pk).update(refused=str(error))
    else:
        QueuedStep.objects.filter(pk=queued.pk).delete()
    record_progress(box, f"check trustee {queued.trustee_number}'s {label}", 1, 1)


def end_shuffles(*, actor, box: Box) -> Box:
    """No more shuffles (at least two are needed); the trustees can then decrypt."""
    try:
        with transaction.atomic():
            box = locked_box(box)
            if box.state != BoxState.TALLYING or not is_ranked(box):
                raise BoxError("The ballot box is not being shuffled.")
            if box.steps.filter(kind=StepKind.END_SHUFFLES).exists():
                return box
            shuffles = box.steps.filter(kind=StepKind.SHUFFLE).count()
            if shuffles < MIN_SHUFFLES:
                raise BoxError(f"At least {MIN_SHUFFLES} trustees must shuffle the ballots; "
                               f"{shuffles} did.")
            box.record = belenios.end_shuffles(bytes(box.record), minimum=MIN_SHUFFLES)
            store_step(box, StepKind.END_SHUFFLES, "")
            box.save(update_fields=["record"])
            audit.record(box.society, actor, "ballotbox.shuffles_ended", box,
                         {"shuffles": shuffles})
    except BeleniosError as error:
        record_failure(box, error)
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
        resume_after_commit(box)
    return Box.objects.get(pk=box.pk)  # as it is now (where tasks run at once, with a result)
