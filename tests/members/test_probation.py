"""A probation period before the members' vote (Sunshine Care: staff may join six months after
their employment began, subject to a vote of the existing members). The application records
when the employment began; it cannot be referred to the vote, nor a vote on it opened, before
the period has passed, and the refusal says from when it can be."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from ballots import services as ballots
from ballots.services import BallotError
from members import services
from members.models import Application, ApplicationStatus
from members.services import MemberError
from societies.models import AdmissionMethod, Society
from tests.members.conftest import application_values

PROBATION = 180


@pytest.fixture
def sunshine(world):
    Society.objects.filter(pk=world.society.pk).update(
        admission_method=AdmissionMethod.MEMBERS_VOTE, probation_days=PROBATION)
    world.society.refresh_from_db()
    return world


def submit(world, **overrides):
    with scope(society=world.society):
        return services.submit_application(actor=None, society=world.society,
                                           values=application_values(world, **overrides))


def refer(world, application, decided_on):
    with scope(society=world.society):
        return services.admit_application(
            actor=world.users["secretary"], application=application, decided_on=decided_on,
            decision_reference="Board item 4")


def on(day) -> str:
    return f"{day.day} {day:%B %Y}"


def test_an_application_cannot_go_to_the_vote_before_the_probation_ends(sunshine):
    today = timezone.localdate()
    began = today - timedelta(days=100)
    application = submit(sunshine, relationship_started_on=began)
    possible = began + timedelta(days=PROBATION)
    assert application.vote_possible_from == possible
    with pytest.raises(MemberError) as refused:
        refer(sunshine, application, today)
    assert f"from {on(possible)}" in str(refused.value)
    assert f"began ({on(began)})" in str(refused.value)
    with scope(society=sunshine.society):
        assert Application.objects.get().status == ApplicationStatus.PENDING


def test_once_the_probation_has_passed_the_board_refers_it(sunshine):
    today = timezone.localdate()
    application = submit(sunshine, relationship_started_on=today - timedelta(days=PROBATION))
    referred = refer(sunshine, application, today)
    assert referred.status == ApplicationStatus.AWAITING_VOTE


def test_the_start_is_required_and_never_in_the_future(sunshine):
    with pytest.raises(MemberError, match="probation period of 180 days"):
        submit(sunshine)
    with pytest.raises(MemberError, match="in the future"):
        submit(sunshine, relationship_started_on=timezone.localdate() + timedelta(days=1))
    with scope(society=sunshine.society):
        assert not Application.objects.exists()


def test_without_a_recorded_start_the_period_runs_from_the_application(world):
    application = submit(world)  # the society had no probation period then
    Society.objects.filter(pk=world.society.pk).update(
        admission_method=AdmissionMethod.MEMBERS_VOTE, probation_days=PROBATION)
    world.society.refresh_from_db()
    arrived = timezone.localdate(application.submitted_at)
    with pytest.raises(MemberError, match="the day the application arrived") as refused:
        refer(world, application, arrived)
    assert on(arrived + timedelta(days=PROBATION)) in str(refused.value)


def test_no_vote_opens_before_the_probation_ends(sunshine):
    today = timezone.localdate()
    application = submit(sunshine, relationship_started_on=today - timedelta(days=PROBATION))
    refer(sunshine, application, today)
    # The society lengthens its period after the referral: the vote waits for the new end.
    Society.objects.filter(pk=sunshine.society.pk).update(probation_days=PROBATION + 30)
    with scope(society=sunshine.society):
        application = Application.objects.select_related("society").get()
        now = timezone.now()
        with pytest.raises(BallotError, match="can be put to the members' vote from"):
            ballots.put_application_to_vote(
                actor=sunshine.users["secretary"], application=application, election=None,
                voting_opens=now + timedelta(hours=1), voting_closes=now + timedelta(days=2),
                record_date=today)
        later = now + timedelta(days=31)
        contest = ballots.put_application_to_vote(
            actor=sunshine.users["secretary"], application=application, election=None,
            voting_opens=later, voting_closes=later + timedelta(days=2), record_date=today)
    assert contest.application_id == application.pk


def url(world, name, **kwargs):
    return reverse(f"members:{name}", kwargs={"society_slug": world.society.slug, **kwargs})


def form(world, **overrides):
    return {"stakeholder_class": world.classes["Staff"].pk, "full_name": "Ada Lovelace",
            "address": "1 Engine Row\nLondon", "postcode": "n1 9gu",
            "date_of_birth": "1990-12-10", "contact_channel": "post", "agree_rules": "on",
            **overrides}


def test_the_form_asks_for_the_start_and_the_lists_show_when_the_vote_can_be(sunshine):
    client = sunshine.client("anonymous")
    assert "employment (or other relationship" in client.get(url(sunshine, "apply")).text
    missing = client.post(url(sunshine, "apply"), form(sunshine))
    assert missing.status_code == 400 and "This field is required" in missing.text
    ahead = (timezone.localdate() + timedelta(days=3)).isoformat()
    future = client.post(url(sunshine, "apply"), form(sunshine, relationship_started_on=ahead))
    assert future.status_code == 400 and "this date is in the future" in future.text
    with scope(society=sunshine.society):
        assert not Application.objects.exists()
    began = timezone.localdate() - timedelta(days=10)
    done = client.post(url(sunshine, "apply"),
                       form(sunshine, relationship_started_on=began.isoformat()))
    assert done.status_code == 302
    with scope(society=sunshine.society):
        application = Application.objects.get()
    assert application.relationship_started_on == began

    secretary = sunshine.client("secretary")
    possible = began + timedelta(days=PROBATION)
    listing = secretary.get(url(sunshine, "applications")).text
    assert "Vote possible from" in listing and f"{possible:%-d %b %Y}" in listing
    page = secretary.get(url(sunshine, "application", public_id=application.public_id)).text
    assert "Can be put to the members' vote from" in page and on(possible) in page
    refused = secretary.post(url(sunshine, "application_admit",
                                 public_id=application.public_id),
                             {"admit-decided_on": timezone.localdate().isoformat(),
                              "admit-decision_reference": "Board 4"})
    assert refused.status_code == 400 and f"from {on(possible)}" in refused.text


def test_societies_without_a_probation_period_do_not_ask(world):
    page = world.client("anonymous").get(url(world, "apply")).text
    assert "employment (or other relationship" not in page
    assert "Vote possible from" not in world.client("secretary").get(
        url(world, "applications")).text
