"""Who may stand is not who may vote: a category of seats can require its candidates and holders
to belong to certain classes (ECDP: the directors are disabled members, elected by every member,
associates included)."""

import pytest
from django.urls import reverse

from ballots import services as ballots
from ballots.services import BallotError
from ballots.services.reads import eligible_members
from boards import services
from boards.models import SeatCategory
from boards.services import BoardError
from societies.models import AuditEntry
from tests.ballots.conftest import add_members, make_contest
from tests.boards.conftest import ADMITTED


@pytest.fixture
def directors(board_world):
    """Directors' seats every member elects, held only by members of the Staff class (standing
    in for ECDP's full, disabled members; the Parent class for its associates)."""
    return services.define_seat_category(
        actor=board_world.secretary, body=board_world.board, name="Directors", seats=2,
        filled_by="elected", term_years=3, holder_classes=[board_world.world.classes["Staff"]])


def test_the_rule_is_kept_and_audited(board_world, directors):
    assert list(directors.holder_classes.values_list("name", flat=True)) == ["Staff"]
    entry = AuditEntry.objects.filter(action="board.seat_category_defined").latest("id")
    assert entry.data["holder_classes"] == ["Staff"]


def test_an_associate_votes_for_directors_but_cannot_stand(board_world, directors):
    world = board_world.world
    contest = make_contest(world, open_now=False, candidates=0)
    ballots.link_seat_category(actor=world.users["returning_officer"], contest=contest,
                               seat_category=directors)
    associate, proposer, seconder = add_members(world, 3, cls="Parent", start=600)
    (full,) = add_members(world, 1, cls="Staff", start=610)
    assert eligible_members(contest).filter(pk=associate.pk).exists()  # votes
    with pytest.raises(BallotError, match="must be members of the Staff class") as refused:
        ballots.nominate(actor=associate.user, contest=contest, nominated_by=associate,
                         candidate=associate, proposer=proposer, seconder=seconder)
    assert refused.value.field == "candidate"
    assert not contest.candidates.exists()
    candidate = ballots.nominate(actor=associate.user, contest=contest, nominated_by=associate,
                                 candidate=full, proposer=proposer, seconder=seconder)
    assert candidate.member == full  # an associate may propose a full member


def test_a_term_is_refused_to_a_member_of_another_class(board_world, directors):
    parent = board_world.member("member")
    assert parent.stakeholder_class.name == "Parent"
    with pytest.raises(BoardError, match="must be members of the Staff class"):
        services.start_term(actor=board_world.secretary, seat_category=directors,
                            member=parent, started_on=ADMITTED.replace(year=2020),
                            how_filled="co_opted")
    assert not directors.terms.exists()


def test_seats_for_non_members_cannot_require_a_class(board_world):
    with pytest.raises(BoardError, match="need not be members"):
        services.define_seat_category(
            actor=board_world.secretary, body=board_world.board, name="Observers", seats=1,
            filled_by="appointed", appointing_body="Council", requires_membership=False,
            holder_classes=[board_world.world.classes["Staff"]])


def test_the_seat_form_sets_the_classes_and_the_pages_say_who_may_stand(board_world):
    world = board_world.world
    client = world.client("secretary")
    slug = world.society.slug
    response = client.post(reverse("boards:seat_category_new", kwargs={"society_slug": slug}), {
        "body": board_world.board.pk, "name": "Directors", "seats": 2, "filled_by": "elected",
        "requires_membership": "on", "holder_classes": [world.classes["Staff"].pk]})
    assert response.status_code == 302
    category = SeatCategory.objects.get(name="Directors")
    assert [c.name for c in category.holder_classes.all()] == ["Staff"]
    board = client.get(reverse("boards:board", kwargs={"society_slug": slug})).text
    assert "held by Staff members" in board
    contest = make_contest(world, open_now=False, candidates=0)
    ballots.link_seat_category(actor=world.users["returning_officer"], contest=contest,
                               seat_category=category)
    page = world.client("member").get(reverse(
        "ballots:nominate", kwargs={"society_slug": slug, "public_id": contest.public_id})).text
    assert "must be members of the Staff class" in page
