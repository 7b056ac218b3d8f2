"""Celery tasks of the outbox. Each takes ids, is safe to run twice and loses nothing if lost:
the message rows are the truth, and the sweep re-sends whatever is left pending."""

import logging
from datetime import timedelta
from itertools import islice

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from notifications import sending
from notifications.models import Message
from notifications.queue import publish
from societies.tasks import SocietyTask

logger = logging.getLogger(__name__)

SEND_BATCH = 100
# Anything pending this long after it was due, and not being sent, was lost on the way: the
# sweep queues it again. Short, so that everything is under way within a minute of the broker
# and a worker coming back (the sweep runs every 15 s); re-queuing is harmless, as sending
# claims each message in the database.
SWEEP_GRACE = timedelta(seconds=30)
# While the broker's queue still holds more than a few tasks (more than beat queues at once),
# overdue messages are most likely in it, draining: they are left to it for longer.
SWEEP_GRACE_BUSY = timedelta(minutes=5)
BUSY_QUEUE = 10
SWEEP_LIMIT = 50_000
UPDATE_CHUNK = 5000


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


def _queue_is_busy() -> bool:
    """True if the broker's queue still holds many tasks no worker has taken yet.

    Then overdue messages are most likely waiting in it (a large notice draining), and are
    left to it for the long grace; an empty queue means whatever is overdue was lost.
    """
    from celery import current_app

    try:
        with current_app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1)
            declared = conn.default_channel.queue_declare(
                queue=current_app.conf.task_default_queue, passive=True)
            return declared.message_count > BUSY_QUEUE
    except Exception:  # noqa: BLE001 - no such queue (empty) or no broker: nothing is waiting
        return False


@shared_task
def sweep_outbox(grace_seconds: float | None = None) -> int:
    """Queue every email message still pending after it was due (run by beat every 15 s).

    Pending and overdue by SWEEP_GRACE (SWEEP_GRACE_BUSY while the broker's queue still
    holds tasks) means its task was never queued (broker down at commit), was lost with the
    broker's queue, or was taken by a worker that died. Messages being sent right now are
    row-locked by their sender and skipped. What is queued is marked due again now, so the
    next sweeps leave it alone for another grace period. A broker or worker outage
    therefore delays messages but loses none.
    """
    if grace_seconds is not None:
        grace = timedelta(seconds=grace_seconds)
    else:
        grace = SWEEP_GRACE_BUSY if _queue_is_busy() else SWEEP_GRACE
    now = timezone.now()
    with scopes_disabled(), transaction.atomic():
        overdue = list(
            sending.sendable(now).filter(next_attempt_at__lte=now - grace)
            .order_by("society_id", "pk").select_for_update(skip_locked=True)
            .values_list("society_id", "pk")[:SWEEP_LIMIT]
        )
        by_society: dict[int, list[int]] = {}
        for society_id, message_id in overdue:
            by_society.setdefault(society_id, []).append(message_id)
        for message_ids in by_society.values():
            for batch in _batches(message_ids, UPDATE_CHUNK):
                Message.objects.filter(pk__in=batch).update(next_attempt_at=now)
    queued = 0
    for society_id, message_ids in by_society.items():
        for batch in _batches(message_ids):
            if publish(send_batch, (society_id, batch)):
                queued += len(batch)
    if queued:
        logger.info("Outbox sweep queued %d overdue message(s)", queued)
    return queued


# Named as it was when the societies app sent invitations, so tasks already queued still run.
@shared_task(base=SocietyTask, name="societies.tasks.send_invitation")
def send_invitation(society_id: int, invitation_id: int) -> bool:
    """Email an invitation through the outbox (invitations are now written to it when made)."""
    from notifications.invitations import invitation_message
    from societies.models import Invitation

    def write():
        invitation = Invitation.objects.filter(pk=invitation_id, society_id=society_id).first()
        return invitation_message(invitation) if invitation is not None else None

    return sending.send_through_outbox(society_id, write)
