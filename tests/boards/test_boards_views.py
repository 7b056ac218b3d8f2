"""Board pages: who sees what, and the secretary's forms call the services."""

from datetime import date

from django.urls import reverse

from boards import services
from boards.models import Decision, OfficerAppointment, Term
from tests.audit_helpers import assert_one_audit_entry, last_audit_id


def url(world, name, **kwargs):
    return reverse(f"boards:{name}", kwargs={"society_slug": world.society.slug, **kwargs})


def test_members_read_the_decision_log_but_not_the_board_page(board_world):
    world = board_world.world
    services.record_decision(actor=board_world.secretary, society=world.society,
                             body=board_world.board, text="Adopt the safeguarding policy",
                             decided_on=date(2026, 9, 1), votes_for=6, votes_against=1)
    member = world.client("member")
    page = member.get(url(world, "decisions"))
    assert page.status_code == 200
    assert "Adopt the safeguarding policy" in page.content.decode()
    assert member.get(url(world, "board")).status_code == 403
    assert member.get(url(world, "officers")).status_code == 403
    assert world.client("board_member").get(url(world, "board")).status_code == 200


def test_the_board_page_flags_what_breaks_the_rules(board_world):
    world = board_world.world
    sec = board_world.secretary
    services.start_term(actor=sec, seat_category=board_world.parents,
                        member=board_world.member("member"), started_on=date(2020, 9, 1))
    co_optee = services.start_term(actor=sec, seat_category=board_world.co_opted,
                                   member=board_world.member("board_member"),
                                   started_on=date(2026, 9, 1))
    # A member who has since ceased still holds a seat that requires membership.
    leaver = board_world.new_member(60, "Lena Leaver")
    services.start_term(actor=sec, seat_category=board_world.parents, member=leaver,
                        started_on=date(2024, 9, 1))
    leaver.ceased_on, leaver.cessation_reason = date(2025, 1, 1), "withdrew"
    leaver.save()
    html = world.client("board_member").get(url(world, "board")).content.decode()
    assert "term was due to end on 01 September 2023" in html
    assert "not a member, and these seats require membership" in html
    assert "awaiting ratification at the next AGM" in html
    assert "1 vacant" in html  # the council nominee seat
    assert "Retirement by rotation" in html
    assert str(co_optee.public_id) not in html  # no secretary links for a board member


def test_secretary_records_a_term_through_the_form(board_world, audit_entries):
    world = board_world.world
    secretary = world.client("secretary")
    since = last_audit_id(world.society)
    response = secretary.post(url(world, "term_new"), {
        "seat_category": board_world.council.pk, "holder_name": "Cllr Ada Jones",
        "how_filled": "appointed", "started_on": "2026-09-01",
    })
    assert response.status_code == 302
    term = Term.objects.get(holder_name="Cllr Ada Jones")
    assert_one_audit_entry(world.society, "board.term_started", actor=world.users["secretary"],
                           target=term, since=since)
    response = secretary.post(url(world, "term_end", public_id=term.public_id),
                              {"ended_on": "2026-12-01", "reason": "removed"})
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.end_reason == "removed"


def test_a_rule_broken_in_a_form_comes_back_as_an_error(board_world):
    world = board_world.world
    young = board_world.new_member(61, "Tom Young", date_of_birth=date(2015, 1, 1))
    response = world.client("secretary").post(url(world, "term_new"), {
        "seat_category": board_world.parents.pk, "member_number": young.member_number,
        "how_filled": "elected", "started_on": "2026-09-01",
    })
    assert response.status_code == 400
    assert "under 16" in response.content.decode()
    assert not Term.objects.filter(member=young).exists()


def test_secretary_keeps_the_register_of_officers(board_world):
    world = board_world.world
    secretary = world.client("secretary")
    response = secretary.post(url(world, "officer_new"), {
        "office": "treasurer", "name": "Tess Treasurer", "address": "4 Mill Lane\nTown",
        "taken_up_on": "2026-09-01"})
    assert response.status_code == 302
    appointment = OfficerAppointment.objects.get()
    secretary.post(url(world, "officer_leave", public_id=appointment.public_id),
                   {"left_on": "2027-09-01"})
    appointment.refresh_from_db()
    assert appointment.left_on == date(2027, 9, 1)
    html = world.client("auditor").get(url(world, "officers")).content.decode()
    assert "Tess Treasurer" in html and "4 Mill Lane" in html


def test_board_members_record_decisions_and_members_cannot(board_world):
    world = board_world.world
    data = {"body": board_world.board.pk, "decided_on": "2026-09-01", "text": "Buy a minibus",
            "votes_for": 2, "votes_against": 2, "abstentions": 0, "casting_vote": "for"}
    assert world.client("member").post(url(world, "decision_new"), data).status_code == 403
    response = world.client("board_member").post(url(world, "decision_new"), data)
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.outcome, decision.casting_vote_used) == ("carried", True)


def test_interests_register(board_world):
    world = board_world.world
    term = services.start_term(actor=board_world.secretary, seat_category=board_world.parents,
                               member=board_world.member("board_member"),
                               started_on=date(2026, 9, 1))
    response = world.client("secretary").post(url(world, "interest_new"), {
        "term": term.pk, "interest": "Trustee of Town Food Bank", "declared_on": "2026-09-02"})
    assert response.status_code == 302
    html = world.client("board_member").get(url(world, "interests")).content.decode()
    assert "Trustee of Town Food Bank" in html
