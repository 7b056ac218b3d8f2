"""Public constituencies by area (South Essex Partnership Trust): a class takes the postcode
districts it covers; an applicant is placed by postcode; a member who moves out of their area
is told and moved to the constituency of their new area, or ceased, as the society's rules say
(and ceased wherever no constituency covers the new address)."""

import pytest
from django.urls import reverse
from django_scopes import scope

from members import services
from members.models import CessationReason, Member
from members.services import MemberError
from notifications.models import Message
from societies import services as society_services
from societies.models import AuditEntry, MovedOutOfArea, Society, StakeholderClass
from societies.services import SocietyError
from tests.members.conftest import application_values


@pytest.fixture
def sept(world):
    secretary = world.users["secretary"]
    with scope(society=world.society):
        for name, districts in (("Southend", "SS1, ss2 SS3"), ("Basildon", "SS14,SS15")):
            world.classes[name] = society_services.add_stakeholder_class(
                actor=secretary, society=world.society,
                values={"name": name, "description": "", "minimum_age": None,
                        "is_constituency": True, "postcode_districts": districts})
    return world


def apply(world, cls, postcode, **overrides):
    with scope(society=world.society):
        return services.submit_application(
            actor=None, society=world.society,
            values=application_values(world, stakeholder_class=world.classes[cls],
                                      postcode=postcode, **overrides))


def test_districts_are_kept_tidy_and_belong_to_one_area(sept):
    assert sept.classes["Southend"].postcode_districts == "SS1, SS2, SS3"
    secretary = sept.users["secretary"]
    with scope(society=sept.society):
        with pytest.raises(SocietyError, match="SS3 already belongs to the Southend") as taken:
            society_services.add_stakeholder_class(
                actor=secretary, society=sept.society,
                values={"name": "Rochford", "postcode_districts": "SS3 SS4"})
        assert taken.value.field == "postcode_districts"
        with pytest.raises(SocietyError, match="'SS 1' is not|is not a postcode district"):
            society_services.update_stakeholder_class(
                actor=secretary, stakeholder_class=sept.classes["Basildon"],
                values={"postcode_districts": "SS14, 1SS"})
        assert not StakeholderClass.objects.filter(name="Rochford").exists()


def test_the_class_form_names_the_field_that_is_wrong(sept):
    response = sept.client("secretary").post(
        reverse("societies:class_add", kwargs={"society_slug": sept.society.slug}),
        {"name": "Rochford", "description": "", "postcode_districts": "SS1"})
    assert response.status_code == 400 and "SS1 already belongs to the Southend" in response.text


def test_an_applicant_is_placed_by_their_postcode(sept):
    # Chose Southend but lives in Basildon: placed in Basildon.
    assert apply(sept, "Southend", "ss14 3ab").stakeholder_class == sept.classes["Basildon"]
    assert apply(sept, "Basildon", "SS2 6AA", full_name="Ann", email="ann@example.org"
                 ).stakeholder_class == sept.classes["Southend"]
    with pytest.raises(MemberError, match="CM1 1AA is in none of their areas"):
        apply(sept, "Southend", "CM1 1AA", full_name="Bo", email="bo@example.org")
    # Classes not by area are as chosen, wherever the applicant lives.
    assert apply(sept, "Staff", "CM1 1AA", full_name="Cy", email="cy@example.org"
                 ).stakeholder_class == sept.classes["Staff"]


def member_in(world, cls, postcode) -> Member:
    with scope(society=world.society):
        return Member.objects.create(
            society=world.society, member_number=700, full_name="Dee Mover",
            email="dee@example.org", stakeholder_class=world.classes[cls], postcode=postcode,
            address="1 Pier Hill", admitted_on=world.members["member"].admitted_on)


def move(world, member, postcode, own=True):
    with scope(society=world.society):
        services.update_member(actor=world.users["secretary"], member=member,
                               values={"postcode": postcode, "address": "2 New Road"}, own=own)
        return Member.objects.get(pk=member.pk)


def told(world, member):
    with scope(society=world.society):
        return Message.objects.filter(recipient=member, kind="members.area_changed").count()


def test_a_member_who_moves_to_another_area_joins_its_constituency(sept):
    member = member_in(sept, "Southend", "SS1 1AA")
    moved = move(sept, member, "SS15 5ZZ")
    assert moved.stakeholder_class == sept.classes["Basildon"] and moved.is_active
    assert told(sept, member) == 1
    with scope(society=sept.society):
        entry = AuditEntry.objects.filter(action="member.own_details_changed").latest("id")
    assert entry.data["changes"]["moved_out_of"] == "Southend"
    assert entry.data["changes"]["stakeholder_class"] == "Basildon"
    # A move within the area changes nothing else.
    assert move(sept, moved, "SS14 1AA").stakeholder_class == sept.classes["Basildon"]
    assert told(sept, member) == 1


def test_a_member_who_moves_where_no_constituency_is_ceased(sept):
    member = member_in(sept, "Southend", "SS1 1AA")
    moved = move(sept, member, "CM1 1AA")
    assert moved.cessation_reason == CessationReason.INELIGIBLE
    assert moved.cessation_reference == "Moved out of the Southend area"
    assert told(sept, member) == 1


def test_where_the_rules_say_so_any_move_out_of_the_area_ends_membership(sept):
    Society.objects.filter(pk=sept.society.pk).update(moved_out_of_area=MovedOutOfArea.CEASE)
    sept.society.refresh_from_db()
    member = member_in(sept, "Southend", "SS1 1AA")
    member.society = sept.society
    moved = move(sept, member, "SS15 5ZZ", own=False)
    assert not moved.is_active and moved.stakeholder_class == sept.classes["Southend"]


def test_staff_move_anywhere(sept):
    member = member_in(sept, "Staff", "SS1 1AA")
    moved = move(sept, member, "CM1 1AA")
    assert moved.is_active and moved.stakeholder_class == sept.classes["Staff"]
    assert told(sept, member) == 0
