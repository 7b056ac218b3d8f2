"""Background work for membership: the applicant's acknowledgement, and register imports."""

from celery import shared_task

from jobs.queue import JobTask
from members import importer
from notifications.sending import send_through_outbox
from societies.tasks import SocietyTask


@shared_task(base=SocietyTask)
def send_application_acknowledgement(society_id: int, application_id: int) -> bool:
    """Email the applicant through the outbox (acknowledgements are now written to it when
    the application is made). The applicant is not a member yet: an email to an address."""
    from members.models import Application
    from members.services import acknowledgement_message

    def write():
        application = (Application.objects.filter(pk=application_id, society_id=society_id)
                       .exclude(email="").first())
        return acknowledgement_message(application) if application is not None else None

    return send_through_outbox(society_id, write)


@shared_task(base=JobTask, redo_safe=True,
             prepare_redo=staticmethod(importer.requeue_import_job),
             gave_up=staticmethod(importer.import_job_gave_up))
def run_import(society_id: int, job_id: int) -> str:
    """Check and write an uploaded register file (run as a job, see jobs.queue); a rerun of a
    claimed import does nothing. Safe to redo after a worker died: the import is one
    transaction that also marks it done, so a cut-short import wrote nothing."""
    return importer.run_import_job(job_id)
