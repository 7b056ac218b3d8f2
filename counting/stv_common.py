"""Bookkeeping shared by the STV rules: the stage record and candidate states."""

from __future__ import annotations

from dataclasses import replace

from .model import Election, Result, Stage, format_units
from .ties import Chooser, Tiebreaker


class StageBook:
    """Records each stage, and keeps the totals history that tie-breaks look back on."""

    def __init__(
        self, election: Election, decimals: int, seed: str | None, chooser: Chooser | None = None
    ):
        self.names = election.candidates
        self.decimals = decimals
        self.stages: list[Stage] = []
        self.history: list[tuple[int, ...]] = []
        self.labels: list[str] = []
        self.ties = Tiebreaker(self.names, seed, chooser)

    def fmt(self, units: int) -> str:
        return format_units(units, self.decimals)

    def record(self, stage: Stage) -> Stage:
        self.stages.append(stage)
        self.history.append(stage.totals)
        self.labels.append(stage.label)
        return stage

    def amend_last(self, **changes) -> None:
        """Add to the last stage what the rules decide after it without a new transfer."""
        last = self.stages[-1]
        for key in ("elected", "excluded", "notes"):
            if key in changes:
                changes[key] = tuple(getattr(last, key)) + tuple(changes[key])
        self.stages[-1] = replace(last, **changes)

    def names_of(self, cands) -> str:
        return ", ".join(self.names[c] for c in cands)


def make_result(
    *,
    election: Election,
    method: str,
    method_name: str,
    rules: str,
    seats: int,
    book: StageBook,
    elected: list[int],
    excluded: list[int],
    quota: int | None,
    seed: str | None,
    valid: int,
    empty: int,
    notes: list[str],
) -> Result:
    return Result(
        method=method,
        method_name=method_name,
        rules=rules,
        title=election.title,
        candidates=election.candidates,
        seats=seats,
        withdrawn=tuple(sorted(election.withdrawn)),
        elected=tuple(elected),
        quota=quota,
        stages=book.stages,
        tie_breaks=book.ties.records,
        seed=seed,
        decimals=book.decimals,
        valid_votes=valid,
        empty_ballots=empty,
        notes=notes,
        excluded=tuple(excluded),
    )


def order_by_votes(cands, votes) -> list[int]:
    """Candidates elected together are listed by votes, highest first (then ballot order)."""
    return sorted(cands, key=lambda c: (-votes[c], c))
