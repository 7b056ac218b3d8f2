"""The migrated SQLite test database, kept as SQL between runs.

Applying every migration to a new in-memory SQLite database costs about 30 s of CPU (Django
renders the model state again and again); CI builds that database once per run of the suite
and runs the suite seven times. The first run saves the migrated schema and its rows (content
types, permissions, the triggers the migrations install) as SQL in the temporary folder, named
by a hash of every migration file, Django's and SQLite's versions; a later run with the same
migrations loads that SQL instead of migrating. Any change to a migration changes the name, so
a stale copy is never used. PostgreSQL runs always migrate.
"""

import hashlib
import inspect
import os
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path

import django
from django.core.management.commands import migrate
from django.db import connections
from django.db.migrations.loader import MigrationLoader


def schema_key() -> str:
    digest = hashlib.sha256(f"{django.get_version()}|{sqlite3.sqlite_version}".encode())
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for key in sorted(loader.disk_migrations):
        module = inspect.getmodule(loader.disk_migrations[key])
        digest.update(f"{key}|".encode())
        digest.update(Path(inspect.getsourcefile(module)).read_bytes())
    return digest.hexdigest()[:32]


def cache_path() -> Path:
    return Path(tempfile.gettempdir()) / "omov-test-schema" / f"{schema_key()}.sql"


@contextmanager
def migrations_from_cache():
    """While active, `migrate` on an in-memory SQLite test database loads the cached schema
    when there is one, and saves it when there is not."""
    original = migrate.Command.handle

    def handle(self, *args, **options):
        connection = connections[options.get("database") or "default"]
        if connection.vendor != "sqlite" or not connection.is_in_memory_db():
            return original(self, *args, **options)
        path = cache_path()
        connection.ensure_connection()
        if path.exists():
            # The dump lists tables by name: a row may come before the table its key names.
            connection.connection.executescript("PRAGMA foreign_keys = OFF;\n"
                                                + path.read_text(encoding="utf-8")
                                                + "\nPRAGMA foreign_keys = ON;")
            return None
        result = original(self, *args, **options)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_text("\n".join(connection.connection.iterdump()), encoding="utf-8")
        os.replace(partial, path)  # two workers writing at once each leave a whole file
        return result

    migrate.Command.handle = handle
    try:
        yield
    finally:
        migrate.Command.handle = original
