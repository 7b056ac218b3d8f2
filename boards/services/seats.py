"""Bodies, their seats and the terms served in them: a body and its seat categories, a term
started and ended, a co-option ratified by the AGM, and the interests a board member
declares."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from accounts.acting import user_or_none
from boards.models import Body, FilledBy, InterestDeclaration, SeatCategory, Term, TermEnd
from boards.services.common import BoardError, add_years, check_can_hold_office, iso
from societies import audit
from societies.models import Society


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
                         subject_to_rotation: bool = False,
                         holder_classes=()) -> SeatCategory:
    """Seats on a body. `holder_classes`: the classes candidates and holders must belong to
    (none: any member), whoever votes for them."""
    if seats < 0:
        raise BoardError("The number of seats cannot be negative.")
    if filled_by == FilledBy.APPOINTED and not appointing_body.strip():
        raise BoardError("Name the outside body that appoints to these seats.")
    if filled_by != FilledBy.ELECTED and constituency is not None:
        raise BoardError("Only elected seats have a constituency.")
    if constituency is not None and not constituency.is_constituency:
        raise BoardError(f"{constituency.name} is not a constituency with its own seats.")
    holder_classes = list(holder_classes)
    if any(c.society_id != body.society_id for c in holder_classes):
        raise BoardError("Choose the classes of this society.")
    if holder_classes and not requires_membership:
        raise BoardError("Seats whose holders need not be members cannot require a class.")
    if body.seat_categories.annotate(lname=Lower("name")).filter(lname=name.lower()).exists():
        raise BoardError(f"{body.name} already has seats called {name!r}.")
    category = SeatCategory.objects.create(
        society=body.society, body=body, name=name, seats=seats, filled_by=filled_by,
        constituency=constituency, appointing_body=appointing_body.strip(),
        term_years=term_years, max_consecutive_terms=max_consecutive_terms,
        requires_membership=requires_membership, subject_to_rotation=subject_to_rotation,
    )
    category.holder_classes.set(holder_classes)
    audit.record(body.society, actor, "board.seat_category_defined", category, {
        "body": body.name, "name": name, "seats": seats, "filled_by": filled_by,
        "term_years": term_years, "max_consecutive_terms": max_consecutive_terms,
        "holder_classes": sorted(c.name for c in holder_classes),
    })
    return category


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
    check_can_hold_office(member, started_on,
                           requires_membership=seat_category.requires_membership,
                           what="a board member", seat_category=seat_category)
    if member is None and not holder_name.strip():
        raise BoardError("Give the name of the person taking the seat.")
    open_terms = seat_category.terms.filter(ended_on__isnull=True)
    if open_terms.count() >= seat_category.seats:
        raise BoardError(f"All {seat_category.seats} {seat_category.name} seats are filled.")
    if member is not None and open_terms.filter(member=member).exists():
        raise BoardError(f"{member.full_name} already holds one of these seats.")
    due = (add_years(started_on, seat_category.term_years)
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
        "started_on": iso(started_on), "due_to_end_on": iso(due),
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
                 {"ended_on": iso(ended_on), "reason": reason})
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
                 {"ratified_on": iso(ratified_on)})
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
                 {"holder": term.holder_name, "declared_on": iso(declared_on)})
    return declaration
