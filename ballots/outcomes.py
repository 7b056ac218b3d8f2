"""The outcome of a resolution from every channel it was voted in: the one rule.

A resolution may be voted on ahead of a meeting (online and on paper: the contest's ballots),
by proxy and in the room. Its outcome is all of them added together, counted as one
resolution of its kind (counting.resolution: abstentions are not votes cast; the chair's
casting vote only on an equality). The meeting's vote and the published result both come
from here, so they cannot disagree. Django-free: tested with plain numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from counting.resolution import ResolutionResult, count_resolution

ANSWERS = ("for", "against", "abstain")
# The channels in the order the result lists them: the contest's ballots (cast in advance),
# proxies, and the votes in the meeting's room.
BALLOT, PROXY, MEETING = "ballot", "proxy", "meeting"


def total(channels: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """Every channel's votes added together, per answer (a missing answer is 0)."""
    return {answer: sum(figures.get(answer, 0) for figures in channels.values())
            for answer in ANSWERS}


def decide(channels: Mapping[str, Mapping[str, int]], *, kind: str = "ordinary",
           fraction: Fraction = Fraction(2, 3), casting_vote: str | None = None
           ) -> ResolutionResult:
    """The resolution's outcome from the votes of every channel, `{"ballot": {"for": n,
    "against": n, "abstain": n}, "proxy": {...}, "meeting": {...}}`."""
    votes = total(channels)
    return count_resolution(votes["for"], votes["against"], votes["abstain"], kind=kind,
                            fraction=fraction, casting_vote=casting_vote)


def result_record(channels: Mapping[str, Mapping[str, int]], outcome: ResolutionResult
                  ) -> dict:
    """The result as kept on the contest and published: the outcome, and each channel."""
    return outcome.to_dict() | {
        "channels": {name: {answer: figures.get(answer, 0) for answer in ANSWERS}
                     for name, figures in channels.items()},
        "resolution": True,
    }
