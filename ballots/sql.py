"""The ballot POST's statements still written by hand: the contest lookup and the claim of the
roll entry. Each saved more than a tenth of the vote's server time against the ORM, with
prepared statements on (docs/performance.md, "Hand-written SQL, re-measured"); the ballot's own
INSERT did not, and is the ORM's. The convention is config/rows.py's: names from the models,
values as parameters, the society in every WHERE (tests/ballots/test_ballots_sql.py)."""

from django.db import connection

from ballots.models import Contest, Election, VoterRollEntry
from config.rows import Statement, row_reader

CONTEST_WITH_ELECTION = Statement(
    "SELECT {c.every_column}, {e.every_column} FROM {c} c INNER JOIN {e} e ON {e.pk} = {c.election}"
    " WHERE {c.society} = %s AND {c.public_id} = %s LIMIT 1",
    c=(Contest, "c"), e=(Election, "e"))

# Claims the member's unvoted roll entry only while the society's contest is open in the
# database, marking it with the day (never the time) of the vote. The entry is found by its
# unique (contest, member) index alone and the society is checked on the contest: a society
# condition on the roll itself let the planner combine the society's index, reading every roll
# entry of a big society (docs/performance.md).
CLAIM_ONLINE = Statement(
    "UPDATE {roll} SET {roll.voted_on} = %s, {roll.channel} = %s"
    " WHERE {roll.contest} = %s AND {roll.member} = %s AND {roll.voted_on} IS NULL"
    " AND EXISTS (SELECT 1 FROM {contest} WHERE {contest.pk} = %s AND {contest.society} = %s"
    " AND {contest.state} = %s AND {contest.voting_opens} <= %s"
    " AND {contest.voting_closes} > %s)",
    roll=VoterRollEntry, contest=Contest)

PUBLIC_ID = Contest._meta.get_field("public_id")


def contest_with_election(society, public_id) -> Contest | None:
    """`society`'s contest `public_id` with its election set, or None."""
    row = CONTEST_WITH_ELECTION.fetchone(
        [society.pk, PUBLIC_ID.get_db_prep_value(public_id, connection)])
    if row is None:
        return None
    contests, elections = row_reader(Contest), row_reader(Election)
    split = len(contests.fields)
    contest = contests.build(row[:split])
    contest.election = elections.build(row[split:])
    contest.society = society
    return contest


def claim_online(*, contest: Contest, member_id: int, on_day, channel: str, state: str,
                 now) -> bool:
    """Mark `member_id`'s roll entry in `contest` voted on `on_day` by `channel` if it has not
    voted and the contest (of its own society) is in `state` with `now` inside its voting
    window; True if this claimed it. The row stays locked to the end of the transaction."""
    at = connection.ops.adapt_datetimefield_value(now)
    return CLAIM_ONLINE.rowcount([
        connection.ops.adapt_datefield_value(on_day), channel, contest.pk, member_id,
        contest.pk, contest.society_id, state, at, at]) == 1
