"""The close and the count: the server's steps (the encrypted tally, the result), run by
`resume` in the worker."""

from __future__ import annotations

import hashlib

from django.db import transaction

from ballotbox import belenios, signals
from ballotbox.belenios import BeleniosError
from ballotbox.models import Box, BoxState, StepKind
from ballotbox.services.common import (
    BoxError,
    ballot_texts,
    locked_box,
    record_failure,
    record_progress,
    resume_after_commit,
    steps_of,
    store_step,
)
from ballotbox.services.reads import server_step_due, verification_due
from ballotbox.services.record import run_verification
from ballotbox.services.trustee_steps import run_queued
from societies import audit


def close_box(*, actor, box: Box) -> Box:
    """No more ballots. The count starts in the worker (`resume`, queued on commit)."""
    with transaction.atomic():
        box = locked_box(box)
        if box.state != BoxState.OPEN:
            raise BoxError("Only an open ballot box can be closed.")
        box.state = BoxState.CLOSED
        box.save(update_fields=["state"])
        audit.record(box.society, actor, "ballotbox.closed", box,
                     {"ballots": box.ballots.count()})
        resume_after_commit(box)
    return box


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
            run_queued(box, queued)
            continue
        if verification_due(box):
            try:
                run_verification(box)
            except BeleniosError as error:
                record_failure(box, error)
                raise BoxError(f"The record could not be verified: {error}") from None
            continue
        if not server_step_due(box):
            return box
        step = _compute_tally if box.state == BoxState.CLOSED else _compute_result
        try:
            step(box)
        except BeleniosError as error:
            record_failure(box, error)
            raise BoxError(f"The count stopped: {error}") from None


def _compute_tally(box: Box) -> None:
    record_progress(box, "assemble the public record", 0, 2)
    assembled = belenios.assemble_archive(bytes(box.setup_archive), ballot_texts(box))
    record_progress(box, "compute the encrypted tally", 1, 2)
    tallied = belenios.compute_encrypted_tally(assembled)
    with transaction.atomic():
        box = locked_box(box)
        if box.state != BoxState.CLOSED:
            return  # someone else stored it
        store_step(box, StepKind.TALLY, belenios.last_event_data(tallied))
        box.record, box.state, box.error = tallied, BoxState.TALLYING, ""
        box.save(update_fields=["record", "state", "error"])
    record_progress(box, "compute the encrypted tally", 2, 2)


def _compute_result(box: Box) -> None:
    decryptions = {s.trustee_number: s.message for s in steps_of(box, StepKind.DECRYPTION)}
    record_progress(box, "compute the result", 0, 1)
    tally = belenios.compute_result(bytes(box.record), decryptions)
    with transaction.atomic():
        box = locked_box(box)
        if box.state != BoxState.TALLYING or box.steps.filter(kind=StepKind.RESULT).exists():
            return
        store_step(box, StepKind.RESULT, tally.result)
        box.record, box.record_sha256 = tally.archive, hashlib.sha256(tally.archive).hexdigest()
        box.state, box.error = BoxState.RESULT, ""
        box.save(update_fields=["record", "record_sha256", "state", "error"])
        audit.record(box.society, None, "ballotbox.result_computed", box,
                     {"decryptions": len(decryptions)})
        society_id, box_id = box.society_id, box.pk
        transaction.on_commit(lambda: signals.result_ready.send(
            sender=Box, society_id=society_id, box_id=box_id))
    record_progress(box, "compute the result", 1, 1)
