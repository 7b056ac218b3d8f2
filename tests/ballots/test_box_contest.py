"""Contests whose online ballots go into a ballot box, with the real belenios-tool: set up
with three trustees, opened (a credential per roll entry), cast (encrypted), closed (the
credentials forgotten), shuffled twice, decrypted by two of the three, then counted by our
engine with the paper ballots."""

import re
from collections import Counter

import pytest
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from ballotbox import belenios
from ballotbox import services as box_services
from ballotbox.models import Box, BoxState, EncryptedBallot, Keeping, Trustee
from ballots import boxed, services
from ballots.models import CastBallot, Contest, ContestState, VoterRollEntry
from ballots.services import BallotError
from societies.models import AuditEntry
from tests.ballots.conftest import close_contest, make_contest, open_contest


class OwnComputers:
    """Trustees 2 and 3 on their own computers, played by the test: their private keys live
    here, never in the database; what they send goes through the services as from their
    pages. (Only trustee 1's share is on the server: fewer than the 2 needed to decrypt.)"""

    def __init__(self, box, numbers=(2, 3)):
        self.box, self.numbers, self.keys = box, numbers, {}

    def _rows(self):
        return list(Trustee.objects.filter(box=self.box).order_by("number"))

    def make_key(self, actor) -> None:
        group = self.box.group
        while Box.objects.get(pk=self.box.pk).state == BoxState.KEYS:
            for trustee in self._rows():
                if trustee.number not in self.numbers or trustee.round is None:
                    continue
                certificates = [t.certificate for t in self._rows()]
                if trustee.round == 1:
                    made = belenios.generate_trustee_certificate(group)
                    self.keys[trustee.number] = made.private_key
                    message = made.certificate
                elif trustee.round == 3 and all(certificates):
                    message = belenios.generate_polynomial(
                        group, certificates, self.keys[trustee.number], self.box.threshold)
                elif trustee.round == 5 and trustee.vinput:
                    message = belenios.compute_verification_output(
                        group, certificates, self.keys[trustee.number], trustee.vinput)
                else:
                    continue
                box_services.submit_key_message(actor=actor, box=self.box,
                                                trustee_number=trustee.number, message=message)

    def shuffle(self, actor, number) -> None:
        record = bytes(Box.objects.get(pk=self.box.pk).record)
        box_services.shuffle(actor=actor, box=self.box, trustee_number=number,
                             message=belenios.shuffle(record, number))

    def decrypt(self, actor, number) -> None:
        box = Box.objects.get(pk=self.box.pk)
        trustee = Trustee.objects.get(box=box, number=number)
        box_services.decrypt(actor=actor, box=box, trustee_number=number,
                             message=belenios.decrypt_threshold(
                                 bytes(box.record), private_key=self.keys[number],
                                 decryption_key=trustee.decryption_key, trustee_id=number))


def with_box(world, *, all_on_server=False, **values) -> Contest:
    """A contest with a 2-of-3 box, opened: the returning officer's key on the server, the two
    scrutineers' on their own computers (`contest.own`, played by the test). With
    `all_on_server`, the three keys are on the server, as an officer may accept."""
    contest = make_contest(world, open_now=False, **values)
    ro = world.users["returning_officer"]
    scrutineers = Keeping.SERVER if all_on_server else Keeping.OWN
    with scope(society=world.society):
        box = boxed.set_up_box(actor=ro, contest=contest, threshold=2, trustees=[
            boxed.TrusteeSpec("Returning Officer", Keeping.SERVER, ro),
            boxed.TrusteeSpec("Scrutineer One", scrutineers),
            boxed.TrusteeSpec("Scrutineer Two", scrutineers)], server_decrypts=all_on_server)
        own = OwnComputers(box, numbers=() if all_on_server else (2, 3))
        own.make_key(ro)
        assert Box.objects.get(pk=box.pk).state == BoxState.READY
        assert Trustee.objects.filter(box=box).exclude(private_key="").count() == (
            3 if all_on_server else 1)
    open_contest(contest, world)
    contest.own = own
    return contest


def count_the_box(world, contest) -> Contest:
    """The trustees' part after the close: two shuffles (the officer's on the server, a
    scrutineer's from their computer), two partial decryptions (both scrutineers'); the
    box's result then queues the count (on commit)."""
    ro = world.users["returning_officer"]
    with scope(society=world.society), TestCase.captureOnCommitCallbacks(execute=True):
        box = Box.objects.get(pk=contest.box_id)
        assert box.state == BoxState.TALLYING
        box_services.shuffle(actor=ro, box=box, trustee_number=1)
        contest.own.shuffle(ro, 3)
        box_services.end_shuffles(actor=ro, box=box)
        contest.own.decrypt(ro, 3)
        contest.own.decrypt(ro, 2)
    with scope(society=world.society):
        contest.refresh_from_db()
    return contest


def ids(contest, *numbers) -> list[str]:
    by_number = {c.number: str(c.public_id) for c in contest.candidates.all()}
    return [by_number[n] for n in numbers]


@pytest.mark.usefixtures("tool")
def test_an_stv_contest_counted_from_its_ballot_box(world):
    contest = with_box(world, method="ers97", seats=1, candidates=3)
    cast = [(1, 2), (1, 3), (2, 1, 3), (1,), (3, 2), ()]
    with scope(society=world.society):
        entries = VoterRollEntry.objects.filter(contest=contest)
        assert entries.count() == contest.roll_size and all(e.credential for e in entries)
        voters = [e.member for e in entries.select_related("member")][:len(cast)]
        trackers = []
        for member, order in zip(voters[:-1], cast[:-1], strict=True):
            trackers.append(services.cast_ballot(actor=member.user, contest=contest,
                                                 member=member, choices=ids(contest, *order)))
    # The last votes over HTTP (a blank ballot) and is shown their tracker.
    client = Client()
    client.force_login(voters[-1].user)
    answer = client.post(reverse("ballots:contest", kwargs={
        "society_slug": world.society.slug, "public_id": contest.public_id}), {})
    html = answer.content.decode()
    assert answer.status_code == 200 and "Your ballot tracker is" in html
    trackers.append(re.search(r'id="receipt-code">([^<]+)<', html).group(1))
    with scope(society=world.society):
        # Nothing in plain text; one ciphertext per vote, carrying no member.
        assert not CastBallot.objects.filter(contest=contest).exists()
        assert EncryptedBallot.objects.filter(box_id=contest.box_id).count() == len(cast)
        assert sorted(trackers) == sorted(EncryptedBallot.objects.filter(
            box_id=contest.box_id).values_list("tracker", flat=True))
        with pytest.raises(BallotError, match="already voted"):
            services.cast_ballot(actor=voters[0].user, contest=contest, member=voters[0],
                                 choices=ids(contest, 3))
        assert EncryptedBallot.objects.filter(box_id=contest.box_id).count() == len(cast)
        # One paper voter, struck off and entered as today.
        paper = [e.member for e in entries.filter(voted_on__isnull=True)][0]
        ro = world.users["returning_officer"]
        services.strike_off_paper(actor=ro, contest=contest, member=paper)
        services.enter_paper_ballots(actor=ro, contest=contest, label="Post",
                                     ballots=[ids(contest, 2, 1)])
        assert not AuditEntry.objects.filter(action="ballot.cast").exists()

    contest = close_contest(contest, world)
    with scope(society=world.society):
        assert contest.state == ContestState.CLOSED  # waiting for the trustees
        assert not VoterRollEntry.objects.filter(contest=contest).exclude(credential="").exists()
        with pytest.raises(BallotError, match="still being counted"):
            services.count_contest(actor=None, contest=contest)

    contest = count_the_box(world, contest)
    with scope(society=world.society):
        assert contest.state == ContestState.COUNTED, contest.count_error
        assert contest.ballots_counted == len(cast) + 1
        expected = Counter(",".join(map(str, o)) for o in cast) + Counter({"1,2": 0, "2,1": 1})
        assert dict(services.grouped_ballots(contest)) == {k: v for k, v in expected.items() if v}
        # The stored result is the count of the ballots this test cast.
        cast_grouped = sorted((k, v) for k, v in expected.items() if v)
        result, _report, invalid_free = services.compute_result(contest, cast_grouped)
        assert contest.result == {**result, "invalid_decrypted": 0}
        assert invalid_free == contest.ballots_counted
        codes = list(services.receipt_codes(contest))
        paper_receipt = CastBallot.objects.get(contest=contest).receipt
        assert sorted(codes, key=str.encode) == codes
        assert set(codes) == {*trackers, paper_receipt}
        assert boxed.has_tracker(contest, trackers[0])
        services.sign_off(actor=ro, contest=contest, name="R. Officer", on=timezone.localdate())
        services.publish_result(actor=ro, contest=contest)
    # The voter finds their tracker (POST), and the box's public record is published.
    receipts = reverse("ballots:receipts", kwargs={"society_slug": world.society.slug,
                                                   "public_id": contest.public_id})
    found = client.post(receipts, {"receipt": f" {trackers[-1]} "}).content.decode()
    assert 'id="receipt-found"' in found and trackers[-1] in found
    wrong = client.post(receipts, {"receipt": trackers[-1].lower()}).content.decode()
    assert 'id="receipt-missing"' in wrong
    result = client.get(reverse("ballots:result", kwargs={
        "society_slug": world.society.slug, "public_id": contest.public_id})).content.decode()
    record = re.search(r'id="box-record-link" href="([^"]+)"', result).group(1)
    assert client.get(record).status_code == 200


@pytest.mark.usefixtures("tool")
@pytest.mark.parametrize("method", ["block", "resolution"])
def test_marks_and_resolutions_counted_from_a_box(world, method):
    contest = with_box(world, method=method, seats=2, candidates=4)
    if method == "resolution":
        choices = ["for", "for", "against", "abstain"]
    else:
        choices = [[1, 3], [3, 1], [2], []]
    with scope(society=world.society):
        members = [e.member for e in VoterRollEntry.objects.filter(contest=contest)
                   .select_related("member")][:len(choices) + 1]
        for member, choice in zip(members, choices, strict=False):
            made = choice if method == "resolution" else ids(contest, *choice)
            services.cast_ballot(actor=member.user, contest=contest, member=member,
                                 choices=made)
        if method == "block":
            with pytest.raises(BallotError, match="at most 2"):
                services.cast_ballot(actor=members[-1].user, contest=contest,
                                     member=members[-1], choices=ids(contest, 1, 2, 3))
            # A modified voting device could still encrypt three marks (a well-formed
            # ranking to the box): it is found at decryption and reported, not counted.
            credential = VoterRollEntry.objects.get(contest=contest,
                                                    member=members[-1]).credential
            box_services.encrypt_and_store(Box.objects.get(pk=contest.box_id), credential,
                                           [[1, 2, 3, 0]])
    contest = close_contest(contest, world)
    contest = count_the_box(world, contest)
    with scope(society=world.society):
        assert contest.state == ContestState.COUNTED, contest.count_error
        grouped = dict(services.grouped_ballots(contest))
    if method == "resolution":
        assert grouped == {"for": 2, "against": 1, "abstain": 1}
        assert contest.result["invalid_decrypted"] == 0
    else:
        assert grouped == {"1,3": 2, "2": 1, "": 1}
        assert contest.result["invalid_decrypted"] == 1 and contest.ballots_counted == 4
        assert "1 ballot from the ballot box decrypted to a ranking" in contest.report_text


@pytest.mark.usefixtures("tool")
def test_voting_cannot_open_before_the_trustees_have_made_the_key(world):
    contest = make_contest(world, open_now=False)
    ro = world.users["returning_officer"]
    with scope(society=world.society):
        with pytest.raises(boxed.BoxError, match="at least 3 trustees"):
            boxed.set_up_box(actor=ro, contest=contest, threshold=2, trustees=[
                boxed.TrusteeSpec("A", Keeping.SERVER), boxed.TrusteeSpec("B", Keeping.OWN)])
        with pytest.raises(boxed.BoxError, match="between 2 and 3"):
            boxed.set_up_box(actor=ro, contest=contest, threshold=1, trustees=[
                boxed.TrusteeSpec(n, Keeping.SERVER) for n in "ABC"])
        with pytest.raises(boxed.BoxError, match="the server alone could read"):
            boxed.set_up_box(actor=ro, contest=contest, threshold=2, trustees=[
                boxed.TrusteeSpec(n, Keeping.SERVER) for n in "ABC"])
        boxed.set_up_box(actor=ro, contest=contest, threshold=2, trustees=[
            boxed.TrusteeSpec("A", Keeping.SERVER), boxed.TrusteeSpec("B", Keeping.OWN),
            boxed.TrusteeSpec("C", Keeping.OWN)])
        open_contest(contest, world, open_it=False)
        with pytest.raises(BallotError, match="not finished making the election key"):
            services.open_voting(actor=ro, contest=contest)
        contest.refresh_from_db()
        assert contest.state == ContestState.DRAFT
        assert not VoterRollEntry.objects.filter(contest=contest).exists()


@pytest.mark.usefixtures("tool")
def test_a_lost_count_after_the_box_result_is_found_by_the_sweep(world, monkeypatch):
    """The box's result is in but its news to the contest was lost: the sweep counts it."""
    from ballots import tasks

    contest = with_box(world, method="ers97", seats=1, candidates=3)
    with scope(society=world.society):
        member = VoterRollEntry.objects.filter(contest=contest).first().member
        services.cast_ballot(actor=member.user, contest=contest, member=member,
                             choices=ids(contest, 2))
    contest = close_contest(contest, world)
    monkeypatch.setattr(tasks, "enqueue", lambda *args: None)  # lost
    contest = count_the_box(world, contest)
    assert contest.state == ContestState.CLOSED
    monkeypatch.undo()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the count's job runs on commit
        assert tasks.count_decrypted_boxes() == 1
    with scope(society=world.society):
        contest.refresh_from_db()
        assert contest.state == ContestState.COUNTED and contest.ballots_counted == 1
    assert tasks.count_decrypted_boxes() == 0
