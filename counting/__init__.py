"""OMOV's counting engine: plurality, block vote, approval, STV (ERS97, Scottish, Meek) and
resolutions. It imports nothing from Django, uses exact integer arithmetic in each rule's own
unit, and explains every step of a count.

    from counting import Election, count, read_blt
    election = read_blt("ward4.blt")
    result = count("scottish", election)
    result.elected_names, result.to_dict(), result.report()

A count that needs a lot and has no seed raises `LotRequired`; `lot_outcomes` tries every way
its lots could fall and says whether the draw changed who was elected.
"""

from __future__ import annotations

from importlib import import_module

from .model import CountError, Election, LotRequired, Result, Stage, TieBreak
from .ties import Chooser, lot_rule

METHODS = ("plurality", "block", "approval", "ers97", "scottish", "meek")

__all__ = [
    "BLTError",
    "CountError",
    "Election",
    "LotCheck",
    "LotRequired",
    "METHODS",
    "ResolutionResult",
    "Result",
    "Stage",
    "TieBreak",
    "count",
    "count_resolution",
    "draw_seed",
    "lot_outcomes",
    "lot_rule",
    "read_blt",
    "read_blt_text",
    "write_blt",
]


# Imported when first used, so that `python -m counting` starts with only what a count needs.
_LAZY = {
    "BLTError": "blt",
    "read_blt": "blt",
    "read_blt_text": "blt",
    "write_blt": "blt",
    "LotCheck": "lots",
    "draw_seed": "lots",
    "lot_outcomes": "lots",
    "ResolutionResult": "resolution",
    "count_resolution": "resolution",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def count(
    method: str,
    election: Election,
    seats: int | None = None,
    seed: int | str | None = None,
    *,
    chooser: Chooser | None = None,
) -> Result:
    """Count `election` by `method` for `seats` (default: the election's own seats).

    `seed` is only used to draw lots. With no seed a count that needs a lot stops with
    `LotRequired`, so that no lot is ever drawn from a seed nobody published. A `chooser`
    (see ties.py) decides each lot instead of the seed.
    """
    if seats is None:
        seats = election.seats
    if seats is None:
        raise CountError("the number of seats is not known: give seats")
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise CountError(f"the number of seats must be a whole number of at least 1, not {seats!r}")
    seed_text = None if seed is None else str(seed)
    try:
        return _count(method, election, seats, seed_text, chooser)
    except LotRequired as needed:
        needed.method = method
        needed.rule = lot_rule(method, needed.purpose)
        raise


def _count(method, election, seats, seed_text, chooser) -> Result:
    if method in ("plurality", "block", "approval"):
        from .plurality import count_marks

        return count_marks(method, election, seats, seed_text, chooser)
    if method == "ers97":
        from .stv_ers97 import count_ers97

        return count_ers97(election, seats, seed_text, chooser)
    if method == "scottish":
        from .stv_scottish import count_scottish

        return count_scottish(election, seats, seed_text, chooser)
    if method == "meek":
        from .stv_meek import count_meek

        return count_meek(election, seats, seed_text, chooser)
    raise CountError(f"unknown counting method {method!r}; choose one of {', '.join(METHODS)}")
