"""Where boards meet elections and the register of members: terms started from a published
election result, terms ended when a member ceases, and co-optees the AGM does not ratify.

Each service runs in one transaction and writes exactly one audit entry (docs/boards.md,
"Terms from elections, cessation and ratification").
"""

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from boards import rules
from boards.models import FilledBy, OfficerAppointment, SeatCategory, Term, TermEnd
from boards.services import BoardError, locked_co_option_awaiting_agm
from boards.services.common import add_years, iso
from societies import audit

REFERENCE_LENGTH = 200


# Terms from an election result


@dataclass
class TermsPlan:
    """What starting the winners' terms on `started_on` would do; `problems` stop it."""

    contest: object
    started_on: date
    winners: list = field(default_factory=list)  # Member, in the order elected
    skipped: list = field(default_factory=list)  # (name, why no term starts)
    ending: list = field(default_factory=list)  # (Term, TermEnd) retiring at this election
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def result_reference(contest) -> str:
    """The `Term.reference` of a term started from `contest`'s result."""
    text = f"Election result {contest.public_id}: {contest}"
    return text[:REFERENCE_LENGTH]


def result_date(contest) -> date | None:
    """The day the result became final: signed off, or declared unopposed."""
    from ballots.models import ContestState

    if contest.state == ContestState.PUBLISHED:
        return contest.signed_off_on
    if contest.state == ContestState.UNOPPOSED and contest.published_at:
        return timezone.localdate(contest.published_at)
    return None


def elected_candidates(contest) -> list:
    """The winning candidates, in the order the count elected them."""
    from ballots.models import ContestState
    from ballots.services import engine_candidates

    if contest.state == ContestState.UNOPPOSED:
        return list(contest.standing().select_related("member").order_by("number"))
    candidates, names, _ = engine_candidates(contest)
    by_name = dict(zip(names, candidates, strict=True))
    elected = (contest.result or {}).get("elected") or []
    missing = [name for name in elected if name not in by_name]
    if missing:
        raise BoardError(f"The result names {', '.join(missing)}, who is not a candidate in "
                         "this contest.")
    return [by_name[name] for name in elected]


def retiring_at_election(category: SeatCategory, on: date) -> list[tuple[Term, str]]:
    """Open terms in `category` that end at an election on `on`: those due to end by then
    ("term expired") and, in seats subject to rotation, those the body's rotation retires.

    Rotation is judged on the body as it stood before that day (terms ended that day at the
    election still count), so the contests of one election give the same answer in any order.
    """
    open_terms = list(category.terms.filter(ended_on__isnull=True).order_by("started_on", "id"))
    ending = {t.pk: (t, TermEnd.EXPIRED) for t in open_terms
              if t.due_to_end_on is not None and t.due_to_end_on <= on}
    if category.subject_to_rotation:
        body = category.body
        before = (Term.objects.filter(seat_category__body=body,
                                      seat_category__subject_to_rotation=True,
                                      started_on__lt=on)
                  .filter(Q(ended_on__isnull=True)
                          | Q(ended_on=on, end_reason__in=[TermEnd.EXPIRED,
                                                           TermEnd.RETIRED_BY_ROTATION]))
                  .order_by("started_on", "id"))
        holders = [rules.Holder(str(t.public_id), t.started_on,
                                t.due_to_end_on is not None and t.due_to_end_on <= on)
                   for t in before]
        fraction = Fraction(body.rotation_numerator, body.rotation_denominator)
        chosen = set(rules.retirement_by_rotation(holders, fraction).retiring_by_rotation)
        for term in open_terms:
            if str(term.public_id) in chosen and term.pk not in ending:
                ending[term.pk] = (term, TermEnd.RETIRED_BY_ROTATION)
    return sorted(ending.values(), key=lambda pair: (pair[0].started_on, pair[0].pk))


def plan_terms_from_result(contest, started_on: date) -> TermsPlan:
    """Work out (without writing) what `start_terms_from_result` would do."""
    from ballots.models import ContestState

    plan = TermsPlan(contest=contest, started_on=started_on)
    category = contest.seat_category
    if category is None:
        plan.problems.append("This contest is not linked to any board seats.")
        return plan
    if contest.state not in (ContestState.PUBLISHED, ContestState.UNOPPOSED):
        plan.problems.append("Terms start only from a result that is signed off and published "
                             "(or from candidates declared elected unopposed).")
        return plan
    if contest.terms_started_on is not None:
        plan.problems.append(f"The winners' terms were already started from this result on "
                             f"{contest.terms_started_on:%d %B %Y}.")
        return plan
    if category.filled_by != FilledBy.ELECTED:
        plan.problems.append(f"{category.name} seats are "
                             f"{category.get_filled_by_display().lower()}, not elected.")
        return plan
    decided = result_date(contest)
    if decided is not None and started_on < decided:
        plan.problems.append(f"The terms cannot start before the result ({decided:%d %B %Y}).")
        return plan
    try:
        elected = elected_candidates(contest)
    except BoardError as error:
        plan.problems.append(str(error))
        return plan
    if len(elected) > contest.seats:
        plan.problems.append(f"The result elects {len(elected)} for {contest.seats} seats.")
        return plan
    plan.ending = retiring_at_election(category, started_on)
    ending_ids = {term.pk for term, _ in plan.ending}
    staying = [t for t in category.terms.filter(ended_on__isnull=True).select_related("member")
               if t.pk not in ending_ids]
    staying_members = {t.member_id for t in staying if t.member_id}
    for candidate in elected:
        member = candidate.member
        if member.pk in staying_members:
            plan.problems.append(f"{member.full_name} already holds one of the "
                                 f"{category.name} seats and is not retiring: end that term "
                                 "first.")
        elif not member.is_active_on(started_on):
            plan.skipped.append((member.full_name,
                                 f"not an active member on {started_on:%d %B %Y}"))
        elif member.is_under_16_on(started_on):
            plan.skipped.append((member.full_name, f"under 16 on {started_on:%d %B %Y}"))
        elif category.holder_class_refusal(member):
            plan.skipped.append((member.full_name, f"not in the {category.name} seats' classes"))
        else:
            plan.winners.append(member)
    free = category.seats - len(staying)
    if len(plan.winners) > free:
        plan.problems.append(
            f"{len(plan.winners)} elected, but only {max(free, 0)} of the {category.seats} "
            f"{category.name} seats will be free on {started_on:%d %B %Y}.")
    return plan


@transaction.atomic
def start_terms_from_result(*, actor, contest, started_on: date) -> list[Term]:
    """Start the winners' terms from a signed-off, published result (or an unopposed
    declaration), ending the terms that retire at this election. Once per contest."""
    from ballots.models import Contest

    # Lock the contest (once per result) and the seats (no other appointment takes them).
    contest = (Contest.objects.select_for_update(of=("self",))
               .select_related("seat_category__body", "election").get(pk=contest.pk))
    if contest.seat_category_id is not None:
        SeatCategory.objects.select_for_update(of=("self",)).get(pk=contest.seat_category_id)
    plan = plan_terms_from_result(contest, started_on)
    if not plan.ok:
        raise BoardError(" ".join(plan.problems))
    category = contest.seat_category
    for term, reason in plan.ending:
        term.ended_on, term.end_reason = started_on, reason
        term.save(update_fields=["ended_on", "end_reason"])
    due = add_years(started_on, category.term_years) if category.term_years else None
    reference = result_reference(contest)
    started = [
        Term.objects.create(
            society=category.society, seat_category=category, member=member,
            holder_name=member.full_name, how_filled=FilledBy.ELECTED, started_on=started_on,
            due_to_end_on=due, reference=reference)
        for member in plan.winners
    ]
    contest.terms_started_on = started_on
    contest.save(update_fields=["terms_started_on"])
    audit.record(contest.society, actor, "board.terms_started_from_result", contest, {
        "seat_category": str(category), "started_on": iso(started_on),
        "due_to_end_on": iso(due),
        "started": [m.member_number for m in plan.winners],
        "ended": [{"holder": t.holder_name, "reason": r} for t, r in plan.ending],
        "skipped": [{"holder": name, "why": why} for name, why in plan.skipped],
    })
    return started


def contests_awaiting_terms(society):
    """Results linked to board seats whose winners' terms have not been started yet."""
    from ballots.models import Contest, ContestState

    return (Contest.objects.filter(society=society, seat_category__isnull=False,
                                   terms_started_on__isnull=True,
                                   state__in=[ContestState.PUBLISHED, ContestState.UNOPPOSED])
            .select_related("election", "seat_category__body").order_by("voting_closes"))


# Cessation of membership


def end_terms_on_cessation(sender=None, *, member, ceased_on: date, **kwargs) -> dict:
    """`members.signals.member_ceased` receiver, run inside `cease_member`'s transaction:
    end the member's open terms in seats that require membership ("ceased to be a member").

    Offices are left alone: the Act lets officers be non-members (docs/boards.md); the
    offices still held are named in the cessation's audit entry for the secretary to review.
    Returns what it did, for that audit entry.
    """
    terms = list(Term.objects.select_for_update(of=("self",))
                 .filter(member=member, ended_on__isnull=True,
                         seat_category__requires_membership=True)
                 .select_related("seat_category__body"))
    for term in terms:
        # A term recorded as starting after the (backdated) cessation ends the day it began.
        term.ended_on = max(ceased_on, term.started_on)
        term.end_reason = TermEnd.CEASED_MEMBER
        term.save(update_fields=["ended_on", "end_reason"])
    offices = OfficerAppointment.objects.filter(member=member, left_on__isnull=True)
    return {
        "board_terms_ended": [str(t.seat_category) for t in terms],
        "offices_still_held": [o.office_display for o in offices],
    }


# Ratification of co-optees at the AGM


def awaiting_ratification(society):
    return (Term.objects.filter(society=society, ended_on__isnull=True,
                                how_filled=FilledBy.CO_OPTED, ratified_on__isnull=True)
            .select_related("seat_category__body", "member").order_by("started_on", "id"))


@transaction.atomic
def record_co_option_not_ratified(*, actor, term: Term, decided_on: date) -> Term:
    """The AGM did not ratify a co-option: the term ends that day ("co-option not ratified")."""
    locked = locked_co_option_awaiting_agm(term)
    if decided_on < locked.started_on:
        raise BoardError(f"The AGM's decision cannot be before the co-option "
                         f"({locked.started_on:%d %B %Y}).")
    locked.ended_on, locked.end_reason = decided_on, TermEnd.NOT_RATIFIED
    locked.save(update_fields=["ended_on", "end_reason"])
    audit.record(locked.society, actor, "board.co_option_not_ratified", locked,
                 {"decided_on": iso(decided_on), "seat_category": str(locked.seat_category)})
    term.ended_on, term.end_reason = locked.ended_on, locked.end_reason
    return locked
