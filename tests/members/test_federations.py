"""A federation (a secondary society) whose members are societies: the federation's secretary
links an organisation member to its society on the platform; that society's secretary confirms,
appoints its representative, and reads what the federation sent it. Nothing of the federation
shows to a society it has not linked, nor before the link is confirmed."""

from datetime import date

import pytest
from django.urls import reverse
from django_scopes import scope

from members import services
from members.models import Member, MemberKind
from members.services import MemberError
from notifications.models import Message
from notifications.services import notify
from societies.models import AuditEntry
from tests.conftest import build_society


@pytest.fixture
def federation(world):
    """`world` (Millmead) is a member of a federation of children's centres."""
    fed = build_society("centres-federation", "Children's Centres Federation")
    with scope(society=fed.society):
        membership = Member.objects.create(
            society=fed.society, member_number=101, kind=MemberKind.ORGANISATION,
            full_name=world.society.name, representative_name="Old Rep",
            stakeholder_class=next(iter(fed.classes.values())), admitted_on=date(2021, 5, 1),
            contact_channel="post")
    fed.membership = membership
    return fed


def url(world, name, **kwargs):
    return reverse(f"members:{name}", kwargs={"society_slug": world.society.slug, **kwargs})


def test_linked_confirmed_appointed_and_told(world, federation):
    membership = federation.membership
    with scope(society=federation.society):
        with pytest.raises(MemberError, match="No other society"):
            services.link_member_society(actor=federation.users["secretary"],
                                         member=membership, society_slug="nowhere")
        services.link_member_society(actor=federation.users["secretary"], member=membership,
                                     society_slug=world.society.slug)
    secretary = world.client("secretary")
    home = secretary.get(reverse("societies:home", kwargs={"society_slug": world.society.slug}))
    assert "1 federation listing us as a member, waiting for you to confirm" in home.text
    page = secretary.get(url(world, "federations")).text
    assert "Children&#x27;s Centres Federation" in page and "Confirm our membership" in page
    with pytest.raises(MemberError, match="Confirm the membership first"):
        _appoint_unconfirmed(world, membership)
    assert secretary.post(url(world, "federation_confirm",
                              public_id=membership.public_id)).status_code == 302
    prefix = str(membership.public_id)
    appointed = secretary.post(url(world, "federation_representative", public_id=prefix), {
        f"{prefix}-name": "Nia Walsh", f"{prefix}-email": "nia@millmead.test"})
    assert appointed.status_code == 302
    with scope(society=federation.society):
        membership.refresh_from_db()
        assert (membership.representative_name, membership.email) == ("Nia Walsh",
                                                                      "nia@millmead.test")
        entry = AuditEntry.objects.filter(action="member.representative_replaced").get()
        assert entry.data["letter_from"].endswith(f"secretary of {world.society.name}")
        assert entry.society_id == federation.society.pk  # the federation's own record
        notify(society=federation.society, member=membership, kind="notifications.notice",
               context={"subject": "AGM of the federation", "body": "Come on 3 June."},
               dedup_key="fed-agm")
        message = Message.objects.get(recipient=membership)
    home = secretary.get(reverse("societies:home", kwargs={"society_slug": world.society.slug}))
    assert "waiting for you to confirm" not in home.text
    listing = secretary.get(url(world, "federations")).text
    assert message.subject in listing
    read = secretary.get(url(world, "federation_message", public_id=prefix,
                             message_id=message.public_id))
    assert read.status_code == 200 and message.subject in read.text


def _appoint_unconfirmed(world, membership):
    services.appoint_federation_representative(
        actor=world.users["secretary"], member_society=world.society,
        membership=services.membership_of(world.society, membership.public_id), name="X",
        email=None)


def test_another_society_sees_nothing_of_it(world, federation):
    membership = federation.membership
    with scope(society=federation.society):
        services.link_member_society(actor=federation.users["secretary"], member=membership,
                                     society_slug=world.society.slug)
    other = world.other
    client = other.client("secretary")
    kwargs = {"society_slug": other.society.slug, "public_id": membership.public_id}
    assert "Centres Federation" not in client.get(
        reverse("members:federations", kwargs={"society_slug": other.society.slug})).text
    assert client.post(reverse("members:federation_confirm", kwargs=kwargs)).status_code == 404
    with scope(society=federation.society):
        assert Member.objects.get(pk=membership.pk).member_society_confirmed_at is None


def test_only_organisations_link_and_a_society_is_a_member_once(world, federation):
    with scope(society=federation.society):
        person = Member.objects.create(
            society=federation.society, member_number=102, full_name="A Person",
            stakeholder_class=next(iter(federation.classes.values())),
            admitted_on=date(2021, 5, 1))
        with pytest.raises(MemberError, match="Only a current organisation"):
            services.link_member_society(actor=None, member=person,
                                         society_slug=world.society.slug)
        services.link_member_society(actor=None, member=federation.membership,
                                     society_slug=world.society.slug)
        twin = Member.objects.create(
            society=federation.society, member_number=103, kind=MemberKind.ORGANISATION,
            full_name="Millmead again", representative_name="R",
            stakeholder_class=next(iter(federation.classes.values())),
            admitted_on=date(2021, 5, 1))
        with pytest.raises(MemberError, match="already a current member"):
            services.link_member_society(actor=None, member=twin,
                                         society_slug=world.society.slug)
