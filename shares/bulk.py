"""Writing many share rows at once: posting interest for 100,000 members must not build a
model instance per row. On PostgreSQL one statement (UPDATE ... FROM unnest, or COPY) does the
work; elsewhere (SQLite, the embedded mode) the ORM does it row by row. The database's
constraints apply either way. Callers hold the locks and pass ids they fetched in scope."""

from django.db import connection
from django.db.models import F

UPDATE_CHUNK = 20_000


def add_to_rows(model, deltas: dict[int, tuple[int, ...]], fields: list[str]) -> None:
    """Add `deltas[pk]` to `fields` of each row: the database does the arithmetic, so its
    CHECK constraints judge the new values."""
    _update(model, deltas, fields, add=True)


def set_rows(model, values: dict[int, tuple[int, ...]], fields: list[str]) -> None:
    """Set `fields` of each row to `values[pk]` (integers)."""
    _update(model, values, fields, add=False)


def _update(model, values, fields, *, add):
    if not values:
        return
    if connection.vendor != "postgresql":
        for pk, row in values.items():
            model._base_manager.filter(pk=pk).update(**{
                field: (F(field) + value) if add else value
                for field, value in zip(fields, row, strict=True)})
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [connection.ops.quote_name(model._meta.get_field(f).column) for f in fields]
    assignments = ", ".join(f"{c} = t.{c} + d.{c}" if add else f"{c} = d.{c}"
                            for c in columns)
    arrays = ", ".join(["%s::bigint[]"] * (len(fields) + 1))
    sql = (f"UPDATE {table} AS t SET {assignments} "  # noqa: S608 - names from the model
           f"FROM unnest({arrays}) AS d(id, {', '.join(columns)}) WHERE t.id = d.id")
    items = list(values.items())
    with connection.cursor() as cursor:
        for start in range(0, len(items), UPDATE_CHUNK):
            chunk = items[start:start + UPDATE_CHUNK]
            params = [[pk for pk, _row in chunk]]
            params += [[row[i] for _pk, row in chunk] for i in range(len(fields))]
            cursor.execute(sql, params)


def insert_rows(model, fields: list[str], rows) -> None:
    """Insert plain tuples (values for `fields`, by attribute name) without model instances:
    COPY on PostgreSQL."""
    rows = list(rows)
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._base_manager.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=2000)
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column)
                        for f in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
