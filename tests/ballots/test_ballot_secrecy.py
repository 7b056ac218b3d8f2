"""DESIGN §6: nothing links a member or user to what they voted. Each test here fails if one
of the secrecy rules is broken (docs/elections.md lists which guards which rule)."""

import logging

from django.apps import apps
from django.core.cache import cache
from django.db import connection, models
from django_scopes import scope

from ballots import services
from ballots.models import CastBallot
from tests.ballots.conftest import close_contest, make_contest
from tests.conftest import is_postgres


def _dump_rows():
    """Every row of every table in the database, as text, by table name."""
    dump = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the schema
            dump[table] = [" | ".join(str(v) for v in row) for row in cursor.fetchall()]
    return dump


def test_cast_ballot_has_no_member_user_time_or_channel():
    fields = CastBallot._meta.get_fields(include_hidden=True)
    user_model = apps.get_model("accounts", "User")
    member_model = apps.get_model("members", "Member")
    for field in fields:
        assert not isinstance(field, (models.DateField, models.TimeField)), field.name
        if field.is_relation and field.related_model is not None:
            assert field.related_model not in (user_model, member_model), field.name
        assert field.name not in ("channel", "voted_at", "voted_on", "created_at", "cast_at")
    assert isinstance(CastBallot._meta.pk, models.UUIDField)


def test_no_model_points_at_a_cast_ballot_and_no_history_table_exists(db):
    from simple_history.models import registered_models

    assert CastBallot not in registered_models.values()
    for model in apps.get_models(include_auto_created=True):
        if model is CastBallot:
            continue
        for field in model._meta.get_fields():
            if field.concrete and field.is_relation:
                assert field.related_model is not CastBallot, f"{model.__name__}.{field.name}"
    tables = connection.introspection.table_names()
    assert [t for t in tables if "castballot" in t] == ["ballots_castballot"]


def test_the_receipt_and_choices_are_stored_only_in_the_ballot(world, caplog):
    """Cast through the service, then read every row of every table, the logs and the cache:
    the receipt and the ballot key appear in the ballot row and nowhere else."""
    contest = make_contest(world, candidates=4)
    voter = contest.voters[0]
    caplog.set_level(logging.DEBUG)
    with scope(society=world.society):
        order = [str(c.public_id) for c in contest.candidates.order_by("-number")]
        receipt = services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                       choices=order)
        ballot = CastBallot.objects.get()
    assert ballot.choices == "4,3,2,1"
    dump = _dump_rows()
    for secret in (receipt, ballot.id.hex, str(ballot.id)):
        holders = [t for t, rows in dump.items() if any(secret in row for row in rows)]
        assert holders in ([], ["ballots_castballot"]), (secret, holders)
    holders = [t for t, rows in dump.items() if any("4,3,2,1" in row for row in rows)]
    assert holders == ["ballots_castballot"]
    for record in caplog.records:
        text = record.getMessage() + str(getattr(record, "args", ""))
        assert receipt not in text and "4,3,2,1" not in text
    local = getattr(cache, "_cache", None)
    if isinstance(local, dict):  # the local-memory cache (no REDIS_URL)
        assert not any(receipt in str(v) for v in local.values())


def test_votes_write_no_audit_entry_and_the_close_records_only_counts_by_channel(
        world, audit_entries):
    contest = make_contest(world)
    ro = world.users["returning_officer"]
    online, paper = contest.voters[0], contest.voters[1]
    with scope(society=world.society):
        first = str(contest.candidates.get(number=2).public_id)
        before = len(audit_entries(world.society))
        services.cast_ballot(actor=online.user, contest=contest, member=online,
                             choices=[first])
        assert len(audit_entries(world.society)) == before
        services.strike_off_paper(actor=ro, contest=contest, member=paper)
    struck = audit_entries(world.society)[-1]
    assert (struck.action, struck.actor) == ("ballot.struck_off", ro)
    assert struck.data == {"member": paper.member_number, "channel": "paper"}
    close_contest(contest, world)
    entries = audit_entries(world.society)
    closed = next(e for e in entries if e.action == "contest.closed")
    assert closed.data == {"voted": 2, "online": 1, "paper": 1, "roll_size": contest.roll_size}
    assert not [e for e in entries if e.action == "ballot.cast"]
    assert not [e for e in entries if e.data.get("member") == online.member_number]
    assert all(first not in str(e.data) for e in entries)


def test_the_roll_keeps_the_day_of_a_vote_never_its_time():
    from ballots.models import VoterRollEntry

    field = VoterRollEntry._meta.get_field("voted_on")
    assert type(field) is models.DateField
    times = [f.name for f in VoterRollEntry._meta.concrete_fields
             if isinstance(f, (models.DateTimeField, models.TimeField))]
    assert times == []


def test_ballot_keys_and_storage_order_do_not_follow_cast_order(world):
    contest = make_contest(world, method="resolution", candidates=0)
    from tests.ballots.conftest import add_members

    voters = add_members(world, 25, start=700)
    with scope(society=world.society):
        for m in voters:
            contest.roll.create(society=world.society, member=m)
        receipts = [services.cast_ballot(actor=m.user, contest=contest, member=m,
                                         choices="for") for m in voters]
        listed = list(CastBallot.objects.filter(contest=contest).values_list("receipt",
                                                                            flat=True))
        assert listed != receipts
        by_key = list(CastBallot.objects.order_by("id").values_list("receipt", flat=True))
        assert by_key != receipts
    close_contest(contest, world)
    physical = "ctid" if is_postgres() else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT receipt FROM ballots_castballot ORDER BY {physical}")  # noqa: S608
        stored = [row[0] for row in cursor.fetchall()]
    assert stored != receipts
    assert stored == by_key  # rewritten in random-key order when voting closed


def test_cast_ballot_fields_are_only_the_ones_reviewed():
    """A new column on the ballot must be reviewed against §6 before this list changes."""
    names = {f.name for f in CastBallot._meta.concrete_fields}
    assert names == {"society", "contest", "receipt", "choices", "id"}
