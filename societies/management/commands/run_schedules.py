"""python manage.py run_schedules: the scheduled work in the embedded mode (`make run`)."""

import os
import signal
import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from config.schedules import Scheduler, unknown_tasks


class Command(BaseCommand):
    help = ("Run every CELERY_BEAT_SCHEDULE entry (polls opening and closing, reminders, the "
            "outbox sweep) at its interval in this process, for the embedded mode without "
            "Redis. With REDIS_URL set, Celery beat does this instead.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true",
                            help="run every entry once, then stop")
        parser.add_argument("--parent", type=int, metavar="PID",
                            help="stop when process PID (this one's parent) has gone, as "
                                 "`make run` does when its web server stops")

    def handle(self, *args, **options):
        if settings.REDIS_URL:
            raise CommandError("REDIS_URL is set: Celery beat runs the schedule there "
                               "(`make worker`, or the beat service of docker-compose).")
        unknown = unknown_tasks(settings.CELERY_BEAT_SCHEDULE)
        if unknown:
            raise CommandError(f"CELERY_BEAT_SCHEDULE names tasks that do not exist: {unknown}")
        try:
            scheduler = Scheduler(settings.CELERY_BEAT_SCHEDULE)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        if options["once"]:
            scheduler.run_due()
            return
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        parent = options["parent"]

        def parent_alive() -> bool:
            # A process whose parent dies is handed to another, so its parent id changes.
            return parent is None or os.getppid() == parent

        names = ", ".join(f"{e.name} every {e.every:g} s" for e in scheduler.entries)
        self.stdout.write(f"Running the scheduled work in this process: {names}.")
        self.stdout.flush()
        scheduler.run_until(stop, keep_going=parent_alive)
        self.stdout.write("Scheduled work stopped.")
