"""Shares at 100,000 members and 2,000,000 ledger rows (PostgreSQL): the share register with
holdings as at a date, and a share interest run for a financial year.

    python -m bench.bench_shares        (or `make bench`)

The members and the ledger are loaded once with COPY into the society `bench-shares` and
reused. Figures:
- holdings_register_p95_ms: the shares app's register page (/s/<slug>/shares/register/), a
  page of 50 members with their holdings per class and amount paid as at a random date,
  through the Django test client as a signed-in secretary with MFA.
- holdings_as_at_p95_ms: shares.queries.holdings_as_at() alone for a page of 50 (what the
  members app's register will call).
- interest_run_100k_s: computing share interest for the year to 31 March 2026 from the
  ledger (services.compute_interest_run: one aggregate query, exact arithmetic, 100,000
  lines written).
- interest_post_100k_s: posting that run, with a fifth of the members reinvesting (ledger
  rows, balances and certificates for each). Both run inside a transaction that is rolled
  back, so the data stay reusable.
"""

import io
import os
import random
import time
import uuid
from datetime import date, timedelta

from bench.bench_members import _secretary as secretary_with_mfa
from bench.support import emit, p95, setup_django

SLUG = "bench-shares"
MEMBERS = int(os.environ.get("BENCH_SHARE_MEMBERS", "100000"))
ROWS_PER_MEMBER = 20
REQUESTS = 100
YEAR_END = date(2026, 3, 31)
LAST_DAY = date(2026, 10, 31)


class Rollback(Exception):
    pass


def _society():
    from decimal import Decimal

    from django_scopes import scope, scopes_disabled

    from shares.models import ShareClass
    from societies.models import Society, StakeholderClass

    with scopes_disabled():
        society, _ = Society.objects.get_or_create(
            slug=SLUG, defaults={"name": "Bench Shares Energy Co-operative"})
    with scope(society=society):
        stakeholder_class, _ = StakeholderClass.objects.get_or_create(society=society,
                                                                      name="Investor members")
        ordinary, _ = ShareClass.objects.get_or_create(
            society=society, name="Ordinary", defaults={
                "nominal_value_pence": 100, "is_qualifying": True, "minimum_holding": 1})
        investor, _ = ShareClass.objects.get_or_create(
            society=society, name="Investor", defaults={
                "nominal_value_pence": 100, "minimum_holding": 0, "withdrawal_notice_days": 90,
                "interest_rate_percent": Decimal("5.5"), "allows_reinvestment": True})
    return society, stakeholder_class, ordinary, investor


def _copy(cursor, statement, lines):
    """COPY text-format lines, in chunks."""
    buffer = io.StringIO()
    with cursor.copy(statement) as copy:
        for count, line in enumerate(lines, start=1):
            buffer.write(line)
            if count % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def _history(rng, member_id, admitted, ordinary_id, investor_id):
    """20 ledger rows for one member: the qualifying share on admission, then investor shares
    bought and withdrawn, never below zero and within the cap."""
    span = (LAST_DAY - admitted).days
    days = sorted(rng.randint(0, span) for _ in range(ROWS_PER_MEMBER - 1))
    rows = [(ordinary_id, "issue", admitted, 1)]
    held = 0
    for offset in days:
        if held >= 250 and rng.random() < 0.25:
            shares = -rng.randint(1, held)
            kind = "withdrawal"
        else:
            shares = rng.choice([50, 100, 250, 500, 1000, 2000])
            kind = "issue"
        held += shares
        rows.append((investor_id, kind, admitted + timedelta(days=offset), shares))
    return rows, held


def _load(society, stakeholder_class, ordinary, investor):
    """COPY the members, their ledgers and balance rows in (once)."""
    from django.db import connection
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from shares.models import ShareTransaction

    with scopes_disabled():
        if ShareTransaction.objects.filter(society=society).count() >= \
                MEMBERS * ROWS_PER_MEMBER:
            return False
        if ShareTransaction.objects.filter(society=society).exists():
            raise RuntimeError(f"{SLUG} is half loaded: drop the omov_bench database and rerun")
    rng = random.Random(2026)
    now = timezone.now().isoformat()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        admitted = {}

        def members():
            for n in range(1, MEMBERS + 1):
                on = date(2005, 1, 3) + timedelta(days=rng.randint(0, 7300))
                admitted[n] = on
                yield (f"{society.pk}\t{uuid.uuid4()}\t{n}\tInvestor {n:06d}\t{n} Mill Lane\t"
                       f"LA12 {n % 9 + 1}AB\tinvestor{n}@bench.example\tNotices\temail\tt\t"
                       f"{now}\t{stakeholder_class.pk}\t\\N\t{on.isoformat()}\t\\N\t\t\t\n")

        _copy(raw, "COPY members_member (society_id, public_id, member_number, full_name, "
                   "address, postcode, email, email_purpose, contact_channel, "
                   "electronic_consent, electronic_consent_at, stakeholder_class_id, "
                   "date_of_birth, admitted_on, ceased_on, cessation_reason, "
                   "cessation_reference, admission_reference) FROM STDIN", members())
        cursor.execute("SELECT member_number, id FROM members_member WHERE society_id = %s",
                       [society.pk])
        ids = dict(cursor.fetchall())
        balances = {}

        def ledger_rows():
            for n in range(1, MEMBERS + 1):
                member_id = ids[n]
                rows, held = _history(rng, member_id, admitted[n], ordinary.pk, investor.pk)
                balances[member_id] = held
                batch = uuid.uuid4()
                for class_id, kind, on, shares in rows:
                    yield (f"{society.pk}\t{uuid.uuid4()}\t{member_id}\t{class_id}\t{kind}\t"
                           f"{on.isoformat()}\t{shares}\t{shares * 100}\t{batch}\t"
                           f"cheque\t{now}\n")

        _copy(raw, "COPY shares_sharetransaction (society_id, public_id, member_id, "
                   "share_class_id, kind, on_date, shares, amount_pence, batch, reference, "
                   "recorded_at) FROM STDIN", ledger_rows())

        def holdings():
            for member_id, held in balances.items():
                yield f"{society.pk}\t{member_id}\t{ordinary.pk}\t1\t100\n"
                yield f"{society.pk}\t{member_id}\t{investor.pk}\t{held}\t{held * 100}\n"

        _copy(raw, "COPY shares_holding (society_id, member_id, share_class_id, shares, "
                   "amount_paid_pence) FROM STDIN", holdings())

        def accounts():
            for member_id, held in balances.items():
                reinvest = "t" if rng.random() < 0.2 else "f"
                yield f"{society.pk}\t{member_id}\t{(held + 1) * 100}\t{reinvest}\n"

        _copy(raw, "COPY shares_shareaccount (society_id, member_id, withdrawable_pence, "
                   "reinvest_interest) FROM STDIN", accounts())
    with connection.cursor() as cursor:
        for table in ("members_member", "shares_sharetransaction", "shares_holding",
                      "shares_shareaccount"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"# loaded {MEMBERS} members and {MEMBERS * ROWS_PER_MEMBER} ledger rows with COPY "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    return True


def _random_date(rng):
    return date(2008, 1, 1) + timedelta(days=rng.randint(0, (LAST_DAY - date(2008, 1, 1)).days))


def _register_pages(society, user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    path = f"/s/{society.slug}/shares/register/"
    rng = random.Random(7)
    params = [{"on": _random_date(rng).isoformat(), "after": rng.randint(0, MEMBERS - 100)}
              for _ in range(REQUESTS + 5)]
    samples = []
    for index, query in enumerate(params):
        started = time.perf_counter()
        response = client.get(path, query)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or b"Amount paid" not in response.content:
            raise RuntimeError(f"{path} {query} -> {response.status_code}")
        if index >= 5:  # the first few warm connections and caches
            samples.append(elapsed)
    return samples


def _holdings_queries(society):
    from django.db import connection
    from django_scopes import scope

    from shares.queries import holdings_as_at

    rng = random.Random(9)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM members_member WHERE society_id = %s ORDER BY id",
                       [society.pk])
        ids = [row[0] for row in cursor.fetchall()]
    samples = []
    with scope(society=society):
        for _ in range(REQUESTS):
            start = rng.randrange(len(ids) - 50)
            page, on = ids[start:start + 50], _random_date(rng)
            started = time.perf_counter()
            holdings_as_at(society, page, on)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def _interest(society, ordinary, investor):
    from django.db import transaction
    from django_scopes import scope

    from shares import services
    from shares.models import InterestRun, InterestRunStatus

    start, end = services.financial_year_ending(society, YEAR_END)
    timings = {}
    with scope(society=society):
        try:
            with transaction.atomic():
                InterestRun.objects.filter(society=society, year_end=end).delete()
                run = InterestRun.objects.create(
                    society=society, period_start=start, year_end=end,
                    status=InterestRunStatus.COMPUTING,
                    rates={str(investor.pk): str(investor.interest_rate_percent)})
                began = time.perf_counter()
                run = services.compute_interest_run(actor=None, run=run)
                timings["compute"] = time.perf_counter() - began
                timings["lines"], timings["gross"] = run.member_count, run.gross_pence
                began = time.perf_counter()
                run = services.post_interest_run(actor=None, run=run,
                                                 on_date=LAST_DAY + timedelta(days=1))
                timings["post"] = time.perf_counter() - began
                timings["reinvested"] = run.reinvested_pence
                raise Rollback
        except Rollback:
            pass
    return timings


def run():
    setup_django()
    from django.conf import settings

    settings.DEBUG = False
    society, stakeholder_class, ordinary, investor = _society()
    _load(society, stakeholder_class, ordinary, investor)
    user = secretary_with_mfa(society)
    emit("holdings_register_p95_ms", p95(_register_pages(society, user)), "ms")
    emit("holdings_as_at_p95_ms", p95(_holdings_queries(society)), "ms")
    timings = _interest(society, ordinary, investor)
    print(f"# interest for the year to {YEAR_END}: {timings['lines']} members, gross "
          f"£{timings['gross'] / 100:,.2f}, reinvested £{timings['reinvested'] / 100:,.2f}",
          flush=True)
    emit("interest_run_100k_s", timings["compute"], "s")
    emit("interest_post_100k_s", timings["post"], "s")


if __name__ == "__main__":
    run()
