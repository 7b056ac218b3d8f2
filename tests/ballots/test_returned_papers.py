"""Returned papers: codes scanned at the desk, tendered, late and unreadable papers, spoilt
papers entered by reason, and ballot papers issued in person at a meeting."""

import pytest
from django.urls import reverse
from django_scopes import scope

from ballots import codes, returns, services
from ballots.models import (
    CastBallot,
    PaperBatch,
    ReturnedPaper,
    SpoiltPapers,
    VoterRollEntry,
)
from ballots.services import BallotError
from societies import audit_text
from societies.models import AuditEntry
from tests.audit_helpers import assert_one_audit_entry, last_audit_id
from tests.ballots.conftest import add_members, close_contest, make_contest
from tests.conftest import build_society, is_postgres
from tests.societies.test_concurrency import run_together


def url(world, name, **kwargs):
    return reverse(f"ballots:{name}", kwargs={"society_slug": world.society.slug, **kwargs})


def with_codes(contest) -> dict:
    """Give the contest's roll entries voting codes, as the opening does; {member pk: entry}."""
    with scope(society=contest.society):
        entries = codes.issue_codes(list(contest.roll.select_related("member")))
        VoterRollEntry.objects.bulk_update(entries, ["voting_code"])
    return {entry.member_id: entry for entry in entries}


def ids(contest, *positions):
    cands = list(contest.candidates.order_by("number"))
    return [str(cands[p].public_id) for p in positions]


def state(society) -> tuple:
    """Everything a desk action could change, to show a refusal changed nothing."""
    with scope(society=society):
        return (AuditEntry.objects.filter(society=society).count(),
                ReturnedPaper.objects.count(), PaperBatch.objects.count(),
                SpoiltPapers.objects.count(), CastBallot.objects.count(),
                sorted(VoterRollEntry.objects.values_list("pk", "voted_on", "channel")))


@pytest.fixture
def coded(world):
    contest = make_contest(world)
    contest.entries = with_codes(contest)
    return contest


def entry_of(contest, member):
    return contest.entries[member.pk]


def test_an_unused_code_marks_its_member_voted_on_paper(world, coded, audit_entries):
    ro = world.users["returning_officer"]
    voter = coded.voters[0]
    typed = codes.shown(entry_of(coded, voter).voting_code).lower()
    with scope(society=world.society):
        outcome = returns.receive_paper(actor=ro, contest=coded, text=f" {typed} ")
        entry = coded.roll.get(member=voter)
        assert outcome.kind == "voted" and str(voter.member_number) in outcome.message
        assert entry.channel == "paper" and entry.voted_on is not None
        assert ReturnedPaper.objects.count() == 0
    audit = audit_entries(world.society)[-1]
    assert (audit.action, audit.actor, audit.data) == (
        "ballot.paper_returned", ro, {"member": voter.member_number})


def test_the_serial_beside_the_code_finds_the_entry_too(world, coded):
    voter = coded.voters[1]
    with scope(society=world.society):
        serial = returns.serial(entry_of(coded, voter))
        assert len(serial) == 10 and serial.isdigit()
        returns.receive_paper(actor=world.users["returning_officer"], contest=coded,
                              text=serial)
        assert coded.roll.get(member=voter).channel == "paper"


def test_a_code_already_used_online_is_tendered_listed_and_never_counted(
        world, coded, audit_entries):
    ro = world.users["returning_officer"]
    voter = coded.voters[0]
    with scope(society=world.society):
        services.cast_ballot(actor=None, contest=coded, member=voter, choices=ids(coded, 0))
        outcome = returns.receive_paper(actor=ro, contest=coded,
                                        text=entry_of(coded, voter).voting_code)
        assert outcome.kind == "tendered"
        assert "already been used online" in outcome.message
        paper = ReturnedPaper.objects.get()
        assert (paper.kind, paper.member, paper.decision) == ("tendered", voter, "")
        assert coded.roll.get(member=voter).channel == "online"
        # A tendered paper is no paper voter: no batch may hold a ballot for it.
        with pytest.raises(BallotError, match="more ballots than voters"):
            services.enter_paper_ballots(actor=ro, contest=coded, label="Box 1",
                                         ballots=[ids(coded, 1)])
        assert CastBallot.objects.count() == 1
    audit = audit_entries(world.society)[-1]
    assert (audit.action, audit.data) == (
        "ballot.paper_tendered", {"member": voter.member_number, "used": "online"})
    page = world.client("returning_officer").get(
        url(world, "returned_papers", public_id=coded.public_id))
    assert page.status_code == 200
    assert list(page.context["tendered"]) == [paper]
    assert voter.full_name in page.content.decode()


def test_a_code_used_twice_on_paper_makes_the_second_paper_tendered(world, coded):
    ro = world.users["returning_officer"]
    code = entry_of(coded, coded.voters[2]).voting_code
    with scope(society=world.society):
        assert returns.receive_paper(actor=ro, contest=coded, text=code).kind == "voted"
        second = returns.receive_paper(actor=ro, contest=coded, text=code)
        assert second.kind == "tendered" and "already been used on paper" in second.message
        assert coded.roll.filter(channel="paper").count() == 1


@pytest.mark.parametrize("typed", ["", "   ", "not a code", "7KQ4-XM2P-H9RT-3WCC",
                                   "0000000000", "9999999999", "O" * 16])
def test_a_mistyped_or_unknown_code_is_refused_and_changes_nothing(world, coded, typed):
    before = state(world.society)
    with scope(society=world.society), pytest.raises(BallotError) as refused:
        returns.receive_paper(actor=world.users["returning_officer"], contest=coded,
                              text=typed)
    assert refused.value.field == "paper"
    assert state(world.society) == before


def test_a_code_of_another_contest_is_not_one_of_this_contest(world, coded):
    other = make_contest(world, title="Staff seats")
    other.entries = with_codes(other)
    code = next(iter(other.entries.values())).voting_code
    before = state(world.society)
    with scope(society=world.society), pytest.raises(BallotError, match="not a valid code"):
        returns.receive_paper(actor=world.users["returning_officer"], contest=coded,
                              text=code)
    assert state(world.society) == before


def test_after_the_close_a_paper_is_recorded_late_by_day_without_looking_it_up(
        world, coded, audit_entries):
    ro = world.users["returning_officer"]
    voter = coded.voters[0]
    close_contest(coded, world)
    with scope(society=world.society):
        for typed in (entry_of(coded, voter).voting_code, "smudged"):
            outcome = returns.receive_paper(actor=ro, contest=coded, text=typed)
            assert outcome.kind == "late" and "not counted" in outcome.message
        assert coded.roll.get(member=voter).voted_on is None
        assert list(ReturnedPaper.objects.values_list("kind", "member")) == [
            ("late", None), ("late", None)]
        figures = returns.desk_figures(coded)
        assert figures["late_total"] == 2 and len(figures["late"]) == 1
        with pytest.raises(BallotError, match="late"):
            returns.set_aside_to_check(actor=ro, contest=coded, reason="torn")
    audit = audit_entries(world.society)[-1]
    assert audit.action == "ballot.paper_late" and set(audit.data) == {"on"}


def test_nothing_is_recorded_before_voting_opens(world):
    contest = make_contest(world, open_now=False)
    before = state(world.society)
    with scope(society=world.society), pytest.raises(BallotError, match="once voting"):
        returns.receive_paper(actor=world.users["returning_officer"], contest=contest,
                              text="0000000001")
    assert state(world.society) == before


def test_an_unreadable_paper_waits_to_be_checked_and_the_decision_is_recorded(
        world, coded, audit_entries):
    ro = world.users["returning_officer"]
    a, b, c = coded.voters[0], coded.voters[1], coded.voters[2]
    with scope(society=world.society):
        services.cast_ballot(actor=None, contest=coded, member=c, choices=ids(coded, 0))
        before = state(world.society)
        with pytest.raises(BallotError) as refused:
            returns.set_aside_to_check(actor=ro, contest=coded, reason="  ")
        assert refused.value.field == "reason"
        assert state(world.society) == before
        first = returns.set_aside_to_check(actor=ro, contest=coded, reason="Code torn off")
        second = returns.set_aside_to_check(actor=ro, contest=coded, reason="Coffee stain")
        since = last_audit_id(world.society)
        third = returns.set_aside_to_check(actor=ro, contest=coded, reason="Code smudged")
        assert_one_audit_entry(world.society, "ballot.paper_to_check", actor=ro, target=coded,
                               since=since)
        assert [p.pk for p in returns.desk_figures(coded)["to_check"]] == [
            first.pk, second.pk, third.pk]

        # Accepted: the member it is found to be is marked voting on paper.
        returns.decide_paper(actor=ro, paper=first, decision="accepted",
                             note="Name and address on the envelope", member=a)
        first.refresh_from_db()
        assert (first.decision, first.member, first.decided_on is not None) == (
            "accepted", a, True)
        assert coded.roll.get(member=a).channel == "paper"
        assert audit_entries(world.society)[-1].data == {
            "decision": "accepted", "note": "Name and address on the envelope",
            "member": a.member_number}

        # Refusals change nothing: no member, a member who has voted, decided twice.
        before = state(world.society)
        for kwargs, message in (
                ({"decision": "accepted", "member": None}, "member number"),
                ({"decision": "accepted", "member": c}, "already voted"),
                ({"decision": "maybe", "member": b}, "accepted or rejected")):
            with pytest.raises(BallotError, match=message):
                returns.decide_paper(actor=ro, paper=second, note="Checked", **kwargs)
        with pytest.raises(BallotError, match="already been decided"):
            returns.decide_paper(actor=ro, paper=first, decision="rejected", note="Oops")
        assert state(world.society) == before

        # Rejected: it stays uncounted and marks no one.
        returns.decide_paper(actor=ro, paper=second, decision="rejected",
                             note="Cannot tell whose it is")
        assert coded.roll.filter(channel="paper").count() == 1
        assert [p.pk for p in returns.desk_figures(coded)["to_check"]] == [third.pk]


def test_a_member_present_at_a_meeting_is_issued_a_paper_once(world, coded, audit_entries):
    ro = world.users["returning_officer"]
    present, online = coded.voters[3], coded.voters[4]
    (joined_since,) = add_members(world, 1, start=900)
    with scope(society=world.society):
        services.cast_ballot(actor=None, contest=coded, member=online, choices=ids(coded, 1))
        returns.issue_paper_in_person(actor=ro, contest=coded, member=present)
        assert coded.roll.get(member=present).channel == "paper"
        audit = audit_entries(world.society)[-1]
        assert (audit.action, audit.data) == ("ballot.paper_issued",
                                              {"member": present.member_number})
        before = state(world.society)
        for member, message in ((present, "already voted"), (online, "already voted"),
                                (joined_since, "not on the roll")):
            with pytest.raises(BallotError, match=message):
                returns.issue_paper_in_person(actor=ro, contest=coded, member=member)
        assert state(world.society) == before
        # Their paper is entered like a postal one.
        services.enter_paper_ballots(actor=ro, contest=coded, label="Meeting",
                                     ballots=[ids(coded, 2)])
        assert CastBallot.objects.count() == 2


def test_spoilt_papers_are_counted_by_reason_and_take_a_paper_voters_place(
        world, coded, audit_entries):
    ro = world.users["returning_officer"]
    with scope(society=world.society):
        for voter in coded.voters[:3]:
            services.strike_off_paper(actor=ro, contest=coded, member=voter)
        batch = services.enter_paper_ballots(actor=ro, contest=coded, label="Box 1",
                                             ballots=[ids(coded, 0)],
                                             spoilt={"unmarked": 1, "too_many": 0})
        audit = audit_entries(world.society)[-1]
        assert (audit.data["spoilt"], audit.data["spoilt_reasons"]) == (1, {"unmarked": 1})
        assert audit_text.sentence(audit).endswith("1 paper ballot and 1 spoilt paper: "
                                                   "Box 1 (1 paper ballots)")
        before = state(world.society)
        # 3 paper voters: 1 valid and 1 spoilt already, so 2 more is one too many.
        with pytest.raises(BallotError, match="more ballots than voters"):
            services.enter_paper_ballots(actor=ro, contest=coded, label="Box 2",
                                         ballots=[ids(coded, 1)], spoilt={"uncertain": 1})
        for spoilt in ({"torn": 1}, {"unmarked": -1}, {}):
            with pytest.raises(BallotError):
                services.enter_paper_ballots(actor=ro, contest=coded, label="Box 2",
                                             ballots=[], spoilt=spoilt)
        assert state(world.society) == before
        services.enter_paper_ballots(actor=ro, contest=coded, label="Box 2", ballots=[],
                                     spoilt={"identifiable": 1})
        assert list(batch.spoilt.values_list("reason", "papers")) == [("unmarked", 1)]
        assert returns.spoilt_by_reason(coded) == [("Unmarked", 1),
                                                   ("The voter can be identified", 1)]
        assert CastBallot.objects.count() == 1
    page = world.client("returning_officer").get(
        url(world, "manage_contest", public_id=coded.public_id))
    html = page.content.decode()
    assert 'id="spoilt-papers"' in html and "unmarked 1" in html
    assert "Box 1: 1 ballot; spoilt: 1 unmarked" in html


def test_the_paper_batch_page_takes_spoilt_papers(world, coded):
    ro = world.client("returning_officer")
    with scope(society=world.society):
        for voter in coded.voters[:2]:
            services.strike_off_paper(actor=world.users["returning_officer"], contest=coded,
                                      member=voter)
    target = url(world, "paper_batch", public_id=coded.public_id)
    refused = ro.post(target, {"label": "Box 1", "ballots": "1\n2",
                               "spoilt_unmarked": "1"})
    assert refused.status_code == 400 and "more ballots than voters" in refused.content.decode()
    bad = ro.post(target, {"label": "Box 1", "ballots": "1", "spoilt_unmarked": "-2"})
    assert bad.status_code == 400
    assert "Spoilt papers: unmarked" in bad.content.decode()
    with scope(society=world.society):
        assert PaperBatch.objects.count() == 0
    done = ro.post(target, {"label": "Box 1", "ballots": "1", "spoilt_unmarked": "1"},
                   follow=True)
    assert "1 paper ballot and 1 spoilt paper entered" in done.content.decode()


# The desk's pages


def test_the_desk_opens_for_the_officer_a_scrutineer_and_the_secretary_only(world, coded):
    from societies.models import RoleGrant
    from societies.permissions import Role
    from tests.conftest import make_user

    world.users["scrutineer"] = make_user("sam@millmead.test", full_name="Sam", mfa=True)
    with scope(society=world.society):
        RoleGrant.objects.create(society=world.society, user=world.users["scrutineer"],
                                 role=Role.SCRUTINEER)
    target = url(world, "returned_papers", public_id=coded.public_id)
    for persona in ("returning_officer", "scrutineer", "secretary"):
        page = world.client(persona).get(target)
        assert page.status_code == 200, persona
        html = page.content.decode()
        for text in ("Code or serial on the paper", "Issue a ballot paper in person",
                     "Put it on the pile to check", "Tendered papers", "Late papers"):
            assert text in html
        manage = url(world, "manage_contest", public_id=coded.public_id)
        assert (f'href="{manage}"' in html) == (persona == "returning_officer"), persona
    for persona in ("board_member", "auditor", "member"):
        assert world.client(persona).get(target).status_code == 403, persona
    assert world.client("outsider").get(target).status_code == 404
    assert world.client("anonymous").get(target).status_code == 302
    for name in ("paper_to_check", "issue_in_person"):
        assert world.client("member").post(
            url(world, name, public_id=coded.public_id), {}).status_code == 403
    manage = world.client("returning_officer").get(
        url(world, "manage_contest", public_id=coded.public_id))
    assert target in manage.content.decode()


def test_scanning_at_the_desk_says_what_became_of_each_paper(world, coded):
    ro = world.client("returning_officer")
    target = url(world, "returned_papers", public_id=coded.public_id)
    voter = coded.voters[0]
    code = entry_of(coded, voter).voting_code
    accepted = ro.post(target, {"scan-paper": code}, follow=True)
    assert "they are marked as voting on paper" in accepted.content.decode()
    again = ro.post(target, {"scan-paper": code}, follow=True)
    assert "has already been used on paper" in again.content.decode()
    assert len(again.context["tendered"]) == 1
    before = state(world.society)
    wrong = ro.post(target, {"scan-paper": "ABCD-EFGH"})
    assert wrong.status_code == 400
    assert "Code or serial on the paper: That is not a valid code" in wrong.content.decode()
    empty = ro.post(target, {"scan-paper": ""})
    assert empty.status_code == 400
    assert state(world.society) == before


def test_the_pile_to_check_and_its_decisions_through_the_desk(world, coded):
    ro = world.client("returning_officer")
    voter = coded.voters[1]
    refused = ro.post(url(world, "paper_to_check", public_id=coded.public_id),
                      {"check-reason": ""})
    assert refused.status_code == 400
    assert "autofocus" not in refused.content.decode()
    ro.post(url(world, "paper_to_check", public_id=coded.public_id),
            {"check-reason": "Code torn"})
    with scope(society=world.society):
        paper = ReturnedPaper.objects.get()
    decide = url(world, "decide_paper", public_id=coded.public_id, paper_id=paper.public_id)
    prefix = f"decide-{paper.public_id}"
    before = state(world.society)
    for post in ({f"{prefix}-decision": "accepted", f"{prefix}-member_number": "99999",
                  f"{prefix}-note": "Envelope"},
                 {f"{prefix}-decision": "accepted", f"{prefix}-note": "Envelope"},
                 {f"{prefix}-decision": "accepted", f"{prefix}-member_number": "x",
                  f"{prefix}-note": "Envelope"},
                 {f"{prefix}-decision": "perhaps", f"{prefix}-note": "Envelope"}):
        page = ro.post(decide, post)
        assert page.status_code == 400, post
    assert state(world.society) == before
    assert world.client("member").post(decide, {}).status_code == 403
    done = ro.post(decide, {f"{prefix}-decision": "accepted",
                            f"{prefix}-member_number": str(voter.member_number),
                            f"{prefix}-note": "Envelope"}, follow=True)
    assert "The decision is recorded." in done.content.decode()
    with scope(society=world.society):
        assert coded.roll.get(member=voter).channel == "paper"
    assert ro.post(url(world, "decide_paper", public_id=coded.public_id,
                       paper_id=coded.public_id), {}).status_code == 404


def test_issuing_a_paper_in_person_through_the_desk(world, coded):
    ro = world.client("returning_officer")
    target = url(world, "issue_in_person", public_id=coded.public_id)
    voter = coded.voters[2]
    done = ro.post(target, {"person-member_number": str(voter.member_number)}, follow=True)
    assert f"Give {voter.full_name}" in done.content.decode()
    before = state(world.society)
    again = ro.post(target, {"person-member_number": str(voter.member_number)})
    assert again.status_code == 400 and "already voted" in again.content.decode()
    for typed in ("", "abc", "99999"):
        assert ro.post(target, {"person-member_number": typed}).status_code == 400
    assert state(world.society) == before


# One code, online and on paper at once (PostgreSQL row locks)


@pytest.fixture
def pg_world(transactional_db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks: runs in CI's PostgreSQL leg")
    world = build_society("millmead", "Millmead Children's Centre")
    world.other = build_society("elsewhere", "Elsewhere")
    return world


@pytest.mark.postgres
def test_one_code_used_online_twice_and_on_paper_at_once_counts_once(pg_world):
    """For each member: two online votes and the paper's code scanned, released together.
    Exactly one is taken; a paper that lost is tendered, an online vote that lost refused."""
    world = pg_world
    ro = world.users["returning_officer"]
    contest = make_contest(world, candidates=3)
    entries = with_codes(contest)
    with scope(society=world.society):
        choice = ids(contest, 0)
    for voter in contest.voters:
        code = entries[voter.pk].voting_code

        def online(voter=voter):
            with scope(society=world.society):
                return services.cast_ballot(actor=None, contest=contest, member=voter,
                                            choices=choice)

        def paper(code=code):
            with scope(society=world.society):
                return returns.receive_paper(actor=ro, contest=contest, text=code)

        first, second, scanned = run_together(online, online, paper)
        casts = [r for r in (first, second) if isinstance(r, str)]
        assert all(isinstance(r, str | BallotError) for r in (first, second))
        assert isinstance(scanned, returns.Returned)
        assert len(casts) + (scanned.kind == "voted") == 1
        with scope(society=world.society):
            entry = contest.roll.get(member=voter)
            tendered = ReturnedPaper.objects.filter(member=voter, kind="tendered").count()
        assert (entry.channel, tendered) == (("online", 1) if casts else ("paper", 0))
    with scope(society=world.society):
        online_votes = contest.roll.filter(channel="online").count()
        assert CastBallot.objects.filter(contest=contest).count() == online_votes
        assert contest.roll.filter(voted_on__isnull=False).count() == len(contest.voters)
