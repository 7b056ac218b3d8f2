"""On PostgreSQL the database itself refuses to change or remove share ledger rows and share
payments, and to delete share certificates (so their numbers can never be freed for reuse).

Corrections are reversing entries (docs/shares.md). RunPython guarded by the vendor, so the
migration also runs on SQLite, where the model guards are the protection.
"""

from django.db import migrations

from shares.migrations._postgresql import on_postgresql

APPEND_ONLY_TABLES = ["shares_sharetransaction", "shares_sharepayment"]

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION shares_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused; record a reversing entry instead',
            TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql
    """,
    *[
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION shares_refuse_change()"
        for table in APPEND_ONLY_TABLES
    ],
    """
    CREATE OR REPLACE FUNCTION shares_certificate_guard() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'share certificates are cancelled, never deleted'
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF NEW.number <> OLD.number OR NEW.society_id <> OLD.society_id
           OR NEW.shares <> OLD.shares OR NEW.member_id <> OLD.member_id THEN
            RAISE EXCEPTION 'a share certificate cannot be renumbered or rewritten'
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER shares_sharecertificate_guard BEFORE UPDATE OR DELETE "
    "ON shares_sharecertificate FOR EACH ROW EXECUTE FUNCTION shares_certificate_guard()",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS shares_sharecertificate_guard ON shares_sharecertificate",
    "DROP FUNCTION IF EXISTS shares_certificate_guard()",
    *[f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in APPEND_ONLY_TABLES],
    "DROP FUNCTION IF EXISTS shares_refuse_change()",
]


class Migration(migrations.Migration):

    dependencies = [
        ("shares", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD)),
    ]
