"""Breaking ties: by the totals at other stages, then by a lot anyone can repeat.

A lot is drawn from the seed given to the count. Each tied candidate gets the SHA-256 digest of
the text ``omov-lot|<seed>|<stage>|<purpose>|<candidate name>``; the candidate with the lowest
digest is drawn (and, when several must be drawn, the next lowest, and so on). The digest depends
on names, not on ballot-paper numbers, so reordering the candidates does not change a draw, and
anyone with the seed can repeat it with any SHA-256 tool.

Instead of a seed, a count can be given a *chooser*: a function that picks the outcome of each
lot itself. `lots.lot_outcomes` uses one to try every way the lots could fall.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from .model import LotRequired, TieBreak

FORWARD = "earlier stage"  # ERS97 5.2.3, 5.2.5, 5.6.2: the earliest point where they differed
BACKWARD = "most recent preceding stage"  # Scottish rules 49(2), 51(2)

# chooser(stage, purpose, tied names, k) -> the positions in the tied names of the k drawn
Chooser = Callable[[int, str, tuple[str, ...], int], Sequence[int]]

# What a lot decides: "E and F are tied for <what>", "... cannot decide <question>"
LOT_PURPOSES = {
    "exclusion": ("exclusion", "which of them is excluded"),
    "surplus order": ("the order of surpluses", "whose surplus is transferred first"),
    "election": ("election", "which of them is elected first"),
    "seat": ("the last seat", "which of them takes it"),
}

# What each method's rules say about a tie that only a lot can break.
LOT_RULES = {
    ("ers97", "exclusion"): (
        "ERS97 rule 5.2.5: of candidates with equal lowest votes, the one with the lowest vote "
        "at the earliest point in the count where their votes differed is excluded; if they "
        "were equal at every point, it is decided by lot."
    ),
    ("ers97", "surplus order"): (
        "ERS97 rule 5.2.3: of equal surpluses, the first transferred is that of the candidate "
        "with the highest vote at the earliest point in the count where their votes differed; "
        "if they were equal at every point, it is decided by lot."
    ),
    ("scottish", "exclusion"): (
        "Scottish Local Government Elections Order 2007, schedule 1, rule 51: of candidates "
        "with equal lowest votes, the one with the lowest vote at the most recent preceding "
        "stage at which their votes differed is excluded; if they were equal at every stage, "
        "the returning officer decides by lot."
    ),
    ("scottish", "surplus order"): (
        "Scottish Local Government Elections Order 2007, schedule 1, rule 49: of equal "
        "surpluses, the first transferred is that of the candidate with the highest vote at "
        "the most recent preceding stage at which their votes differed; if they were equal at "
        "every stage, the returning officer decides by lot."
    ),
    ("meek", "exclusion"): (
        "Meek STV (Hill, Wichmann & Woodall 1987), as this count applies it: of hopeful "
        "candidates with equal lowest votes (votes less than the convergence tolerance, 1e-9 "
        "of a vote, apart count as equal), the one with the lowest vote at the earliest stage "
        "where their votes differed is excluded; if they were equal at every stage, it is "
        "decided by lot."
    ),
    ("meek", "election"): (
        "Meek STV (Hill, Wichmann & Woodall 1987), as this count applies it: when more "
        "candidates reach the quota together than seats are left, the one with the highest "
        "vote at the earliest stage where their votes differed (by at least the convergence "
        "tolerance, 1e-9 of a vote) is elected; if they were equal at every stage, it is "
        "decided by lot."
    ),
}
MARKS_RULE = (
    "A tie for the last seat has no earlier stage to look back on, so it is decided by lot."
)


def lot_rule(method: str | None, purpose: str) -> str:
    """What the method's rules say about a tie (for `purpose`) that only a lot can break."""
    if method in ("plurality", "block", "approval"):
        return MARKS_RULE
    return LOT_RULES.get(
        (method, purpose),
        "The tied candidates had equal votes at every stage, so the rules leave it to a lot.",
    )


def lot_digest(seed: str, stage: int, purpose: str, name: str) -> str:
    text = f"omov-lot|{seed}|{stage}|{purpose}|{name}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Tiebreaker:
    """Breaks ties for one count and keeps the record of every tie it broke."""

    def __init__(self, names: Sequence[str], seed: str | None, chooser: Chooser | None = None):
        self.names = names
        self.seed = seed
        self.chooser = chooser
        self.records: list[TieBreak] = []

    def narrow(
        self,
        tied: Sequence[int],
        history: Sequence[Sequence[int]],
        lowest: bool,
        direction: str,
        tolerance: int = 1,
    ) -> tuple[list[int], int | None]:
        """Keep the lowest (or highest) of `tied` at the stages where they differed.

        Totals less than `tolerance` apart count as equal (1: only equal totals; Meek passes
        its convergence tolerance). Returns the candidates still tied and the index in
        `history` of the last stage that separated any of them (None if none did).
        """
        survivors = list(tied)
        used = None
        indexes = range(len(history)) if direction == FORWARD else range(len(history) - 1, -1, -1)
        for i in indexes:
            row = history[i]
            values = [row[c] for c in survivors]
            target = min(values) if lowest else max(values)
            if any(abs(v - target) >= tolerance for v in values):
                survivors = [
                    c
                    for c, v in zip(survivors, values, strict=True)
                    if abs(v - target) < tolerance
                ]
                used = i
                if len(survivors) == 1:
                    break
        return survivors, used

    def lot(
        self, tied: Sequence[int], stage: int, purpose: str, k: int = 1, before: str = ""
    ) -> list[int]:
        """Draw k of the tied candidates by lot (the lowest digests)."""
        names = [self.names[c] for c in tied]
        if self.chooser is not None:
            drawn = [tied[i] for i in self.chooser(stage, purpose, tuple(names), k)]
            detail = f"{before}outcome of the lot chosen to explore every possible draw"
        elif self.seed is None:
            raise LotRequired(stage, purpose, names)
        else:
            digests = {c: lot_digest(self.seed, stage, purpose, self.names[c]) for c in tied}
            order = sorted(tied, key=lambda c: (digests[c], c))
            drawn = order[:k]
            shown = ", ".join(f"{self.names[c]} {digests[c][:16]}" for c in order)
            detail = (
                f"{before}lot drawn from seed {self.seed!r}: SHA-256 of "
                f"'omov-lot|{self.seed}|{stage}|{purpose}|<name>' begins {shown}; "
                f"lowest digest drawn"
            )
        self.records.append(
            TieBreak(
                stage=stage,
                purpose=purpose,
                candidates=tuple(names),
                chosen=tuple(self.names[c] for c in drawn),
                rule="lot",
                detail=detail,
            )
        )
        return drawn

    def choose(
        self,
        tied: Sequence[int],
        *,
        stage: int,
        purpose: str,
        lowest: bool,
        direction: str,
        history: Sequence[Sequence[int]],
        labels: Sequence[str],
        fmt: Callable[[int], str],
        allow_lot: bool = True,
        tolerance: int = 1,
        note: str = "",
    ) -> int | None:
        """Pick one of `tied` by the stage history, else by lot (or None if lots are barred).

        Totals less than `tolerance` apart count as equal; `note` (why they are tied) begins
        the recorded detail.
        """
        survivors, used = self.narrow(tied, history, lowest, direction, tolerance)
        if len(survivors) == 1:
            row = history[used]
            values = ", ".join(f"{self.names[c]} {fmt(row[c])}" for c in tied)
            self.records.append(
                TieBreak(
                    stage=stage,
                    purpose=purpose,
                    candidates=tuple(self.names[c] for c in tied),
                    chosen=(self.names[survivors[0]],),
                    rule=direction,
                    detail=f"{note}at stage {labels[used]}: {values}",
                )
            )
            return survivors[0]
        if not allow_lot:
            return None
        before = note
        if used is not None:
            others = ", ".join(self.names[c] for c in tied if c not in survivors)
            before += f"{others} set apart by the totals at stage {labels[used]}; then "
        return self.lot(survivors, stage, purpose, before=before)[0]
