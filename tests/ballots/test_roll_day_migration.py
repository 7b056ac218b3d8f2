"""Migration 0005: the roll's times of voting become days, London's, and back again."""

from datetime import UTC, date, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django_scopes import scopes_disabled

BEFORE = [("ballots", "0004_contest_corrections_paper_nominations")]
AFTER = [("ballots", "0005_roll_keeps_the_day_of_the_vote")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_times_of_voting_become_days_in_london_and_the_constraint_holds(transactional_db):
    from tests.ballots.conftest import make_contest
    from tests.conftest import build_society

    world = build_society("millmead", "Millmead Children's Centre")
    contest = make_contest(world)
    voters = contest.voters[:4]
    try:
        old = _migrate(BEFORE)
        entries = old.get_model("ballots", "VoterRollEntry")
        times = [datetime(2027, 7, 1, 23, 30, tzinfo=UTC),  # 00:30 on 2 July in London (BST)
                 datetime(2027, 12, 1, 23, 30, tzinfo=UTC),  # 23:30 on 1 December (GMT)
                 datetime(2027, 3, 28, 0, 30, tzinfo=UTC)]  # 00:30 GMT, clocks change at 01:00
        with scopes_disabled():
            for voter, at in zip(voters, times, strict=False):
                entries.objects.filter(contest_id=contest.pk, member_id=voter.pk).update(
                    voted_at=at, channel="online")
        new = _migrate(AFTER)
        entries = new.get_model("ballots", "VoterRollEntry")
        with scopes_disabled():
            days = dict(entries.objects.filter(contest_id=contest.pk)
                        .values_list("member_id", "voted_on"))
            assert [days[v.pk] for v in voters] == [
                date(2027, 7, 2), date(2027, 12, 1), date(2027, 3, 28), None]
            with pytest.raises(IntegrityError), transaction.atomic():
                entries.objects.filter(member_id=voters[3].pk).update(channel="paper")
        back = _migrate(BEFORE)
        entries = back.get_model("ballots", "VoterRollEntry")
        with scopes_disabled():
            noon = entries.objects.get(member_id=voters[0].pk).voted_at
            assert noon == datetime(2027, 7, 2, 11, 0, tzinfo=UTC)  # noon BST
            assert entries.objects.get(member_id=voters[3].pk).voted_at is None
    finally:
        # Every app's latest migration, not 0005: later tests need the whole schema.
        executor = MigrationExecutor(connection)
        _migrate(executor.loader.graph.leaf_nodes())
