"""Counting a resolution: for, against, abstain.

Abstentions are not votes cast. An ordinary resolution is carried by more votes for than
against; a special resolution needs at least `fraction` (two-thirds, three-quarters...) of the
votes cast. A turnout floor, when the society's rules set one, is checked first and counts
everyone who took part, abstainers included. On an equality of votes the chair's casting vote
decides, where the rules give one; without it a tied resolution is not carried.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class ResolutionResult:
    passed: bool
    kind: str
    votes_for: int
    votes_against: int
    abstentions: int
    votes_cast: int  # for + against
    turnout: int  # for + against + abstain
    threshold: str  # what was needed, in words
    casting_vote_used: bool
    turnout_met: bool
    explanation: str

    def to_dict(self) -> dict:
        return {
            "passed": self.passed,
            "kind": self.kind,
            "for": self.votes_for,
            "against": self.votes_against,
            "abstain": self.abstentions,
            "votes_cast": self.votes_cast,
            "turnout": self.turnout,
            "threshold": self.threshold,
            "casting_vote_used": self.casting_vote_used,
            "turnout_met": self.turnout_met,
            "explanation": self.explanation,
        }


def _percent(part: int, whole: int) -> str:
    """part/whole as a percentage to one decimal place, truncated; exact, no floats."""
    if whole == 0:
        return "0.0%"
    tenths = part * 1000 // whole
    return f"{tenths // 10}.{tenths % 10}%"


def _fraction_words(f: Fraction) -> str:
    names = {
        Fraction(1, 2): "one half",
        Fraction(2, 3): "two-thirds",
        Fraction(3, 4): "three-quarters",
    }
    return names.get(f, f"{f.numerator}/{f.denominator}")


def _check_count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number of votes >= 0, not {value!r}")
    return value


def count_resolution(
    for_: int,
    against: int,
    abstain: int = 0,
    kind: str = "ordinary",
    fraction: Fraction = Fraction(2, 3),
    turnout_floor: int | Fraction | None = None,
    roll_size: int | None = None,
    casting_vote: str | None = None,
) -> ResolutionResult:
    """Decide a resolution.

    `turnout_floor` is either a whole number of people who must take part, or a `Fraction` of
    `roll_size`. `casting_vote` is the chair's vote, "for" or "against", used only on an
    equality of votes.
    """
    for_ = _check_count("for_", for_)
    against = _check_count("against", against)
    abstain = _check_count("abstain", abstain)
    if kind not in ("ordinary", "special"):
        raise ValueError(f"kind must be 'ordinary' or 'special', not {kind!r}")
    if casting_vote not in (None, "for", "against"):
        raise ValueError(f"casting_vote must be 'for', 'against' or None, not {casting_vote!r}")
    fraction = Fraction(fraction)
    if kind == "special" and not 0 < fraction <= 1:
        raise ValueError(f"a special resolution's fraction must be in (0, 1], not {fraction}")

    cast = for_ + against
    turnout = cast + abstain
    tally = f"{for_} for, {against} against"
    tally += f", {abstain} abstaining (not counted as votes cast)" if abstain else ""

    turnout_met = True
    floor_text = ""
    if turnout_floor is not None:
        if isinstance(turnout_floor, Fraction):
            if roll_size is None:
                raise ValueError("a turnout floor given as a fraction needs roll_size")
            _check_count("roll_size", roll_size)
            turnout_met = turnout * turnout_floor.denominator >= roll_size * turnout_floor.numerator
            floor_text = (
                f"at least {_fraction_words(turnout_floor)} of the {roll_size} members on the roll "
                f"must take part"
            )
        else:
            needed = _check_count("turnout_floor", turnout_floor)
            turnout_met = turnout >= needed
            floor_text = f"at least {needed} members must take part"
    if not turnout_met:
        return ResolutionResult(
            passed=False,
            kind=kind,
            votes_for=for_,
            votes_against=against,
            abstentions=abstain,
            votes_cast=cast,
            turnout=turnout,
            threshold=floor_text,
            casting_vote_used=False,
            turnout_met=False,
            explanation=f"Not carried: {turnout} took part but {floor_text} ({tally}).",
        )

    used_casting = False
    if kind == "ordinary":
        threshold = "more votes for than against"
        passed = for_ > against
        if for_ == against and cast and casting_vote is not None:
            used_casting = True
            passed = casting_vote == "for"
        if used_casting:
            outcome = "Carried" if passed else "Not carried"
            explanation = (
                f"{outcome} on the chair's casting vote ({casting_vote}): the votes were equal, "
                f"{tally}."
            )
        elif for_ == against:
            explanation = (
                f"Not carried: the votes were equal ({tally}) and there was no casting vote."
                if cast
                else "Not carried: no votes were cast."
            )
        else:
            explanation = (
                f"{'Carried' if passed else 'Not carried'}: {tally}; an ordinary resolution "
                f"needs more votes for than against."
            )
    else:
        needed_words = _fraction_words(fraction)
        threshold = f"at least {needed_words} of the votes cast"
        # for / cast >= fraction, in integers
        passed = cast > 0 and for_ * fraction.denominator >= cast * fraction.numerator
        minimum = -(-cast * fraction.numerator // fraction.denominator)
        if cast == 0:
            explanation = "Not carried: no votes were cast."
        else:
            explanation = (
                f"{'Carried' if passed else 'Not carried'}: {tally}; {_percent(for_, cast)} "
                f"of {cast} votes cast were for, and a special resolution needs {threshold} "
                f"({minimum} votes)."
            )
            if for_ == against and casting_vote is not None and not passed:
                explanation += (
                    " A casting vote applies only to an equality of votes, which "
                    "cannot reach this threshold, so it was not used."
                )
    if floor_text:
        explanation += f" Turnout {turnout}: {floor_text}, which was met."
    return ResolutionResult(
        passed=passed,
        kind=kind,
        votes_for=for_,
        votes_against=against,
        abstentions=abstain,
        votes_cast=cast,
        turnout=turnout,
        threshold=threshold,
        casting_vote_used=used_casting,
        turnout_met=True,
        explanation=explanation,
    )
