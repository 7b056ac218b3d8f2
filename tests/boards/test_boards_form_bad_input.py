"""A special resolution's fraction too large to store is a form error naming the field, never a
crash: PostgreSQL's smallint column refused 40000/50000 with a 500 (found with the demo crawl's
bad-input sweep, as in ballots' resolution form)."""

from django.urls import reverse
from django.utils import timezone

from boards import services
from boards.models import AgendaItem


def post_resolution(agm_world, **values):
    world = agm_world.board_world.world
    closes = timezone.localtime(services.meeting_starts_at(agm_world.meeting))
    url = reverse("boards:resolution_new", kwargs={
        "society_slug": world.society.slug, "public_id": agm_world.meeting.public_id})
    return world.client("secretary").post(url, {
        "title": "Accounts", "text": "That the accounts be received.", "kind": "special",
        "fraction_numerator": 3, "fraction_denominator": 4,
        "voting_opens": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "voting_closes": closes.strftime("%Y-%m-%dT%H:%M"),
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
