"""The outbox: one `Message` per recipient per notice, written in the caller's transaction.

A `Notice` groups the messages of one mailing, so the record of service is per notice. A
message may also go to a bare email address (an invitation to a role, an applicant's
acknowledgement): then it has no member as its recipient.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager


class ContactChannel(models.TextChoices):
    """How a member asks to be sent notices (the register's `Member.contact_channel`)."""

    EMAIL = "email", "Email"
    POST = "post", "Post to my registered address"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    POST = "post", "Post"


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    POSTED = "posted", "Posted"


class Notice(models.Model):
    """One mailing: an ad-hoc notice, a notice of a general meeting, an election notice…"""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="notices")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField("message kind", max_length=100)
    title = models.CharField(max_length=300)
    audience = models.CharField(max_length=200, blank=True,
                                help_text="Who it went to, in words: “All members”.")
    # What the mailing is about, as "<app>.<model>:<public id>" (a poll's notices name their
    # contest), so a form printed with its letters can find it; blank for an ad-hoc notice.
    about = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class Message(models.Model):
    """One notice to one member (or one email to an address), by one channel; its status is
    the record of service."""

    # Foreign-key indexes are left to the composite indexes below, which begin with the same
    # column: fewer indexes to maintain when a notice writes 100,000 rows.
    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="messages", db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="messages", db_index=False)
    # None for an email to someone who is not a member (yet): it goes to `to_email`.
    recipient = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="messages", db_index=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    kind = models.CharField("message kind", max_length=100)
    dedup_key = models.CharField(max_length=200)
    # What was served, and where to: fixed when the message is written.
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    to_email = models.EmailField(blank=True)
    to_address = models.TextField("postal address", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When a sender last took the message, i.e. the last attempt. The claim itself is a row
    # lock held while sending (notifications/sending.py): of two senders exactly one sends,
    # and a sender that dies releases it with its database connection.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When the next attempt is due; the sweep sends what is overdue by more than a grace period.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    posted_on = models.DateField(null=True, blank=True)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["society", "dedup_key"],
                                    name="message_dedup_key_unique_in_society"),
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in Channel]), name="message_channel_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.SENT) | Q(sent_at__isnull=False),
                name="message_sent_has_time",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | Q(channel=Channel.EMAIL) & ~Q(to_email=""),
                name="message_without_member_is_email",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.POSTED)
                | Q(channel=Channel.POST, posted_on__isnull=False),
                name="message_posted_is_post_with_date",
            ),
        ]
        indexes = [
            # The sweep: pending email that is overdue.
            models.Index(fields=["next_attempt_at"], name="message_pending_email_due",
                         condition=Q(status="pending", channel="email")),
            models.Index(fields=["notice", "status", "channel"], name="message_notice_status"),
            models.Index(fields=["recipient", "-created_at"], name="message_recipient_time"),
        ]

    def __str__(self):
        return f"{self.subject} to {self.recipient_id or self.to_email} by {self.channel}"
