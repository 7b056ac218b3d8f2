"""Sending email messages from the outbox: claim, send, record — safe to run any number of times.

A message is claimed with a conditional UPDATE (pending, unclaimed or claim expired, due), so of
two workers given the same message exactly one sends it. A temporary failure releases the claim
and schedules the next attempt with exponential backoff; a permanent refusal (5xx for the
recipient or the content), or running out of attempts, marks it failed with the reason.
"""

import contextlib
import logging
import smtplib
from datetime import timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.utils import timezone

from notifications.models import Channel, Message, Status

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
# A claim older than this belongs to a worker that died mid-send: the message may be retried.
CLAIM_LEASE = timedelta(minutes=15)
# Tolerance for clocks and countdowns: a retry that arrives a little early still runs.
DUE_TOLERANCE = timedelta(seconds=5)


def backoff(attempts: int) -> timedelta:
    """Wait before attempt number `attempts + 1`: 1, 2, 4, 8… minutes, at most an hour."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def sendable(now=None):
    """Messages a sender may claim now: pending email, unclaimed (or claim expired), due."""
    now = now or timezone.now()
    return Message.objects.filter(
        status=Status.PENDING, channel=Channel.EMAIL, next_attempt_at__lte=now + DUE_TOLERANCE,
    ).filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE))


def send_messages(message_ids) -> dict:
    """Send each message that can be claimed, over one SMTP connection.

    The batch is claimed in one conditional UPDATE; each message is then marked sent as soon
    as the server has accepted it. Returns {"sent": n, "failed": n, "skipped": n,
    "retry": [(message_id, seconds), ...]}; the caller schedules the retries. Runs inside
    the society's scope.
    """
    result = {"sent": 0, "failed": 0, "retry": [], "skipped": 0}
    wanted = list(dict.fromkeys(message_ids))
    now = timezone.now()
    sendable(now).filter(pk__in=wanted).update(claimed_at=now, attempts=F("attempts") + 1)
    claimed = {m.pk: m for m in Message.objects.filter(pk__in=wanted, claimed_at=now)
               .select_related("society", "recipient")}
    result["skipped"] = len(message_ids) - len(claimed)
    connection = None
    server_down = None  # once the server cannot be reached, the rest of the batch waits too
    try:
        for message_id in wanted:
            message = claimed.get(message_id)
            if message is None:
                continue
            if server_down is not None:
                _record_failure(message, now, False, server_down, result)
                continue
            try:
                if connection is None:
                    connection = _open_connection()
                connection.send_messages([build_email(message)])
            except _ServerDown as error:
                server_down = str(error)
                _record_failure(message, now, False, server_down, result)
            except Exception as error:  # noqa: BLE001 - every failure is recorded on the message
                permanent, reason = classify(error)
                if not permanent:
                    connection = _close_quietly(connection)
                _record_failure(message, now, permanent, reason, result)
            else:
                Message.objects.filter(pk=message_id, claimed_at=now).update(
                    status=Status.SENT, sent_at=timezone.now(), claimed_at=None, last_error=""
                )
                result["sent"] += 1
    finally:
        _close_quietly(connection)
    return result


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


def _record_failure(message, claimed_at, permanent, reason, result) -> None:
    attempts = message.attempts
    mine = Message.objects.filter(pk=message.pk, claimed_at=claimed_at)
    if permanent or attempts >= MAX_ATTEMPTS:
        if not permanent:
            reason = f"{reason} (gave up after {attempts} attempts)"
        mine.update(status=Status.FAILED, claimed_at=None, last_error=reason[:2000])
        result["failed"] += 1
        logger.warning("Message %s failed: %s", message.public_id, reason)
        return
    wait = backoff(attempts)
    mine.update(claimed_at=None, last_error=reason[:2000],
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


def build_email(message: Message) -> EmailMultiAlternatives:
    society = message.society
    from_name, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = from_address.rpartition("@")[2] or "omov.localhost"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=formataddr((society.name, from_address)),
        to=[formataddr((message.recipient.full_name, message.to_email))],
        headers={
            # The same message always has the same Message-ID, so a receiving system can
            # recognise a repeat; Auto-Submitted keeps auto-responders from replying (RFC 3834).
            "Message-ID": f"<{message.public_id}@{domain}>",
            "Auto-Submitted": "auto-generated",
            "X-OMOV-Message": str(message.public_id),
        },
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email
