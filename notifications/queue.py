"""Publishing outbox tasks to the broker without ever losing the change that asked for them.

The message rows are committed before anything is published, so a broker that is down costs
a delay, not a message: the failure is logged and the beat sweep publishes the work later.
"""

import functools

from django.db import transaction

from config import celery


def publish(task, args, countdown=None) -> bool:
    """Queue `task(*args)`; False (and a log line) if the broker could not take it."""
    return celery.publish(task, args, countdown=countdown,
                          later="the outbox sweep will send it later")


def publish_after_commit(task, *args) -> None:
    """Queue `task(*args)` once the current transaction commits (nothing if it rolls back).

    Never raises into the caller: by the time it runs, the change is committed.
    """
    transaction.on_commit(functools.partial(publish, task, args))
