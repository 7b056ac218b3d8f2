"""Lots: drawing a fresh seed, and checking whether the draw changed who was elected.

`lot_outcomes` counts the election again with a chooser in place of the seed, once for every
way its lots could fall: at each lot it tries each possible choice in turn (depth first), and a
count that meets a later lot branches again. The election is small enough to count many times
in the cases that need a lot, but not always: past `limit` counts the check stops and says it
was not done rather than guess.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from itertools import combinations, islice
from math import comb

from .model import Election

DEFAULT_LIMIT = 64


def draw_seed() -> str:
    """A fresh random seed for a lot: 64 bits from the operating system, in groups of four
    hexadecimal digits so that it can be read out and written down."""
    raw = secrets.token_hex(8)
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class LotCheck:
    """Who every possible draw elects, or that there were too many draws to try."""

    checked: bool  # every way the lots could fall was counted
    outcomes: tuple[tuple[str, ...], ...]  # each different set of elected names found
    counts: int  # how many counts the check ran
    limit: int

    @property
    def same(self) -> bool:
        return self.checked and len(self.outcomes) == 1

    def sentence(self) -> str:
        if not self.checked:
            return (
                "Whether another draw would have elected anyone else was not checked: the lots "
                f"could fall in more ways than the {self.limit} counts the check allows."
            )
        if self.same:
            return (
                "The lot did not change who was elected: every possible draw elects "
                f"{_and(self.outcomes[0]) or 'nobody'}."
            )
        sets = "; ".join(_and(names) or "nobody" for names in self.outcomes)
        return (
            "The lot decided who was elected: depending on the draw, the count elects one of: "
            f"{sets}."
        )

    def to_dict(self) -> dict:
        return {
            "checked": self.checked,
            "same": self.same,
            "outcomes": [list(names) for names in self.outcomes],
            "counts": self.counts,
            "limit": self.limit,
            "sentence": self.sentence(),
        }


class _TooManyDraws(Exception):
    pass


class _Branch:
    """A chooser that follows `path` (the choice at each lot, in the order the count meets
    them), takes the first choice at any lot past it, and notes how many choices each had."""

    def __init__(self, path: list[int], limit: int):
        self.path, self.limit = path, limit
        self.taken: list[int] = []
        self.widths: list[int] = []

    def __call__(self, stage: int, purpose: str, names: tuple[str, ...], k: int):
        width = comb(len(names), k)
        if width > self.limit:
            raise _TooManyDraws
        i = len(self.taken)
        pick = self.path[i] if i < len(self.path) else 0
        self.taken.append(pick)
        self.widths.append(width)
        return next(islice(combinations(range(len(names)), k), pick, None))

    def next_path(self) -> list[int] | None:
        """The next branch: the deepest lot with a choice not yet tried takes it."""
        j = len(self.taken) - 1
        while j >= 0 and self.taken[j] + 1 >= self.widths[j]:
            j -= 1
        return None if j < 0 else self.taken[:j] + [self.taken[j] + 1]


def lot_outcomes(
    method: str, election: Election, seats: int | None = None, limit: int = DEFAULT_LIMIT
) -> LotCheck:
    """Count `election` once for every way its lots could fall (at most `limit` counts)."""
    from . import count

    found: dict[frozenset[int], None] = {}  # insertion-ordered set of elected sets
    path: list[int] | None = []
    counts = 0
    while path is not None:
        if counts == limit:
            return LotCheck(False, _names(election, found), counts, limit)
        branch = _Branch(path, limit)
        try:
            result = count(method, election, seats, chooser=branch)
        except _TooManyDraws:
            return LotCheck(False, _names(election, found), counts, limit)
        counts += 1
        found[frozenset(result.elected)] = None
        path = branch.next_path()
    return LotCheck(True, _names(election, found), counts, limit)


def _names(election: Election, found) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(election.candidates[c] for c in sorted(s)) for s in found)


def _and(names) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
