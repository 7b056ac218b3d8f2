"""On PostgreSQL: a sender's claim on a message is its row lock. A live claim keeps every
other sender (and the sweep) off the message; a dead sender's claim is gone at once."""

import time

import psycopg
import pytest
from django.db import connection
from django_scopes import scope

from notifications import tasks
from notifications.models import Message, Status
from tests.conftest import is_postgres
from tests.notifications.test_sending import reload
from tests.notifications.test_sending import write as notify_committed

pytestmark = pytest.mark.postgres


@pytest.fixture
def other_worker(transactional_db):
    """A second database connection, standing for another worker in the middle of a send."""
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks: runs in CI's PostgreSQL leg")
    db = connection.settings_dict
    other = psycopg.connect(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
                            host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432)
    yield other
    other.close()


def write(world, member, monkeypatch):
    """A pending message, committed for real, whose send was never queued."""
    monkeypatch.setattr("notifications.services.publish_after_commit", lambda *args: None)
    message = notify_committed(world, member)
    monkeypatch.undo()
    return message


def hold_claim(other, message):
    other.execute("SELECT id FROM notifications_message WHERE id = %s FOR UPDATE",
                  [message.pk])


def kill(other):
    """The other worker dies: its connection closes. PostgreSQL drops the backend's locks as
    the backend exits, a moment after the socket closes, so wait (at most 10 s) until it has."""
    pid = other.info.backend_pid
    other.close()
    with connection.cursor() as cursor:
        for _attempt in range(200):
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone() is None:
                return
            time.sleep(0.05)
    pytest.fail(f"PostgreSQL backend {pid} still running 10 s after its client closed")


def test_a_message_another_worker_is_sending_is_left_to_it(world, emailed, smtp_settings,
                                                            other_worker, monkeypatch):
    message = write(world, emailed, monkeypatch)
    hold_claim(other_worker, message)
    assert tasks.send_message(world.society.pk, message.pk)["skipped"] == 1
    assert tasks.sweep_outbox(grace_seconds=0) == 0
    assert smtp_settings.messages == []
    assert reload(world, message).status == Status.PENDING


def test_a_worker_that_dies_mid_send_releases_its_claim_at_once(world, emailed, smtp_settings,
                                                                other_worker, monkeypatch):
    message = write(world, emailed, monkeypatch)
    hold_claim(other_worker, message)
    kill(other_worker)
    assert tasks.sweep_outbox(grace_seconds=0) == 1
    assert [r for _f, r, _m in smtp_settings.messages] == [["ada@example.test"]]
    with scope(society=world.society):
        assert Message.objects.get(pk=message.pk).status == Status.SENT
