"""Fixtures for the notifications tests: members who want email, and members who want post."""

import pytest
from django_scopes import scope

from members.models import ContactChannel, Member
from tests.conftest import _Inbox, free_port


def add_member(world, number: int, name: str, *, email: str = "", post: bool = False,
               address: str = "2 Mill Lane\nMillmead", postcode: str = "ME1 1AA",
               stakeholder_class: str = "Parent") -> Member:
    """A member who can be emailed (given `email`) or who wants post."""
    with scope(society=world.society):
        return Member.objects.create(
            society=world.society, member_number=number, full_name=name,
            address=address, postcode=postcode, email=email,
            contact_channel=ContactChannel.POST if post or not email else ContactChannel.EMAIL,
            electronic_consent=bool(email) and not post,
            stakeholder_class=world.classes[stakeholder_class],
        )


@pytest.fixture
def emailed(world):
    return add_member(world, 101, "Ada Emailed", email="ada@example.test")


@pytest.fixture
def posted(world):
    return add_member(world, 102, "Bert Posted", post=True,
                      address="Flat 3\n14 Canal Street\nMillmead", postcode="me2 3bb")


class _RefusingInbox(_Inbox):
    """Refuses recipients by their local part: bounce* for good (550), busy* for now (451)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        local = address.partition("@")[0]
        if local.startswith("bounce"):
            return "550 5.1.1 No such mailbox here"
        if local.startswith("busy"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def refusing_smtp(settings):
    """A real SMTP server that refuses some recipients; Django's SMTP backend points at it."""
    from aiosmtpd.controller import Controller

    inbox = _RefusingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()


