"""Notifications benchmark: the outbox for a 100,000-member notice, and SMTP throughput.

    python -m bench.bench_notifications        (or `make bench`)

Prints `outbox_write_100k_s` (notify_members for 100,000 members in one transaction, commit
included), `outbox_peak_mb` (the process's peak resident memory during that write) and
`smtp_send_per_s` (2,000 messages through the real send path — claim, send, mark sent, in
batches of 100 over one connection — to an aiosmtpd server in another process).
Targets: under 30 s and under 300 MB. Runs on PostgreSQL (bench.support); its rows are removed.
"""

import socket
import subprocess
import sys
import time
import uuid

from bench.support import emit, peak_rss_since_reset_mb, reset_peak_rss, setup_django

MEMBERS = 100_000
EMAIL_SHARE = 0.7  # seven in ten members take notices by email
SMTP_MESSAGES = 2_000
MEMBER_BATCH = 5_000


def _make_society():
    from django_scopes import scope, scopes_disabled

    from members.models import ContactChannel, Member
    from societies.models import Society, StakeholderClass

    slug = f"bench-notify-{uuid.uuid4().hex[:8]}"
    with scopes_disabled():
        society = Society.objects.create(
            slug=slug, name="Bench Energy Co-operative", registration_number="IP31337R",
            registered_office="Unit 4, Windmill Yard\nBarrow-in-Furness\nLA14 2XX",
        )
    with scope(society=society):
        stakeholder_class = StakeholderClass.objects.create(society=society, name="Investor")
        email_every = round(1 / (1 - EMAIL_SHARE)) if EMAIL_SHARE < 1 else 0
        for start in range(0, MEMBERS, MEMBER_BATCH):
            rows = []
            for number in range(start + 1, min(start + MEMBER_BATCH, MEMBERS) + 1):
                by_post = email_every and number % email_every == 0
                rows.append(Member(
                    society=society, member_number=number, full_name=f"Member {number}",
                    address=f"{number} Turbine Row\nBarrow-in-Furness", postcode="LA14 1AA",
                    email=f"member{number}@example.test",
                    contact_channel=ContactChannel.POST if by_post else ContactChannel.EMAIL,
                    electronic_consent=not by_post, stakeholder_class=stakeholder_class,
                ))
            Member.objects.bulk_create(rows)
    return society


def _cleanup(society) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("notifications_message", "notifications_notice", "members_member",
                      "societies_stakeholderclass"):
            cursor.execute(f"DELETE FROM {table} WHERE society_id = %s", [society.pk])  # noqa: S608
        cursor.execute("DELETE FROM societies_society WHERE id = %s", [society.pk])


def _write_outbox(society):
    from django.db import transaction
    from django_scopes import scope

    from notifications.services import create_notice, notify_members

    with scope(society=society), transaction.atomic():
        notice = create_notice(society=society, kind="notifications.notice",
                               title="Notice of the annual general meeting",
                               audience="All members")
        written = notify_members(
            notice=notice, members=society.members.filter(ceased_on__isnull=True),
            context={"subject": "Notice of the annual general meeting",
                     "body": "The annual general meeting will be held on 1 May 2027 at 7 pm "
                             "in the Village Hall. Share interest of £2.75 per £100 is "
                             "proposed.\n\nThe agenda and the accounts are enclosed."},
        )
    assert written == MEMBERS, written
    return notice


def _smtp_throughput(society, notice) -> float:
    from django.conf import settings
    from django_scopes import scope

    from notifications import sending
    from notifications.models import Channel, Message, Status
    from notifications.tasks import SEND_BATCH

    # The SMTP server runs in its own process, as a real one would: in this process it would
    # compete with the sender for the interpreter lock.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        with scope(society=society):
            ids = list(Message.objects.filter(notice=notice, channel=Channel.EMAIL,
                                              status=Status.PENDING)
                       .order_by("pk").values_list("pk", flat=True)[:SMTP_MESSAGES])
            started = time.perf_counter()
            for first in range(0, len(ids), SEND_BATCH):
                sending.send_messages(ids[first:first + SEND_BATCH])
            elapsed = time.perf_counter() - started
            sent = Message.objects.filter(pk__in=ids, status=Status.SENT).count()
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert sent == len(ids) == SMTP_MESSAGES, sent
    return sent / elapsed


def run() -> None:
    setup_django()
    import gc

    from config.celery import app as celery_app

    # The commit queues one dispatch task; publish it to an in-memory broker, not run it here.
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://"
    society = _make_society()
    try:
        gc.collect()
        reset_peak_rss()
        started = time.perf_counter()
        notice = _write_outbox(society)
        emit("outbox_write_100k_s", time.perf_counter() - started, "s")
        emit("outbox_peak_mb", peak_rss_since_reset_mb(), "MB")
        emit("smtp_send_per_s", _smtp_throughput(society, notice), "messages/s")
    finally:
        _cleanup(society)


if __name__ == "__main__":
    run()
