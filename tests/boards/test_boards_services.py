"""Board services: each change happens, and writes exactly one audit entry."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from boards import services
from boards.models import Decision, OfficerAppointment, Term
from boards.services import BoardError
from societies.models import AuditEntry
from tests.audit_helpers import assert_one_audit_entry, last_audit_id

DAY = date(2026, 9, 1)


def new_entries(society, since_id):
    return list(AuditEntry.objects.filter(society=society, id__gt=since_id).order_by("id"))


@pytest.fixture
def mark(board_world):
    """Call to get a function that returns the audit entries written since."""
    society = board_world.society

    def start():
        last = AuditEntry.objects.filter(society=society).order_by("-id").first()
        since = last.id if last else 0
        return lambda: new_entries(society, since)

    return start


def one(entries, actor, action):
    assert [(e.actor, e.action) for e in entries] == [(actor, action)]
    return entries[0]


def test_defining_a_body_and_seats_is_audited(in_scope, audit_entries):
    secretary = in_scope.users["secretary"]
    body = services.define_body(actor=secretary, society=in_scope.society,
                                name="Finance committee", kind="committee")
    entries = audit_entries(in_scope.society)
    assert [(e.actor, e.action) for e in entries] == [(secretary, "board.body_defined")]
    with pytest.raises(BoardError, match="already a body"):
        services.define_body(actor=secretary, society=in_scope.society,
                             name="finance COMMITTEE", kind="committee")
    since = last_audit_id(in_scope.society)
    category = services.define_seat_category(actor=secretary, body=body, name="Members", seats=4,
                                             filled_by="co_opted")
    assert_one_audit_entry(in_scope.society, "board.seat_category_defined", actor=secretary,
                           target=category, since=since)


def test_seat_rules_are_checked(board_world):
    sec, board = board_world.secretary, board_world.board
    with pytest.raises(BoardError, match="outside body"):
        services.define_seat_category(actor=sec, body=board, name="X", seats=1,
                                      filled_by="appointed")
    with pytest.raises(BoardError, match="negative"):
        services.define_seat_category(actor=sec, body=board, name="X", seats=-1,
                                      filled_by="co_opted")
    staff = board_world.world.classes["Staff"]  # not a constituency
    with pytest.raises(BoardError, match="not a constituency"):
        services.define_seat_category(actor=sec, body=board, name="X", seats=1,
                                      filled_by="elected", constituency=staff)


def test_the_database_refuses_negative_seats_and_inverted_terms(board_world):
    from boards.models import SeatCategory
    with pytest.raises(IntegrityError), transaction.atomic():
        SeatCategory.objects.filter(pk=board_world.parents.pk).update(seats=-1)
    term = services.start_term(actor=board_world.secretary, seat_category=board_world.parents,
                               member=board_world.member("member"), started_on=DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Term.objects.filter(pk=term.pk).update(ended_on=date(2020, 1, 1), end_reason="resigned")


def test_starting_a_term_sets_its_due_end_and_is_audited(board_world, mark):
    entries = mark()
    member = board_world.member("member")
    term = services.start_term(actor=board_world.secretary, seat_category=board_world.parents,
                               member=member, started_on=DAY, reference="2026 election")
    entry = one(entries(), board_world.secretary, "board.term_started")
    assert entry.data["due_to_end_on"] == "2029-09-01"
    assert (term.holder_name, term.how_filled, term.due_to_end_on) == (
        member.full_name, "elected", date(2029, 9, 1))


def test_under_16s_cannot_take_a_seat_or_an_office(board_world, mark):
    entries = mark()
    young = board_world.new_member(50, "Young Person", date_of_birth=date(2011, 6, 1))
    with pytest.raises(BoardError, match="under 16"):
        services.start_term(actor=board_world.secretary, seat_category=board_world.parents,
                            member=young, started_on=DAY)
    with pytest.raises(BoardError, match="under 16"):
        services.appoint_officer(actor=board_world.secretary, society=board_world.society,
                                 office="chair", member=young, taken_up_on=DAY)
    assert entries() == []
    # On their sixteenth birthday they may.
    services.start_term(actor=board_world.secretary, seat_category=board_world.parents,
                        member=young, started_on=date(2027, 6, 1))


def test_only_active_members_take_seats_that_require_membership(board_world):
    gone = board_world.new_member(51, "Former Member", ceased_on=date(2026, 1, 1),
                                  cessation_reason="withdrew")
    with pytest.raises(BoardError, match="not an active member"):
        services.start_term(actor=board_world.secretary, seat_category=board_world.parents,
                            member=gone, started_on=DAY)
    with pytest.raises(BoardError, match="Only members"):
        services.start_term(actor=board_world.secretary, seat_category=board_world.parents,
                            holder_name="Outside Person", started_on=DAY)
    # The council's nominee need not be a member.
    term = services.start_term(actor=board_world.secretary, seat_category=board_world.council,
                               holder_name="Cllr Jane Smith", started_on=DAY)
    assert term.member is None and term.holder_name == "Cllr Jane Smith"


def test_a_full_seat_category_takes_no_more(board_world):
    sec = board_world.secretary
    services.start_term(actor=sec, seat_category=board_world.council, holder_name="A",
                        started_on=DAY)
    with pytest.raises(BoardError, match="All 1 Council nominee seats are filled"):
        services.start_term(actor=sec, seat_category=board_world.council, holder_name="B",
                            started_on=DAY)


def test_a_casual_vacancy_may_be_co_opted_but_not_otherwise_filled(board_world):
    sec = board_world.secretary
    with pytest.raises(BoardError, match="only a co-option"):
        services.start_term(actor=sec, seat_category=board_world.parents,
                            member=board_world.member("member"), started_on=DAY,
                            how_filled="appointed")
    term = services.start_term(actor=sec, seat_category=board_world.parents,
                               member=board_world.member("member"), started_on=DAY,
                               how_filled="co_opted")
    assert term.how_filled == "co_opted"


def test_ending_a_term_records_why_once(board_world, mark):
    term = services.start_term(actor=board_world.secretary, seat_category=board_world.parents,
                               member=board_world.member("member"), started_on=DAY)
    entries = mark()
    services.end_term(actor=board_world.secretary, term=term, ended_on=date(2027, 3, 1),
                      reason="resigned")
    entry = one(entries(), board_world.secretary, "board.term_ended")
    assert entry.data == {"ended_on": "2027-03-01", "reason": "resigned"}
    term.refresh_from_db()
    assert (term.ended_on, term.end_reason) == (date(2027, 3, 1), "resigned")
    with pytest.raises(BoardError, match="already ended"):
        services.end_term(actor=board_world.secretary, term=term, ended_on=date(2027, 3, 2),
                          reason="removed")


def test_ratifying_a_co_option(board_world, mark):
    term = services.start_term(actor=board_world.secretary, seat_category=board_world.co_opted,
                               member=board_world.member("board_member"), started_on=DAY)
    entries = mark()
    services.ratify_co_option(actor=board_world.secretary, term=term,
                              ratified_on=date(2026, 12, 16))
    one(entries(), board_world.secretary, "board.co_option_ratified")
    with pytest.raises(BoardError, match="already ratified"):
        services.ratify_co_option(actor=board_world.secretary, term=term,
                                  ratified_on=date(2026, 12, 17))


def test_register_of_officers_one_chair_at_a_time(board_world, mark):
    sec, society = board_world.secretary, board_world.society
    entries = mark()
    chair = services.appoint_officer(actor=sec, society=society, office="chair",
                                     member=board_world.member("board_member"), taken_up_on=DAY,
                                     address="2 Mill Lane\nTown")
    one(entries(), sec, "board.officer_appointed")
    assert (chair.name, chair.address) == (board_world.member("board_member").full_name,
                                           "2 Mill Lane\nTown")
    with pytest.raises(BoardError, match="already holds the office of Chair"):
        services.appoint_officer(actor=sec, society=society, office="chair",
                                 name="Other", address="x", taken_up_on=DAY)
    entries = mark()
    services.leave_office(actor=sec, appointment=chair, left_on=date(2027, 9, 1))
    one(entries(), sec, "board.officer_left")
    services.appoint_officer(actor=sec, society=society, office="chair", name="Next Chair",
                             address="3 Mill Lane", taken_up_on=date(2027, 9, 1))
    assert OfficerAppointment.objects.filter(society=society, office="chair").count() == 2


def test_an_officer_needs_an_address(board_world):
    with pytest.raises(BoardError, match="name and address"):
        services.appoint_officer(actor=board_world.secretary, society=board_world.society,
                                 office="treasurer", name="No Address", taken_up_on=DAY)


def test_declaring_an_interest(board_world, mark):
    term = services.start_term(actor=board_world.secretary, seat_category=board_world.parents,
                               member=board_world.member("board_member"), started_on=DAY)
    entries = mark()
    declaration = services.declare_interest(actor=board_world.secretary, term=term,
                                            interest="Director of Mill Catering Ltd",
                                            declared_on=DAY)
    one(entries(), board_world.secretary, "board.interest_declared")
    assert declaration.term == term


def test_decisions_are_numbered_counted_and_audited(board_world, mark):
    sec, society = board_world.secretary, board_world.society
    entries = mark()
    first = services.record_decision(actor=sec, society=society, body=board_world.board,
                                     text="Approve the budget", decided_on=DAY,
                                     proposer="A", seconder="B", votes_for=5, votes_against=2,
                                     abstentions=1)
    entry = one(entries(), sec, "board.decision_recorded")
    assert entry.data["outcome"] == "carried" and first.number == 1
    tied = services.record_decision(actor=sec, society=society, body=board_world.board,
                                    text="Paint the hall", decided_on=DAY, votes_for=3,
                                    votes_against=3, casting_vote="against")
    assert (tied.number, tied.outcome, tied.casting_vote_used) == (2, "not_carried", True)
    with pytest.raises(BoardError, match="The votes give"):
        services.record_decision(actor=sec, society=society, text="X", decided_on=DAY,
                                 votes_for=1, votes_against=2, outcome="carried")
    with pytest.raises(BoardError, match="carried"):
        services.record_decision(actor=sec, society=society, text="Consensus", decided_on=DAY)


def test_the_decision_register_is_append_only_and_corrected_by_new_entries(board_world):
    sec, society = board_world.secretary, board_world.society
    wrong = services.record_decision(actor=sec, society=society, text="Appoint auditors X",
                                     decided_on=DAY, outcome="carried")
    with pytest.raises(ValueError, match="append-only"):
        wrong.text = "changed"
        wrong.save()
    with pytest.raises(ValueError, match="append-only"):
        wrong.delete()
    fix = services.record_decision(actor=sec, society=society, text="Appoint auditors Y",
                                   decided_on=DAY, outcome="carried", corrects=wrong)
    assert fix.corrects == wrong and fix.number == 2
    assert Decision.objects.get(pk=wrong.pk).text == "Appoint auditors X"


@pytest.mark.parametrize("statement", [
    "UPDATE boards_decision SET text = 'rewritten'",
    "DELETE FROM boards_decision",
])
def test_postgresql_refuses_to_rewrite_the_decision_register_even_in_raw_sql(board_world,
                                                                             statement):
    from django.db import connection

    from tests.conftest import is_postgres
    if not is_postgres():
        pytest.skip("the trigger is PostgreSQL's: runs in CI's PostgreSQL leg")
    services.record_decision(actor=board_world.secretary, society=board_world.society,
                             text="Adopt the rules", decided_on=DAY, outcome="carried")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(statement)
    assert Decision.objects.get().text == "Adopt the rules"
