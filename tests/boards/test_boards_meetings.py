"""Scheduling meetings: general meetings leave the society's clear days' notice."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from boards import services
from boards.models import Meeting
from boards.services import BoardError
from societies.models import AuditEntry


def test_an_agm_shows_when_notice_must_be_served_and_posted(board_world):
    society = board_world.society  # 14 clear days by default
    before = AuditEntry.objects.filter(society=society).count()
    agm = services.schedule_meeting(actor=board_world.secretary, society=society, kind="agm",
                                    held_on=date(2026, 12, 16), place="Village hall",
                                    today=date(2026, 11, 1))
    entries = list(AuditEntry.objects.filter(society=society).order_by("id"))[before:]
    assert [(e.actor, e.action) for e in entries] == [
        (board_world.secretary, "board.meeting_scheduled")]
    assert entries[0].data["notice_served_by"] == "2026-12-01"
    assert agm.notice_served_by == date(2026, 12, 1)
    assert agm.notice_posted_by == date(2026, 11, 29)  # Sun + 2 working days = Tue 1 Dec


def test_too_late_to_give_clear_days_notice(board_world):
    with pytest.raises(BoardError, match="must be served by 01 December 2026"):
        services.schedule_meeting(actor=board_world.secretary, society=board_world.society,
                                  kind="special", held_on=date(2026, 12, 16),
                                  today=date(2026, 12, 2))
    # On the last day it is still possible.
    services.schedule_meeting(actor=board_world.secretary, society=board_world.society,
                              kind="special", held_on=date(2026, 12, 16),
                              today=date(2026, 12, 1))


def test_board_meetings_name_their_body_and_need_no_clear_days(board_world):
    with pytest.raises(BoardError, match="which body"):
        services.schedule_meeting(actor=board_world.secretary, society=board_world.society,
                                  kind="board", held_on=date(2026, 12, 2))
    meeting = services.schedule_meeting(actor=board_world.secretary,
                                        society=board_world.society, kind="board",
                                        body=board_world.board, held_on=date(2026, 12, 2),
                                        today=date(2026, 12, 1))
    assert meeting.notice_served_by is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(body=None)


def test_members_see_general_meetings_but_not_board_meetings(board_world):
    world = board_world.world
    services.schedule_meeting(actor=board_world.secretary, society=world.society, kind="agm",
                              held_on=date(2030, 6, 20))
    services.schedule_meeting(actor=board_world.secretary, society=world.society, kind="board",
                              body=board_world.board, held_on=date(2030, 5, 1))
    page = reverse("boards:meetings", kwargs={"society_slug": world.society.slug})
    html = world.client("member").get(page).content.decode()
    assert "Annual general meeting" in html and "Management board" not in html
    assert "Management board" in world.client("board_member").get(page).content.decode()


def test_secretary_schedules_through_the_form(board_world):
    world = board_world.world
    response = world.client("secretary").post(
        reverse("boards:meeting_new", kwargs={"society_slug": world.society.slug}),
        {"kind": "agm", "held_on": "2030-06-20", "place": "Hall"})
    assert response.status_code == 302
    assert Meeting.objects.get().kind == "agm"
