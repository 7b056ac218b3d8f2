"""Scheduled upkeep of accounts (CELERY_BEAT_SCHEDULE runs it daily)."""

from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions() -> str:
    """Delete expired sessions (Django's clearsessions): a signed-out or expired session is
    already refused, this only keeps the table from growing for ever. Safe to run twice."""
    call_command("clearsessions")
    return "cleared"
