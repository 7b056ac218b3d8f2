"""Sending email messages from the outbox: claim, send, record — safe to run any number of times.

Each message is claimed on its own, in its own transaction: a `SELECT … FOR UPDATE SKIP LOCKED`
of the message if it is still pending and due. The row lock is held while the SMTP server is
given the message and until the outcome is recorded, so of two workers handed the same message
exactly one sends it, and a worker that dies (even by SIGKILL) releases its claim at once: its
database connection closes and PostgreSQL drops the lock. Nothing has to wait for a lease to run
out, and no lease can run out under a slow send. The message is marked sent only after the
server has accepted it, in the same transaction as the claim.

A temporary failure schedules the next attempt with exponential backoff; a permanent refusal
(5xx for the recipient or the content), or running out of attempts, marks it failed with the
reason.
"""

import contextlib
import logging
import smtplib
from datetime import timedelta
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from notifications.models import Channel, Message, Status

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
# Tolerance for clocks and countdowns: a retry that arrives a little early still runs.
DUE_TOLERANCE = timedelta(seconds=5)

# Messages whose sending is also recorded on the row they are about (by its public id, the
# part of the dedup key after the colon): kind -> (model, field stamped when it was sent).
SENT_STAMPS = {
    "societies.invitation": ("societies.Invitation", "sent_at"),
    "members.acknowledgement": ("members.Application", "acknowledgement_sent_at"),
}


def backoff(attempts: int) -> timedelta:
    """Wait before attempt number `attempts + 1`: 1, 2, 4, 8… minutes, at most an hour."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def sendable(now=None):
    """Messages a sender may take now: pending email that is due."""
    now = now or timezone.now()
    return Message.objects.filter(
        status=Status.PENDING, channel=Channel.EMAIL, next_attempt_at__lte=now + DUE_TOLERANCE,
    )


def _claim(message_id):
    """Lock the message for this transaction if it is sendable and no one else holds it."""
    now = timezone.now()
    message = (
        sendable(now).filter(pk=message_id).select_related("society", "recipient")
        .select_for_update(skip_locked=True, of=("self",)).first()
    )
    if message is not None:
        message.attempts += 1
        Message.objects.filter(pk=message.pk).update(attempts=message.attempts, claimed_at=now)
    return message


def send_messages(message_ids) -> dict:
    """Send each message that can be claimed, over one SMTP connection.

    Each message is claimed, sent and recorded in a transaction of its own, so a worker
    killed part way leaves at most the message in hand unrecorded. Returns {"sent": n,
    "failed": n, "skipped": n, "retry": [(message_id, seconds), ...]}; the caller schedules
    the retries. Runs inside the society's scope.
    """
    result = {"sent": 0, "failed": 0, "retry": [], "skipped": 0}
    handled = 0
    connection = None
    server_down = None  # once the server cannot be reached, the rest of the batch waits too
    try:
        for message_id in dict.fromkeys(message_ids):
            with transaction.atomic():
                message = _claim(message_id)
                if message is None:
                    continue
                handled += 1
                if server_down is not None:
                    _record_failure(message, False, server_down, result)
                    continue
                try:
                    if connection is None:
                        connection = _open_connection()
                    connection.send_messages([build_email(message)])
                except _ServerDown as error:
                    server_down = str(error)
                    _record_failure(message, False, server_down, result)
                except Exception as error:  # noqa: BLE001 - every failure is recorded
                    permanent, reason = classify(error)
                    if not permanent:
                        connection = _close_quietly(connection)
                    _record_failure(message, permanent, reason, result)
                else:
                    _record_sent(message)
                    result["sent"] += 1
    finally:
        _close_quietly(connection)
    result["skipped"] = len(message_ids) - handled
    return result


def _record_sent(message) -> None:
    now = timezone.now()
    Message.objects.filter(pk=message.pk).update(
        status=Status.SENT, sent_at=now, last_error=""
    )
    stamp = SENT_STAMPS.get(message.kind)
    if stamp is not None:
        model, field = stamp
        public_id = message.dedup_key.rpartition(":")[2]
        apps.get_model(model)._base_manager.filter(
            society_id=message.society_id, public_id=public_id, **{f"{field}__isnull": True}
        ).update(**{field: now})


class _ServerDown(Exception):
    pass


def _open_connection():
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as error:  # noqa: BLE001 - whatever stops us connecting, we retry later
        _close_quietly(connection)
        raise _ServerDown(f"Could not connect to the mail server: {classify(error)[1]}") from error
    return connection


def _record_failure(message, permanent, reason, result) -> None:
    attempts = message.attempts
    mine = Message.objects.filter(pk=message.pk)
    if permanent or attempts >= MAX_ATTEMPTS:
        if not permanent:
            reason = f"{reason} (gave up after {attempts} attempts)"
        mine.update(status=Status.FAILED, last_error=reason[:2000])
        result["failed"] += 1
        logger.warning("Message %s failed: %s", message.public_id, reason)
        return
    wait = backoff(attempts)
    mine.update(last_error=reason[:2000],
                next_attempt_at=timezone.now() + wait)
    result["retry"].append((message.pk, int(wait.total_seconds())))


def _close_quietly(connection) -> None:
    if connection is None:
        return None
    # The connection is being thrown away: whatever closing it raises does not matter.
    with contextlib.suppress(Exception):
        connection.close()
    return None


def classify(error: Exception) -> tuple[bool, str]:
    """(permanent?, reason): 5xx for the recipient or the content is permanent; the rest not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refusals = list(error.recipients.values())
        permanent = bool(refusals) and all(500 <= code < 600 for code, _text in refusals)
        reason = "; ".join(f"{code} {_text(text)}" for code, text in refusals)
        return permanent, f"Recipient refused: {reason}"
    if isinstance(error, smtplib.SMTPDataError):
        return 500 <= error.smtp_code < 600, (
            f"Message refused: {error.smtp_code} {_text(error.smtp_error)}"
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return False, f"{type(error).__name__}: {error.smtp_code} {_text(error.smtp_error)}"
    return False, f"{type(error).__name__}: {error}"


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def message_id_domain() -> str:
    """The domain of every Message-ID: the sender's, else the site's."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    return domain or urlsplit(settings.SITE_URL).hostname or "omov.localhost"


def message_id(message: Message) -> str:
    """The same message always has the same Message-ID, derived from its row, so a repeat
    (see docs/operations.md) is folded into the first by mail clients and receiving systems."""
    return f"<omov-message-{message.public_id}@{message_id_domain()}>"


def build_email(message: Message) -> EmailMultiAlternatives:
    society = message.society
    from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    recipient = message.recipient
    to = formataddr((recipient.full_name, message.to_email)) if recipient else message.to_email
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=formataddr((society.name, from_address)),
        to=[to],
        headers={
            # Auto-Submitted keeps auto-responders from replying (RFC 3834).
            "Message-ID": message_id(message),
            "Auto-Submitted": "auto-generated",
            "X-OMOV-Message": str(message.public_id),
        },
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def send_through_outbox(society_id: int, write) -> bool:
    """Write (or find) a message with `write()` and send it now; True if this call sent it.

    For tasks queued before invitations and acknowledgements went through the outbox: the
    message is written with its dedup key, so a run for one already written sends nothing new.
    """
    with transaction.atomic():
        message = write()
    if message is None:
        return False
    return send_messages([message.pk])["sent"] == 1
