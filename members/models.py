"""Members of a society: the register of members (CCBSA 2014 s.30), applications to join,
returned mail, and register imports.

A membership is one row: admitted on a date and, once ceased, ceased on a date for a reason.
Rows are never deleted and a ceased row is never reopened: readmission is a new row with a new
member number that points back at the old one, so the register as at any date is a plain
date comparison (docs/members.md).
"""

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

# How a member takes notices is the outbox's choice of channel (notifications sits below).
from notifications.models import ContactChannel  # noqa: F401 - members.models.ContactChannel

# Under-16s may be members (some societies admit from 12) but never officers or board members.
OFFICER_MINIMUM_AGE = 16


class MemberKind(models.TextChoices):
    PERSON = "person", "A person"
    ORGANISATION = "organisation", "An organisation"


class CessationReason(models.TextChoices):
    RESIGNED = "resigned", "Resigned"
    DECEASED = "deceased", "Deceased"
    EXPELLED = "expelled", "Expelled"
    INELIGIBLE = "ineligible", "Ceased to be eligible"
    UNTRACEABLE = "untraceable", "Untraceable or dormant"
    SHARES_WITHDRAWN = "shares_withdrawn", "Shares withdrawn"


def age_on(date_of_birth: date | None, on: date) -> int | None:
    if date_of_birth is None:
        return None
    had_birthday = (on.month, on.day) >= (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - (0 if had_birthday else 1)


def normalise_postcode(value: str) -> str:
    """UK postcodes as Royal Mail prints them: capitals, one space before the inward code."""
    compact = "".join(value.split()).upper()
    if 5 <= len(compact) <= 7 and compact[-3].isdigit():
        return f"{compact[:-3]} {compact[-3:]}"
    return " ".join(value.split()).upper()


def active_on_q(on: date, prefix: str = "") -> Q:
    """Members on the register on `on`: admitted by then and not ceased by then (a member who
    ceased that day is no longer one). `prefix` is for a related lookup, such as "member__"."""
    return Q(**{f"{prefix}admitted_on__lte": on}) & (
        Q(**{f"{prefix}ceased_on__isnull": True}) | Q(**{f"{prefix}ceased_on__gt": on}))


class MemberQuerySet(models.QuerySet):
    def active_on(self, on: date):
        return self.filter(active_on_q(on))


class MemberManager(models.Manager.from_queryset(MemberQuerySet)):
    def active_on(self, on: date):
        # Through filter(), so that outside a society scope this fails as django-scopes does.
        return self.filter(active_on_q(on))


class Member(models.Model):
    # No single-column indexes on society, user or readmission_of: every index costs each row
    # of a million-row import, and the composite and partial indexes below serve the lookups.
    society = models.ForeignKey(
        "societies.Society", on_delete=models.PROTECT, related_name="members", db_index=False
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member_number = models.PositiveIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        db_index=False,
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
    large_print = models.BooleanField(
        "wants ballot papers in large print", default=False, db_default=False,
        help_text="Ballot papers sent by post are printed at 16 point or larger.",
    )
    stakeholder_class = models.ForeignKey(
        "societies.StakeholderClass", on_delete=models.PROTECT, related_name="members"
    )
    date_of_birth = models.DateField(null=True, blank=True)
    # An organisation (a council, a trust, a charity, another society) is a member too: its
    # name is `full_name`, it has no date of birth, and a named representative acts for it.
    kind = models.CharField(max_length=12, choices=MemberKind.choices,
                            default=MemberKind.PERSON, db_default=MemberKind.PERSON)
    registered_number = models.CharField(
        "registered number", max_length=40, blank=True, default="", db_default="",
        help_text="An organisation's company, charity or society number.")
    representative_name = models.CharField(
        "representative", max_length=200, blank=True, default="", db_default="",
        help_text="Who acts and votes for an organisation member.")
    # Where a society's rules give one vote per household (a tenants' organisation): members
    # of one household share a key; the one it names votes for it (else the longest-standing).
    household = models.CharField(
        max_length=100, blank=True, default="", db_default="",
        help_text="Members with the same household (a tenancy reference, say) share one vote "
                  "where a ballot gives one vote per household.")
    household_voter = models.BooleanField(
        "votes for the household", default=False, db_default=False,
        help_text="Where a ballot gives one vote per household; otherwise the member of the "
                  "household with the lowest member number votes.")
    # A federation's member that is itself a society on the platform: once that society's
    # secretary confirms, they appoint its representative and see the federation's notices.
    member_society = models.ForeignKey(
        "societies.Society", on_delete=models.PROTECT, null=True, blank=True,
        related_name="federation_memberships", db_index=False,
        help_text="For a federation: the member society, where it is on this platform.")
    member_society_confirmed_at = models.DateTimeField(null=True, blank=True)
    # A member under 16, where the society asks for it: a parent's or guardian's contact.
    guardian_name = models.CharField("parent or guardian", max_length=200, blank=True,
                                     default="", db_default="")
    guardian_contact = models.CharField(
        "parent's or guardian's contact", max_length=200, blank=True, default="",
        db_default="", help_text="A telephone number, email or postal address.")
    admitted_on = models.DateField(default=timezone.localdate)
    admission_decided_on = models.DateField("date of the admitting decision", null=True,
                                            blank=True)
    admission_reference = models.CharField("admitting decision reference", max_length=100,
                                           blank=True)
    ceased_on = models.DateField(null=True, blank=True)
    cessation_reason = models.CharField(max_length=20, choices=CessationReason.choices,
                                        blank=True)
    cessation_reference = models.CharField("decision reference (expulsion)", max_length=100,
                                           blank=True)
    readmission_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="readmissions",
        db_index=False, help_text="The earlier, ceased membership this readmission follows.",
    )

    objects = ScopedManager(MemberManager, society="society")
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
            # A person without an account is recognised by their email address; email first
            # so that linking accounts on sign-in can look an address up in every society.
            models.UniqueConstraint(
                Lower("email"), "society",
                condition=Q(ceased_on__isnull=True) & ~Q(email=""),
                name="one_active_membership_per_email",
            ),
            models.UniqueConstraint(
                fields=["readmission_of"], condition=Q(readmission_of__isnull=False),
                name="member_readmitted_once",
            ),
            models.CheckConstraint(
                condition=Q(member_number__gte=1), name="member_number_positive"
            ),
            models.CheckConstraint(
                condition=Q(ceased_on__isnull=True) | Q(ceased_on__gte=models.F("admitted_on")),
                name="member_ceased_after_admitted",
            ),
            # Ceased on a date for a reason, or not ceased at all.
            models.CheckConstraint(
                condition=(Q(ceased_on__isnull=True) & Q(cessation_reason=""))
                | (Q(ceased_on__isnull=False) & ~Q(cessation_reason="")),
                name="member_cessation_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(cessation_reason=CessationReason.EXPELLED)
                | ~Q(cessation_reference=""),
                name="member_expulsion_has_reference",
            ),
            models.CheckConstraint(
                condition=Q(member_society__isnull=True)
                | (Q(kind="organisation") & ~Q(member_society=F("society"))),
                name="member_society_is_another_organisation",
            ),
            models.UniqueConstraint(
                fields=["society", "member_society"],
                condition=Q(ceased_on__isnull=True, member_society__isnull=False),
                name="one_current_membership_per_member_society",
            ),
        ]
        indexes = [
            # Keyset pagination of the register by name and by admission date (docs/members.md).
            models.Index("society", Lower("full_name"), "member_number",
                         name="member_society_name_number"),
            models.Index(fields=["society", "admitted_on", "member_number"],
                         name="member_society_admitted"),
            models.Index(fields=["user"], condition=Q(user__isnull=False),
                         name="member_user_linked"),
            models.Index(fields=["member_society"], condition=Q(member_society__isnull=False),
                         name="member_society_linked"),
        ]

    def __str__(self):
        return f"{self.full_name} (no. {self.member_number})"

    def save(self, *args, **kwargs):
        # Backed by a database trigger (migration 0004); this catches it before the query.
        if getattr(self, "_loaded_ceased_on", None) is not None and self.ceased_on is None:
            raise ValueError("A ceased membership cannot be reopened: readmit the person")
        super().save(*args, **kwargs)
        self._loaded_ceased_on = self.ceased_on

    def delete(self, *args, **kwargs):
        raise ValueError("Members are never deleted: cease the membership instead")

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_ceased_on = instance.__dict__.get("ceased_on")
        return instance

    @property
    def is_active(self) -> bool:
        return self.ceased_on is None

    def is_active_on(self, on: date) -> bool:
        """The same test as `active_on_q`, on one loaded row."""
        return self.admitted_on <= on and (self.ceased_on is None or self.ceased_on > on)

    @property
    def can_be_emailed(self) -> bool:
        """Notices go by email only to members who chose it, consented, and gave an address."""
        return (
            self.contact_channel == ContactChannel.EMAIL
            and self.electronic_consent
            and bool(self.email)
        )

    def age_on(self, on: date) -> int | None:
        return age_on(self.date_of_birth, on)

    def is_under_16_on(self, on: date) -> bool:
        """Under 16 on `on`, so not eligible to be an officer or board member (DESIGN.md §5).

        A member whose date of birth is not recorded is not flagged; boards must ask.
        """
        age = self.age_on(on)
        return age is not None and age < OFFICER_MINIMUM_AGE

    @property
    def postal_address_lines(self) -> list[str]:
        lines = [line.strip() for line in self.address.splitlines() if line.strip()]
        if self.postcode:
            lines.append(self.postcode)
        return lines


def under_16_on(queryset, on: date):
    """Members of `queryset` who are under 16 on `on` (ineligible for office)."""
    try:
        born_after = on.replace(year=on.year - OFFICER_MINIMUM_AGE)
    except ValueError:  # 29 February
        born_after = date(on.year - OFFICER_MINIMUM_AGE, 3, 1)
    return queryset.filter(date_of_birth__gt=born_after)


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    AWAITING_VOTE = "awaiting_vote", "Awaiting members' vote"
    ADMITTED = "admitted", "Admitted"
    DECLINED = "declined", "Declined"


class Application(models.Model):
    """Someone asking to join. Admission turns it into a Member; a decline keeps it on file."""

    society = models.ForeignKey(
        "societies.Society", on_delete=models.PROTECT, related_name="applications"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=20, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.PENDING)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", help_text="The applicant's own account, when they applied signed in.",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", help_text="The officer who entered a paper application.",
    )
    stakeholder_class = models.ForeignKey(
        "societies.StakeholderClass", on_delete=models.PROTECT, related_name="applications"
    )
    full_name = models.CharField(max_length=200)
    address = models.TextField("postal address")
    postcode = models.CharField(max_length=10, blank=True)
    email = models.EmailField(blank=True)
    contact_channel = models.CharField(max_length=10, choices=ContactChannel.choices,
                                       default=ContactChannel.POST)
    electronic_consent = models.BooleanField(default=False)
    date_of_birth = models.DateField(null=True, blank=True)
    # An organisation (a council, a trust, a charity, another society) is a member too: its
    # name is `full_name`, it has no date of birth, and a named representative acts for it.
    kind = models.CharField(max_length=12, choices=MemberKind.choices,
                            default=MemberKind.PERSON, db_default=MemberKind.PERSON)
    registered_number = models.CharField(
        "registered number", max_length=40, blank=True, default="", db_default="",
        help_text="An organisation's company, charity or society number.")
    representative_name = models.CharField(
        "representative", max_length=200, blank=True, default="", db_default="",
        help_text="Who acts and votes for an organisation member.")
    # A member under 16, where the society asks for it: a parent's or guardian's contact.
    guardian_name = models.CharField("parent or guardian", max_length=200, blank=True,
                                     default="", db_default="")
    guardian_contact = models.CharField(
        "parent's or guardian's contact", max_length=200, blank=True, default="",
        db_default="", help_text="A telephone number, email or postal address.")
    # Where the society admits by members' vote after a probation period, the period runs
    # from the day the applicant's employment (or other relationship with the society) began.
    relationship_started_on = models.DateField(
        "employment or relationship began on", null=True, blank=True)
    agreed_to_rules_at = models.DateTimeField()
    # The versions the applicant agreed to (None: the society had none online then).
    rules_version = models.ForeignKey(
        "societies.SocietyDocument", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name="rules agreed to",
    )
    privacy_notice_version = models.ForeignKey(
        "societies.SocietyDocument", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name="privacy notice read",
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    acknowledgement_sent_at = models.DateTimeField(null=True, blank=True)
    referred_on = models.DateField("referred to a members' vote on", null=True, blank=True)
    decided_on = models.DateField("date of the board decision", null=True, blank=True)
    decision_reference = models.CharField(max_length=100, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    decline_reason = models.TextField(blank=True)
    member = models.OneToOneField(Member, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="application")

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["submitted_at", "id"]
        indexes = [models.Index(fields=["society", "status", "submitted_at"],
                                name="application_society_status")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.ADMITTED) | Q(member__isnull=False),
                name="application_admitted_has_member",
            ),
        ]

    def __str__(self):
        return f"Application {self.reference} from {self.full_name}"

    @property
    def is_open(self) -> bool:
        return self.status in (ApplicationStatus.PENDING, ApplicationStatus.AWAITING_VOTE)

    @property
    def began_on(self) -> date:
        """The day the probation period runs from: the employment's (or relationship's) start
        as recorded, else the day the application arrived."""
        return self.relationship_started_on or timezone.localdate(self.submitted_at)

    @property
    def vote_possible_from(self) -> date | None:
        """The first day this application may be put to the members' vote, where the society
        admits by members' vote after a probation period; None where there is no period."""
        society = self.society
        if not society.has_probation:
            return None
        return self.began_on + timedelta(days=society.probation_days)


class ReturnedMail(models.Model):
    """Post to a member that came back undelivered: the evidence for 'untraceable'."""

    society = models.ForeignKey(
        "societies.Society", on_delete=models.PROTECT, related_name="+"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="returned_mail")
    returned_on = models.DateField()
    description = models.CharField("what was sent", max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["-returned_on", "-id"]

    def __str__(self):
        return f"{self.description} returned {self.returned_on:%d %b %Y}"


class RepresentativeChange(models.Model):
    """An organisation member replaced its representative by letter: who was replaced by whom,
    on which day, on the strength of which letter. Rows are only added."""

    society = models.ForeignKey(
        "societies.Society", on_delete=models.PROTECT, related_name="+"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey(Member, on_delete=models.PROTECT,
                               related_name="representative_changes")
    previous_name = models.CharField(max_length=200, blank=True)
    new_name = models.CharField(max_length=200)
    effective_on = models.DateField()
    letter_dated = models.DateField("the organisation's letter is dated")
    letter_from = models.CharField("letter signed by", max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["-effective_on", "-id"]

    def __str__(self):
        return f"{self.new_name} for {self.member.full_name} from {self.effective_on:%d %b %Y}"


class InspectionStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for the secretary"
    GRANTED = "granted", "Granted"
    ANSWERED = "answered", "Answered without online access"


class RegisterInspection(models.Model):
    """A member's request to inspect the duplicate register (CCBS Act 2014 s.31), and the
    secretary's answer: online access for a period, or another way (at the office)."""

    society = models.ForeignKey(
        "societies.Society", on_delete=models.PROTECT, related_name="register_inspections"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey(Member, on_delete=models.PROTECT,
                               related_name="register_inspections")
    note = models.CharField("anything the secretary should know", max_length=500, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=InspectionStatus.choices,
                              default=InspectionStatus.REQUESTED)
    granted_from = models.DateField(null=True, blank=True)
    granted_until = models.DateField(null=True, blank=True)
    answer = models.CharField("answer to the member", max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(status="requested"),
                name="one_open_inspection_request_per_member",
            ),
            models.CheckConstraint(
                condition=~Q(status="granted") | Q(
                    granted_from__isnull=False, granted_until__isnull=False,
                    granted_until__gte=models.F("granted_from")),
                name="inspection_grant_has_period",
            ),
        ]

    def __str__(self):
        return f"Inspection of the register asked by {self.member}"

    def is_granted_on(self, on: date) -> bool:
        return (self.status == InspectionStatus.GRANTED
                and self.granted_from <= on <= self.granted_until)


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Checking and loading rows"
    DONE = "done", "Imported"
    FAILED = "failed", "Not imported"


class ImportJob(models.Model):
    """One uploaded register file and how its import went (all rows or none)."""

    society = models.ForeignKey(
        "societies.Society", on_delete=models.PROTECT, related_name="member_imports"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to="member-imports/", blank=True)
    original_name = models.CharField(max_length=200)
    size_bytes = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=ImportStatus.choices,
                              default=ImportStatus.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    bytes_read = models.PositiveBigIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # The first errors (line, column, reason); error_count says how many there were in all.
    errors = models.JSONField(default=list, blank=True)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Import of {self.original_name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def percent(self) -> int:
        if not self.is_running:
            return 100
        if not self.size_bytes:
            return 0
        return min(99, int(100 * self.bytes_read / self.size_bytes))
