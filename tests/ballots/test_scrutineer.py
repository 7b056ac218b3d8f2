"""The scrutineer watches every step of an election without seeing a vote, co-signs the result
the returning officer signed off, and the result certificate then downloads (docs/voting.md).
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from ballotbox.models import Box, BoxState
from ballots import services
from ballots.models import Contest, ContestState
from ballots.services import BallotError
from societies.models import Invitation, RoleGrant
from societies.permissions import Role
from tests.audit_helpers import assert_one_audit_entry, last_audit_id
from tests.ballots.conftest import close_contest, make_contest
from tests.conftest import make_user
from tests.pdf import read_pdf


def url(world, name, **kwargs):
    return reverse(f"ballots:{name}", kwargs={"society_slug": world.society.slug, **kwargs})


@pytest.fixture
def scrutineer(world):
    """A scrutineer who is not a member of the society, with two-factor authentication."""
    user = make_user(f"scrutineer@{world.society.slug}.test", full_name="Sam Scrutineer",
                     mfa=True)
    with scope(society=world.society):
        RoleGrant.objects.create(society=world.society, user=user, role=Role.SCRUTINEER)
    world.users["scrutineer"] = user
    return user


def cast(contest, voter, *numbers):
    with scope(society=contest.society):
        by_number = {c.number: str(c.public_id) for c in contest.candidates.all()}
        return services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                    choices=[by_number[n] for n in numbers])


def polled_contest(world):
    """An open contest (ERS97, one seat, three candidates) with three online votes and one
    paper vote entered in a batch."""
    contest = make_contest(world)
    receipts = [cast(contest, contest.voters[0], 1, 2), cast(contest, contest.voters[1], 1, 3),
                cast(contest, contest.voters[2], 2, 1)]
    ro = world.users["returning_officer"]
    with scope(society=world.society):
        first = str(contest.candidates.get(number=1).public_id)
        services.strike_off_paper(actor=ro, contest=contest, member=contest.voters[3])
        services.enter_paper_ballots(actor=ro, contest=contest, label="Box 1",
                                     ballots=[[first]])
    contest.receipts = receipts
    return contest


def signed_contest(world):
    contest = reread(close_contest(polled_contest(world), world))
    assert contest.state == ContestState.COUNTED, contest.count_error
    with scope(society=world.society):
        return services.sign_off(actor=world.users["returning_officer"], contest=contest,
                                 name="Rita Officer", on=timezone.localdate())


def cosign(world, contest, persona="scrutineer", **data):
    fields = {"cosign-name": "Sam Scrutineer", "cosign-on": timezone.localdate().isoformat()}
    fields.update({f"cosign-{key}": value for key, value in data.items()})
    return world.client(persona).post(url(world, "cosign", public_id=contest.public_id), fields)


def reread(contest):
    with scope(society=contest.society):
        contest.refresh_from_db()
    return contest


def test_the_secretary_makes_someone_scrutineer(world, audit_entries):
    response = world.client("secretary").post(
        reverse("societies:roles", kwargs={"society_slug": world.society.slug}),
        {"email": "sam@example.test", "role": "scrutineer"})
    assert response.status_code == 302
    with scope(society=world.society):
        assert Invitation.objects.get(email="sam@example.test").role == Role.SCRUTINEER
    user = make_user("sam2@example.test", mfa=True)
    since = last_audit_id(world.society)
    with scope(society=world.society):
        from societies.services import grant_role

        grant = grant_role(actor=world.users["secretary"], society=world.society, user=user,
                           role="scrutineer")
    assert grant.get_role_display() == "Scrutineer"
    assert_one_audit_entry(world.society, "role.granted", actor=world.users["secretary"],
                           target=grant, since=since)
    # They find the scrutiny pages in the menu; a plain member does not.
    home = reverse("societies:home", kwargs={"society_slug": world.society.slug})
    client = world.client("anonymous")
    client.force_login(user)
    assert "Scrutinise elections" in client.get(home).content.decode()
    assert "Scrutinise elections" not in world.client("member").get(home).content.decode()


def test_a_scrutineer_sets_up_two_factor_authentication_first(world):
    user = make_user(f"new-scrutineer@{world.society.slug}.test")
    with scope(society=world.society):
        RoleGrant.objects.create(society=world.society, user=user, role=Role.SCRUTINEER)
    client = world.client("anonymous")
    client.force_login(user)
    response = client.get(url(world, "scrutiny"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_the_scrutineer_watches_the_poll_without_seeing_a_vote(world, scrutineer):
    contest = polled_contest(world)
    client = world.client("scrutineer")
    listing = client.get(url(world, "scrutiny"))
    assert listing.status_code == 200 and contest.title in listing.content.decode()
    page = client.get(url(world, "scrutinise_contest", public_id=contest.public_id))
    assert page.status_code == 200
    text = page.content.decode()
    assert page.context["turnout"]["online"] == 3 and page.context["turnout"]["paper"] == 1
    assert f'<dd id="roll-size">{contest.roll_size}</dd>' in text
    assert '<dd id="voted-online">3</dd>' in text and '<dd id="voted-paper">1</dd>' in text
    assert "Box 1" in text and contest.roll_fingerprint in text
    # The trail holds the opening, the strike-off and the batch; no receipt, no ballot, no
    # running total, no count report, and nothing to press.
    assert "struck member" in text and "paper" in text
    for receipt in contest.receipts:
        assert receipt not in text
    assert 'id="count-report"' not in text and "<form" not in text.split("<main")[-1]
    assert "Stage 1" not in text


def test_the_scrutineer_sees_the_count_once_it_is_done(world, scrutineer):
    contest = close_contest(polled_contest(world), world)
    page = world.client("scrutineer").get(
        url(world, "scrutinise_contest", public_id=contest.public_id))
    text = page.content.decode()
    assert 'id="count-report"' in text and contest.ballot_set_hash in text
    assert "<form" not in text.split("<main")[-1]  # nothing to sign until the officer has


def test_the_scrutineer_is_refused_the_officers_actions(world, scrutineer):
    contest = polled_contest(world)
    client = world.client("scrutineer")
    public_id = contest.public_id
    assert client.get(url(world, "manage_contest", public_id=public_id)).status_code == 403
    assert client.get(url(world, "manage")).status_code == 403
    for name in ("close", "count", "sign_off", "publish", "strike_off", "paper_batch",
                 "extend_voting", "cancel_contest"):
        response = client.post(url(world, name, public_id=public_id),
                               {"sign-name": "Sam", "sign-on": "2027-01-01"})
        assert response.status_code == 403, name
    assert reread(contest).state == ContestState.OPEN
    # Nor can a member open the scrutiny pages.
    member = world.client("member")
    assert member.get(url(world, "scrutiny")).status_code == 403
    assert member.get(url(world, "scrutinise_contest", public_id=public_id)).status_code == 403


def test_the_scrutineer_cosigns_after_the_sign_off(world, scrutineer, audit_entries):
    contest = close_contest(polled_contest(world), world)
    before = cosign(world, contest)
    assert before.status_code == 302
    assert reread(contest).cosigned_on is None
    with scope(society=world.society):
        services.sign_off(actor=world.users["returning_officer"], contest=contest,
                          name="Rita Officer", on=timezone.localdate())
    page = world.client("scrutineer").get(
        url(world, "scrutinise_contest", public_id=contest.public_id))
    assert "Co-sign the result" in page.content.decode()
    home = reverse("societies:home", kwargs={"society_slug": world.society.slug})
    assert "1 signed result to co-sign" in world.client("scrutineer").get(home).content.decode()
    count_before = len(audit_entries(world.society))
    response = cosign(world, contest)
    assert response.status_code == 302
    contest = reread(contest)
    assert contest.cosigned_name == "Sam Scrutineer"
    assert contest.cosigned_on == timezone.localdate() and contest.cosigned_by == scrutineer
    assert contest.state == ContestState.SIGNED  # publishing stays the officer's
    entries = audit_entries(world.society)[count_before:]
    assert [(e.action, e.actor) for e in entries] == [("contest.cosigned", scrutineer)]
    assert "signed result to co-sign" not in world.client("scrutineer").get(home).content.decode()
    # Twice is refused, and the first signature stands.
    again = cosign(world, contest, name="Someone Else")
    assert again.status_code == 302 and reread(contest).cosigned_name == "Sam Scrutineer"
    with scope(society=world.society), pytest.raises(BallotError, match="already co-signed"):
        services.cosign_result(actor=scrutineer, contest=contest, name="Sam",
                               on=timezone.localdate())


def test_the_officer_who_signed_off_cannot_cosign(world, scrutineer):
    contest = signed_contest(world)
    ro = world.users["returning_officer"]
    with scope(society=world.society):
        RoleGrant.objects.create(society=world.society, user=ro, role=Role.SCRUTINEER)
        with pytest.raises(BallotError, match="another person"):
            services.cosign_result(actor=ro, contest=contest, name="Rita Officer",
                                   on=timezone.localdate())
    page = world.client("returning_officer").get(
        url(world, "scrutinise_contest", public_id=contest.public_id))
    assert page.status_code == 200 and "Co-sign the result" not in page.content.decode()
    assert cosign(world, contest, "returning_officer").status_code == 302
    assert reread(contest).cosigned_on is None


def test_cosign_refuses_bad_input_naming_the_field(world, scrutineer):
    contest = signed_contest(world)
    early = (timezone.localdate() - timedelta(days=1)).isoformat()
    late = (timezone.localdate() + timedelta(days=1)).isoformat()
    for data, field in (({"name": "  "}, "name"), ({"on": "not a date"}, "on"),
                        ({"on": early}, "on"), ({"on": late}, "on")):
        response = cosign(world, contest, **data)
        assert response.status_code == 400, data
        assert response.context["cosign_form"].errors[field], data
    assert reread(contest).cosigned_on is None


def certificate(world, contest, persona):
    return world.client(persona).get(url(world, "certificate", public_id=contest.public_id))


def test_the_certificate_downloads_once_both_have_signed(world, scrutineer):
    contest = signed_contest(world)
    assert certificate(world, contest, "scrutineer").status_code == 404
    assert cosign(world, contest).status_code == 302
    contest = reread(contest)
    response = certificate(world, contest, "scrutineer")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(read_pdf(response.content).text.split())
    with scope(society=world.society):
        winner = contest.candidates.get(number=1).name
        size = contest.roll_size
    assert "Declaration of the result" in text and world.society.name in text
    assert f"{contest.election.title}: {contest.title}" in text
    assert "1 seat to fill, by STV, ERS97 rules" in text
    assert f"Members on the roll: {size:,}" in text and contest.roll_fingerprint in text
    assert "Voted: 4 (" in text and "online 3, on paper 1" in text
    assert "Ballots counted: 4" in text and contest.ballot_set_hash in text
    assert "Spoilt paper ballots: none." in text
    assert "tendered (code already used) 0; returned after the close 0" in text
    assert "Blank ballots (no preference for a standing candidate), as the count reported: 0" \
        in text
    assert "Stage 1 (" in text and f"{winner} 3.00" in text
    assert f"Elected {winner}: 3.00 votes at the last stage" in text
    assert "Signed off by Rita Officer, returning officer" in text
    assert "Co-signed by Sam Scrutineer, scrutineer" in text
    assert f"/ballots/contests/{contest.public_id}/result/" in text  # no box: the lists
    # Officers and auditors read it before publication; members once the result is out.
    for persona in ("returning_officer", "auditor"):
        assert certificate(world, contest, persona).status_code == 200, persona
    assert certificate(world, contest, "member").status_code == 404
    assert certificate(world, contest, "outsider").status_code == 404
    with scope(society=world.society):
        services.publish_result(actor=world.users["returning_officer"], contest=contest)
    assert certificate(world, contest, "member").status_code == 200
    result = world.client("member").get(url(world, "result", public_id=contest.public_id))
    assert 'id="certificate-link"' in result.content.decode()


def test_publication_does_not_wait_for_the_cosignature(world, scrutineer):
    contest = signed_contest(world)
    with scope(society=world.society):
        services.publish_result(actor=world.users["returning_officer"], contest=contest)
    assert certificate(world, contest, "member").status_code == 404
    result = world.client("member").get(url(world, "result", public_id=contest.public_id))
    assert 'id="certificate-link"' not in result.content.decode()
    assert cosign(world, contest).status_code == 302
    assert reread(contest).cosigned_on is not None
    assert certificate(world, contest, "member").status_code == 200


def test_the_certificate_names_the_ballot_boxs_record(world, scrutineer):
    contest = signed_contest(world)
    fingerprint = "ab" * 32
    with scope(society=world.society):
        box = Box.objects.create(society=world.society, name="Box", election_id="id-cert",
                                 group="g", questions=[], threshold=2, trustee_count=3,
                                 state=BoxState.RESULT, record_sha256=fingerprint,
                                 published_at=timezone.now())
        Contest.objects.filter(pk=contest.pk).update(box=box)
    cosign(world, contest)
    text = " ".join(read_pdf(certificate(world, contest, "scrutineer").content).text.split())
    assert fingerprint in text
    assert f"/ballotbox/records/{box.public_id}/" in text
    page = world.client("scrutineer").get(
        url(world, "scrutinise_contest", public_id=contest.public_id))
    assert f'<code id="record-sha256">{fingerprint}</code>' in page.content.decode()


def test_a_resolutions_certificate_gives_the_votes_and_the_outcome(world, scrutineer):
    contest = make_contest(world, method="resolution")
    with scope(society=world.society):
        for voter, answer in zip(contest.voters[:3], ("for", "for", "against"), strict=True):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=answer)
    contest = reread(close_contest(contest, world))
    with scope(society=world.society):
        services.sign_off(actor=world.users["returning_officer"], contest=contest,
                          name="Rita Officer", on=timezone.localdate())
    assert cosign(world, contest).status_code == 302
    text = " ".join(read_pdf(certificate(world, contest, "auditor").content).text.split())
    assert "That the accounts be received." in text
    assert "For 2; against 1; abstentions 0." in text and "The resolution is carried." in text
    assert "online 3, on paper 0" in text and "Elected" not in text


def test_the_certificate_lists_spoilt_papers_by_reason_and_the_papers_kept_apart(
        world, scrutineer):
    from ballots import returns
    from ballots.models import SpoiltReason

    contest = make_contest(world)
    ro = world.users["returning_officer"]
    with scope(society=world.society):
        for voter in contest.voters[:3]:
            services.strike_off_paper(actor=ro, contest=contest, member=voter)
        first = str(contest.candidates.get(number=1).public_id)
        services.enter_paper_ballots(actor=ro, contest=contest, label="Post", ballots=[[first]],
                                     spoilt={SpoiltReason.UNMARKED: 1,
                                             SpoiltReason.TOO_MANY: 1})
        returns.set_aside_to_check(actor=ro, contest=contest, reason="Code torn off")
    contest = reread(close_contest(contest, world))
    with scope(society=world.society):
        services.sign_off(actor=ro, contest=contest, name="Rita Officer",
                          on=timezone.localdate())
    assert cosign(world, contest).status_code == 302

    text = " ".join(read_pdf(certificate(world, reread(contest), "scrutineer").content)
                    .text.split())

    assert ("Spoilt paper ballots, not counted, by reason: unmarked 1; more marks than "
            "allowed 1.") in text
    assert "tendered (code already used) 0; returned after the close 0; rejected on " \
           "checking 0." in text
