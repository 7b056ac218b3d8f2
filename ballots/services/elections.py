"""Setting up: an election, its contests and resolutions (a resolution to admit an applicant
too), and the board seats a contest fills."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from ballots.models import Contest
from ballots.models import Election as ElectionModel
from ballots.services.common import (
    BallotError,
    check_contest,
    check_electorate,
    check_seat_category,
    locked,
)
from ballots.services.reminders import schedule_default_reminders
from members.services import MemberError, check_probation
from societies import audit


@transaction.atomic
def create_election(*, actor, society, title: str) -> ElectionModel:
    title = " ".join(title.split())
    if not title:
        raise BallotError("An election needs a title.")
    election = ElectionModel.objects.create(society=society, title=title)
    audit.record(society, actor, "election.created", election, {"title": title})
    return election


CONTEST_FIELDS = [
    "title", "method", "seats", "record_date", "min_age", "min_shares_pence",
    "one_vote_per_household",
    "nominations_open", "nominations_close", "withdrawal_deadline", "statement_limit",
    "voting_opens", "voting_closes", "ballot_order", "results_hidden", "resolution_text",
    "explanatory_note", "resolution_kind", "fraction_numerator", "fraction_denominator", "seed",
    "seat_category",
]


@transaction.atomic
def link_seat_category(*, actor, contest: Contest, seat_category) -> Contest:
    """Name (or change, or clear) the board seats a contest fills, until terms start."""
    contest = locked(contest)
    if contest.terms_started_on is not None:
        raise BallotError("The winners' terms have already started from this result.")
    contest.seat_category = seat_category
    check_seat_category(contest)
    check_electorate(contest, list(contest.stakeholder_classes.all()))
    contest.save(update_fields=["seat_category"])
    audit.record(contest.society, actor, "contest.seat_category_linked", contest,
                 {"seat_category": str(seat_category) if seat_category else None})
    return contest


@transaction.atomic
def create_contest(*, actor, election: ElectionModel, values: dict, classes=()) -> Contest:
    """A contest for seats, or (method "resolution") a resolution put to the members."""
    society = election.society
    contest = Contest(society=society, election=election,
                      **{k: v for k, v in values.items() if k in CONTEST_FIELDS})
    check_contest(contest)
    contest.save()
    classes = list(classes)
    if any(c.society_id != society.pk for c in classes):
        raise BallotError("Those stakeholder classes belong to another society.")
    check_electorate(contest, classes)
    contest.stakeholder_classes.set(classes)
    schedule_default_reminders(contest)
    audit.record(society, actor, "resolution.proposed" if contest.is_resolution
                 else "contest.created", contest,
                 {"method": contest.method, "seats": contest.seats,
                  "classes": [c.name for c in classes],
                  "voting_opens": contest.voting_opens.isoformat(),
                  "voting_closes": contest.voting_closes.isoformat()})
    return contest


@transaction.atomic
def propose_resolution(*, actor, society, values: dict, classes=()) -> Contest:
    """The secretary's "Propose a resolution" page: the resolution's own election and its
    contest, both or neither (a refusal leaves no empty election behind)."""
    election = create_election(actor=actor, society=society, title=values.get("title", ""))
    return create_contest(actor=actor, election=election,
                          values={**values, "method": "resolution"}, classes=classes)


@transaction.atomic
def put_application_to_vote(*, actor, application, election: ElectionModel | None,
                            voting_opens, voting_closes, record_date: date) -> Contest:
    """A resolution to admit an applicant awaiting the members' vote, in the election given or
    (None) in a new one of its own, made in the same transaction."""
    from members.models import ApplicationStatus

    if application.status != ApplicationStatus.AWAITING_VOTE:
        raise BallotError("That application is not awaiting a members' vote.")
    if election is None:
        election = create_election(actor=actor, society=application.society,
                                   title=f"Admission of {application.full_name}")
    if election.society_id != application.society_id:
        raise BallotError("That application belongs to another society.")
    try:  # the probation period must have passed by the day voting opens
        check_probation(application, timezone.localdate(voting_opens))
    except MemberError as error:
        raise BallotError(str(error)) from error
    contest = Contest(
        society=election.society, election=election, method="resolution",
        title=f"Admission of {application.full_name}", record_date=record_date,
        voting_opens=voting_opens, voting_closes=voting_closes, resolution_kind="ordinary",
        resolution_text=f"That {application.full_name} ({application.reference}) be admitted "
                        f"as a member of the {application.stakeholder_class.name} class.",
        application=application,
    )
    check_contest(contest)
    contest.save()
    audit.record(election.society, actor, "resolution.proposed", contest,
                 {"method": "resolution", "application": application.reference})
    return contest
