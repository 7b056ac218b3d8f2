"""The board page's reading of the records: rotation and consecutive terms from real terms."""

from datetime import date

from boards import services
from boards.composition import compose

TODAY = date(2026, 11, 24)


def test_rotation_picks_the_longest_in_office_and_leaves_out_those_retiring_anyway(board_world):
    sec, seats = board_world.secretary, board_world.parents
    seats_more = services.define_seat_category(
        actor=sec, body=board_world.board, name="Staff representatives", seats=3,
        filled_by="elected", term_years=3, subject_to_rotation=True)
    people = [board_world.new_member(70 + i, f"Person {i}") for i in range(5)]
    services.start_term(actor=sec, seat_category=seats, member=people[0],
                        started_on=date(2024, 6, 1))
    services.start_term(actor=sec, seat_category=seats, member=people[1],
                        started_on=date(2025, 6, 1))
    services.start_term(actor=sec, seat_category=seats, member=people[2],
                        started_on=date(2023, 6, 1))  # due to end 2026-06-01: retires anyway
    services.start_term(actor=sec, seat_category=seats_more, member=people[3],
                        started_on=date(2024, 1, 1))
    services.start_term(actor=sec, seat_category=seats_more, member=people[4],
                        started_on=date(2026, 1, 1))
    (board,) = compose(board_world.society, TODAY)
    rotation = board.rotation
    names = [board.rotation_names[k] for k in rotation.retiring_by_rotation]
    # four subject to rotation (Person 2 retires anyway) -> nearest to 4/3 is 1
    assert rotation.number == 1
    assert names == ["Person 3"]
    assert [board.rotation_names[k] for k in rotation.retiring_anyway] == ["Person 2"]


def test_consecutive_terms_beyond_the_limit_are_flagged(board_world):
    sec, seats = board_world.secretary, board_world.parents  # at most 2 consecutive
    person = board_world.new_member(80, "Long Server")
    for start, end in [(date(2017, 9, 1), date(2020, 8, 31)),
                       (date(2020, 9, 1), date(2023, 8, 31))]:
        term = services.start_term(actor=sec, seat_category=seats, member=person,
                                   started_on=start)
        services.end_term(actor=sec, term=term, ended_on=end, reason="expired")
    services.start_term(actor=sec, seat_category=seats, member=person,
                        started_on=date(2023, 9, 1))
    (board,) = compose(board_world.society, TODAY)
    (holder,) = [h for row in board.categories for h in row.holders]
    assert holder.consecutive_terms == 3
    assert "3 consecutive terms; the rules allow 2" in holder.problems


def test_a_member_who_turns_out_under_16_is_flagged(board_world):
    person = board_world.new_member(81, "Misdated", date_of_birth=date(1990, 1, 1))
    services.start_term(actor=board_world.secretary, seat_category=board_world.parents,
                        member=person, started_on=date(2026, 9, 1))
    person.date_of_birth = date(2012, 1, 1)  # the register is corrected later
    person.save()
    (board,) = compose(board_world.society, TODAY)
    (holder,) = [h for row in board.categories for h in row.holders]
    assert "under 16: may not be a board member" in holder.problems


def test_terms_keep_their_history(board_world):
    term = services.start_term(actor=board_world.secretary, seat_category=board_world.parents,
                               member=board_world.member("member"), started_on=date(2026, 9, 1))
    services.end_term(actor=board_world.secretary, term=term, ended_on=date(2026, 10, 1),
                      reason="resigned")
    assert [h.history_type for h in term.history.order_by("history_id")] == ["+", "~"]


def test_rotation_is_judged_at_the_next_agm(board_world):
    sec, seats = board_world.secretary, board_world.parents
    people = [board_world.new_member(90 + i, f"Holder {i}") for i in range(3)]
    services.start_term(actor=sec, seat_category=seats, member=people[0],
                        started_on=date(2024, 1, 10))  # due 2027-01-10
    services.start_term(actor=sec, seat_category=seats, member=people[1],
                        started_on=date(2025, 1, 10))
    services.start_term(actor=sec, seat_category=seats, member=people[2],
                        started_on=date(2026, 1, 10))
    (now,) = compose(board_world.society, TODAY)
    assert [now.rotation_names[k] for k in now.rotation.retiring_by_rotation] == ["Holder 0"]
    (at_agm,) = compose(board_world.society, TODAY, rotation_at=date(2027, 2, 1))
    # Holder 0's term ends before that AGM: retiring anyway; 2 left -> nearest to 2/3 is 1.
    assert [at_agm.rotation_names[k] for k in at_agm.rotation.retiring_anyway] == ["Holder 0"]
    assert [at_agm.rotation_names[k] for k in at_agm.rotation.retiring_by_rotation] == [
        "Holder 1"]


def test_the_board_page_names_the_next_agm(board_world):
    from django.urls import reverse
    world = board_world.world
    services.schedule_meeting(actor=board_world.secretary, society=world.society, kind="agm",
                              held_on=date(2031, 6, 20))
    html = world.client("secretary").get(
        reverse("boards:board", kwargs={"society_slug": world.society.slug})).content.decode()
    assert "Retirement by rotation at the next AGM (20 June 2031)" in html
