"""Invitation email through a real SMTP server."""

import re

from django_scopes import scope

from societies import services
from societies.permissions import Role


def test_invitation_arrives_over_smtp(world, smtp_settings, django_capture_on_commit_callbacks):
    with scope(society=world.society), django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_to_role(actor=world.users["secretary"],
                                             society=world.society, email="Auditor@Firm.test",
                                             role=Role.AUDITOR)
    assert len(smtp_settings.messages) == 1
    sender, recipients, message = smtp_settings.messages[0]
    assert recipients == ["auditor@firm.test"]
    assert message["To"] == "auditor@firm.test"
    assert message["Subject"] == "You are invited to be auditor of Millmead Children's Centre"
    assert "noreply@omov.localhost" in message["From"] and sender == "noreply@omov.localhost"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    # The token carries the time it was signed, so read it from the email, not recompute it.
    token = re.search(r"/invitations/([^/\s]+)/", text).group(1)
    assert f"/invitations/{token}/" in html
    assert services.invitation_from_token(token) == invitation
    assert "1 High Street" in text


def test_a_failed_send_leaves_the_invitation_unsent_for_a_retry(world, settings):
    from notifications.models import Message, Status
    from notifications.tasks import send_invitation
    from societies.models import Invitation
    from tests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    with scope(society=world.society):
        invitation = services.invite_to_role(actor=None, society=world.society,
                                             email="x@firm.test", role=Role.AUDITOR)
    assert send_invitation(world.society.pk, invitation.pk) is False
    with scope(society=world.society):
        assert Invitation.objects.get(pk=invitation.pk).sent_at is None
        message = Message.objects.get(to_email="x@firm.test")
        assert message.status == Status.PENDING and message.attempts == 1
        assert message.last_error.startswith("Could not connect to the mail server")
