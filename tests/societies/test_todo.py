"""The society's home says what needs doing, to each visitor what their roles let them do."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from ballots import todo as ballot_todo
from boards import todo as board_todo
from boards.models import Meeting, MeetingKind
from members import services as member_services
from members import todo as member_todo
from members.visitors import visitor_for
from notifications import todo as notice_todo
from notifications.models import Channel, Message, Notice
from shares import todo as share_todo
from shares.models import ShareClass, WithdrawalRequest, WithdrawalStatus
from societies import todo
from tests.ballots.conftest import make_contest
from tests.members.conftest import application_values

HOME = "societies:home"


def home(world, persona):
    page = world.client(persona).get(reverse(HOME, kwargs={"society_slug": "millmead"}))
    assert page.status_code == 200
    return page.content.decode()


def visitor(world, persona):
    with scope(society=world.society):
        return visitor_for(world.users[persona], world.society)


def shown(items):
    """What the home shows of a provider's items: none that count nothing."""
    return [item for item in items if item.count is None or item.count > 0]


def test_the_home_asks_only_the_providers_a_visitor_may_use(world, monkeypatch):
    asked = []

    def provider(society, visitor, now):
        asked.append(society)
        return [todo.Todo("2 things", "/x/", count=2), todo.Todo("nothing", "/y/", count=0),
                todo.Todo("the next thing", "/z/"), todo.Todo("a late thing", "/l/", count=1,
                                                            overdue=True)]

    monkeypatch.setattr(todo, "_PROVIDERS", [])
    todo.register(provider, permissions={"members:manage"})
    now = timezone.now()
    assert todo.items_for(world.society, visitor(world, "member"), now) == []
    assert asked == []
    labels = [item.label for item in todo.items_for(world.society, visitor(world, "secretary"),
                                                    now)]
    assert labels == ["a late thing", "2 things", "the next thing"]


def test_a_secretary_with_nothing_waiting_is_told_so(world):
    assert "Nothing is waiting for you here now." in home(world, "secretary")


def test_applications_waiting_link_to_the_applications(world):
    with scope(society=world.society):
        for name in ("Ann Lee", "Bo Dee"):
            member_services.submit_application(
                actor=None, society=world.society,
                values=application_values(world, full_name=name, email=f"{name[:2]}@a.test"))
        items = member_todo.applications(world.society, visitor(world, "secretary"),
                                         timezone.now())
    assert [(i.label, i.count) for i in items] == [
        ("2 applications waiting for a decision", 2),
        ("0 applications waiting for the members' vote", 0)]
    page = home(world, "secretary")
    assert ('<a href="/s/millmead/members/applications/">2 applications waiting for a '
            'decision</a>') in page
    assert "applications waiting" not in home(world, "board_member")


def test_requests_to_inspect_the_register_wait_for_the_secretary(world):
    with scope(society=world.society):
        member_services.request_register_inspection(actor=world.users["member"],
                                                    member=world.members["member"])
    page = home(world, "secretary")
    assert ('<a href="/s/millmead/members/register/inspections/">1 request to inspect the '
            'register waiting for an answer</a>') in page
    assert "inspect the register waiting" not in home(world, "board_member")

def test_polls_to_open_then_to_close_for_the_returning_officer(world):
    contest = make_contest(world, open_now=False)
    opens = contest.voting_opens
    ro = visitor(world, "returning_officer")
    with scope(society=world.society):
        (soon,) = shown(ballot_todo.polls(world.society, ro, opens - timedelta(days=3)))
        (late,) = shown(ballot_todo.polls(world.society, ro, opens + timedelta(minutes=5)))
        assert shown(ballot_todo.polls(world.society, ro, opens - timedelta(days=30))) == []
    assert (soon.label, soon.due, soon.overdue) == ("1 poll to open", timezone.localdate(opens),
                                                    False)
    assert late.overdue and late.detail.startswith("One is past the opening time")
    assert soon.url == "/s/millmead/ballots/manage/"


def test_an_open_poll_is_a_vote_waiting_for_a_member_until_they_vote(world):
    contest = make_contest(world)
    now = timezone.now()
    with scope(society=world.society):
        (waiting,) = ballot_todo.my_votes(world.society, visitor(world, "member"), now)
        (closing,) = shown(ballot_todo.polls(world.society, visitor(world, "returning_officer"),
                                             now))
        assert ballot_todo.my_votes(world.society, visitor(world, "auditor"), now) == []
        contest.roll.filter(member=world.members["member"]).update(
            voted_on=timezone.localdate(now), channel="paper")
        assert ballot_todo.my_votes(world.society, visitor(world, "member"), now) == []
    assert waiting.label == "1 poll open for you to vote in"
    assert waiting.due == timezone.localdate(contest.voting_closes)
    assert closing.label == "1 poll open for voting" and not closing.overdue


def test_the_next_general_meeting_and_the_day_its_notice_is_due(world):
    held_on = date(2027, 3, 12)
    with scope(society=world.society):
        meeting = Meeting.objects.create(society=world.society, kind=MeetingKind.AGM,
                                         held_on=held_on)
        Meeting.objects.create(society=world.society, kind=MeetingKind.SPECIAL,
                               held_on=date(2027, 6, 1))
        now = timezone.make_aware(timezone.datetime(2027, 1, 4, 9, 0))
        items = board_todo.general_meetings(world.society, visitor(world, "secretary"), now)
        (for_members,) = board_todo.general_meetings(world.society, visitor(world, "member"),
                                                     now)
        late = board_todo.general_meetings(world.society, visitor(world, "secretary"),
                                           now + timedelta(days=60))
    first, later = items
    assert first.label == "Next general meeting: annual general meeting on 12 March 2027"
    assert first.url == f"/s/millmead/boards/meetings/{meeting.public_id}/"
    assert first.due == date(2027, 2, 25) and not first.overdue  # 14 clear days before
    assert (later.count, later.due) == (1, date(2027, 5, 17))
    assert (for_members.label, for_members.due) == (first.label, None)
    assert late[0].overdue


def test_withdrawals_waiting_for_the_board_and_due_to_be_paid(world):
    today = date(2027, 1, 4)
    with scope(society=world.society):
        share_class = ShareClass.objects.create(society=world.society, name="Withdrawable share",
                                                nominal_value_pence=100)
        member = world.members["member"]
        for status, payable in [(WithdrawalStatus.REQUESTED, today),
                                (WithdrawalStatus.APPROVED, today - timedelta(days=1)),
                                (WithdrawalStatus.APPROVED, today + timedelta(days=9)),
                                (WithdrawalStatus.CANCELLED, today)]:
            WithdrawalRequest.objects.create(
                society=world.society, member=member, share_class=share_class, shares=1,
                requested_on=today - timedelta(days=90), earliest_payable_on=payable,
                status=status)
        now = timezone.make_aware(timezone.datetime(2027, 1, 4, 12, 0))
        items = share_todo.withdrawals(world.society, visitor(world, "secretary"), now)
    assert [(i.label, i.count, i.due) for i in shown(items)] == [
        ("1 withdrawal request waiting for the board's decision", 1, None),
        ("1 withdrawal approved and due to be paid", 1, None),
        ("1 approved withdrawal to pay when the notice ends", 1, date(2027, 1, 13)),
    ]


def test_letters_waiting_to_be_posted(world):
    now = timezone.now()
    with scope(society=world.society):
        notice = Notice.objects.create(society=world.society, kind="notices.notice",
                                       title="AGM")
        Message.objects.create(society=world.society, notice=notice,
                               recipient=world.members["member"], channel=Channel.POST,
                               kind="notices.notice", dedup_key="a", subject="AGM",
                               body_text="…")
        (item,) = notice_todo.letters_to_post(world.society, visitor(world, "secretary"), now)
    assert item.label == "1 notice with letters to print and post"


@pytest.mark.parametrize("persona", ["secretary", "returning_officer", "board_member", "member",
                                     "auditor"])
def test_the_home_page_costs_a_few_queries_whatever_the_role(world, persona,
                                                             django_assert_max_num_queries):
    make_contest(world)
    client = world.client(persona)
    url = reverse(HOME, kwargs={"society_slug": "millmead"})
    client.get(url)
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
