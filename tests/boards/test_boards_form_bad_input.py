"""A special resolution's fraction too large to store is a form error naming the field, never a
crash: PostgreSQL's smallint column refused 40000/50000 with a 500 (found with the demo crawl's
bad-input sweep, as in ballots' resolution form)."""

from django.urls import reverse
from django.utils import timezone

from boards import forms, services
from boards.models import AgendaItem
from tests.conftest import typed_datetime


def post_resolution(agm_world, **values):
    world = agm_world.board_world.world
    closes = timezone.localtime(services.meeting_starts_at(agm_world.meeting))
    url = reverse("boards:resolution_new", kwargs={
        "society_slug": world.society.slug, "public_id": agm_world.meeting.public_id})
    return world.client("secretary").post(url, {
        "title": "Accounts", "text": "That the accounts be received.", "kind": "special",
        "fraction_numerator": 3, "fraction_denominator": 4,
        "voting_opens": typed_datetime(timezone.now()),
        "voting_closes": typed_datetime(closes),
        "record_date": timezone.localdate().isoformat(), **values})


def test_a_fraction_too_large_to_store_names_the_field(agm_world):
    before = AgendaItem.objects.count()
    response = post_resolution(agm_world, fraction_numerator=40000, fraction_denominator=50000)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.has_error("fraction_numerator") and form.has_error("fraction_denominator")
    assert AgendaItem.objects.count() == before


def test_a_fraction_within_range_goes_on_the_agenda(agm_world):
    response = post_resolution(agm_world, fraction_numerator=999, fraction_denominator=1000)
    assert response.status_code == 302
    assert AgendaItem.objects.filter(title="Accounts").exists()


def board_url(world, name):
    return reverse(f"boards:{name}", kwargs={"society_slug": world.society.slug})


def test_a_rotation_too_large_to_store_names_the_field(board_world):
    world = board_world.world
    response = world.client("secretary").post(board_url(world, "body_new"), {
        "name": "Audit committee", "kind": "committee", "rotation_numerator": 1,
        "rotation_denominator": 40000})
    assert response.status_code == 400
    assert response.context["form"].has_error("rotation_denominator")
    assert not world.society.bodies.filter(name="Audit committee").exists()


def test_seats_and_terms_too_large_to_store_name_the_field(board_world):
    world = board_world.world
    response = world.client("secretary").post(board_url(world, "seat_category_new"), {
        "body": board_world.board.pk, "name": "Staff seats", "seats": 40000,
        "filled_by": "appointed", "appointing_body": "Staff", "term_years": 40000,
        "max_consecutive_terms": 40000})
    assert response.status_code == 400
    form = response.context["form"]
    assert all(form.has_error(name) for name in ("seats", "term_years",
                                                 "max_consecutive_terms"))
    assert not board_world.board.seat_categories.filter(name="Staff seats").exists()


def test_vote_tallies_past_any_meeting_name_the_field(board_world):
    too_many = forms.MAX_VOTES + 1
    decision = forms.DecisionForm({"decided_on": "2026-01-05", "text": "Agreed.",
                                   "votes_for": too_many, "votes_against": 1,
                                   "abstentions": too_many}, society=board_world.world.society)
    assert decision.has_error("votes_for") and decision.has_error("abstentions")
    assert not decision.has_error("votes_against")
    vote = forms.MeetingVoteForm({"method": "hands", "room_for": too_many, "room_against": 0,
                                  "room_abstain": 0, "discretion_for": 0,
                                  "discretion_against": 0, "discretion_abstain": too_many})
    assert vote.has_error("room_for") and vote.has_error("discretion_abstain")
    assert not vote.has_error("room_against")
