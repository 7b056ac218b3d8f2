"""Importing a register from a file: the upload starts an import job (members.importer
writes it)."""


from django.db import transaction

from accounts.acting import user_or_none
from members.models import (
    ImportJob,
)
from societies import audit
from societies.models import Society


@transaction.atomic
def start_import(*, actor, society: Society, uploaded) -> ImportJob:
    """Keep the uploaded file and queue its import as a job (`job.queued_as`); the caller
    runs a small file's job at once (views.import_upload), a worker takes a large one."""
    import uuid

    from jobs.queue import enqueue
    from members.tasks import run_import

    job = ImportJob(society=society, created_by=user_or_none(actor),
                    original_name=(uploaded.name or "register.csv")[:200],
                    size_bytes=uploaded.size or 0)
    job.file.save(f"{uuid.uuid4()}.csv", uploaded, save=False)
    job.save()
    audit.record(society, actor, "members.import_started", job,
                 {"file": job.original_name, "bytes": job.size_bytes})
    job.queued_as = enqueue(society, run_import, job.pk)
    return job
