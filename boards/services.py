"""Every change to bodies, seats, terms, officers, interests and decisions. Each runs in one
transaction and writes exactly one audit entry."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Prefetch, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.acting import user_or_none
from ballots import outcomes
from ballots.models import Contest, ContestState, ResolutionKind
from ballots.models import Election as BallotElection
from boards import rules, wording
from boards.models import (
    AgendaItem,
    AgendaItemKind,
    Attendance,
    AttendanceMode,
    Body,
    Decision,
    FilledBy,
    InterestDeclaration,
    Meeting,
    MeetingKind,
    MeetingVote,
    Minutes,
    Office,
    OfficerAppointment,
    Outcome,
    ProxyAppointment,
    ProxyInstruction,
    ProxyRevocation,
    ProxyVoteInstruction,
    SeatCategory,
    Term,
    TermEnd,
    VoteMethod,
)
from counting.resolution import ResolutionResult, count_resolution
from societies import audit, numbering
from societies.models import Society

MEETING_NOTICE_KIND = "boards.meeting_notice"


class BoardError(Exception):
    """A change to the board records that cannot be made; the message says why, for a person."""


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def _check_can_hold_office(member, on: date, *, requires_membership: bool, what: str):
    """Under-16s may not be officers or board members (DESIGN.md §5); members must be active."""
    if member is None:
        if requires_membership:
            raise BoardError(f"Only members of the society may be {what}.")
        return
    if requires_membership and not member.is_active_on(on):
        raise BoardError(f"{member.full_name} is not an active member on {on:%d %B %Y}.")
    if member.is_under_16_on(on):
        raise BoardError(f"{member.full_name} is under 16 on {on:%d %B %Y} and may not be {what}.")


@transaction.atomic
def define_body(*, actor, society: Society, name: str, kind: str, description: str = "",
                rotation_numerator: int = 1, rotation_denominator: int = 3) -> Body:
    if Body.objects.filter(society=society).annotate(lname=Lower("name")).filter(
            lname=name.lower()).exists():
        raise BoardError(f"There is already a body called {name!r}.")
    if rotation_denominator < 1 or rotation_numerator > rotation_denominator:
        raise BoardError("The rotation fraction must be at most one.")
    body = Body.objects.create(
        society=society, name=name, kind=kind, description=description,
        rotation_numerator=rotation_numerator, rotation_denominator=rotation_denominator,
    )
    audit.record(society, actor, "board.body_defined", body, {"name": name, "kind": kind})
    return body


@transaction.atomic
def define_seat_category(*, actor, body: Body, name: str, seats: int, filled_by: str,
                         constituency=None, appointing_body: str = "", term_years=None,
                         max_consecutive_terms=None, requires_membership: bool = True,
                         subject_to_rotation: bool = False) -> SeatCategory:
    if seats < 0:
        raise BoardError("The number of seats cannot be negative.")
    if filled_by == FilledBy.APPOINTED and not appointing_body.strip():
        raise BoardError("Name the outside body that appoints to these seats.")
    if filled_by != FilledBy.ELECTED and constituency is not None:
        raise BoardError("Only elected seats have a constituency.")
    if constituency is not None and not constituency.is_constituency:
        raise BoardError(f"{constituency.name} is not a constituency with its own seats.")
    if body.seat_categories.annotate(lname=Lower("name")).filter(lname=name.lower()).exists():
        raise BoardError(f"{body.name} already has seats called {name!r}.")
    category = SeatCategory.objects.create(
        society=body.society, body=body, name=name, seats=seats, filled_by=filled_by,
        constituency=constituency, appointing_body=appointing_body.strip(),
        term_years=term_years, max_consecutive_terms=max_consecutive_terms,
        requires_membership=requires_membership, subject_to_rotation=subject_to_rotation,
    )
    audit.record(body.society, actor, "board.seat_category_defined", category, {
        "body": body.name, "name": name, "seats": seats, "filled_by": filled_by,
        "term_years": term_years, "max_consecutive_terms": max_consecutive_terms,
    })
    return category


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return date(day.year + years, 3, 1)


@transaction.atomic
def start_term(*, actor, seat_category: SeatCategory, started_on: date, member=None,
               holder_name: str = "", how_filled: str | None = None,
               reference: str = "") -> Term:
    """Record an appointment, co-option or election to a seat (a new term of office)."""
    how_filled = how_filled or seat_category.filled_by
    if how_filled not in FilledBy.values:
        raise BoardError(f"Unknown way of filling a seat: {how_filled!r}.")
    if how_filled != seat_category.filled_by and how_filled != FilledBy.CO_OPTED:
        raise BoardError(
            f"{seat_category.name} seats are {seat_category.get_filled_by_display().lower()}; "
            "only a co-option may fill one otherwise (a casual vacancy).")
    # Lock the category so two appointments cannot both take the last seat.
    SeatCategory.objects.select_for_update(of=("self",)).get(pk=seat_category.pk)
    _check_can_hold_office(member, started_on,
                           requires_membership=seat_category.requires_membership,
                           what="a board member")
    if member is None and not holder_name.strip():
        raise BoardError("Give the name of the person taking the seat.")
    open_terms = seat_category.terms.filter(ended_on__isnull=True)
    if open_terms.count() >= seat_category.seats:
        raise BoardError(f"All {seat_category.seats} {seat_category.name} seats are filled.")
    if member is not None and open_terms.filter(member=member).exists():
        raise BoardError(f"{member.full_name} already holds one of these seats.")
    due = (_add_years(started_on, seat_category.term_years)
           if seat_category.term_years else None)
    try:
        with transaction.atomic():
            term = Term.objects.create(
                society=seat_category.society, seat_category=seat_category, member=member,
                holder_name=member.full_name if member is not None else holder_name.strip(),
                how_filled=how_filled, started_on=started_on, due_to_end_on=due,
                reference=reference,
            )
    except IntegrityError as exc:
        raise BoardError("That person already holds one of these seats.") from exc
    audit.record(seat_category.society, actor, "board.term_started", term, {
        "seat_category": str(seat_category), "how_filled": how_filled,
        "started_on": _iso(started_on), "due_to_end_on": _iso(due),
    })
    return term


@transaction.atomic
def end_term(*, actor, term: Term, ended_on: date, reason: str) -> Term:
    if reason not in TermEnd.values:
        raise BoardError(f"Unknown reason for ending a term: {reason!r}.")
    locked = Term.objects.select_for_update(of=("self",)).get(pk=term.pk)
    if locked.ended_on is not None:
        raise BoardError(f"{locked.holder_name}'s term already ended on {locked.ended_on}.")
    if ended_on < locked.started_on:
        raise BoardError("A term cannot end before it started.")
    locked.ended_on, locked.end_reason = ended_on, reason
    locked.save(update_fields=["ended_on", "end_reason"])
    audit.record(locked.society, actor, "board.term_ended", locked,
                 {"ended_on": _iso(ended_on), "reason": reason})
    term.ended_on, term.end_reason = ended_on, reason
    return locked


def locked_co_option_awaiting_agm(term: Term) -> Term:
    """The co-opted term, locked, still awaiting the AGM's ratification (BoardError if not)."""
    locked = Term.objects.select_for_update(of=("self",)).get(pk=term.pk)
    if locked.how_filled != FilledBy.CO_OPTED:
        raise BoardError("Only a co-option is put to the AGM for ratification.")
    if locked.ratified_on is not None or locked.ended_on is not None:
        raise BoardError(f"{locked.holder_name}'s co-option is already ratified or ended.")
    return locked


@transaction.atomic
def ratify_co_option(*, actor, term: Term, ratified_on: date) -> Term:
    locked = locked_co_option_awaiting_agm(term)
    locked.ratified_on = ratified_on
    locked.save(update_fields=["ratified_on"])
    audit.record(locked.society, actor, "board.co_option_ratified", locked,
                 {"ratified_on": _iso(ratified_on)})
    return locked


@transaction.atomic
def appoint_officer(*, actor, society: Society, office: str, taken_up_on: date, member=None,
                    name: str = "", address: str = "", office_title: str = ""
                    ) -> OfficerAppointment:
    if office not in Office.values:
        raise BoardError(f"Unknown office {office!r}.")
    if office == Office.OTHER and not office_title.strip():
        raise BoardError("Name the office.")
    _check_can_hold_office(member, taken_up_on, requires_membership=False, what="an officer")
    if member is not None:
        name = name or member.full_name
        address = address or "\n".join(member.postal_address_lines)
    if not name.strip() or not address.strip():
        raise BoardError("The register of officers needs the officer's name and address.")
    if office != Office.OTHER and OfficerAppointment.objects.filter(
            society=society, office=office, left_on__isnull=True).exists():
        raise BoardError(f"Someone already holds the office of {Office(office).label}; "
                         "record that they left first.")
    try:
        with transaction.atomic():
            appointment = OfficerAppointment.objects.create(
                society=society, office=office, office_title=office_title.strip(),
                member=member, name=name.strip(), address=address.strip(),
                taken_up_on=taken_up_on,
            )
    except IntegrityError as exc:
        raise BoardError("Someone already holds that office.") from exc
    audit.record(society, actor, "board.officer_appointed", appointment,
                 {"office": appointment.office_display, "taken_up_on": _iso(taken_up_on)})
    return appointment


@transaction.atomic
def leave_office(*, actor, appointment: OfficerAppointment, left_on: date) -> OfficerAppointment:
    locked = OfficerAppointment.objects.select_for_update(of=("self",)).get(pk=appointment.pk)
    if locked.left_on is not None:
        raise BoardError(f"{locked.name} already left this office on {locked.left_on}.")
    if left_on < locked.taken_up_on:
        raise BoardError("An officer cannot leave before taking up the office.")
    locked.left_on = left_on
    locked.save(update_fields=["left_on"])
    audit.record(locked.society, actor, "board.officer_left", locked,
                 {"office": locked.office_display, "left_on": _iso(left_on)})
    appointment.left_on = left_on
    return locked


@transaction.atomic
def declare_interest(*, actor, term: Term, interest: str, declared_on: date
                     ) -> InterestDeclaration:
    if not interest.strip():
        raise BoardError("Describe the interest.")
    if term.ended_on is not None:
        raise BoardError(f"{term.holder_name}'s term has ended.")
    declaration = InterestDeclaration.objects.create(
        society=term.society, term=term, interest=interest.strip(), declared_on=declared_on,
        recorded_by=user_or_none(actor),
    )
    audit.record(term.society, actor, "board.interest_declared", declaration,
                 {"holder": term.holder_name, "declared_on": _iso(declared_on)})
    return declaration


@transaction.atomic
def record_decision(*, actor, society: Society, text: str, decided_on: date, body=None,
                    meeting_label: str = "", proposer: str = "", seconder: str = "",
                    votes_for: int = 0, votes_against: int = 0, abstentions: int = 0,
                    casting_vote: str | None = None, outcome: str | None = None,
                    corrects: Decision | None = None, meeting: Meeting | None = None,
                    member=None, application=None) -> Decision:
    """Enter a decision in the register. With votes, the outcome is counted as an ordinary
    resolution (more for than against, the chair's casting vote on a tie); a decision by
    consensus (no votes) is recorded with the outcome given."""
    if not text.strip():
        raise BoardError("Write down what was decided.")
    if min(votes_for, votes_against, abstentions) < 0:
        raise BoardError("Votes cannot be negative.")
    if body is not None and body.society_id != society.pk:
        raise BoardError("That body is not one of this society's.")
    if corrects is not None and corrects.society_id != society.pk:
        raise BoardError("That decision is not one of this society's.")
    casting_used = False
    if votes_for or votes_against or abstentions:
        result = count_resolution(votes_for, votes_against, abstentions,
                                  casting_vote=casting_vote or None)
        counted = Outcome.CARRIED if result.passed else Outcome.NOT_CARRIED
        if outcome is not None and outcome != counted:
            raise BoardError(f"The votes give: {result.explanation}")
        outcome, casting_used = counted, result.casting_vote_used
    elif outcome not in Outcome.values:
        raise BoardError("Say whether the decision was carried, or record the votes.")
    for linked, what in ((meeting, "meeting"), (member, "member"), (application, "application")):
        if linked is not None and linked.society_id != society.pk:
            raise BoardError(f"That {what} is not one of this society's.")
    decision = enter_decision(
        actor, society, body=body, meeting_label=meeting_label.strip(), decided_on=decided_on,
        text=text.strip(), proposer=proposer.strip(), seconder=seconder.strip(),
        votes_for=votes_for, votes_against=votes_against, abstentions=abstentions,
        outcome=outcome, casting_vote_used=casting_used, corrects=corrects, meeting=meeting,
        member=member, application=application)
    audit.record(society, actor, "board.decision_recorded", decision, {
        "number": decision.number, "outcome": outcome, "for": votes_for,
        "against": votes_against, "abstain": abstentions,
        "corrects": corrects.number if corrects else None,
        "meeting": str(meeting.public_id) if meeting else None,
        "member": member.member_number if member else None,
        "application": application.reference if application else None,
    })
    return decision


def enter_decision(actor, society, **fields) -> Decision:
    """Write the next entry of the register (the caller audits it)."""
    [number] = numbering.take(society, numbering.DECISION, in_use=lambda: (
        Decision.objects.filter(society=society).aggregate(n=Max("number"))["n"]))
    decision = Decision(
        society=society, number=number,
        recorded_by=user_or_none(actor), **fields)
    decision.save()
    return decision


@transaction.atomic
def schedule_meeting(*, actor, society: Society, kind: str, held_on: date, body=None,
                     start_time=None, place: str = "", online_link: str = "",
                     chair_name: str = "", today: date | None = None) -> Meeting:
    """Put a meeting in the calendar. A general meeting must leave time to give the society's
    clear days' notice (neither the day of service nor the meeting day counts)."""
    if kind not in MeetingKind.values:
        raise BoardError(f"Unknown kind of meeting: {kind!r}.")
    if kind == MeetingKind.BOARD and body is None:
        raise BoardError("Say which body is meeting.")
    if kind != MeetingKind.BOARD:
        body = None
        today = today or timezone.localdate()
        served_by = rules.latest_service_date(held_on, society.notice_clear_days)
        if today > served_by:
            raise BoardError(
                f"Too late: {society.notice_clear_days} clear days' notice of a meeting on "
                f"{held_on:%d %B %Y} must be served by {served_by:%d %B %Y}.")
    elif body.society_id != society.pk:
        raise BoardError("That body is not one of this society's.")
    meeting = Meeting.objects.create(society=society, kind=kind, body=body, held_on=held_on,
                                     start_time=start_time, place=place.strip(),
                                     online_link=online_link.strip(),
                                     chair_name=chair_name.strip())
    audit.record(society, actor, "board.meeting_scheduled", meeting, {
        "kind": kind, "held_on": _iso(held_on),
        "notice_served_by": _iso(meeting.notice_served_by),
    })
    return meeting


# --- General meetings -----------------------------------------------------------------------


def meeting_starts_at(meeting: Meeting) -> datetime:
    """When the meeting starts, as an aware datetime (midnight if no time was given)."""
    return timezone.make_aware(datetime.combine(meeting.held_on, meeting.start_time or time()),
                               ZoneInfo(settings.TIME_ZONE))


def proxy_deadline(meeting: Meeting) -> datetime:
    return meeting_starts_at(meeting) - timedelta(hours=meeting.society.proxy_deadline_hours)


def _locked_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)


def _share_locked_meeting(meeting: Meeting) -> Meeting:
    """The meeting as stored, its row held FOR SHARE until commit: a change to the meeting
    (FOR UPDATE) waits for it or is waited for, while appointments do not wait on each other.
    Django has no FOR SHARE; SQLite has no row locks."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT cancelled_at FROM boards_meeting WHERE id = %s FOR SHARE",
                           [meeting.pk])
            meeting.cancelled_at = cursor.fetchone()[0]
    else:
        meeting.cancelled_at = Meeting.objects.values_list("cancelled_at", flat=True).get(
            pk=meeting.pk)
    return meeting


def _check_not_cancelled(meeting: Meeting):
    if meeting.cancelled_at is not None:
        raise BoardError(f"The {meeting} was cancelled.")


def _check_same_society(society, *objects):
    for obj in objects:
        if obj is not None and obj.society_id != society.pk:
            raise BoardError("That record belongs to another society.")


@transaction.atomic
def add_agenda_item(*, actor, meeting: Meeting, kind: str, title: str, description: str = "",
                    resolution: Contest | None = None, election=None, proposer: str = "",
                    seconder: str = "", paper=None, paper_text: str = "") -> AgendaItem:
    """Add an item at the end of a meeting's agenda. A resolution item names a `ballots`
    resolution; once notice of a general meeting is served, no resolution may be added (the
    members were not given notice of it)."""
    meeting = _locked_meeting(meeting)
    society = meeting.society
    _check_same_society(society, resolution, election)
    _check_not_cancelled(meeting)
    title = " ".join(title.split())
    if kind not in AgendaItemKind.values:
        raise BoardError(f"Unknown kind of agenda item: {kind!r}.")
    if not title:
        raise BoardError("Give the item a title.")
    if kind == AgendaItemKind.RESOLUTION:
        if not meeting.is_general:
            raise BoardError("Resolutions put to the members belong to general meetings; "
                             "record a board's decisions in the decision register.")
        if resolution is None or not resolution.is_resolution:
            raise BoardError("A resolution item needs the resolution put to the members.")
        if meeting.is_general and meeting.notice_id:
            raise BoardError("Notice of this meeting has been served: a resolution added now "
                             "would not have had notice. Call another meeting for it.")
        if meeting.agenda_items.filter(resolution=resolution).exists():
            raise BoardError("That resolution is already on the agenda.")
    else:
        resolution = None
    if kind != AgendaItemKind.ELECTION:
        election = None
    position = (meeting.agenda_items.aggregate(n=Max("position"))["n"] or 0) + 1
    item = AgendaItem(society=society, meeting=meeting, position=position, kind=kind,
                      title=title, description=description.strip(), resolution=resolution,
                      election=election, proposer=proposer.strip(), seconder=seconder.strip(),
                      paper_text=paper_text.strip())
    if paper:
        item.paper = paper
    item.save()
    audit.record(society, actor, "board.agenda_item_added", item, {
        "meeting": str(meeting.public_id), "position": position, "kind": kind,
        "resolution": str(resolution.public_id) if resolution else None,
    })
    return item


@transaction.atomic
def put_resolution_on_agenda(*, actor, meeting: Meeting, title: str, text: str,
                             explanatory_note: str = "", kind: str = ResolutionKind.ORDINARY,
                             fraction_numerator: int = 3, fraction_denominator: int = 4,
                             voting_opens: datetime, voting_closes: datetime,
                             record_date: date, proposer: str = "", seconder: str = ""
                             ) -> AgendaItem:
    """Create the resolution through `ballots` (its own entry, `resolution.proposed`; advance
    online votes are that contest's ballots) and put it on the agenda
    (`board.agenda_item_added`)."""
    from ballots import services as ballot_services

    society = meeting.society
    if not meeting.is_general:
        raise BoardError("Resolutions put to the members belong to general meetings.")
    if voting_closes > meeting_starts_at(meeting):
        raise BoardError("Advance voting must close by the time the meeting starts.")
    # One election per meeting holds its resolutions.
    election = BallotElection.objects.filter(
        society=society, contests__agenda_items__meeting=meeting).first()
    try:
        if election is None:
            election = ballot_services.create_election(
                actor=actor, society=society, title=f"Resolutions: {meeting}")
        contest = ballot_services.create_contest(actor=actor, election=election, values={
            "title": title, "method": "resolution", "resolution_text": text,
            "explanatory_note": explanatory_note, "resolution_kind": kind,
            "fraction_numerator": fraction_numerator,
            "fraction_denominator": fraction_denominator, "record_date": record_date,
            "voting_opens": voting_opens, "voting_closes": voting_closes,
        })
    except ballot_services.BallotError as error:
        raise BoardError(str(error)) from None
    return add_agenda_item(actor=actor, meeting=meeting, kind=AgendaItemKind.RESOLUTION,
                           title=title, resolution=contest, proposer=proposer,
                           seconder=seconder)


def resolution_items(meeting: Meeting):
    return (meeting.agenda_items.filter(kind=AgendaItemKind.RESOLUTION)
            .select_related("resolution").order_by("position"))


def notice_context(meeting: Meeting) -> dict:
    """What the notice of a general meeting says: agenda, resolutions with their kind,
    candidates' statements of any election on the agenda, and the proxy form."""
    items = []
    for item in meeting.agenda_items.select_related("resolution", "election").order_by(
            "position"):
        entry = {"position": item.position, "title": item.title,
                 "kind": item.get_kind_display(), "description": item.description}
        if item.resolution_id:
            contest = item.resolution
            entry["resolution"] = {
                "text": contest.resolution_text, "note": contest.explanatory_note,
                "kind": "Special resolution"
                if contest.resolution_kind == ResolutionKind.SPECIAL else "Ordinary resolution",
                "threshold": (f"{contest.fraction_numerator}/{contest.fraction_denominator} "
                              "of the votes cast"
                              if contest.resolution_kind == ResolutionKind.SPECIAL
                              else "a simple majority of the votes cast"),
            }
        if item.election_id:
            entry["candidates"] = [
                {"contest": contest.title, "name": c.name, "statement": c.statement}
                for contest in item.election.contests.order_by("title")
                for c in contest.standing().select_related("member")
            ]
        items.append(entry)
    starts = meeting_starts_at(meeting)
    return {
        "meeting": str(meeting), "kind": meeting.get_kind_display(),
        "held_on": meeting.held_on.strftime("%A %d %B %Y"),
        "start_time": meeting.start_time.strftime("%H:%M") if meeting.start_time else "",
        "place": meeting.place, "online_link": meeting.online_link, "items": items,
        "proxy_path": reverse("boards:proxy", kwargs={"society_slug": meeting.society.slug,
                                                      "public_id": meeting.public_id}),
        "meeting_path": reverse("boards:meeting", kwargs={
            "society_slug": meeting.society.slug, "public_id": meeting.public_id}),
        "proxy_deadline": (starts - timedelta(hours=meeting.society.proxy_deadline_hours))
        .strftime("%H:%M on %A %d %B %Y"),
    }


@transaction.atomic
def serve_notice(*, actor, meeting: Meeting, today: date | None = None) -> int:
    """Send the notice of a general meeting to every member through notifications (email or
    post, as each member prefers; the messages are the record of service). Refused when it is
    too late for the clear days' notice. Safe to repeat: one message per member per meeting."""
    from members.models import Member
    from notifications.services import NotificationError, create_notice, notify_members

    meeting = _locked_meeting(meeting)
    society = meeting.society
    _check_not_cancelled(meeting)
    if not meeting.is_general:
        raise BoardError("Only a general meeting's notice is served on the members.")
    today = today or timezone.localdate()
    members = Member.objects.filter(society=society, ceased_on__isnull=True)
    if today > meeting.notice_served_by:
        raise BoardError(
            f"Too late: {society.notice_clear_days} clear days' notice of a meeting on "
            f"{meeting.held_on:%d %B %Y} had to be served by {meeting.notice_served_by:%d %B %Y}.")
    by_post = members.exclude(contact_channel="email", electronic_consent=True).count() + (
        members.filter(contact_channel="email", electronic_consent=True, email="").count())
    if by_post and today > meeting.notice_posted_by:
        raise BoardError(
            f"Too late for post: {by_post} members get their notice by post, which had to be "
            f"posted by {meeting.notice_posted_by:%d %B %Y}.")
    if not meeting.agenda_items.exists():
        raise BoardError("Put the business on the agenda before serving notice.")
    first = meeting.notice_id is None
    try:
        if first:
            meeting.notice = create_notice(
                society=society, kind=MEETING_NOTICE_KIND, title=f"Notice of the {meeting}",
                audience="All members", created_by=actor)
            meeting.notice_served_at = timezone.now()
            meeting.save(update_fields=["notice", "notice_served_at"])
        written = notify_members(notice=meeting.notice, members=members,
                                 context=notice_context(meeting))
    except NotificationError as error:
        raise BoardError(str(error)) from None
    audit.record(society, actor, "board.notice_served", meeting, {
        "notice": str(meeting.notice.public_id), "messages": written, "first": first,
        "served_on": today.isoformat(),
    })
    return written


# --- Proxies --------------------------------------------------------------------------------


def _check_general(meeting: Meeting):
    if not meeting.is_general:
        raise BoardError("Proxies are for general meetings.")


@transaction.atomic
def appoint_proxy(*, actor, meeting: Meeting, appointer, holder=None, instructions: dict,
                  now: datetime | None = None, on_paper: bool = False) -> ProxyAppointment:
    """A member appoints another member, or (holder None) the chair of the meeting, with an
    instruction per resolution (`instructions`: agenda item public_id or item -> for /
    against / abstain / discretion; a resolution left out is at the proxy's discretion). A new
    appointment replaces the member's earlier one. A holder carries at most the society's cap
    (checked under a lock on the holder's member row; the chair is not capped)."""
    from members.models import Member

    society = meeting.society
    _check_general(meeting)
    _check_same_society(society, appointer, holder)
    _check_not_cancelled(_share_locked_meeting(meeting))
    now = now or timezone.now()
    if now >= proxy_deadline(meeting):
        raise BoardError(f"Too late: proxies had to be appointed by "
                         f"{timezone.localtime(proxy_deadline(meeting)):%H:%M on %d %B %Y}.")
    if not appointer.is_active_on(timezone.localdate(now)):
        raise BoardError(f"{appointer.full_name} is not a member.")
    if holder is not None:
        if holder.pk == appointer.pk:
            raise BoardError("A member cannot be their own proxy.")
        if not holder.is_active_on(timezone.localdate(now)):
            raise BoardError(f"{holder.full_name} is not a member and cannot hold a proxy.")
    if meeting.attendance.filter(member=appointer).exclude(
            mode=AttendanceMode.APOLOGIES).exists():
        raise BoardError(f"{appointer.full_name} is at the meeting and votes in person.")
    items = {str(i.public_id): i for i in resolution_items(meeting)}
    chosen = {}
    for key, instruction in instructions.items():
        key = str(key.public_id) if isinstance(key, AgendaItem) else str(key)
        if key not in items:
            raise BoardError("An instruction names a resolution that is not on this "
                             "meeting's agenda.")
        if instruction not in ProxyInstruction.values:
            raise BoardError(f"Unknown instruction for {items[key].title}: {instruction!r}.")
        chosen[key] = instruction
    # Lock the appointer (one live appointment each) and the holder (the cap), in pk order.
    locked = sorted(m.pk for m in (appointer, holder) if m is not None)
    list(Member.objects.select_for_update(of=("self",)).filter(pk__in=locked).order_by("pk"))
    cap = society.proxy_max_per_holder
    if holder is not None and cap is not None:
        held = meeting.proxy_appointments.filter(holder=holder, revoked_at__isnull=True).exclude(
            appointer=appointer).count()
        if held >= cap:
            raise BoardError(f"{holder.full_name} already holds {held} proxies, the most one "
                             "member may hold for this meeting. Choose someone else or the "
                             "chair of the meeting.")
    replaced = meeting.proxy_appointments.filter(appointer=appointer, revoked_at__isnull=True)
    replaced_ids = [str(p.public_id) for p in replaced]
    for old in replaced:
        old.revoked_at, old.revoked_reason = now, ProxyRevocation.REPLACED
        old.save(update_fields=["revoked_at", "revoked_reason"])
    appointment = ProxyAppointment.objects.create(
        society=society, meeting=meeting, appointer=appointer, holder=holder, created_at=now,
        created_by=user_or_none(actor))
    for key, item in items.items():
        ProxyVoteInstruction.objects.create(
            society=society, appointment=appointment, agenda_item=item,
            instruction=chosen.get(key, ProxyInstruction.DISCRETION))
    audit.record(society, actor, "board.proxy_appointed", appointment, {
        "meeting": str(meeting.public_id), "appointer": appointer.member_number,
        "holder": holder.member_number if holder else "chair", "replaced": replaced_ids,
        "on_paper": on_paper, "received_at": now.isoformat(),
    })
    return appointment


@transaction.atomic
def record_paper_proxy(*, actor, meeting: Meeting, appointer, holder=None, instructions: dict,
                       received_at: datetime | None = None) -> ProxyAppointment:
    """A proxy form received on paper, entered by the secretary: the same rules as an online
    appointment (deadline judged at `received_at`, the cap, one live appointment each), audited
    as received on paper. `received_at` may not be in the future, nor before the member's
    latest appointment (a later one stands)."""
    now = timezone.now()
    received_at = received_at or now
    if received_at > now:
        raise BoardError("The form cannot have been received in the future.")
    latest = meeting.proxy_appointments.filter(appointer=appointer).order_by(
        "-created_at").first()
    if latest is not None and latest.created_at > received_at:
        raise BoardError(f"{appointer.full_name} appointed a proxy after this form was "
                         f"received ({timezone.localtime(latest.created_at):%H:%M on %d %B %Y})"
                         ": the later appointment stands.")
    return appoint_proxy(actor=actor, meeting=meeting, appointer=appointer, holder=holder,
                         instructions=instructions, now=received_at, on_paper=True)


@transaction.atomic
def revoke_proxy(*, actor, appointment: ProxyAppointment,
                 reason: str = ProxyRevocation.REVOKED, now: datetime | None = None
                 ) -> ProxyAppointment:
    appointment = ProxyAppointment.objects.select_for_update(of=("self",)).get(
        pk=appointment.pk)
    if appointment.revoked_at is not None:
        raise BoardError("That proxy appointment has already ended.")
    if reason not in ProxyRevocation.values:
        raise BoardError(f"Unknown reason: {reason!r}.")
    if MeetingVote.objects.filter(agenda_item__meeting=appointment.meeting_id).exists():
        raise BoardError("Voting at the meeting has begun: the proxy can no longer be revoked.")
    appointment.revoked_at, appointment.revoked_reason = now or timezone.now(), reason
    appointment.save(update_fields=["revoked_at", "revoked_reason"])
    audit.record(appointment.society, actor, "board.proxy_revoked", appointment, {
        "meeting": str(appointment.meeting.public_id), "reason": reason,
    })
    return appointment


# --- Attendance and quorum ------------------------------------------------------------------

# Lookups by many ids go in slices: SQLite limits the parameters of one statement.
ID_SLICE = 500


def _slices(values: list, size: int = ID_SLICE):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _check_attendance(meeting: Meeting, mode: str, today: date):
    _check_not_cancelled(meeting)
    if mode not in AttendanceMode.values:
        raise BoardError(f"Unknown attendance: {mode!r}.")
    if mode != AttendanceMode.APOLOGIES and meeting.held_on > today:
        raise BoardError(
            f"The {meeting} has not started: members are recorded present on "
            f"{meeting.held_on.day} {meeting.held_on:%B %Y} or after (apologies may be "
            "recorded before).")


def _mark_attendance(actor, meeting: Meeting, members: list, mode: str) -> dict:
    """Write `mode` for each member (one row each, changed in place) with row history, and
    end the live proxies of members now present ("attended"). Returns what changed."""
    now = timezone.now()
    user = user_or_none(actor)
    ids = [m.pk for m in members]
    existing = {}
    for chunk in _slices(ids):
        existing.update({row.member_id: row for row in meeting.attendance.filter(
            member_id__in=chunk)})
    added = [Attendance(society=meeting.society, meeting=meeting, member_id=pk, mode=mode,
                        recorded_at=now) for pk in ids if pk not in existing]
    changed = [row for row in existing.values() if row.mode != mode]
    for row in changed:
        row.mode, row.recorded_at = mode, now
    if added:
        bulk_create_with_history(added, Attendance, batch_size=ID_SLICE, default_user=user)
    if changed:
        bulk_update_with_history(changed, Attendance, ["mode", "recorded_at"],
                                 batch_size=ID_SLICE, default_user=user)
    revoked = []
    if mode != AttendanceMode.APOLOGIES:
        for chunk in _slices(ids):
            appointments = list(meeting.proxy_appointments.select_for_update(of=("self",))
                                .filter(appointer_id__in=chunk, revoked_at__isnull=True))
            for appointment in appointments:
                appointment.revoked_at = now
                appointment.revoked_reason = ProxyRevocation.ATTENDED
            if appointments:
                bulk_update_with_history(appointments, ProxyAppointment,
                                         ["revoked_at", "revoked_reason"], default_user=user)
            revoked += [str(a.public_id) for a in appointments]
    return {"added": len(added), "changed": len(changed), "proxy_revoked": revoked}


@transaction.atomic
def record_attendance(*, actor, meeting: Meeting, member, mode: str,
                      today: date | None = None) -> Attendance:
    """Present in person, online, or apologies: one row per member per meeting (changed if
    recorded again). Present only from the meeting's day; apologies at any time. A member
    present revokes their own proxy ("attended in person")."""
    meeting = _locked_meeting(meeting)
    society = meeting.society
    _check_same_society(society, member)
    _check_attendance(meeting, mode, today or timezone.localdate())
    if not member.is_active_on(meeting.held_on):
        raise BoardError(f"{member.full_name} is not a member on {meeting.held_on:%d %B %Y}.")
    done = _mark_attendance(actor, meeting, [member], mode)
    row = meeting.attendance.get(member=member)
    audit.record(society, actor, "board.attendance_recorded", row, {
        "meeting": str(meeting.public_id), "member": member.member_number, "mode": mode,
        "proxy_revoked": done["proxy_revoked"],
    })
    return row


@transaction.atomic
def record_attendance_many(*, actor, meeting: Meeting, members: list, mode: str,
                           today: date | None = None) -> dict:
    """The same for many members at once (ticked on the page or a pasted list of numbers):
    all or nothing — if any member cannot be recorded, nobody is. Returns how many rows were
    added and changed and which proxies ended."""
    meeting = _locked_meeting(meeting)
    society = meeting.society
    _check_attendance(meeting, mode, today or timezone.localdate())
    members = list({m.pk: m for m in members}.values())
    if not members:
        raise BoardError("Choose at least one member.")
    _check_same_society(society, *members)
    not_members = [m for m in members if not m.is_active_on(meeting.held_on)]
    if not_members:
        names = ", ".join(f"{m.full_name} (no. {m.member_number})" for m in not_members[:10])
        more = f" and {len(not_members) - 10} more" if len(not_members) > 10 else ""
        raise BoardError(f"Not members on {meeting.held_on:%d %B %Y}: {names}{more}. "
                         "Nobody was recorded.")
    done = _mark_attendance(actor, meeting, members, mode)
    audit.record(society, actor, "board.attendance_recorded_many", meeting, {
        "meeting": str(meeting.public_id), "mode": mode,
        "members": sorted(m.member_number for m in members), **done,
    })
    return done


def live_proxies(meeting: Meeting):
    """Live appointments whose holder can vote them: the chair, or a holder who is present."""
    present = meeting.attendance.exclude(mode=AttendanceMode.APOLOGIES).values("member_id")
    return meeting.proxy_appointments.filter(revoked_at__isnull=True).filter(
        Q(holder__isnull=True) | Q(holder__in=present))


def roll_size(meeting: Meeting) -> int:
    from members.models import Member

    return Member.objects.filter(society=meeting.society).active_on(meeting.held_on).count()


def meeting_quorum(meeting: Meeting) -> rules.QuorumResult:
    society = meeting.society
    return rules.check_quorum(
        roll_size=roll_size(meeting),
        in_person=meeting.attendance.exclude(mode=AttendanceMode.APOLOGIES).count(),
        proxies=live_proxies(meeting).count(),
        minimum_members=society.quorum_minimum_members,
        percent=Fraction(society.quorum_percent), count_proxies=society.quorum_counts_proxies)


# --- Votes on resolutions -------------------------------------------------------------------

def advance_votes(contest: Contest) -> dict:
    """The contest's online and paper ballots, once advance voting has closed, as the ballot
    box counts them (`ballots.services.advance_votes`)."""
    from ballots.services import BallotError
    from ballots.services import advance_votes as counted_in_advance

    try:
        return counted_in_advance(contest)
    except BallotError as error:
        raise BoardError(str(error)) from None


def _voted_in_advance(item: AgendaItem):
    return item.resolution.roll.filter(voted_on__isnull=False).values("member_id")


def instructed_proxy_votes(item: AgendaItem) -> dict:
    """Proxy votes on one resolution from the instructions of live appointments whose holder
    can vote; a member who already voted in advance on it is not counted again."""
    counts = {value: 0 for value in ProxyInstruction.values}
    rows = (ProxyVoteInstruction.objects.filter(
        agenda_item=item, appointment__in=live_proxies(item.meeting))
        .exclude(appointment__appointer__in=_voted_in_advance(item))
        .values("instruction").annotate(n=Count("id")))
    for row in rows:
        counts[row["instruction"]] = row["n"]
    return counts


def voters_at_meeting(item: AgendaItem, instructed: dict | None = None
                      ) -> rules.VotersAtMeeting:
    """Who can still vote on the resolution at the meeting: members present and members of
    the society on its day, less those who voted on it in advance; and the proxies held."""
    from members.models import active_on_q

    meeting = item.meeting
    present = meeting.attendance.exclude(mode=AttendanceMode.APOLOGIES).filter(
        active_on_q(meeting.held_on, "member__"))
    voted = present.filter(member__in=_voted_in_advance(item)).count()
    instructed = instructed if instructed is not None else instructed_proxy_votes(item)
    return rules.VotersAtMeeting(
        present=present.count() - voted, voted_in_advance=voted,
        discretionary_proxies=instructed[ProxyInstruction.DISCRETION],
        instructed_proxies=sum(n for key, n in instructed.items()
                               if key != ProxyInstruction.DISCRETION))


class VoteCountError(BoardError):
    """Figures that cannot be right; `problems` name the field and the numbers."""

    def __init__(self, problems: list[rules.CountProblem]):
        self.problems = problems
        super().__init__(" ".join(p.message for p in problems))


class VoteFiguresChanged(BoardError):
    """The record changed between checking the figures and confirming them: `plan` is what
    they give now."""

    def __init__(self, plan):
        self.plan = plan
        super().__init__("The meeting's record changed while the figures were being checked "
                         "(attendance, proxies or advance votes): check the result below "
                         "again before confirming.")


@dataclass(frozen=True)
class VotePlan:
    """What entering the figures would record, worked out before anything is written."""

    item: AgendaItem
    method: str
    online: rules.Count
    instructed: rules.Count
    discretion: rules.Count
    room: rules.Count
    voters: rules.VotersAtMeeting
    quorum: rules.QuorumResult
    kind: str
    fraction: Fraction
    casting_vote: str | None
    result: ResolutionResult

    @property
    def proxy(self) -> rules.Count:
        return self.instructed + self.discretion

    @property
    def method_label(self) -> str:
        return VoteMethod(self.method).label

    @property
    def total(self) -> rules.Count:
        return self.online + self.proxy + self.room

    @property
    def fingerprint(self) -> str:
        """The facts the secretary did not enter; confirming checks they still hold."""
        return ";".join([
            "online=" + "/".join(map(str, self.online.as_dict().values())),
            "instructed=" + "/".join(map(str, self.instructed.as_dict().values())),
            f"present={self.voters.present}", f"advance={self.voters.voted_in_advance}",
            f"discretionary={self.voters.discretionary_proxies}",
            f"quorum={self.quorum.present}/{self.quorum.required}",
            f"kind={self.kind}:{self.fraction}",
        ])

    def same_figures_as(self, vote: MeetingVote) -> bool:
        return (self.method == vote.method and (self.online, self.proxy, self.room) == (
            rules.Count(vote.online_for, vote.online_against, vote.online_abstain),
            rules.Count(vote.proxy_for, vote.proxy_against, vote.proxy_abstain),
            rules.Count(vote.room_for, vote.room_against, vote.room_abstain))
            and self.result.casting_vote_used == vote.decision.casting_vote_used)


def why_no_vote_yet(meeting: Meeting, today: date | None = None) -> str | None:
    """Why the meeting cannot take a vote now (None once it is under way)."""
    return rules.meeting_not_started(
        held_on=meeting.held_on, today=today or timezone.localdate(),
        attendance_taken=meeting.attendance.exists(), cancelled=meeting.is_cancelled)


def plan_vote(item: AgendaItem, *, room: rules.Count, discretion: rules.Count,
              method: str = VoteMethod.SHOW_OF_HANDS, casting_vote: str | None = None,
              today: date | None = None) -> VotePlan:
    """Check the figures for one resolution against the meeting's record and work out the
    result the rules give. Writes nothing; BoardError (VoteCountError for impossible
    figures) says what stops it."""
    meeting = item.meeting
    society = meeting.society
    if item.kind != AgendaItemKind.RESOLUTION:
        raise BoardError("Only a resolution is voted on.")
    not_yet = why_no_vote_yet(meeting, today)
    if not_yet:
        raise BoardError(not_yet)
    if method not in VoteMethod.values:
        raise BoardError(f"Unknown way of voting: {method!r}.")
    quorum = meeting_quorum(meeting)
    if not quorum.quorate:
        raise BoardError(f"No vote without a quorum. {quorum.explanation}")
    contest = item.resolution
    online = rules.Count.of(advance_votes(contest))
    instructed = instructed_proxy_votes(item)
    voters = voters_at_meeting(item, instructed)
    problems = rules.check_meeting_count(voters, room, discretion)
    if problems:
        raise VoteCountError(problems)
    if casting_vote and not society.chair_casting_vote:
        raise BoardError("The rules give the chair no casting vote.")
    from ballots.services import resolution_outcome

    kind = contest.resolution_kind or ResolutionKind.ORDINARY
    fraction = Fraction(contest.fraction_numerator, contest.fraction_denominator)
    proxy = rules.Count.of(instructed) + discretion
    result = resolution_outcome(contest, {
        outcomes.BALLOT: online.as_dict(), outcomes.PROXY: proxy.as_dict(),
        outcomes.MEETING: room.as_dict()}, casting_vote=casting_vote or None)
    return VotePlan(item=item, method=method, online=online,
                    instructed=rules.Count.of(instructed), discretion=discretion, room=room,
                    voters=voters, quorum=quorum, kind=kind, fraction=fraction,
                    casting_vote=casting_vote or None, result=result)


def _locked_item(item: AgendaItem) -> tuple[Meeting, AgendaItem]:
    """The meeting and the item, row-locked in that order (as every meeting service)."""
    meeting = _locked_meeting(item.meeting)
    item = AgendaItem.objects.select_for_update(of=("self",)).select_related(
        "resolution").get(pk=item.pk)
    item.meeting = meeting
    return meeting, item


def _counts(room_for, room_against, room_abstain, discretion_for, discretion_against,
            discretion_abstain) -> tuple[rules.Count, rules.Count]:
    numbers = [room_for, room_against, room_abstain, discretion_for, discretion_against,
               discretion_abstain]
    if any(n is None or isinstance(n, bool) or not isinstance(n, int) or n < 0
           for n in numbers):
        raise BoardError("Votes are whole numbers, none below zero.")
    return (rules.Count(room_for, room_against, room_abstain),
            rules.Count(discretion_for, discretion_against, discretion_abstain))


def _resolution_decision_text(contest: Contest) -> str:
    kind_name = ("Special resolution" if contest.resolution_kind == ResolutionKind.SPECIAL
                 else "Ordinary resolution")
    return f"{kind_name} — {wording.titled(contest.title, contest.resolution_text)}"


def _write_vote(actor, plan: VotePlan, **fields) -> MeetingVote:
    """The vote and its decision, and the figures as the contest's tallies in force."""
    item, meeting = plan.item, plan.item.meeting
    society, contest = meeting.society, item.resolution
    total = plan.total
    decision = enter_decision(
        actor, society, meeting=meeting, meeting_label=str(meeting),
        decided_on=meeting.held_on, text=_resolution_decision_text(contest),
        proposer=item.proposer, seconder=item.seconder, votes_for=total.votes_for,
        votes_against=total.against, abstentions=total.abstain,
        outcome=Outcome.CARRIED if plan.result.passed else Outcome.NOT_CARRIED,
        casting_vote_used=plan.result.casting_vote_used,
        corrects=fields.get("corrects").decision if fields.get("corrects") else None)
    online, proxy, room = plan.online, plan.proxy, plan.room
    vote = MeetingVote.objects.create(
        society=society, agenda_item=item, method=plan.method, online_for=online.votes_for,
        online_against=online.against, online_abstain=online.abstain,
        proxy_for=proxy.votes_for, proxy_against=proxy.against, proxy_abstain=proxy.abstain,
        room_for=room.votes_for, room_against=room.against, room_abstain=room.abstain,
        quorum_present=plan.quorum.present, quorum_required=plan.quorum.required,
        explanation=plan.result.explanation, decision=decision,
        recorded_by=user_or_none(actor),
        **fields)
    # The figures in force on the contest, kept by the ballot box, so its result is the
    # meeting's decision; the figures they replace stay in the earlier vote and its audit entry.
    from ballots.services import BallotError, record_meeting_votes

    try:
        record_meeting_votes(contest, proxy=proxy.as_dict(), room=room.as_dict(),
                             casting_vote=plan.casting_vote if
                             plan.result.casting_vote_used else None)
    except BallotError as error:
        raise BoardError(str(error)) from None
    return vote


def _figures(plan: VotePlan) -> dict:
    return {"online": plan.online.as_dict(), "proxy": plan.proxy.as_dict(),
            "room": plan.room.as_dict(), "method": plan.method, "passed": plan.result.passed}


@transaction.atomic
def vote_on_resolution(*, actor, item: AgendaItem, room_for: int, room_against: int,
                       room_abstain: int = 0, discretion_for: int = 0,
                       discretion_against: int = 0, discretion_abstain: int = 0,
                       method: str = VoteMethod.SHOW_OF_HANDS, casting_vote: str | None = None,
                       today: date | None = None, expected: str | None = None) -> MeetingVote:
    """Combine advance votes, proxy votes (as instructed, plus the discretionary ones as the
    holders voted them) and the votes in the room into one result for the resolution's kind;
    enter it in the decision register with the meeting linked. Refused before the meeting
    has begun (its day, attendance taken), without a quorum, and for more votes than those
    present and the proxies held could cast. `expected`: the plan's fingerprint the
    secretary confirmed; if the record changed since, VoteFiguresChanged."""
    room, discretion = _counts(room_for, room_against, room_abstain, discretion_for,
                               discretion_against, discretion_abstain)
    meeting, item = _locked_item(item)
    _check_not_cancelled(meeting)
    if item.votes.exists():
        raise BoardError("This resolution has already been voted on; its decision is in "
                         "the register. A wrong entry is corrected with “Correct this "
                         "result”.")
    plan = plan_vote(item, room=room, discretion=discretion, method=method,
                     casting_vote=casting_vote, today=today)
    if expected is not None and expected != plan.fingerprint:
        raise VoteFiguresChanged(plan)
    vote = _write_vote(actor, plan)
    audit.record(meeting.society, actor, "board.resolution_voted", vote, {
        "meeting": str(meeting.public_id), "resolution": str(item.resolution.public_id),
        "decision": vote.decision.number, **_figures(plan),
        "quorum": {"present": plan.quorum.present, "required": plan.quorum.required},
    })
    return vote


def correction_refused(vote: MeetingVote) -> str | None:
    """Why this vote's result cannot be corrected here (None when it can)."""
    if MeetingVote.objects.filter(corrects=vote).exists():
        return "This result was already corrected: correct the result now in force."
    contest = vote.agenda_item.resolution
    if contest.state == ContestState.PUBLISHED:
        return (f"The result on “{contest.title}” was published to the members on "
                f"{timezone.localtime(contest.published_at):%d %B %Y}: a correction now is "
                "a decision of a later meeting, recorded in the decision register naming "
                "this one.")
    minutes = Minutes.objects.filter(meeting_id=vote.agenda_item.meeting_id).first()
    if minutes is not None and minutes.approved_on is not None:
        return (f"The minutes of this meeting were approved as a correct record on "
                f"{minutes.approved_on:%d %B %Y}: a correction now is a decision of a later "
                "meeting, recorded in the decision register naming this one.")
    return None


def check_correction(vote: MeetingVote, plan: VotePlan) -> None:
    """BoardError if `plan` cannot correct `vote`: corrected already, minutes approved, or
    the same figures again."""
    refused = correction_refused(vote)
    if refused:
        raise BoardError(refused)
    if plan.same_figures_as(vote):
        raise BoardError(f"These are the figures of decision {vote.decision.number} already: "
                         "there is nothing to correct.")


@transaction.atomic
def correct_meeting_vote(*, actor, vote: MeetingVote, reason: str, room_for: int,
                         room_against: int, room_abstain: int = 0, discretion_for: int = 0,
                         discretion_against: int = 0, discretion_abstain: int = 0,
                         method: str = VoteMethod.SHOW_OF_HANDS,
                         casting_vote: str | None = None, today: date | None = None,
                         expected: str | None = None) -> MeetingVote:
    """Correct a vote entered wrongly: never by an edit. Two new entries go in the register —
    one reversing the wrong decision (with the chair's reason) and the corrected result —
    and a new vote names the one it corrects and becomes the vote in force (its figures the
    contest's tallies). The corrected figures are checked as a first entry is."""
    reason = reason.strip()
    if not reason:
        raise BoardError("Give the chair's reason for the correction.")
    room, discretion = _counts(room_for, room_against, room_abstain, discretion_for,
                               discretion_against, discretion_abstain)
    meeting, item = _locked_item(vote.agenda_item)
    vote = MeetingVote.objects.select_for_update(of=("self",)).select_related(
        "decision").get(pk=vote.pk, agenda_item=item)
    plan = plan_vote(item, room=room, discretion=discretion, method=method,
                     casting_vote=casting_vote, today=today)
    check_correction(vote, plan)
    if expected is not None and expected != plan.fingerprint:
        raise VoteFiguresChanged(plan)
    wrong = vote.decision
    reversal = enter_decision(
        actor, meeting.society, meeting=meeting, meeting_label=str(meeting),
        decided_on=today or timezone.localdate(), corrects=wrong, outcome=Outcome.REVERSED,
        text=(f"Decision {wrong.number} is reversed: it was entered in error (for "
              f"{wrong.votes_for}, against {wrong.votes_against}, abstentions "
              f"{wrong.abstentions}; {wrong.get_outcome_display().lower()}). The chair's "
              f"reason: {reason}"))
    corrected = _write_vote(actor, plan, corrects=vote, reversal=reversal,
                            correction_reason=reason)
    audit.record(meeting.society, actor, "board.resolution_vote_corrected", corrected, {
        "meeting": str(meeting.public_id), "resolution": str(item.resolution.public_id),
        "reason": reason, "reversed": wrong.number, "reversal": reversal.number,
        "decision": corrected.decision.number,
        "before": {"online": {"for": vote.online_for, "against": vote.online_against,
                              "abstain": vote.online_abstain},
                   "proxy": {"for": vote.proxy_for, "against": vote.proxy_against,
                             "abstain": vote.proxy_abstain},
                   "room": {"for": vote.room_for, "against": vote.room_against,
                            "abstain": vote.room_abstain},
                   "method": vote.method, "passed": wrong.outcome == Outcome.CARRIED},
        "after": _figures(plan),
    })
    return corrected


def with_current_votes(items):
    """Agenda items with the vote in force on each loaded in one query (`item.current_vote`)."""
    return items.prefetch_related(Prefetch(
        "votes", to_attr="current_votes",
        queryset=MeetingVote.objects.filter(correction__isnull=True).select_related(
            "decision", "corrects__decision", "reversal", "recorded_by")))


# --- Minutes --------------------------------------------------------------------------------


def minutes_from_record(meeting: Meeting) -> str:
    """A first draft of the minutes from what the meeting recorded."""
    lines = [f"Minutes of the {meeting}", ""]
    if meeting.place:
        lines.append(f"Held at: {' '.join(meeting.place.split())}")
    if meeting.chair_name:
        lines.append(f"In the chair: {meeting.chair_name}")
    attendance = list(meeting.attendance.select_related("member").order_by(
        "member__full_name"))
    present = [a for a in attendance if a.mode != AttendanceMode.APOLOGIES]
    apologies = [a for a in attendance if a.mode == AttendanceMode.APOLOGIES]
    lines += ["", f"Present ({len(present)}):"]
    lines += [f"- {a.member.full_name}" + (" (online)" if a.mode == AttendanceMode.ONLINE
                                          else "") for a in present] or ["- none recorded"]
    lines += ["", f"Apologies ({len(apologies)}):"]
    lines += [f"- {a.member.full_name}" for a in apologies] or ["- none"]
    if meeting.is_general:
        proxies = list(live_proxies(meeting).select_related("appointer", "holder"))
        lines += ["", f"Proxies held ({len(proxies)}):"]
        lines += [f"- {p.appointer.full_name}, held by "
                  f"{p.holder.full_name if p.holder_id else 'the chair of the meeting'}"
                  for p in proxies] or ["- none"]
        quorum = meeting_quorum(meeting)
        lines += ["", f"Quorum: {quorum.explanation}"]
    lines += ["", "Business:"]
    for item in with_current_votes(meeting.agenda_items.order_by("position")):
        lines.append(f"{item.position}. {item.title} ({item.get_kind_display()})")
        if item.description:
            lines.append(f"   {item.description}")
        vote = item.current_vote
        if vote is not None:
            d = vote.decision
            lines.append(
                f"   Decision {d.number}: {d.get_outcome_display()}. For {d.votes_for}, "
                f"against {d.votes_against}, abstentions {d.abstentions} (in advance "
                f"{vote.online_for}/{vote.online_against}/{vote.online_abstain}, by proxy "
                f"{vote.proxy_for}/{vote.proxy_against}/{vote.proxy_abstain}, in the meeting "
                f"{vote.room_for}/{vote.room_against}/{vote.room_abstain}). "
                f"{vote.explanation}")
            if vote.is_correction:
                lines.append(
                    f"   This corrects decision {vote.corrects.decision.number}, entered in "
                    f"error and reversed by decision {vote.reversal.number}. The chair's "
                    f"reason: {vote.correction_reason}")
    others = meeting.decisions.filter(vote__isnull=True, reversing_vote__isnull=True
                                      ).order_by("number")
    if others.exists():
        lines += ["", "Other decisions:"]
        lines += [f"- Decision {d.number}: {d.text} — {d.get_outcome_display()}"
                  for d in others]
    return "\n".join(lines) + "\n"


@transaction.atomic
def draft_minutes(*, actor, meeting: Meeting) -> Minutes:
    meeting = _locked_meeting(meeting)
    if Minutes.objects.filter(meeting=meeting).exists():
        raise BoardError("Minutes of this meeting are already drafted: edit them.")
    minutes = Minutes.objects.create(
        society=meeting.society, meeting=meeting, text=minutes_from_record(meeting),
        drafted_by=user_or_none(actor))
    audit.record(meeting.society, actor, "board.minutes_drafted", minutes,
                 {"meeting": str(meeting.public_id)})
    return minutes


def _locked_minutes(minutes: Minutes) -> Minutes:
    minutes = Minutes.objects.select_for_update(of=("self",)).get(pk=minutes.pk)
    if minutes.approved_on is not None:
        raise BoardError("These minutes were approved and are locked: record a correcting "
                         "decision instead.")
    return minutes


@transaction.atomic
def edit_minutes(*, actor, minutes: Minutes, text: str) -> Minutes:
    minutes = _locked_minutes(minutes)
    if not text.strip():
        raise BoardError("The minutes cannot be empty.")
    minutes.text, minutes.edited_at = text.strip() + "\n", timezone.now()
    minutes.save(update_fields=["text", "edited_at"])
    audit.record(minutes.society, actor, "board.minutes_edited", minutes,
                 {"meeting": str(minutes.meeting.public_id), "length": len(minutes.text)})
    return minutes


@transaction.atomic
def approve_minutes(*, actor, minutes: Minutes, at_meeting: Meeting,
                    proposer: str = "", seconder: str = "") -> Minutes:
    """Approved at a later meeting (recorded as its decision); then locked for good."""
    minutes = _locked_minutes(minutes)
    society = minutes.society
    _check_same_society(society, at_meeting)
    meeting = minutes.meeting
    if at_meeting.pk == meeting.pk or at_meeting.held_on <= meeting.held_on:
        raise BoardError("Minutes are approved at a later meeting.")
    if at_meeting.held_on > timezone.localdate():
        raise BoardError(f"The {at_meeting} has not been held yet.")
    if meeting.is_general != at_meeting.is_general or (
            not meeting.is_general and meeting.body_id != at_meeting.body_id):
        raise BoardError("Minutes are approved at a later meeting of the same body.")
    decision = enter_decision(
        actor, society, body=at_meeting.body, meeting=at_meeting,
        meeting_label=str(at_meeting), decided_on=at_meeting.held_on,
        text=f"That the minutes of the {meeting} be approved as a correct record.",
        proposer=proposer.strip(), seconder=seconder.strip(), outcome=Outcome.CARRIED)
    minutes.approved_at_meeting, minutes.approved_on = at_meeting, at_meeting.held_on
    minutes.approval_decision = decision
    minutes.save(update_fields=["approved_at_meeting", "approved_on", "approval_decision"])
    audit.record(society, actor, "board.minutes_approved", minutes, {
        "meeting": str(meeting.public_id), "at_meeting": str(at_meeting.public_id),
        "decision": decision.number,
    })
    return minutes


@transaction.atomic
def set_meeting_rules(*, actor, society: Society, quorum_minimum_members: int,
                      quorum_percent, quorum_counts_proxies: bool, proxy_deadline_hours: int,
                      proxy_max_per_holder: int | None, chair_casting_vote: bool) -> Society:
    if not 0 <= quorum_percent <= 100:
        raise BoardError("The quorum percentage must be between 0 and 100.")
    if quorum_minimum_members < 1:
        raise BoardError("A quorum needs at least one member.")
    society = Society.objects.select_for_update(of=("self",)).get(pk=society.pk)
    values = {"quorum_minimum_members": quorum_minimum_members,
              "quorum_percent": quorum_percent, "quorum_counts_proxies": quorum_counts_proxies,
              "proxy_deadline_hours": proxy_deadline_hours,
              "proxy_max_per_holder": proxy_max_per_holder,
              "chair_casting_vote": chair_casting_vote}
    for field, value in values.items():
        setattr(society, field, value)
    society.save(update_fields=list(values))
    audit.record(society, actor, "board.meeting_rules_set", society,
                 {k: str(v) for k, v in values.items()})
    return society
