"""On PostgreSQL the database itself refuses to change or remove audit entries.

The one change let through is the one Django makes when a user account is deleted: the actor
set to NULL, every other column as it was (`actor_label` still names who it was). A society
with audit entries cannot be deleted (the foreign key protects it). RunPython guarded by the
vendor, so the migration also runs on SQLite, where the model guards are the protection.
"""

from django.db import migrations

from societies.migrations._postgresql import on_postgresql

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION societies_refuse_audit_change() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
           AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER societies_auditentry_append_only BEFORE UPDATE OR DELETE "
    "ON societies_auditentry FOR EACH ROW EXECUTE FUNCTION societies_refuse_audit_change()",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS societies_auditentry_append_only ON societies_auditentry",
    "DROP FUNCTION IF EXISTS societies_refuse_audit_change()",
]


class Migration(migrations.Migration):

    dependencies = [
        ("societies", "0005_role_scrutineer"),
    ]

    operations = [
        migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD)),
    ]
