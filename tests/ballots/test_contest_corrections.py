"""Correcting a contest or resolution before voting opens, reordering the names, cancelling,
and extending an open poll (services; the pages are in test_contest_correction_views.py)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.utils import timezone
from django_scopes import scope

from ballots import services
from ballots.models import Candidate, Contest, ContestState
from ballots.services import BallotError
from notifications.models import Message, Notice
from societies.models import AuditEntry
from tests.ballots.conftest import add_members, make_contest


def snapshot(world) -> tuple:
    """Everything a refused correction must leave as it was."""
    with scope(society=world.society):
        return (
            list(Contest.objects.order_by("pk").values()),
            sorted((c, s) for c, s in Contest.stakeholder_classes.through.objects
                   .values_list("contest_id", "stakeholderclass_id")),
            list(Candidate.objects.order_by("pk").values()),
            AuditEntry.objects.count(), Message.objects.count(), Notice.objects.count(),
        )


def only_new_entry(world, before: int) -> AuditEntry:
    with scope(society=world.society):
        entries = list(AuditEntry.objects.order_by("id")[before:])
    assert len(entries) == 1, [e.action for e in entries]
    return entries[0]


def audit_count(world) -> int:
    with scope(society=world.society):
        return AuditEntry.objects.count()


def refused(world, call, message: str, field: str | None = None):
    before = snapshot(world)
    with scope(society=world.society), pytest.raises(BallotError, match=message) as caught:
        call()
    assert caught.value.field == field
    assert snapshot(world) == before


def ro(world):
    return world.users["returning_officer"]


# Changing a contest before voting opens


def test_a_contest_is_changed_before_voting_opens_with_old_and_new_values(world):
    contest = make_contest(world, open_now=False, candidates=2)
    before = audit_count(world)
    new_opens = contest.voting_opens + timedelta(days=1)
    with scope(society=world.society):
        changes = services.change_contest(
            actor=ro(world), contest=contest, classes=[world.classes["Parent"]],
            values={"title": "Parent seats", "seats": 2, "method": "meek",
                    "voting_opens": new_opens, "seed": "2027-lot"})
        contest.refresh_from_db()
        assert (contest.title, contest.seats, contest.method, contest.seed) == (
            "Parent seats", 2, "meek", "2027-lot")
        assert contest.voting_opens == new_opens
        assert list(contest.stakeholder_classes.values_list("name", flat=True)) == ["Parent"]
    entry = only_new_entry(world, before)
    assert entry.action == "contest.changed" and entry.actor == ro(world)
    assert entry.data["changes"]["seats"] == [1, 2]
    assert entry.data["changes"]["title"] == ["Community seats", "Parent seats"]
    assert entry.data["changes"]["method"] == ["ers97", "meek"]
    assert entry.data["changes"]["voting_opens"][1] == new_opens.isoformat()
    assert entry.data["changes"]["stakeholder_classes"] == [[], ["Parent"]]
    assert changes == entry.data["changes"]


def test_saving_a_contest_unchanged_writes_nothing(world):
    contest = make_contest(world, open_now=False, candidates=0)
    before = snapshot(world)
    with scope(society=world.society):
        assert services.change_contest(actor=ro(world), contest=contest,
                                       values={"title": "Community seats", "seats": 1}) == {}
    assert snapshot(world) == before


def test_a_resolution_is_changed_text_kind_and_fraction(world):
    contest = make_contest(world, method="resolution", open_now=False)
    before = audit_count(world)
    with scope(society=world.society):
        services.change_contest(actor=world.users["secretary"], contest=contest, values={
            "resolution_text": "That the accounts for 2026 be received.",
            "resolution_kind": "special", "fraction_numerator": 3, "fraction_denominator": 4})
        contest.refresh_from_db()
        assert contest.resolution_kind == "special" and contest.fraction_numerator == 3
    entry = only_new_entry(world, before)
    assert entry.action == "resolution.changed" and entry.actor == world.users["secretary"]
    assert entry.data["changes"]["resolution_kind"] == ["ordinary", "special"]


@pytest.mark.parametrize("values,message,field", [
    ({"method": "plurality", "seats": 2}, "Plurality is for one seat", "seats"),
    ({"voting_closes_before_opens": True}, "close after it opens", "voting_closes"),
    ({"withdrawal_late": True}, "Withdrawals must close", "withdrawal_deadline"),
    ({"nominations_late": True}, "Nominations must close before", "nominations_close"),
    ({"method": "resolution"}, "cannot become a resolution", "method"),
    ({"min_shares_pence": 500}, "no share register", "min_shares_paid"),
])
def test_a_change_is_checked_as_at_creation_and_a_refusal_changes_nothing(world, values,
                                                                          message, field):
    contest = make_contest(world, open_now=False, candidates=2)
    values = dict(values)
    if values.pop("voting_closes_before_opens", False):
        values["voting_closes"] = contest.voting_opens - timedelta(minutes=1)
    if values.pop("withdrawal_late", False):
        values["withdrawal_deadline"] = contest.voting_opens + timedelta(hours=1)
    if values.pop("nominations_late", False):
        values["nominations_close"] = contest.voting_opens + timedelta(hours=1)
    refused(world, lambda: services.change_contest(actor=ro(world), contest=contest,
                                                   values=values), message, field)


def test_an_electorate_that_would_leave_out_a_nominee_is_refused(world):
    contest = make_contest(world, open_now=False, candidates=2)
    refused(world, lambda: services.change_contest(
        actor=ro(world), contest=contest, values={}, classes=[world.classes["Staff"]]),
        "would not be on the changed electorate", "stakeholder_classes")
    future = timezone.localdate() - timedelta(days=500)
    refused(world, lambda: services.change_contest(
        actor=ro(world), contest=contest, values={"record_date": future}),
        "would not be on the changed electorate", "record_date")


def test_nothing_but_the_close_changes_once_voting_opens(world):
    contest = make_contest(world, candidates=3)
    refused(world, lambda: services.change_contest(actor=ro(world), contest=contest,
                                                   values={"seats": 2}), "Voting has opened")
    refused(world, lambda: services.cancel_contest(actor=ro(world), contest=contest,
                                                   reason="Too late"), "Voting has opened")
    with scope(society=world.society):
        order = list(contest.candidates.order_by("-number"))
    refused(world, lambda: services.reorder_candidates(actor=ro(world), contest=contest,
                                                       order=order), "Voting has opened")


def test_a_resolution_on_a_meetings_agenda_is_changed_with_the_meeting(world):
    from boards import services as boards_services
    from boards.models import MeetingKind

    held_on = timezone.localdate() + timedelta(weeks=8)
    with scope(society=world.society):
        meeting = boards_services.schedule_meeting(
            actor=world.users["secretary"], society=world.society, kind=MeetingKind.AGM,
            held_on=held_on, place="The hall")
        item = boards_services.put_resolution_on_agenda(
            actor=world.users["secretary"], meeting=meeting, title="Accounts",
            text="That the accounts be received.", record_date=timezone.localdate(),
            voting_opens=timezone.now() + timedelta(days=7),
            voting_closes=timezone.now() + timedelta(days=14))
        contest = item.resolution
        assert services.agenda_meeting(contest) == str(meeting)
    refused(world, lambda: services.change_contest(actor=ro(world), contest=contest,
                                                   values={"title": "Other"}),
            "on the agenda of")
    refused(world, lambda: services.cancel_contest(actor=ro(world), contest=contest,
                                                   reason="No"), "on the agenda of")


# The order of names


def test_the_returning_officer_sets_the_order_of_names_before_voting_opens(world):
    contest = make_contest(world, open_now=False, candidates=3)
    with scope(society=world.society):
        first, second, third = contest.candidates.order_by("number")
    before = audit_count(world)
    with scope(society=world.society):
        names = services.reorder_candidates(actor=ro(world), contest=contest,
                                            order=[third, first, second])
        assert list(contest.candidates.order_by("number").values_list("pk", flat=True)) == [
            third.pk, first.pk, second.pk]
    entry = only_new_entry(world, before)
    assert entry.action == "contest.candidates_reordered" and entry.actor == ro(world)
    assert entry.data["changes"]["order"] == [[first.name, second.name, third.name], names]


def test_an_order_that_leaves_out_a_candidate_is_refused(world):
    contest = make_contest(world, open_now=False, candidates=3)
    with scope(society=world.society):
        first, second, _third = contest.candidates.order_by("number")
    refused(world, lambda: services.reorder_candidates(actor=ro(world), contest=contest,
                                                       order=[second, first]),
            "every candidate exactly one place")


# Cancelling


def test_a_cancelled_contest_never_opens_and_its_candidates_are_told(world):
    contest = make_contest(world, open_now=False, candidates=3)
    with scope(society=world.society):
        withdrawn = contest.candidates.order_by("number").last()
        services.withdraw_candidate(actor=ro(world), candidate=withdrawn)
    before = audit_count(world)
    with scope(society=world.society):
        services.cancel_contest(actor=ro(world), contest=contest,
                                reason="The seats were abolished by the rule change.")
        contest.refresh_from_db()
        assert contest.state == ContestState.CANCELLED and contest.cancelled_at is not None
        assert contest.cancellation_reason == "The seats were abolished by the rule change."
        told = Message.objects.filter(notice__kind="ballots.contest_cancelled")
        assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
            contest.candidates.filter(withdrawn_at__isnull=True).values_list("member_id",
                                                                              flat=True))
        assert "abolished" in told.first().body_text
    entry = only_new_entry(world, before)
    assert entry.action == "contest.cancelled" and entry.actor == ro(world)
    assert entry.data["candidates_told"] == 2
    # Past its opening time, the schedule does not find it, and opening it does nothing.
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(
            nominations_open=timezone.now() - timedelta(days=3),
            nominations_close=timezone.now() - timedelta(hours=2),
            voting_opens=timezone.now() - timedelta(minutes=1))
    assert (world.society.pk, contest.pk) not in services.due_contests("open", timezone.now())
    with scope(society=world.society):
        contest.refresh_from_db()
        assert services.open_voting(actor=None, contest=contest) is False
        contest.refresh_from_db()
        assert contest.state == ContestState.CANCELLED and not contest.roll.exists()


def test_nothing_more_happens_in_a_cancelled_contest(world):
    contest = make_contest(world, open_now=False, candidates=2)
    voters = add_members(world, 3, start=700)
    with scope(society=world.society):
        services.cancel_contest(actor=ro(world), contest=contest, reason="Held in error.")
        contest.refresh_from_db()
        candidate = contest.candidates.first()
    refused(world, lambda: services.nominate(
        actor=ro(world), contest=contest, nominated_by=None, candidate=voters[0],
        proposer=voters[1], seconder=voters[2], by_officer=True), "Nominations are closed")
    refused(world, lambda: services.change_contest(actor=ro(world), contest=contest,
                                                   values={"seats": 2}), "was cancelled")
    refused(world, lambda: services.cancel_contest(actor=ro(world), contest=contest,
                                                   reason="Again"), "was cancelled")
    refused(world, lambda: services.declare_unopposed(actor=ro(world), contest=contest),
            "still being prepared")
    refused(world, lambda: services.record_paper_consent(
        actor=ro(world), candidate=candidate, signed_on=timezone.localdate(),
        witness="A. Witness"), "too late")


def test_a_cancellation_needs_a_reason(world):
    contest = make_contest(world, open_now=False, candidates=0)
    refused(world, lambda: services.cancel_contest(actor=ro(world), contest=contest,
                                                   reason="  \n "), "Give the reason", "reason")


def test_the_database_refuses_a_cancellation_without_its_time_and_reason(world):
    contest = make_contest(world, open_now=False, candidates=0)
    with scope(society=world.society), pytest.raises(IntegrityError), transaction.atomic():
        Contest.objects.filter(pk=contest.pk).update(state=ContestState.CANCELLED)


# Extending an open poll


def test_an_open_poll_is_extended_and_everyone_on_the_roll_is_told(world):
    contest = make_contest(world, candidates=3)
    old = contest.voting_closes
    new = old + timedelta(days=3)
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(reminders_sent=True)
        contest.refresh_from_db()
    before = audit_count(world)
    with scope(society=world.society):
        services.extend_voting(actor=ro(world), contest=contest, closes=new)
        contest.refresh_from_db()
        assert contest.voting_closes == new and contest.reminders_sent is False
        told = Message.objects.filter(notice__kind="ballots.poll_extended")
        assert told.count() == contest.roll_size
        assert "now closes on" in told.first().body_text
    entry = only_new_entry(world, before)
    assert entry.action == "contest.close_extended" and entry.actor == ro(world)
    assert entry.data["changes"]["voting_closes"] == [old.isoformat(), new.isoformat()]
    assert entry.data["notified"] == contest.roll_size


def test_a_poll_is_never_shortened_nor_reopened(world):
    contest = make_contest(world, candidates=3)
    refused(world, lambda: services.extend_voting(
        actor=ro(world), contest=contest, closes=contest.voting_closes - timedelta(hours=1)),
        "never shortened", "voting_closes")
    refused(world, lambda: services.extend_voting(
        actor=ro(world), contest=contest, closes=contest.voting_closes),
        "never shortened", "voting_closes")
    after_close = contest.voting_closes + timedelta(seconds=1)
    refused(world, lambda: services.extend_voting(
        actor=ro(world), contest=contest, closes=contest.voting_closes + timedelta(days=1),
        now=after_close), "cannot be reopened", "voting_closes")
    draft = make_contest(world, open_now=False, title="Staff seats", candidates=0)
    refused(world, lambda: services.extend_voting(
        actor=ro(world), contest=draft, closes=draft.voting_closes + timedelta(days=1)),
        "Only an open poll")


def test_the_close_task_leaves_an_extended_poll_open(world):
    contest = make_contest(world, candidates=3)
    now = timezone.now()
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(voting_closes=now + timedelta(minutes=1))
        contest.refresh_from_db()
    # The close task read the due list at its `now`, then the officer extended the poll.
    due_at = now + timedelta(minutes=2)
    assert (world.society.pk, contest.pk) in services.due_contests("close", due_at)
    with scope(society=world.society), TestCase.captureOnCommitCallbacks(execute=True):
        services.extend_voting(actor=ro(world), contest=contest, closes=now + timedelta(days=2))
        with pytest.raises(BallotError, match="cannot close before"):
            services.close_voting(actor=None, contest=contest, now=due_at)
        contest.refresh_from_db()
        assert contest.state == ContestState.OPEN
