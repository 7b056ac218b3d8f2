"""Fixtures for elections: members to vote, contests with candidates, open polls."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from ballots import services
from ballots.models import Contest
from members.models import Member
from tests.ballotbox.conftest import tool  # noqa: F401 - the belenios-tool fixture


def add_members(world, count: int, cls: str = "Parent", start: int = 100) -> list[Member]:
    from tests.conftest import make_user

    made = []
    with scope(society=world.society):
        for i in range(count):
            n = start + i
            user = make_user(f"voter{n}@{world.society.slug}.test", full_name=f"Voter {n}")
            made.append(Member.objects.create(
                society=world.society, member_number=n, user=user, full_name=user.full_name,
                email=user.email, stakeholder_class=world.classes[cls],
                admitted_on=timezone.localdate() - timedelta(days=400),
            ))
    return made


def make_contest(world, *, method="ers97", seats=1, candidates=3, open_now=True,
                 classes=None, **values) -> Contest:
    """A contest with `candidates` consented candidates; opened (roll frozen) if open_now."""
    society = world.society
    ro = world.users["returning_officer"]
    now = timezone.now()
    with scope(society=society):
        for m in world.members.values():
            Member.objects.filter(pk=m.pk).update(
                admitted_on=timezone.localdate() - timedelta(days=400))
        start = 100 + 10 * Contest.objects.count()
        voters = add_members(world, max(candidates + 2, 5), start=start)
        election = services.create_election(actor=ro, society=society, title="2027 board election")
        fields = {
            "title": values.pop("title", "Community seats"), "method": method, "seats": seats,
            "record_date": timezone.localdate(),
            "nominations_open": now - timedelta(days=2),
            "nominations_close": now + timedelta(hours=1),
            "voting_opens": now + timedelta(hours=2),
            "voting_closes": now + timedelta(days=7),
        }
        if method == "resolution":
            fields.update(resolution_text="That the accounts be received.",
                          resolution_kind="ordinary", nominations_open=None,
                          nominations_close=None)
        fields.update(values)
        contest = services.create_contest(
            actor=ro, election=election, values=fields,
            classes=[world.classes[c] for c in (classes or [])])
        if method != "resolution":
            for i in range(candidates):
                c = services.nominate(actor=ro, contest=contest, nominated_by=None,
                                      candidate=voters[i], proposer=voters[-1],
                                      seconder=voters[-2])
                services.consent_to_stand(actor=voters[i].user, candidate=c, member=voters[i],
                                          statement=f"I am candidate {i + 1}.")
        if open_now:
            open_contest(contest, world)
        contest.voters = voters
    return contest


def open_contest(contest, world, *, open_it=True):
    """Move nominations into the past and the opening to an hour ago; then open the poll
    (roll frozen), unless `open_it` is False."""
    now = timezone.now()
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(
            nominations_close=now - timedelta(hours=2),
            nominations_open=now - timedelta(days=3),
            voting_opens=now - timedelta(hours=1))
        contest.refresh_from_db()
        if open_it:
            services.open_voting(actor=world.users["returning_officer"], contest=contest)
            contest.refresh_from_db()
    return contest


def close_contest(contest, world):
    """Close the poll at its time; the count it queues runs (eagerly) after commit."""
    from django.test import TestCase

    now = timezone.now()
    with scope(society=world.society), TestCase.captureOnCommitCallbacks(execute=True):
        Contest.objects.filter(pk=contest.pk).update(
            voting_opens=now - timedelta(days=2), voting_closes=now - timedelta(seconds=1))
        contest.refresh_from_db()
        services.close_voting(actor=world.users["returning_officer"], contest=contest)
        contest.refresh_from_db()
    return contest


@pytest.fixture
def contest(world):
    return make_contest(world)
