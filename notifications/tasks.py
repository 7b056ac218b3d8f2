"""Celery tasks of the outbox. Each takes ids, is safe to run twice and loses nothing if lost:
the message rows are the truth, and the sweep re-sends whatever is left pending."""

import logging
from datetime import timedelta
from itertools import islice

from celery import shared_task
from django.utils import timezone
from django_scopes import scopes_disabled

from notifications import sending
from notifications.models import Channel, Message, Status
from notifications.queue import publish
from societies.tasks import SocietyTask

logger = logging.getLogger(__name__)

SEND_BATCH = 100
# Anything pending this long after it was due was never picked up: the sweep sends it.
SWEEP_GRACE = timedelta(minutes=5)
SWEEP_LIMIT = 50_000


def _send(society_id, message_ids) -> dict:
    result = sending.send_messages(message_ids)
    for message_id, seconds in result["retry"]:
        publish(send_message, (society_id, message_id), countdown=seconds)
    return {k: (len(v) if isinstance(v, list) else v) for k, v in result.items()}


@shared_task(base=SocietyTask)
def send_message(society_id: int, message_id: int) -> dict:
    """Send one email message (claimed first, so a second run sends nothing)."""
    return _send(society_id, [message_id])


@shared_task(base=SocietyTask)
def send_batch(society_id: int, message_ids: list[int]) -> dict:
    """Send several messages of one society over one SMTP connection."""
    return _send(society_id, message_ids)


def _batches(ids, size=SEND_BATCH):
    stream = iter(ids)
    while batch := list(islice(stream, size)):
        yield batch


@shared_task(base=SocietyTask)
def dispatch_notice(society_id: int, notice_id: int) -> int:
    """Fan a notice's email messages out into send batches; returns how many were queued."""
    ids = (
        sending.sendable().filter(notice_id=notice_id).order_by("pk")
        .values_list("pk", flat=True).iterator(chunk_size=2000)
    )
    queued = 0
    for batch in _batches(ids):
        if publish(send_batch, (society_id, batch)):
            queued += len(batch)
    return queued


@shared_task
def sweep_outbox(grace_seconds: float | None = None) -> int:
    """Queue every email message still pending well after it was due (run by beat).

    A broker or worker outage therefore delays messages but loses none. What is queued is
    marked due again now, so the next sweep leaves it alone for another grace period.
    """
    grace = SWEEP_GRACE if grace_seconds is None else timedelta(seconds=grace_seconds)
    now = timezone.now()
    with scopes_disabled():
        overdue = list(
            sending.sendable(now).filter(next_attempt_at__lte=now - grace)
            .order_by("society_id", "pk").values_list("society_id", "pk")[:SWEEP_LIMIT]
        )
        by_society: dict[int, list[int]] = {}
        for society_id, message_id in overdue:
            by_society.setdefault(society_id, []).append(message_id)
        queued = 0
        for society_id, message_ids in by_society.items():
            for batch in _batches(message_ids):
                Message.objects.filter(pk__in=batch, status=Status.PENDING,
                                       channel=Channel.EMAIL).update(next_attempt_at=now)
                if publish(send_batch, (society_id, batch)):
                    queued += len(batch)
    if queued:
        logger.info("Outbox sweep queued %d overdue message(s)", queued)
    return queued
