"""Voting codes benchmark: opening a poll for a roll of 100,000 members.

    python -m bench.bench_voting_codes        (or `make bench`)

Prints `codes_issue_100k_s`: `open_voting` for a resolution whose roll is 100,000 members —
the roll frozen, a voting code made for each entry (ballots/codes.py) and the "Voting is
open" message, code included, written to the outbox for each member (seven in ten by
email, the rest by post), in one transaction, commit included — and `codes_issue_peak_mb`
(the process's peak resident memory during it). Aim (issue 16): under 60 s. The sending of
the emails is measured by bench_notifications (`smtp_send_per_s`). Runs on PostgreSQL
(bench.support); its rows are removed.
"""

import time
from datetime import timedelta

from bench.bench_notifications import (
    MEMBERS,
    _make_society,
    _peak_rss_since_reset_mb,
    _reset_peak_rss,
)
from bench.support import emit, setup_django


def _resolution(society):
    from django.utils import timezone
    from django_scopes import scope

    from ballots import services

    now = timezone.now()
    with scope(society=society):
        election = services.create_election(actor=None, society=society,
                                            title="Annual general meeting 2027")
        return services.create_contest(actor=None, election=election, values={
            "title": "Accounts", "method": "resolution", "seats": 1,
            "resolution_text": "That the accounts for 2026 be received.",
            "resolution_kind": "ordinary", "record_date": timezone.localdate(),
            "voting_opens": now - timedelta(minutes=1),
            "voting_closes": now + timedelta(days=14),
        })


# The bench's rows, children first.
CLEANUP = [
    "DELETE FROM ballots_voterrollentry WHERE society_id = %(id)s",
    "DELETE FROM societies_auditentry WHERE society_id = %(id)s",
    "DELETE FROM notifications_message WHERE society_id = %(id)s",
    "DELETE FROM notifications_notice WHERE society_id = %(id)s",
    "DELETE FROM ballots_contestreminder WHERE contest_id IN "
    "(SELECT id FROM ballots_contest WHERE society_id = %(id)s)",
    "DELETE FROM ballots_contest_stakeholder_classes WHERE contest_id IN "
    "(SELECT id FROM ballots_contest WHERE society_id = %(id)s)",
    "DELETE FROM ballots_contest WHERE society_id = %(id)s",
    "DELETE FROM ballots_election WHERE society_id = %(id)s",
    "DELETE FROM members_member WHERE society_id = %(id)s",
    "DELETE FROM societies_stakeholderclass WHERE society_id = %(id)s",
    "DELETE FROM societies_society WHERE id = %(id)s",
]


def _cleanup(society) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in CLEANUP:
            cursor.execute(statement, {"id": society.pk})


def run() -> None:
    setup_django()
    from django.db import connection
    from django_scopes import scope

    from ballots import services
    from config.celery import app as celery_app

    # The commit queues the notice's dispatch task: publish it to an in-memory broker, not
    # run it here (the sending is bench_notifications' `smtp_send_per_s`).
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://"
    society = _make_society()
    with connection.cursor() as cursor:
        # A society's members are there long before a poll opens, and analysed by then.
        cursor.execute("ANALYZE members_member")
    try:
        contest = _resolution(society)
        measured = _reset_peak_rss()
        started = time.perf_counter()
        with scope(society=society):
            opened = services.open_voting(actor=None, contest=contest)
        elapsed = time.perf_counter() - started
        peak = _peak_rss_since_reset_mb() if measured else float("nan")
        with scope(society=society):
            contest.refresh_from_db()
            issued = contest.roll.exclude(voting_code="").count()
        assert opened and issued == MEMBERS, (opened, issued)
        emit("codes_issue_100k_s", elapsed, "s")
        emit("codes_issue_peak_mb", peak, "MB")
    finally:
        _cleanup(society)


if __name__ == "__main__":
    run()
