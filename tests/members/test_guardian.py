"""Members from 12 (South Essex Partnership Trust): where the society asks for it, an applicant
under 16 gives a parent's or guardian's name and contact, kept with the membership and shown on
the record; applicants of 16 and over are not asked."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from members import services
from members.models import Application, Member
from members.services import MemberError
from societies.models import Society, StakeholderClass
from tests.conftest import anniversary
from tests.members.conftest import application_values


@pytest.fixture
def sept(world):
    Society.objects.filter(pk=world.society.pk).update(minimum_member_age=12,
                                                       guardian_for_under_16=True)
    world.society.refresh_from_db()
    with scope(society=world.society):
        StakeholderClass.objects.filter(pk=world.classes["Parent"].pk).update(minimum_age=None)
        world.classes["Parent"].refresh_from_db()
    return world


def thirteen():
    return anniversary(timezone.localdate(), -13) - timedelta(days=1)


def submit(world, **overrides):
    with scope(society=world.society):
        return services.submit_application(actor=None, society=world.society,
                                           values=application_values(world, **overrides))


def test_an_under_16_gives_a_guardian_kept_on_admission(sept):
    with pytest.raises(MemberError, match="parent or guardian"):
        submit(sept, date_of_birth=thirteen())
    application = submit(sept, date_of_birth=thirteen(), guardian_name="Pat Hopper",
                         guardian_contact="01702 555 010")
    with scope(society=sept.society):
        admitted = services.admit_application(
            actor=sept.users["secretary"], application=application,
            decided_on=timezone.localdate(), decision_reference="Board 7")
    member = admitted.member
    assert (member.guardian_name, member.guardian_contact) == ("Pat Hopper", "01702 555 010")
    page = sept.client("secretary").get(reverse("members:member", kwargs={
        "society_slug": sept.society.slug, "public_id": member.public_id})).text
    assert "Pat Hopper: 01702 555 010" in page


def test_adults_and_societies_that_do_not_ask_need_none(sept, world):
    assert submit(sept, full_name="Adult", email="adult@example.org").guardian_name == ""
    Society.objects.filter(pk=world.society.pk).update(guardian_for_under_16=False)
    world.society.refresh_from_db()
    assert submit(world, date_of_birth=thirteen()).guardian_name == ""


def test_the_form_asks_under_16s_for_the_guardian(sept):
    url = reverse("members:apply", kwargs={"society_slug": sept.society.slug})
    client = sept.client("anonymous")
    assert "Name of a parent or guardian" in client.get(url).text
    data = {"stakeholder_class": sept.classes["Parent"].pk, "full_name": "Young Member",
            "address": "2 School Lane", "date_of_birth": thirteen().isoformat(),
            "contact_channel": "post", "agree_rules": "on"}
    refused = client.post(url, data)
    assert refused.status_code == 400 and "Applicants under 16 give this." in refused.text
    with scope(society=sept.society):
        assert not Application.objects.exists()
    done = client.post(url, {**data, "guardian_name": "Sam Young",
                             "guardian_contact": "sam@example.org"})
    assert done.status_code == 302
    with scope(society=sept.society):
        assert Application.objects.get().guardian_contact == "sam@example.org"
        assert not Member.objects.filter(full_name="Young Member").exists()


def test_the_secretary_cannot_clear_an_under_16s_guardian(sept):
    application = submit(sept, date_of_birth=thirteen(), guardian_name="Pat Hopper",
                         guardian_contact="01702 555 010")
    with scope(society=sept.society):
        member = services.admit_application(
            actor=sept.users["secretary"], application=application,
            decided_on=timezone.localdate(), decision_reference="Board 7").member
        with pytest.raises(MemberError, match="parent or guardian"):
            services.update_member(actor=sept.users["secretary"], member=member,
                                   values={"guardian_contact": ""})
        assert Member.objects.get(pk=member.pk).guardian_contact == "01702 555 010"
        services.update_member(actor=sept.users["secretary"], member=member,
                               values={"guardian_contact": "pat@example.org"})
        assert Member.objects.get(pk=member.pk).guardian_contact == "pat@example.org"
