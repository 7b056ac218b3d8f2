"""A members' vote on an applicant, end to end: the secretary puts the application to the vote
from its page, members vote, the count runs, the officer signs off and publishes, and the
published result admits (with the qualifying share) or declines."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from ballots import services
from ballots.models import Contest
from members import services as members
from members.models import Application, Member
from shares.models import ShareTransaction
from societies.models import AuditEntry, Society
from tests.ballots.conftest import add_members, close_contest
from tests.conftest import typed_datetime
from tests.members.conftest import application_values
from tests.shares.conftest import make_classes


@pytest.fixture
def by_vote(world):
    """A society that admits by members' vote, with a qualifying £1 share, and an
    application the board has referred to the members."""
    Society.objects.filter(pk=world.society.pk).update(admission_method="members_vote")
    world.society.refresh_from_db()
    with scope(society=world.society):
        make_classes(world.society)
        Member.objects.filter(society=world.society).update(
            admitted_on=timezone.localdate() - timedelta(days=400))
        application = members.submit_application(
            actor=None, society=world.society, values=application_values(world))
        members.admit_application(actor=world.users["secretary"], application=application,
                                  decided_on=timezone.localdate(),
                                  decision_reference="Board 2026/9")
        application.refresh_from_db()
    assert application.status == "awaiting_vote"
    world.application = application
    world.voters = add_members(world, 4)
    return world


def urls(world):
    slug, public_id = world.society.slug, world.application.public_id
    return (reverse("members:application", kwargs={"society_slug": slug,
                                                   "public_id": public_id}),
            reverse("ballots:put_to_vote", kwargs={"society_slug": slug,
                                                   "application_id": public_id}))


def window(opens_in_hours=1, closes_in_hours=48):
    now = timezone.now()
    return {
        "record_date": timezone.localdate().isoformat(),
        "voting_opens": typed_datetime(now + timedelta(hours=opens_in_hours)),
        "voting_closes": typed_datetime(now + timedelta(hours=closes_in_hours)),
    }


def put_to_vote_from_the_page(world) -> Contest:
    detail, put = urls(world)
    client = world.client("secretary")
    assert put in client.get(detail).content.decode()
    assert client.get(put).status_code == 200
    response = client.post(put, window())
    assert response.status_code == 302
    with scope(society=world.society):
        return Contest.objects.get(application=world.application)


def vote_and_publish(world, contest, answers):
    ro = world.users["returning_officer"]
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(
            voting_opens=timezone.now() - timedelta(minutes=5))
        contest.refresh_from_db()
        services.open_voting(actor=ro, contest=contest)
        contest.refresh_from_db()
    for voter, answer in zip(world.voters, answers, strict=False):
        page = reverse("ballots:contest", kwargs={"society_slug": world.society.slug,
                                                  "public_id": contest.public_id})
        client = world.client("member")
        client.force_login(voter.user)
        response = client.post(page, {"answer": answer})
        assert response.status_code == 200 and "receipt" in response.content.decode().lower()
    close_contest(contest, world)
    with scope(society=world.society):
        services.sign_off(actor=ro, contest=contest, name="Rita Officer",
                          on=timezone.localdate())
        services.publish_result(actor=ro, contest=contest)
        world.application.refresh_from_db()


def test_members_admit_an_applicant_by_their_vote(by_vote):
    world = by_vote
    contest = put_to_vote_from_the_page(world)
    assert contest.is_resolution and contest.election.title == "Admission of Grace Hopper"
    vote_and_publish(world, contest, ["for", "for", "for", "against"])
    application = world.application
    assert application.status == "admitted"
    with scope(society=world.society):
        member = application.member
        assert member.full_name == "Grace Hopper" and member.is_active
        issued = ShareTransaction.objects.get(member=member)
        assert (issued.shares, issued.amount_pence) == (1, 100)
        assert AuditEntry.objects.filter(action="member.admitted",
                                         data__by_members_vote=True).count() == 1
    detail, _ = urls(world)
    assert "Admitted" in world.client("secretary").get(detail).content.decode()


def test_members_decline_an_applicant_by_their_vote(by_vote):
    world = by_vote
    contest = put_to_vote_from_the_page(world)
    vote_and_publish(world, contest, ["against", "against", "for", "abstain"])
    assert world.application.status == "declined"
    assert world.application.member is None
    with scope(society=world.society):
        assert not Member.objects.filter(full_name="Grace Hopper").exists()


def test_a_vote_added_to_an_existing_election(by_vote):
    world = by_vote
    with scope(society=world.society):
        election = services.create_election(actor=world.users["secretary"],
                                            society=world.society, title="AGM 2026 ballot")
    _, put = urls(world)
    response = world.client("secretary").post(put, {**window(), "election": election.pk})
    assert response.status_code == 302
    with scope(society=world.society):
        assert Contest.objects.get(application=world.application).election == election


def test_a_bad_window_names_the_field_and_changes_nothing(by_vote):
    world = by_vote
    _, put = urls(world)
    client = world.client("secretary")
    response = client.post(put, window(opens_in_hours=48, closes_in_hours=1))
    assert response.status_code == 400
    assert "Voting closes: Voting must close after it opens." in response.content.decode()
    response = client.post(put, {**window(), "voting_opens": "soon"})
    assert response.status_code == 400 and "Voting opens:" in response.content.decode()
    with scope(society=world.society):
        assert not Contest.objects.exists()
        assert world.society.elections.count() == 0


def test_an_application_goes_to_the_vote_once(by_vote):
    world = by_vote
    put_to_vote_from_the_page(world)
    detail, put = urls(world)
    client = world.client("secretary")
    assert put not in client.get(detail).content.decode()
    assert client.post(put, window()).status_code == 302
    with scope(society=world.society):
        assert Contest.objects.filter(application=world.application).count() == 1


def test_only_an_application_awaiting_the_vote_can_be_put_to_it(world):
    with scope(society=world.society):
        application = members.submit_application(
            actor=None, society=world.society, values=application_values(world))
    put = reverse("ballots:put_to_vote", kwargs={"society_slug": world.society.slug,
                                                 "application_id": application.public_id})
    assert world.client("secretary").get(put).status_code == 404
    with scope(society=world.society):
        assert Application.objects.filter(pk=application.pk, status="pending").exists()


def test_a_member_cannot_put_an_application_to_the_vote(by_vote):
    _, put = urls(by_vote)
    assert by_vote.client("member").post(put, window()).status_code == 403
    with scope(society=by_vote.society):
        assert not Contest.objects.exists()


def test_the_application_page_shows_the_vote_once_put(by_vote):
    world = by_vote
    put_to_vote_from_the_page(world)
    detail, _ = urls(world)
    page = world.client("secretary").get(detail).content.decode()
    assert "Put to the members' vote in Admission of Grace Hopper" in page
