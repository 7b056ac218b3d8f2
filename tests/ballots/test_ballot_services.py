"""The ballots services: setting up, nominating, opening, casting, paper, counting, results."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from ballots import services
from ballots.models import CastBallot, ContestState, VoterRollEntry
from ballots.services import BallotError
from ballots.services.reads import eligible_members
from members.models import Member
from notifications.models import Message
from tests.audit_helpers import assert_one_audit_entry, last_audit_id
from tests.ballots.conftest import add_members, close_contest, make_contest
from tests.conftest import anniversary, typed_datetime


def ids(contest, *positions):
    cands = list(contest.candidates.order_by("number"))
    return [str(cands[p].public_id) for p in positions]


def test_open_voting_freezes_the_roll_with_a_fingerprint_and_notifies_voters(world,
                                                                           audit_entries):
    contest = make_contest(world)
    with scope(society=world.society):
        roll = VoterRollEntry.objects.filter(contest=contest)
        # Secretary, board member, member and 5 voters, all Parent members admitted a year ago.
        assert roll.count() == contest.roll_size == 8
        assert len(contest.roll_fingerprint) == 64
        assert contest.roll_fingerprint == services.roll_fingerprint(contest)
        assert Message.objects.filter(notice__kind="ballots.poll_open").count() == 8
    entry = audit_entries(world.society)[-1]
    assert entry.action == "contest.opened"
    assert entry.actor == world.users["returning_officer"]
    assert entry.data["roll_size"] == 8
    # Running the opening again (the scheduled task firing twice) changes nothing.
    with scope(society=world.society):
        assert services.open_voting(actor=None, contest=contest) is False
        assert VoterRollEntry.objects.filter(contest=contest).count() == 8


def test_roll_takes_class_record_date_and_age_into_account(world):
    staff = add_members(world, 2, cls="Staff", start=300)
    with scope(society=world.society):
        staff[1].admitted_on = timezone.localdate() + timedelta(days=1)
        staff[1].save()
    contest = make_contest(world, classes=["Staff"], candidates=0, method="resolution")
    with scope(society=world.society):
        members = set(contest.roll.values_list("member_id", flat=True))
    assert staff[0].pk in members
    assert staff[1].pk not in members  # admitted after the record date
    assert world.members["member"].pk not in members  # a Parent member


def test_minimum_age_excludes_the_young(world):
    young = add_members(world, 1, start=400)[0]
    with scope(society=world.society):
        young.date_of_birth = timezone.localdate() - timedelta(days=365 * 15)
        young.save()
    contest = make_contest(world, candidates=0, method="resolution", min_age=16)
    with scope(society=world.society):
        assert not contest.roll.filter(member=young).exists()


def test_cast_ballot_stores_the_choices_and_marks_the_roll(world, contest, audit_entries):
    voter = contest.voters[0]
    with scope(society=world.society):
        receipt = services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                       choices=ids(contest, 2, 0))
        ballot = CastBallot.objects.get()
        assert ballot.receipt == receipt
        c3, c1 = ids(contest, 2, 0)
        assert ballot.choices == "3,1"
        entry = contest.roll.get(member=voter)
        assert (entry.voted_on, entry.channel) == (timezone.localdate(), "online")
    # No audit entry per vote: the close records how many voted, by channel.
    assert [e.action for e in audit_entries(world.society)][-1] == "contest.opened"


def test_a_member_cannot_cast_twice(world, contest):
    voter = contest.voters[0]
    with scope(society=world.society):
        services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                             choices=ids(contest, 0))
        with pytest.raises(BallotError, match="already voted"):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=ids(contest, 1))
        assert CastBallot.objects.count() == 1


@pytest.mark.parametrize("case", ["unknown", "duplicate", "other_contest", "string"])
def test_tampered_ranked_ballots_are_refused_and_nothing_is_stored(world, contest, case):
    other = make_contest(world, title="Staff seats")
    voter = contest.voters[0]
    with scope(society=world.society):
        choices = {
            "unknown": ["00000000-0000-0000-0000-000000000000"],
            "duplicate": ids(contest, 0, 0),
            "other_contest": ids(other, 0),
            "string": "for",
        }[case]
        with pytest.raises(BallotError):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=choices)
        assert CastBallot.objects.count() == 0
        assert contest.roll.get(member=voter).voted_on is None


def test_too_many_marks_are_refused(world):
    contest = make_contest(world, method="block", seats=2, candidates=4)
    voter = contest.voters[-1]
    with scope(society=world.society):
        with pytest.raises(BallotError, match="at most 2"):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=ids(contest, 0, 1, 2))
        assert CastBallot.objects.count() == 0
        services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                             choices=ids(contest, 3, 1))
        assert CastBallot.objects.get().choices == "2,4"


def test_a_member_not_on_the_roll_cannot_vote(world):
    contest = make_contest(world, classes=["Staff"], candidates=0, method="resolution")
    member = world.members["member"]
    with scope(society=world.society):
        with pytest.raises(BallotError, match="not on the roll"):
            services.cast_ballot(actor=member.user, contest=contest, member=member,
                                 choices="for")
        assert CastBallot.objects.count() == 0


def test_late_ballots_are_refused_even_before_the_close_task_runs(world, contest):
    voter = contest.voters[0]
    with scope(society=world.society):
        contest.__class__.objects.filter(pk=contest.pk).update(
            voting_closes=timezone.now() - timedelta(seconds=1))
        with pytest.raises(BallotError, match="not open"):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=ids(contest, 0))
        assert CastBallot.objects.count() == 0


def test_closed_contest_refuses_ballots(world, contest):
    close_contest(contest, world)
    voter = contest.voters[0]
    with scope(society=world.society), pytest.raises(BallotError, match="not open"):
        services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                             choices=ids(contest, 0))


def test_strike_off_and_online_exclude_each_other(world, contest, audit_entries):
    ro = world.users["returning_officer"]
    a, b = contest.voters[0], contest.voters[1]
    with scope(society=world.society):
        services.cast_ballot(actor=a.user, contest=contest, member=a, choices=ids(contest, 0))
        with pytest.raises(BallotError, match="already voted"):
            services.strike_off_paper(actor=ro, contest=contest, member=a)
        since = last_audit_id(world.society)
        services.strike_off_paper(actor=ro, contest=contest, member=b)
        assert_one_audit_entry(world.society, "ballot.struck_off", actor=ro, target=contest,
                               since=since)
        with pytest.raises(BallotError, match="already voted"):
            services.cast_ballot(actor=b.user, contest=contest, member=b,
                                 choices=ids(contest, 1))
        assert CastBallot.objects.count() == 1


def test_paper_batches_cannot_exceed_the_paper_strike_offs(world, contest, audit_entries):
    ro = world.users["returning_officer"]
    with scope(society=world.society):
        services.strike_off_paper(actor=ro, contest=contest, member=contest.voters[0])
        with pytest.raises(BallotError, match="more ballots than voters"):
            services.enter_paper_ballots(actor=ro, contest=contest, label="Box 1",
                                         ballots=[ids(contest, 0), ids(contest, 1)])
        with pytest.raises(BallotError, match="Ballot 1 of the batch"):
            services.enter_paper_ballots(actor=ro, contest=contest, label="Box 1",
                                         ballots=[ids(contest, 0, 0)])
        services.enter_paper_ballots(actor=ro, contest=contest, label="Box 1",
                                     ballots=[ids(contest, 1, 0)])
        assert CastBallot.objects.get().choices == "2,1"
    entry = audit_entries(world.society)[-1]
    assert entry.action == "ballot.paper_batch_entered"
    assert entry.data["ballots"] == 1


def test_count_sign_off_and_publish(world, contest, audit_entries):
    ro = world.users["returning_officer"]
    with scope(society=world.society):
        for i, voter in enumerate(contest.voters):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=ids(contest, 0 if i < 3 else 1))
    close_contest(contest, world)  # queues the count, which runs eagerly here
    with scope(society=world.society):
        contest.refresh_from_db()
        assert contest.state == ContestState.COUNTED
        assert contest.ballots_counted == 5
        assert contest.result["elected"] == [contest.candidates.get(number=1).name]
        assert contest.ballot_set_hash == services.ballot_set_hash(contest)
        assert [e.action for e in audit_entries(world.society)[-2:]] == [
            "contest.closed", "contest.counted"]
        with pytest.raises(BallotError, match="signed off"):
            services.publish_result(actor=ro, contest=contest)
        since = last_audit_id(world.society)
        services.sign_off(actor=ro, contest=contest, name="Rita Officer",
                          on=timezone.localdate())
        assert_one_audit_entry(world.society, "contest.signed_off", actor=ro, target=contest,
                               since=since)
        since = last_audit_id(world.society)
        services.publish_result(actor=ro, contest=contest)
        contest.refresh_from_db()
        assert contest.state == ContestState.PUBLISHED
    assert_one_audit_entry(world.society, "contest.published", actor=ro, target=contest,
                           since=since)


def test_resolution_counts_for_against_abstain_and_other_channels(world):
    from ballots.models import ResolutionTally

    contest = make_contest(world, method="resolution", candidates=0)
    answers = ["for", "for", "against", "abstain"]
    with scope(society=world.society):
        for voter, answer in zip(contest.voters, answers, strict=False):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=answer)
        with pytest.raises(BallotError, match="for, against or abstain"):
            services.cast_ballot(actor=None, contest=contest, member=world.members["member"],
                                 choices="maybe")
        ResolutionTally.objects.create(society=world.society, contest=contest,
                                       source="meeting", votes_against=3)
    close_contest(contest, world)
    with scope(society=world.society):
        contest.refresh_from_db()
        assert contest.result["for"] == 2
        assert contest.result["against"] == 4
        assert contest.result["passed"] is False
        assert contest.result["channels"]["ballot"] == {"for": 2, "against": 1, "abstain": 1}


def test_nomination_rules(world):
    contest = make_contest(world, open_now=False, candidates=0)
    a, b, c = add_members(world, 3, start=500)
    with scope(society=world.society):
        with pytest.raises(BallotError, match="different members"):
            services.nominate(actor=a.user, contest=contest, nominated_by=a, candidate=a,
                              proposer=b, seconder=b)
        with pytest.raises(BallotError, match="cannot propose"):
            services.nominate(actor=a.user, contest=contest, nominated_by=a, candidate=a,
                              proposer=a, seconder=b)
        cand = services.nominate(actor=a.user, contest=contest, nominated_by=a, candidate=a,
                                 proposer=b, seconder=c)
        with pytest.raises(BallotError, match="Only the candidate"):
            services.consent_to_stand(actor=b.user, candidate=cand, member=b, statement="x")
        with pytest.raises(BallotError, match="limit is"):
            services.consent_to_stand(actor=a.user, candidate=cand, member=a,
                                      statement="x" * (contest.statement_limit + 1))
        services.consent_to_stand(actor=a.user, candidate=cand, member=a, statement="Hello")
        services.withdraw_candidate(actor=a.user, candidate=cand)
        assert contest.standing().count() == 0


def test_declare_unopposed(world, audit_entries):
    contest = make_contest(world, open_now=False, candidates=2, seats=2, method="block")
    ro = world.users["returning_officer"]
    with scope(society=world.society):
        with pytest.raises(BallotError, match="still open"):
            services.declare_unopposed(actor=ro, contest=contest)
        contest.__class__.objects.filter(pk=contest.pk).update(
            nominations_close=timezone.now() - timedelta(minutes=1))
        contest.refresh_from_db()
        since = last_audit_id(world.society)
        services.declare_unopposed(actor=ro, contest=contest)
        contest.refresh_from_db()
        assert contest.state == ContestState.UNOPPOSED
        assert len(contest.result["elected"]) == 2
    assert_one_audit_entry(world.society, "contest.declared_unopposed", actor=ro, target=contest,
                           since=since)


def test_reminder_goes_once_to_those_who_have_not_voted(world, contest):
    from members.models import ContactChannel

    voter, by_post = contest.voters[0], contest.voters[1]
    with scope(society=world.society):
        # By email, but for one member by post: a letter the day before the close is too late.
        Member.objects.filter(roll_entries__contest=contest).exclude(pk=by_post.pk).update(
            contact_channel=ContactChannel.EMAIL, electronic_consent=True)
        services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                             choices=ids(contest, 0))
        later = contest.voting_closes - timedelta(hours=12)
        assert services.send_reminders(actor=None, contest=contest,
                                       now=contest.voting_opens) == 0
        assert services.send_reminders(actor=None, contest=contest, now=later) == 6
        assert services.send_reminders(actor=None, contest=contest, now=later) == 0
        reminded = Message.objects.filter(notice__kind="ballots.reminder")
        assert not reminded.filter(recipient__in=[voter, by_post]).exists()
        assert set(reminded.values_list("channel", flat=True)) == {"email"}


def test_scheduled_tasks_open_and_close_polls(world, django_capture_on_commit_callbacks):
    from ballots.models import Contest
    from ballots.tasks import close_due_polls, open_due_polls

    contest = make_contest(world, open_now=False)
    now = timezone.now()
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(
            nominations_open=now - timedelta(days=3), nominations_close=now - timedelta(days=2),
            voting_opens=now - timedelta(minutes=1))
    assert open_due_polls() == 1
    assert open_due_polls() == 0
    with scope(society=world.society):
        voter = contest.voters[0]
        services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                             choices=ids(contest, 1))
        Contest.objects.filter(pk=contest.pk).update(voting_closes=now - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert close_due_polls() == 1
    assert close_due_polls() == 0
    with scope(society=world.society):
        contest.refresh_from_db()
        assert contest.state == ContestState.COUNTED


def _awaiting_application(world, name="Ada Applicant"):
    from datetime import date

    from members.models import Application, ApplicationStatus

    with scope(society=world.society):
        return Application.objects.create(
            society=world.society, reference=f"A-{name[:3].upper()}12345",
            status=ApplicationStatus.AWAITING_VOTE, stakeholder_class=world.classes["Staff"],
            full_name=name, address="1 Lane", date_of_birth=date(1990, 1, 1),
            agreed_to_rules_at=timezone.now(), email=f"{name.split()[0].lower()}@example.org")


def _decide(world, application, answers):
    from ballots.models import Contest

    ro = world.users["returning_officer"]
    now = timezone.now()
    with scope(society=world.society):
        election = services.create_election(actor=ro, society=world.society,
                                            title="Admission vote")
        contest = services.put_application_to_vote(
            actor=ro, application=application, election=election,
            voting_opens=now - timedelta(minutes=1), voting_closes=now + timedelta(days=1),
            record_date=timezone.localdate())
        services.open_voting(actor=ro, contest=contest)
        voters = [world.members[p] for p in ("secretary", "board_member", "member")]
        for voter, answer in zip(voters, answers, strict=False):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter, choices=answer)
        Contest.objects.filter(pk=contest.pk).update(voting_opens=now - timedelta(days=2),
                                                     voting_closes=now - timedelta(seconds=1))
        contest.refresh_from_db()
        services.close_voting(actor=ro, contest=contest)
        services.count_contest(actor=ro, contest=contest)
        services.sign_off(actor=ro, contest=contest, name="Rita", on=timezone.localdate())
        services.publish_result(actor=ro, contest=contest)
        application.refresh_from_db()
    return application


def test_members_vote_admits_an_applicant_when_carried(world, audit_entries):
    application = _decide(world, _awaiting_application(world), ["for", "for", "against"])
    assert application.status == "admitted" and application.member is not None
    assert audit_entries(world.society)[-1].data["application"] == "admitted"


def test_members_vote_declines_an_applicant_when_not_carried(world):
    application = _decide(world, _awaiting_application(world, "Bo Applicant"),
                          ["against", "for", "against"])
    assert application.status == "declined"


def test_a_minimum_shareholding_takes_shares_paid_at_the_record_date(world):
    from shares.models import ShareClass
    from shares.services import issue_shares

    secretary = world.users["secretary"]
    with scope(society=world.society):
        investor = ShareClass.objects.create(
            society=world.society, name="Investor", nominal_value_pence=100,
            is_withdrawable=True, minimum_holding=1, maximum_holding=100_000)
    holders = add_members(world, 3, start=500)
    today = timezone.localdate()
    with scope(society=world.society):
        for member, shares, paid_on in ((holders[0], 250, today - timedelta(days=30)),
                                        (holders[1], 249, today - timedelta(days=30)),
                                        (holders[2], 250, today - timedelta(days=5))):
            Member.objects.filter(pk=member.pk).update(admitted_on=today - timedelta(days=60))
            member.refresh_from_db()
            issue_shares(actor=secretary, member=member, share_class=investor, shares=shares,
                         amount_pence=shares * 100, paid_on=paid_on, method="cheque")
    contest = make_contest(world, candidates=0, method="resolution", min_shares_pence=25_000,
                           record_date=today - timedelta(days=10))
    with scope(society=world.society):
        roll = set(contest.roll.values_list("member_id", flat=True))
    assert roll == {holders[0].pk}  # 249 short; the third paid after the record date


def test_a_minimum_shareholding_is_refused_where_no_shares_are_kept(world):
    with pytest.raises(BallotError, match="no share register"):
        make_contest(world, candidates=0, method="resolution", min_shares_pence=100)


def test_the_contest_form_asks_for_a_minimum_in_pounds_only_where_shares_are_kept(world):
    from ballots.forms import ContestForm
    from shares.models import ShareClass

    with scope(society=world.society):
        assert "min_shares_paid" not in ContestForm(society=world.society).fields
        ShareClass.objects.create(society=world.society, name="Ordinary",
                                  nominal_value_pence=100, minimum_holding=1)
        now = timezone.now()
        data = {"title": "Seats", "method": "ers97", "seats": 1, "min_age": 0,
                "record_date": timezone.localdate().isoformat(), "statement_limit": 1500,
                "ballot_order": "alphabetical", "min_shares_paid": "250.50",
                "nominations_open": typed_datetime(now),
                "nominations_close": typed_datetime(now + timedelta(days=1)),
                "voting_opens": typed_datetime(now + timedelta(days=2)),
                "voting_closes": typed_datetime(now + timedelta(days=9))}
        form = ContestForm(data, society=world.society)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["min_shares_pence"] == 25_050
        form = ContestForm({**data, "min_shares_paid": "-1"}, society=world.society)
        assert not form.is_valid() and "min_shares_paid" in form.errors


def test_a_member_under_16_votes_but_cannot_be_nominated(world):
    """Under-16s are on the electorate (the society admits from 12) and may propose, but are
    refused as candidates at nomination, not only when a term would start; a member who turns
    16 by the day voting closes may stand."""
    contest = make_contest(world, open_now=False, candidates=0)
    young, turning, b, c = add_members(world, 4, start=500)
    closes = timezone.localdate(contest.voting_closes)
    with scope(society=world.society):
        Member.objects.filter(pk=young.pk).update(date_of_birth=anniversary(closes, -13))
        Member.objects.filter(pk=turning.pk).update(date_of_birth=anniversary(closes, -16))
        young.refresh_from_db()
        turning.refresh_from_db()
        assert eligible_members(contest).filter(pk=young.pk).exists()
        with pytest.raises(BallotError, match="under 16") as refused:
            services.nominate(actor=young.user, contest=contest, nominated_by=young,
                              candidate=young, proposer=b, seconder=c)
        assert refused.value.field == "candidate"
        with pytest.raises(BallotError, match="under 16"):
            services.record_paper_nomination(
                actor=world.users["returning_officer"], contest=contest, candidate=young,
                proposer=b, seconder=c, received_on=timezone.localdate())
        assert not contest.candidates.exists()
        services.nominate(actor=b.user, contest=contest, nominated_by=b, candidate=turning,
                          proposer=young, seconder=c)  # an under-16 may propose
        assert contest.candidates.get().member == turning
