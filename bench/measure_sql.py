"""Each hand-written SQL statement against an ORM version of it, in the request that uses it.

`python -m bench.measure_sql [ROUNDS] [CASTS]` builds the casting benchmark's society on
PostgreSQL (BENCH_DATABASE_URL, prepared statements as settings make them), then POSTs ballots
through the Django test client as `bench.profile_cast` does, in interleaved rounds: the code as
it is ("as is"), then with one lookup at a time done by the ORM instead (the session row, the
user, the member-with-society access lookup, the contest lookup, the casting claim, the
ballot insert), then all of them by the ORM. Each round casts CASTS ballots per variant (a new
voter each); the figure is the median time of one ballot POST over all rounds, and its CPU.
MEASURE_SQL_ONLY=session,user limits the one-at-a-time variants; MEASURE_SQL_ALL=0 leaves
out the all-by-ORM one. The claim and insert variants fit the casting code before
ballots/sql.py (commit da4e3a4), where they were measured.

`python -m bench.measure_sql shares [ROUNDS]` does the same for the interest run's ledger
aggregate (`shares.sql.pence_days_by_member_and_class`, read by the run from
`shares.queries`): the whole `compute_interest_run`
on bench_shares' ledger (BENCH_SHARE_MEMBERS members, default 20,000), rolled back each time.

A measuring tool, not a `make bench` figure: its numbers are compared within one run.
"""

import os
import statistics
import sys
import time

from bench.support import setup_django


def _orm_session():
    from django.contrib.sessions.backends import db

    from accounts.sessions import SessionStore

    return SessionStore, "_get_session_from_db", db.SessionStore._get_session_from_db


def _orm_user():
    from django.contrib.auth.backends import ModelBackend

    from accounts.backends import AuthenticationBackend

    return AuthenticationBackend, "get_user", ModelBackend.get_user


def _orm_access():
    import members.sql

    def member_with_society(slug, user_id):
        from django.db.models import Exists, OuterRef

        from members.models import Member
        from societies.models import RoleGrant

        member = (Member.objects.select_related("society")
                  .filter(society__slug=slug, society__is_active=True, user_id=user_id,
                          ceased_on__isnull=True)
                  .annotate(holds_roles=Exists(RoleGrant.objects.filter(
                      society_id=OuterRef("society_id"), user_id=user_id)))
                  .order_by()[:1])
        member = next(iter(member), None)
        return None if member is None else (member, member.holds_roles)

    return members.sql, "member_with_society", member_with_society


def _orm_contest():
    import ballots.views
    from ballots.models import Contest

    def contest(request, public_id):
        from django.core.exceptions import ValidationError
        from django.http import Http404

        try:
            return request.society.contests.select_related("election").get(
                public_id=public_id)
        except (Contest.DoesNotExist, ValidationError):
            raise Http404 from None

    return ballots.views, "_contest", contest


def _claim_by_orm(claim) -> bool:
    from django.db.models import Exists

    from ballots.models import Contest, VoterRollEntry

    day, channel, contest_id, member_id, _, society_id, state, at, _ = claim
    is_open = Contest.objects.filter(pk=contest_id, society_id=society_id, state=state,
                                     voting_opens__lte=at, voting_closes__gt=at)
    return VoterRollEntry.objects.filter(
        Exists(is_open), contest_id=contest_id, member_id=member_id, voted_on__isnull=True,
    ).update(voted_on=day, channel=channel) == 1


def _orm_claim():
    from django.db import connection, transaction

    from ballots import services

    def claim_then_insert(claim, ballot):
        sql, fields = services._insert_sql(type(ballot))
        with transaction.atomic():
            if not _claim_by_orm(claim):
                return False
            with connection.cursor() as cursor:
                cursor.execute(sql, services._values(ballot, fields))
        return True

    return services, "_claim_then_insert", claim_then_insert


def _orm_insert():
    from django.db import connection, transaction

    from ballots import services

    def claim_then_insert(claim, ballot):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(services.CLAIM_ONLINE, claim)
                if cursor.rowcount != 1:
                    return False
            ballot.save(force_insert=True)
        return True

    return services, "_claim_then_insert", claim_then_insert


def _orm_cast():
    from django.db import transaction

    from ballots import services

    def claim_then_insert(claim, ballot):
        with transaction.atomic():
            if not _claim_by_orm(claim):
                return False
            ballot.save(force_insert=True)
        return True

    return services, "_claim_then_insert", claim_then_insert


SWAPS = {
    "session": _orm_session,
    "user": _orm_user,
    "access": _orm_access,
    "contest": _orm_contest,
    "claim": _orm_claim,
    "insert": _orm_insert,
    "cast": _orm_cast,
}


def _swapped(names):
    """Install the ORM versions of `names` (keys of SWAPS, present ones only); return an undo."""
    undo = []
    for name in names:
        if name not in SWAPS:
            continue
        owner, attribute, replacement = SWAPS[name]()
        undo.append((owner, attribute, owner.__dict__[attribute]))
        setattr(owner, attribute, replacement)

    def restore():
        for owner, attribute, original in reversed(undo):
            setattr(owner, attribute, original)

    return restore


def casting(rounds: int, casts: int) -> None:
    os.environ.setdefault("BENCH_DATABASE_URL",
                          "postgres://postgres@127.0.0.1:5432/omov_measure_sql")
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from bench.bench_ballots import CSRF_SECRET, _make_society

    only = [n for n in os.environ.get("MEASURE_SQL_ONLY", "").split(",") if n]
    variants = [("as is", [])] + [(f"{n} by ORM", [n]) for n in SWAPS if not only or n in only]
    if os.environ.get("MEASURE_SQL_ALL", "1") == "1":
        variants.append(("all by ORM", [n for n in SWAPS if n not in ("claim", "insert")]))
    needed = rounds * len(variants) * (casts + 5) + 20
    society, contest, first, _ref, keys, _bounds = _make_society(needed)
    keys = iter(keys)
    target = f"/s/{society.slug}/ballots/contests/{contest.public_id}/"
    body = {"csrfmiddlewaretoken": CSRF_SECRET, f"rank_{first.public_id}": "1"}

    def cast():
        client = Client(enforce_csrf_checks=True)
        client.cookies[settings.SESSION_COOKIE_NAME] = next(keys)
        client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
        start, cpu = time.perf_counter(), time.process_time()
        response = client.post(target, body)
        assert response.status_code == 200, response.status_code
        return time.perf_counter() - start, time.process_time() - cpu

    print(f"database {connection.settings_dict['NAME']}, options "
          f"{connection.settings_dict['OPTIONS']}", flush=True)
    for _ in range(10):  # warm: templates, candidates, prepared statements
        cast()
    walls = {label: [] for label, _ in variants}
    cpus = {label: [] for label, _ in variants}
    for number in range(rounds):
        for label, names in variants:
            restore = _swapped(names)
            try:
                for _ in range(5):  # this variant's statements reach the prepare threshold
                    cast()
                for _ in range(casts):
                    wall, cpu = cast()
                    walls[label].append(wall)
                    cpus[label].append(cpu)
            finally:
                restore()
        print(f"round {number + 1}/{rounds} done", flush=True)
    base = statistics.median(walls["as is"])
    print(f"\n{'variant':<18} {'median ms':>10} {'CPU ms':>8} {'vs as is':>10} "
          f"{'share of ORM request':>22}")
    for label, _ in variants:
        wall = statistics.median(walls[label])
        cpu = statistics.median(cpus[label])
        print(f"{label:<18} {1000 * wall:>10.3f} {1000 * cpu:>8.3f} "
              f"{1000 * (wall - base):>+9.3f} {100 * (wall - base) / wall:>21.1f}%")


def _pence_days_by_orm(society, start, end, class_ids):
    """The interest aggregate by the ORM: the database sums per (member, class) before the
    year and per (member, class, day) within it; the days are counted here."""
    from django.db.models import Sum

    from shares import ledger
    from shares.models import ShareTransaction

    rows = ShareTransaction.objects.filter(society=society, on_date__lte=end,
                                           share_class_id__in=list(class_ids)).order_by()
    days = ledger.days_between(start, end)
    totals: dict = {}
    for member_id, class_id, amount in (rows.filter(on_date__lt=start)
                                        .values_list("member_id", "share_class_id")
                                        .annotate(Sum("amount_pence"))):
        totals[member_id, class_id] = totals.get((member_id, class_id), 0) + amount * days
    for member_id, class_id, on_date, amount in (
            rows.filter(on_date__gte=start)
            .values_list("member_id", "share_class_id", "on_date")
            .annotate(Sum("amount_pence"))):
        key = member_id, class_id
        totals[key] = totals.get(key, 0) + amount * ledger.days_between(on_date, end)
    return [(m, c, int(total)) for (m, c), total in totals.items() if total]


def shares(rounds: int) -> None:
    os.environ.setdefault("BENCH_DATABASE_URL",
                          "postgres://postgres@127.0.0.1:5432/omov_measure_sql")
    os.environ.setdefault("BENCH_SHARE_MEMBERS", "20000")
    setup_django()
    from django.conf import settings

    import shares.queries
    from bench import bench_shares

    settings.DEBUG = False
    society, stakeholder_class, ordinary, investor = bench_shares._society()
    bench_shares._load(society, stakeholder_class, ordinary, investor)
    hand = shares.queries.pence_days_by_member_and_class
    start, end = __import__("shares.services", fromlist=["x"]).financial_year_ending(
        society, bench_shares.YEAR_END)
    with __import__("django_scopes").scope(society=society):
        same = sorted(hand(society, start, end, [investor.pk])) == sorted(
            _pence_days_by_orm(society, start, end, [investor.pk]))
    print(f"ORM version gives the same rows: {same}", flush=True)
    times = {"as is": [], "by ORM": []}
    bench_shares._interest(society, ordinary, investor)  # warm
    for _ in range(rounds):
        for label, function in (("as is", hand), ("by ORM", _pence_days_by_orm)):
            shares.queries.pence_days_by_member_and_class = function
            try:
                times[label].append(bench_shares._interest(society, ordinary, investor)[
                    "compute"])
            finally:
                shares.queries.pence_days_by_member_and_class = hand
    base = statistics.median(times["as is"])
    for label, samples in times.items():
        wall = statistics.median(samples)
        print(f"compute_interest_run {label}: median {1000 * wall:.1f} ms "
              f"({', '.join(f'{1000 * s:.0f}' for s in samples)}); "
              f"{100 * (wall - base) / wall:+.1f}% of the ORM run's time")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "shares":
        shares(int(args[1]) if len(args) > 1 else 5)
    else:
        casting(int(args[0]) if args else 5, int(args[1]) if len(args) > 1 else 100)
