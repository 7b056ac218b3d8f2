"""What election pages offer from the boards app, provided to them in BoardsConfig.ready
(ballots sits below boards and asks through ballots.providers)."""

from ballots.providers import ProvidedRefusal
from boards.models import FilledBy, SeatCategory
from boards.services import BoardError
from boards.terms import plan_terms_from_result, start_terms_from_result


def elected_seats(society):
    return SeatCategory.objects.filter(society=society, filled_by=FilledBy.ELECTED
                                       ).select_related("body")


def candidate_classes(contest):
    if contest.seat_category_id is None:
        return []
    return SeatCategory.objects.get(pk=contest.seat_category_id).holder_classes.all()


def terms_start(actor, contest, started_on) -> list:
    try:
        return start_terms_from_result(actor=actor, contest=contest, started_on=started_on)
    except BoardError as error:
        raise ProvidedRefusal(str(error)) from error


def register() -> None:
    from ballots import providers

    providers.provide_elected_seats(elected_seats)
    providers.provide_candidate_classes(candidate_classes)
    providers.provide_terms_plan(plan_terms_from_result)
    providers.provide_terms_start(terms_start)
