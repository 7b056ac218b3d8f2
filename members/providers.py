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


class ProvidedRefusal(Exception):
    """A provider refuses what the member change asks of it (the change is rolled back)."""


_PROVIDERS: dict = {}


def provide_holdings(function) -> None:
    """`function(society, member_ids, on)` -> {member_id: (shares, amount paid in pence)},
    empty for a society that has no shares (its register shows blanks, not zeros)."""
    _PROVIDERS["holdings"] = function


def provide_joining_cost(function) -> None:
    """`function(society)` -> JoiningCost, or None where joining needs no shares."""
    _PROVIDERS["joining_cost"] = function


def provide_admission_shares(function) -> None:
    """`function(actor, member, admitted_on, payment)` -> how many shares it issued, inside the
    admission's transaction; raises ProvidedRefusal (with the reason) if it cannot."""
    _PROVIDERS["admission_shares"] = function


def provide_admission_payment_form(function) -> None:
    """`function(society, data)` -> the form in which the secretary records the payment for
    the qualifying shares on admission (its `service_kwargs()` is the `payment` above), or
    None where the admission takes none."""
    _PROVIDERS["admission_payment_form"] = function


def admission_payment_form(society, data=None):
    function = _PROVIDERS.get("admission_payment_form")
    return function(society, data) if function is not None else None


def issue_admission_shares(actor, member, admitted_on: date, payment: dict | None) -> int:
    """The qualifying shares of a member being admitted: 0 where no app issues any."""
    function = _PROVIDERS.get("admission_shares")
    return function(actor, member, admitted_on, payment) if function is not None else 0


def holdings_as_at(society, member_ids, on: date) -> dict:
    function = _PROVIDERS.get("holdings")
    return function(society, member_ids, on) if function is not None else {}


def joining_cost(society) -> JoiningCost | None:
    function = _PROVIDERS.get("joining_cost")
    return function(society) if function is not None else None
