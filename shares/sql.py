"""The share ledger's statement still written by hand: the interest run's aggregate of
pence-days. The whole run took 40% longer with the ORM summing per member, class and day and
Python counting the days (docs/performance.md, "Hand-written SQL, re-measured"). The
convention is config/rows.py's: names from the model, values as parameters, the society in the
WHERE (tests/shares/test_shares_sql.py)."""

import json
from datetime import date

from django.db import connection

from config.rows import Statement
from shares import ledger
from shares.models import ShareTransaction

# Per ledger.pence_days: the opening amount counts for every day of the year, and each
# movement within the year for the days from its date to the year end.
PENCE_DAYS = Statement(
    "SELECT {t.member}, {t.share_class},"
    " SUM(CASE WHEN {t.on_date} < %s THEN {t.amount_pence} ELSE 0 END) * %s"
    " + SUM(CASE WHEN {t.on_date} >= %s THEN {t.amount_pence} * {days_to_end} ELSE 0 END)"
    " FROM {t} WHERE {t.society} = %s AND {t.on_date} <= %s AND {t.share_class} {in_classes}"
    " GROUP BY {t.member}, {t.share_class}",
    t=ShareTransaction,
    by_database={
        "days_to_end": {"postgresql": '(%s::date - {t.on_date} + 1)',
                        "sqlite": '(CAST(julianday(%s) - julianday({t.on_date}) AS INTEGER) + 1)'},
        "in_classes": {"postgresql": "= ANY(%s)",
                       "sqlite": "IN (SELECT value FROM json_each(%s))"},
    })


def pence_days_by_member_and_class(society, start: date, end: date, class_ids):
    """(member id, class id, pence-days) over [start, end] for every member who held shares of
    these classes: one pass over the society's ledger, aggregated by the database."""
    class_ids = [int(c) for c in class_ids]
    if not class_ids:
        return []
    classes = class_ids if connection.vendor == "postgresql" else json.dumps(class_ids)
    rows = PENCE_DAYS.fetchall([start, ledger.days_between(start, end), start, end,
                                society.pk, end, classes])
    return [(member_id, class_id, int(total)) for member_id, class_id, total in rows if total]
