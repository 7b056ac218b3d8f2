"""The one task every job runs through, and the sweep that finds jobs lost or stalled."""

from celery import shared_task

from jobs import queue


@shared_task(acks_late=True)
def run_job(job_id: int) -> str:
    """Claim and run one job; a copy delivered twice finds it claimed and does nothing."""
    return queue.run(job_id)


@shared_task
def sweep_jobs() -> dict:
    return queue.sweep()
