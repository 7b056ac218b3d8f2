"""What election pages offer but the boards app owns: the board seats a contest fills, and
the winners' terms that start from its result. ballots sits below boards and may not import
it, so boards provides each in its AppConfig.ready (boards/for_ballots.py); with no provider,
contests fill no board seats."""

from datetime import date


class ProvidedRefusal(Exception):
    """A provider refuses what the page asks of it, with a reason a person can act on."""


_PROVIDERS: dict = {}


def provide_elected_seats(function) -> None:
    """`function(society)` -> a queryset of the seat categories that elections fill."""
    _PROVIDERS["elected_seats"] = function


def provide_terms_plan(function) -> None:
    """`function(contest, started_on)` -> what starting the winners' terms would do, for the
    page to show (its `problems`, `ending`, `winners` and `skipped`), writing nothing."""
    _PROVIDERS["terms_plan"] = function


def provide_terms_start(function) -> None:
    """`function(actor, contest, started_on)` -> the terms it started, in its own transaction;
    raises ProvidedRefusal (with the reason) if it cannot."""
    _PROVIDERS["terms_start"] = function


def provide_candidate_classes(function) -> None:
    """`function(contest)` -> the stakeholder classes the contest's candidates must belong to
    (the seats' rule; empty: any member on the electorate)."""
    _PROVIDERS["candidate_classes"] = function


def candidate_classes(contest) -> list:
    function = _PROVIDERS.get("candidate_classes")
    return list(function(contest)) if function is not None else []


def elected_seats(society):
    """The seat categories a contest may fill, or None where no app has board seats."""
    function = _PROVIDERS.get("elected_seats")
    return function(society) if function is not None else None


def plan_terms(contest, started_on: date):
    function = _PROVIDERS.get("terms_plan")
    return function(contest, started_on) if function is not None else None


def start_terms(*, actor, contest, started_on: date) -> list:
    function = _PROVIDERS.get("terms_start")
    if function is None:
        raise ProvidedRefusal("No board seats are kept here, so no terms can start.")
    return function(actor, contest, started_on)
