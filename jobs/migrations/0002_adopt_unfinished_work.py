"""Work a broker or a dead worker left unfinished before jobs existed becomes a pending job,
so the jobs sweep starts it (each kind is safe to redo) instead of its page saying "running"
for ever."""

from django.db import migrations
from django.utils import timezone

# (app, model, unfinished statuses, the status to put it back to (None: as it is), task)
UNFINISHED = [
    ("members", "ImportJob", ["queued", "running"], "queued", "members.tasks.run_import"),
    ("shares", "InterestRun", ["computing"], None, "shares.tasks.compute_interest_run"),
    ("shares", "InterestRun", ["posting"], None, "shares.tasks.post_interest_run"),
]


def adopt(apps, schema_editor):
    Job = apps.get_model("jobs", "Job")
    now = timezone.now()
    for app, model, statuses, back_to, task in UNFINISHED:
        rows = apps.get_model(app, model).objects.filter(status__in=statuses)
        for target in rows.only("pk", "society_id"):
            if Job.objects.filter(kind=task, target_id=target.pk,
                                  state__in=["pending", "running"]).exists():
                continue
            Job.objects.create(society_id=target.society_id, kind=task, target_id=target.pk,
                               args=[], state="pending", created_at=now)
        if back_to is not None:
            rows.update(status=back_to)


class Migration(migrations.Migration):

    dependencies = [
        ("jobs", "0001_job"),
        ("members", "0008_member_large_print"),
        ("shares", "0004_interest_posting_in_background"),
    ]

    operations = [migrations.RunPython(adopt, migrations.RunPython.noop)]
