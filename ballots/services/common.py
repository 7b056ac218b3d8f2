"""What several ballot services share: the error, the roll's chunk size and reminder lead time,
counts in words (`counted`), the checks a contest's settings pass (`check_contest`,
`check_seat_category`, `check_electorate`), the contest's row lock (`locked`), dates and
moments in words (`day_text`, `moment_text`), and the notices written to a contest's roll
(`on_the_roll`, `not_voted`, `notify_roll`, `notify_roll_notice`, `can_be_emailed`)."""

from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from ballots.models import Contest
from members.models import Member
from shares.queries import society_has_shares

ROLL_CHUNK = 5000
REMINDER_BEFORE = timedelta(hours=24)


def counted(n: int, one: str, many: str = "") -> str:
    """"1 seat", "2 seats": `many` where the plural is not `one` + "s"."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


class BallotError(Exception):
    """A ballot or election change that cannot be made; the message says why, for a person.
    `field` names the form field at fault, where one is (views put the message on it)."""

    def __init__(self, message: str = "", *, field: str | None = None):
        super().__init__(message)
        self.field = field


def check_contest(contest: Contest) -> None:
    if contest.voting_closes <= contest.voting_opens:
        raise BallotError("Voting must close after it opens.", field="voting_closes")
    if contest.is_resolution:
        contest.seats = 1
        if not contest.resolution_text.strip():
            raise BallotError("A resolution needs its text.", field="resolution_text")
        contest.resolution_kind = contest.resolution_kind or "ordinary"
        if contest.resolution_kind == "special" and not (
            0 < contest.fraction_numerator <= contest.fraction_denominator
        ):
            raise BallotError("A special resolution needs a fraction between 0 and 1.",
                              field="fraction_numerator")
    else:
        if contest.method == "plurality" and contest.seats != 1:
            raise BallotError("Plurality is for one seat; use the block vote for several.",
                              field="seats")
        if contest.nominations_open and contest.nominations_close and (
            contest.nominations_close <= contest.nominations_open
        ):
            raise BallotError("Nominations must close after they open.",
                              field="nominations_close")
        if contest.nominations_close and contest.nominations_close > contest.voting_opens:
            raise BallotError("Nominations must close before voting opens.",
                              field="nominations_close")
        if contest.withdrawal_deadline and contest.withdrawal_deadline > contest.voting_opens:
            raise BallotError("Withdrawals must close by the time voting opens.",
                              field="withdrawal_deadline")
    if contest.min_shares_pence and not society_has_shares(contest.society):
        raise BallotError("This society keeps no share register here, so a minimum "
                          "shareholding cannot be applied; leave it at 0.",
                          field="min_shares_paid")
    check_seat_category(contest)


def check_seat_category(contest: Contest) -> None:
    """A contest for seats may name the board seats it fills (boards.terms starts the terms)."""
    category = contest.seat_category
    if category is None:
        return
    if contest.is_resolution:
        raise BallotError("A resolution fills no board seats.")
    if category.society_id != contest.society_id:
        raise BallotError("Those seats belong to another society.", field="seat_category")
    if category.filled_by != "elected":
        raise BallotError(f"{category.name} seats are not filled by election.",
                          field="seat_category")
    if contest.seats > category.seats:
        raise BallotError(f"The contest is for {contest.seats} seats; {category.name} has only "
                          f"{category.seats}.", field="seats")


def check_electorate(contest: Contest, classes) -> None:
    """Seats with a constituency are elected by that constituency's members, and only them."""
    category = contest.seat_category
    if category is None or category.constituency_id is None:
        return
    if [c.pk for c in classes] != [category.constituency_id]:
        raise BallotError(f"{category.name} seats are elected by the "
                          f"{category.constituency.name} constituency: choose that class, and "
                          "only it, as the electorate.", field="stakeholder_classes")


def locked(contest: Contest) -> Contest:
    return Contest.objects.select_for_update(of=("self",)).get(pk=contest.pk)


def moment_text(when: datetime) -> str:
    return timezone.localtime(when).strftime("%-d %B %Y at %H:%M")


def day_text(when: datetime) -> str:
    return timezone.localtime(when).strftime("%-d %B %Y")


ROLL_NOTICE_TITLES = {"ballots.poll_open": "Voting is open: ",
                      "ballots.reminder": "Reminder to vote: ",
                      "ballots.poll_extended": "Voting extended: "}


def on_the_roll(contest: Contest, **entry):
    """The members on the contest's roll (whose roll entry matches `entry` too, as
    `voted_on__isnull=True`), each with their voting code (`voting_code`, which the
    messages' templates give: notifications/messages/_voting_code.txt). One filter call,
    so every condition and the code are of the same roll entry."""
    return Member.objects.filter(
        roll_entries__contest=contest, **{f"roll_entries__{k}": v for k, v in entry.items()}
    ).annotate(voting_code=F("roll_entries__voting_code"))


def not_voted(contest: Contest):
    return on_the_roll(contest, voted_on__isnull=True)


def notify_roll(contest: Contest, *, kind: str, members, actor, **context) -> int:
    return notify_roll_notice(contest, kind=kind, members=members, actor=actor, **context)[1]


def notify_roll_notice(contest: Contest, *, kind: str, members, actor, **context):
    """The notice written to `members` of the roll, and how many messages it has."""
    from notifications.services import create_notice, notify_members

    notice = create_notice(society=contest.society, kind=kind,
                           title=ROLL_NOTICE_TITLES[kind] + str(contest),
                           audience=f"The roll of {contest}", created_by=actor,
                           about=f"ballots.contest:{contest.public_id}")
    return notice, notify_members(notice=notice, members=members, context={
        "contest_title": str(contest),
        "contest_id": str(contest.public_id),
        "closes": moment_text(contest.voting_closes),
        "is_resolution": contest.is_resolution,
        "resolution_text": contest.resolution_text,
        **context,
    })


def can_be_emailed():
    """Members reminded by email: as `Member.can_be_emailed`, in the database."""
    from members.models import ContactChannel

    return Q(contact_channel=ContactChannel.EMAIL, electronic_consent=True) & ~Q(email="")
