"""Background work for shares: computing and posting a share interest run."""

from celery import shared_task

from jobs.queue import JobTask


def _posting_gave_up(society_id: int, run_id: int, reason: str) -> None:
    from shares import services
    from shares.models import InterestRun

    run = InterestRun.objects.filter(society_id=society_id, pk=run_id).first()
    if run is not None:
        services.interest_posting_failed(run=run, reason=reason)


# Both run as jobs (jobs.queue) and are safe to redo after a worker died: each is one
# transaction on the locked run, guarded by its status, so a cut-short run wrote nothing.
# A computation given up stays "being computed" with the job's reason shown, to discard.
@shared_task(base=JobTask, redo_safe=True)
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


@shared_task(base=JobTask, redo_safe=True, gave_up=staticmethod(_posting_gave_up))
def post_interest_run(society_id: int, run_id: int) -> bool:
    """Post a run the secretary asked to post; safe to run twice (the run row is locked and
    only a run still "being posted" is posted). If it cannot be posted, nothing is (one
    transaction) and the run goes back to a draft showing why."""
    from shares import services
    from shares.models import InterestRun, InterestRunStatus

    run = InterestRun.objects.filter(society_id=society_id, pk=run_id,
                                     status=InterestRunStatus.POSTING).first()
    if run is None:
        return False
    try:
        services.post_interest_run(actor=run.posted_by, run=run)
    except services.ShareError as error:
        services.interest_posting_failed(run=run, reason=str(error))
        return False
    except Exception:
        services.interest_posting_failed(
            run=run, reason="An unexpected error stopped the posting; nothing was posted. "
                            "Try again; if it happens again, contact the platform's support.")
        raise
    return True
