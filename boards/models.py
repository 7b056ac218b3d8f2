"""Bodies and their seats, terms of office, the register of officers, declared interests and
the append-only decision register. Every change goes through boards.services."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from boards import rules


class BodyKind(models.TextChoices):
    BOARD = "board", "Management board"
    COMMITTEE = "committee", "Committee"
    COUNCIL = "council", "Council of governors"


class FilledBy(models.TextChoices):
    ELECTED = "elected", "Elected"
    APPOINTED = "appointed", "Appointed by an outside body"
    CO_OPTED = "co_opted", "Co-opted"
    EX_OFFICIO = "ex_officio", "Ex officio"


class TermEnd(models.TextChoices):
    EXPIRED = "expired", "Term expired"
    RESIGNED = "resigned", "Resigned"
    REMOVED = "removed", "Removed"
    CEASED_MEMBER = "ceased_member", "Ceased to be a member"
    RETIRED_BY_ROTATION = "rotation", "Retired by rotation"
    NOT_RATIFIED = "not_ratified", "Co-option not ratified"


class Office(models.TextChoices):
    CHAIR = "chair", "Chair"
    VICE_CHAIR = "vice_chair", "Vice-chair"
    SECRETARY = "secretary", "Secretary"
    TREASURER = "treasurer", "Treasurer"
    OTHER = "other", "Other office"


class Outcome(models.TextChoices):
    CARRIED = "carried", "Carried"
    NOT_CARRIED = "not_carried", "Not carried"


class Body(models.Model):
    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="bodies")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=BodyKind.choices, default=BodyKind.BOARD)
    description = models.TextField(blank=True)
    rotation_numerator = models.PositiveSmallIntegerField(
        default=1, help_text="Retirement by rotation: this many of every…")
    rotation_denominator = models.PositiveSmallIntegerField(
        default=3, help_text="…this many members subject to rotation retire at each AGM.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "bodies"
        constraints = [
            models.UniqueConstraint("society", Lower("name"), name="body_name_unique_in_society"),
            models.CheckConstraint(
                condition=Q(rotation_denominator__gte=1)
                & Q(rotation_numerator__lte=F("rotation_denominator")),
                name="body_rotation_fraction_valid",
            ),
        ]

    def __str__(self):
        return self.name


class SeatCategory(models.Model):
    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="seat_categories")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="seat_categories")
    name = models.CharField(max_length=120)
    seats = models.PositiveSmallIntegerField()
    filled_by = models.CharField(max_length=20, choices=FilledBy.choices)
    constituency = models.ForeignKey(
        "societies.StakeholderClass", on_delete=models.PROTECT, null=True, blank=True,
        related_name="seat_categories",
        help_text="For elected seats: the constituency that elects them (blank: all members).")
    appointing_body = models.CharField(
        max_length=200, blank=True, help_text="For appointed seats: who appoints.")
    term_years = models.PositiveSmallIntegerField(null=True, blank=True)
    max_consecutive_terms = models.PositiveSmallIntegerField(null=True, blank=True)
    requires_membership = models.BooleanField(
        default=True, help_text="Holders must be members of the society.")
    subject_to_rotation = models.BooleanField(
        default=False, help_text="Holders retire by rotation at the AGM.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["body__name", "name"]
        verbose_name_plural = "seat categories"
        constraints = [
            models.UniqueConstraint("body", Lower("name"), name="seat_category_name_unique"),
            models.CheckConstraint(condition=Q(seats__gte=0), name="seat_category_seats_gte_0"),
            models.CheckConstraint(
                condition=~Q(filled_by="appointed") | ~Q(appointing_body=""),
                name="seat_category_appointed_names_appointer",
            ),
            models.CheckConstraint(
                condition=Q(filled_by="elected") | Q(constituency__isnull=True),
                name="seat_category_constituency_only_if_elected",
            ),
            models.CheckConstraint(
                condition=Q(term_years__isnull=True) | Q(term_years__gte=1),
                name="seat_category_term_years_positive",
            ),
        ]

    def __str__(self):
        return f"{self.body}: {self.name}"


class Term(models.Model):
    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="terms")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seat_category = models.ForeignKey(SeatCategory, on_delete=models.PROTECT,
                                      related_name="terms")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="board_terms")
    holder_name = models.CharField(max_length=200)
    how_filled = models.CharField(max_length=20, choices=FilledBy.choices)
    started_on = models.DateField()
    due_to_end_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=TermEnd.choices, blank=True)
    ratified_on = models.DateField("co-option ratified by the AGM on", null=True, blank=True)
    reference = models.CharField("decision or result reference", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["seat_category", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="term_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(due_to_end_on__isnull=True) | Q(due_to_end_on__gte=F("started_on")),
                name="term_due_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=(Q(ended_on__isnull=True) & Q(end_reason=""))
                | (Q(ended_on__isnull=False) & ~Q(end_reason="")),
                name="term_end_reason_iff_ended",
            ),
            models.UniqueConstraint(
                fields=["seat_category", "member"],
                condition=Q(ended_on__isnull=True, member__isnull=False),
                name="term_one_open_per_member_per_seat_category",
            ),
        ]
        indexes = [models.Index(fields=["society", "ended_on"], name="term_society_open")]

    def __str__(self):
        return f"{self.holder_name} — {self.seat_category}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class OfficerAppointment(models.Model):
    """One line of the register of officers (CCBS Act 2014): name, address, office, dates."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="officer_appointments")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.CharField(max_length=20, choices=Office.choices)
    office_title = models.CharField(max_length=100, blank=True,
                                    help_text="For other offices: the office's name.")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="offices")
    name = models.CharField(max_length=200)
    address = models.TextField()
    taken_up_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-taken_up_on", "office"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("taken_up_on")),
                name="officer_left_not_before_taken_up",
            ),
            models.CheckConstraint(
                condition=~Q(office="other") | ~Q(office_title=""),
                name="officer_other_office_named",
            ),
            models.UniqueConstraint(
                fields=["society", "office"],
                condition=Q(left_on__isnull=True) & ~Q(office="other"),
                name="officer_one_holder_per_named_office",
            ),
        ]

    def __str__(self):
        return f"{self.name} — {self.office_display}"

    @property
    def office_display(self) -> str:
        return self.office_title if self.office == Office.OTHER else self.get_office_display()


class InterestDeclaration(models.Model):
    """The register of interests declared by board members."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="interest_declarations")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="interests")
    interest = models.TextField()
    declared_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-declared_on", "-id"]

    def __str__(self):
        return f"{self.term.holder_name}: {self.interest[:60]}"


class Decision(models.Model):
    """One entry of the decision register. Append-only: a correction is a new decision that
    names the one it corrects."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="decisions")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.PositiveIntegerField()
    body = models.ForeignKey(Body, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="decisions",
                             help_text="Blank for a decision of a general meeting.")
    meeting_label = models.CharField("meeting", max_length=200, blank=True)
    decided_on = models.DateField()
    text = models.TextField()
    proposer = models.CharField(max_length=200, blank=True)
    seconder = models.CharField(max_length=200, blank=True)
    votes_for = models.PositiveIntegerField(default=0)
    votes_against = models.PositiveIntegerField(default=0)
    abstentions = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    casting_vote_used = models.BooleanField(default=False)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="corrections")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["society", "number"],
                                    name="decision_number_unique_in_society"),
            models.CheckConstraint(condition=Q(number__gte=1), name="decision_number_positive"),
        ]

    def __str__(self):
        return f"Decision {self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The decision register is append-only: record a correction")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The decision register is append-only: record a correction")


class MeetingKind(models.TextChoices):
    BOARD = "board", "Meeting of a body (board or committee)"
    AGM = "agm", "Annual general meeting"
    SPECIAL = "special", "Special general meeting"


# Post is deemed served this many working days after posting (docs/boards.md).
POST_DEEMED_WORKING_DAYS = 2


class Meeting(models.Model):
    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="meetings")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=MeetingKind.choices)
    body = models.ForeignKey(Body, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="meetings")
    held_on = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    place = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="board") & Q(body__isnull=False))
                | (~Q(kind="board") & Q(body__isnull=True)),
                name="meeting_body_iff_board_meeting",
            ),
        ]

    def __str__(self):
        what = self.body.name if self.body_id else self.get_kind_display()
        return f"{what}, {self.held_on:%d %B %Y}"

    @property
    def is_general(self) -> bool:
        return self.kind != MeetingKind.BOARD

    @property
    def notice_served_by(self):
        """Latest day notice of a general meeting may be served (society's clear days)."""
        if not self.is_general:
            return None
        return rules.latest_service_date(self.held_on, self.society.notice_clear_days)

    @property
    def notice_posted_by(self):
        if not self.is_general:
            return None
        return rules.latest_sending_date(self.held_on, self.society.notice_clear_days,
                                         POST_DEEMED_WORKING_DAYS)
