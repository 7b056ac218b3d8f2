"""Voting codes (ballots/codes.py) and voting with one, no account needed (/s/<slug>/vote/)."""

import logging
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from ballots import codes, services
from ballots.models import CastBallot, Channel, VoterRollEntry
from notifications.models import Message
from tests.ballots.conftest import close_contest, make_contest, open_contest


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()  # the rate limits count in the cache
    yield
    cache.clear()


def _url(world):
    return reverse("vote:vote", kwargs={"society_slug": world.society.slug})


def _entry(world, contest, voter):
    with scope(society=world.society):
        return VoterRollEntry.objects.get(contest=contest, member=voter)


def _ranks(contest, world, order):
    with scope(society=world.society):
        standing = {c.number: c for c in contest.candidates.all()}
    return {f"rank_{standing[n].public_id}": str(i) for i, n in enumerate(order, start=1)}


# --- The codes ---------------------------------------------------------------------------------

def test_a_new_code_checks_and_reads_in_four_groups():
    code = codes.new_code()
    assert len(code) == 16 and set(code) <= set(codes.ALPHABET)
    assert codes.normal_code(code) == code
    assert codes.normal_code(" " + codes.shown(code).lower() + " ") == code
    assert codes.shown(code).count("-") == 3


def test_the_alphabet_has_no_look_alikes():
    assert not set("01OIL") & set(codes.ALPHABET)


@pytest.mark.parametrize("position", range(16))
def test_any_one_mistyped_character_is_caught(position):
    code = codes.new_code()
    for other in codes.ALPHABET:
        if other != code[position]:
            typo = code[:position] + other + code[position + 1:]
            with pytest.raises(codes.CodeError):
                codes.normal_code(typo)


def test_two_neighbours_swapped_are_caught():
    for _ in range(50):
        code = codes.new_code()
        for i in range(15):
            if code[i] != code[i + 1]:
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
                with pytest.raises(codes.CodeError):
                    codes.normal_code(swapped)


@pytest.mark.parametrize("typed", ["", "   ", "ABCD", "O" * 16, "7KQ4-XM2P-H9RT-3WC",
                                   "7KQ4-XM2P-H9RT-3WCBB", "<script>"])
def test_what_cannot_be_a_code_says_so(typed):
    with pytest.raises(codes.CodeError):
        codes.normal_code(typed)


# --- Issued at the opening, spent at the close ---------------------------------------------------

def test_each_member_on_the_roll_gets_a_code_at_the_opening_and_the_close_forgets_them(world):
    contest = make_contest(world)
    with scope(society=world.society):
        made = list(contest.roll.values_list("voting_code", flat=True))
    assert made and all(made) and len(set(made)) == len(made)
    assert all(codes.normal_code(code) == code for code in made)

    close_contest(contest, world)
    with scope(society=world.society):
        assert not contest.roll.exclude(voting_code="").exists()


def test_the_poll_open_message_gives_the_code_and_the_link_by_email_and_by_post(world):
    from members.models import ContactChannel, Member

    contest = make_contest(world, open_now=False)
    emailed, posted = contest.voters[3], contest.voters[4]
    with scope(society=world.society):
        Member.objects.filter(pk=emailed.pk).update(contact_channel=ContactChannel.EMAIL,
                                                    electronic_consent=True)
        Member.objects.filter(pk=posted.pk).update(contact_channel=ContactChannel.POST)
    open_contest(contest, world)
    with scope(society=world.society):
        email = Message.objects.get(recipient=emailed, kind="ballots.poll_open")
        letter = Message.objects.get(recipient=posted, kind="ballots.poll_open")
    assert (email.channel, letter.channel) == ("email", "post")

    code = _entry(world, contest, emailed).voting_code
    link = f"/s/{world.society.slug}/vote/#code={code}"
    assert codes.shown(code) in email.body_text and codes.shown(code) in email.body_html
    assert link in email.body_text and link in email.body_html
    code = _entry(world, contest, posted).voting_code
    assert codes.shown(code) in letter.body_text
    assert f"/s/{world.society.slug}/vote/ by typing" in letter.body_text


# --- Voting with a code ---------------------------------------------------------------------------

def test_a_member_votes_with_the_code_without_an_account(world):
    contest = make_contest(world)
    voter = contest.voters[3]
    entry = _entry(world, contest, voter)
    client = Client()  # nobody signed in

    page = client.get(_url(world))
    assert page.status_code == 200 and b'name="code"' in page.content
    ballot = client.post(_url(world), {"code": codes.shown(entry.voting_code).lower()})
    assert ballot.status_code == 200
    assert b"Cast my vote" in ballot.content and b"I am candidate 2." in ballot.content
    voted = client.post(_url(world), {"code": entry.voting_code, "step": "cast",
                                      **_ranks(contest, world, [2, 1])})

    assert voted.status_code == 200 and b"Your vote is recorded" in voted.content
    entry.refresh_from_db()
    assert entry.voted_on is not None and entry.channel == Channel.ONLINE
    with scope(society=world.society):
        assert list(CastBallot.objects.filter(contest=contest).values_list("choices", flat=True)
                    ) == ["2,1"]


def test_a_used_code_says_only_that_it_has_been_used(world):
    contest = make_contest(world)
    entry = _entry(world, contest, contest.voters[3])
    with scope(society=world.society):
        services.cast_ballot(actor=None, contest=contest, member=contest.voters[3],
                             choices=_ranks_ids(contest, world, [1]))

    for data in ({"code": entry.voting_code},
                 {"code": entry.voting_code, "step": "cast", **_ranks(contest, world, [2])}):
        page = Client().post(_url(world), data)
        assert page.status_code == 400
        assert b"This code has already been used." in page.content
        assert b"Cast my vote" not in page.content
    with scope(society=world.society):
        assert CastBallot.objects.filter(contest=contest).count() == 1


def _ranks_ids(contest, world, order):
    with scope(society=world.society):
        standing = {c.number: c for c in contest.candidates.all()}
    return [standing[n].public_id for n in order]


def test_a_mistyped_and_an_unknown_code_get_the_same_words(world, caplog):
    contest = make_contest(world)
    entry = _entry(world, contest, contest.voters[3])
    code = entry.voting_code
    typo = code[:5] + ("2" if code[5] != "2" else "3") + code[6:]
    unknown = codes.new_code()
    caplog.set_level(logging.INFO, logger="ballots.vote_views")

    pages = [Client().post(_url(world), {"code": typed}) for typed in (typo, unknown)]

    assert [p.status_code for p in pages] == [400, 400]
    assert all(codes.INVALID.encode() in p.content for p in pages)
    assert unknown not in caplog.text and typo not in caplog.text
    assert "mistyped" in caplog.text and "unknown" in caplog.text


def test_a_code_from_another_society_is_unknown_here(world):
    contest = make_contest(world)
    entry = _entry(world, contest, contest.voters[3])
    url = reverse("vote:vote", kwargs={"society_slug": world.other.society.slug})

    page = Client().post(url, {"code": entry.voting_code})

    assert page.status_code == 400 and codes.INVALID.encode() in page.content


def test_a_bad_ballot_is_refused_with_the_reason_and_nothing_is_stored(world):
    contest = make_contest(world)
    entry = _entry(world, contest, contest.voters[3])
    ranks = _ranks(contest, world, [1, 2])
    ranks[next(iter(ranks))] = "3"  # 3 and 2: a number skipped

    page = Client().post(_url(world), {"code": entry.voting_code, "step": "cast", **ranks})

    assert page.status_code == 400 and b"Your ballot was not recorded" in page.content
    assert b"Cast my vote" in page.content  # the ballot again, to mend
    entry.refresh_from_db()
    assert entry.voted_on is None
    with scope(society=world.society):
        assert not CastBallot.objects.filter(contest=contest).exists()


def test_after_the_close_the_code_votes_no_more(world):
    contest = make_contest(world)
    entry = _entry(world, contest, contest.voters[3])
    close_contest(contest, world)

    page = Client().post(_url(world), {"code": entry.voting_code, "step": "cast",
                                       **_ranks(contest, world, [1])})

    assert page.status_code == 400 and b"Cast my vote" not in page.content
    with scope(society=world.society):
        assert not CastBallot.objects.filter(contest=contest).exists()


def test_too_many_bad_codes_from_one_address_are_refused_for_a_while(world, settings):
    settings.VOTING_CODE_LIMITS = {"address": 3, "society": 100, "minutes": 15}
    contest = make_contest(world)
    entry = _entry(world, contest, contest.voters[3])
    client = Client(REMOTE_ADDR="192.0.2.7")
    for _ in range(3):
        assert client.post(_url(world), {"code": codes.new_code()}).status_code == 400

    refused = client.post(_url(world), {"code": entry.voting_code})  # even a good one
    elsewhere = Client(REMOTE_ADDR="192.0.2.8").post(_url(world), {"code": entry.voting_code})

    assert refused.status_code == 429 and b"from this address" in refused.content
    assert elsewhere.status_code == 200 and b"Cast my vote" in elsewhere.content


def test_too_many_bad_codes_across_the_society_are_refused_for_a_while(world, settings):
    settings.VOTING_CODE_LIMITS = {"address": 100, "society": 4, "minutes": 15}
    contest = make_contest(world)
    entry = _entry(world, contest, contest.voters[3])
    for n in range(4):
        Client(REMOTE_ADDR=f"192.0.2.{n + 1}").post(_url(world), {"code": "nonsense"})

    page = Client(REMOTE_ADDR="198.51.100.1").post(_url(world), {"code": entry.voting_code})

    assert page.status_code == 429 and b"for this society" in page.content


def test_the_code_page_works_without_javascript_and_names_its_field(world):
    page = Client().get(_url(world))
    html = page.content.decode()
    assert '<label for="code">Your voting code</label>' in html
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert "js/voting-code.js" in html  # only fills the field from an emailed link


# --- After voting: the receipt, and checking it without an account --------------------------------

def _vote_by_code(world, contest, voter, order) -> str:
    entry = _entry(world, contest, voter)
    page = Client().post(_url(world), {"code": entry.voting_code, "step": "cast",
                                       **_ranks(contest, world, order)})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sign out" not in html  # the voter may have no account
    assert reverse("vote:check", kwargs={"society_slug": world.society.slug}) in html
    return re.search(r'id="receipt-code">([^<]+)<', html)[1]


def test_a_member_who_voted_by_code_checks_the_ballot_was_counted_without_an_account(world):
    from tests.ballots.test_published_lists import publish

    contest = make_contest(world)
    receipt = _vote_by_code(world, contest, contest.voters[3], [1, 3])
    check = reverse("vote:check", kwargs={"society_slug": world.society.slug})
    before = Client().post(check, {"receipt": receipt})
    publish(world, contest)

    after = Client().post(check, {"receipt": receipt.lower()})
    unknown = Client().post(check, {"receipt": "2222-3333-4444-5555"})

    assert b'id="ballot-not-found"' in before.content  # not published yet
    assert after.status_code == 200 and b'id="ballot-counted"' in after.content
    assert str(contest).encode() in after.content
    assert b'id="ballot-not-found"' in unknown.content
    assert Client().post(check, {"receipt": ""}).status_code == 400
    assert Client().get(check).status_code == 200


def test_the_check_page_never_looks_at_another_society(world):
    from tests.ballots.test_published_lists import publish

    contest = make_contest(world)
    receipt = _vote_by_code(world, contest, contest.voters[3], [2])
    publish(world, contest)
    elsewhere = reverse("vote:check", kwargs={"society_slug": world.other.society.slug})

    page = Client().post(elsewhere, {"receipt": receipt})

    assert b'id="ballot-not-found"' in page.content


@pytest.mark.usefixtures("tool")
def test_a_code_vote_goes_into_the_ballot_box_and_its_tracker_is_found_after_the_count(world):
    from ballotbox.models import EncryptedBallot
    from tests.ballots.conftest import close_contest
    from tests.ballots.test_box_contest import count_the_box, with_box

    contest = with_box(world, method="ers97", seats=1, candidates=3)
    voter = contest.voters[3]
    page = Client().post(_url(world), {"code": _entry(world, contest, voter).voting_code,
                                       "step": "cast", **_ranks(contest, world, [3, 1])})
    html = page.content.decode()
    assert page.status_code == 200 and "Your ballot tracker is" in html
    tracker = re.search(r'id="receipt-code">([^<]+)<', html)[1]
    with scope(society=world.society):
        assert not CastBallot.objects.filter(contest=contest).exists()
        assert EncryptedBallot.objects.get(box_id=contest.box_id).tracker == tracker

    contest = count_the_box(world, close_contest(contest, world))
    with scope(society=world.society):
        assert dict(services.grouped_ballots(contest)) == {"3,1": 1}
        services.sign_off(actor=world.users["returning_officer"], contest=contest,
                          name="R. Officer", on=contest.voting_closes.date())
        services.publish_result(actor=world.users["returning_officer"], contest=contest)
    check = reverse("vote:check", kwargs={"society_slug": world.society.slug})
    assert b'id="ballot-counted"' in Client().post(check, {"receipt": tracker}).content
