"""Hand-written SQL, one convention for every app's `sql.py`; and byte-order sorting for the
published lists.

A statement is kept by hand only where a measurement says the ORM costs more than a tenth of
its request's server time (docs/performance.md, "Hand-written SQL, re-measured"). Each app keeps
its statements in its own `sql.py`, as `Statement`s:

- the text is a plain template whose table and column names come from the models:
  `{contest}` is the contest table's quoted name, `{contest.society}` its `society_id` column
  (`{c.society}` is `c."society_id"` where the table is given the alias `c`), and
  `{contest.every_column}` all of its concrete columns in the model's order;
- every value is a `%s` parameter, never put into the text;
- every statement names the society in its WHERE, and a test per statement shows that a lookup
  for one society never reaches another's row (the ORM's scoping does not see raw SQL); a
  statement on rows that belong to no society (the session) says so in `no_society`.

Templates are filled here, so no app formats SQL text itself (nothing for ruff's S608 to
excuse). Rows come back as the instances the ORM would make (`RowReader.build`).
"""

import sys

from django.db import connection
from django.db.models.functions import Collate

STATEMENTS: list["Statement"] = []


def bytewise(field: str):
    """`field` ordered by its bytes (what `LC_ALL=C sort` gives), whatever the database's own
    collation."""
    return Collate(field, "C") if connection.vendor == "postgresql" else field


class Names:
    """A model's table and column names for a template, quoted for the database in use."""

    def __init__(self, model, alias: str | None = None):
        self._model = model
        self._alias = alias

    def _column(self, column: str) -> str:
        quoted = connection.ops.quote_name(column)
        return f"{self._alias}.{quoted}" if self._alias else quoted

    def __str__(self) -> str:
        return connection.ops.quote_name(self._model._meta.db_table)

    def __format__(self, spec: str) -> str:
        return str(self)

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "every_column":
            return ", ".join(self._column(f.column) for f in self._model._meta.concrete_fields)
        if name == "pk":
            return self._column(self._model._meta.pk.column)
        return self._column(self._model._meta.get_field(name).column)


class Statement:
    """One hand-written statement: `template` with the names of `models` (keyword: the name
    used in the template, value: a model, or (model, alias)), and `by_database`'s fixed text
    where the databases' dialects differ ({slot: {vendor: text}}); filled once per database."""

    def __init__(self, template: str, *, by_database: dict | None = None,
                 no_society: str = "", **models):
        self.template = template
        self.no_society = no_society  # why a statement on rows of no society has no scope
        self.by_database = by_database or {}
        self.models = {name: spec if isinstance(spec, tuple) else (spec, None)
                       for name, spec in models.items()}
        self._text: dict[str, str] = {}
        self.module = sys._getframe(1).f_globals["__name__"]  # the app's sql.py
        STATEMENTS.append(self)

    @property
    def text(self) -> str:
        vendor = connection.vendor
        if vendor not in self._text:
            names = {name: Names(model, alias) for name, (model, alias) in self.models.items()}
            names.update({slot: texts[vendor].format_map(names)
                          for slot, texts in self.by_database.items()})
            self._text[vendor] = self.template.format_map(names)
        return self._text[vendor]

    def fetchone(self, params):
        with connection.cursor() as cursor:
            cursor.execute(self.text, params)
            return cursor.fetchone()

    def fetchall(self, params):
        with connection.cursor() as cursor:
            cursor.execute(self.text, params)
            return cursor.fetchall()

    def rowcount(self, params) -> int:
        with connection.cursor() as cursor:
            cursor.execute(self.text, params)
            return cursor.rowcount


class RowReader:
    """Whole model rows read by a hand-written query (`{x.every_column}`), built as the ORM
    builds them: the ORM's own database converters and `Model.from_db`, so the instance is the
    one the ORM would have made."""

    def __init__(self, model):
        self.model = model
        self.fields = model._meta.concrete_fields
        self._converters = {}

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
        """The instance for `values` (this model's columns, in `every_column` order)."""
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
