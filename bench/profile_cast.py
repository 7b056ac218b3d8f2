"""Profile one casting request end to end, in process, on PostgreSQL.

`python -m bench.profile_cast [N]` builds a small society (the benchmark's data shape), then
POSTs N ballots (default 200) through the Django test client exactly as the benchmark does:
a pre-made database session cookie, the CSRF cookie and token, the real ballot page. It prints
the queries of one request, the mean time per request, and the top of a cProfile by
cumulative time. Not a benchmark: a tool for finding where a request's time goes.
"""

import cProfile
import os
import pstats
import sys
import time

from bench.support import setup_django

PHASES = {}


def _timed(owner, name: str, label: str) -> None:
    """Replace owner.name by a wrapper adding its Python CPU time to PHASES[label]."""
    inner = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            PHASES[label] = PHASES.get(label, 0.0) + time.process_time() - start

    setattr(owner, name, wrapper)


def _time_phases() -> None:
    import django.contrib.auth
    from django.middleware.csrf import CsrfViewMiddleware

    import ballots.views
    import members.middleware
    from accounts.sessions import SessionStore
    from ballots import services

    _timed(SessionStore, "_get_session_from_db", "session row read")
    _timed(django.contrib.auth, "get_user", "user (incl. session)")
    _timed(members.middleware, "society_and_visitor", "society + visitor")
    _timed(CsrfViewMiddleware, "process_view", "csrf check")
    _timed(ballots.views, "_contest", "contest lookup")
    _timed(services, "cast_ballot", "cast_ballot service")
    _timed(services, "canonical_choices", "  of which canonical_choices")
    _timed(ballots.views, "receipt_response", "receipt response")


def main(n: int) -> None:
    os.environ.setdefault("BENCH_DATABASE_URL",
                          "postgres://postgres@127.0.0.1:5432/omov_helper_b_prof")
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import clear_url_caches, path

    import config.urls
    from bench.bench_ballots import CSRF_SECRET, _ceiling_view, _make_society

    config.urls.urlpatterns.append(path("bench/ceiling/", _ceiling_view))
    clear_url_caches()

    society, contest, first, ref, keys, (low, high) = _make_society(2 * n + 2)
    os.environ.update(BENCH_REF_SOCIETY=str(society.pk), BENCH_REF_CONTEST=str(ref.pk),
                      BENCH_REF_LOW=str(low), BENCH_REF_HIGH=str(high))
    target = f"/s/{society.slug}/ballots/contests/{contest.public_id}/"
    body = {"csrfmiddlewaretoken": CSRF_SECRET, f"rank_{first.public_id}": "1"}

    def cast(key):
        client = Client(enforce_csrf_checks=True)
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
        return client.post(target, body)

    with CaptureQueriesContext(connection) as queries:
        response = cast(keys[0])
    print(f"status {response.status_code}, {len(queries)} queries, "
          f"{len(response.content)} bytes")
    for q in queries.captured_queries:
        print(f"  {q['time']}  {q['sql'][:160]}")
    cast(keys[1])  # warm
    _time_phases()
    start, cpu = time.perf_counter(), time.process_time()
    statuses = [cast(key).status_code for key in keys[n + 2:]]
    elapsed, cast_cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{n} casts: {1000 * elapsed / n:.2f} ms per request, {1000 * cast_cpu / n:.2f} ms "
          f"Python CPU (not profiled); statuses {sorted(set(statuses))}")
    for label, seconds in PHASES.items():
        print(f"  {label}: {1000 * seconds / n:.3f} ms")
    ceiling = Client()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        ceiling.post("/bench/ceiling/", {"x": "1"})
    ceiling_ms = 1000 * (time.perf_counter() - start) / n
    ceiling_cpu = time.process_time() - cpu
    print(f"ceiling view: {ceiling_ms:.2f} ms per request, {1000 * ceiling_cpu / n:.2f} ms "
          f"Python CPU; cast/ceiling Python CPU ratio {cast_cpu / ceiling_cpu:.1f}")
    profiler = cProfile.Profile(time.process_time)  # Python CPU, not database waits
    start = time.perf_counter()
    profiler.enable()
    statuses = [cast(key).status_code for key in keys[2:n + 2]]
    profiler.disable()
    elapsed = time.perf_counter() - start
    print(f"{n} casts: {1000 * elapsed / n:.2f} ms per request (profiled); statuses "
          f"{sorted(set(statuses))}")
    if os.environ.get("PROFILE_DUMP"):
        profiler.dump_stats(os.environ["PROFILE_DUMP"])
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(int(os.environ.get("PROFILE_LINES", "45")))
    if os.environ.get("PROFILE_CALLEES"):
        stats.print_callees(os.environ["PROFILE_CALLEES"])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
