"""The public record once the result is in: publishing it, and verifying it in the worker."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ballotbox.models import Box, BoxState
from ballotbox.services.common import BoxError, locked_box, record_progress, resume_after_commit
from ballotbox.services.reads import verify
from societies import audit


def publish_record(*, actor, box: Box) -> Box:
    """Let everyone with a vote download the public record (it holds the decrypted ballots,
    so not before the result is signed off). Publishing a contest's result does this."""
    with transaction.atomic():
        box = locked_box(box)
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
        box = locked_box(box)
        if box.state != BoxState.RESULT:
            raise BoxError("The record is verified once the result is in.")
        box.verify_requested_at = timezone.now()
        box.save(update_fields=["verify_requested_at"])
        resume_after_commit(box)


def run_verification(box: Box) -> None:
    record_progress(box, "verify the public record", 0, 1)
    verdict = verify(box)
    with transaction.atomic():
        box = locked_box(box)
        box.verified_at, box.verified_ok = timezone.now(), verdict.ok
        box.verified_message = verdict.message
        box.save(update_fields=["verified_at", "verified_ok", "verified_message"])
        audit.record(box.society, None, "ballotbox.verified", box,
                     {"ok": verdict.ok, "record_sha256": box.record_sha256})
    record_progress(box, "verify the public record", 1, 1)
