"""Demo boards for `seed_demo`: bodies and seats, current terms held by real demo members,
officers, declared interests, past meetings and the decisions they made.

Like the rest of the demo data it describes a state that already exists, so rows are written
directly (no services, no audit entries, no notices). Idempotent: each part is written only
where it is missing, so `seed_demo` can run on every `make run` and change nothing the second
time. Call inside the society's scope, after its members exist.
"""

from dataclasses import dataclass, field
from datetime import date

from boards.demo_meetings import seed_meeting_records
from boards.models import (
    Body,
    Decision,
    FilledBy,
    InterestDeclaration,
    Meeting,
    MeetingKind,
    OfficerAppointment,
    SeatCategory,
    Term,
)
from boards.services.common import add_years
from members.models import Member


@dataclass
class Seats:
    name: str
    seats: int
    filled_by: str
    filled: int = 0  # how many to fill (the rest stay vacant)
    constituency: str | None = None  # stakeholder class name
    appointer: str = ""
    holders: tuple = ()  # names of outside appointees (not members)
    term_years: int | None = 3
    max_terms: int | None = None
    rotation: bool = False
    members_only: bool = True


@dataclass
class DemoBoard:
    body: str
    seats: list
    officers: list  # (office, seat name whose holder takes it, or "secretary")
    interests: list  # (seat name, index of holder, interest)
    meetings: list  # (kind, held_on, place)
    decisions: list  # (meeting index, text, proposer?, for, against, abstain, outcome)
    elected_on: list = field(default_factory=list)  # AGM dates, for staggered terms


def elected(name, seats, filled, constituency=None):
    return Seats(name, seats, FilledBy.ELECTED, filled, constituency=constituency,
                 max_terms=3, rotation=True)


def appointed(name, seats, appointer, *holders):
    return Seats(name, seats, FilledBy.APPOINTED, len(holders), appointer=appointer,
                 holders=holders, term_years=None, members_only=False)


def co_opted(filled):
    # Co-optees serve until the AGM ratifies them, then to the end of the board's year.
    return Seats("Co-opted members", 2, FilledBy.CO_OPTED, filled, term_years=None)


BOARDS = {
    "millmead": DemoBoard(
        body="Management board",
        seats=[
            elected("Parent representatives", 6, 6, "Parent"),
            elected("Community representatives", 3, 2, "Community"),
            elected("Volunteer representative", 1, 1, "Volunteer"),
            elected("Staff representatives", 3, 3, "Staff"),
            appointed("Kent County Council members", 2, "Kent County Council",
                      "Cllr Janet Pryor", "Cllr Tom Okafor"),
            appointed("Primary care trust member", 1, "Eastern and Coastal Kent PCT",
                      "Dr Helen Marsh"),
            co_opted(2),
        ],
        officers=[("chair", "Parent representatives"), ("secretary", "secretary"),
                  ("treasurer", "Community representatives")],
        interests=[("Parent representatives", 0, "Trustee of Margate Family Support Trust"),
                   ("Staff representatives", 1, "Employed by the centre as a family worker"),
                   ("Kent County Council members", 0,
                    "Member of Kent County Council's children's services committee")],
        meetings=[(MeetingKind.AGM, date(2025, 9, 17), "The centre's hall, Millmead Road"),
                  (MeetingKind.BOARD, date(2026, 1, 14), "Meeting room 2, Millmead Road"),
                  (MeetingKind.AGM, date(2026, 9, 16), "The centre's hall, Millmead Road")],
        decisions=[
            (0, "The annual report and accounts for 2024/25 are received.", 41, 0, 2),
            (0, "Hughes & Co are appointed auditors for 2025/26.", 38, 3, 2),
            (0, "The co-option of the board's first co-opted member is ratified.", 40, 1, 2),
            (1, "The budget for 2026/27 is approved.", 12, 1, 1),
            (1, "The safeguarding policy as revised in January 2026 is adopted.", 15, 0, 0),
            (2, "The annual report and accounts for 2025/26 are received.", 44, 0, 3),
            (2, "The centre opens on Saturday mornings from January 2027.", 29, 17, 4),
        ],
        elected_on=[date(2024, 9, 18), date(2025, 9, 17), date(2026, 9, 16)],
    ),
    "pembroke-street": DemoBoard(
        body="TMO board",
        seats=[
            elected("Resident members", 12, 11),
            appointed("Council nominee", 1, "Plymouth City Council", "Cllr Sam Trewin"),
            co_opted(1),
        ],
        officers=[("chair", "Resident members"), ("secretary", "secretary"),
                  ("treasurer", "Resident members")],
        interests=[("Resident members", 2, "Leaseholder of a flat on the estate"),
                   ("Resident members", 4, "Director of Pembroke Street Community Cafe Ltd")],
        meetings=[(MeetingKind.AGM, date(2025, 10, 8), "Pembroke Street Community Centre"),
                  (MeetingKind.BOARD, date(2026, 2, 3), "Estate Office"),
                  (MeetingKind.AGM, date(2026, 10, 7), "Pembroke Street Community Centre")],
        decisions=[
            (0, "The annual report and accounts for 2024/25 are received.", 63, 2, 4),
            (0, "The repairs contractor's contract is renewed for two years.", 51, 14, 4),
            (1, "Door entry systems on blocks A to D are replaced in 2026/27.", 10, 0, 1),
            (1, "The estate caretaking hours rise to 37.5 a week.", 7, 4, 0),
            (2, "The annual report and accounts for 2025/26 are received.", 58, 1, 6),
            (2, "Ball games are allowed on the green behind block C.", 22, 31, 9),
        ],
        elected_on=[date(2024, 10, 9), date(2025, 10, 8), date(2026, 10, 7)],
    ),
    "baywind": DemoBoard(
        body="Board of directors",
        seats=[elected("Elected directors", 7, 6), co_opted(1)],
        officers=[("chair", "Elected directors"), ("secretary", "secretary"),
                  ("treasurer", "Elected directors")],
        interests=[("Elected directors", 1, "Shareholder in Energy4All Ltd"),
                   ("Elected directors", 3, "Member of Cumbria Action for Sustainability")],
        meetings=[(MeetingKind.AGM, date(2025, 6, 21), "Coronation Hall, Ulverston"),
                  (MeetingKind.BOARD, date(2025, 11, 12), "The Old Windmill, Ulverston"),
                  (MeetingKind.AGM, date(2026, 6, 20), "Coronation Hall, Ulverston")],
        decisions=[
            (0, "The annual report and accounts for 2024 are received.", 212, 3, 9),
            (0, "Interest of 5.5% is paid on members' shares for 2024.", 201, 11, 12),
            (1, "The repowering study of the Harlock Hill turbines is commissioned.", 6, 1, 0),
            (2, "The annual report and accounts for 2025 are received.", 198, 2, 7),
            (2, "Interest of 5.5% is paid on members' shares for 2025.", 190, 9, 8),
        ],
        elected_on=[date(2024, 6, 22), date(2025, 6, 21), date(2026, 6, 20)],
    ),
}


def seed_boards(society) -> None:
    """Write the demo board of `society` where it is missing (inside its scope)."""
    spec = BOARDS.get(society.slug)
    if spec is None:
        return
    body, _ = Body.objects.get_or_create(
        society=society, name=spec.body,
        defaults={"kind": "board", "description": "The society's management board."})
    members = list(Member.objects.filter(society=society, ceased_on__isnull=True)
                   .select_related("stakeholder_class").order_by("member_number"))
    secretary = members[0] if members else None  # the demo secretary is member number 1
    used = {secretary.pk} if secretary else set()
    holders = {}
    for seats in spec.seats:
        category = _category(society, body, seats)
        holders[seats.name] = _terms(society, category, seats, members, used, spec.elected_on)
    _officers(society, spec, holders, secretary)
    _interests(society, spec, holders)
    meetings = _meetings(society, body, spec)
    _decisions(society, body, spec, meetings)
    seed_meeting_records(society, secretary.user if secretary else None, meetings, members)


def _category(society, body, seats: Seats) -> SeatCategory:
    constituency = (society.stakeholder_classes.filter(name=seats.constituency).first()
                    if seats.constituency else None)
    category, _ = SeatCategory.objects.get_or_create(
        society=society, body=body, name=seats.name,
        defaults={"seats": seats.seats, "filled_by": seats.filled_by,
                  "constituency": constituency, "appointing_body": seats.appointer,
                  "term_years": seats.term_years, "max_consecutive_terms": seats.max_terms,
                  "requires_membership": seats.members_only,
                  "subject_to_rotation": seats.rotation})
    return category


def _eligible(members, used, seats: Seats, on: date):
    for member in members:
        if member.pk in used or not member.is_active_on(on) or member.is_under_16_on(on):
            continue
        if seats.constituency and member.stakeholder_class.name != seats.constituency:
            continue
        yield member


def _terms(society, category, seats: Seats, members, used, elected_on) -> list[Term]:
    """The category's current terms; written only if it has none yet."""
    existing = list(category.terms.filter(ended_on__isnull=True).order_by("started_on", "id"))
    if category.terms.exists():
        used.update(t.member_id for t in existing if t.member_id)
        return existing
    made = []
    if seats.holders:
        for name in seats.holders:
            made.append(Term.objects.create(
                society=society, seat_category=category, holder_name=name,
                how_filled=FilledBy.APPOINTED, started_on=date(2024, 4, 1),
                reference=f"Nominated by {seats.appointer}, letter of 12 March 2024"))
        return made
    for i in range(seats.filled):
        if seats.filled_by == FilledBy.CO_OPTED:
            # One ratified at the last-but-one AGM; one co-opted since the last AGM, awaiting.
            started = date(2025, 5, 14) if i == 0 else date(2026, 10, 21)
        else:
            # Staggered: a third elected at each of the last three AGMs.
            started = elected_on[i % len(elected_on)]
        member = next(_eligible(members, used, seats, started), None)
        if member is None:
            break
        used.add(member.pk)
        ratified = elected_on[1] if seats.filled_by == FilledBy.CO_OPTED and i == 0 else None
        made.append(Term.objects.create(
            society=society, seat_category=category, member=member,
            holder_name=member.full_name, how_filled=seats.filled_by, started_on=started,
            due_to_end_on=add_years(started, seats.term_years) if seats.term_years else None,
            ratified_on=ratified,
            reference=(f"Board election declared at the AGM of {started:%d %B %Y}"
                       if seats.filled_by == FilledBy.ELECTED
                       else f"Co-opted by the board on {started:%d %B %Y}")))
    return made


def _officers(society, spec: DemoBoard, holders, secretary) -> None:
    if OfficerAppointment.objects.filter(society=society).exists():
        return
    taken = set()
    for office, source in spec.officers:
        if source == "secretary":
            member, since = secretary, date(2023, 1, 9)
        else:
            term = next((t for t in holders.get(source, [])
                         if t.member_id and t.member_id not in taken), None)
            member, since = (term.member, term.started_on) if term else (None, None)
        if member is None:
            continue
        taken.add(member.pk)
        OfficerAppointment.objects.create(
            society=society, office=office, member=member, name=member.full_name,
            address="\n".join(member.postal_address_lines) or society.registered_office,
            taken_up_on=max(since, member.admitted_on))


def _interests(society, spec: DemoBoard, holders) -> None:
    if InterestDeclaration.objects.filter(society=society).exists():
        return
    for source, index, interest in spec.interests:
        terms = holders.get(source, [])
        if index < len(terms):
            InterestDeclaration.objects.create(society=society, term=terms[index],
                                               interest=interest,
                                               declared_on=terms[index].started_on)


def _meetings(society, body, spec: DemoBoard) -> list[Meeting]:
    meetings = []
    for kind, held_on, place in spec.meetings:
        meeting, _ = Meeting.objects.get_or_create(
            society=society, kind=kind, held_on=held_on,
            body=body if kind == MeetingKind.BOARD else None,
            defaults={"place": place})
        meetings.append(meeting)
    return meetings


def _decisions(society, body, spec: DemoBoard, meetings) -> None:
    """The decisions of the past meetings, numbered from 1, written once."""
    if Decision.objects.filter(society=society).exists():
        return
    for number, (index, text, votes_for, against, abstain) in enumerate(spec.decisions, 1):
        meeting = meetings[index]
        Decision.objects.create(
            society=society, number=number, text=text, decided_on=meeting.held_on,
            body=body if meeting.kind == MeetingKind.BOARD else None, meeting=meeting,
            meeting_label=str(meeting), votes_for=votes_for, votes_against=against,
            abstentions=abstain, outcome="carried" if votes_for > against else "not_carried")
