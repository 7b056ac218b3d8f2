"""Whole model rows read by hand-written queries, for the few lookups every request makes;
and byte-order sorting for the published lists."""

from django.db import connection
from django.db.models.functions import Collate


def bytewise(field: str):
    """`field` ordered by its bytes (what `LC_ALL=C sort` gives), whatever the database's own
    collation."""
    return Collate(field, "C") if connection.vendor == "postgresql" else field


class RowReader:
    """Whole model rows read by a hand-written query, built as the ORM builds them.

    On the busiest requests (every society page, every vote) building a two-table SELECT
    through the ORM costs about ten times what the database spends running it. The SQL is
    written once (`columns` lists every concrete column in the model's field order) and each
    row is turned into an instance with the ORM's own database converters and `from_db`, so
    the instance is the one the ORM would have made. Callers keep the scoping in their WHERE.
    """

    def __init__(self, model):
        self.model = model
        self.fields = model._meta.concrete_fields
        self._converters = {}

    def columns(self, alias: str) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{alias}.{quote(field.column)}" for field in self.fields)

    def table(self) -> str:
        return connection.ops.quote_name(self.model._meta.db_table)

    def _converters_for(self, conn):
        key = (conn.alias, conn.vendor)
        if key not in self._converters:
            table = self.model._meta.db_table
            converters = []
            for index, field in enumerate(self.fields):
                col = field.get_col(table)
                found = conn.ops.get_db_converters(col) + field.get_db_converters(conn)
                if found:
                    converters.append((index, col, found))
            self._converters[key] = converters
        return self._converters[key]

    def build(self, values, conn=None):
        """The instance for `values` (this model's columns, in `columns()` order)."""
        conn = conn or connection
        values = list(values)
        for index, col, converters in self._converters_for(conn):
            value = values[index]
            for converter in converters:
                value = converter(value, col, conn)
            values[index] = value
        return self.model.from_db(conn.alias, None, values)


_ROWS: dict = {}


def row_reader(model) -> RowReader:
    reader = _ROWS.get(model)
    if reader is None:
        reader = _ROWS[model] = RowReader(model)
    return reader
