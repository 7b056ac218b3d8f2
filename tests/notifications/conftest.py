"""Fixtures for the notifications tests: members who want email, and members who want post."""

import pytest
from django_scopes import scope

from members.models import ContactChannel, Member


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
