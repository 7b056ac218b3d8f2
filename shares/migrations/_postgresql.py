"""For the shares migrations: run SQL only on PostgreSQL (triggers the model guards back up;
on SQLite the model guards are the protection). Not a migration: the loader skips names
starting with an underscore."""

from societies.migrations._postgresql import on_postgresql

__all__ = ["on_postgresql"]
