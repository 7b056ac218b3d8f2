"""Demo general meetings for `seed_demo`: the record of each demo society's last-but-one AGM
(agenda, attendance, proxies with instructions, the resolution's decision, minutes approved at
the next AGM and so locked), the last AGM (agenda, attendance, a resolution voted — at Millmead
entered wrongly and corrected by a reversing entry — and minutes still a draft) and one
upcoming AGM with its agenda and notice not yet served.

Written through the services where they take past dates (agenda items, resolutions, proxies
with a past `now`, attendance, the vote, minutes), so the records obey the same rules and
carry audit entries by the demo secretary. Two things are written directly, since no service
does them in the past: the past meetings themselves (`boards/demo.py`; `schedule_meeting`
refuses a date too late for notice) and the state of a past resolution's advance voting
("closed" — opening and closing voting happen at the present time). Idempotent: each part is
written only where it is missing.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from ballots.models import Contest, ContestState
from boards import services
from boards.models import AgendaItemKind, AttendanceMode, Meeting, MeetingKind, Minutes

# slug -> (title, resolution text, kind) for the past AGM; the upcoming AGM's resolution; the
# last AGM's resolution.
RESOLUTIONS = {
    "millmead": (
        ("Notices by email", "That rule 12 be amended so that notices of general meetings may "
         "be sent by email to members who have agreed to receive them.", "special"),
        ("Membership fee", "That the annual membership fee for family members remains at "
         "£1 for 2027/28.", "ordinary"),
        ("Appointment of the auditor", "That Weald Community Accountants be appointed the "
         "society's auditor for 2026/27.", "ordinary"),
    ),
    "pembroke-street": (
        ("Estate management agreement", "That the TMO enters the revised modular management "
         "agreement with Plymouth City Council for 2026 to 2031.", "ordinary"),
        ("Rule change: co-option", "That rule 34 be amended to allow the board to co-opt up "
         "to two residents.", "special"),
        ("Estate budget", "That the estate budget for 2026/27 be approved.", "ordinary"),
    ),
    "baywind": (
        ("Share withdrawals", "That rule 17 be amended so that the board may suspend share "
         "withdrawals for up to twelve months.", "special"),
        ("Community fund", "That 2% of the year's surplus is given to the Baywind community "
         "fund.", "ordinary"),
        ("Share interest", "That interest of 5% be paid on members' shares for 2025/26.",
         "ordinary"),
    ),
}
# Millmead's last AGM shows a result entered wrongly and corrected by a reversing entry.
CORRECTED_AT = "millmead"

ZONE = ZoneInfo(settings.TIME_ZONE)


def _at(day, hour=12):
    return timezone.make_aware(datetime.combine(day, time(hour)), ZONE)


def seed_meeting_records(society, secretary_user, meetings, members) -> None:
    """`meetings`: the demo meetings of `boards/demo.py` (past AGM, board meeting, last AGM)."""
    spec = RESOLUTIONS.get(society.slug)
    if spec is None or len(meetings) < 3:
        return
    actor = secretary_user
    past, last = meetings[0], meetings[2]
    if not past.agenda_items.exists():
        _past_agm(actor, past, spec[0], members)
    if not last.agenda_items.exists():
        _last_agm(actor, last, past, spec[2], members, correct=society.slug == CORRECTED_AT)
    minutes = Minutes.objects.filter(meeting=past).first()
    if minutes is None:
        minutes = services.draft_minutes(actor=actor, meeting=past)
    if minutes.approved_on is None and last.held_on <= timezone.localdate():
        services.approve_minutes(actor=actor, minutes=minutes, at_meeting=last,
                                 proposer=_name(members, 3), seconder=_name(members, 4))
    if not Minutes.objects.filter(meeting=last).exists():
        services.draft_minutes(actor=actor, meeting=last)  # the latest stays a draft
    _upcoming_agm(actor, society, spec[1])


def _name(members, index):
    return members[index].full_name if index < len(members) else ""


def _reports(actor, meeting, year):
    services.add_agenda_item(
        actor=actor, meeting=meeting, kind=AgendaItemKind.REPORT,
        title=f"Annual report and accounts {year}",
        description="The board's report on the year and the accounts, with the auditor's "
                    "report.",
        paper_text=f"Annual report {year}: membership grew; the accounts show a small surplus.")


def _election_item(actor, meeting):
    services.add_agenda_item(
        actor=actor, meeting=meeting, kind=AgendaItemKind.ELECTION,
        title="Election of the board",
        description="The returning officer declares the result of the board election; a third "
                    "of the elected seats retire by rotation.")


def _attend(actor, meeting, members, skip):
    """Some present in person, some online, some apologies (not those who gave a proxy).
    Recorded as on the meeting's day, whatever today is."""
    eligible = [m for m in members if m.pk not in skip and m.is_active_on(meeting.held_on)]
    for index, member in enumerate(eligible[:16]):
        mode = (AttendanceMode.ONLINE if index % 5 == 3
                else AttendanceMode.APOLOGIES if index % 7 == 6 else AttendanceMode.IN_PERSON)
        services.record_attendance(actor=actor, meeting=meeting, member=member, mode=mode,
                                   today=meeting.held_on)


def _past_resolution(actor, meeting, resolution, members):
    """A resolution put on a past meeting's agenda, its advance voting closed."""
    title, text, kind = resolution
    item = services.put_resolution_on_agenda(
        actor=actor, meeting=meeting, title=title, text=text, kind=kind,
        explanatory_note="Proposed by the board.", voting_opens=_at(meeting.held_on
                                                                      - timedelta(days=14)),
        voting_closes=_at(meeting.held_on - timedelta(days=1)),
        record_date=meeting.held_on - timedelta(days=21), proposer=_name(members, 1),
        seconder=_name(members, 2))
    # Advance voting ran and closed before the meeting (no service opens voting in the past).
    Contest.objects.filter(pk=item.resolution_id).update(state=ContestState.CLOSED)
    item.resolution.refresh_from_db()
    return item


def _past_agm(actor, meeting, resolution, members):
    _reports(actor, meeting, meeting.held_on.year - 1)
    item = _past_resolution(actor, meeting, resolution, members)
    _election_item(actor, meeting)
    active = [m for m in members if m.is_active_on(meeting.held_on)]
    appointers, holder = active[-2:], active[1]
    before = _at(meeting.held_on - timedelta(days=5))
    services.appoint_proxy(actor=actor, meeting=meeting, appointer=appointers[0], holder=None,
                           instructions={item: "for"}, now=before)
    services.appoint_proxy(actor=actor, meeting=meeting, appointer=appointers[1], holder=holder,
                           instructions={item: "discretion"}, now=before)
    _attend(actor, meeting, members, {m.pk for m in appointers})
    present = meeting.attendance.exclude(mode=AttendanceMode.APOLOGIES).count()
    services.vote_on_resolution(actor=actor, item=item, room_for=present - 2, room_against=1,
                                room_abstain=1, discretion_for=1, today=meeting.held_on)


def _last_agm(actor, meeting, past, resolution, members, correct=False):
    _reports(actor, meeting, meeting.held_on.year - 1)
    services.add_agenda_item(
        actor=actor, meeting=meeting, kind=AgendaItemKind.OTHER,
        title=f"Minutes of the {past}", description="To approve the minutes as a correct "
                                                     "record.")
    item = _past_resolution(actor, meeting, resolution, members)
    _election_item(actor, meeting)
    _attend(actor, meeting, members[2:], set())
    present = meeting.attendance.exclude(mode=AttendanceMode.APOLOGIES).count()
    vote = services.vote_on_resolution(actor=actor, item=item, room_for=present - 1,
                                       room_against=1, today=meeting.held_on)
    if correct:
        services.correct_meeting_vote(
            actor=actor, vote=vote, room_for=present - 4, room_against=3, room_abstain=1,
            today=meeting.held_on, reason="The tellers missed the back row; the chair had the "
                                          "hands counted again before the next item.")


def _upcoming_agm(actor, society, resolution):
    today = timezone.localdate()
    if Meeting.objects.filter(society=society, held_on__gt=today).exclude(
            kind=MeetingKind.BOARD).exists():
        return
    held_on = today + timedelta(weeks=8)
    meeting = services.schedule_meeting(
        actor=actor, society=society, kind=MeetingKind.AGM, held_on=held_on,
        start_time=time(19), place="The society's usual hall",
        online_link="https://meet.example.org/agm", chair_name="The chair of the board")
    _reports(actor, meeting, held_on.year - 1)
    title, text, kind = resolution
    services.put_resolution_on_agenda(
        actor=actor, meeting=meeting, title=title, text=text, kind=kind,
        explanatory_note="Proposed by the board.",
        voting_opens=_at(held_on - timedelta(days=14)),
        voting_closes=_at(held_on - timedelta(days=1)),
        record_date=held_on - timedelta(days=21))
    _election_item(actor, meeting)
