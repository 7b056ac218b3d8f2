"""Reminders the returning officer schedules before the close: only to those who have not
voted, each once, letters only where the post can arrive in time, and the counts shown."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django_scopes import scope

from ballots import services
from ballots.models import ContestReminder
from ballots.tasks import send_due_reminders
from members.models import Member
from notifications.models import Message, Notice
from societies.models import AuditEntry, Society
from tests.ballots.conftest import make_contest
from tests.ballots.test_ballot_views import url
from tests.conftest import build_society, is_postgres
from tests.societies.test_concurrency import run_together

# A Monday morning in March (GMT): nothing here depends on the day the tests run.
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def long_poll(world):
    """An open poll closing ten days from START, three voters reached by email."""
    contest = make_contest(world, voting_closes=START + timedelta(days=10))
    with scope(society=world.society):
        Member.objects.filter(pk__in=[v.pk for v in contest.voters[:3]]).update(
            contact_channel="email", electronic_consent=True)
    return contest


def reminder(world, contest, days: int) -> ContestReminder:
    with scope(society=world.society):
        return ContestReminder.objects.get(contest=contest, days_before=days)


def vote(world, contest, voter):
    with scope(society=world.society):
        first = contest.candidates.get(number=1).public_id
        services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                             choices=[str(first)])


def reminded(world, days: int) -> set[int]:
    """Members who got the reminder `days` before the close."""
    with scope(society=world.society):
        r = ContestReminder.objects.get(days_before=days)
        return set(Message.objects.filter(notice=r.notice).values_list("recipient_id",
                                                                        flat=True))


def non_voters(world, contest) -> set[int]:
    with scope(society=world.society):
        return set(contest.roll.filter(voted_on__isnull=True).values_list("member_id",
                                                                          flat=True))


def entries(world, action: str) -> list[AuditEntry]:
    with scope(society=world.society):
        return list(AuditEntry.objects.filter(action=action).order_by("id"))


# The schedule every contest starts with


def test_a_new_contest_is_reminded_7_and_2_days_before_its_close(world, clock):
    contest = make_contest(world, open_now=False, voting_closes=START + timedelta(days=14))
    with scope(society=world.society):
        assert list(contest.scheduled_reminders.values_list("days_before", flat=True)) == [7, 2]


def test_a_poll_shorter_than_a_week_starts_with_the_2_day_reminder_only(world, clock):
    contest = make_contest(world, open_now=False, voting_closes=START + timedelta(days=5))
    with scope(society=world.society):
        assert list(contest.scheduled_reminders.values_list("days_before", flat=True)) == [2]


# Sending: only to those who have not voted, each reminder once


def test_a_reminder_goes_only_to_members_who_have_not_voted(world, clock):
    contest = long_poll(world)
    vote(world, contest, contest.voters[0])  # reached by email, but has voted
    vote(world, contest, contest.voters[3])  # would get a letter, but has voted
    clock.move_to(START + timedelta(days=3, minutes=1))  # the 7-day reminder is due
    assert send_due_reminders() == 1
    assert reminded(world, 7) == non_voters(world, contest)
    assert not reminded(world, 7) & {contest.voters[0].pk, contest.voters[3].pk}
    sent = reminder(world, contest, 7)
    assert (sent.emailed, sent.letters, sent.too_late_for_post) == (
        2, len(non_voters(world, contest)) - 2, 0)
    assert sent.sent_at == START + timedelta(days=3, minutes=1)
    [entry] = entries(world, "contest.reminder_sent")
    assert entry.actor is None
    assert entry.data == {"days_before": 7, "emailed": 2, "letters": sent.letters,
                          "too_late_for_post": 0}
    assert reminder(world, contest, 2).sent_at is None


def test_a_reminder_is_not_sent_before_it_is_due_and_only_once(world, clock):
    contest = long_poll(world)
    clock.move_to(START + timedelta(days=3) - timedelta(minutes=1))
    assert send_due_reminders() == 0
    clock.move_to(START + timedelta(days=3))
    assert send_due_reminders() == 1
    assert send_due_reminders() == 0
    with scope(society=world.society):
        sent = reminder(world, contest, 7)
        assert Notice.objects.filter(kind="ballots.reminder").count() == 1
        assert Message.objects.filter(notice=sent.notice).count() == len(
            non_voters(world, contest))
        assert services.send_scheduled_reminder(actor=None, reminder=sent) is None
    assert len(entries(world, "contest.reminder_sent")) == 1


def test_a_reminder_missed_while_the_poll_was_closed_is_never_sent(world, clock):
    contest = long_poll(world)
    clock.move_to(START + timedelta(days=11))  # after the close
    assert send_due_reminders() == 0
    assert reminder(world, contest, 7).sent_at is None


def test_letters_are_skipped_when_they_would_arrive_too_late(world, clock):
    contest = long_poll(world)
    vote(world, contest, contest.voters[4])
    clock.move_to(START + timedelta(days=8))  # both reminders due; posting takes 2 days
    assert send_due_reminders() == 2
    early, late = reminder(world, contest, 7), reminder(world, contest, 2)
    by_post = len(non_voters(world, contest)) - 3
    assert (early.emailed, early.letters, early.too_late_for_post) == (3, by_post, 0)
    assert (late.emailed, late.letters, late.too_late_for_post) == (3, 0, by_post)
    with scope(society=world.society):
        assert set(Message.objects.filter(notice=late.notice).values_list(
            "channel", flat=True)) == {"email"}
    assert reminded(world, 2) == {v.pk for v in contest.voters[:3]}


def test_a_shorter_posting_time_lets_the_2_day_reminder_go_by_letter(world, clock):
    Society.objects.filter(pk=world.society.pk).update(posting_days=1)
    contest = long_poll(world)
    clock.move_to(START + timedelta(days=8))
    send_due_reminders()
    late = reminder(world, contest, 2)
    assert late.letters == len(non_voters(world, contest)) - 3
    assert late.too_late_for_post == 0


# Concurrency: two workers run the same reminder at once


@pytest.mark.postgres
def test_two_workers_sending_one_reminder_at_once_send_it_once(transactional_db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks: runs in CI's PostgreSQL leg")
    world = build_society("millmead", "Millmead Children's Centre")
    with time_machine.travel(START, tick=False):
        contest = long_poll(world)
    due = START + timedelta(days=3, hours=1)
    r = reminder(world, contest, 7)

    def send():
        with scope(society=world.society):
            return services.send_scheduled_reminder(actor=None, reminder=r, now=due)

    results = run_together(send, send)
    assert sum(isinstance(x, ContestReminder) for x in results) == 1
    assert sum(x is None for x in results) == 1
    with scope(society=world.society):
        assert Notice.objects.filter(kind="ballots.reminder").count() == 1
        assert Message.objects.filter(notice__kind="ballots.reminder").count() == len(
            non_voters(world, contest))
    assert len(entries(world, "contest.reminder_sent")) == 1


# The returning officer's page


def add(world, contest, days) -> object:
    return world.client("returning_officer").post(
        url(world, "add_reminder", public_id=contest.public_id), {"reminder-days_before": days})


def scheduled(world, contest) -> list[int]:
    with scope(society=world.society):
        return list(contest.scheduled_reminders.values_list("days_before", flat=True))


def test_the_officer_adds_a_reminder_and_it_is_audited(world, clock):
    contest = long_poll(world)
    response = add(world, contest, "4")
    assert response.status_code == 302
    assert scheduled(world, contest) == [7, 4, 2]
    [entry] = entries(world, "contest.reminder_added")
    assert entry.actor == world.users["returning_officer"] and entry.data == {"days_before": 4}


@pytest.mark.parametrize(("days", "says"), [
    ("0", "Give at least 1 day before the close."),
    ("-3", "Give at least 1 day before the close."),
    ("61", "Give at most 60 days before the close."),
    ("two", "Give a whole number of days, from 1 to 60."),
    ("", "Give the number of days before the close, from 1 to 60."),
    ("2", "There is already a reminder 2 days before the close."),
    ("11", "The poll lasts 10 days and 1 hour: a reminder 11 days before the close would go "
           "before voting opens. Choose fewer days."),
    ("10", "A reminder 10 days before the close was due on 1 March 2027 at 09:00, which has "
           "passed."),
    ("60", "The poll lasts 10 days and 1 hour"),
])
def test_bad_days_are_refused_with_the_reason_on_the_field(world, clock, days, says):
    contest = long_poll(world)
    before = len(entries(world, "contest.reminder_added"))
    response = add(world, contest, days)
    assert response.status_code == 400
    page = response.content.decode()
    assert says in page
    assert 'id="reminders-heading"' in page  # the manage page itself, with the error
    assert 'name="reminder-days_before"' in page
    assert scheduled(world, contest) == [7, 2]
    assert len(entries(world, "contest.reminder_added")) == before


def test_a_reminder_whose_day_has_passed_cannot_be_added(world, clock):
    contest = long_poll(world)
    clock.move_to(START + timedelta(days=6))
    response = add(world, contest, "5")
    assert response.status_code == 400
    assert "which has passed. Choose fewer days." in response.content.decode()
    assert scheduled(world, contest) == [7, 2]


def test_an_unsent_reminder_is_removed_and_a_sent_one_stays(world, clock):
    contest = long_poll(world)
    client = world.client("returning_officer")
    late = reminder(world, contest, 2)
    response = client.post(url(world, "remove_reminder", public_id=contest.public_id,
                               reminder_id=late.public_id))
    assert response.status_code == 302
    assert scheduled(world, contest) == [7]
    assert entries(world, "contest.reminder_removed")[0].data == {"days_before": 2}
    clock.move_to(START + timedelta(days=3))
    send_due_reminders()
    early = reminder(world, contest, 7)
    response = client.post(url(world, "remove_reminder", public_id=contest.public_id,
                               reminder_id=early.public_id), follow=True)
    assert "This reminder has been sent: it stays on the record." in response.content.decode()
    assert scheduled(world, contest) == [7]


def test_the_manage_page_shows_each_reminder_and_what_was_sent(world, clock):
    contest = long_poll(world)
    clock.move_to(START + timedelta(days=3, hours=2))
    send_due_reminders()
    page = world.client("returning_officer").get(
        url(world, "manage_contest", public_id=contest.public_id)).content.decode()
    letters = len(non_voters(world, contest)) - 3
    assert "7 days before the close (due 4 March 2027 09:00)" in page
    assert f"Sent 4 Mar — 3 emails, {letters} letters, 0 too late for post" in page
    assert "2 days before the close (due 9 March 2027 09:00)" in page
    assert "Not yet" in page
    assert "Add a reminder" in page


@pytest.mark.parametrize(("persona", "status"), [
    ("secretary", 403), ("board_member", 403), ("auditor", 403), ("member", 403),
    ("outsider", 404), ("anonymous", 302),
])
def test_only_the_returning_officer_sets_reminders(world, clock, persona, status):
    contest = long_poll(world)
    late = reminder(world, contest, 2)
    client = world.client(persona)
    assert client.post(url(world, "add_reminder", public_id=contest.public_id),
                       {"reminder-days_before": "4"}).status_code == status
    assert client.post(url(world, "remove_reminder", public_id=contest.public_id,
                           reminder_id=late.public_id)).status_code == status
    assert scheduled(world, contest) == [7, 2]


def test_another_societys_reminder_is_not_found(world, clock):
    contest = long_poll(world)
    with time_machine.travel(START, tick=False):
        theirs = make_contest(world.other, open_now=False,
                              voting_closes=START + timedelta(days=10))
    foreign = reminder(world.other, theirs, 2)
    response = world.client("returning_officer").post(
        url(world, "remove_reminder", public_id=contest.public_id,
            reminder_id=foreign.public_id))
    assert response.status_code == 404
    assert scheduled(world.other, theirs) == [7, 2]


# The society's posting days


def test_the_secretary_sets_how_long_a_letter_takes(world):
    from tests.societies.test_views import settings_post
    from tests.societies.test_views import url as society_url

    response = world.client("secretary").post(society_url("societies:settings_edit", world),
                                              settings_post(world, posting_days=3))
    assert response.status_code == 302
    world.society.refresh_from_db()
    assert world.society.posting_days == 3
    response = world.client("secretary").post(society_url("societies:settings_edit", world),
                                              settings_post(world, posting_days=31))
    assert response.status_code == 400
    world.society.refresh_from_db()
    assert world.society.posting_days == 3


def test_contests_made_before_reminders_were_scheduled_get_the_defaults_if_not_open(world,
                                                                                      clock):
    """The migration that brought scheduled reminders: drafts get 7 and 2 days, open polls
    (already reminded the day before their close) get none, so nothing is sent at once."""
    from importlib import import_module

    from django.apps import apps

    draft = make_contest(world, open_now=False, voting_closes=START + timedelta(days=14))
    running = long_poll(world)
    with scope(society=world.society):
        ContestReminder.objects.all().delete()
    import_module("ballots.migrations.0008_contest_reminders").schedule_default_reminders(
        apps, None)
    assert scheduled(world, draft) == [7, 2]
    assert scheduled(world, running) == []
