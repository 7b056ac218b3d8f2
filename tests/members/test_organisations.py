"""Organisation members (a council, a primary care trust, a charity, another society): a name,
a registered number, an address and a named representative who acts and votes for it; no date
of birth. The organisation replaces its representative by letter, recorded."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from members import services
from members.models import Application, Member, MemberKind, RepresentativeChange
from members.services import MemberError
from societies.models import AuditEntry
from tests.conftest import make_user


def url(world, name, **kwargs):
    return reverse(f"members:{name}", kwargs={"society_slug": world.society.slug, **kwargs})


COUNCIL = {"kind": "organisation", "full_name": "Kent County Council", "registered_number": "",
           "representative_name": "Cllr Ada Byron", "address": "County Hall\nMaidstone",
           "postcode": "ME14 1XQ", "contact_channel": "post"}


def test_the_secretary_enters_an_organisation_which_is_admitted_without_a_birth_date(world):
    client = world.client("secretary")
    missing = client.post(url(world, "apply"), {
        **COUNCIL, "representative_name": "", "stakeholder_class": world.classes["Parent"].pk,
        "agree_rules": "on"})
    assert missing.status_code == 400 and "Name the person who will act" in missing.text
    person = client.post(url(world, "apply"), {
        **COUNCIL, "kind": "person", "stakeholder_class": world.classes["Parent"].pk,
        "agree_rules": "on"})
    assert person.status_code == 400 and "This field is required" in person.text
    with scope(society=world.society):
        assert not Application.objects.exists()
    entered = client.post(url(world, "apply"), {
        **COUNCIL, "registered_number": "LA-886", "stakeholder_class": world.classes["Parent"].pk,
        "agree_rules": "on"})
    assert entered.status_code == 302
    with scope(society=world.society):
        application = Application.objects.get()
        assert application.date_of_birth is None
        admitted = services.admit_application(
            actor=world.users["secretary"], application=application,
            decided_on=timezone.localdate(), decision_reference="Board 12")
    member = admitted.member
    assert (member.kind, member.registered_number, member.representative_name) == (
        MemberKind.ORGANISATION, "LA-886", "Cllr Ada Byron")
    assert member.date_of_birth is None and not member.is_under_16_on(timezone.localdate())
    page = client.get(url(world, "member", public_id=member.public_id)).text
    assert "an organisation, registered number LA-886" in page
    assert "Cllr Ada Byron" in page and "Date of birth" not in page


@pytest.fixture
def council(world):
    rep = make_user("ada@kent.test", full_name="Ada Byron")
    with scope(society=world.society):
        return Member.objects.create(
            society=world.society, member_number=800, kind=MemberKind.ORGANISATION,
            full_name="Kent County Council", representative_name="Cllr Ada Byron",
            email="ada@kent.test", user=rep, stakeholder_class=world.classes["Parent"],
            admitted_on=date(2020, 4, 1))


def test_a_letter_names_a_new_representative(world, council):
    today = timezone.localdate()
    with scope(society=world.society):
        last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        change = services.replace_representative(
            actor=world.users["secretary"], member=council, new_name="Cllr Ben Hale",
            effective_on=today, letter_dated=today - timedelta(days=2),
            letter_from="J. Smith, Chief Executive", email="Ben@Kent.test")
        council.refresh_from_db()
        (entry,) = AuditEntry.objects.filter(id__gt=last)
    assert change.previous_name == "Cllr Ada Byron"
    assert (council.representative_name, council.email, council.user) == (
        "Cllr Ben Hale", "ben@kent.test", None)  # the old representative no longer votes
    assert entry.action == "member.representative_replaced"
    assert entry.data["letter_from"] == "J. Smith, Chief Executive"


def test_only_organisations_have_representatives(world):
    with scope(society=world.society), pytest.raises(MemberError, match="not an organisation"):
        services.replace_representative(
            actor=world.users["secretary"], member=world.members["member"], new_name="X",
            effective_on=timezone.localdate(), letter_dated=timezone.localdate(),
            letter_from="Y")


def test_the_page_records_the_letter_and_lists_the_changes(world, council):
    client = world.client("secretary")
    page_url = url(world, "member_representative", public_id=council.public_id)
    ahead = (timezone.localdate() + timedelta(days=5)).isoformat()
    refused = client.post(page_url, {"new_name": "Cllr Ben Hale", "effective_on": ahead,
                                     "letter_dated": ahead, "letter_from": "J. Smith"})
    assert refused.status_code == 400 and "dated in the future" in refused.text
    with scope(society=world.society):
        assert not RepresentativeChange.objects.exists()
    today = timezone.localdate().isoformat()
    done = client.post(page_url, {"new_name": "Cllr Ben Hale", "effective_on": today,
                                  "letter_dated": today, "letter_from": "J. Smith"})
    assert done.status_code == 302
    listing = client.get(page_url).text
    assert "Cllr Ben Hale" in listing and "Cllr Ada Byron" in listing
    with scope(society=world.society):
        assert Member.objects.get(pk=council.pk).email == "ada@kent.test"  # kept
    person = client.get(url(world, "member_representative",
                            public_id=world.members["member"].public_id))
    assert person.status_code == 404
