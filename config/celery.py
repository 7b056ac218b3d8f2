"""The Celery app, and publishing to it without ever raising into the change that asked.

Work is a database row written with the change (an outbox message, a job) and published after
commit; a broker that is down costs a delay, not the work: the failure is logged and the
row's sweep publishes it later."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("omov", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)

# A few quick tries, then leave it to the sweep rather than hold up the request.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2,
                        "interval_max": 0.5}


def publish(task, args, *, countdown=None, later: str) -> bool:
    """Queue `task(*args)`; False, and a log line ending in `later` (who publishes it again),
    if the broker could not take it. Never raises."""
    try:
        task.apply_async(args, countdown=countdown, retry=True,
                         retry_policy=PUBLISH_RETRY_POLICY)
    except Exception:  # noqa: BLE001 - any broker failure: the row is safe, its sweep sends
        log.warning("Could not enqueue %s%r; %s", task.name, tuple(args), later, exc_info=True)
        return False
    return True
