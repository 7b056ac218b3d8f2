"""boards.rules: notice, quorum, thresholds and rotation, worked by hand, without Django."""

import subprocess
import sys
from datetime import date
from fractions import Fraction

import pytest

from ballots.outcomes import decide
from boards import rules
from boards.rules import Holder


def test_rules_import_nothing_from_django():
    code = "import sys, boards.rules; print(any(m.split('.')[0] == 'django' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# Meeting Wednesday 16 December 2026, 14 clear days: 2..15 December are the clear days.
def test_latest_service_leaves_out_service_day_and_meeting_day():
    assert rules.latest_service_date(date(2026, 12, 16), 14) == date(2026, 12, 1)
    assert rules.clear_days_between(date(2026, 12, 1), date(2026, 12, 16)) == 14
    assert rules.clear_days_between(date(2026, 12, 2), date(2026, 12, 16)) == 13


def test_zero_clear_days_means_the_day_before():
    assert rules.latest_service_date(date(2026, 12, 16), 0) == date(2026, 12, 15)


def test_post_deemed_served_two_working_days_later_skips_the_weekend():
    assert rules.add_working_days(date(2026, 11, 27), 2) == date(2026, 12, 1)  # Fri -> Tue
    # Posted Mon 30 Nov it is deemed served Wed 2 Dec: too late; Sun 29 Nov still Tue 1 Dec.
    assert rules.latest_sending_date(date(2026, 12, 16), 14, 2) == date(2026, 11, 29)


def test_a_holiday_pushes_deemed_service_back():
    # Tue 1 Dec a holiday: posted Fri 27 Nov -> Mon 30 (1), Wed 2 (2): too late.
    # Thu 26 Nov -> Fri 27 (1), Mon 30 (2): in time.
    assert rules.latest_sending_date(date(2026, 12, 16), 14, 2, [date(2026, 12, 1)]) \
        == date(2026, 11, 26)


def test_email_deemed_served_the_same_day():
    assert rules.latest_sending_date(date(2026, 12, 16), 21, 0) == date(2026, 11, 24)


# Quorum: the greater of N members or X% of the roll, the percentage rounded up.
@pytest.mark.parametrize("roll,minimum,percent,required", [
    (500, 20, 5, 25),
    (301, 20, 5, 20),    # 15.05 -> 16, fewer than 20
    (410, 20, 5, 21),    # 20.5 -> 21
    (10_500, 50, Fraction(1, 2), 53),  # 52.5 -> 53
    (0, 3, 10, 3),
])
def test_quorum_required(roll, minimum, percent, required):
    assert rules.quorum_required(roll, minimum, percent) == required


def test_proxies_count_towards_quorum_only_where_the_rules_say():
    with_proxies = rules.check_quorum(roll_size=500, in_person=20, proxies=5,
                                      minimum_members=20, percent=5)
    assert (with_proxies.required, with_proxies.present, with_proxies.quorate) == (25, 25, True)
    without = rules.check_quorum(roll_size=500, in_person=20, proxies=5, minimum_members=20,
                                 percent=5, count_proxies=False)
    assert (without.present, without.quorate) == (20, False)
    assert "not counted" in without.explanation


def test_ordinary_resolution_adds_online_proxy_and_room_votes():
    result = decide({"ballot": {"for": 10, "against": 9}, "proxy": {"for": 5},
                     "meeting": {"for": 3, "against": 8, "abstain": 40}})
    assert (result.votes_for, result.votes_against, result.abstentions) == (18, 17, 40)
    assert result.passed


def test_tie_goes_to_the_chairs_casting_vote_or_fails():
    assert not decide({"meeting": {"for": 4, "against": 4}}).passed
    result = decide({"meeting": {"for": 4, "against": 4}}, casting_vote="for")
    assert result.passed and result.casting_vote_used


def test_special_resolution_needs_the_fraction_of_votes_cast_abstentions_aside():
    # 30 for, 15 against: exactly two-thirds of 45 cast; 100 abstentions do not count.
    assert decide({"meeting": {"for": 30, "against": 15, "abstain": 100}},
                  kind="special").passed
    assert not decide({"meeting": {"for": 30, "against": 16}}, kind="special").passed
    assert not decide({"meeting": {"for": 30, "against": 15}}, kind="special",
                      fraction=Fraction(3, 4)).passed


# Rotation: the number nearest to one third.
@pytest.mark.parametrize("subject,number", [(0, 0), (1, 0), (2, 1), (3, 1), (4, 1), (5, 2),
                                            (6, 2), (7, 2), (8, 3), (9, 3), (18, 6)])
def test_number_nearest_one_third(subject, number):
    assert rules.number_to_retire(subject) == number


def test_a_half_rounds_up():
    assert rules.number_to_retire(3, Fraction(1, 2)) == 2


def test_longest_in_office_retire_first_and_those_retiring_anyway_are_left_out():
    holders = [
        Holder("ann", date(2024, 9, 1)),
        Holder("bob", date(2022, 9, 1)),
        Holder("cat", date(2023, 9, 1)),
        Holder("dan", date(2025, 9, 1)),
        Holder("eve", date(2021, 9, 1), retiring_anyway=True),  # co-optee / term ends
    ]
    result = rules.retirement_by_rotation(holders)
    # four subject to rotation -> nearest to 4/3 is 1: bob, elected longest ago.
    assert result.number == 1
    assert result.retiring_by_rotation == ("bob",)
    assert result.retiring_anyway == ("eve",)
    assert not result.lot_used


def test_ties_by_agreement_keep_the_given_order():
    same = date(2023, 9, 1)
    holders = [Holder(k, same) for k in ("zoe", "amy", "max", "kim", "lee")]
    result = rules.retirement_by_rotation(holders)  # 5 -> 2
    assert result.retiring_by_rotation == ("zoe", "amy")
    assert "agreement" in result.explanation


def test_ties_by_lot_are_reproducible_from_the_seed_and_ignore_input_order():
    same = date(2023, 9, 1)
    holders = [Holder(k, same) for k in ("zoe", "amy", "max", "kim", "lee")]
    first = rules.retirement_by_rotation(holders, seed="agm-2026")
    again = rules.retirement_by_rotation(list(reversed(holders)), seed="agm-2026")
    assert first.retiring_by_rotation == again.retiring_by_rotation
    assert len(first.retiring_by_rotation) == 2 and first.lot_used


def test_lot_only_among_the_tied_group():
    holders = [Holder("old", date(2020, 1, 1))] + [
        Holder(k, date(2023, 1, 1)) for k in ("a", "b", "c", "d", "e")
    ]
    result = rules.retirement_by_rotation(holders, seed="s")  # 6 -> 2
    assert result.retiring_by_rotation[0] == "old"
    assert result.retiring_by_rotation[1] in {"a", "b", "c", "d", "e"}


def test_consecutive_terms_count_back_from_the_latest():
    terms = [
        (date(2017, 9, 1), date(2020, 8, 31)),
        (date(2020, 9, 1), date(2023, 8, 31)),
        (date(2023, 9, 1), None),
        (date(2010, 9, 1), date(2013, 8, 31)),  # before a break
    ]
    assert rules.consecutive_terms(terms) == 3
    assert rules.consecutive_terms([]) == 0


def test_years_between_counts_the_anniversary():
    assert rules.years_between(date(2020, 9, 1), date(2023, 9, 1)) == 3
    assert rules.years_between(date(2020, 9, 1), date(2023, 8, 31)) == 2


# Votes at a meeting: what can be entered, checked against who is there.

def test_a_count_describes_itself_in_words():
    assert rules.Count(40).describe() == "40 votes for"
    assert rules.Count(1).describe() == "1 vote for"
    assert rules.Count(0, 0, 2).describe() == "2 abstentions"
    assert rules.Count(40, 3, 2).describe() == "45 votes (40 for, 3 against, 2 abstentions)"
    assert rules.Count().describe() == "no votes"
    assert rules.Count(1, 2, 3) + rules.Count(1, 1, 1) == rules.Count(2, 3, 4)
    assert rules.Count.of({"for": 2, "abstain": 1}).as_dict() == {
        "for": 2, "against": 0, "abstain": 1}


@pytest.mark.parametrize("bad", [-1, 1.5, True, None, "3"])
def test_a_count_is_whole_numbers_not_below_zero(bad):
    with pytest.raises(ValueError, match="whole number"):
        rules.Count(bad)


def test_forty_for_with_five_present_is_refused_naming_the_numbers():
    voters = rules.VotersAtMeeting(present=5, discretionary_proxies=2, instructed_proxies=3)
    problems = rules.check_meeting_count(voters, rules.Count(40), rules.Count())
    assert problems == [rules.CountProblem(
        "room", "for", "40 votes for, but only 5 members are present and 2 proxies held at "
        "the holders' discretion: at most 7 votes can be cast.")]


def test_every_vote_there_is_to_cast_fits_exactly():
    voters = rules.VotersAtMeeting(present=5, discretionary_proxies=2)
    assert rules.check_meeting_count(voters, rules.Count(3, 1, 1), rules.Count(1, 1)) == []
    assert rules.check_meeting_count(voters, rules.Count(), rules.Count()) == []


def test_one_more_than_the_room_holds_is_refused_at_the_field_with_most_votes():
    voters = rules.VotersAtMeeting(present=5, discretionary_proxies=2)
    [problem] = rules.check_meeting_count(voters, rules.Count(1, 6, 1), rules.Count())
    assert (problem.source, problem.answer) == ("room", "against")
    assert problem.message.startswith("8 votes (1 for, 6 against, 1 abstention), but")


def test_proxies_entered_as_room_votes_are_pointed_to_their_own_fields():
    voters = rules.VotersAtMeeting(present=5, discretionary_proxies=2)
    [problem] = rules.check_meeting_count(voters, rules.Count(6), rules.Count())
    assert problem.source == "room"
    assert "6 votes for in the room, but only 5 members are present" in problem.message
    assert "“Discretionary proxies”" in problem.message


def test_more_discretionary_votes_than_discretionary_proxies_are_refused():
    voters = rules.VotersAtMeeting(present=5, discretionary_proxies=1)
    [problem] = rules.check_meeting_count(voters, rules.Count(3), rules.Count(0, 2))
    assert (problem.source, problem.answer) == ("discretion", "against")
    assert problem.message == ("2 votes against by discretionary proxies, but only 1 proxy on "
                               "this resolution is at the holder's discretion.")


def test_members_who_voted_in_advance_are_named_as_the_reason():
    voters = rules.VotersAtMeeting(present=1, discretionary_proxies=0, voted_in_advance=2)
    [problem] = rules.check_meeting_count(voters, rules.Count(3), rules.Count())
    assert "only 1 member is present" in problem.message
    assert "(2 members present voted in advance and are counted there.)" in problem.message


@pytest.mark.parametrize("held_on,today,taken,cancelled,reason", [
    (date(2027, 2, 3), date(2026, 12, 9), True, False, "has not started: it is on 3 February"),
    (date(2027, 2, 3), date(2027, 2, 3), False, False, "Take the attendance first"),
    (date(2027, 2, 3), date(2027, 2, 3), True, True, "cancelled"),
    (date(2027, 2, 3), date(2027, 2, 3), True, False, None),
    (date(2027, 2, 3), date(2027, 2, 4), True, False, None),   # an evening meeting's count
    (date(2028, 2, 29), date(2028, 2, 28), True, False, "on 29 February 2028"),
])
def test_a_meeting_takes_votes_from_its_day_once_attendance_is_taken(held_on, today, taken,
                                                                     cancelled, reason):
    said = rules.meeting_not_started(held_on=held_on, today=today, attendance_taken=taken,
                                     cancelled=cancelled)
    assert (said is None) == (reason is None)
    if reason:
        assert reason in said


def test_wording_drops_a_title_the_text_repeats():
    from boards.wording import repeats_title, titled

    assert titled("Adopt a safeguarding policy", "Adopt a safeguarding policy.") == (
        "Adopt a safeguarding policy.")
    assert titled("Adopt a safeguarding policy", "Adopt a safeguarding policy as revised") == (
        "Adopt a safeguarding policy as revised")
    assert titled("Accounts", "That the accounts be received.") == (
        "Accounts: That the accounts be received.")
    assert titled("Accounts", "") == "Accounts"
    assert not repeats_title("Fee", "Feedback on the year")
