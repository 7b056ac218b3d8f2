"""Plain data for the counting engine: the election going in, the result coming out.

Nothing here knows about Django. Vote values inside a count are integers in the rule's own
unit (hundredths for ERS97, hundred-thousandths for Scottish STV, 10**-15 for Meek, whole
votes for plurality), so every sum is exact; `Result` turns them into `Fraction`s or decimal
strings for people.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction


class CountError(Exception):
    """The count cannot go on: bad input, or a choice the rules leave to a person."""


class LotRequired(CountError):
    """A tie can only be broken by lot and no seed was given to draw it from.

    `stage`, `purpose` and `names` say which tie; `count()` adds the `method` and the `rule`
    that sends the tie to a lot, so a page can explain it without parsing the message.
    """

    def __init__(self, stage: int, purpose: str, names: Iterable[str]):
        self.stage = stage
        self.purpose = purpose
        self.names = tuple(names)
        self.method: str | None = None
        self.rule = ""
        super().__init__(
            f"stage {stage}: {', '.join(self.names)} are tied ({purpose}) at every stage, so the "
            "rules require a lot; count again with a seed, published beforehand, so that anyone "
            "can repeat the draw"
        )

    def to_dict(self) -> dict:
        return {
            "stage": self.stage,
            "purpose": self.purpose,
            "candidates": list(self.names),
            "method": self.method,
            "rule": self.rule,
            "message": str(self),
        }


Prefs = tuple[int, ...]


class Election:
    """Candidates, seats, withdrawn candidates and grouped ballots.

    `ballots` maps a ranking (a tuple of 0-based candidate indices, most preferred first) to the
    number of identical ballots. Use `Election.from_ballots` to build one from untrusted data: it
    checks indices and weights and groups identical rankings. Treat an Election as immutable.
    """

    __slots__ = ("candidates", "ballots", "seats", "withdrawn", "title", "_tree")

    def __init__(
        self,
        candidates: Iterable[str],
        ballots: Mapping[Prefs, int],
        seats: int | None = None,
        withdrawn: Iterable[int] = (),
        title: str = "",
    ):
        self.candidates: tuple[str, ...] = tuple(candidates)
        self.ballots: Mapping[Prefs, int] = ballots
        self.seats = seats
        self.withdrawn: frozenset[int] = frozenset(withdrawn)
        self.title = title
        self._tree = None
        if len(set(self.candidates)) != len(self.candidates):
            raise ValueError("candidate names must be unique: results are reported by name")
        for c in self.withdrawn:
            if not 0 <= c < len(self.candidates):
                raise ValueError(f"withdrawn candidate index {c} is out of range")

    @classmethod
    def from_ballots(
        cls,
        candidates: Iterable[str],
        ballots: Iterable[Prefs | tuple[Prefs, int]],
        seats: int | None = None,
        withdrawn: Iterable[int] = (),
        title: str = "",
    ) -> Election:
        """Check and group ballots given as rankings or (ranking, weight) pairs."""
        names = tuple(candidates)
        n = len(names)
        grouped: dict[Prefs, int] = {}
        for item in ballots:
            if len(item) == 2 and not isinstance(item[1], bool) and isinstance(item[0], tuple):
                prefs, weight = item
            else:
                prefs, weight = item, 1
            prefs = tuple(prefs)
            if not isinstance(weight, int) or isinstance(weight, bool) or weight < 0:
                raise ValueError(f"ballot weight must be a whole number >= 0, got {weight!r}")
            if len(set(prefs)) != len(prefs):
                raise ValueError(f"ballot {prefs} ranks a candidate twice")
            for c in prefs:
                if not isinstance(c, int) or isinstance(c, bool) or not 0 <= c < n:
                    raise ValueError(f"ballot {prefs} names candidate {c!r}, not in 0..{n - 1}")
            if weight:
                grouped[prefs] = grouped.get(prefs, 0) + weight
        return cls(names, grouped, seats=seats, withdrawn=withdrawn, title=title)

    @property
    def total_ballots(self) -> int:
        return sum(self.ballots.values())

    def __repr__(self) -> str:
        return (
            f"Election({self.title!r}, {len(self.candidates)} candidates, seats={self.seats}, "
            f"{len(self.ballots)} distinct ballots)"
        )


@dataclass(frozen=True)
class TieBreak:
    """One tie the count had to break, and the rule that broke it."""

    stage: int
    purpose: str  # "exclusion", "surplus order", "election", "seat"
    candidates: tuple[str, ...]
    chosen: tuple[str, ...]
    rule: str  # "earlier stage", "most recent preceding stage", "lot"
    detail: str

    def to_dict(self) -> dict:
        return {
            "stage": self.stage,
            "purpose": self.purpose,
            "candidates": list(self.candidates),
            "chosen": list(self.chosen),
            "rule": self.rule,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Stage:
    """The state of the count after one stage (or one batch of an ERS97 exclusion).

    `totals` are every candidate's votes in the rule's unit (see `Result.unit`), in candidate
    order; `non_transferable` and `rounding_loss` are running totals, so at every stage
    sum(totals) + non_transferable + rounding_loss == the total valid vote.
    """

    number: int
    action: str  # "first", "surplus", "exclusion", "election", "count"
    subjects: tuple[int, ...]  # whose surplus or exclusion
    description: str
    totals: tuple[int, ...]
    non_transferable: int = 0
    rounding_loss: int = 0
    elected: tuple[int, ...] = ()
    excluded: tuple[int, ...] = ()
    substage: int | None = None
    transfer_value: int | None = None
    quota: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.number}" if self.substage is None else f"{self.number}.{self.substage}"


@dataclass
class Result:
    method: str
    method_name: str
    rules: str  # the rule text this method follows, for the report
    title: str
    candidates: tuple[str, ...]
    seats: int
    withdrawn: tuple[int, ...]
    elected: tuple[int, ...]
    quota: int | None
    stages: list[Stage]
    tie_breaks: list[TieBreak]
    seed: str | None
    decimals: int  # the rule's unit is 10**-decimals of a vote
    valid_votes: int  # whole ballots with at least one usable preference
    empty_ballots: int  # ballots with no preference for a standing candidate
    notes: list[str] = field(default_factory=list)
    excluded: tuple[int, ...] = ()

    @property
    def unit(self) -> int:
        return 10**self.decimals

    @property
    def elected_names(self) -> list[str]:
        return [self.candidates[c] for c in self.elected]

    def value(self, units: int) -> Fraction:
        """A vote value in the rule's unit, as an exact fraction of a vote."""
        return Fraction(units, self.unit)

    def fmt(self, units: int | None, decimals: int | None = None) -> str:
        """Decimal text for a value in the rule's unit, truncated (never rounded up)."""
        if units is None:
            return ""
        return format_units(units, self.decimals, self.decimals if decimals is None else decimals)

    def to_dict(self) -> dict:
        names = self.candidates
        return {
            "title": self.title,
            "method": self.method,
            "method_name": self.method_name,
            "rules": self.rules,
            "seats": self.seats,
            "candidates": list(names),
            "withdrawn": [names[c] for c in self.withdrawn],
            "valid_votes": self.valid_votes,
            "empty_ballots": self.empty_ballots,
            "quota": self.fmt(self.quota) if self.quota is not None else None,
            "decimals": self.decimals,
            "elected": self.elected_names,
            "seed": self.seed,
            "stages": [
                {
                    "stage": s.label,
                    "number": s.number,
                    "substage": s.substage,
                    "action": s.action,
                    "subjects": [names[c] for c in s.subjects],
                    "description": s.description,
                    "transfer_value": self.fmt(s.transfer_value)
                    if s.transfer_value is not None
                    else None,
                    "quota": self.fmt(s.quota) if s.quota is not None else None,
                    "totals": {names[c]: self.fmt(v) for c, v in enumerate(s.totals)},
                    "non_transferable": self.fmt(s.non_transferable),
                    "rounding_loss": self.fmt(s.rounding_loss),
                    "elected": [names[c] for c in s.elected],
                    "excluded": [names[c] for c in s.excluded],
                    "notes": list(s.notes),
                }
                for s in self.stages
            ],
            "tie_breaks": [t.to_dict() for t in self.tie_breaks],
            "notes": list(self.notes),
        }

    def report(self) -> str:
        from .report import render_text

        return render_text(self)


def format_units(units: int, decimals: int, shown: int | None = None) -> str:
    """Exact decimal text of units * 10**-decimals, truncated to `shown` places."""
    if shown is None:
        shown = decimals
    sign = "-" if units < 0 else ""
    units = abs(units)
    if shown < decimals:
        units //= 10 ** (decimals - shown)
    elif shown > decimals:
        units *= 10 ** (shown - decimals)
    if shown == 0:
        return f"{sign}{units}"
    whole, frac = divmod(units, 10**shown)
    return f"{sign}{whole}.{frac:0{shown}d}"
