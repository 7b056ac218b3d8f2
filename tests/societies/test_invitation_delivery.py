"""Invitations and applicants' acknowledgements go through the outbox: written with the change,
marked sent only once the mail server accepted them, the same Message-ID on every try, and a
broker that is down costs a delay, never a server error."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from members.models import Application
from notifications import sending, tasks
from notifications.models import Message, Status
from societies import services
from societies.models import AuditEntry, Invitation
from societies.permissions import Role
from tests.notifications.conftest import refusing_smtp  # noqa: F401 - a fixture


def invite(world, email="ro@firm.test", capture=None):
    def go():
        with scope(society=world.society):
            return services.invite_to_role(actor=world.users["secretary"], society=world.society,
                                           email=email, role=Role.RETURNING_OFFICER)
    if capture is None:
        return go()
    with capture(execute=True):
        return go()


def outbox_row(world, email):
    with scope(society=world.society):
        return Message.objects.get(to_email=email)


def invitation_row(world, invitation):
    with scope(society=world.society):
        return Invitation.objects.get(pk=invitation.pk)


def test_an_invitation_is_written_to_the_outbox_with_the_invitation(world):
    invitation = invite(world)  # the commit's callbacks do not run: nothing is sent yet
    message = outbox_row(world, "ro@firm.test")
    assert message.recipient is None and message.status == Status.PENDING
    assert message.kind == services.INVITATION_KIND
    assert message.dedup_key == f"societies.invitation:{invitation.public_id}"
    assert "returning officer" in message.subject and "/invitations/" in message.body_text
    assert invitation_row(world, invitation).sent_at is None


def test_an_invitation_cancelled_before_it_went_is_never_sent(world, smtp_settings):
    invitation = invite(world)  # the commit's callbacks do not run: nothing is sent yet
    with scope(society=world.society):
        services.cancel_invitation(actor=world.users["secretary"], invitation=invitation)
    message = outbox_row(world, "ro@firm.test")
    assert message.status == Status.FAILED
    assert message.last_error == "The invitation was cancelled before it was sent."
    tasks.send_message(world.society.pk, message.pk)
    with scope(society=world.society):
        Message.objects.update(next_attempt_at=timezone.now() - tasks.SWEEP_GRACE
                               - timedelta(seconds=1))
    assert tasks.sweep_outbox() == 0
    assert smtp_settings.messages == []
    assert invitation_row(world, invitation).sent_at is None


def test_a_refused_invitation_is_not_marked_sent(world, refusing_smtp,  # noqa: F811
                                                  django_capture_on_commit_callbacks):
    busy = invite(world, "busy@firm.test", capture=django_capture_on_commit_callbacks)
    gone = invite(world, "bounce@firm.test", capture=django_capture_on_commit_callbacks)
    assert refusing_smtp.messages == []
    waiting = outbox_row(world, "busy@firm.test")
    assert waiting.status == Status.PENDING and waiting.attempts == 1
    assert waiting.next_attempt_at > timezone.now()
    assert outbox_row(world, "bounce@firm.test").status == Status.FAILED
    assert invitation_row(world, busy).sent_at is None
    assert invitation_row(world, gone).sent_at is None


class WorkerDied(BaseException):
    """What a killed worker looks like from the inside: nothing after it runs."""


def test_a_worker_that_dies_before_the_send_leaves_the_invitation_to_send(
        world, smtp_settings, monkeypatch, django_capture_on_commit_callbacks):
    def die(self, messages):
        raise WorkerDied

    from django.core.mail.backends.smtp import EmailBackend

    with monkeypatch.context() as patched:
        patched.setattr(EmailBackend, "send_messages", die)
        with pytest.raises(WorkerDied):
            invite(world, capture=django_capture_on_commit_callbacks)
    with scope(society=world.society):
        invitation = Invitation.objects.get(email="ro@firm.test")
    assert invitation.sent_at is None and smtp_settings.messages == []
    message = outbox_row(world, "ro@firm.test")
    assert message.status == Status.PENDING
    # Nothing waits for the dead worker: the next send (or the sweep) delivers it.
    assert tasks.send_message(world.society.pk, message.pk)["sent"] == 1
    assert [r for _f, r, _m in smtp_settings.messages] == [["ro@firm.test"]]
    assert invitation_row(world, invitation).sent_at is not None


def test_the_message_id_is_the_same_on_a_retry(world, smtp_settings, monkeypatch,
                                                django_capture_on_commit_callbacks):
    # The one repeat there can be: the worker dies after the server accepted the message and
    # before it was recorded. The repeat carries the same Message-ID, so it is folded.
    with monkeypatch.context() as patched:
        patched.setattr(sending, "_record_sent", lambda message: (_ for _ in ()).throw(
            WorkerDied()))
        with pytest.raises(WorkerDied):
            invite(world, capture=django_capture_on_commit_callbacks)
    message = outbox_row(world, "ro@firm.test")
    assert message.status == Status.PENDING
    assert tasks.send_message(world.society.pk, message.pk)["sent"] == 1
    first, second = (m for _f, _r, m in smtp_settings.messages)
    domain = "omov.localhost"
    assert first["Message-ID"] == second["Message-ID"] == (
        f"<omov-message-{message.public_id}@{domain}>")
    assert outbox_row(world, "ro@firm.test").status == Status.SENT


def test_a_notice_keeps_its_message_id_across_a_temporary_refusal(world, smtp_settings):
    from tests.notifications.conftest import add_member
    from tests.notifications.test_sending import write

    member = add_member(world, 160, "Ada", email="ada@example.test")
    message = write(world, member)
    expected = sending.message_id(message)
    assert sending.build_email(message).extra_headers["Message-ID"] == expected
    tasks.send_message(world.society.pk, message.pk)
    [(_f, _r, email)] = smtp_settings.messages
    assert email["Message-ID"] == expected


def test_inviting_while_the_broker_is_down_answers_and_the_sweep_sends_later(
        transactional_db, world, smtp_settings, broker_unreachable, caplog):
    # Committed for real, so the publish runs inside the request, as in production.
    client = world.client("secretary")
    roles = reverse("societies:roles", kwargs={"society_slug": world.society.slug})
    response = client.post(roles, {"email": "ro@firm.test", "role": Role.RETURNING_OFFICER})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert "the outbox sweep will send it later" in caplog.text
    with scope(society=world.society):
        invitation = Invitation.objects.get(email="ro@firm.test")
        assert AuditEntry.objects.filter(action="invitation.sent").count() == 1
    assert smtp_settings.messages == [] and invitation.sent_at is None
    broker_unreachable()  # the broker is back (here: tasks run in this process)
    with scope(society=world.society):
        Message.objects.update(next_attempt_at=timezone.now() - tasks.SWEEP_GRACE
                               - timedelta(seconds=1))
    assert tasks.sweep_outbox() == 1
    assert [r for _f, r, _m in smtp_settings.messages] == [["ro@firm.test"]]
    assert invitation_row(world, invitation).sent_at is not None


def test_applying_while_the_broker_is_down_answers_and_the_sweep_acknowledges_later(
        transactional_db, world, smtp_settings, broker_unreachable):
    client = world.client("anonymous")
    apply = reverse("members:apply", kwargs={"society_slug": world.society.slug})
    response = client.post(apply, {
        "stakeholder_class": world.classes["Staff"].pk, "full_name": "Ada Lovelace",
        "address": "1 Engine Row\nLondon", "postcode": "n1 9gu", "date_of_birth": "1990-12-10",
        "email": "ada@example.org", "contact_channel": "email", "electronic_consent": "on",
        "agree_rules": "on",
    })
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    with scope(society=world.society):
        application = Application.objects.get()
    assert application.acknowledgement_sent_at is None and smtp_settings.messages == []
    broker_unreachable()
    assert tasks.sweep_outbox(grace_seconds=0) == 1
    [(_f, recipients, email)] = smtp_settings.messages
    assert recipients == ["ada@example.org"] and application.reference in email["Subject"]
    assert email["Message-ID"].startswith("<omov-message-")
    with scope(society=world.society):
        assert Application.objects.get().acknowledgement_sent_at is not None
