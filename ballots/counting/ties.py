"""Breaking ties: by the totals at other stages, then by a lot anyone can repeat.

A lot is drawn from the seed given to the count. Each tied candidate gets the SHA-256 digest of
the text ``omov-lot|<seed>|<stage>|<purpose>|<candidate name>``; the candidate with the lowest
digest is drawn (and, when several must be drawn, the next lowest, and so on). The digest depends
on names, not on ballot-paper numbers, so reordering the candidates does not change a draw, and
anyone with the seed can repeat it with any SHA-256 tool.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from .model import LotRequired, TieBreak

FORWARD = "earlier stage"  # ERS97 5.2.3, 5.2.5, 5.6.2: the earliest point where they differed
BACKWARD = "most recent preceding stage"  # Scottish rules 49(2), 51(2)


def lot_digest(seed: str, stage: int, purpose: str, name: str) -> str:
    text = f"omov-lot|{seed}|{stage}|{purpose}|{name}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Tiebreaker:
    """Breaks ties for one count and keeps the record of every tie it broke."""

    def __init__(self, names: Sequence[str], seed: str | None):
        self.names = names
        self.seed = seed
        self.records: list[TieBreak] = []

    def narrow(
        self,
        tied: Sequence[int],
        history: Sequence[Sequence[int]],
        lowest: bool,
        direction: str,
    ) -> tuple[list[int], int | None]:
        """Keep the lowest (or highest) of `tied` at the stages where they differed.

        Returns the candidates still tied and the index in `history` of the last stage that
        separated any of them (None if none did).
        """
        survivors = list(tied)
        used = None
        indexes = range(len(history)) if direction == FORWARD else range(len(history) - 1, -1, -1)
        for i in indexes:
            row = history[i]
            values = [row[c] for c in survivors]
            target = min(values) if lowest else max(values)
            if any(v != target for v in values):
                survivors = [c for c, v in zip(survivors, values, strict=True) if v == target]
                used = i
                if len(survivors) == 1:
                    break
        return survivors, used

    def lot(
        self, tied: Sequence[int], stage: int, purpose: str, k: int = 1, before: str = ""
    ) -> list[int]:
        """Draw k of the tied candidates by lot (the lowest digests)."""
        names = [self.names[c] for c in tied]
        if self.seed is None:
            raise LotRequired(stage, purpose, names)
        digests = {c: lot_digest(self.seed, stage, purpose, self.names[c]) for c in tied}
        order = sorted(tied, key=lambda c: (digests[c], c))
        drawn = order[:k]
        shown = ", ".join(f"{self.names[c]} {digests[c][:16]}" for c in order)
        self.records.append(
            TieBreak(
                stage=stage,
                purpose=purpose,
                candidates=tuple(names),
                chosen=tuple(self.names[c] for c in drawn),
                rule="lot",
                detail=(
                    f"{before}lot drawn from seed {self.seed!r}: SHA-256 of "
                    f"'omov-lot|{self.seed}|{stage}|{purpose}|<name>' begins {shown}; "
                    f"lowest digest drawn"
                ),
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
    ) -> int | None:
        """Pick one of `tied` by the stage history, else by lot (or None if lots are barred)."""
        survivors, used = self.narrow(tied, history, lowest, direction)
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
                    detail=f"at stage {labels[used]}: {values}",
                )
            )
            return survivors[0]
        if not allow_lot:
            return None
        before = ""
        if used is not None:
            others = ", ".join(self.names[c] for c in tied if c not in survivors)
            before = f"{others} set apart by the totals at stage {labels[used]}; then "
        return self.lot(survivors, stage, purpose, before=before)[0]
