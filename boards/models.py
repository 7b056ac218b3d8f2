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
from boards.wording import repeats_title


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
    # A reversing entry: the decision it names was entered in error (docs/boards.md).
    REVERSED = "reversed", "Reversed: entered in error"


class AppendOnly:
    """A record never changed once written: a correction is a new row naming the old one.
    `save()` of a stored row and `delete()` raise."""

    append_only = "This record is append-only: record a correction"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(self.append_only)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(self.append_only)


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
    # Who may stand is not who may vote: ECDP's directors are all disabled people, elected by
    # every member, associates included.
    holder_classes = models.ManyToManyField(
        "societies.StakeholderClass", blank=True, related_name="+",
        help_text="Candidates and holders must be members of one of these classes (none: any "
                  "member).")
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

    def holder_class_refusal(self, member) -> str:
        """Why `member` may not stand for or hold these seats by their class, or ""."""
        allowed = list(self.holder_classes.all())
        if not allowed or member is None or member.stakeholder_class_id in {
                c.pk for c in allowed}:
            return ""
        names = " or ".join(c.name for c in allowed)
        return (f"{member.full_name} cannot hold {self.name} seats: their holders must be "
                f"members of the {names} class, and {member.full_name} is in the "
                f"{member.stakeholder_class.name} class.")


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


class Decision(AppendOnly, models.Model):
    """One entry of the decision register. Append-only: a correction is a new decision that
    names the one it corrects."""

    append_only = "The decision register is append-only: record a correction"

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="decisions")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.PositiveIntegerField()
    body = models.ForeignKey(Body, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="decisions",
                             help_text="Blank for a decision of a general meeting.")
    meeting_label = models.CharField("meeting", max_length=200, blank=True)
    meeting = models.ForeignKey("Meeting", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="decisions")
    # Admissions and expulsions (docs/members.md) name the decision that made them.
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="decisions",
                               help_text="The member this decision admitted or expelled.")
    application = models.ForeignKey("members.Application", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="decisions",
                                    help_text="The application this decision decided.")
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
    online_link = models.URLField("online link", blank=True)
    duration_minutes = models.PositiveSmallIntegerField(default=120)
    chair_name = models.CharField("chair of the meeting", max_length=200, blank=True)
    # The notice of a general meeting, served through notifications (its messages are the
    # record of service, per member).
    notice = models.OneToOneField("notifications.Notice", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="meeting")
    notice_served_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Changes before (or, adjourning, at) the meeting: boards/changes.py.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.TextField(blank=True)
    adjourned_from = models.DateField(
        null=True, blank=True, help_text="The day the meeting first met, if it was adjourned "
                                         "(held_on is then the day it resumes).")

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
            models.CheckConstraint(
                condition=(Q(cancelled_at__isnull=True) & Q(cancellation_reason=""))
                | (Q(cancelled_at__isnull=False) & ~Q(cancellation_reason="")),
                name="meeting_cancellation_reason_iff_cancelled",
            ),
            models.CheckConstraint(
                condition=Q(adjourned_from__isnull=True) | Q(adjourned_from__lt=F("held_on")),
                name="meeting_adjourned_to_a_later_day",
            ),
        ]

    def __str__(self):
        what = self.body.name if self.body_id else self.get_kind_display()
        return f"{what}, {self.held_on:%d %B %Y}"

    @property
    def is_general(self) -> bool:
        return self.kind != MeetingKind.BOARD

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

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


class MeetingChangeKind(models.TextChoices):
    CANCELLED = "cancelled", "Cancelled"
    POSTPONED = "postponed", "Postponed"
    ADJOURNED = "adjourned", "Adjourned"
    EDITED = "edited", "Details changed"


class MeetingChange(models.Model):
    """One change to a meeting after it was scheduled, with the notice of the change sent to
    the members (general meetings whose notice was served; one message per member)."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=12, choices=MeetingChangeKind.choices)
    summary = models.TextField(help_text="What changed, in words for the members.")
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict)
    notice = models.OneToOneField("notifications.Notice", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="meeting_change")
    made_at = models.DateTimeField(default=timezone.now)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                null=True, related_name="+")

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "made_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.meeting}"


# --- General meetings: agenda, proxies, attendance, votes in the meeting, minutes ----------


class AgendaItemKind(models.TextChoices):
    REPORT = "report", "Report"
    RESOLUTION = "resolution", "Resolution"
    ELECTION = "election", "Election"
    OTHER = "other", "Other business"


class AgendaItem(models.Model):
    """One item of a meeting's agenda. A resolution item names the `ballots` resolution put to
    the members, so the advance online votes are that contest's ballots."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="agenda_items")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=AgendaItemKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    resolution = models.ForeignKey("ballots.Contest", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="agenda_items")
    election = models.ForeignKey("ballots.Election", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="agenda_items",
                                 help_text="For an election item: the election whose "
                                           "candidates' statements go with the notice.")
    proposer = models.CharField(max_length=200, blank=True)
    seconder = models.CharField(max_length=200, blank=True)
    paper = models.FileField("paper (file)", upload_to="meeting-papers/", blank=True)
    paper_text = models.TextField("paper (text)", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"],
                                    name="agenda_item_position_unique"),
            models.CheckConstraint(
                condition=(Q(kind="resolution") & Q(resolution__isnull=False))
                | (~Q(kind="resolution") & Q(resolution__isnull=True)),
                name="agenda_item_resolution_iff_resolution_item",
            ),
            models.CheckConstraint(
                condition=Q(kind="election") | Q(election__isnull=True),
                name="agenda_item_election_only_on_election_item",
            ),
            models.UniqueConstraint(fields=["meeting", "resolution"],
                                    condition=Q(resolution__isnull=False),
                                    name="agenda_item_resolution_once_per_meeting"),
        ]

    def __str__(self):
        return f"{self.position}. {self.title}"

    @property
    def resolution_text_repeats_title(self) -> bool:
        """The resolution's text only repeats the item's title (show it once)."""
        return self.resolution_id is not None and repeats_title(
            self.title, self.resolution.resolution_text)

    @property
    def current_vote(self):
        """The vote in force: the latest correction, or the vote itself (None before it).
        Uses `current_votes` when a view prefetched it (`services.with_current_votes`)."""
        if hasattr(self, "current_votes"):
            return self.current_votes[0] if self.current_votes else None
        return self.votes.filter(correction__isnull=True).select_related("decision").first()


class ProxyInstruction(models.TextChoices):
    FOR = "for", "For"
    AGAINST = "against", "Against"
    ABSTAIN = "abstain", "Abstain"
    DISCRETION = "discretion", "At the proxy's discretion"


class ProxyRevocation(models.TextChoices):
    REVOKED = "revoked", "Revoked by the member"
    ATTENDED = "attended", "Attended in person"
    REPLACED = "replaced", "Replaced by a new appointment"


class ProxyAppointment(models.Model):
    """A member's appointment of a proxy for a general meeting: another member, or (holder
    blank) the chair of the meeting. Live until revoked; one live appointment per member."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="proxy_appointments")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT,
                                related_name="proxy_appointments")
    appointer = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                                  related_name="proxies_given")
    holder = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="proxies_held",
                               help_text="Blank: the chair of the meeting.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=20, choices=ProxyRevocation.choices,
                                      blank=True)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "appointer"],
                                    condition=Q(revoked_at__isnull=True),
                                    name="proxy_one_live_appointment_per_member"),
            models.CheckConstraint(condition=~Q(holder=F("appointer")),
                                   name="proxy_holder_not_appointer"),
            models.CheckConstraint(
                condition=(Q(revoked_at__isnull=True) & Q(revoked_reason=""))
                | (Q(revoked_at__isnull=False) & ~Q(revoked_reason="")),
                name="proxy_revoked_reason_iff_revoked",
            ),
        ]
        indexes = [models.Index(fields=["meeting", "holder", "revoked_at"],
                                name="proxy_meeting_holder_live")]

    def __str__(self):
        return f"{self.appointer} → {self.holder_display}"

    @property
    def holder_display(self) -> str:
        return self.holder.full_name if self.holder_id else "The chair of the meeting"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class ProxyVoteInstruction(models.Model):
    """How the proxy is to vote on one resolution of the meeting."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="+")
    appointment = models.ForeignKey(ProxyAppointment, on_delete=models.PROTECT,
                                    related_name="instructions")
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT,
                                    related_name="proxy_instructions")
    instruction = models.CharField(max_length=12, choices=ProxyInstruction.choices)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appointment", "agenda_item"],
                                               name="proxy_one_instruction_per_item")]

    def __str__(self):
        return f"{self.agenda_item}: {self.get_instruction_display()}"


class AttendanceMode(models.TextChoices):
    IN_PERSON = "in_person", "Present in person"
    ONLINE = "online", "Present online"
    APOLOGIES = "apologies", "Apologies"


class Attendance(models.Model):
    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="attendance")
    mode = models.CharField(max_length=12, choices=AttendanceMode.choices)
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["member__full_name"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"],
                                               name="attendance_one_row_per_member")]

    def __str__(self):
        return f"{self.member}: {self.get_mode_display()}"

    @property
    def is_present(self) -> bool:
        return self.mode != AttendanceMode.APOLOGIES


class VoteMethod(models.TextChoices):
    SHOW_OF_HANDS = "hands", "Show of hands"
    POLL = "poll", "Poll"


class MeetingVote(AppendOnly, models.Model):
    """The vote on one resolution at the meeting: the three sources as counted, and the
    decision it produced. Never changed: a wrong entry is corrected by a new vote that names
    it (`corrects`), with the reversing entry in the register (`reversal`) and the chair's
    reason. The vote in force on an item is the one no later vote corrects."""

    append_only = "A meeting's vote is never changed: record a correction"

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="votes")
    method = models.CharField(max_length=10, choices=VoteMethod.choices,
                              default=VoteMethod.SHOW_OF_HANDS)
    online_for = models.PositiveIntegerField(default=0)
    online_against = models.PositiveIntegerField(default=0)
    online_abstain = models.PositiveIntegerField(default=0)
    proxy_for = models.PositiveIntegerField(default=0)
    proxy_against = models.PositiveIntegerField(default=0)
    proxy_abstain = models.PositiveIntegerField(default=0)
    room_for = models.PositiveIntegerField(default=0)
    room_against = models.PositiveIntegerField(default=0)
    room_abstain = models.PositiveIntegerField(default=0)
    quorum_present = models.PositiveIntegerField()
    quorum_required = models.PositiveIntegerField()
    explanation = models.TextField()
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="vote")
    corrects = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="correction",
                                    help_text="The vote entered in error that this replaces.")
    reversal = models.OneToOneField(Decision, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversing_vote",
                                    help_text="The register's entry reversing the earlier "
                                              "vote's decision.")
    correction_reason = models.TextField("the chair's reason", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(society="society")
    history = HistoricalRecords()

    class Meta:
        ordering = ["agenda_item", "recorded_at", "id"]
        constraints = [
            # One vote per item; every later one corrects the one before (a chain, since a
            # vote is corrected at most once: `corrects` is one-to-one).
            models.UniqueConstraint(fields=["agenda_item"], condition=Q(corrects__isnull=True),
                                    name="meeting_vote_one_original_per_item"),
            models.CheckConstraint(
                condition=(Q(corrects__isnull=True) & Q(reversal__isnull=True)
                           & Q(correction_reason=""))
                | (Q(corrects__isnull=False) & Q(reversal__isnull=False)
                   & ~Q(correction_reason="")),
                name="meeting_vote_correction_has_reversal_and_reason",
            ),
        ]

    def __str__(self):
        return f"Vote on {self.agenda_item}"

    @property
    def total_for(self) -> int:
        return self.online_for + self.proxy_for + self.room_for

    @property
    def total_against(self) -> int:
        return self.online_against + self.proxy_against + self.room_against

    @property
    def total_abstain(self) -> int:
        return self.online_abstain + self.proxy_abstain + self.room_abstain

    @property
    def is_correction(self) -> bool:
        return self.corrects_id is not None


LOCKED_MINUTES = "Approved minutes are locked: record a correcting decision instead"


class MinutesQuerySet(models.QuerySet):
    """Bulk paths refuse too: no queryset update or delete touches approved minutes."""

    def update(self, **kwargs):
        if self.filter(approved_on__isnull=False).exists():
            raise ValueError(LOCKED_MINUTES)
        return super().update(**kwargs)

    def delete(self):
        if self.filter(approved_on__isnull=False).exists():
            raise ValueError(LOCKED_MINUTES)
        return super().delete()


class Minutes(models.Model):
    """The minutes of a meeting: drafted from the record, edited by the secretary, approved at
    a later meeting and from then on locked (here, in the queryset and by a PostgreSQL
    trigger, migration 0004)."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="minutes")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="minutes")
    text = models.TextField()
    drafted_at = models.DateTimeField(default=timezone.now)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    edited_at = models.DateTimeField(null=True, blank=True)
    approved_at_meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="minutes_approved")
    approved_on = models.DateField(null=True, blank=True)
    approval_decision = models.OneToOneField(Decision, on_delete=models.PROTECT, null=True,
                                             blank=True, related_name="approved_minutes")

    objects = ScopedManager(society="society",
                            _manager_class=models.Manager.from_queryset(MinutesQuerySet))
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "minutes"
        constraints = [
            models.CheckConstraint(
                condition=(Q(approved_on__isnull=True) & Q(approved_at_meeting__isnull=True))
                | (Q(approved_on__isnull=False) & Q(approved_at_meeting__isnull=False)),
                name="minutes_approved_at_a_meeting",
            ),
            models.CheckConstraint(condition=~Q(approved_at_meeting=F("meeting")),
                                   name="minutes_approved_at_a_later_meeting"),
        ]

    def __str__(self):
        return f"Minutes of {self.meeting}"

    def save(self, *args, **kwargs):
        if self.pk is not None and (self.is_locked or Minutes._base_manager.filter(
                pk=self.pk, approved_on__isnull=False).exists()):
            raise ValueError(LOCKED_MINUTES)
        super().save(*args, **kwargs)
        self._stored_approved = self.approved_on is not None

    def delete(self, *args, **kwargs):
        if self.is_locked or Minutes._base_manager.filter(
                pk=self.pk, approved_on__isnull=False).exists():
            raise ValueError(LOCKED_MINUTES)
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_approved = instance.approved_on is not None
        return instance

    @property
    def is_locked(self) -> bool:
        return getattr(self, "_stored_approved", False)
