"""Background work for membership: the applicant's acknowledgement, and register imports."""

from celery import shared_task
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from jobs.queue import JobTask
from members import importer
from societies.tasks import SocietyTask, send_once


@shared_task(
    base=SocietyTask,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=8,
)
def send_application_acknowledgement(society_id: int, application_id: int) -> bool:
    """Email the applicant once (see societies.tasks.send_once).

    The applicant is not a member yet, so this is a plain email, not a notice.
    """
    from members.models import Application

    rows = Application.objects.filter(society_id=society_id, pk=application_id).exclude(email="")

    def build():
        from members.joining import payment_instructions

        application = rows.select_related("society", "stakeholder_class").get()
        context = {"application": application, "society": application.society,
                   "payment": payment_instructions(application.society, application.reference)}
        return EmailMessage(
            subject=render_to_string("members/email/acknowledgement_subject.txt",
                                     context).strip(),
            body=render_to_string("members/email/acknowledgement.txt", context),
            to=[application.email],
        )

    return send_once(rows, "acknowledgement_sent_at", build)


@shared_task(base=JobTask, redo_safe=True,
             prepare_redo=staticmethod(importer.requeue_import_job),
             gave_up=staticmethod(importer.import_job_gave_up))
def run_import(society_id: int, job_id: int) -> str:
    """Check and write an uploaded register file (run as a job, see jobs.queue); a rerun of a
    claimed import does nothing. Safe to redo after a worker died: the import is one
    transaction that also marks it done, so a cut-short import wrote nothing."""
    return importer.run_import_job(job_id)
