"""The meeting's vote, its correction, attendance many at a time and the minutes' PDF, through
the pages: by persona, without JavaScript (two plain POSTs), and with bad input."""

import html
import io
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from boards import services
from boards.models import Attendance, Decision, Meeting, MeetingVote, Minutes
from tests.boards.conftest import close_advance_voting

PERSONAS = ["secretary", "returning_officer", "board_member", "auditor", "member", "outsider"]


def murl(agm, name, meeting=None, **kwargs):
    meeting = meeting or agm.meeting
    return reverse(f"boards:{name}", kwargs={"society_slug": agm.society.slug,
                                             "public_id": meeting.public_id, **kwargs})


def statuses(agm, path):
    world = agm.board_world.world
    return {p: world.client(p).get(path).status_code for p in PERSONAS}


class _Hidden(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name") != (
                "csrfmiddlewaretoken"):
            self.values[attrs["name"]] = attrs.get("value") or ""


def hidden_fields(response) -> dict:
    parser = _Hidden()
    parser.feed(response.content.decode())
    return parser.values


def text(response) -> str:
    """What a reader sees: tags removed, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split()
                    ).replace(" .", ".").replace(" :", ":")


@pytest.fixture
def agm(agm_world):
    """The AGM on its day (today), advance voting closed without ballots."""
    close_advance_voting(agm_world)
    Meeting.objects.filter(pk=agm_world.meeting.pk).update(held_on=timezone.localdate())
    agm_world.meeting.refresh_from_db()
    agm_world.item.refresh_from_db()
    agm_world.sec = agm_world.board_world.world.client("secretary")
    return agm_world


def paste(agm, numbers, mode="in_person"):
    return agm.sec.post(murl(agm, "attendance"), {"paste-numbers": numbers, "paste-mode": mode})


FIGURES = {"method": "hands", "room_for": 0, "room_against": 0, "room_abstain": 0,
           "discretion_for": 0, "discretion_against": 0, "discretion_abstain": 0}


def figures(**changed):
    return FIGURES | changed


# --- Who may -------------------------------------------------------------------------------


def test_the_correction_page_by_persona(agm):
    paste(agm, "10\n11\n12")
    services.vote_on_resolution(actor=agm.secretary, item=agm.item, room_for=3,
                                room_against=0)
    assert statuses(agm, murl(agm, "vote_correct", item_id=agm.item.public_id)) == {
        "secretary": 200, "returning_officer": 403, "board_member": 403, "auditor": 403,
        "member": 403, "outsider": 404}
    # Voted: the vote page is gone, the correction page takes its place.
    assert agm.sec.get(murl(agm, "vote", item_id=agm.item.public_id)).status_code == 404


def test_the_minutes_pdf_by_persona_draft_then_approved(agm_world, held_meetings):
    from pypdf import PdfReader

    first, later = held_meetings
    sec = agm_world.secretary
    minutes = services.draft_minutes(actor=sec, meeting=first)
    long_line = "The chair thanked " + "every volunteer by name " * 40 + "at length."
    services.edit_minutes(actor=sec, minutes=minutes, text=minutes.text + long_line)
    path = murl(agm_world, "minutes_pdf", meeting=first)
    assert statuses(agm_world, path) == {
        "secretary": 200, "returning_officer": 403, "board_member": 200, "auditor": 200,
        "member": 404, "outsider": 404}
    response = agm_world.board_world.world.client("board_member").get(path)
    assert response["Content-Type"] == "application/pdf"
    assert "minutes-draft-" in response["Content-Disposition"]
    draft = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "DRAFT" in draft and "not yet approved" in draft
    assert "at length." in draft  # the long line wrapped onto the page, not cut off
    services.approve_minutes(actor=sec, minutes=Minutes.objects.get(pk=minutes.pk),
                             at_meeting=later)
    assert statuses(agm_world, path)["member"] == 200
    response = agm_world.board_world.world.client("member").get(path)
    approved = "\n".join(p.extract_text()
                         for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Approved as a correct record at the Special general meeting" in approved
    assert "DRAFT" not in approved
    page = agm_world.board_world.world.client("member").get(
        murl(agm_world, "minutes", meeting=first)).content.decode()
    assert path in page and '<pre class="minutes">' in page


# --- Entering the vote: check, then confirm --------------------------------------------------


def test_a_vote_is_checked_then_confirmed_in_two_plain_posts(agm, audit_entries):
    assert paste(agm, "10\n11\n12\n13\n14").status_code == 302
    path = murl(agm, "vote", item_id=agm.item.public_id)
    before = len(audit_entries(agm.society))
    # 40 for with 5 present: refused, naming the field and the numbers.
    response = agm.sec.post(path, figures(room_for=40, check="1"))
    assert response.status_code == 400
    assert ("In the room: for: 40 votes for, but only 5 members are present and 0 proxies "
            "held at the holders' discretion: at most 5 votes can be cast.") in text(response)
    # Figures that fit: the result is shown, nothing is written yet.
    response = agm.sec.post(path, figures(room_for=4, room_against=1, check="1"))
    assert response.status_code == 200
    page = text(response)
    assert "Carried: 4 for, 1 against" in page and "Confirm and record" in page
    assert "at least two-thirds of the votes cast" in page
    assert not Decision.objects.exists() and len(audit_entries(agm.society)) == before
    carried = hidden_fields(response)
    assert carried["room_for"] == "4" and carried["expected"]
    # The confirmation carries the figures back; the server checks them again.
    tampered = agm.sec.post(path, carried | {"room_for": "40", "confirm": "1"})
    assert tampered.status_code == 400 and "at most 5 votes" in text(tampered)
    assert not Decision.objects.exists()
    response = agm.sec.post(path, carried | {"confirm": "1"})
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.votes_for, decision.votes_against, decision.outcome) == (4, 1, "carried")
    assert [e.action for e in audit_entries(agm.society)[before:]] == ["board.resolution_voted"]
    assert agm.sec.get(path).status_code == 404  # voted: no second vote


def test_a_change_of_attendance_between_check_and_confirm_shows_the_new_result(agm):
    paste(agm, "10\n11\n12")
    path = murl(agm, "vote", item_id=agm.item.public_id)
    carried = hidden_fields(agm.sec.post(path, figures(room_for=3, check="1")))
    paste(agm, "13")
    response = agm.sec.post(path, carried | {"confirm": "1"})
    assert response.status_code == 200
    page = text(response)
    assert "changed while the figures were being checked" in page
    assert "4 members present" in page
    assert not MeetingVote.objects.exists()
    response = agm.sec.post(path, hidden_fields(response) | {"confirm": "1"})
    assert response.status_code == 302 and MeetingVote.objects.count() == 1


def test_change_the_figures_goes_back_to_the_form_with_them(agm):
    paste(agm, "10\n11\n12")
    path = murl(agm, "vote", item_id=agm.item.public_id)
    carried = hidden_fields(agm.sec.post(path, figures(room_for=2, room_against=1,
                                                       check="1")))
    response = agm.sec.post(path, carried | {"change": "1"})
    assert response.status_code == 200
    assert 'name="room_against" value="1"' in response.content.decode()
    assert "Check the figures" in text(response) and not MeetingVote.objects.exists()


@pytest.mark.parametrize("bad", [{"room_for": "lots"}, {"room_for": -3},
                                 {"room_for": 10**20}, {"method": "telepathy"},
                                 {"casting_vote": "maybe"}])
def test_bad_figures_name_the_field_and_write_nothing(agm, bad):
    paste(agm, "10\n11\n12")
    for step in ("check", "confirm"):
        response = agm.sec.post(murl(agm, "vote", item_id=agm.item.public_id),
                                figures(**bad) | {step: "1"})
        assert response.status_code == 400
        assert "errorlist" in response.content.decode()
    assert not MeetingVote.objects.exists()


def test_before_its_day_the_meeting_page_says_when_the_vote_is_taken(agm_world):
    sec = agm_world.board_world.world.client("secretary")
    page = text(sec.get(murl(agm_world, "meeting")))
    assert "Take the vote" not in page
    assert "is entered here at the meeting, from" in page
    response = sec.get(murl(agm_world, "vote", item_id=agm_world.item.public_id))
    assert response.status_code == 200
    assert "has not started" in text(response) and "Check the figures" not in text(response)
    response = sec.post(murl(agm_world, "vote", item_id=agm_world.item.public_id),
                        figures(room_for=3, check="1"))
    assert response.status_code == 400 and not MeetingVote.objects.exists()


# --- Correcting -------------------------------------------------------------------------------


def test_a_wrong_result_is_corrected_by_a_reversing_entry_through_the_pages(agm):
    assert paste(agm, "1\n3\n5\n10\n11\n12\n13\n14").status_code == 302
    services.vote_on_resolution(actor=agm.secretary, item=agm.item, room_for=6,
                                room_against=2)
    meeting_page = text(agm.sec.get(murl(agm, "meeting")))
    assert "Correct the result on “Change of rules”" in meeting_page
    path = murl(agm, "vote_correct", item_id=agm.item.public_id)
    response = agm.sec.post(path, figures(room_for=4, room_against=4, check="1"))
    assert response.status_code == 400
    assert "The chair's reason for the correction: This field is required." in text(response)
    reason = "The tellers counted the front row twice."
    response = agm.sec.post(path, figures(room_for=4, room_against=4, reason=reason,
                                          check="1"))
    assert response.status_code == 200
    assert "Decision 1 will be reversed" in text(response)
    assert "Not carried: 4 for, 4 against" in text(response)
    assert Decision.objects.count() == 1
    response = agm.sec.post(path, hidden_fields(response) | {"confirm": "1"})
    assert response.status_code == 302
    assert Decision.objects.count() == 3
    member = agm.board_world.world.client("member")
    meeting_page = text(member.get(murl(agm, "meeting")))
    assert "Decision 3: Not carried" in meeting_page and f"reason: {reason}" in meeting_page
    log = text(member.get(reverse("boards:decisions",
                                  kwargs={"society_slug": agm.society.slug})))
    assert "Reversed by decision 2" in log and "Corrected by decision 3" in log
    assert "Reverses decision 1" in log and "Corrects decision 1" in log
    assert "Reversed: entered in error" in log and reason in log
    # The same figures again: nothing to correct.
    response = agm.sec.post(path, figures(room_for=4, room_against=4, reason="Again",
                                          check="1"))
    assert response.status_code == 400 and "nothing to correct" in text(response)


# --- Attendance ----------------------------------------------------------------------------


def test_a_pasted_list_with_bad_lines_names_each_and_records_nobody(agm):
    response = paste(agm, "10\n9999\nabc\n\n11, 12")
    assert response.status_code == 400
    page = text(response)
    assert "Nothing was recorded" in page
    assert "line 2: no member numbered 9999" in page
    assert "line 3: “abc” is not a member number" in page
    assert not Attendance.objects.exists()
    response = paste(agm, "10\n11, 12 13\n10")
    assert response.status_code == 302
    assert Attendance.objects.filter(meeting=agm.meeting).count() == 4
    follow = text(agm.sec.get(murl(agm, "attendance")))
    assert "4 members recorded: present in person." in follow


def test_huge_and_empty_lists_are_form_errors(agm):
    assert "Paste at least one member number." in text(paste(agm, "  \n "))
    response = paste(agm, "99999999999999999999999")
    assert response.status_code == 400
    assert "line 1: no member numbered 99999999999999999999" in text(response)
    assert "more than one list may hold" in text(paste(agm, "1\n" * 20_001))
    assert not Attendance.objects.exists()


def test_members_are_found_by_name_or_number_and_ticked(agm):
    page = agm.sec.get(murl(agm, "attendance") + "?q=able").content.decode()
    assert "Ann Able" in page and 'value="10"' in page and "Ben Baker" not in page
    assert "Ben Baker" in text(agm.sec.get(murl(agm, "attendance") + "?q=11"))
    response = agm.sec.post(murl(agm, "attendance") + "?q=a",
                            {"tick-ticked": ["10", "11"], "tick-mode": "online"})
    assert response.status_code == 302 and response["Location"].endswith("?q=a")
    assert set(Attendance.objects.values_list("mode", flat=True)) == {"online"}
    response = agm.sec.post(murl(agm, "attendance") + "?q=a", {"tick-mode": "online"})
    assert response.status_code == 400 and "Tick at least one member." in text(response)


def test_the_decision_log_names_a_board_meeting_once(board_world):
    board = board_world.board
    meeting = services.schedule_meeting(actor=board_world.secretary, society=board.society,
                                        kind="board", body=board,
                                        held_on=timezone.localdate())
    services.record_decision(actor=board_world.secretary, society=board.society, body=board,
                             meeting=meeting, meeting_label=str(meeting),
                             decided_on=meeting.held_on, text="Adopt the budget",
                             outcome="carried")
    log = text(board_world.world.client("board_member").get(reverse(
        "boards:decisions", kwargs={"society_slug": board.society.slug})))
    assert f"Management board, {meeting.held_on:%d %B %Y}" in log
    assert "Management board: Management board" not in log
