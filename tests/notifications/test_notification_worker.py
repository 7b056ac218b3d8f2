"""With a real Redis broker and a real Celery worker (CI's PostgreSQL leg): messages are sent
once each, across a worker stop and restart, and a broker outage at commit loses nothing."""

import pytest
from django.db import transaction
from django_scopes import scope

from members.models import ContactChannel, Member
from notifications import services, tasks
from notifications.models import Message, Status
from tests.conftest import build_society, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres]


def emailable_members(world, count: int, start: int = 100) -> list[Member]:
    with scope(society=world.society):
        return Member.objects.bulk_create(
            Member(society=world.society, member_number=start + i, full_name=f"Member {i}",
                   email=f"member{i}@example.test", contact_channel=ContactChannel.EMAIL,
                   electronic_consent=True, stakeholder_class=world.classes["Staff"])
            for i in range(count)
        )


def send_notice(world, subject="Notice of the AGM"):
    with scope(society=world.society), transaction.atomic():
        return services.send_notice(actor=world.users["secretary"], society=world.society,
                                    subject=subject, body="The AGM is on 1 May.",
                                    stakeholder_class=world.classes["Staff"])


def statuses(world, notice) -> dict:
    with scope(society=world.society):
        rows = Message.objects.filter(notice=notice).values_list("status", flat=True)
        found: dict = {}
        for status in rows:
            found[status] = found.get(status, 0) + 1
        return found


def delivered_to(smtp_server) -> list[str]:
    return [recipient for _sender, recipients, _m in smtp_server.messages
            for recipient in recipients]


def settle(smtp_server, expected: int, worker, timeout=60):
    assert wait_for(lambda: len(smtp_server.messages) >= expected, timeout=timeout), worker.log()
    # Give a duplicate, if there were one, time to arrive.
    wait_for(lambda: len(smtp_server.messages) > expected, timeout=2)


def test_a_real_worker_sends_each_member_the_notice_once(celery_worker, smtp_server):
    world = build_society("millmead", "Millmead Children's Centre")
    emailable_members(world, 30)
    notice = send_notice(world)
    settle(smtp_server, 30, celery_worker)
    recipients = delivered_to(smtp_server)
    assert len(recipients) == 30 and len(set(recipients)) == 30
    assert statuses(world, notice) == {Status.SENT: 30}


def test_nothing_is_lost_or_sent_twice_across_a_worker_stop_and_restart(celery_worker,
                                                                        smtp_server):
    world = build_society("millmead", "Millmead Children's Centre")
    emailable_members(world, 250)
    celery_worker.stop()
    queued_while_down = send_notice(world, "Queued while the worker was down")
    assert not wait_for(lambda: smtp_server.messages, timeout=1)
    celery_worker.start()
    # Stop it again as soon as sending has begun, part way through the notice.
    assert wait_for(lambda: smtp_server.messages, timeout=30), celery_worker.log()
    celery_worker.stop()
    part_way = len(smtp_server.messages)
    celery_worker.start()
    settle(smtp_server, 250, celery_worker)
    recipients = delivered_to(smtp_server)
    assert len(recipients) == 250, f"stopped after {part_way}"
    assert len(set(recipients)) == 250
    assert statuses(world, queued_while_down) == {Status.SENT: 250}


def test_when_redis_is_down_at_commit_the_change_commits_and_the_sweep_sends_later(
        celery_worker, smtp_server, broker_unreachable):
    world = build_society("millmead", "Millmead Children's Centre")
    [member] = emailable_members(world, 1)
    with scope(society=world.society), transaction.atomic():
        message = services.notify(society=world.society, member=member,
                                  kind="notifications.notice",
                                  context={"subject": "Broker down", "body": "Still here."},
                                  dedup_key="broker-down")
    # The commit happened and raised nothing, though the send could not be queued.
    with scope(society=world.society):
        assert Message.objects.get(pk=message.pk).status == Status.PENDING
    assert not wait_for(lambda: smtp_server.messages, timeout=1)
    broker_unreachable()  # Redis is back
    assert tasks.sweep_outbox(grace_seconds=0) == 1
    settle(smtp_server, 1, celery_worker)
    assert delivered_to(smtp_server) == ["member0@example.test"]
    with scope(society=world.society):
        assert Message.objects.get(pk=message.pk).status == Status.SENT
