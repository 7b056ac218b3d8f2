"""On PostgreSQL the database itself refuses to change or remove decision register rows.

Corrections are new decisions naming the one they correct (docs/boards.md). RunPython guarded
by the vendor, so the migration also runs on SQLite, where the model guards are the protection.
"""

from django.db import migrations

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION boards_refuse_decision_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'the decision register is append-only: % refused; record a correction',
            TG_OP
            USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER boards_decision_append_only BEFORE UPDATE OR DELETE ON boards_decision "
    "FOR EACH ROW EXECUTE FUNCTION boards_refuse_decision_change()",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS boards_decision_append_only ON boards_decision",
    "DROP FUNCTION IF EXISTS boards_refuse_decision_change()",
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("boards", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD)),
    ]
