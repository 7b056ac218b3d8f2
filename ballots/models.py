"""Elections and resolutions: contests, candidates, the frozen roll and the secret ballots.

DESIGN §6: participation (`VoterRollEntry`: who voted, on which day, how) and choice
(`CastBallot`: what was voted) are stored apart and never written by the same statement. A
cast ballot has a random UUID key, a random receipt code and its choices — no member, no
user, no timestamp, no channel, no history table — so no table links a person to what they
chose (what the database's transaction log still shows: docs/elections.md).
"""

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_scopes import ScopedManager

METHOD_CHOICES = [
    ("plurality", "Plurality (one mark per seat, single seat)"),
    ("block", "Block vote (up to one mark per seat)"),
    ("approval", "Approval (mark every candidate you approve of)"),
    ("ers97", "STV, ERS97 rules"),
    ("scottish", "STV, Scottish rules (WIGM)"),
    ("meek", "STV, Meek's method"),
    ("resolution", "Resolution (for / against / abstain)"),
]
RANKED_METHODS = frozenset({"ers97", "scottish", "meek"})
MARK_METHODS = frozenset({"plurality", "block", "approval"})
RESOLUTION_ANSWERS = ("for", "against", "abstain")


class BallotOrder(models.TextChoices):
    ALPHABETICAL = "alphabetical", "Alphabetical by surname"
    RANDOM = "random", "Randomised for each voter"
    NUMBERED = "numbered", "In the order the returning officer sets"


class ContestState(models.TextChoices):
    DRAFT = "draft", "Being prepared"
    UNOPPOSED = "unopposed", "Declared elected unopposed"
    OPEN = "open", "Roll frozen; voting"
    CLOSED = "closed", "Voting closed"
    COUNTED = "counted", "Counted; awaiting sign-off"
    SIGNED = "signed", "Signed off by the returning officer"
    PUBLISHED = "published", "Result published"
    CANCELLED = "cancelled", "Cancelled"


class SeedSource(models.TextChoices):
    PUBLISHED = "published", "Published before the count"
    DRAWN = "drawn", "Drawn at the count with a fresh random seed"


class ResolutionKind(models.TextChoices):
    ORDINARY = "ordinary", "Ordinary (simple majority of votes cast)"
    SPECIAL = "special", "Special (a fraction of votes cast)"


class Channel(models.TextChoices):
    ONLINE = "online", "Online"
    PAPER = "paper", "Paper"


def new_receipt() -> str:
    """A receipt code: 80 random bits in groups a person can read out (no 0/O, 1/I/L)."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


class Election(models.Model):
    """A poll made of one or more contests (seats) or resolutions."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="elections")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class Contest(models.Model):
    """One ballot paper: a contest for seats, or a resolution put to the members."""

    State = ContestState  # for templates: {% if contest.state == contest.State.DRAFT %}
    Kind = ResolutionKind  # {% if contest.resolution_kind == contest.Kind.SPECIAL %}

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="contests")
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="contests")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    method = models.CharField(max_length=12, choices=METHOD_CHOICES, default="ers97")
    seats = models.PositiveSmallIntegerField(default=1)
    # The electorate, fixed at the record date.
    stakeholder_classes = models.ManyToManyField(
        "societies.StakeholderClass", blank=True, related_name="contests",
        help_text="Members of these classes vote; none chosen means every class.",
    )
    record_date = models.DateField(help_text="Eligibility is taken as at this date.")
    min_age = models.PositiveSmallIntegerField(default=0)
    min_shares_pence = models.PositiveIntegerField(default=0)
    one_vote_per_household = models.BooleanField(
        default=False, db_default=False,
        help_text="Members of one household (the register's household) have one vote "
                  "between them.")
    # Nominations (contests for seats only).
    nominations_open = models.DateTimeField(null=True, blank=True)
    nominations_close = models.DateTimeField(null=True, blank=True)
    withdrawal_deadline = models.DateTimeField(null=True, blank=True)
    statement_limit = models.PositiveSmallIntegerField(default=1500,
                                                       help_text="characters")
    voting_opens = models.DateTimeField()
    voting_closes = models.DateTimeField()
    ballot_order = models.CharField(max_length=12, choices=BallotOrder.choices,
                                    default=BallotOrder.ALPHABETICAL)
    results_hidden = models.BooleanField(default=True,
                                         help_text="Hide every figure until voting closes.")
    # Resolutions.
    resolution_text = models.TextField(blank=True)
    explanatory_note = models.TextField(blank=True)
    resolution_kind = models.CharField(max_length=10, choices=ResolutionKind.choices,
                                       blank=True)
    fraction_numerator = models.PositiveSmallIntegerField(default=2)
    fraction_denominator = models.PositiveSmallIntegerField(default=3)
    application = models.OneToOneField(
        "members.Application", on_delete=models.PROTECT, null=True, blank=True,
        related_name="admission_resolution",
        help_text="For admission by members' vote: the application this resolution decides.",
    )
    # The seats this contest fills (boards); the winners' terms start from the result once.
    seat_category = models.ForeignKey(
        "boards.SeatCategory", on_delete=models.PROTECT, null=True, blank=True,
        related_name="contests", help_text="For a contest for seats: the board seats it fills.")
    terms_started_on = models.DateField(
        null=True, blank=True, help_text="When the winners' terms were started from the result.")
    # State, the frozen roll and the result.
    box = models.OneToOneField(
        "ballotbox.Box", on_delete=models.PROTECT, null=True, blank=True,
        related_name="contest",
        help_text="The ballot box online ballots are encrypted into (docs/secrecy.md); none: "
                  "online ballots are kept in plain text (docs/elections.md).")
    state = models.CharField(max_length=10, choices=ContestState.choices,
                             default=ContestState.DRAFT)
    roll_size = models.PositiveIntegerField(null=True, blank=True)
    roll_fingerprint = models.CharField(max_length=64, blank=True)
    reminders_sent = models.BooleanField(default=False)
    seed = models.CharField(max_length=64, blank=True,
                            help_text="Published seed for any lot the count needs.")
    # Where a seed given at the count came from (blank: set with the contest, before the poll),
    # who recorded it, when, who witnessed it; once a count draws a lot from it, it is fixed.
    seed_source = models.CharField(max_length=10, choices=SeedSource.choices, blank=True)
    seed_recorded_by = models.CharField(max_length=200, blank=True)
    seed_recorded_at = models.DateTimeField(null=True, blank=True)
    seed_witness = models.CharField(max_length=200, blank=True)
    seed_used_at = models.DateTimeField(null=True, blank=True)
    # The tie a stopped count needs a lot for (LotRequired.to_dict()); None when it needs none.
    lot_needed = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    report_text = models.TextField(blank=True)
    count_error = models.TextField(blank=True)
    ballots_counted = models.PositiveIntegerField(null=True, blank=True)
    ballot_set_hash = models.CharField(max_length=64, blank=True)
    signed_off_name = models.CharField(max_length=200, blank=True)
    signed_off_on = models.DateField(null=True, blank=True)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                      null=True, blank=True, related_name="+")
    # The scrutineer's co-signature of the signed-off result (docs/voting.md): the result
    # certificate is issued once both have signed.
    cosigned_name = models.CharField(max_length=200, blank=True)
    cosigned_on = models.DateField(null=True, blank=True)
    cosigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    # Cancelled before voting opened: it never opens, and members see why.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.TextField(blank=True)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["voting_opens", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(voting_closes__gt=models.F("voting_opens")),
                                   name="contest_window_ordered"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="contest_has_seats"),
            models.CheckConstraint(condition=Q(seed_used_at__isnull=True) | ~Q(seed=""),
                                   name="contest_used_seed_is_kept"),
            models.CheckConstraint(condition=Q(cosigned_on__isnull=True)
                                   | (~Q(cosigned_name="") & Q(signed_off_on__isnull=False)),
                                   name="contest_cosigned_after_sign_off"),
            models.CheckConstraint(
                condition=(Q(state=ContestState.CANCELLED) & Q(cancelled_at__isnull=False)
                           & ~Q(cancellation_reason=""))
                | (~Q(state=ContestState.CANCELLED) & Q(cancelled_at__isnull=True)),
                name="contest_cancelled_with_time_and_reason"),
        ]
        indexes = [models.Index(fields=["state", "voting_opens"]),
                   models.Index(fields=["state", "voting_closes"])]

    def __str__(self):
        return f"{self.election.title}: {self.title}"

    @property
    def min_shares_display(self) -> str:
        return f"£{self.min_shares_pence // 100:,}.{self.min_shares_pence % 100:02d}"

    @property
    def opening_job(self):
        """The worker's opening of a draft asked to open now (ballot box), while it is
        waiting or running, or if it stopped (its reason is shown)."""
        from jobs.queue import latest

        if self.state != ContestState.DRAFT:
            return None
        return latest("ballots.tasks.open_contest_task", self.pk)

    @property
    def is_resolution(self) -> bool:
        return self.method == "resolution"

    @property
    def is_ranked(self) -> bool:
        return self.method in RANKED_METHODS

    @property
    def max_marks(self) -> int:
        """How many candidates a marks ballot may mark."""
        if self.method == "plurality":
            return 1
        if self.method == "block":
            return self.seats
        return 10**6

    @property
    def is_cancelled(self) -> bool:
        return self.state == ContestState.CANCELLED

    @property
    def can_be_changed(self) -> bool:
        """Everything may be corrected until voting opens (or the contest is decided)."""
        return self.state == ContestState.DRAFT

    def standing(self):
        return self.candidates.filter(withdrawn_at__isnull=True, consented_at__isnull=False)


def consent_scan_path(candidate, filename: str) -> str:
    """A random name: the stored path says nothing about who signed."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"candidate-consents/{uuid.uuid4().hex}.{suffix}"


class Candidate(models.Model):
    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="candidates")
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="candidates")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="candidacies")
    # Fixed number on the ballot; the stored ballots name candidates by it.
    number = models.PositiveSmallIntegerField()
    nominated_by = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+")
    proposer = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+")
    seconder = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+")
    statement = models.TextField(blank=True)
    consented_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    nominated_at = models.DateTimeField(auto_now_add=True)
    # A nomination form received on paper and entered by the returning officer.
    paper_received_on = models.DateField(null=True, blank=True)
    # A consent signed on paper: when, before whom, and optionally the scanned form.
    consent_signed_on = models.DateField(null=True, blank=True)
    consent_witness = models.CharField(max_length=200, blank=True)
    consent_scan = models.FileField(upload_to=consent_scan_path, blank=True)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "member"], name="one_candidacy_per_contest"),
            models.UniqueConstraint(fields=["contest", "number"], name="candidate_number_unique"),
            models.CheckConstraint(
                condition=Q(consent_signed_on__isnull=True)
                | (Q(consented_at__isnull=False) & ~Q(consent_witness="")),
                name="candidate_paper_consent_recorded_whole"),
        ]

    def __str__(self):
        return self.member.full_name

    @property
    def name(self) -> str:
        return self.member.full_name

    @property
    def consented_on_paper(self) -> bool:
        return self.consent_signed_on is not None

    @property
    def sort_name(self) -> tuple:
        parts = self.member.full_name.split()
        return (parts[-1].lower() if parts else "", self.member.full_name.lower())


class VoterRollEntry(models.Model):
    """One member on one contest's frozen roll, and whether (and how) they have voted.

    The day of the vote is kept, never the time: the day in the society's time zone
    (settings.TIME_ZONE), so the roll cannot be laid beside anything else kept to the second."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="+")
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="roll")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="roll_entries")
    voted_on = models.DateField(null=True, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    # A contest with a ballot box: the member's private credential (what signs their
    # encrypted ballot), held while the poll is open so the server can cast for them, and
    # blanked at the close. It links the member to a ciphertext, never to a choice: the
    # ciphertexts are shuffled before any is decrypted (docs/secrecy.md).
    credential = models.CharField(max_length=40, blank=True)
    # The member's voting code (ballots/codes.py), made at the opening and blanked at the
    # close: whoever has it may vote once in this contest, online without an account or on a
    # returned paper. It names this entry, never a ballot.
    voting_code = models.CharField(max_length=16, blank=True)

    objects = ScopedManager(society="society")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contest", "member"], name="one_roll_entry_per_member"),
            models.UniqueConstraint(fields=["voting_code"], condition=~Q(voting_code=""),
                                    name="voting_code_unique"),
            models.CheckConstraint(
                condition=(Q(voted_on__isnull=True) & Q(channel=""))
                | (Q(voted_on__isnull=False) & ~Q(channel="")),
                name="roll_entry_voted_has_channel",
            ),
        ]

    def __str__(self):
        return f"{self.member} on the roll of {self.contest}"


class CastBallot(models.Model):
    """A secret ballot. Deliberately nothing here names a voter or says when or how it came."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="+")
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="ballots")
    receipt = models.CharField(max_length=19, unique=True, default=new_receipt)
    # Canonical text: ranked "3,1,4" (preference order), marks "1,4" (ascending), resolution
    # "for"/"against"/"abstain"; "" is a blank ballot. Identical ballots group in SQL.
    choices = models.CharField(max_length=2000, blank=True)

    objects = ScopedManager(society="society")

    class Meta:
        # Random key order: listing ballots never reveals the order they were cast in.
        ordering = ["id"]
        indexes = [models.Index(fields=["contest", "choices"], name="castballot_contest_choices")]

    def __str__(self):
        return f"Ballot {self.receipt}"


class PaperBatch(models.Model):
    """A batch of paper ballots entered by the returning officer (a count, not the ballots)."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="+")
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="paper_batches")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    label = models.CharField(max_length=100)
    ballots = models.PositiveIntegerField()
    entered_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(society="society")

    def __str__(self):
        return f"{self.label} ({self.ballots} paper ballots)"


class CastingVote(models.TextChoices):
    FOR = "for", "For"
    AGAINST = "against", "Against"


class ResolutionTally(models.Model):
    """Votes on a resolution from another channel (a meeting's show of hands, proxies),
    written only by `ballots.services.record_meeting_votes`."""

    class Source(models.TextChoices):
        MEETING = "meeting", "In the meeting"
        PROXY = "proxy", "By proxy"

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="+")
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="tallies")
    source = models.CharField(max_length=10, choices=Source.choices)
    votes_for = models.PositiveIntegerField(default=0)
    votes_against = models.PositiveIntegerField(default=0)
    abstentions = models.PositiveIntegerField(default=0)
    # The chair's casting vote, given with the meeting's votes where the rules give one: it
    # decides an equality of votes (ballots/outcomes.py).
    casting_vote = models.CharField(max_length=7, choices=CastingVote.choices, blank=True)

    objects = ScopedManager(society="society")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contest", "source"],
                                               name="one_tally_per_source")]

    def __str__(self):
        return f"{self.get_source_display()}: {self.contest}"


REMINDER_MAX_DAYS = 60


class ContestReminder(models.Model):
    """A reminder to those on the roll who have not voted, `days_before` days before the
    close (docs/voting.md, "Reminders"). Sent once: `sent_at` is claimed by a conditional
    update in the transaction that writes the messages. The counts are kept with it; who was
    reminded is in the notice's messages, never here nor in the audit log."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="+")
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT,
                                related_name="scheduled_reminders")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(null=True, blank=True)
    emailed = models.PositiveIntegerField(default=0)
    letters = models.PositiveIntegerField(default=0)
    too_late_for_post = models.PositiveIntegerField(default=0)
    notice = models.ForeignKey("notifications.Notice", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["-days_before"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "days_before"],
                                    name="one_reminder_per_day_before_close"),
            models.CheckConstraint(
                condition=Q(days_before__gte=1, days_before__lte=REMINDER_MAX_DAYS),
                name="reminder_days_before_in_range"),
        ]

    def __str__(self):
        return f"Reminder {self.days_before} days before the close of {self.contest}"

    def due_at(self, contest: Contest | None = None):
        """When it is due: its number of days before the contest's close."""
        return (contest or self.contest).voting_closes - timedelta(days=self.days_before)


# Returned papers set apart, and spoilt papers (ballots/returns.py; docs/voting.md)


class ReturnedPaper(models.Model):
    """A returned ballot paper kept apart and not counted: its code had already been used (a
    tendered paper), it came after the close, or its code could not be read (to check).

    A paper whose code is accepted leaves no row here: it only marks its roll entry voted on
    paper, and its choices are entered later in a batch, apart from any code or member. A row
    here never holds a choice, nor the code that was typed; only the day it was recorded."""

    class Kind(models.TextChoices):
        TENDERED = "tendered", "Tendered: the code had already been used"
        LATE = "late", "Late: returned after the close"
        TO_CHECK = "to_check", "To check: the code could not be read"

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted: the member is marked as voting on paper"
        REJECTED = "rejected", "Rejected: not counted"

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="+")
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT,
                                related_name="returned_papers")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Tendered: whose code it carried; to check and accepted: the member it was found to be.
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    recorded_on = models.DateField()
    # A paper to check: the scrutineer's decision, who made it, on which day and why.
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decided_by = models.CharField(max_length=200, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["recorded_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="tendered") | Q(member__isnull=False),
                                   name="returned_paper_tendered_names_member"),
            models.CheckConstraint(
                condition=Q(decision="", decided_on__isnull=True, decided_by="")
                | (Q(kind="to_check") & ~Q(decided_by="") & Q(decided_on__isnull=False)
                   & (Q(decision="rejected") | Q(decision="accepted", member__isnull=False))),
                name="returned_paper_decided_whole"),
        ]
        indexes = [models.Index(fields=["contest", "kind"])]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.contest})"


class SpoiltReason(models.TextChoices):
    UNMARKED = "unmarked", "Unmarked"
    TOO_MANY = "too_many", "More marks than allowed"
    IDENTIFIABLE = "identifiable", "The voter can be identified"
    UNCERTAIN = "uncertain", "Void for uncertainty"


class SpoiltPapers(models.Model):
    """How many papers of a batch were spoilt for one reason: a count, never the papers."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="+")
    batch = models.ForeignKey(PaperBatch, on_delete=models.PROTECT, related_name="spoilt")
    reason = models.CharField(max_length=12, choices=SpoiltReason.choices)
    papers = models.PositiveIntegerField()

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["reason"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "reason"], name="spoilt_once_per_reason"),
            models.CheckConstraint(condition=Q(papers__gte=1), name="spoilt_papers_counted"),
        ]

    def __str__(self):
        return f"{self.papers} {self.get_reason_display().lower()}"
