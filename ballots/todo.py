"""What waits for the returning officer, and for a member with a vote (societies.todo)."""

from datetime import timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from ballots.models import Contest, ContestState, VoterRollEntry
from societies.audit_text import plural
from societies.todo import Todo, day, link

# Polls opening within this many days are shown as coming up.
OPENING_SOON = timedelta(days=14)


def polls(society, visitor, now) -> list[Todo]:
    draft = Q(state=ContestState.DRAFT)
    found = Contest.objects.filter(
        society=society, state__in=[ContestState.DRAFT, ContestState.OPEN, ContestState.CLOSED,
                                    ContestState.COUNTED, ContestState.SIGNED],
    ).aggregate(
        to_open=Count("id", filter=draft & Q(voting_opens__lte=now + OPENING_SOON)),
        first_opens=Min("voting_opens", filter=draft & Q(voting_opens__lte=now + OPENING_SOON)),
        late_to_open=Count("id", filter=draft & Q(voting_opens__lte=now)),
        open=Count("id", filter=Q(state=ContestState.OPEN)),
        first_closes=Min("voting_closes", filter=Q(state=ContestState.OPEN)),
        late_to_close=Count("id", filter=Q(state=ContestState.OPEN, voting_closes__lte=now)),
        to_count=Count("id", filter=Q(state=ContestState.CLOSED)),
        to_sign=Count("id", filter=Q(state=ContestState.COUNTED)),
        to_publish=Count("id", filter=Q(state=ContestState.SIGNED)),
    )
    url = link(society, "ballots:manage")
    return [
        _window(f"{plural(found['to_open'], 'poll')} to open", url, found["to_open"],
                found["first_opens"], found["late_to_open"],
                late="past the opening time and not open: open it, or change the dates.",
                first="The first opens on {}: check its roll and candidates before then."),
        _window(f"{plural(found['open'], 'poll')} open for voting", url, found["open"],
                found["first_closes"], found["late_to_close"],
                late="past the closing time: close it to start the count.",
                first="The first closes on {}."),
        Todo(f"{plural(found['to_count'], 'closed poll')} waiting for the count", url,
             count=found["to_count"]),
        Todo(f"{plural(found['to_sign'], 'count')} to sign off", url, count=found["to_sign"]),
        Todo(f"{plural(found['to_publish'], 'signed result')} to publish", url,
             count=found["to_publish"]),
    ]


def _window(label: str, url: str, count: int, first_at, late_count: int, *, late: str,
            first: str) -> Todo:
    """Polls to open or to close: how many, the first one's day, and any past its time."""
    if not count:
        return Todo(label, url, count=0)
    first_day = timezone.localdate(first_at)
    how_many = "One is" if late_count == 1 else f"{late_count} are"
    return Todo(label, url, count=count, due=first_day, overdue=bool(late_count),
                detail=f"{how_many} {late}" if late_count else first.format(day(first_day)))


def my_votes(society, visitor, now) -> list[Todo]:
    """Open polls the visiting member is on the roll of and has not voted in yet."""
    if visitor.member is None:
        return []
    waiting = VoterRollEntry.objects.filter(
        society=society, member=visitor.member, voted_on__isnull=True,
        contest__state=ContestState.OPEN, contest__voting_closes__gt=now,
    ).aggregate(polls=Count("id"), closes=Min("contest__voting_closes"))
    if not waiting["polls"]:
        return []
    closes = timezone.localdate(waiting["closes"])
    return [Todo(f"{plural(waiting['polls'], 'poll')} open for you to vote in",
                 link(society, "ballots:index"), count=waiting["polls"], due=closes,
                 detail=f"Voting closes on {day(closes)}.")]


def results_to_cosign(society, visitor, now) -> list[Todo]:
    """Results the returning officer has signed off that no scrutineer has co-signed yet."""
    waiting = Contest.objects.filter(
        society=society, state__in=[ContestState.SIGNED, ContestState.PUBLISHED],
        signed_off_on__isnull=False, cosigned_on__isnull=True).count()
    return [Todo(f"{plural(waiting, 'signed result')} to co-sign",
                 link(society, "ballots:scrutiny"), count=waiting,
                 detail="The result certificate is issued once a scrutineer has co-signed.")]
