"""Where boards meet elections and members: terms from a published result, terms ended on
cessation, co-optees the AGM ratifies or not (boards/terms.py)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from ballots import services as ballots
from ballots.models import Contest
from ballots.services import BallotError
from boards import services, terms
from boards.models import OfficerAppointment, Term
from boards.services import BoardError
from members import services as members
from members.models import Member
from societies.models import AuditEntry
from tests.ballots.conftest import close_contest, make_contest
from tests.conftest import anniversary

TODAY = timezone.localdate()


def entries_since(society, since):
    return list(AuditEntry.objects.filter(society=society, id__gt=since).order_by("id"))


def last_id(society):
    last = AuditEntry.objects.filter(society=society).order_by("-id").first()
    return last.id if last else 0


def elect(board_world, *, seats=2, candidates=3, publish=True, category=None, votes=None):
    """A block-vote contest for the parent seats; every voter marks the first `seats`
    candidates (or `votes`: candidate indexes), then it is counted, signed and published."""
    world = board_world.world
    ro = world.users["returning_officer"]
    contest = make_contest(world, method="block", seats=seats, candidates=candidates,
                           seat_category=category or board_world.parents, classes=["Parent"])
    by_number = list(contest.candidates.order_by("number"))
    marks = votes or list(range(seats))
    for voter in contest.voters:
        ballots.cast_ballot(actor=voter.user, contest=contest, member=voter,
                            choices=[str(by_number[i].public_id) for i in marks])
    close_contest(contest, world)
    if publish:
        ballots.sign_off(actor=ro, contest=contest, name="Rita Officer", on=TODAY)
        ballots.publish_result(actor=ro, contest=contest)
    contest.refresh_from_db()
    contest.winners = [by_number[i].member for i in marks]
    return contest


def sitting(board_world, name, started_on, category=None, number=None):
    member = board_world.new_member(number or 900 + Member.objects.count(), name)
    return services.start_term(actor=board_world.secretary,
                               seat_category=category or board_world.parents,
                               member=member, started_on=started_on)


# Linking a contest to the seats it fills


def test_a_contest_fills_only_elected_seats_of_its_own_society(board_world):
    world, ro = board_world.world, board_world.world.users["returning_officer"]
    contest = make_contest(world, method="block", seats=2, open_now=False, classes=["Parent"])
    with pytest.raises(BallotError, match="not filled by election"):
        ballots.link_seat_category(actor=ro, contest=contest, seat_category=board_world.council)
    with pytest.raises(BallotError, match="has only 1"):
        ballots.link_seat_category(
            actor=ro, contest=contest, seat_category=services.define_seat_category(
                actor=board_world.secretary, body=board_world.board, name="Staff seat",
                seats=1, filled_by="elected"))
    since = last_id(world.society)
    ballots.link_seat_category(actor=ro, contest=contest, seat_category=board_world.parents)
    contest.refresh_from_db()
    assert contest.seat_category == board_world.parents
    assert [(e.actor, e.action) for e in entries_since(world.society, since)] == [
        (ro, "contest.seat_category_linked")]


def test_seats_with_a_constituency_are_elected_by_it_alone(board_world):
    world, ro = board_world.world, board_world.world.users["returning_officer"]
    election = ballots.create_election(actor=ro, society=world.society, title="Election")
    values = {"title": "Parents", "method": "block", "seats": 2, "record_date": TODAY,
              "voting_opens": timezone.now() + timedelta(days=1),
              "voting_closes": timezone.now() + timedelta(days=8),
              "seat_category": board_world.parents}
    for classes in ([], [world.classes["Parent"], world.classes["Staff"]],
                    [world.classes["Staff"]]):
        with pytest.raises(BallotError, match="elected by the Parent constituency"):
            ballots.create_contest(actor=ro, election=election, values=values,
                                   classes=classes)
    assert not Contest.objects.exists()
    ballots.create_contest(actor=ro, election=election, values=values,
                           classes=[world.classes["Parent"]])
    everyone = make_contest(world, method="block", seats=2, open_now=False)
    with pytest.raises(BallotError, match="elected by the Parent constituency"):
        ballots.link_seat_category(actor=ro, contest=everyone,
                                   seat_category=board_world.parents)
    everyone.refresh_from_db()
    assert everyone.seat_category is None


def test_a_resolution_fills_no_seats(board_world):
    with pytest.raises(BallotError, match="resolution fills no board seats"):
        make_contest(board_world.world, method="resolution", open_now=False,
                     seat_category=board_world.parents)
    assert not Contest.objects.filter(seat_category=board_world.parents).exists()


def test_seats_of_another_society_are_refused(board_world):
    other = board_world.world.other
    with scope(society=other.society):
        body = services.define_body(actor=other.users["secretary"], society=other.society,
                                    name="Board", kind="board")
        foreign = services.define_seat_category(actor=other.users["secretary"], body=body,
                                                name="Elected", seats=5, filled_by="elected")
    contest = make_contest(board_world.world, method="block", seats=2, open_now=False)
    with pytest.raises(BallotError, match="another society"):
        ballots.link_seat_category(actor=board_world.world.users["returning_officer"],
                                   contest=contest, seat_category=foreign)


# Terms from the result


def test_winners_terms_start_from_the_published_result(board_world):
    society, secretary = board_world.society, board_world.secretary
    # Both well inside their three-year terms, whatever the date.
    longest = sitting(board_world, "Lena Longest", TODAY - timedelta(days=700))
    recent = sitting(board_world, "Rob Recent", TODAY - timedelta(days=300))
    contest = elect(board_world)
    since = last_id(society)

    started = terms.start_terms_from_result(actor=secretary, contest=contest, started_on=TODAY)

    assert {t.member for t in started} == set(contest.winners)
    for term in started:
        assert term.how_filled == "elected"
        assert term.started_on == TODAY
        assert term.due_to_end_on == anniversary(TODAY, 3)
        assert term.reference == terms.result_reference(contest)
        assert str(contest.public_id) in term.reference
    longest.refresh_from_db()
    recent.refresh_from_db()
    # Two subject to rotation: one third of two is one, the longest in office.
    assert (longest.ended_on, longest.end_reason) == (TODAY, "rotation")
    assert recent.ended_on is None
    contest.refresh_from_db()
    assert contest.terms_started_on == TODAY
    entry, = entries_since(society, since)
    assert (entry.actor, entry.action) == (secretary, "board.terms_started_from_result")
    assert entry.data["ended"] == [{"holder": "Lena Longest", "reason": "rotation"}]
    assert sorted(entry.data["started"]) == sorted(m.member_number for m in contest.winners)


def test_terms_start_only_once(board_world):
    contest = elect(board_world)
    terms.start_terms_from_result(actor=board_world.secretary, contest=contest,
                                  started_on=TODAY)
    count, since = Term.objects.count(), last_id(board_world.society)
    with pytest.raises(BoardError, match="already started"):
        terms.start_terms_from_result(actor=board_world.secretary, contest=contest,
                                      started_on=TODAY + timedelta(days=1))
    assert Term.objects.count() == count
    assert entries_since(board_world.society, since) == []


def test_a_result_not_yet_published_starts_no_terms(board_world):
    contest = elect(board_world, publish=False)
    ballots.sign_off(actor=board_world.world.users["returning_officer"], contest=contest,
                     name="Rita Officer", on=TODAY)
    with pytest.raises(BoardError, match="signed off and published"):
        terms.start_terms_from_result(actor=board_world.secretary, contest=contest,
                                      started_on=TODAY)
    assert not Term.objects.exists()


def test_a_contest_without_seats_starts_no_terms(board_world):
    contest = elect(board_world)
    Contest.objects.filter(pk=contest.pk).update(seat_category=None)
    contest.refresh_from_db()
    with pytest.raises(BoardError, match="not linked"):
        terms.start_terms_from_result(actor=board_world.secretary, contest=contest,
                                      started_on=TODAY)


def test_terms_cannot_start_before_the_result(board_world):
    contest = elect(board_world)
    with pytest.raises(BoardError, match="before the result"):
        terms.start_terms_from_result(actor=board_world.secretary, contest=contest,
                                      started_on=TODAY - timedelta(days=1))
    assert not Term.objects.exists()


def test_more_winners_than_free_seats_is_refused_and_nothing_changes(board_world):
    for i, name in enumerate(["Ann One", "Bea Two", "Cal Three"]):
        sitting(board_world, name, TODAY - timedelta(days=400 - i))  # none expires yet
    contest = elect(board_world)  # rotation frees one seat of three; two are elected
    with pytest.raises(BoardError, match="only 1 of the 3"):
        terms.start_terms_from_result(actor=board_world.secretary, contest=contest,
                                      started_on=TODAY)
    assert Term.objects.filter(ended_on__isnull=True).count() == 3
    contest.refresh_from_db()
    assert contest.terms_started_on is None


def test_expired_terms_end_as_expired(board_world):
    expired = sitting(board_world, "Ed Expired", date(2023, 6, 1))
    assert expired.due_to_end_on == date(2026, 6, 1)
    contest = elect(board_world)
    terms.start_terms_from_result(actor=board_world.secretary, contest=contest,
                                  started_on=TODAY)
    expired.refresh_from_db()
    assert (expired.ended_on, expired.end_reason) == (TODAY, "expired")


def test_a_sitting_member_re_elected_gets_a_new_term(board_world):
    contest = elect(board_world)
    winner = contest.winners[0]
    old = services.start_term(actor=board_world.secretary, seat_category=board_world.parents,
                              member=winner, started_on=TODAY - timedelta(days=300))
    other = sitting(board_world, "Stay Put", TODAY - timedelta(days=200))
    terms.start_terms_from_result(actor=board_world.secretary, contest=contest,
                                  started_on=TODAY)
    old.refresh_from_db()
    other.refresh_from_db()
    assert old.end_reason == "rotation" and other.ended_on is None
    assert Term.objects.filter(member=winner, ended_on__isnull=True).count() == 1


def test_a_winner_holding_a_seat_not_retiring_is_refused(board_world):
    contest = elect(board_world)
    winner = contest.winners[0]
    services.start_term(actor=board_world.secretary, seat_category=board_world.parents,
                        member=winner, started_on=TODAY - timedelta(days=100))
    sitting(board_world, "Older Holder", TODAY - timedelta(days=300))  # rotation retires this one
    with pytest.raises(BoardError, match="is not retiring"):
        terms.start_terms_from_result(actor=board_world.secretary, contest=contest,
                                      started_on=TODAY)


def test_a_winner_who_has_ceased_is_skipped_and_the_seat_stays_vacant(board_world):
    contest = elect(board_world)
    gone = contest.winners[1]
    members.cease_member(actor=board_world.secretary, member=gone, ceased_on=TODAY,
                         reason="resigned")
    since = last_id(board_world.society)
    started = terms.start_terms_from_result(actor=board_world.secretary, contest=contest,
                                            started_on=TODAY)
    assert [t.member for t in started] == [contest.winners[0]]
    entry, = entries_since(board_world.society, since)
    assert entry.data["skipped"] == [{"holder": gone.full_name,
                                      "why": f"not an active member on {TODAY:%d %B %Y}"}]


def test_candidates_elected_unopposed_get_terms(board_world):
    world, ro = board_world.world, board_world.world.users["returning_officer"]
    contest = make_contest(world, method="block", seats=2, candidates=2, open_now=False,
                           seat_category=board_world.parents, classes=["Parent"])
    Contest.objects.filter(pk=contest.pk).update(
        nominations_close=timezone.now() - timedelta(minutes=1))
    contest.refresh_from_db()
    ballots.declare_unopposed(actor=ro, contest=contest)
    contest.refresh_from_db()
    started = terms.start_terms_from_result(actor=ro, contest=contest, started_on=TODAY)
    assert sorted(t.member.member_number for t in started) == sorted(
        c.member.member_number for c in contest.candidates.all())


def test_the_returning_officer_starts_terms_from_the_page(board_world):
    world = board_world.world
    contest = elect(board_world)
    client = world.client("returning_officer")
    manage = client.get(reverse("ballots:manage_contest", kwargs={
        "society_slug": world.society.slug, "public_id": contest.public_id}))
    url = reverse("ballots:start_terms", kwargs={"society_slug": world.society.slug,
                                                 "public_id": contest.public_id})
    assert url in manage.content.decode()
    preview = client.get(url)
    assert preview.status_code == 200
    for winner in contest.winners:
        assert winner.full_name in preview.content.decode()
    assert not Term.objects.exists()
    bad = client.post(url, {"started_on": "not a date"})
    assert bad.status_code == 400 and "Terms start on" in bad.content.decode()
    assert not Term.objects.exists()
    response = client.post(url, {"started_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert Term.objects.filter(ended_on__isnull=True).count() == 2
    again = client.post(url, {"started_on": TODAY.isoformat()})
    assert again.status_code == 400 and "already started" in again.content.decode()
    assert Term.objects.count() == 2


def test_the_secretary_sees_results_awaiting_terms_on_the_board_page(board_world):
    world = board_world.world
    contest = elect(board_world)
    client = world.client("secretary")
    board = client.get(reverse("boards:board", kwargs={"society_slug": world.society.slug}))
    url = reverse("ballots:start_terms", kwargs={"society_slug": world.society.slug,
                                                 "public_id": contest.public_id})
    assert url in board.content.decode()
    response = client.post(url, {"started_on": TODAY.isoformat()})
    assert response.status_code == 302
    board = client.get(reverse("boards:board", kwargs={"society_slug": world.society.slug}))
    assert url not in board.content.decode()
    assert contest.winners[0].full_name in board.content.decode()


def test_a_member_cannot_start_terms(board_world):
    contest = elect(board_world)
    url = reverse("ballots:start_terms", kwargs={"society_slug": board_world.society.slug,
                                                 "public_id": contest.public_id})
    for persona in ("member", "board_member"):
        assert board_world.world.client(persona).post(
            url, {"started_on": TODAY.isoformat()}).status_code == 403
    assert not Term.objects.exists()


def test_the_returning_officer_links_seats_on_the_manage_page(board_world):
    world = board_world.world
    contest = make_contest(world, method="block", seats=2, open_now=False, classes=["Parent"])
    client = world.client("returning_officer")
    url = reverse("ballots:link_seats", kwargs={"society_slug": world.society.slug,
                                                "public_id": contest.public_id})
    bad = client.post(url, {"seats-seat_category": str(board_world.council.pk)})
    assert bad.status_code == 400  # not an elected category: not among the choices
    client.post(url, {"seats-seat_category": str(board_world.parents.pk)})
    contest.refresh_from_db()
    assert contest.seat_category == board_world.parents


# Cessation


def test_ceasing_a_member_ends_their_terms_in_member_seats(board_world):
    secretary = board_world.secretary
    member = board_world.member("board_member")
    parent_term = services.start_term(actor=secretary, seat_category=board_world.parents,
                                      member=member, started_on=date(2025, 1, 1))
    council_term = services.start_term(actor=secretary, seat_category=board_world.council,
                                       member=member, started_on=date(2025, 1, 1))
    services.appoint_officer(actor=secretary, society=board_world.society, office="treasurer",
                             member=member, address="1 High Street",
                             taken_up_on=date(2025, 1, 1))
    since = last_id(board_world.society)
    members.cease_member(actor=secretary, member=member, ceased_on=TODAY, reason="resigned")
    parent_term.refresh_from_db()
    council_term.refresh_from_db()
    assert (parent_term.ended_on, parent_term.end_reason) == (TODAY, "ceased_member")
    assert council_term.ended_on is None  # the council's nominee need not be a member
    assert OfficerAppointment.objects.get(member=member).left_on is None
    entry, = entries_since(board_world.society, since)
    assert (entry.actor, entry.action) == (secretary, "member.ceased")
    assert entry.data["board_terms_ended"] == [str(board_world.parents)]
    assert entry.data["offices_still_held"] == ["Treasurer"]


def test_a_backdated_cessation_ends_a_later_term_on_its_first_day(board_world):
    member = board_world.member("member")
    term = services.start_term(actor=board_world.secretary, seat_category=board_world.parents,
                               member=member, started_on=TODAY - timedelta(days=3))
    members.cease_member(actor=board_world.secretary, member=member,
                         ceased_on=TODAY - timedelta(days=10), reason="resigned")
    term.refresh_from_db()
    assert (term.ended_on, term.end_reason) == (term.started_on, "ceased_member")


def test_a_refused_cessation_ends_no_term(board_world):
    member = board_world.member("member")
    term = services.start_term(actor=board_world.secretary, seat_category=board_world.parents,
                               member=member, started_on=date(2025, 1, 1))
    with pytest.raises(members.MemberError):
        members.cease_member(actor=board_world.secretary, member=member,
                             ceased_on=TODAY + timedelta(days=5), reason="resigned")
    term.refresh_from_db()
    assert term.ended_on is None


# Co-optees at the AGM


@pytest.fixture
def co_optee(board_world):
    return services.start_term(actor=board_world.secretary, seat_category=board_world.co_opted,
                               member=board_world.member("member"),
                               started_on=date(2026, 3, 1))


def test_a_co_option_not_ratified_ends_the_term(board_world, co_optee):
    since = last_id(board_world.society)
    terms.record_co_option_not_ratified(actor=board_world.secretary, term=co_optee,
                                        decided_on=date(2026, 9, 20))
    co_optee.refresh_from_db()
    assert (co_optee.ended_on, co_optee.end_reason) == (date(2026, 9, 20), "not_ratified")
    entry, = entries_since(board_world.society, since)
    assert (entry.actor, entry.action) == (board_world.secretary,
                                           "board.co_option_not_ratified")
    with pytest.raises(BoardError, match="already ratified or ended"):
        terms.record_co_option_not_ratified(actor=board_world.secretary, term=co_optee,
                                            decided_on=date(2026, 9, 21))


def test_only_an_unratified_co_option_can_be_refused(board_world, co_optee):
    elected = sitting(board_world, "Elle Ected", date(2025, 1, 1))
    with pytest.raises(BoardError, match="Only a co-option"):
        terms.record_co_option_not_ratified(actor=board_world.secretary, term=elected,
                                            decided_on=TODAY)
    with pytest.raises(BoardError, match="before the co-option"):
        terms.record_co_option_not_ratified(actor=board_world.secretary, term=co_optee,
                                            decided_on=date(2026, 2, 1))
    services.ratify_co_option(actor=board_world.secretary, term=co_optee,
                              ratified_on=date(2026, 9, 20))
    with pytest.raises(BoardError, match="already ratified"):
        terms.record_co_option_not_ratified(actor=board_world.secretary, term=co_optee,
                                            decided_on=date(2026, 9, 20))


def test_the_secretary_records_the_agms_decisions_on_co_optees(board_world, co_optee):
    world = board_world.world
    second = services.start_term(actor=board_world.secretary,
                                 seat_category=board_world.co_opted,
                                 member=board_world.member("board_member"),
                                 started_on=date(2026, 4, 1))
    client = world.client("secretary")
    page_url = reverse("boards:co_options", kwargs={"society_slug": world.society.slug})
    page = client.get(page_url).content.decode()
    assert co_optee.holder_name in page and second.holder_name in page

    def decide(term, data):
        url = reverse("boards:co_option_decide", kwargs={"society_slug": world.society.slug,
                                                         "public_id": term.public_id})
        return client.post(url, {f"{term.public_id}-{k}": v for k, v in data.items()})

    missing = decide(co_optee, {"decided_on": "2026-09-20"})
    assert missing.status_code == 400 and "decision" in missing.content.decode()
    early = decide(second, {"decided_on": "2026-01-01", "decision": "not_ratified"})
    assert early.status_code == 400 and "before the co-option" in early.content.decode()
    assert decide(co_optee, {"decided_on": "2026-09-20", "decision": "ratified"}
                  ).status_code == 302
    assert decide(second, {"decided_on": "2026-09-20", "decision": "not_ratified"}
                  ).status_code == 302
    co_optee.refresh_from_db()
    second.refresh_from_db()
    assert co_optee.ratified_on == date(2026, 9, 20) and co_optee.ended_on is None
    assert second.end_reason == "not_ratified"
    page = client.get(page_url).content.decode()
    assert "No co-optee is awaiting ratification" in page
    assert world.client("board_member").get(page_url).status_code == 403
