"""A count that needs a lot never stalls: the page explains the tie, the returning officer gives
the published seed or draws one, the count finishes, and the result shows where the seed came
from and whether the draw changed who was elected."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from ballots import services
from ballots.models import Contest, ContestState, SeedSource
from ballots.services import BallotError, counting
from counting.ties import lot_digest
from tests.ballots.conftest import close_contest, make_contest


def url(world, name, contest):
    return reverse(f"ballots:{name}", kwargs={"society_slug": world.society.slug,
                                               "public_id": contest.public_id})


def vote(world, contest, rankings):
    """Each ranking, a string of candidate positions ("0" first-numbered), cast by one voter."""
    with scope(society=world.society):
        cands = list(contest.candidates.order_by("number"))
        for voter, ranking in zip(contest.voters, rankings, strict=False):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=[str(cands[int(p)].public_id) for p in ranking])
        return [c.name for c in cands]


def stopped_on_a_tie(world, *, harmless: bool):
    """A closed ERS97 contest whose count stopped on a lot.

    harmless: one seat; A 2, B, C and D 1 each with A next, so whoever is excluded by lot
    A is elected. Otherwise: two seats; A 3 with no next preference, B 1 and C 1, so the lot
    between B and C decides the second seat."""
    if harmless:
        contest = make_contest(world, candidates=4, seats=1)
        names = vote(world, contest, ["0", "0", "10", "20", "30"])
    else:
        contest = make_contest(world, candidates=3, seats=2)
        names = vote(world, contest, ["0", "0", "0", "1", "2"])
    close_contest(contest, world)
    contest.names = names
    return contest


def sign_and_publish(world, contest):
    ro = world.users["returning_officer"]
    with scope(society=world.society):
        contest.refresh_from_db()
        services.sign_off(actor=ro, contest=contest, name="Rita Officer",
                          on=timezone.localdate())
        services.publish_result(actor=ro, contest=contest)


def test_a_count_that_needs_a_lot_stops_closed_and_keeps_the_tie(world, audit_entries):
    contest = stopped_on_a_tie(world, harmless=False)
    with scope(society=world.society):
        contest.refresh_from_db()
    assert contest.state == ContestState.CLOSED and contest.result is None
    assert contest.lot_needed["stage"] == 3 and contest.lot_needed["purpose"] == "exclusion"
    assert contest.lot_needed["candidates"] == contest.names[1:]
    assert contest.lot_needed["method"] == "ers97"
    assert contest.lot_needed["rule"].startswith("ERS97 rule 5.2.5")
    assert "the rules require a lot" in contest.count_error
    entry = audit_entries(world.society)[-1]
    assert (entry.action, entry.actor) == ("contest.count_stopped", None)
    assert entry.data["lot_needed"]["candidates"] == contest.names[1:]


def test_the_page_explains_the_tie_and_running_the_count_again_does_not_say_done(world):
    contest = stopped_on_a_tie(world, harmless=False)
    ro = world.client("returning_officer")
    page = ro.get(url(world, "manage_contest", contest)).content.decode()
    b, c = contest.names[1:]
    assert (f"At stage 3, {b} and {c} are tied for exclusion: their votes were equal at this "
            "stage and at every earlier one, so the votes cannot decide which of them is "
            "excluded.") in page
    assert "What the rules say: ERS97 rule 5.2.5" in page
    assert "Draw a seed and finish the count" in page
    assert "Finish the count with the published seed" in page
    response = ro.post(url(world, "count", contest), follow=True)
    text = response.content.decode()
    assert "The count is done" not in text
    assert "The count stopped: it needs a lot to break a tie" in text
    with scope(society=world.society):
        contest.refresh_from_db()
    assert contest.state == ContestState.CLOSED and contest.lot_needed


def test_a_seed_drawn_on_the_page_finishes_the_count_and_is_shown_with_the_result(
        world, audit_entries):
    contest = stopped_on_a_tie(world, harmless=False)
    ro = world.client("returning_officer")
    before = len(audit_entries(world.society))
    response = ro.post(url(world, "resolve_lot", contest),
                       {"how": "drawn", "draw-witness": "  Sam   Scrutineer "}, follow=True)
    assert "is recorded and the lot drawn from it; the count is done" in (
        response.content.decode())
    with scope(society=world.society):
        contest.refresh_from_db()
    assert contest.state == ContestState.COUNTED and contest.lot_needed is None
    assert re.fullmatch(r"[0-9a-f]{4}(-[0-9a-f]{4}){3}", contest.seed)
    assert contest.seed_source == SeedSource.DRAWN and contest.seed_witness == "Sam Scrutineer"
    assert contest.seed_recorded_by == world.users["returning_officer"].full_name
    assert contest.seed_used_at is not None and contest.result["seed"] == contest.seed
    entries = audit_entries(world.society)[before:]
    assert [(e.action, e.actor) for e in entries] == [
        ("contest.lot_seed_recorded", world.users["returning_officer"]),
        ("contest.counted", world.users["returning_officer"])]
    assert entries[0].data["seed"] == contest.seed and entries[0].data["source"] == "drawn"
    assert entries[0].data["witness"] == "Sam Scrutineer"
    (tie,) = [t for t in contest.result["tie_breaks"] if t["rule"] == "lot"]
    b, c = contest.names[1:]
    loser = min((b, c), key=lambda n: lot_digest(contest.seed, 3, "exclusion", n))
    assert tie["rule"] == "lot" and tie["chosen"] == [loser]
    winner = c if loser == b else b
    assert contest.result["elected"] == [contest.names[0], winner]

    sign_and_publish(world, contest)
    page = world.client("member").get(url(world, "result", contest)).content.decode()
    assert f'<code id="seed">{contest.seed}</code>, drawn at the count by the system' in page
    assert f"by {contest.seed_recorded_by}; witnessed by Sam Scrutineer" in page
    assert f"omov-lot|{contest.seed}|3|exclusion|{b}" in page
    assert f"Stage 3, exclusion: {b}, {c} were tied; {loser} chosen by lot" in page
    found = re.search(r'<p id="lot-check"><strong>([^<]+)</strong>', page)[1]
    assert found.startswith("The lot decided who was elected: depending on the draw, the count "
                            "elects one of: ")
    assert f"{contest.names[0]} and {b}" in found and f"{contest.names[0]} and {c}" in found


def test_the_seed_published_before_the_count_is_recorded_and_shown(world, audit_entries):
    contest = stopped_on_a_tie(world, harmless=False)
    response = world.client("returning_officer").post(
        url(world, "resolve_lot", contest),
        {"how": "published", "published-seed": "Notice of election 2027",
         "published-witness": ""})
    assert response.status_code == 302
    with scope(society=world.society):
        contest.refresh_from_db()
    assert contest.state == ContestState.COUNTED
    assert contest.seed == "Notice of election 2027"
    assert contest.seed_source == SeedSource.PUBLISHED and contest.seed_witness == ""
    b, c = contest.names[1:]
    loser = min((b, c), key=lambda n: lot_digest("Notice of election 2027", 3, "exclusion", n))
    assert contest.result["tie_breaks"][-1]["chosen"] == [loser]
    assert [e.action for e in audit_entries(world.society)[-2:]] == [
        "contest.lot_seed_recorded", "contest.counted"]
    sign_and_publish(world, contest)
    page = world.client("member").get(url(world, "result", contest)).content.decode()
    assert "Notice of election 2027</code>, published before the count, and entered at" in page
    assert "witnessed by" not in page


def test_a_seed_set_with_the_contest_draws_the_lot_without_stopping_and_is_then_fixed(world):
    contest = make_contest(world, candidates=3, seats=2, seed="Set with the contest")
    vote(world, contest, ["0", "0", "0", "1", "2"])
    close_contest(contest, world)
    with scope(society=world.society):
        contest.refresh_from_db()
        assert contest.state == ContestState.COUNTED and contest.seed_used_at is not None
        assert contest.seed_source == "" and contest.result["lot_check"]["checked"]
        with pytest.raises(BallotError, match="not waiting for a lot"):
            services.resolve_lot(actor=world.users["returning_officer"], contest=contest,
                                 source=SeedSource.DRAWN)
    sign_and_publish(world, contest)
    page = world.client("member").get(url(world, "result", contest)).content.decode()
    assert ('<code id="seed">Set with the contest</code>, published with the contest, before '
            "voting opened.") in page


def test_a_lot_that_changes_nothing_says_every_draw_elects_the_same(world):
    contest = stopped_on_a_tie(world, harmless=True)
    with scope(society=world.society):
        contest.refresh_from_db()
    assert contest.lot_needed["candidates"] == contest.names[1:]
    world.client("returning_officer").post(url(world, "resolve_lot", contest),
                                           {"how": "drawn", "draw-witness": ""})
    with scope(society=world.society):
        contest.refresh_from_db()
    check = contest.result["lot_check"]
    assert check["checked"] and check["same"] and check["counts"] == 3
    assert contest.report_text.rstrip().endswith(
        f"every possible draw elects {contest.names[0]}.")
    sign_and_publish(world, contest)
    page = world.client("member").get(url(world, "result", contest)).content.decode()
    assert ('<p id="lot-check"><strong>The lot did not change who was elected: every possible '
            f"draw elects {contest.names[0]}.</strong></p>") in page
    assert "witnessed by" not in page


def test_a_used_seed_cannot_be_changed_and_count_again_keeps_it(world, audit_entries):
    contest = stopped_on_a_tie(world, harmless=False)
    ro = world.users["returning_officer"]
    with scope(society=world.society):
        services.resolve_lot(actor=ro, contest=contest, source=SeedSource.PUBLISHED, seed="one")
        before = len(audit_entries(world.society))
        for source in (SeedSource.PUBLISHED, SeedSource.DRAWN):
            with pytest.raises(BallotError, match="not waiting for a lot"):
                services.resolve_lot(actor=ro, contest=contest, source=source, seed="two")
        assert len(audit_entries(world.society)) == before
        contest.refresh_from_db()
        first = contest.result
        services.count_contest(actor=ro, contest=contest)
        contest.refresh_from_db()
    assert contest.seed == "one" and contest.result == first
    response = world.client("returning_officer").post(
        url(world, "resolve_lot", contest), {"how": "drawn"}, follow=True)
    assert "This count is not waiting for a lot" in response.content.decode()
    with scope(society=world.society):
        contest.refresh_from_db()
    assert contest.seed == "one" and contest.result == first


def test_a_recorded_seed_is_refused_again_even_before_a_count_used_it(world):
    contest = stopped_on_a_tie(world, harmless=False)
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(seed="already")
        with pytest.raises(BallotError, match="already recorded"):
            services.resolve_lot(actor=world.users["returning_officer"], contest=contest,
                                 source=SeedSource.DRAWN)


def test_a_published_seed_must_be_given_and_nothing_is_recorded_without_it(
        world, audit_entries):
    contest = stopped_on_a_tie(world, harmless=False)
    before = len(audit_entries(world.society))
    response = world.client("returning_officer").post(
        url(world, "resolve_lot", contest), {"how": "published", "published-seed": "   "})
    assert response.status_code == 400
    assert "Seed as published: This field is required." in response.content.decode()
    with scope(society=world.society):
        contest.refresh_from_db()
        with pytest.raises(BallotError, match="exactly as it was published"):
            services.resolve_lot(actor=world.users["returning_officer"], contest=contest,
                                 source=SeedSource.PUBLISHED, seed=" ")
    assert contest.seed == "" and contest.state == ContestState.CLOSED
    assert len(audit_entries(world.society)) == before


def test_only_the_returning_officer_resolves_a_lot(world):
    contest = stopped_on_a_tie(world, harmless=False)
    for persona, status in (("member", 403), ("secretary", 403), ("outsider", 404)):
        response = world.client(persona).post(url(world, "resolve_lot", contest),
                                              {"how": "drawn"})
        assert response.status_code == status, persona
    with scope(society=world.society):
        contest.refresh_from_db()
    assert contest.seed == "" and contest.state == ContestState.CLOSED


def test_a_count_task_that_fails_says_why_on_the_page_and_can_be_run_again(
        world, monkeypatch, audit_entries):
    from ballots.tasks import count_contest_task

    contest = make_contest(world)
    vote(world, contest, ["0", "1", "0"])

    def broken(contest, grouped=None):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(counting, "compute_result", broken)
    close_contest(contest, world)
    with scope(society=world.society):
        contest.refresh_from_db()
    assert contest.state == ContestState.CLOSED
    assert contest.count_error.startswith("the count could not finish (RuntimeError)")
    entry = audit_entries(world.society)[-1]
    assert (entry.action, entry.actor) == ("contest.count_failed", None)
    ro = world.client("returning_officer")
    page = ro.get(url(world, "manage_contest", contest)).content.decode()
    assert "The count stopped: the count could not finish (RuntimeError)" in page
    assert "Run the count again" in page
    monkeypatch.undo()
    response = ro.post(url(world, "count", contest), follow=True)
    assert "The count is done" in response.content.decode()
    with scope(society=world.society):
        contest.refresh_from_db()
        assert contest.state == ContestState.COUNTED and contest.count_error == ""
        assert count_contest_task(world.society.pk, contest.pk) == ContestState.COUNTED


def test_a_closed_contest_not_yet_counted_says_so_and_offers_the_count(world):
    contest = make_contest(world)
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(state=ContestState.CLOSED)
    page = world.client("returning_officer").get(
        url(world, "manage_contest", contest)).content.decode()
    assert "the count has not finished" in page and ">Run the count</button>" in page


def test_the_result_says_what_a_member_can_do_with_the_blt_file(world):
    contest = make_contest(world)
    vote(world, contest, ["0", "0", "1"])
    close_contest(contest, world)
    sign_and_publish(world, contest)
    page = world.client("member").get(url(world, "result", contest)).content.decode()
    assert "manage.py" not in page
    assert "Download the anonymous ballots (BLT file)" in page
    assert "OpenSTV or the Electoral Reform Society's counting software" in page
    assert "Count them by the same rules (STV, ERS97 rules) for 1 seat and you get the same " \
           "result." in page
