"""Publishing outbox tasks to the broker without ever losing the change that asked for them.

The message rows are committed before anything is published, so a broker that is down costs
a delay, not a message: the failure is logged and the beat sweep publishes the work later.
"""

import functools
import logging

from django.db import transaction

logger = logging.getLogger(__name__)

# A few quick tries, then leave it to the sweep rather than hold up the request.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2,
                        "interval_max": 0.5}


def publish(task, args, countdown=None) -> bool:
    """Queue `task(*args)`; False (and a log line) if the broker could not take it."""
    try:
        task.apply_async(args, countdown=countdown, retry=True,
                         retry_policy=PUBLISH_RETRY_POLICY)
    except Exception:  # noqa: BLE001 - any broker failure: the outbox row is safe, sweep sends
        logger.warning("Could not enqueue %s%r; the outbox sweep will send it later",
                       task.name, tuple(args), exc_info=True)
        return False
    return True


def publish_after_commit(task, *args) -> None:
    """Queue `task(*args)` once the current transaction commits (nothing if it rolls back).

    Never raises into the caller: by the time it runs, the change is committed.
    """
    transaction.on_commit(functools.partial(publish, task, args))
