"""For the shares migrations: run SQL only on PostgreSQL (triggers the model guards back up;
on SQLite the model guards are the protection). Not a migration: the loader skips names
starting with an underscore."""


def on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run
