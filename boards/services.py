"""Every change to bodies, seats, terms, officers, interests and decisions. Each runs in one
transaction and writes exactly one audit entry."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone

from ballots.counting.resolution import count_resolution
from boards import rules
from boards.models import (
    Body,
    Decision,
    FilledBy,
    InterestDeclaration,
    Meeting,
    MeetingKind,
    Office,
    OfficerAppointment,
    Outcome,
    SeatCategory,
    Term,
    TermEnd,
)
from societies import audit
from societies.models import Society


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


@transaction.atomic
def ratify_co_option(*, actor, term: Term, ratified_on: date) -> Term:
    locked = Term.objects.select_for_update(of=("self",)).get(pk=term.pk)
    if locked.how_filled != FilledBy.CO_OPTED:
        raise BoardError("Only a co-option is ratified.")
    if locked.ratified_on is not None or locked.ended_on is not None:
        raise BoardError("This co-option is already ratified or ended.")
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
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit.record(term.society, actor, "board.interest_declared", declaration,
                 {"holder": term.holder_name, "declared_on": _iso(declared_on)})
    return declaration


@transaction.atomic
def record_decision(*, actor, society: Society, text: str, decided_on: date, body=None,
                    meeting_label: str = "", proposer: str = "", seconder: str = "",
                    votes_for: int = 0, votes_against: int = 0, abstentions: int = 0,
                    casting_vote: str | None = None, outcome: str | None = None,
                    corrects: Decision | None = None) -> Decision:
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
    # Lock the society row so numbers are given out one at a time.
    Society.objects.select_for_update(of=("self",)).get(pk=society.pk)
    number = (Decision.objects.filter(society=society).aggregate(n=Max("number"))["n"] or 0) + 1
    decision = Decision(
        society=society, number=number, body=body, meeting_label=meeting_label.strip(),
        decided_on=decided_on, text=text.strip(), proposer=proposer.strip(),
        seconder=seconder.strip(), votes_for=votes_for, votes_against=votes_against,
        abstentions=abstentions, outcome=outcome, casting_vote_used=casting_used,
        corrects=corrects,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    decision.save()
    audit.record(society, actor, "board.decision_recorded", decision, {
        "number": number, "outcome": outcome, "for": votes_for, "against": votes_against,
        "abstain": abstentions, "corrects": corrects.number if corrects else None,
    })
    return decision


@transaction.atomic
def schedule_meeting(*, actor, society: Society, kind: str, held_on: date, body=None,
                     start_time=None, place: str = "", today: date | None = None) -> Meeting:
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
                                     start_time=start_time, place=place.strip())
    audit.record(society, actor, "board.meeting_scheduled", meeting, {
        "kind": kind, "held_on": _iso(held_on),
        "notice_served_by": _iso(meeting.notice_served_by),
    })
    return meeting
