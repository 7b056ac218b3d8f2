"""Sending through a real SMTP server: what arrives, retries with backoff, failures, the sweep."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from notifications import sending, tasks
from notifications.models import Message, Status
from notifications.services import notify
from tests.notifications.conftest import add_member


def write(world, member, key="k", capture=None):
    """Notify `member`; with `capture` the commit's callbacks (the send) run, else not."""
    def go():
        with scope(society=world.society), transaction.atomic():
            return notify(society=world.society, member=member, kind="notifications.notice",
                          context={"subject": "Notice of the AGM", "body": "On 1 May, £1 each."},
                          dedup_key=key)
    if capture is None:
        return go()
    with capture(execute=True):
        return go()


def reload(world, message):
    with scope(society=world.society):
        return Message.objects.get(pk=message.pk)


def test_the_email_arrives_with_its_headers(world, emailed, smtp_settings,
                                            django_capture_on_commit_callbacks):
    message = write(world, emailed, capture=django_capture_on_commit_callbacks)
    assert len(smtp_settings.messages) == 1
    envelope_from, recipients, email = smtp_settings.messages[0]
    assert envelope_from == "noreply@omov.localhost" and recipients == ["ada@example.test"]
    assert email["From"] == "Millmead Children's Centre <noreply@omov.localhost>"
    assert email["To"] == "Ada Emailed <ada@example.test>"
    assert email["Subject"] == "Notice of the AGM"
    assert email["Message-ID"] == f"<omov-message-{message.public_id}@omov.localhost>"
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["X-OMOV-Message"] == str(message.public_id)
    text = email.get_body(preferencelist=("plain",)).get_content()
    html = email.get_body(preferencelist=("html",)).get_content()
    assert "Dear Ada Emailed" in text and "On 1 May, £1 each." in text
    assert "Registered office: 1 High Street" in text
    assert "<p>Dear Ada Emailed,</p>" in html and "1 High Street" in html
    assert reload(world, message).status == Status.SENT


def test_a_permanent_refusal_marks_the_message_failed_with_the_reason(
        world, refusing_smtp, django_capture_on_commit_callbacks):
    member = add_member(world, 130, "Gone Away", email="bounce@example.test")
    message = reload(world, write(world, member, capture=django_capture_on_commit_callbacks))
    assert message.status == Status.FAILED and message.attempts == 1
    assert message.last_error == "Recipient refused: 550 5.1.1 No such mailbox here"
    assert refusing_smtp.messages == []


def test_a_temporary_refusal_is_retried_with_backoff_then_given_up(
        world, refusing_smtp, django_capture_on_commit_callbacks):
    member = add_member(world, 131, "Busy Person", email="busy@example.test")
    before = timezone.now()
    message = reload(world, write(world, member, capture=django_capture_on_commit_callbacks))
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert "451 4.3.0 Mailbox busy" in message.last_error
    assert message.next_attempt_at >= before + timedelta(minutes=1)
    waits = [message.next_attempt_at - before]
    while message.status == Status.PENDING:
        before = timezone.now()
        with scope(society=world.society):
            # The retry's countdown has passed.
            Message.objects.filter(pk=message.pk).update(next_attempt_at=before)
        tasks.send_message(world.society.pk, message.pk)
        message = reload(world, message)
        if message.status == Status.PENDING:
            waits.append(message.next_attempt_at - before)
    assert message.status == Status.FAILED and message.attempts == sending.MAX_ATTEMPTS
    assert message.last_error.endswith(f"(gave up after {sending.MAX_ATTEMPTS} attempts)")
    assert [round(w.total_seconds() / 60) for w in waits] == [1, 2, 4, 8]


def test_a_retry_that_comes_early_sends_nothing(world, refusing_smtp,
                                                django_capture_on_commit_callbacks):
    member = add_member(world, 132, "Busy Early", email="busy2@example.test")
    message = write(world, member, capture=django_capture_on_commit_callbacks)
    assert tasks.send_message(world.society.pk, message.pk)["skipped"] == 1
    assert reload(world, message).attempts == 1


def test_an_unreachable_mail_server_leaves_the_batch_pending_with_the_reason(world, settings):
    from tests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    members = [add_member(world, 140 + i, f"M{i}", email=f"m{i}@example.test") for i in range(3)]
    messages = [write(world, m, key=f"k{i}") for i, m in enumerate(members)]
    result = tasks.send_batch(world.society.pk, [m.pk for m in messages])
    assert result == {"sent": 0, "failed": 0, "retry": 3, "skipped": 0}
    for message in messages:
        message = reload(world, message)
        assert message.status == Status.PENDING and message.attempts == 1
        assert message.last_error.startswith("Could not connect to the mail server")


def test_running_the_send_twice_sends_once(world, emailed, smtp_settings):
    message = write(world, emailed)
    assert tasks.send_message(world.society.pk, message.pk)["sent"] == 1
    assert tasks.send_message(world.society.pk, message.pk)["skipped"] == 1
    assert tasks.send_batch(world.society.pk, [message.pk, message.pk])["skipped"] == 2
    assert len(smtp_settings.messages) == 1


def test_a_claim_left_by_a_dead_worker_does_not_hold_the_message_back(
        world, emailed, smtp_settings):
    # The claim is the row lock, gone with the dead worker's connection; the stamp it left
    # behind does not make the next worker wait (tests/notifications/test_claims.py holds a
    # live claim on PostgreSQL).
    message = write(world, emailed)
    with scope(society=world.society):
        Message.objects.filter(pk=message.pk).update(claimed_at=timezone.now(), attempts=1)
    assert tasks.send_message(world.society.pk, message.pk)["sent"] == 1
    assert len(smtp_settings.messages) == 1
    assert reload(world, message).attempts == 2


def test_the_sweep_sends_what_was_never_queued_and_leaves_fresh_messages(world, emailed,
                                                                         smtp_settings):
    old = write(world, emailed, key="old")  # its commit callback never ran: never queued
    fresh = write(world, add_member(world, 150, "Fresh", email="fresh@example.test"), key="new")
    with scope(society=world.society):
        Message.objects.filter(pk=old.pk).update(
            next_attempt_at=timezone.now() - tasks.SWEEP_GRACE - timedelta(seconds=1))
    assert tasks.sweep_outbox() == 1
    assert [r for _f, r, _m in smtp_settings.messages] == [["ada@example.test"]]
    assert reload(world, old).status == Status.SENT
    assert reload(world, fresh).status == Status.PENDING


def test_the_sweep_leaves_letters_and_finished_messages_alone(world, posted, emailed,
                                                              smtp_settings):
    letter = write(world, posted, key="letter")
    sent = write(world, emailed, key="sent")
    tasks.send_message(world.society.pk, sent.pk)
    with scope(society=world.society):
        Message.objects.update(next_attempt_at=timezone.now() - timedelta(days=1))
    assert tasks.sweep_outbox() == 0
    assert reload(world, letter).status == Status.PENDING
    assert len(smtp_settings.messages) == 1


def test_a_broker_failure_after_commit_keeps_the_change_and_the_sweep_sends_later(
        world, emailed, smtp_settings, monkeypatch, caplog, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(tasks.send_message, "apply_async", broker_down)
    message = write(world, emailed, capture=django_capture_on_commit_callbacks)  # no raise
    assert reload(world, message).status == Status.PENDING
    assert "the outbox sweep will send it later" in caplog.text
    monkeypatch.undo()
    with scope(society=world.society):
        Message.objects.filter(pk=message.pk).update(
            next_attempt_at=timezone.now() - tasks.SWEEP_GRACE)
    assert tasks.sweep_outbox() == 1
    assert reload(world, message).status == Status.SENT
    assert len(smtp_settings.messages) == 1


@pytest.mark.parametrize("attempts,minutes", [(1, 1), (2, 2), (3, 4), (7, 60), (20, 60)])
def test_backoff_doubles_up_to_an_hour(attempts, minutes):
    assert sending.backoff(attempts) == timedelta(minutes=minutes)


def test_beat_runs_the_sweep_often_enough_to_recover_within_a_minute():
    from django.conf import settings

    from config.celery import app as celery_app

    entry = settings.CELERY_BEAT_SCHEDULE["notifications-sweep-outbox"]
    # A lost message is swept at most grace + interval after it was due; leave room to send.
    assert entry["schedule"] + tasks.SWEEP_GRACE.total_seconds() <= 45
    assert celery_app.tasks[entry["task"]].name == tasks.sweep_outbox.name


def test_while_the_queue_is_busy_the_sweep_leaves_overdue_messages_to_it_for_longer(
        world, emailed, smtp_settings, monkeypatch):
    # A large notice still draining from the broker's queue is not queued a second time.
    monkeypatch.setattr(tasks, "_queue_is_busy", lambda: True)
    message = write(world, emailed)
    with scope(society=world.society):
        Message.objects.filter(pk=message.pk).update(
            next_attempt_at=timezone.now() - tasks.SWEEP_GRACE - timedelta(seconds=1))
    assert tasks.sweep_outbox() == 0
    with scope(society=world.society):
        Message.objects.filter(pk=message.pk).update(
            next_attempt_at=timezone.now() - tasks.SWEEP_GRACE_BUSY - timedelta(seconds=1))
    assert tasks.sweep_outbox() == 1
    assert reload(world, message).status == Status.SENT


def test_the_queue_counts_as_busy_only_with_more_than_beat_queues_at_once(monkeypatch):
    from config.celery import app as celery_app

    class Channel:
        waiting = 0

        def queue_declare(self, queue, passive):
            assert passive and queue == celery_app.conf.task_default_queue
            return type("Declared", (), {"message_count": self.waiting})()

    channel = Channel()

    class Connection:
        default_channel = channel

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def ensure_connection(self, max_retries):
            pass

    monkeypatch.setattr(celery_app, "connection_for_read", Connection)
    assert tasks._queue_is_busy() is False
    channel.waiting = tasks.BUSY_QUEUE + 1
    assert tasks._queue_is_busy() is True
