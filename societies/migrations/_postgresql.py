"""For migrations that back a model guard with a trigger: run SQL only on PostgreSQL (on SQLite
the model guards are the protection). Not a migration: the loader skips names starting with an
underscore."""


def on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run
