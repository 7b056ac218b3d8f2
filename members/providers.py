"""What member pages show but higher apps own. The members app sits below shares and may not
import it, so the owning app provides each in its AppConfig.ready (shares/for_members.py);
with no provider, the pages show nothing for it."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class JoiningCost:
    """The shares a new member pays for with the application."""

    shares: int
    nominal_pence: int
    class_name: str

    @property
    def cost_pence(self) -> int:
        return self.shares * self.nominal_pence


_PROVIDERS: dict = {}


def provide_holdings(function) -> None:
    """`function(society, member_ids, on)` -> {member_id: (shares, amount paid in pence)},
    empty for a society that has no shares (its register shows blanks, not zeros)."""
    _PROVIDERS["holdings"] = function


def provide_joining_cost(function) -> None:
    """`function(society)` -> JoiningCost, or None where joining needs no shares."""
    _PROVIDERS["joining_cost"] = function


def holdings_as_at(society, member_ids, on: date) -> dict:
    function = _PROVIDERS.get("holdings")
    return function(society, member_ids, on) if function is not None else {}


def joining_cost(society) -> JoiningCost | None:
    function = _PROVIDERS.get("joining_cost")
    return function(society) if function is not None else None
