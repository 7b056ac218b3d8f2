"""The ballot box's background work: the server's steps of the count (`services.resume`).

`resume_box` runs the due steps of one box, as a job (jobs.queue): the close and the k-th
partial decryption record it in their transaction, the jobs sweep publishes it again if the
broker lost it and redoes it if its worker died, and `resume_due_boxes` (beat, every minute)
queues it again for a box with work and no news for a while (a failed step is retried).
Tasks take ids only, never anything of a ballot. Running one twice, or two at once, is
harmless: the services store each step once, and a lease makes a second run give way while a
live worker is on the box. docs/secrecy.md (the close) says when the sweep retries.
"""

import logging
import threading
from datetime import timedelta

from celery import shared_task
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django_scopes import scopes_disabled

from jobs.queue import JobTask, enqueue

log = logging.getLogger(__name__)

# A worker on a box writes `progress_updated_at` and renews its lease this often, also in the
# middle of a tool run that reports nothing for many minutes.
HEARTBEAT = timedelta(seconds=60)
# No news for this long and no step failed: the worker is gone; the sweep queues the box again.
STALE_AFTER = timedelta(minutes=5)
# A step failed: the sweep tries it again this long after the failure (or the last try).
RETRY_AFTER = timedelta(minutes=30)


def _enqueue(box) -> None:
    """Stamp the box as queued and record a `resume_box` job (jobs.queue), in the current
    transaction: the job is published after commit, and a broker that is down or a worker
    that dies is the jobs sweep's to put right."""
    from ballotbox.models import Box

    with scopes_disabled():
        Box.objects.filter(pk=box.pk).update(progress_updated_at=timezone.now())
    enqueue(box.society, resume_box, box.pk)


def _lease_key(box_id: int) -> str:
    return f"ballotbox:resume:{box_id}"


class _Heartbeat(threading.Thread):
    """While the box's steps run: every HEARTBEAT, stamp the box and renew the lease."""

    def __init__(self, box_id: int):
        super().__init__(daemon=True, name=f"ballotbox-heartbeat-{box_id}")
        self.box_id = box_id
        self.stopped = threading.Event()

    def run(self):
        from ballotbox.models import Box

        try:
            while not self.stopped.wait(HEARTBEAT.total_seconds()):
                cache.touch(_lease_key(self.box_id), int(STALE_AFTER.total_seconds()))
                with scopes_disabled():
                    Box.objects.filter(pk=self.box_id).update(
                        progress_updated_at=timezone.now())
        except Exception:  # noqa: BLE001 - a missed beat only lets the sweep start a twin
            log.warning("heartbeat of box %s stopped", self.box_id, exc_info=True)
        finally:
            connection.close()

    def stop(self):
        self.stopped.set()
        self.join()


# Safe to redo after a worker died: the services store each step once.
@shared_task(base=JobTask, redo_safe=True)
def resume_box(society_id: int, box_id: int) -> str:
    """Run the server's due steps of one box (`services.resume`); its state, "busy" when a
    live worker is on it already, or "failed". A failure is kept on the box (`error`), logged,
    and not raised: the sweep tries again after RETRY_AFTER, so there is no retry storm."""
    from ballotbox import services
    from ballotbox.models import Box

    box = Box.objects.get(society_id=society_id, pk=box_id)
    if not cache.add(_lease_key(box_id), 1, int(STALE_AFTER.total_seconds())):
        return "busy"
    heartbeat = _Heartbeat(box_id)
    heartbeat.start()
    try:
        return services.resume(box).state
    except services.BoxError as error:  # the services kept the reason on the box
        log.warning("box %s: %s", box.public_id, error)
        return "failed"
    except Exception as error:
        log.exception("the count of box %s failed", box.public_id)
        Box.objects.filter(pk=box_id).update(
            error=f"The count stopped ({type(error).__name__}); it is tried again later.",
            progress_updated_at=timezone.now())
        return "failed"
    finally:
        heartbeat.stop()
        cache.delete(_lease_key(box_id))


def queue_resume(box) -> None:
    """In the current transaction (or one of its own, after a step that has committed): mark
    the box as queued and record its job; it runs after commit, and the jobs sweep queues it
    again if the broker could not take it."""
    with transaction.atomic():
        _enqueue(box)


def due_boxes(now=None):
    """The boxes with a server step to do now, as (society id, box id):

    - closed (no encrypted tally yet), or being counted with `threshold` partial decryptions
      and no result yet, or with a trustee's shuffle or decryption queued and not refused;
      and
    - no news for a while: never stamped, or `progress_updated_at` older than STALE_AFTER (no
      step failed: the worker was lost) or RETRY_AFTER (a step failed: `error` is set).
    """
    from ballotbox.models import Box, BoxState, StepKind

    now = now or timezone.now()
    quiet = (Q(progress_updated_at=None)
             | Q(error="", progress_updated_at__lt=now - STALE_AFTER)
             | (~Q(error="") & Q(progress_updated_at__lt=now - RETRY_AFTER)))
    with scopes_disabled():
        boxes = Box.objects.filter(quiet).annotate(
            decryptions=Count("steps", filter=Q(steps__kind=StepKind.DECRYPTION),
                              distinct=True),
            results=Count("steps", filter=Q(steps__kind=StepKind.RESULT), distinct=True),
            waiting=Count("queued", filter=Q(queued__refused=""), distinct=True))
        work = (Q(state=BoxState.CLOSED)
                | Q(state=BoxState.TALLYING, decryptions__gte=F("threshold"), results=0)
                | Q(state=BoxState.TALLYING, waiting__gt=0)
                | Q(state=BoxState.RESULT, verify_requested_at__isnull=False,
                    verified_at__isnull=True)
                | Q(state=BoxState.RESULT, verified_at__lt=F("verify_requested_at")))
        return list(boxes.filter(work).order_by("pk").values_list("society_id", "pk"))


@shared_task
def resume_due_boxes() -> int:
    """Queue `resume_box` for every box with work the server can do now and no news for a
    while (see `due_boxes`); each is stamped as queued, so the next sweep leaves it alone."""
    from ballotbox.models import Box

    queued = 0
    for _society_id, box_id in due_boxes():
        with scopes_disabled(), transaction.atomic():
            _enqueue(Box.objects.select_related("society").get(pk=box_id))
        queued += 1
    if queued:
        log.info("Ballot box sweep queued %d box(es)", queued)
    return queued
