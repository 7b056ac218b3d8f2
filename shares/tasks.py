"""Background work for shares: computing a share interest run."""

from celery import shared_task

from societies.tasks import SocietyTask


@shared_task(base=SocietyTask, acks_late=True)
def compute_interest_run(society_id: int, run_id: int) -> bool:
    """Compute a run that is waiting; safe to run twice (a computed run is left alone)."""
    from shares import services
    from shares.models import InterestRun, InterestRunStatus

    run = InterestRun.objects.filter(society_id=society_id, pk=run_id,
                                     status=InterestRunStatus.COMPUTING).first()
    if run is None:
        return False
    services.compute_interest_run(actor=None, run=run)
    return True
