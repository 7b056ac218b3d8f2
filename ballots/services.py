"""Every change to elections, contests, rolls and ballots (DESIGN §6; docs/elections.md).

Each service runs in one transaction and writes exactly one audit entry. No audit entry, log
line, message or cache entry ever holds a ballot's choices or its receipt.
"""

import hashlib
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from ballots.counting import (
    CountError,
    Election,
    LotRequired,
    count,
    count_resolution,
    draw_seed,
    lot_outcomes,
)
from ballots.models import (
    MARK_METHODS,
    RANKED_METHODS,
    RESOLUTION_ANSWERS,
    Candidate,
    CastBallot,
    Channel,
    Contest,
    ContestState,
    PaperBatch,
    SeedSource,
    VoterRollEntry,
)
from ballots.models import Election as ElectionModel
from members.models import Member
from shares.queries import members_paid_at_least, society_has_shares
from societies import audit
from societies.models import AuditEntry

ROLL_CHUNK = 5000
REMINDER_BEFORE = timedelta(hours=24)


class BallotError(Exception):
    """A ballot or election change that cannot be made; the message says why, for a person."""


# Setting up


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
    "nominations_open", "nominations_close", "withdrawal_deadline", "statement_limit",
    "voting_opens", "voting_closes", "ballot_order", "results_hidden", "resolution_text",
    "explanatory_note", "resolution_kind", "fraction_numerator", "fraction_denominator", "seed",
    "seat_category",
]


def _check_contest(contest: Contest) -> None:
    if contest.voting_closes <= contest.voting_opens:
        raise BallotError("Voting must close after it opens.")
    if contest.is_resolution:
        contest.seats = 1
        if not contest.resolution_text.strip():
            raise BallotError("A resolution needs its text.")
        contest.resolution_kind = contest.resolution_kind or "ordinary"
        if contest.resolution_kind == "special" and not (
            0 < contest.fraction_numerator <= contest.fraction_denominator
        ):
            raise BallotError("A special resolution needs a fraction between 0 and 1.")
    else:
        if contest.method == "plurality" and contest.seats != 1:
            raise BallotError("Plurality is for one seat; use the block vote for several.")
        if contest.nominations_open and contest.nominations_close and (
            contest.nominations_close <= contest.nominations_open
        ):
            raise BallotError("Nominations must close after they open.")
        if contest.nominations_close and contest.nominations_close > contest.voting_opens:
            raise BallotError("Nominations must close before voting opens.")
    if contest.min_shares_pence and not society_has_shares(contest.society):
        raise BallotError("This society keeps no share register here, so a minimum "
                          "shareholding cannot be applied; leave it at 0.")
    _check_seat_category(contest)


def _check_seat_category(contest: Contest) -> None:
    """A contest for seats may name the board seats it fills (boards.terms starts the terms)."""
    category = contest.seat_category
    if category is None:
        return
    if contest.is_resolution:
        raise BallotError("A resolution fills no board seats.")
    if category.society_id != contest.society_id:
        raise BallotError("Those seats belong to another society.")
    if category.filled_by != "elected":
        raise BallotError(f"{category.name} seats are not filled by election.")
    if contest.seats > category.seats:
        raise BallotError(f"The contest is for {contest.seats} seats; {category.name} has only "
                          f"{category.seats}.")


def _check_electorate(contest: Contest, classes) -> None:
    """Seats with a constituency are elected by that constituency's members, and only them."""
    category = contest.seat_category
    if category is None or category.constituency_id is None:
        return
    if [c.pk for c in classes] != [category.constituency_id]:
        raise BallotError(f"{category.name} seats are elected by the "
                          f"{category.constituency.name} constituency: choose that class, and "
                          "only it, as the electorate.")


@transaction.atomic
def link_seat_category(*, actor, contest: Contest, seat_category) -> Contest:
    """Name (or change, or clear) the board seats a contest fills, until terms start."""
    contest = _locked(contest)
    if contest.terms_started_on is not None:
        raise BallotError("The winners' terms have already started from this result.")
    contest.seat_category = seat_category
    _check_seat_category(contest)
    _check_electorate(contest, list(contest.stakeholder_classes.all()))
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
    _check_contest(contest)
    contest.save()
    classes = list(classes)
    if any(c.society_id != society.pk for c in classes):
        raise BallotError("Those stakeholder classes belong to another society.")
    _check_electorate(contest, classes)
    contest.stakeholder_classes.set(classes)
    audit.record(society, actor, "resolution.proposed" if contest.is_resolution
                 else "contest.created", contest,
                 {"method": contest.method, "seats": contest.seats,
                  "classes": [c.name for c in classes],
                  "voting_opens": contest.voting_opens.isoformat(),
                  "voting_closes": contest.voting_closes.isoformat()})
    return contest


def _locked(contest: Contest) -> Contest:
    return Contest.objects.select_for_update(of=("self",)).get(pk=contest.pk)


# Eligibility and the roll


def eligible_members(contest: Contest):
    """Members entitled to vote: active at the record date, in the classes, old enough, and
    with at least the minimum shareholding paid up at the close of the record date."""
    on = contest.record_date
    members = Member.objects.filter(society=contest.society_id, admitted_on__lte=on).filter(
        Q(ceased_on__isnull=True) | Q(ceased_on__gt=on)
    )
    class_ids = list(contest.stakeholder_classes.values_list("pk", flat=True))
    if class_ids:
        members = members.filter(stakeholder_class__in=class_ids)
    if contest.min_age:
        # Born on or before this date means old enough; unknown dates of birth are not refused.
        try:
            latest_birth = on.replace(year=on.year - contest.min_age)
        except ValueError:  # 29 February
            latest_birth = date(on.year - contest.min_age, 2, 28)
        members = members.filter(Q(date_of_birth__isnull=True)
                                 | Q(date_of_birth__lte=latest_birth))
    if contest.min_shares_pence:
        members = members.filter(pk__in=members_paid_at_least(
            contest.society_id, on, contest.min_shares_pence))
    return members


def is_eligible(contest: Contest, member: Member) -> bool:
    if contest.state != ContestState.DRAFT:
        return contest.roll.filter(member=member).exists()
    return eligible_members(contest).filter(pk=member.pk).exists()


def roll_fingerprint(contest: Contest) -> str:
    """sha256 over the contest's id and the sorted public ids of the members on its roll."""
    digest = hashlib.sha256(f"omov-roll:{contest.public_id}\n".encode())
    ids = (VoterRollEntry.objects.filter(contest=contest)
           .values_list("member__public_id", flat=True).order_by("member__public_id"))
    for public_id in ids.iterator(chunk_size=ROLL_CHUNK):
        digest.update(f"{public_id}\n".encode())
    return digest.hexdigest()


@transaction.atomic
def open_voting(*, actor, contest: Contest, now: datetime | None = None) -> bool:
    """Freeze the roll and open the poll; notify every voter. Safe to run twice."""
    now = now or timezone.now()
    contest = _locked(contest)
    if contest.state != ContestState.DRAFT:
        return False
    if now < contest.voting_opens:
        raise BallotError("Voting cannot open before the time set for it.")
    if not contest.is_resolution and contest.standing().count() <= contest.seats:
        raise BallotError("There are no more candidates than seats: declare them elected "
                          "unopposed instead of holding a poll.")
    society = contest.society
    stream = eligible_members(contest).order_by("pk").values_list("pk", flat=True)
    batch = []
    for member_id in stream.iterator(chunk_size=ROLL_CHUNK):
        batch.append(VoterRollEntry(society=society, contest=contest, member_id=member_id))
        if len(batch) >= ROLL_CHUNK:
            VoterRollEntry.objects.bulk_create(batch)
            batch = []
    VoterRollEntry.objects.bulk_create(batch)
    contest.roll_size = VoterRollEntry.objects.filter(contest=contest).count()
    contest.roll_fingerprint = roll_fingerprint(contest)
    contest.state = ContestState.OPEN
    contest.save(update_fields=["state", "roll_size", "roll_fingerprint"])
    _notify_roll(contest, kind="ballots.poll_open", members=Member.objects.filter(
        roll_entries__contest=contest), actor=actor)
    audit.record(society, actor, "contest.opened", contest,
                 {"roll_size": contest.roll_size, "roll_fingerprint": contest.roll_fingerprint})
    return True


def _notify_roll(contest: Contest, *, kind: str, members, actor) -> int:
    from notifications.services import create_notice, notify_members

    title = ("Voting is open: " if kind == "ballots.poll_open" else "Reminder to vote: ")
    notice = create_notice(society=contest.society, kind=kind, title=title + str(contest),
                           audience=f"The roll of {contest}", created_by=actor)
    return notify_members(notice=notice, members=members, context={
        "contest_title": str(contest),
        "contest_id": str(contest.public_id),
        "closes": timezone.localtime(contest.voting_closes).strftime("%-d %B %Y at %H:%M"),
        "is_resolution": contest.is_resolution,
        "resolution_text": contest.resolution_text,
    })


@transaction.atomic
def send_reminders(*, actor, contest: Contest, now: datetime | None = None) -> int:
    """Remind members on the roll who have not voted, once, 24 hours before close."""
    now = now or timezone.now()
    contest = _locked(contest)
    if contest.state != ContestState.OPEN or contest.reminders_sent:
        return 0
    if not (contest.voting_closes - REMINDER_BEFORE <= now < contest.voting_closes):
        return 0
    members = Member.objects.filter(roll_entries__contest=contest,
                                    roll_entries__voted_at__isnull=True)
    sent = _notify_roll(contest, kind="ballots.reminder", members=members, actor=actor)
    contest.reminders_sent = True
    contest.save(update_fields=["reminders_sent"])
    audit.record(contest.society, actor, "contest.reminded", contest, {"reminded": sent})
    return sent


@transaction.atomic
def close_voting(*, actor, contest: Contest, now: datetime | None = None) -> bool:
    """Close the poll at its time and queue the count. Safe to run twice."""
    now = now or timezone.now()
    contest = _locked(contest)
    if contest.state != ContestState.OPEN:
        return False
    if now < contest.voting_closes:
        raise BallotError("Voting cannot close before the time set for it.")
    contest.state = ContestState.CLOSED
    contest.save(update_fields=["state"])
    _rewrite_in_key_order(contest)
    audit.record(contest.society, actor, "contest.closed", contest,
                 {"voted": contest.roll.filter(voted_at__isnull=False).count(),
                  "roll_size": contest.roll_size})
    from ballots.tasks import count_contest_task

    count_contest_task.delay_on_commit(contest.society_id, contest.pk)
    return True


def _rewrite_in_key_order(contest: Contest) -> None:
    """Rewrite the contest's ballots in random-key order, so where rows sit on disk (rowid,
    ctid) no longer follows the order they were cast in. Only this contest's rows are touched."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS ballots_rewrite")
        cursor.execute("CREATE TEMP TABLE ballots_rewrite AS SELECT * FROM ballots_castballot "
                       "WHERE contest_id = %s", [contest.pk])
        cursor.execute("DELETE FROM ballots_castballot WHERE contest_id = %s", [contest.pk])
        cursor.execute("INSERT INTO ballots_castballot SELECT * FROM ballots_rewrite ORDER BY id")
        cursor.execute("DROP TABLE ballots_rewrite")


# Nominations


def _check_member_eligible(contest: Contest, member: Member, role: str) -> None:
    if member is None or member.society_id != contest.society_id:
        raise BallotError(f"The {role} must be a member of this society.")
    if not eligible_members(contest).filter(pk=member.pk).exists():
        raise BallotError(f"{member.full_name} cannot be the {role}: they are not on the "
                          "electorate of this contest.")


def nominations_are_open(contest: Contest, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (contest.state == ContestState.DRAFT and not contest.is_resolution
            and contest.nominations_open is not None and contest.nominations_close is not None
            and contest.nominations_open <= now < contest.nominations_close)


@transaction.atomic
def nominate(*, actor, contest: Contest, nominated_by: Member | None, candidate: Member,
             proposer: Member, seconder: Member, by_officer: bool = False) -> Candidate:
    """Nominate `candidate` with a proposer and a seconder (members on the electorate)."""
    contest = _locked(contest)
    if not by_officer and not nominations_are_open(contest):
        raise BallotError("Nominations for this contest are not open.")
    if contest.state != ContestState.DRAFT or contest.is_resolution:
        raise BallotError("Nominations are closed.")
    _check_member_eligible(contest, candidate, "candidate")
    _check_member_eligible(contest, proposer, "proposer")
    _check_member_eligible(contest, seconder, "seconder")
    if proposer.pk == seconder.pk:
        raise BallotError("The proposer and the seconder must be different members.")
    if candidate.pk in (proposer.pk, seconder.pk):
        raise BallotError("A candidate cannot propose or second themselves.")
    if contest.candidates.filter(member=candidate).exists():
        raise BallotError(f"{candidate.full_name} is already nominated in this contest.")
    number = (contest.candidates.order_by("-number").values_list("number", flat=True)
              .first() or 0) + 1
    nominee = Candidate.objects.create(
        society=contest.society, contest=contest, member=candidate, number=number,
        nominated_by=nominated_by, proposer=proposer, seconder=seconder,
    )
    audit.record(contest.society, actor, "candidate.nominated", nominee,
                 {"contest": str(contest.public_id), "candidate": candidate.member_number,
                  "proposer": proposer.member_number, "seconder": seconder.member_number})
    return nominee


@transaction.atomic
def consent_to_stand(*, actor, candidate: Candidate, member: Member, statement: str
                     ) -> Candidate:
    candidate = Candidate.objects.select_for_update(of=("self",)).get(pk=candidate.pk)
    contest = candidate.contest
    if candidate.member_id != member.pk:
        raise BallotError("Only the candidate can consent to stand.")
    if contest.state != ContestState.DRAFT or timezone.now() >= contest.voting_opens:
        raise BallotError("It is too late to consent or change the statement.")
    if candidate.withdrawn_at:
        raise BallotError("You have withdrawn from this contest.")
    statement = statement.strip()
    if len(statement) > contest.statement_limit:
        raise BallotError(f"The statement is {len(statement)} characters long; the limit is "
                          f"{contest.statement_limit}.")
    first = candidate.consented_at is None
    candidate.consented_at = candidate.consented_at or timezone.now()
    candidate.statement = statement
    candidate.save(update_fields=["consented_at", "statement"])
    audit.record(contest.society, actor, "candidate.consented" if first
                 else "candidate.statement_changed", candidate, {"contest": str(contest.public_id)})
    return candidate


@transaction.atomic
def withdraw_candidate(*, actor, candidate: Candidate) -> Candidate:
    candidate = Candidate.objects.select_for_update(of=("self",)).get(pk=candidate.pk)
    contest = candidate.contest
    deadline = contest.withdrawal_deadline or contest.voting_opens
    if contest.state != ContestState.DRAFT or timezone.now() >= deadline:
        raise BallotError("The deadline for withdrawing has passed.")
    if candidate.withdrawn_at:
        raise BallotError("That candidate has already withdrawn.")
    candidate.withdrawn_at = timezone.now()
    candidate.save(update_fields=["withdrawn_at"])
    audit.record(contest.society, actor, "candidate.withdrawn", candidate,
                 {"contest": str(contest.public_id)})
    return candidate


@transaction.atomic
def declare_unopposed(*, actor, contest: Contest) -> Contest:
    """Candidates do not exceed seats: they are elected without a poll."""
    contest = _locked(contest)
    if contest.state != ContestState.DRAFT or contest.is_resolution:
        raise BallotError("Only a contest still being prepared can be declared unopposed.")
    if contest.nominations_close and timezone.now() < contest.nominations_close:
        raise BallotError("Nominations are still open.")
    standing = list(contest.standing().select_related("member"))
    if len(standing) > contest.seats:
        raise BallotError(f"{len(standing)} candidates stand for {contest.seats} seats: "
                          "a poll is needed.")
    names = [c.name for c in standing]
    contest.state = ContestState.UNOPPOSED
    contest.result = {"unopposed": True, "elected": names, "seats": contest.seats,
                      "method": contest.method}
    contest.published_at = timezone.now()
    contest.save(update_fields=["state", "result", "published_at"])
    audit.record(contest.society, actor, "contest.declared_unopposed", contest,
                 {"elected": names})
    return contest


# Casting


def ballot_candidates(contest: Contest) -> list[Candidate]:
    return list(contest.standing().select_related("member"))


class StandingCandidate(NamedTuple):
    public_id: str
    number: int


# Standing candidates of contests past nominations, by contest public id (random, so never
# shared between contests or societies). A contest leaves DRAFT once and never returns, and
# nominating, consenting and withdrawing all require DRAFT, so the list is final by then.
_STANDING: dict[str, tuple[StandingCandidate, ...]] = {}
_STANDING_MAX = 512


def standing_after_nominations(contest: Contest) -> tuple[StandingCandidate, ...]:
    """The contest's standing candidates, read once per process; call only once the contest
    is known to be past DRAFT in the database (casting calls it after claiming the roll
    entry of an open poll)."""
    key = str(contest.public_id)
    found = _STANDING.get(key)
    if found is None:
        found = tuple(StandingCandidate(str(public_id), number) for public_id, number
                      in contest.standing().values_list("public_id", "number"))
        if len(_STANDING) >= _STANDING_MAX:
            _STANDING.clear()
        _STANDING[key] = found
    return found


def canonical_choices(contest: Contest, choices, candidates=None) -> str:
    """Check a ballot against the contest and return its canonical stored text.

    Ranked: candidate public ids (str) in preference order. Marks: candidate public ids.
    Resolution: "for", "against" or "abstain". Raises BallotError for anything else.
    """
    if contest.is_resolution:
        if choices not in RESOLUTION_ANSWERS:
            raise BallotError("Choose for, against or abstain.")
        return choices
    if isinstance(choices, str) or not isinstance(choices, (list, tuple)):
        raise BallotError("That ballot could not be read.")
    if candidates is None:
        by_id = {str(public_id): number for public_id, number
                 in contest.standing().values_list("public_id", "number")}
    else:
        by_id = {str(c.public_id): c.number for c in candidates}
    numbers = []
    for choice in choices:
        number = by_id.get(str(choice))
        if number is None:
            raise BallotError("The ballot names someone who is not a candidate in this contest.")
        numbers.append(number)
    if len(set(numbers)) != len(numbers):
        raise BallotError("The ballot gives a candidate more than one preference or mark.")
    if contest.method in RANKED_METHODS:
        return ",".join(map(str, numbers))
    if contest.method in MARK_METHODS and len(numbers) > contest.max_marks:
        raise BallotError(f"The ballot has {len(numbers)} marks; at most {contest.max_marks} "
                          "are allowed.")
    return ",".join(map(str, sorted(numbers)))


def voting_is_open(contest: Contest, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (contest.state == ContestState.OPEN
            and contest.voting_opens <= now < contest.voting_closes)


# Claims the member's unvoted roll entry only while the society's contest is open in the
# database. The entry is found by its unique (contest, member) index alone and the society is
# checked on the contest: a society condition on the roll itself let the planner combine the
# society's index, reading every roll entry of a big society (docs/performance.md).
CLAIM_ONLINE = """
    UPDATE ballots_voterrollentry SET voted_at = %s, channel = %s
    WHERE contest_id = %s AND member_id = %s AND voted_at IS NULL
      AND EXISTS (SELECT 1 FROM ballots_contest WHERE id = %s AND society_id = %s
                  AND state = %s AND voting_opens <= %s AND voting_closes > %s)
"""


def _refusal(contest: Contest, member: Member, now: datetime) -> str | None:
    """Why `member` may not vote in `contest` now, in the order a voter should hear it, or
    None if their roll entry could be claimed."""
    entry = (VoterRollEntry.objects.select_related("contest")
             .filter(contest_id=contest.pk, member_id=member.pk).first())
    if not voting_is_open(entry.contest if entry else Contest.objects.get(pk=contest.pk), now):
        return "Voting in this contest is not open: your ballot was not recorded."
    if entry is None:
        return "You are not on the roll for this contest."
    if entry.voted_at is not None:
        return "You have already voted in this contest."
    return None


def cast_ballot(*, actor, contest: Contest, member: Member, choices) -> str:
    """Cast `member`'s ballot in `contest` and return its receipt code (DESIGN §6).

    Check the ballot, then claim the roll entry while the poll is open and store the ballot
    with its audit entry — all or nothing. The ballot row carries no member, user, time or
    channel.
    """
    now = timezone.now()
    try:
        # The cached candidate list is final once the contest has left DRAFT (it never
        # returns there); a contest read as DRAFT cannot be claimed anyway.
        standing = (standing_after_nominations(contest)
                    if contest.state != ContestState.DRAFT else None)
        text = canonical_choices(contest, choices, standing)
    except BallotError:
        # Someone who may not vote hears that first, whatever their ballot says.
        refusal = _refusal(contest, member, now)
        if refusal:
            raise BallotError(refusal) from None
        raise
    ballot = CastBallot(society_id=contest.society_id, contest=contest, choices=text)
    # The same entry `audit.record` writes (tests/ballots/test_casting_inserts.py holds the
    # two equal); it names the member, never the ballot.
    entry = AuditEntry(
        society_id=contest.society_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=getattr(actor, "email", "") if actor is not None else "",
        action="ballot.cast", target_type=Contest._meta.label,
        target_id=str(contest.public_id), target_label=str(contest)[:200],
        data={"member": member.member_number, "channel": Channel.ONLINE}, created_at=now)
    at = connection.ops.adapt_datetimefield_value(now)
    claim = [at, Channel.ONLINE.value, contest.pk, member.pk, contest.pk, contest.society_id,
             ContestState.OPEN.value, at, at]
    if not _claim_and_insert(claim, ballot, entry):
        raise BallotError(_refusal(contest, member, now)
                          or "You have already voted in this contest.")
    return ballot.receipt


_INSERTS = {}


def _insert_sql(model, source: str) -> tuple[str, list]:
    """INSERT of every concrete column of `model` but an auto id, built once per model:
    `source` "values" for INSERT … VALUES, "claim" for INSERT … SELECT … FROM claim (one row
    if the roll entry was claimed, none if not)."""
    key = (model, source, connection.vendor)
    if key not in _INSERTS:
        quote = connection.ops.quote_name
        fields = [f for f in model._meta.concrete_fields
                  if not (f.primary_key and f.get_internal_type().endswith("AutoField"))]
        columns = ", ".join(quote(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        rows = f"VALUES ({marks})" if source == "values" else f"SELECT {marks} FROM claim"  # noqa: S608
        _INSERTS[key] = (f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {rows}",  # noqa: S608 (names from the model; values are parameters)
                         fields)
    return _INSERTS[key]


def _values(obj, fields) -> list:
    return [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]


def _claim_and_insert(claim: list, *objects) -> bool:
    """Claim the roll entry (CLAIM_ONLINE's parameters) and, only if it was claimed, insert
    `objects` (new rows of models without save signals); True if claimed.

    On PostgreSQL it is one statement — the claim and the inserts as data-modifying CTEs, one
    round trip, atomic by itself: of two casts at once only one claims the row, and the other
    inserts nothing. Elsewhere a transaction of one statement each. The ORM took longer to
    build these statements than the database took to run them."""
    if connection.vendor != "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(CLAIM_ONLINE, claim)
            if cursor.rowcount != 1:
                return False
            for obj in objects:
                sql, fields = _insert_sql(type(obj), "values")
                cursor.execute(sql, _values(obj, fields))
        return True
    parts, params = [f"claim AS ({CLAIM_ONLINE} RETURNING 1)"], list(claim)
    for obj in objects:
        sql, fields = _insert_sql(type(obj), "claim")
        parts.append(sql)
        params += _values(obj, fields)
    ctes = ", ".join([parts[0]] + [f"i{n} AS ({sql})" for n, sql in enumerate(parts[1:-1])])
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {ctes} {parts[-1]}", params)
        return cursor.rowcount == 1


# Paper ballots


@transaction.atomic
def strike_off_paper(*, actor, contest: Contest, member: Member) -> VoterRollEntry:
    """Mark a roll entry as voted on paper; refused if the member has voted in any way."""
    contest = Contest.objects.get(pk=contest.pk)
    if contest.state not in (ContestState.OPEN, ContestState.CLOSED):
        raise BallotError("Paper ballots can only be struck off while the roll is in use.")
    entry = (VoterRollEntry.objects.select_for_update(of=("self",))
             .filter(contest=contest, member=member).first())
    if entry is None:
        raise BallotError(f"{member.full_name} is not on the roll for this contest.")
    claimed = VoterRollEntry.objects.filter(pk=entry.pk, voted_at__isnull=True).update(
        voted_at=timezone.now(), channel=Channel.PAPER)
    if claimed != 1:
        raise BallotError(f"{member.full_name} has already voted in this contest.")
    audit.record(contest.society, actor, "ballot.struck_off", contest,
                 {"member": member.member_number, "channel": Channel.PAPER})
    return entry


@transaction.atomic
def enter_paper_ballots(*, actor, contest: Contest, label: str, ballots: list) -> PaperBatch:
    """Enter a batch of paper ballots (each as `cast_ballot` takes choices); receipts are made
    for them too, so the published list covers every ballot counted."""
    contest = _locked(contest)
    if contest.state not in (ContestState.OPEN, ContestState.CLOSED):
        raise BallotError("Paper ballots can only be entered while voting is open or before "
                          "the count.")
    if not ballots:
        raise BallotError("The batch has no ballots.")
    struck = contest.roll.filter(channel=Channel.PAPER).count()
    entered = sum(contest.paper_batches.values_list("ballots", flat=True))
    if entered + len(ballots) > struck:
        raise BallotError(f"Only {struck} members are struck off as voting on paper and "
                          f"{entered} paper ballots are already entered: this batch of "
                          f"{len(ballots)} would be more ballots than voters.")
    candidates = ballot_candidates(contest)
    rows = []
    for number, choices in enumerate(ballots, start=1):
        try:
            text = canonical_choices(contest, choices, candidates)
        except BallotError as error:
            raise BallotError(f"Ballot {number} of the batch: {error}") from None
        rows.append(CastBallot(society_id=contest.society_id, contest=contest, choices=text))
    CastBallot.objects.bulk_create(rows)
    batch = PaperBatch.objects.create(society=contest.society, contest=contest,
                                      label=label.strip() or f"Batch {entered + 1}",
                                      ballots=len(rows))
    audit.record(contest.society, actor, "ballot.paper_batch_entered", batch,
                 {"contest": str(contest.public_id), "ballots": len(rows)})
    return batch


# Counting and the result


def grouped_ballots(contest: Contest) -> list[tuple[str, int]]:
    """Identical ballots grouped by the database: (choices, how many)."""
    return list(CastBallot.objects.filter(contest=contest).values("choices")
                .annotate(n=Count("id")).order_by("choices").values_list("choices", "n"))


def ballot_set_hash(contest: Contest) -> str:
    """sha256 over the published list: "receipt choices" lines sorted by receipt."""
    digest = hashlib.sha256()
    rows = (CastBallot.objects.filter(contest=contest).order_by("receipt")
            .values_list("receipt", "choices"))
    for receipt, choices in rows.iterator(chunk_size=10000):
        digest.update(f"{receipt} {choices}\n".encode())
    return digest.hexdigest()


def engine_candidates(contest: Contest) -> tuple[list[Candidate], list[str], list[int]]:
    """Every consented candidate in ballot-number order, unique names, withdrawn indices."""
    candidates = list(contest.candidates.filter(consented_at__isnull=False)
                      .select_related("member").order_by("number"))
    names, seen = [], set()
    for c in candidates:
        name = c.name if c.name not in seen else f"{c.name} (no. {c.member.member_number})"
        seen.add(name)
        names.append(name)
    withdrawn = [i for i, c in enumerate(candidates) if c.withdrawn_at]
    return candidates, names, withdrawn


def engine_election(contest: Contest, grouped=None) -> Election:
    candidates, names, withdrawn = engine_candidates(contest)
    index = {c.number: i for i, c in enumerate(candidates)}
    ballots = {}
    for choices, n in grouped if grouped is not None else grouped_ballots(contest):
        prefs = tuple(index[int(x)] for x in choices.split(",")) if choices else ()
        ballots[prefs] = ballots.get(prefs, 0) + n
    return Election(names, ballots, seats=contest.seats, withdrawn=withdrawn,
                    title=str(contest))


def compute_result(contest: Contest) -> tuple[dict, str, int]:
    """Count the contest's stored ballots: (result dict, report text, ballots counted).

    Raises `LotRequired` when the count needs a lot and the contest has no seed."""
    grouped = grouped_ballots(contest)
    total = sum(n for _, n in grouped)
    if contest.is_resolution:
        tallies = {answer: 0 for answer in RESOLUTION_ANSWERS}
        for choices, n in grouped:
            tallies[choices] += n
        channels = {"ballot": dict(tallies)}
        for tally in contest.tallies.all():
            channels[tally.source] = {"for": tally.votes_for, "against": tally.votes_against,
                                      "abstain": tally.abstentions}
            tallies["for"] += tally.votes_for
            tallies["against"] += tally.votes_against
            tallies["abstain"] += tally.abstentions
        outcome = count_resolution(
            tallies["for"], tallies["against"], tallies["abstain"],
            kind=contest.resolution_kind or "ordinary",
            fraction=Fraction(contest.fraction_numerator, contest.fraction_denominator),
        )
        result = outcome.to_dict() | {"channels": channels, "resolution": True}
        return result, outcome.explanation, total
    election = engine_election(contest, grouped)
    outcome = count(contest.method, election, seats=contest.seats, seed=contest.seed or None)
    result, report = outcome.to_dict(), outcome.report()
    if any(tie.rule == "lot" for tie in outcome.tie_breaks):
        check = lot_outcomes(contest.method, election, contest.seats,
                             limit=lot_check_limit(election))
        result["lot_check"] = check.to_dict()
        report += f"\n{check.sentence()}\n"
    return result, report, total


# Recounting for every way the lots could fall costs one count each: about 2,000,000 distinct
# rankings' worth of counting (a second or two) at most, and never fewer than two counts.
LOT_CHECK_WORK = 2_000_000


def lot_check_limit(election: Election) -> int:
    return max(2, min(64, LOT_CHECK_WORK // max(1, len(election.ballots))))


RESULT_FIELDS = ["result", "report_text", "ballots_counted", "ballot_set_hash", "count_error",
                 "lot_needed", "state", "seed_used_at"]


@transaction.atomic
def count_contest(*, actor, contest: Contest) -> Contest:
    """Count a closed contest and keep the report, the ballot-set hash and the figures.

    A count that cannot finish (it needs a lot and there is no seed, or the engine refuses the
    ballots) leaves the contest closed, with no result, the reason in `count_error` and, for a
    lot, the tie in `lot_needed`; the caller sees that from the contest's state."""
    contest = _locked(contest)
    if contest.state not in (ContestState.CLOSED, ContestState.COUNTED):
        raise BallotError("Only a closed contest can be counted.")
    try:
        result, report, total = compute_result(contest)
    except CountError as error:
        lot = error.to_dict() if isinstance(error, LotRequired) else None
        contest.result, contest.report_text, contest.ballots_counted = None, "", None
        contest.ballot_set_hash = ""
        contest.count_error, contest.lot_needed = str(error), lot
        contest.state = ContestState.CLOSED
        contest.save(update_fields=RESULT_FIELDS)
        audit.record(contest.society, actor, "contest.count_stopped", contest,
                     {"reason": str(error)[:500], "lot_needed": lot})
        return contest
    contest.result = result
    contest.report_text = report
    contest.ballots_counted = total
    contest.ballot_set_hash = ballot_set_hash(contest)
    contest.count_error, contest.lot_needed = "", None
    contest.state = ContestState.COUNTED
    if contest.seed_used_at is None and any(t["rule"] == "lot"
                                            for t in result.get("tie_breaks", ())):
        contest.seed_used_at = timezone.now()  # from now on the seed cannot change
    contest.save(update_fields=RESULT_FIELDS)
    audit.record(contest.society, actor, "contest.counted", contest,
                 {"ballots": total, "ballot_set_hash": contest.ballot_set_hash,
                  "seed": contest.seed if contest.seed_used_at else None})
    return contest


@transaction.atomic
def note_count_failure(*, actor, contest: Contest, reason: str) -> Contest:
    """Keep on the contest why a count task failed, so the page says so and offers a way on."""
    contest = _locked(contest)
    if contest.state != ContestState.CLOSED:
        return contest
    contest.count_error = reason
    contest.save(update_fields=["count_error"])
    audit.record(contest.society, actor, "contest.count_failed", contest, {"reason": reason})
    return contest


# Lots: a count stopped on a tie only a lot can break


@transaction.atomic
def resolve_lot(*, actor, contest: Contest, source: str, seed: str = "",
                witness: str = "") -> Contest:
    """Record the seed for the lot a stopped count needs, then count again.

    `source` "published": the seed published before the count, as given; "drawn": a fresh
    random seed drawn here (`seed` is ignored). Either way the seed, who recorded it, when,
    and any witness are kept and shown with the result; once the count has drawn the lot
    from it, it cannot be changed."""
    contest = _locked(contest)
    if contest.state != ContestState.CLOSED or not contest.lot_needed:
        raise BallotError("This count is not waiting for a lot, so there is no seed to record.")
    if contest.seed or contest.seed_used_at:
        raise BallotError(f"The seed {contest.seed} is already recorded for this count and "
                          "cannot be changed.")
    if source == SeedSource.PUBLISHED:
        seed = " ".join(seed.split())
        if not seed:
            raise BallotError("Enter the seed exactly as it was published.")
        if len(seed) > Contest._meta.get_field("seed").max_length:
            raise BallotError("A seed is at most 64 characters.")
    elif source == SeedSource.DRAWN:
        seed = draw_seed()
    else:
        raise BallotError("Choose a published seed or a draw now.")
    witness = " ".join(witness.split())
    contest.seed, contest.seed_source, contest.seed_witness = seed, source, witness
    contest.seed_recorded_by = actor.get_full_name()
    contest.seed_recorded_at = timezone.now()
    contest.save(update_fields=["seed", "seed_source", "seed_witness", "seed_recorded_by",
                                "seed_recorded_at"])
    audit.record(contest.society, actor, "contest.lot_seed_recorded", contest,
                 {"seed": seed, "source": source, "witness": witness,
                  "tie": {k: contest.lot_needed.get(k) for k in ("stage", "purpose",
                                                                  "candidates")}})
    return count_contest(actor=actor, contest=contest)


@transaction.atomic
def sign_off(*, actor, contest: Contest, name: str, on: date) -> Contest:
    contest = _locked(contest)
    if contest.state != ContestState.COUNTED:
        raise BallotError("Only a counted result can be signed off.")
    name = " ".join(name.split())
    if not name:
        raise BallotError("Sign with your name.")
    contest.signed_off_name, contest.signed_off_on = name, on
    contest.state = ContestState.SIGNED
    contest.save(update_fields=["signed_off_name", "signed_off_on", "state"])
    audit.record(contest.society, actor, "contest.signed_off", contest,
                 {"name": name, "on": on.isoformat()})
    return contest


@transaction.atomic
def publish_result(*, actor, contest: Contest) -> Contest:
    contest = _locked(contest)
    if contest.state != ContestState.SIGNED:
        raise BallotError("The result must be signed off before it is published.")
    contest.state = ContestState.PUBLISHED
    contest.published_at = timezone.now()
    contest.save(update_fields=["state", "published_at"])
    decided = None
    if contest.application_id and contest.is_resolution:
        decided = _decide_application(actor, contest)
    audit.record(contest.society, actor, "contest.published", contest,
                 {"ballots": contest.ballots_counted, "application": decided})
    return contest


def _decide_application(actor, contest: Contest) -> str:
    """Members' vote on an applicant: the published result admits or declines them."""
    from members.models import ApplicationStatus
    from members.services import admit_application, decline_application

    application = contest.application
    if application.status != ApplicationStatus.AWAITING_VOTE:
        return application.status
    today = timezone.localdate()
    reference = f"Members' vote {contest.public_id}"
    if contest.result and contest.result.get("passed"):
        admit_application(actor=actor, application=application, decided_on=today,
                          decision_reference=reference, by_members_vote=True)
        return "admitted"
    decline_application(actor=actor, application=application, decided_on=today,
                        decision_reference=reference, reason="Not carried by the members' vote.")
    return "declined"


@transaction.atomic
def put_application_to_vote(*, actor, application, election: ElectionModel, voting_opens,
                            voting_closes, record_date: date) -> Contest:
    """A resolution to admit an applicant awaiting the members' vote."""
    from members.models import ApplicationStatus

    if application.status != ApplicationStatus.AWAITING_VOTE:
        raise BallotError("That application is not awaiting a members' vote.")
    if election.society_id != application.society_id:
        raise BallotError("That application belongs to another society.")
    contest = Contest(
        society=election.society, election=election, method="resolution",
        title=f"Admission of {application.full_name}", record_date=record_date,
        voting_opens=voting_opens, voting_closes=voting_closes, resolution_kind="ordinary",
        resolution_text=f"That {application.full_name} ({application.reference}) be admitted "
                        f"as a member of the {application.stakeholder_class.name} class.",
        application=application,
    )
    _check_contest(contest)
    contest.save()
    audit.record(election.society, actor, "resolution.proposed", contest,
                 {"method": "resolution", "application": application.reference})
    return contest


def turnout(contest: Contest) -> dict:
    """Numbers only: who has voted is never shown, nor any choice."""
    voted = contest.roll.filter(voted_at__isnull=False).values("channel").annotate(n=Count("id"))
    by_channel = {row["channel"]: row["n"] for row in voted}
    total = sum(by_channel.values())
    size = contest.roll_size or 0
    return {"roll_size": size, "voted": total, "online": by_channel.get(Channel.ONLINE, 0),
            "paper": by_channel.get(Channel.PAPER, 0),
            "percent": (f"{total * 1000 // size / 10:.1f}" if size else "0.0")}


def due_contests(field: str, now: datetime):
    """Contests in every society due for a scheduled step (read across societies)."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        if field == "open":
            qs = Contest.objects.filter(state=ContestState.DRAFT, voting_opens__lte=now)
        elif field == "close":
            qs = Contest.objects.filter(state=ContestState.OPEN, voting_closes__lte=now)
        else:
            qs = Contest.objects.filter(state=ContestState.OPEN, reminders_sent=False,
                                        voting_closes__lte=now + REMINDER_BEFORE,
                                        voting_closes__gt=now)
        return list(qs.values_list("society_id", "pk"))

