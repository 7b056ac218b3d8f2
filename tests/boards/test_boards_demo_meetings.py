"""The demo general meetings `seed_demo` loads (boards/demo_meetings.py): a past AGM with its
whole record and minutes approved (locked) at the next AGM, whose minutes are a draft, and an
upcoming AGM with notice not yet served. Idempotent, and the pages render for the demo logins."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.models import User
from ballots.models import Contest
from boards.models import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingVote,
    Minutes,
    ProxyAppointment,
    ProxyVoteInstruction,
)
from societies.models import AuditEntry, Society

SLUGS = ("millmead", "pembroke-street", "baywind")
MODELS = (Meeting, AgendaItem, Attendance, ProxyAppointment, ProxyVoteInstruction,
          MeetingVote, Minutes, Contest)


def seed():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def snapshot():
    with scopes_disabled():
        rows = {model.__name__: sorted(map(repr, model.objects.values_list()))
                for model in MODELS}
        rows["audit"] = AuditEntry.objects.count()
        return rows


def general_meetings(society):
    return list(Meeting.objects.filter(society=society, kind="agm").order_by("held_on"))


def test_the_meeting_records_are_complete_and_seeding_twice_changes_nothing(demo_data, db):
    first = snapshot()
    seed()
    assert snapshot() == first
    today = timezone.localdate()
    for slug in SLUGS:
        with scopes_disabled():
            society = Society.objects.get(slug=slug)
        with scope(society=society):
            past, last, upcoming = general_meetings(society)
            kinds = set(past.agenda_items.values_list("kind", flat=True))
            assert kinds == {"report", "resolution", "election"}
            modes = set(past.attendance.values_list("mode", flat=True))
            assert modes == {"in_person", "online", "apologies"}
            proxies = list(past.proxy_appointments.filter(revoked_at__isnull=True))
            assert len(proxies) == 2 and {p.holder_id is None for p in proxies} == {True, False}
            assert all(p.instructions.count() == 1 for p in proxies)
            vote = MeetingVote.objects.get(agenda_item__meeting=past)
            assert vote.decision.outcome == "carried" and vote.proxy_for == 2
            minutes = past.minutes
            assert minutes.is_locked and minutes.approved_at_meeting == last
            assert minutes.approval_decision.meeting == last
            assert "Proxies held (2)" in minutes.text
            assert last.minutes.approved_on is None  # the latest minutes are a draft
            [item] = last.agenda_items.filter(kind="resolution")
            votes = list(item.votes.order_by("pk"))
            if slug == "millmead":  # entered wrongly, then corrected by a reversing entry
                wrong, fixed = votes
                assert fixed.corrects == wrong and item.current_vote == fixed
                assert fixed.reversal.outcome == "reversed"
                assert fixed.reversal.corrects == wrong.decision
                assert "This corrects decision" in last.minutes.text
            else:
                assert len(votes) == 1 and item.current_vote == votes[0]
            assert upcoming.held_on > today and upcoming.notice_id is None
            assert upcoming.agenda_items.filter(kind="resolution").count() == 1


@pytest.mark.parametrize("login", ["secretary", "board", "auditor", "member"])
def test_the_meeting_pages_render_for_every_demo_login(demo_data, db, login):
    for slug in SLUGS:
        with scopes_disabled():
            society = Society.objects.get(slug=slug)
            user = User.objects.get(email=f"{login}@{slug}.example.org")
            if login != "member" and not user.authenticator_set.exists():
                TOTP.activate(user, generate_totp_secret())  # a role's pages need MFA
        with scope(society=society):
            past, last, upcoming = general_meetings(society)
        client = Client()
        client.force_login(user)
        kwargs = {"society_slug": slug}
        for meeting in (past, last, upcoming):
            page = client.get(reverse("boards:meeting",
                                      kwargs={**kwargs, "public_id": meeting.public_id}))
            assert page.status_code == 200
        approved = client.get(reverse("boards:minutes",
                                      kwargs={**kwargs, "public_id": past.public_id}))
        assert approved.status_code == 200 and "Proxies held" in approved.content.decode()
        draft = client.get(reverse("boards:minutes", kwargs={**kwargs,
                                                             "public_id": last.public_id}))
        assert draft.status_code == (404 if login == "member" else 200)
        pdf = client.get(reverse("boards:minutes_pdf",
                                 kwargs={**kwargs, "public_id": past.public_id}))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        with scope(society=society):
            item = last.agenda_items.get(kind="resolution")
        correct = client.get(reverse("boards:vote_correct", kwargs={
            **kwargs, "public_id": last.public_id, "item_id": item.public_id}))
        assert correct.status_code == (200 if login == "secretary" else 403)
        proxies = client.get(reverse("boards:proxies",
                                     kwargs={**kwargs, "public_id": past.public_id}))
        assert proxies.status_code == (200 if login in ("secretary", "auditor") else 403)
        if login in ("member", "board"):
            form = client.get(reverse("boards:proxy",
                                      kwargs={**kwargs, "public_id": upcoming.public_id}))
            assert form.status_code == 200
