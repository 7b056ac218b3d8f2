"""PostgreSQL-only search indexes, and a trigger on both databases that refuses to reopen a
ceased membership (readmission is a new row: docs/members.md).

Plain RunPython guarded by the database vendor, so the migration also runs on SQLite.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Name search: LOWER(full_name) LIKE '%...%' served by a trigram index.
    "CREATE INDEX IF NOT EXISTS member_name_trgm ON members_member "
    "USING gin (lower(full_name) gin_trgm_ops)",
    # Postcode search by prefix ('CT9', 'CT9 3Q') needs pattern operators under a locale.
    "CREATE INDEX IF NOT EXISTS member_society_postcode_prefix ON members_member "
    "(society_id, postcode varchar_pattern_ops)",
    """
    CREATE OR REPLACE FUNCTION members_refuse_reopening() RETURNS trigger AS $$
    BEGIN
        IF OLD.ceased_on IS NOT NULL AND NEW.ceased_on IS NULL THEN
            RAISE EXCEPTION 'a ceased membership cannot be reopened: readmit the person'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS member_cessation_is_final ON members_member",
    "CREATE TRIGGER member_cessation_is_final BEFORE UPDATE OF ceased_on ON members_member "
    "FOR EACH ROW EXECUTE FUNCTION members_refuse_reopening()",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS member_cessation_is_final ON members_member",
    "DROP FUNCTION IF EXISTS members_refuse_reopening()",
    "DROP INDEX IF EXISTS member_society_postcode_prefix",
    "DROP INDEX IF EXISTS member_name_trgm",
]
SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS member_cessation_is_final",
    "CREATE TRIGGER member_cessation_is_final BEFORE UPDATE OF ceased_on ON members_member "
    "FOR EACH ROW WHEN OLD.ceased_on IS NOT NULL AND NEW.ceased_on IS NULL BEGIN "
    "SELECT RAISE(ABORT, 'CHECK constraint failed: a ceased membership cannot be reopened'); "
    "END",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS member_cessation_is_final"]


def recreate_sqlite_trigger(apps, schema_editor):
    """A later migration that rebuilds the member table on SQLite (adding a field with a
    database default, or a constraint) drops its triggers: it runs this to put the guard
    against reopening a ceased membership back."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0003_register_applications_imports"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
