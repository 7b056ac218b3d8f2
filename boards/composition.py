"""The board page's reading of the records: each body's current composition against its rules,
and who must retire by rotation at the next AGM. Read-only; call inside the society's scope."""

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from boards import rules
from boards.models import Body, FilledBy, SeatCategory, Term


@dataclass
class HolderRow:
    term: Term
    problems: list[str] = field(default_factory=list)
    awaiting_ratification: bool = False
    consecutive_terms: int = 1


@dataclass
class CategoryRow:
    category: SeatCategory
    holders: list[HolderRow]

    @property
    def vacancies(self) -> int:
        return max(0, self.category.seats - len(self.holders))

    @property
    def overfilled(self) -> int:
        return max(0, len(self.holders) - self.category.seats)


@dataclass
class BodyComposition:
    body: Body
    categories: list[CategoryRow]
    rotation: rules.RotationResult
    rotation_names: dict

    @property
    def seats(self) -> int:
        return sum(row.category.seats for row in self.categories)

    @property
    def filled(self) -> int:
        return sum(len(row.holders) for row in self.categories)

    @property
    def vacancies(self) -> int:
        return sum(row.vacancies for row in self.categories)

    @property
    def problem_count(self) -> int:
        return sum(len(h.problems) for row in self.categories for h in row.holders)


def _holder_row(term: Term, earlier: list[Term], on: date) -> HolderRow:
    row = HolderRow(term=term)
    category = term.seat_category
    member = term.member
    if category.requires_membership and (member is None or not member.is_active_on(on)):
        row.problems.append("not a member, and these seats require membership")
    if member is not None and member.is_under_16_on(on):
        row.problems.append("under 16: may not be a board member")
    if term.due_to_end_on is not None and term.due_to_end_on < on:
        row.problems.append(f"term was due to end on {term.due_to_end_on:%d %B %Y}")
    if member is not None:
        row.consecutive_terms = rules.consecutive_terms(
            [(t.started_on, t.ended_on) for t in earlier] + [(term.started_on, None)])
        limit = category.max_consecutive_terms
        if limit and row.consecutive_terms > limit:
            row.problems.append(
                f"{row.consecutive_terms} consecutive terms; the rules allow {limit}")
    row.awaiting_ratification = (term.how_filled == FilledBy.CO_OPTED
                                 and term.ratified_on is None)
    return row


def compose(society, on: date, seed: str | None = None,
            rotation_at: date | None = None) -> list[BodyComposition]:
    """Composition as at `on`; rotation as at the AGM on `rotation_at` (default `on`)."""
    rotation_at = rotation_at or on
    bodies = list(Body.objects.filter(society=society).order_by("name"))
    categories = list(SeatCategory.objects.filter(society=society)
                      .select_related("body", "constituency").prefetch_related("holder_classes")
                      .order_by("name"))
    terms = list(Term.objects.filter(society=society)
                 .select_related("member", "seat_category").order_by("started_on", "id"))
    open_terms = [t for t in terms if t.ended_on is None]
    past_by_member: dict[tuple[int, int], list[Term]] = {}
    for term in terms:
        if term.ended_on is not None and term.member_id is not None:
            past_by_member.setdefault((term.seat_category_id, term.member_id), []).append(term)
    result = []
    for body in bodies:
        rows = []
        holders_for_rotation = []
        names = {}
        for category in (c for c in categories if c.body_id == body.pk):
            holders = [
                _holder_row(t, past_by_member.get((category.pk, t.member_id), []), on)
                for t in open_terms if t.seat_category_id == category.pk
            ]
            rows.append(CategoryRow(category, holders))
            if category.subject_to_rotation:
                for holder in holders:
                    term = holder.term
                    key = str(term.public_id)
                    names[key] = term.holder_name
                    # Those whose term is due to end by the next AGM retire anyway.
                    anyway = (term.due_to_end_on is not None
                              and term.due_to_end_on <= rotation_at)
                    holders_for_rotation.append(rules.Holder(key, term.started_on, anyway))
        fraction = Fraction(body.rotation_numerator, body.rotation_denominator)
        rotation = rules.retirement_by_rotation(holders_for_rotation, fraction, seed)
        result.append(BodyComposition(body, rows, rotation, names))
    return result
