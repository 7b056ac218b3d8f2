"""Counting marks: plurality, block vote and approval.

- plurality: each ballot's first preference is one vote; the `seats` candidates with most votes
  win (with one seat, first past the post; with more, the single non-transferable vote).
- block: each ballot gives one vote to each of its first `seats` preferences (a block vote
  allows up to one mark per seat; a ranked ballot with more marks counts its first `seats`).
- approval: each ballot gives one vote to every candidate it marks.

Withdrawn candidates' marks are ignored. A tie for the last seat has no earlier stage to look
back on and is decided by lot.
"""

from __future__ import annotations

from .model import Election, Result, Stage
from .stv_common import StageBook, make_result
from .ties import Chooser

NAMES = {
    "plurality": ("Plurality", "one vote per ballot, for its first preference; most votes win"),
    "block": (
        "Block vote",
        "up to one vote per seat on each ballot, for its first preferences; most votes win",
    ),
    "approval": ("Approval", "one vote for every candidate marked on a ballot; most votes win"),
}


def count_marks(
    method: str, election: Election, seats: int, seed: str | None, chooser: Chooser | None = None
) -> Result:
    names = election.candidates
    n = len(names)
    withdrawn = election.withdrawn
    limit = {"plurality": 1, "block": seats, "approval": n}[method]
    votes = [0] * n
    valid = empty = over = 0
    for prefs, weight in election.ballots.items():
        if withdrawn:
            prefs = tuple(c for c in prefs if c not in withdrawn)
        if not prefs:
            empty += weight
            continue
        valid += weight
        if len(prefs) > limit:
            if method == "block":
                over += weight
            prefs = prefs[:limit]
        for c in prefs:
            votes[c] += weight
    book = StageBook(election, 0, seed, chooser)
    standing = [c for c in range(n) if c not in withdrawn]
    ranked = sorted(standing, key=lambda c: -votes[c])
    notes = []
    if len(standing) <= seats:
        elected = sorted(standing, key=lambda c: (-votes[c], c))
        if len(standing) < seats:
            notes.append(f"only {len(standing)} candidates stood for {seats} seats")
    else:
        edge = votes[ranked[seats - 1]]
        above = [c for c in ranked if votes[c] > edge]
        tied = [c for c in standing if votes[c] == edge]
        room = seats - len(above)
        drawn = book.ties.lot(tied, 1, "seat", k=room) if len(tied) > room else tied
        elected = above + sorted(drawn, key=lambda c: c)
    if over:
        notes.append(
            f"{over} ballots marked more than {seats} candidates; their first {seats} "
            "preferences were counted"
        )
    book.record(
        Stage(
            number=1,
            action="count",
            subjects=(),
            description=f"Votes counted: {NAMES[method][1]}",
            totals=tuple(votes),
            elected=tuple(elected),
            excluded=tuple(c for c in standing if c not in elected),
        )
    )
    name, rule = NAMES[method]
    return make_result(
        election=election,
        method=method,
        method_name=name,
        rules=rule,
        seats=seats,
        book=book,
        elected=elected,
        excluded=[c for c in standing if c not in elected],
        quota=None,
        seed=seed,
        valid=valid,
        empty=empty,
        notes=notes,
    )
