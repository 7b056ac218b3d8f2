"""ballots.outcomes: a resolution's outcome from every channel, worked by hand, without
Django."""

import subprocess
import sys
from fractions import Fraction

from ballots.outcomes import decide, result_record, total


def test_outcomes_import_nothing_from_django():
    code = ("import sys, ballots.outcomes; "
            "print(any(m.split('.')[0] == 'django' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_channel_is_added_before_the_count():
    channels = {"ballot": {"for": 10, "against": 12, "abstain": 1},
                "proxy": {"for": 2}, "meeting": {"for": 3, "against": 1, "abstain": 5}}
    assert total(channels) == {"for": 15, "against": 13, "abstain": 6}
    result = decide(channels)
    assert result.passed and (result.votes_for, result.votes_against) == (15, 13)
    # The advance votes alone would have lost: the room turns it.
    assert not decide({"ballot": channels["ballot"]}).passed


def test_a_special_resolution_counts_the_fraction_of_all_votes_cast():
    channels = {"ballot": {"for": 20, "against": 10}, "meeting": {"for": 0, "against": 1}}
    assert not decide(channels, kind="special").passed  # 20 of 31 is short of two-thirds
    assert decide(channels, kind="special", fraction=Fraction(1, 2)).passed


def test_the_casting_vote_decides_only_an_equality_of_all_the_votes():
    tied = {"ballot": {"for": 3, "against": 1}, "meeting": {"for": 1, "against": 3}}
    assert not decide(tied).passed
    carried = decide(tied, casting_vote="for")
    assert carried.passed and carried.casting_vote_used
    assert not decide({"ballot": {"for": 3, "against": 1}}, casting_vote="against"
                      ).casting_vote_used


def test_the_record_keeps_each_channel_and_the_outcome():
    channels = {"ballot": {"for": 2, "against": 1}, "meeting": {"abstain": 4}}
    record = result_record(channels, decide(channels))
    assert record["channels"] == {"ballot": {"for": 2, "against": 1, "abstain": 0},
                                  "meeting": {"for": 0, "against": 0, "abstain": 4}}
    assert record["resolution"] is True and record["passed"] is True
    assert (record["for"], record["against"], record["abstain"]) == (2, 1, 4)
