"""A durable record of background work that a change asked for (docs/operations.md)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager


class JobState(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Running"
    DONE = "done", "Finished"
    FAILED = "failed", "Stopped"


class Job(models.Model):
    """One piece of work: the Celery task `kind` run as `kind(society id, target_id, *args)`.

    Written in the transaction of the change that asks for it, so the work is lost neither
    with a broker that is down at commit nor with a worker that dies while it runs."""

    society = models.ForeignKey("societies.Society", on_delete=models.PROTECT,
                                related_name="jobs")
    kind = models.CharField(max_length=200)
    target_id = models.PositiveBigIntegerField()
    args = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=JobState.choices,
                             default=JobState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Shown to people on the page of the work (the import, the interest run, the contest).
    error = models.TextField(blank=True)

    objects = ScopedManager(society="society")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Asking twice for work not yet started asks once.
            models.UniqueConstraint(fields=["kind", "target_id"],
                                    condition=Q(state="pending"),
                                    name="jobs_one_pending_job_per_target"),
        ]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="jobs_state_beat"),
                   models.Index(fields=["kind", "target_id"], name="jobs_kind_target")]

    def __str__(self):
        return f"{self.kind}({self.target_id}) {self.get_state_display()}"

    @property
    def is_live(self) -> bool:
        return self.state in (JobState.PENDING, JobState.RUNNING)
