"""Members of a society: the register of members (CCBSA 2014 s.30)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords


class ContactChannel(models.TextChoices):
    EMAIL = "email", "Email"
    POST = "post", "Post to my registered address"


class Member(models.Model):
    society = models.ForeignKey(
        "societies.Society", on_delete=models.PROTECT, related_name="members"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member_number = models.PositiveIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
    )
    full_name = models.CharField(max_length=200)
    address = models.TextField("postal address", blank=True,
                               help_text="One line per line of the address, without the postcode.")
    postcode = models.CharField(max_length=10, blank=True)
    email = models.EmailField(blank=True)
    email_purpose = models.CharField(
        "what the email address was given for", max_length=200, blank=True,
        default="Notices, ballots and other communications from the society",
    )
    contact_channel = models.CharField(
        max_length=10, choices=ContactChannel.choices, default=ContactChannel.POST
    )
    electronic_consent = models.BooleanField(
        "agrees to receive notices electronically", default=False
    )
    electronic_consent_at = models.DateTimeField(null=True, blank=True)
    stakeholder_class = models.ForeignKey(
        "societies.StakeholderClass", on_delete=models.PROTECT, related_name="members"
    )
    date_of_birth = models.DateField(null=True, blank=True)
    admitted_on = models.DateField(default=timezone.localdate)
    ceased_on = models.DateField(null=True, blank=True)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["member_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["society", "member_number"], name="member_number_unique_in_society"
            ),
            models.UniqueConstraint(
                fields=["society", "user"],
                condition=Q(ceased_on__isnull=True, user__isnull=False),
                name="one_active_membership_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} (no. {self.member_number})"

    @property
    def is_active(self) -> bool:
        return self.ceased_on is None

    @property
    def can_be_emailed(self) -> bool:
        """Notices go by email only to members who chose it, consented, and gave an address."""
        return (
            self.contact_channel == ContactChannel.EMAIL
            and self.electronic_consent
            and bool(self.email)
        )
