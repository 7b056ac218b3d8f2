"""Work left unfinished before jobs existed is adopted as pending jobs by a migration."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("jobs", "0001_job"), ("members", "0008_member_large_print"),
          ("shares", "0004_interest_posting_in_background")]
AFTER = [("jobs", "0002_adopt_unfinished_work")]


@pytest.mark.django_db(transaction=True)
def test_unfinished_imports_and_interest_runs_become_pending_jobs():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Society = apps.get_model("societies", "Society")
    ImportJob = apps.get_model("members", "ImportJob")
    InterestRun = apps.get_model("shares", "InterestRun")
    society = Society.objects.create(name="Adopted Co-op", slug="adopted")
    stuck = ImportJob.objects.create(society=society, original_name="r.csv", status="running")
    done = ImportJob.objects.create(society=society, original_name="d.csv", status="done")
    posting = InterestRun.objects.create(society=society, period_start=date(2023, 4, 1),
                                         year_end=date(2024, 3, 31), status="posting",
                                         post_on=date(2024, 4, 30))
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Job = apps.get_model("jobs", "Job")
    assert sorted(Job.objects.values_list("kind", "target_id", "state")) == [
        ("members.tasks.run_import", stuck.pk, "pending"),
        ("shares.tasks.post_interest_run", posting.pk, "pending"),
    ]
    assert apps.get_model("members", "ImportJob").objects.get(pk=stuck.pk).status == "queued"
    assert apps.get_model("members", "ImportJob").objects.get(pk=done.pk).status == "done"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
