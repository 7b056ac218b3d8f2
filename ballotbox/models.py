"""The ballot box's state: one Belenios election per `Box`, its trustees, its public
credentials, the encrypted ballots and the records of the close.

Nothing here names a voter. Encrypted ballots carry no timestamp, no channel and no history,
and have random primary keys, so neither a row's content nor its place says who cast it or
when. docs/secrecy.md says what each party sees.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from societies.models import Society


class BoxState(models.TextChoices):
    KEYS = "keys", "key generation"
    READY = "ready", "keys made"
    OPEN = "open", "open"
    CLOSED = "closed", "closed"
    TALLYING = "tallying", "counting"
    RESULT = "result", "result"


class _BoxManager(models.Manager):
    """Boxes without their two large binaries, read only where used: the set-up archive holds
    every public credential (about 0.6 MB a thousand voters) and the record every ballot, and
    casting reads the box several times a vote."""

    def get_queryset(self):
        return super().get_queryset().defer("setup_archive", "record")


class Box(models.Model):
    """One Belenios election: one contest, or one group of yes/no questions.

    `questions` is our description of the questions (`services.questions_of` reads it);
    the texts (`election`, `trustees`, `setup_archive`) are the public set-up as the tool
    wrote it. `record` is the current public record during the count and the final one
    after the result (its SHA-256 in `record_sha256`). A long step reports its progress in
    the `progress_*` fields; a step that failed leaves its reason in `error`.
    """

    society = models.ForeignKey(Society, on_delete=models.PROTECT, related_name="ballot_boxes")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    election_id = models.CharField(max_length=40, unique=True)
    group = models.CharField(max_length=20)
    questions = models.JSONField()
    threshold = models.PositiveSmallIntegerField()
    trustee_count = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, choices=BoxState.choices, default=BoxState.KEYS)
    threshold_parameters = models.TextField(blank=True)
    trustees = models.TextField(blank=True)
    election = models.TextField(blank=True)
    setup_archive = models.BinaryField(null=True, editable=False)
    credentials_fingerprint = models.CharField(max_length=64, blank=True)
    tool_version = models.CharField(max_length=60, blank=True)
    record = models.BinaryField(null=True, editable=False)
    record_sha256 = models.CharField(max_length=64, blank=True)
    progress_step = models.CharField(max_length=100, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_updated_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the public record was published (`services.publish_record`): until then only
    # officers can download it, since it holds the decrypted ballots.
    published_at = models.DateTimeField(null=True, blank=True)
    # The officer's verification of the record, run by the worker (minutes at 10,000
    # ballots): asked for at `verify_requested_at`, its verdict kept with when it was made.
    verify_requested_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_ok = models.BooleanField(null=True)
    verified_message = models.TextField(blank=True)

    objects = ScopedManager(_BoxManager, society="society")

    class Meta:
        verbose_name_plural = "boxes"
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gte=1) & Q(threshold__lte=models.F("trustee_count")),
                name="ballotbox_threshold_within_trustees"),
        ]

    def __str__(self):
        return self.name


class Keeping(models.TextChoices):
    SERVER = "server", "on the server"
    OWN = "own", "on their own computer"


class Trustee(models.Model):
    """One holder of a share of the election key, numbered 1..n in certificate order.

    The public messages of each key-generation round are kept: `certificate` (round 1),
    `polynomial` (3), `vinput` (the server's message of step 4), `voutput` (5), and
    `decryption_key` (step 6's key encrypted to this trustee, handed back to them).

    `private_key` is filled ONLY for a trustee whose key is kept on the server. Such a
    trustee trusts the server (its operators, its backups) with their share for as long as it
    is kept: with `threshold` server-kept shares the server alone could decrypt every ballot.
    A trustee on their own computer keeps their key there; the server sees only their
    public messages.
    """

    society = models.ForeignKey(Society, on_delete=models.PROTECT, related_name="+")
    box = models.ForeignKey(Box, on_delete=models.PROTECT, related_name="trustee_rows")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")
    keeping = models.CharField(max_length=6, choices=Keeping.choices)
    certificate = models.TextField(blank=True)
    polynomial = models.TextField(blank=True)
    vinput = models.TextField(blank=True)
    voutput = models.TextField(blank=True)
    decryption_key = models.TextField(blank=True)
    private_key = models.TextField(blank=True)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["box", "number"], name="ballotbox_trustee_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="ballotbox_trustee_from_1"),
            models.CheckConstraint(condition=Q(keeping="server") | Q(private_key=""),
                                   name="ballotbox_private_key_only_on_server"),
        ]

    def __str__(self):
        return f"trustee {self.number} ({self.name})"

    @property
    def round(self) -> int | None:
        """The key-generation round this trustee owes next (1, 3 or 5), None when done."""
        for number, message in ((1, self.certificate), (3, self.polynomial), (5, self.voutput)):
            if not message:
                return number
        return None


class PublicCredential(models.Model):
    """One public credential of a box, in the order the tool published them. No voter id."""

    society = models.ForeignKey(Society, on_delete=models.PROTECT, related_name="+")
    box = models.ForeignKey(Box, on_delete=models.PROTECT, related_name="credentials")
    credential = models.CharField(max_length=700)

    objects = ScopedManager(society="society")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["box", "credential"],
                                               name="ballotbox_credential_once")]

    def __str__(self):
        return "a public credential"


class EncryptedBallot(models.Model):
    """A checked ballot as cast: the tool's JSON, its tracker and the public credential that
    signed it. Random primary key, no timestamp, no voter: one ballot per credential, which
    the database guarantees."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    society = models.ForeignKey(Society, on_delete=models.PROTECT, related_name="+")
    box = models.ForeignKey(Box, on_delete=models.PROTECT, related_name="ballots")
    ballot = models.TextField()
    tracker = models.CharField(max_length=64)
    credential = models.CharField(max_length=700)

    objects = ScopedManager(society="society")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["box", "credential"],
                                    name="ballotbox_one_per_credential"),
            models.UniqueConstraint(fields=["box", "tracker"], name="ballotbox_tracker_once"),
        ]

    def __str__(self):
        return f"ballot {self.tracker}"


class QueuedStep(models.Model):
    """A trustee's shuffle or partial decryption waiting for the worker, which checks it
    (`election verify` or a whole `compute-result`: minutes at 10,000 ballots, never in a
    page) and stores it as a `TallyStep`, or keeps here why it was refused. `message` is what
    a trustee on their own computer sent; empty for a server-kept trustee, whose step the
    worker makes. `actor` is who asked, for the audit entry."""

    society = models.ForeignKey(Society, on_delete=models.PROTECT, related_name="+")
    box = models.ForeignKey(Box, on_delete=models.PROTECT, related_name="queued")
    trustee_number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12)
    message = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    queued_at = models.DateTimeField(default=timezone.now)
    refused = models.TextField(blank=True)

    objects = ScopedManager(society="society")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["box", "kind", "trustee_number"],
                                               name="ballotbox_queued_step_once")]

    def __str__(self):
        return f"trustee {self.trustee_number}'s {self.kind}, queued"


class StepKind(models.TextChoices):
    TALLY = "tally", "encrypted tally"
    SHUFFLE = "shuffle", "shuffle"
    END_SHUFFLES = "end_shuffles", "end of the shuffles"
    DECRYPTION = "decryption", "partial decryption"
    RESULT = "result", "result"


class TallyStep(models.Model):
    """One stored step of the close, in order: the encrypted tally, each shuffle, the end of
    the shuffles, each partial decryption, the result. `message` is the public text the step
    added to the record (empty for the end of the shuffles). Each is stored once; the record
    can be rebuilt from the set-up, the ballots and these rows (`services.rebuild_record`)."""

    society = models.ForeignKey(Society, on_delete=models.PROTECT, related_name="+")
    box = models.ForeignKey(Box, on_delete=models.PROTECT, related_name="steps")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=StepKind.choices)
    trustee_number = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["box", "position"], name="ballotbox_step_position"),
            models.UniqueConstraint(fields=["box", "kind", "trustee_number"],
                                    name="ballotbox_trustee_step_once"),
            models.UniqueConstraint(fields=["box", "kind"], condition=Q(trustee_number=None),
                                    name="ballotbox_server_step_once"),
        ]

    def __str__(self):
        return self.get_kind_display()
