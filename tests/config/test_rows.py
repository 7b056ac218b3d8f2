"""The one convention for hand-written SQL (config/rows.py): every app's statements live in its
`sql.py`, take their names from the models and name the society in their WHERE."""

import importlib
from pathlib import Path

import pytest
from django.core.exceptions import FieldDoesNotExist

from config.rows import STATEMENTS, Names

ROOT = Path(__file__).resolve().parents[2]
SQL_MODULES = sorted(p.parent.name for p in ROOT.glob("*/sql.py"))


def test_hand_written_sql_lives_in_the_apps_sql_modules_only():
    assert SQL_MODULES  # ballots at least
    for module in SQL_MODULES:
        importlib.import_module(f"{module}.sql")
    owners = {statement.module for statement in STATEMENTS}
    assert owners <= {f"{module}.sql" for module in SQL_MODULES}


@pytest.mark.parametrize("module", SQL_MODULES)
def test_every_statement_names_the_society(module, db):
    importlib.import_module(f"{module}.sql")
    statements = [s for s in STATEMENTS if s.module == f"{module}.sql"]
    assert statements
    for statement in statements:
        where = statement.text.split("WHERE", 1)[1]
        assert "society_id" in where or statement.no_society, statement.template


def test_names_come_from_the_model(db):
    from ballots.models import Contest

    assert str(Names(Contest)) == '"ballots_contest"'
    assert Names(Contest, "c").society == 'c."society_id"'
    assert Names(Contest).pk == '"id"'
    every = Names(Contest).every_column.split(", ")
    assert every == [f'"{f.column}"' for f in Contest._meta.concrete_fields]
    with pytest.raises(FieldDoesNotExist):
        _ = Names(Contest).no_such_field
