"""The demo boards `seed_demo` loads (boards/demo.py): realistic, idempotent, and the board
pages render for the demo logins."""

from datetime import date

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from accounts.models import User
from boards.composition import compose
from boards.models import (
    Body,
    Decision,
    InterestDeclaration,
    Meeting,
    OfficerAppointment,
    SeatCategory,
    Term,
)
from societies.models import Society

SLUGS = ("millmead", "pembroke-street", "baywind")
MODELS = (Body, SeatCategory, Term, OfficerAppointment, InterestDeclaration, Meeting, Decision)


def snapshot():
    with scopes_disabled():
        return {model.__name__: sorted(map(repr, model.objects.values_list()))
                for model in MODELS}


@pytest.fixture
def demo(demo_data, db):
    """The demo, seeded once for this module (each test's own changes are undone)."""


def test_running_seed_demo_twice_changes_nothing(demo):
    first = snapshot()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert snapshot() == first
    assert all(first[name] for name in first)


def test_millmead_has_its_eighteen_seat_board(demo):
    with scopes_disabled():
        society = Society.objects.get(slug="millmead")
    with scope(society=society):
        board, = Body.objects.filter(society=society)
        categories = {c.name: c for c in board.seat_categories.all()}
        assert sum(c.seats for c in categories.values()) == 18
        assert categories["Staff representatives"].constituency.name == "Staff"
        assert categories["Kent County Council members"].appointing_body == "Kent County Council"
        assert not categories["Primary care trust member"].requires_membership
        composition, = compose(society, date(2026, 11, 24))
        # Real demo members hold the elected seats, within the rules; one seat is vacant.
        assert composition.filled == 17 and composition.vacancies == 1
        assert composition.problem_count == 0
        awaiting = [h for row in composition.categories for h in row.holders
                    if h.awaiting_ratification]
        assert len(awaiting) == 1
        board_login = User.objects.get(email="board@millmead.example.org")
        assert Term.objects.filter(member__user=board_login, ended_on__isnull=True).exists()


@pytest.mark.parametrize("slug", SLUGS)
def test_every_demo_society_has_a_board_past_meetings_and_decisions(demo, slug):
    with scopes_disabled():
        society = Society.objects.get(slug=slug)
    with scope(society=society):
        assert Term.objects.filter(society=society, ended_on__isnull=True,
                                   member__isnull=False).count() >= 5
        assert OfficerAppointment.objects.filter(society=society, office="chair").exists()
        assert InterestDeclaration.objects.filter(society=society).count() >= 2
        meetings = Meeting.objects.filter(society=society)
        assert meetings.count() >= 2 and meetings.filter(kind="agm").exists()
        decisions = list(Decision.objects.filter(society=society).order_by("number"))
        assert [d.number for d in decisions] == list(range(1, len(decisions) + 1))
        assert all(d.meeting_id for d in decisions)
        for term in Term.objects.filter(society=society, member__isnull=False):
            assert term.member.is_active_on(term.started_on)


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("login,pages", [
    ("board", ["boards:board", "boards:officers", "boards:interests", "boards:decisions",
               "boards:meetings"]),
    ("auditor", ["boards:board", "boards:officers", "boards:decisions"]),
    ("member", ["boards:decisions", "boards:meetings"]),
])
def test_the_board_pages_render_for_the_demo_logins(demo, slug, login, pages):
    with scopes_disabled():
        user = User.objects.get(email=f"{login}@{slug}.example.org")
        if login != "member" and not user.authenticator_set.exists():
            TOTP.activate(user, generate_totp_secret())  # a role's pages need MFA
    client = Client()
    client.force_login(user)
    for name in pages:
        response = client.get(reverse(name, kwargs={"society_slug": slug}))
        assert response.status_code == 200, name
    if login == "member":
        assert client.get(reverse("boards:board", kwargs={"society_slug": slug})
                          ).status_code == 403
