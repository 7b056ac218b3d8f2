"""Writing many rows at once without a model instance per row: importing a register of a
million members, posting interest for 100,000, a notice to every member.

Table and column names come from the model; every value is a parameter. On PostgreSQL an
insert is one COPY and an update one `UPDATE ... FROM unnest(...)` per chunk; elsewhere (SQLite,
the embedded mode) one statement run for every row (`executemany`), dates, times and UUIDs
adapted as their model fields would. The database's constraints judge every row either way.

Nothing here scopes: callers hold their locks and pass the society's ids and rows themselves.
No simple-history rows are written, so history-keeping models are not written here.
"""

from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import chain
from uuid import UUID

from django.db import connection

UPDATE_CHUNK = 20_000


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _fields(model, names: Sequence[str]):
    return [model._meta.get_field(name) for name in names]


# Values the database driver stores as they are; every other field's values are prepared.
_AS_THEY_ARE = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
                "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
                "PositiveSmallIntegerField", "BooleanField", "CharField", "TextField",
                "SlugField", "FloatField", "ForeignKey", "OneToOneField"}


def _converters(model_fields) -> list[tuple[int, object]]:
    """(column index, how to prepare a value) for the columns the driver cannot take as they
    are. Dates and UUIDs are adapted directly: through each field's get_db_prep_save an
    import of a register runs several times slower."""
    ops = connection.ops
    converters = []
    for index, field in enumerate(model_fields):
        kind = field.get_internal_type()
        if kind in _AS_THEY_ARE:
            continue
        if kind == "DateField":
            to_db = ops.adapt_datefield_value
        elif kind == "DateTimeField":
            # Rows of one write share their timestamps (the time of the import): adapt once.
            to_db = lru_cache(maxsize=1024)(ops.adapt_datetimefield_value)
        elif kind == "UUIDField" and not connection.features.has_native_uuid_field:
            def to_db(value, field=field):
                return value.hex if isinstance(value, UUID) else field.get_db_prep_save(
                    value, connection)
        else:
            def to_db(value, field=field):
                return field.get_db_prep_save(value, connection)
        converters.append((index, to_db))
    return converters


def insert_rows(model, fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows`, each a sequence of values for `fields` (attribute names, such as
    `society_id`), streamed as they come; how many. Columns not named take their database
    default or NULL: Python-side model defaults are not applied."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    rows = chain([first], rows)
    model_fields = _fields(model, fields)
    table = _quote(model._meta.db_table)
    columns = ", ".join(_quote(field.column) for field in model_fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        convert = _converters(model_fields)
        marks = ", ".join(["%s"] * len(model_fields))

        def prepared():
            nonlocal count
            for row in rows:
                count += 1
                row = list(row)
                for index, to_db in convert:
                    if row[index] is not None:
                        row[index] = to_db(row[index])
                yield row

        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 - names from the model
            prepared())
    return count


def add_to_rows(model, deltas: dict[int, Sequence[int]], fields: Sequence[str]) -> None:
    """Add `deltas[pk]` to `fields` (integer columns) of each row: the database does the
    arithmetic, so its CHECK constraints judge the new values."""
    _update(model, deltas, fields, add=True)


def set_rows(model, values: dict[int, Sequence[int]], fields: Sequence[str]) -> None:
    """Set `fields` (integer columns) of each row to `values[pk]`."""
    _update(model, values, fields, add=False)


def _update(model, values, fields, *, add):
    if not values:
        return
    table = _quote(model._meta.db_table)
    key = _quote(model._meta.pk.column)
    columns = [_quote(field.column) for field in _fields(model, fields)]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f"{c} = {c} + %s" if add else f"{c} = %s" for c in columns)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {key} = %s",  # noqa: S608 - names from the model
                [[*row, pk] for pk, row in values.items()])
            return
        assignments = ", ".join(f"{c} = t.{c} + d.{c}" if add else f"{c} = d.{c}"
                                for c in columns)
        arrays = ", ".join(["%s::bigint[]"] * (len(columns) + 1))
        sql = (f"UPDATE {table} AS t SET {assignments} "  # noqa: S608 - names from the model
               f"FROM unnest({arrays}) AS d({key}, {', '.join(columns)}) "
               f"WHERE t.{key} = d.{key}")
        items = list(values.items())
        for start in range(0, len(items), UPDATE_CHUNK):
            chunk = items[start:start + UPDATE_CHUNK]
            params = [[pk for pk, _row in chunk]]
            params += [[row[i] for _pk, row in chunk] for i in range(len(columns))]
            cursor.execute(sql, params)
