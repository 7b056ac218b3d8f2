"""Shares: classes, the append-only share ledger, balances, certificates, payments,
withdrawals, nominations and share interest (docs/shares.md).

The ledger (`ShareTransaction`) is the source of truth: holdings and amounts paid as at any
date are sums over it. `Holding` and `ShareAccount` are balance rows kept in step with it in
the same transaction, so that the database itself refuses a negative holding or a member
over the legal withdrawable cap, and so that services have a row to lock.
"""

import re
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from shares.ledger import LEGAL_MAX_WITHDRAWABLE_PENCE, format_pence

_SHARE_WORD = re.compile(r"\s*\bshares?$", re.IGNORECASE)


def class_shares(class_name: str) -> str:
    """ "Membership share" -> "Membership shares"; "Class A" -> "Class A shares": a class
    named "… share" is never followed by "share" again."""
    return f"{_SHARE_WORD.sub('', class_name)} shares".strip()


def count_of_shares(count, class_name: str) -> str:
    """ "1 Membership share", "3 Membership shares", "250 Class A shares"."""
    base = _SHARE_WORD.sub("", class_name)
    return f"{count} {base} {'share' if count in (1, -1) else 'shares'}".replace("  ", " ")


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a row of an append-only record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")


AppendOnlyManager = models.Manager.from_queryset(AppendOnlyQuerySet)


class AppendOnlyModel(models.Model):
    """Rows are written once. PostgreSQL also refuses UPDATE and DELETE (migration 0002)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


class ShareClass(models.Model):
    society = models.ForeignKey(
        "societies.Society", on_delete=models.PROTECT, related_name="share_classes"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    nominal_value_pence = models.PositiveIntegerField(
        "nominal value (pence)", validators=[MinValueValidator(1)]
    )
    is_withdrawable = models.BooleanField("withdrawable", default=True)
    is_transferable = models.BooleanField("transferable", default=False)
    is_qualifying = models.BooleanField(
        "issued on admission", default=False,
        help_text="The class of the qualifying shares issued to each new member.",
    )
    minimum_holding = models.PositiveIntegerField(
        "minimum holding (shares)", default=0,
        help_text="A member who holds shares of this class must keep at least this many, "
                  "or withdraw them all.",
    )
    maximum_holding = models.PositiveIntegerField(
        "maximum holding (shares)", null=True, blank=True,
        help_text="Leave blank for no limit other than the legal £100,000 withdrawable cap.",
    )
    withdrawal_notice_days = models.PositiveSmallIntegerField(
        "notice period for withdrawal (days)", default=0, validators=[MaxValueValidator(3660)]
    )
    interest_rate_percent = models.DecimalField(
        "share interest rate (% a year)", max_digits=6, decimal_places=3, default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    allows_reinvestment = models.BooleanField(
        "members may reinvest interest as new shares", default=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "share classes"
        constraints = [
            models.UniqueConstraint("society", Lower("name"), name="share_class_name_unique"),
            models.UniqueConstraint(fields=["society"], condition=Q(is_qualifying=True),
                                    name="share_class_one_qualifying"),
            models.CheckConstraint(
                condition=Q(nominal_value_pence__gte=1), name="share_class_nominal_positive",
                violation_error_message="The nominal value must be at least 1p.",
            ),
            models.CheckConstraint(
                condition=Q(interest_rate_percent__gte=0, interest_rate_percent__lte=100),
                name="share_class_rate_in_range",
                violation_error_message="The interest rate must be between 0% and 100%.",
            ),
            models.CheckConstraint(
                condition=Q(maximum_holding__isnull=True)
                | Q(maximum_holding__gte=F("minimum_holding")),
                name="share_class_max_not_below_min",
                violation_error_message="The maximum holding cannot be below the minimum "
                                        "holding.",
            ),
            # A withdrawable class cannot allow a holding over the legal cap.
            models.CheckConstraint(
                condition=Q(is_withdrawable=False) | Q(maximum_holding__isnull=True)
                | LessThanOrEqual(F("maximum_holding") * F("nominal_value_pence"),
                                  LEGAL_MAX_WITHDRAWABLE_PENCE),
                name="share_class_max_within_cap",
                violation_error_message="A member may hold at most £100,000 of withdrawable "
                                        "shares: lower the maximum holding.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def nominal_display(self) -> str:
        return format_pence(self.nominal_value_pence)

    @property
    def plural_name(self) -> str:
        return class_shares(self.name)


class ShareAccount(models.Model):
    """One per member who has ever held shares: the row share services lock, the member's
    withdrawable capital (which the database keeps within the legal cap) and their
    choice about share interest."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT, related_name="+")
    member = models.OneToOneField("members.Member", on_delete=models.PROTECT,
                                  related_name="share_account")
    withdrawable_pence = models.BigIntegerField(default=0)
    reinvest_interest = models.BooleanField(default=False)

    objects = ScopedManager(society="society")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawable_pence__gte=0)
                & Q(withdrawable_pence__lte=LEGAL_MAX_WITHDRAWABLE_PENCE),
                name="share_account_within_legal_cap",
            ),
        ]

    def __str__(self):
        return f"Share account of {self.member_id}"


class Holding(models.Model):
    """What a member holds of one class now; kept in step with the ledger."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="share_holdings")
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT, related_name="+")
    shares = models.BigIntegerField(default=0)
    amount_paid_pence = models.BigIntegerField(default=0)

    objects = ScopedManager(society="society")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "share_class"], name="holding_unique"),
            models.CheckConstraint(condition=Q(shares__gte=0), name="holding_never_negative"),
            models.CheckConstraint(condition=Q(amount_paid_pence__gte=0),
                                   name="holding_amount_never_negative"),
        ]

    def __str__(self):
        return count_of_shares(self.shares, self.share_class.name)


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CARD = "card", "Card"
    CHEQUE = "cheque", "Cheque"
    CASH = "cash", "Cash"
    DIRECT_DEBIT = "direct_debit", "Direct debit"
    OTHER = "other", "Other"


class PaymentDirection(models.TextChoices):
    RECEIVED = "received", "Received from the member"
    PAID = "paid", "Paid by the society"


class SharePayment(AppendOnlyModel):
    """Money for shares: received for an issue, or paid out for a withdrawal or on death."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="share_payments")
    direction = models.CharField(max_length=10, choices=PaymentDirection.choices)
    amount_pence = models.BigIntegerField()
    paid_on = models.DateField()
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=100, blank=True)
    payee = models.CharField("paid to (when not the member)", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(_manager_class=AppendOnlyManager, society="society")

    class Meta:
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_pence__gt=0),
                                   name="share_payment_positive"),
        ]

    def __str__(self):
        return f"{format_pence(self.amount_pence)} {self.get_direction_display().lower()}"


class TransactionKind(models.TextChoices):
    ISSUE = "issue", "Issue"
    REINVESTMENT = "reinvestment", "Interest reinvested"
    WITHDRAWAL = "withdrawal", "Withdrawal"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    TRANSFER_IN = "transfer_in", "Transfer in"
    TRANSMISSION_OUT = "transmission_out", "Transmission on death (out)"
    TRANSMISSION_IN = "transmission_in", "Transmission on death (in)"
    DEATH_PAYMENT = "death_payment", "Paid out on death"
    FORFEIT = "forfeit", "Forfeit"
    CONVERSION_OUT = "conversion_out", "Conversion (out)"
    CONVERSION_IN = "conversion_in", "Conversion (in)"
    REVERSAL = "reversal", "Reversal"


INFLOWS = frozenset({
    TransactionKind.ISSUE, TransactionKind.REINVESTMENT, TransactionKind.TRANSFER_IN,
    TransactionKind.TRANSMISSION_IN, TransactionKind.CONVERSION_IN,
})
OUTFLOWS = frozenset({
    TransactionKind.WITHDRAWAL, TransactionKind.TRANSFER_OUT, TransactionKind.TRANSMISSION_OUT,
    TransactionKind.DEATH_PAYMENT, TransactionKind.FORFEIT, TransactionKind.CONVERSION_OUT,
})


class ShareTransaction(AppendOnlyModel):
    """One movement of shares: the share ledger. Never updated or deleted; a mistake is
    corrected by a reversing entry. `shares` and `amount_pence` are signed changes."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="share_transactions")
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT,
                                    related_name="transactions")
    kind = models.CharField(max_length=20, choices=TransactionKind.choices)
    on_date = models.DateField("effective date")
    shares = models.BigIntegerField()
    amount_pence = models.BigIntegerField("change in amount paid (pence)")
    # The two legs of a transfer, transmission or conversion share a batch.
    batch = models.UUIDField(default=uuid.uuid4, editable=False)
    counterparty = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+")
    payment = models.ForeignKey(SharePayment, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="transactions")
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversed_by")
    nomination = models.ForeignKey("Nomination", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="settlements")
    reference = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(_manager_class=AppendOnlyManager, society="society")

    class Meta:
        ordering = ["on_date", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(shares=0), name="share_tx_moves_shares"),
            models.CheckConstraint(
                condition=Q(shares__gt=0, amount_pence__gte=0)
                | Q(shares__lt=0, amount_pence__lte=0),
                name="share_tx_amount_follows_shares",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=sorted(INFLOWS), shares__gt=0)
                | Q(kind__in=sorted(OUTFLOWS), shares__lt=0)
                | Q(kind=TransactionKind.REVERSAL),
                name="share_tx_sign_follows_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind=TransactionKind.REVERSAL, reverses__isnull=False)
                | (~Q(kind=TransactionKind.REVERSAL) & Q(reverses__isnull=True)),
                name="share_tx_reversal_names_its_entry",
            ),
        ]
        indexes = [
            # Holdings as at a date for a page of members: an index-only scan on PostgreSQL.
            models.Index(fields=["member", "on_date"], include=["shares", "amount_pence"],
                         name="share_tx_member_date"),
            models.Index(fields=["society", "on_date"], name="share_tx_society_date"),
            models.Index(fields=["society", "-id"], name="share_tx_society_latest"),
        ]

    def __str__(self):
        return (f"{self.get_kind_display()} of "
                f"{count_of_shares(abs(self.shares), self.share_class.name)} "
                f"on {self.on_date:%d %b %Y}")


class ShareCertificate(models.Model):
    """A numbered share certificate. Numbers are never reused: a cancelled certificate keeps
    its number and a replacement takes a new one."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.PositiveIntegerField()
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="share_certificates")
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT, related_name="+")
    shares = models.BigIntegerField()
    amount_paid_pence = models.BigIntegerField()
    issued_on = models.DateField()
    transaction = models.ForeignKey(ShareTransaction, on_delete=models.PROTECT,
                                    related_name="certificates")
    cancelled_on = models.DateField(null=True, blank=True)
    cancelled_by_transaction = models.ForeignKey(
        ShareTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["society", "number"],
                                    name="share_certificate_number_unique"),
            models.CheckConstraint(condition=Q(shares__gt=0), name="share_certificate_positive"),
            models.CheckConstraint(condition=Q(number__gte=1), name="share_certificate_number"),
        ]
        indexes = [models.Index(fields=["member", "share_class"],
                                condition=Q(cancelled_on__isnull=True),
                                name="share_certificate_live")]

    def __str__(self):
        return f"Certificate {self.number}"

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Share certificates are cancelled, never deleted")

    @property
    def is_live(self) -> bool:
        return self.cancelled_on is None


class WithdrawalStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved by the board"
    DEFERRED = "deferred", "Deferred by the board"
    PAID = "paid", "Paid"
    CANCELLED = "cancelled", "Cancelled"


OPEN_WITHDRAWAL = [WithdrawalStatus.REQUESTED, WithdrawalStatus.APPROVED,
                   WithdrawalStatus.DEFERRED]


class WithdrawalRequest(models.Model):
    """A member's notice to withdraw shares, and what the board decided about it."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="withdrawal_requests")
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT, related_name="+")
    shares = models.PositiveBigIntegerField()
    requested_on = models.DateField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    earliest_payable_on = models.DateField()
    ends_membership = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=WithdrawalStatus.choices,
                              default=WithdrawalStatus.REQUESTED)
    decided_on = models.DateField("date of the board's decision", null=True, blank=True)
    decision_reference = models.CharField(max_length=100, blank=True)
    deferred_until = models.DateField(null=True, blank=True)
    transaction = models.OneToOneField(ShareTransaction, on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="withdrawal_request")
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(shares__gt=0), name="withdrawal_positive"),
            models.CheckConstraint(condition=Q(earliest_payable_on__gte=F("requested_on")),
                                   name="withdrawal_notice_not_negative"),
            models.CheckConstraint(
                condition=~Q(status=WithdrawalStatus.PAID) | Q(transaction__isnull=False),
                name="withdrawal_paid_has_entry",
            ),
        ]
        indexes = [models.Index(fields=["society", "status"], name="withdrawal_status")]

    def __str__(self):
        return f"Withdrawal of {count_of_shares(self.shares, self.share_class.name)}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_WITHDRAWAL

    @property
    def amount_pence(self) -> int:
        return self.shares * self.share_class.nominal_value_pence

    @property
    def payable_from(self):
        if self.deferred_until and self.deferred_until > self.earliest_payable_on:
            return self.deferred_until
        return self.earliest_payable_on


class WithdrawalSuspension(models.Model):
    """The board's suspension of withdrawals (the rules allow it when capital is short)."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    suspended_on = models.DateField()
    decision_reference = models.CharField(max_length=100)
    resumed_on = models.DateField(null=True, blank=True)
    resume_reference = models.CharField(max_length=100, blank=True)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-suspended_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["society"], condition=Q(resumed_on__isnull=True),
                                    name="one_open_withdrawal_suspension"),
            models.CheckConstraint(
                condition=Q(resumed_on__isnull=True) | Q(resumed_on__gte=F("suspended_on")),
                name="suspension_resumed_after_start",
            ),
        ]

    def __str__(self):
        return f"Withdrawals suspended from {self.suspended_on}"


class Nomination(models.Model):
    """An entry in the nominations book: who receives a member's shares on death (CCBSA
    2014 s.37, up to £5,000 in all)."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="share_nominations")
    nominee_name = models.CharField(max_length=200)
    nominee_address = models.TextField()
    relationship = models.CharField(max_length=100, blank=True)
    percentage = models.PositiveSmallIntegerField(
        "share of the nominated property (%)", default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    made_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    revoked_on = models.DateField(null=True, blank=True)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["made_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(percentage__gte=1, percentage__lte=100),
                                   name="nomination_percentage_range"),
        ]

    def __str__(self):
        return f"Nomination of {self.nominee_name}"


class InterestRunStatus(models.TextChoices):
    COMPUTING = "computing", "Being computed"
    DRAFT = "draft", "Computed, not posted"
    POSTING = "posting", "Being posted"
    POSTED = "posted", "Posted"


class InterestRun(models.Model):
    """Share interest for one financial year. One per society and year: once posted, the
    year cannot be run again."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    period_start = models.DateField()
    year_end = models.DateField()
    status = models.CharField(max_length=20, choices=InterestRunStatus.choices,
                              default=InterestRunStatus.COMPUTING)
    rates = models.JSONField(default=dict, blank=True)
    member_count = models.PositiveIntegerField(default=0)
    gross_pence = models.BigIntegerField(default=0)
    reinvested_pence = models.BigIntegerField(default=0)
    paid_pence = models.BigIntegerField(default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    computed_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    posted_at = models.DateTimeField(null=True, blank=True)
    post_on = models.DateField("date the reinvested shares are issued", null=True, blank=True)
    post_error = models.TextField("why the last posting failed", blank=True)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["-year_end"]
        constraints = [
            models.UniqueConstraint(fields=["society", "year_end"],
                                    name="interest_run_once_per_year"),
            models.CheckConstraint(
                condition=~Q(status=InterestRunStatus.POSTED) | Q(posted_at__isnull=False),
                name="interest_run_posted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=InterestRunStatus.POSTING) | Q(post_on__isnull=False),
                name="interest_run_posting_has_date",
            ),
            models.CheckConstraint(condition=Q(year_end__gt=F("period_start")),
                                   name="interest_run_period"),
        ]

    def __str__(self):
        return f"Share interest for the year to {self.year_end.day} {self.year_end:%B %Y}"

    @property
    def days_in_year(self) -> int:
        return (self.year_end - self.period_start).days + 1

    @property
    def stopped_job(self):
        """The background computation, if it stopped for good (its reason is shown)."""
        from jobs.models import JobState
        from jobs.queue import latest

        if self.status != InterestRunStatus.COMPUTING:
            return None
        job = latest("shares.tasks.compute_interest_run", self.pk)
        return job if job is not None and job.state == JobState.FAILED else None

    def delete(self, *args, **kwargs):
        if self.status == InterestRunStatus.POSTED:
            raise AppendOnlyError("A posted interest run is kept for good")
        super().delete(*args, **kwargs)


class InterestLine(models.Model):
    """One member's interest on one class for a run."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(InterestRun, on_delete=models.CASCADE, related_name="lines")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="share_interest_lines")
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT, related_name="+")
    pence_days = models.BigIntegerField()
    interest_pence = models.BigIntegerField()
    reinvested_shares = models.BigIntegerField(default=0)
    reinvested_pence = models.BigIntegerField(default=0)
    paid_pence = models.BigIntegerField(default=0)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["member_id", "share_class_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "member", "share_class"],
                                    name="interest_line_unique"),
            models.CheckConstraint(
                condition=Q(interest_pence=F("reinvested_pence") + F("paid_pence")),
                name="interest_line_adds_up",
            ),
        ]

    def __str__(self):
        return f"{format_pence(self.interest_pence)} interest"
