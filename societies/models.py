"""The tenant core: societies, their stakeholder classes, role grants, invitations and audit."""

import calendar
import re
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from societies.permissions import GRANTABLE_ROLES, Role

# Co-operative and Community Benefit Societies Act 2014, s.24: withdrawable share cap.
LEGAL_MAX_WITHDRAWABLE_PENCE = 100_000 * 100
INVITATION_LIFETIME = timedelta(days=14)


class LegalForm(models.TextChoices):
    COOPERATIVE = "cooperative", "Co-operative society"
    COMMUNITY_BENEFIT = "community_benefit", "Community benefit society"
    CLG = "company_limited_by_guarantee", "Company limited by guarantee"
    CIC = "community_interest_company", "Community interest company"
    TMO = "tenant_management_organisation", "Tenant management organisation"
    NHS_FT = "nhs_foundation_trust", "NHS foundation trust"
    OTHER = "other", "Other"


class AdmissionMethod(models.TextChoices):
    BOARD = "board", "By decision of the board"
    MEMBERS_VOTE = "members_vote", "By a vote of members after a probation period"


class PaymentMethod(models.TextChoices):
    """How an applicant pays for the shares that make them a member."""

    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CASH = "cash", "Cash at the society's office"
    CONTACT = "contact", "The society will contact the applicant"


# A UK sort code and account number as banks print them.
SORT_CODE = RegexValidator(r"^\d{2}-\d{2}-\d{2}$", "A sort code is six digits, such as 12-34-56.")
ACCOUNT_NUMBER = RegexValidator(r"^\d{8}$", "An account number is eight digits.")
REFERENCE_PLACEHOLDER = "{reference}"
# Faster Payments carry at most 18 characters of reference; an application reference has 10.
PAYMENT_REFERENCE_MAX = 18
APPLICATION_REFERENCE_LENGTH = 10
BANK_REFERENCE_CHARACTERS = re.compile(r"^[A-Za-z0-9 /.&-]*$")


def payment_reference_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be a bank reference for applications, or None."""
    if pattern.count(REFERENCE_PLACEHOLDER) != 1:
        return (f"Include {REFERENCE_PLACEHOLDER} once: it is replaced by the application's "
                "reference, so the secretary can match each payment to its application.")
    fixed = pattern.replace(REFERENCE_PLACEHOLDER, "")
    if not BANK_REFERENCE_CHARACTERS.match(fixed):
        return ("Use only letters, digits, spaces and - / . & around {reference}: banks drop "
                "other characters.")
    if len(fixed) + APPLICATION_REFERENCE_LENGTH > PAYMENT_REFERENCE_MAX:
        room = PAYMENT_REFERENCE_MAX - APPLICATION_REFERENCE_LENGTH
        return (f"Banks carry at most {PAYMENT_REFERENCE_MAX} characters of reference and the "
                f"application's takes {APPLICATION_REFERENCE_LENGTH}: add at most {room} "
                "characters to it.")
    return None


def district_list(text: str) -> list[str]:
    """Postcode districts typed as a list ("SS1, ss2 CM11") in capitals, in the order given."""
    return [part.upper() for part in text.replace(",", " ").split()]


def postcode_district(postcode: str) -> str:
    """The district (outward code) of a UK postcode: "SS1 2AB" and "ss12ab" give "SS1"."""
    compact = "".join(postcode.split()).upper()
    return compact[:-3] if len(compact) >= 5 else compact


class MovedOutOfArea(models.TextChoices):
    RECLASSIFY = "reclassify", "Move them to the constituency of their new area"
    CEASE = "cease", "End their membership (ceased to be eligible)"


class Society(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=60, unique=True, help_text="Used in the society's web address: /s/<slug>/"
    )
    legal_form = models.CharField(
        max_length=40, choices=LegalForm.choices, default=LegalForm.COOPERATIVE
    )
    registration_number = models.CharField(max_length=40, blank=True)
    registered_office = models.TextField(blank=True)
    financial_year_end_month = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    financial_year_end_day = models.PositiveSmallIntegerField(
        default=31, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    share_nominal_value_pence = models.PositiveIntegerField(
        "share nominal value (pence)", default=100, validators=[MinValueValidator(1)]
    )
    minimum_shares = models.PositiveIntegerField(
        "minimum shares to be a member", default=1
    )
    max_withdrawable_pence = models.PositiveIntegerField(
        "maximum withdrawable holding (pence)",
        default=LEGAL_MAX_WITHDRAWABLE_PENCE,
        validators=[MaxValueValidator(LEGAL_MAX_WITHDRAWABLE_PENCE)],
    )
    minimum_member_age = models.PositiveSmallIntegerField(
        default=16, validators=[MaxValueValidator(120)]
    )
    moved_out_of_area = models.CharField(
        "when a member moves out of their constituency's area", max_length=12,
        choices=MovedOutOfArea.choices, default=MovedOutOfArea.RECLASSIFY,
        db_default=MovedOutOfArea.RECLASSIFY,
        help_text="For constituencies by area. A member who moves where no constituency "
                  "covers is ceased either way.")
    guardian_for_under_16 = models.BooleanField(
        "members under 16 give a parent's or guardian's contact", default=False,
        db_default=False)
    notice_clear_days = models.PositiveSmallIntegerField(
        "notice period for general meetings (clear days)",
        default=14,
        validators=[MaxValueValidator(365)],
    )
    posting_days = models.PositiveSmallIntegerField(
        "days a letter takes to arrive", default=2, validators=[MaxValueValidator(30)],
        help_text="A reminder to vote goes by letter only when it is sent more days than "
                  "this before the close.",
    )
    # General meeting rules (boards): quorum, proxies, the chair's casting vote.
    quorum_minimum_members = models.PositiveSmallIntegerField(
        "quorum: at least this many members", default=3,
        validators=[MaxValueValidator(10000)],
    )
    quorum_percent = models.DecimalField(
        "quorum: or this percentage of members, whichever is greater", max_digits=5,
        decimal_places=2, default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    quorum_counts_proxies = models.BooleanField(
        "members represented by proxy count towards the quorum", default=True
    )
    proxy_deadline_hours = models.PositiveSmallIntegerField(
        "proxies must be appointed this many hours before the meeting", default=48,
        validators=[MaxValueValidator(720)],
    )
    proxy_max_per_holder = models.PositiveSmallIntegerField(
        "most proxies one member may hold (blank: no limit; the chair is not limited)",
        null=True, blank=True, default=5,
    )
    chair_casting_vote = models.BooleanField(
        "the chair has a casting vote on a tied ordinary resolution", default=True
    )
    admission_method = models.CharField(
        max_length=20, choices=AdmissionMethod.choices, default=AdmissionMethod.BOARD
    )
    probation_days = models.PositiveSmallIntegerField(
        "probation period before the members' vote (days)",
        default=0,
        validators=[MaxValueValidator(3660)],
    )
    # The public page (/s/<slug>/ for visitors) and how applicants pay (docs/members.md).
    description = models.TextField(
        "about the society", blank=True, validators=[MaxLengthValidator(2000)],
        help_text="A few sentences for the public page: what the society does and who may join.",
    )
    public_page_shown = models.BooleanField(
        "show the public page to visitors", default=True,
        help_text="Off: only members and officers find the society at its address; the "
                  "application form still opens from a link you give people.",
    )
    payment_method = models.CharField(
        "how applicants pay for their shares", max_length=20, choices=PaymentMethod.choices,
        default=PaymentMethod.CONTACT,
    )
    payment_account_name = models.CharField("account name", max_length=70, blank=True)
    payment_sort_code = models.CharField("sort code", max_length=8, blank=True,
                                         validators=[SORT_CODE])
    payment_account_number = models.CharField("account number", max_length=8, blank=True,
                                              validators=[ACCOUNT_NUMBER])
    payment_reference = models.CharField(
        "payment reference", max_length=30, default=REFERENCE_PLACEHOLDER,
        help_text="What the applicant quotes with a bank transfer: {reference} is replaced by "
                  "their application's reference, for example JOIN {reference}.",
    )
    payment_office_address = models.TextField(
        "office address for cash payments", blank=True,
        help_text="Leave blank to use the registered office.",
    )
    payment_office_hours = models.CharField("office opening hours", max_length=200, blank=True)
    # CCBS Act 2014 s.31 gives members a right to inspect the duplicate register, not to do
    # so online: off, a member asks and the secretary grants a period (members.services).
    register_online_inspection = models.BooleanField(
        "members may inspect the duplicate register online at any time", default=False,
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "societies"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_withdrawable_pence__lte=LEGAL_MAX_WITHDRAWABLE_PENCE),
                name="society_withdrawable_cap_within_law",
            ),
            models.CheckConstraint(
                condition=Q(share_nominal_value_pence__gte=1), name="society_nominal_positive"
            ),
            models.CheckConstraint(
                condition=Q(financial_year_end_month__gte=1, financial_year_end_month__lte=12)
                & Q(financial_year_end_day__gte=1, financial_year_end_day__lte=31),
                name="society_financial_year_end_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        month, day = self.financial_year_end_month, self.financial_year_end_day
        if month and day and 1 <= month <= 12:
            # A year end of 29 February is allowed: it means the last day of February.
            last_day = 29 if month == 2 else calendar.monthrange(2001, month)[1]
            if day > last_day:
                raise ValidationError(
                    {"financial_year_end_day": f"{calendar.month_name[month]} has no day {day}."}
                )
        self._clean_payment()

    def _clean_payment(self):
        errors = {}
        if self.payment_method == PaymentMethod.BANK_TRANSFER:
            for field in ("payment_account_name", "payment_sort_code",
                          "payment_account_number"):
                if not getattr(self, field).strip():
                    label = self._meta.get_field(field).verbose_name
                    errors[field] = f"Give the {label} for payments by bank transfer."
            problem = payment_reference_problem(self.payment_reference)
            if problem:
                errors["payment_reference"] = problem
        elif self.payment_method == PaymentMethod.CASH:
            if not (self.payment_office_address.strip() or self.registered_office.strip()):
                errors["payment_office_address"] = (
                    "Give the address where applicants pay in cash (or the registered office).")
            if not self.payment_office_hours.strip():
                errors["payment_office_hours"] = "Say when the office is open to take cash."
        if errors:
            raise ValidationError(errors)

    @property
    def registration_number_label(self) -> str:
        """What the registration number is called for the society's legal form."""
        if self.legal_form in (LegalForm.COOPERATIVE, LegalForm.COMMUNITY_BENEFIT):
            return "Registered society number (FCA)"
        if self.legal_form in (LegalForm.CLG, LegalForm.CIC):
            return "Company number"
        return "Registration number"

    @property
    def cash_office_address(self) -> str:
        return self.payment_office_address.strip() or self.registered_office.strip()

    def payment_reference_for(self, application_reference: str) -> str:
        return self.payment_reference.replace(REFERENCE_PLACEHOLDER, application_reference)

    @property
    def has_probation(self) -> bool:
        """Whether applications wait out a probation period before the members' vote."""
        return self.admission_method == AdmissionMethod.MEMBERS_VOTE and self.probation_days > 0

    @property
    def financial_year_end_display(self) -> str:
        return f"{self.financial_year_end_day} {calendar.month_name[self.financial_year_end_month]}"


class StakeholderClass(models.Model):
    society = models.ForeignKey(
        Society, on_delete=models.PROTECT, related_name="stakeholder_classes"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    minimum_age = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(120)],
        help_text="Leave blank to use the society's minimum member age.",
    )
    is_constituency = models.BooleanField(
        "is a constituency with its own seats", default=False
    )
    # A public constituency by area (South Essex Partnership Trust): the postcode districts
    # whose residents it takes; applicants are placed in it by their postcode.
    postcode_districts = models.CharField(
        "postcode districts", max_length=2000, blank=True, default="", db_default="",
        help_text="For a constituency by area: the postcode districts it covers (the part of "
                  "a postcode before the space, such as SS1 or CM11), separated by commas or "
                  "spaces. Applicants living there are placed in this class by their postcode.")
    # Central Surrey Health's co-owners are its staff: leaving the job ends the membership.
    tied_to_employment = models.BooleanField(
        "membership ends when employment ends", default=False, db_default=False,
        help_text="For staff classes: recording that a member's employment ended ceases the "
                  "membership (ceased to be eligible) and withdraws their shares.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "society", Lower("name"), name="stakeholder_class_name_unique_in_society"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def districts(self) -> set[str]:
        """The postcode districts this class covers (none: not a class by area)."""
        return set(district_list(self.postcode_districts))

    @property
    def effective_minimum_age(self) -> int:
        if self.minimum_age is None:
            return self.society.minimum_member_age
        return max(self.minimum_age, self.society.minimum_member_age)


class RoleGrant(models.Model):
    society = models.ForeignKey(Society, on_delete=models.PROTECT, related_name="role_grants")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_grants"
    )
    role = models.CharField(max_length=30, choices=[(r.value, r.label) for r in GRANTABLE_ROLES])
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    granted_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["society", "user", "role"], name="role_grant_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in GRANTABLE_ROLES]),
                name="role_grant_role_grantable",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}"


class Invitation(models.Model):
    society = models.ForeignKey(Society, on_delete=models.PROTECT, related_name="invitations")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField()
    role = models.CharField(max_length=30, choices=[(r.value, r.label) for r in GRANTABLE_ROLES])
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation of {self.email} as {self.get_role_display()}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.cancelled_at is None
            and self.expires_at > timezone.now()
        )


class DocumentKind(models.TextChoices):
    RULES = "rules", "Rules"
    PRIVACY_NOTICE = "privacy_notice", "Privacy notice"


class SocietyDocument(models.Model):
    """One version of the society's rules or privacy notice, a PDF.

    Versions are never changed or deleted: each upload is a new version and the newest
    upload of a kind is the current one. The PDF is kept in the row, so an upload is stored
    with its audit entry in one transaction, or not at all (the files are small).
    """

    society = models.ForeignKey(Society, on_delete=models.PROTECT, related_name="documents")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    version_label = models.CharField(
        "version", max_length=40, help_text="As the document names itself, e.g. '2024 rules' "
                                            "or 'version 3'.")
    version_date = models.DateField(
        "date of this version", help_text="When it was adopted, registered or took effect.")
    content = models.BinaryField(editable=False)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.UniqueConstraint("society", "kind", Lower("version_label"),
                                    name="society_document_version_unique"),
            models.CheckConstraint(condition=Q(kind__in=["rules", "privacy_notice"]),
                                   name="society_document_kind_known"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}, {self.version_label} ({self.version_date:%d %B %Y})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A document version is never changed: upload a new version")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Document versions are kept: upload a new version instead")

    @property
    def download_name(self) -> str:
        label = re.sub(r"[^a-z0-9]+", "-", self.version_label.lower()).strip("-") or "version"
        return f"{self.society.slug}-{self.kind.replace('_', '-')}-{label}.pdf"


def current_documents(society) -> dict[str, SocietyDocument]:
    """The current version of each kind of document the society has published, by kind."""
    current: dict[str, SocietyDocument] = {}
    for document in (SocietyDocument.objects.filter(society=society).defer("content")
                     .order_by("-uploaded_at", "-id")):
        current.setdefault(document.kind, document)
    return current


class AuditEntry(models.Model):
    """Who did what, in which society, to which object. Append-only; never secrets or choices."""

    society = models.ForeignKey(Society, on_delete=models.PROTECT, related_name="audit_entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["society", "-created_at"], name="audit_society_time")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only")


__all__ = [
    "AdmissionMethod",
    "AuditEntry",
    "DocumentKind",
    "Invitation",
    "LegalForm",
    "PaymentMethod",
    "Role",
    "RoleGrant",
    "Society",
    "SocietyDocument",
    "StakeholderClass",
]


class Counter(models.Model):
    """The last number handed out in one of a society's number series (member numbers,
    decisions, share certificates). `societies.numbering` locks this row, and only this row,
    to hand out the next."""

    society = models.ForeignKey(Society, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40)
    last = models.PositiveBigIntegerField(default=0)

    objects = ScopedManager(society="society")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["society", "kind"], name="counter_unique_kind"),
        ]

    def __str__(self):
        return f"{self.kind} numbers used: {self.last}"
