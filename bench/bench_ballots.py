"""Casting and counting benchmark on PostgreSQL, served by gunicorn on loopback.

Casting: authenticated members (database sessions, CSRF) POST their ballot to the real ballot
page, which runs the full casting service (claim the roll entry, then insert the ballot, in
one transaction) and renders the receipt in the response (200). wrk drives it for 30 s at 16
and at 64 connections; every request is a different member, so each one is a real first vote.
Two references are measured in the same run: a bare Django view (no auth, no session) doing
the claim-and-insert transaction, served the same way (the framework ceiling), and the raw
rate of that transaction with pgbench.

Before the measured runs a 5 s warm-up at 16 connections (its own voters, not counted in the
rates) lets each server thread open its database connection and fill its caches. Each run
starts from the same state: the earlier runs' voters and ballots are removed and the tables
analyzed once, and before each measured run the casting tables are vacuumed and a checkpoint
taken, so no autovacuum or checkpoint left by one run lands in the next.

BENCH_PROFILE=prefix profiles every cast request in the server (cProfile, written to
prefix.<pid> every 1,000 requests; its figures are not the benchmark's).

Server: gunicorn gthread, 2 workers x 4 threads (BENCH_WORKERS, BENCH_THREADS to try others),
127.0.0.1, persistent connections (CONN_MAX_AGE=600). wrk is installed with apt-get when
missing. BENCH_CAST_SECONDS (default 30) shortens the wrk runs while iterating.

Counting: 1,000,000 ballots (the synthetic STV profile of bench_counting) stored with COPY,
then the count service: GROUP BY in SQL, build the engine's election, count (Meek), hash the
ballot set, store the result.

Figures: cast_per_s_16, cast_p99_ms_16, cast_p50_ms_16, cast_per_s_64, cast_p99_ms_64,
cast_p50_ms_64, cast_ok_responses and cast_ballots_stored (these must match, give or take the
requests in flight when wrk stops: wrk counts a 3xx as a success), cast_ceiling_per_s_64,
cast_ceiling_p99_ms_64, cast_vs_ceiling_64_pct, cast_server_cpu_ms_64 and
cast_ceiling_server_cpu_ms_64 (CPU the gunicorn processes spent per request: steadier than
rates when the machine is shared), pgbench_cast_tps_64, count_1m_from_db_s. Run alone with
`python -m bench ballots`; `python -m bench.profile_cast` shows where one cast's time goes.
"""

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.support import emit, setup_django

DURATION = int(os.environ.get("BENCH_CAST_SECONDS", "30"))
VOTERS_PER_RUN = 60_000  # at 2,000 votes/s a 30 s run uses every one
WARM_UP_SECONDS = 5
WARM_UP_VOTERS = 8_000
CSRF_SECRET = "b" * 32
ROOT = Path(__file__).resolve().parent.parent


# The server side: the app gunicorn loads, with the ceiling view added.


def wsgi_app():
    """gunicorn 'bench.bench_ballots:wsgi_app()': the project plus /bench/ceiling/."""
    from django.core.wsgi import get_wsgi_application
    from django.urls import path

    application = get_wsgi_application()
    import config.urls

    config.urls.urlpatterns.append(path("bench/ceiling/", _ceiling_view))
    if os.environ.get("BENCH_PROFILE"):
        return _profiled(application, os.environ["BENCH_PROFILE"])
    return application


def _profiled(application, prefix: str):
    """The app with every request's Python CPU profiled (BENCH_PROFILE=prefix): each worker
    writes prefix.<pid> every 1,000 requests. For finding where a request's time goes under
    load; the figures of a profiled run are not the benchmark's."""
    import cProfile

    profiler = cProfile.Profile(time.process_time)
    served = [0]

    def app(environ, start_response):
        if not environ["PATH_INFO"].startswith("/s/"):  # the votes, not the ceiling
            return application(environ, start_response)
        profiler.enable()
        try:
            return application(environ, start_response)
        finally:
            profiler.disable()
            served[0] += 1
            if served[0] % 1000 == 0:
                profiler.dump_stats(f"{prefix}.{os.getpid()}")

    return app


def _ceiling_view(request):
    """The same transaction as casting, with no authentication, session or checks."""
    import random

    from django.db import transaction
    from django.http import HttpResponse
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from ballots.models import CastBallot, VoterRollEntry

    low, high = int(os.environ["BENCH_REF_LOW"]), int(os.environ["BENCH_REF_HIGH"])
    with scopes_disabled(), transaction.atomic():
        VoterRollEntry.objects.filter(pk=random.randint(low, high), voted_on__isnull=True).update(
            voted_on=timezone.localdate(), channel="online")
        CastBallot.objects.create(society_id=int(os.environ["BENCH_REF_SOCIETY"]),
                                  contest_id=int(os.environ["BENCH_REF_CONTEST"]), choices="1")
    return HttpResponse("ok")


_ceiling_view.csrf_exempt = True


# Data

EARLIER_RUNS = [
    # Rows of the casting runs' societies, children first (this is the bench database).
    "TRUNCATE ballots_castballot",
    "DELETE FROM ballots_voterrollentry WHERE society_id = ANY(%(ids)s)",
    "DELETE FROM societies_auditentry WHERE society_id = ANY(%(ids)s)",
    "DELETE FROM ballots_candidate WHERE society_id = ANY(%(ids)s)",
    "DELETE FROM ballots_contest WHERE society_id = ANY(%(ids)s)",
    "DELETE FROM ballots_election WHERE society_id = ANY(%(ids)s)",
    "DELETE FROM members_member WHERE society_id = ANY(%(ids)s)",
    "DELETE FROM societies_stakeholderclass WHERE society_id = ANY(%(ids)s)",
    "DELETE FROM societies_society WHERE id = ANY(%(ids)s)",
    "DELETE FROM accounts_user WHERE email LIKE 'v%%@bench.test'",
    "DELETE FROM django_session",
]


def _settle() -> None:
    """Start each measured run from the same state: the previous run's dead roll-entry rows
    vacuumed and its writes checkpointed, rather than autovacuum or a checkpoint landing in
    whichever run comes next."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) ballots_voterrollentry, ballots_castballot, "
                       "societies_auditentry")
        cursor.execute("CHECKPOINT")


def _check_first_votes(figures: dict, voters: int, run: str) -> None:
    """wrk starts again at the first voter when it has used them all, and a second vote is
    not a vote: a run that got that far measured something else."""
    if figures["requests"] > voters:
        raise RuntimeError(f"{run}: {figures['requests']} requests for {voters} voters; "
                           "raise VOTERS_PER_RUN or WARM_UP_VOTERS")


def _remove_earlier_runs() -> None:
    """Each run makes a society of 128,000 voters; left in place, every run would measure a
    bigger database than the one before."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT id FROM societies_society WHERE slug LIKE 'bench-ballots-%%'")
        ids = [row[0] for row in cursor.fetchall()]
        for statement in EARLIER_RUNS:
            cursor.execute(statement, {"ids": ids})


def _make_society(n_members: int):
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db.models import Max, Min
    from django.utils import timezone
    from django_scopes import scope, scopes_disabled

    from accounts.models import User
    from ballots.models import Candidate, Contest, Election, VoterRollEntry
    from members.models import Member
    from societies.models import Society, StakeholderClass

    stamp = f"{int(time.time())}"
    with scopes_disabled():
        society = Society.objects.create(slug=f"bench-ballots-{stamp}", name="Bench Ballots",
                                         registered_office="1 High Street")
    with scope(society=society):
        cls = StakeholderClass.objects.create(society=society, name="Member")
        password = make_password("bench-password-not-secret")
        users = User.objects.bulk_create(
            [User(email=f"v{i}-{stamp}@bench.test", full_name=f"Voter {i}", password=password)
             for i in range(n_members)], batch_size=5000)
        members = Member.objects.bulk_create(
            [Member(society=society, member_number=i + 1, user=u, full_name=u.full_name,
                    stakeholder_class=cls, admitted_on=timezone.localdate() - timedelta(days=30))
             for i, u in enumerate(users)], batch_size=5000)
        now = timezone.now()
        election = Election.objects.create(society=society, title="Bench election")
        contests = []
        for title in ("Cast", "Reference"):
            contest = Contest.objects.create(
                society=society, election=election, title=title, method="ers97", seats=1,
                record_date=timezone.localdate(), voting_opens=now - timedelta(hours=1),
                voting_closes=now + timedelta(days=1), state="open", roll_size=n_members)
            for number, member in enumerate(members[:3], start=1):
                Candidate.objects.create(society=society, contest=contest, member=member,
                                         number=number, consented_at=now)
            VoterRollEntry.objects.bulk_create(
                [VoterRollEntry(society=society, contest=contest, member=m) for m in members],
                batch_size=5000)
            contests.append(contest)
        auth_hash = users[0].get_session_auth_hash()
        backend = settings.AUTHENTICATION_BACKENDS[0]  # what signing in records
        keys = []
        sessions = []
        store = SessionStore()
        for u in users:
            key = secrets.token_hex(16)
            data = store.encode({"_auth_user_id": str(u.pk), "_auth_user_backend": backend,
                                 "_auth_user_hash": auth_hash})
            sessions.append(Session(session_key=key, session_data=data,
                                    expire_date=now + timedelta(days=1)))
            keys.append(key)
        Session.objects.bulk_create(sessions, batch_size=5000)
        first = contests[0].candidates.get(number=1)
        ref = contests[1]
        bounds = VoterRollEntry.objects.filter(contest=ref).aggregate(low=Min("pk"),
                                                                      high=Max("pk"))
        low, high = bounds["low"], bounds["high"]
    return society, contests[0], first, ref, keys, (low, high)


# Load generation


def _ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk")


LUA = r"""
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  nthreads = tonumber(args[2])
  keys = {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % nthreads == tid then table.insert(keys, line) end
    i = i + 1
  end
  at = 0
  body = args[3]
  cookie_names = args[4]
end
function request()
  at = at + 1
  if at > #keys then at = 1 end
  local headers = {}
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["Cookie"] = string.format(cookie_names, keys[at])
  return wrk.format("POST", nil, headers, body)
end
"""


def _parse_wrk(output: str, seconds: float) -> dict:
    def ms(text):
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    ok = requests - (int(non_ok.group(1)) if non_ok else 0)
    return {
        "ok_per_s": ok / seconds,
        # Anchored to the line: "62.50%" on the Req/Sec line must not read as the median.
        "p50": ms(re.search(r"^\s*50%\s+(\S+)", output, re.MULTILINE).group(1)),
        "p99": ms(re.search(r"^\s*99%\s+(\S+)", output, re.MULTILINE).group(1)),
        "requests": requests, "ok": ok, "errors": errors.group(1) if errors else "",
    }


def _wrk(wrk, url, connections, lua_args, seconds=DURATION, server_pid=None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    threads = 2
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "--timeout", "10s", "-s", script.name, url, "--", lua_args[0], str(threads),
               *lua_args[1:]]
    cpu_before = _server_cpu_seconds(server_pid) if server_pid else 0.0
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    os.unlink(script.name)
    try:
        figures = _parse_wrk(result.stdout, seconds)
    except (AttributeError, ValueError) as error:
        raise RuntimeError(f"could not read wrk's output for {url}:\n{result.stdout}") from error
    if server_pid:
        cpu = _server_cpu_seconds(server_pid) - cpu_before
        figures["server_cpu_ms"] = 1000 * cpu / max(figures["requests"], 1)
    return figures


def _server_cpu_seconds(master_pid: int) -> float:
    """User + system CPU time used so far by the gunicorn master and its workers (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if master_pid in (pid, ppid):
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_gunicorn(port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.bench_ballots:wsgi_app()", "-k", "gthread",
         "-w", os.environ.get("BENCH_WORKERS", "2"), "--threads",
         os.environ.get("BENCH_THREADS", "4"), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start: " + process.stderr.read().decode())


def _pgbench(url: str, society, ref, low, high, clients=64, seconds=15) -> float:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    script = (
        "\\set id random(:low, :high)\n"
        "BEGIN;\n"
        "UPDATE ballots_voterrollentry SET voted_on = current_date, channel = 'online' "
        "WHERE id = :id AND voted_on IS NULL;\n"
        "INSERT INTO ballots_castballot (id, society_id, contest_id, receipt, choices) VALUES "
        "(gen_random_uuid(), :soc, :contest, substr(md5(random()::text || clock_timestamp()), "
        "1, 19), '1');\n"
        "END;\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    command = ["pgbench", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432),
               "-U", parsed.username or "postgres", "-n", "-c", str(clients), "-j", "2",
               "-T", str(seconds), "-f", f.name, "-D", f"low={low}", "-D", f"high={high}",
               "-D", f"soc={society.pk}", "-D", f"contest={ref.pk}", parsed.path.lstrip("/")]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def _casting(url: str) -> None:
    from django.conf import settings
    from django.db import connection
    from django_scopes import scope

    from ballots.models import CastBallot

    _remove_earlier_runs()
    society, contest, first, ref, keys, (low, high) = _make_society(
        2 * VOTERS_PER_RUN + WARM_UP_VOTERS)
    with connection.cursor() as cursor:
        # As autovacuum would within the minute: plan the votes on the tables as they are.
        cursor.execute("ANALYZE")
    wrk = _ensure_wrk()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "CONN_MAX_AGE": "600", "DEBUG": "0",
           "BENCH_REF_SOCIETY": str(society.pk), "BENCH_REF_CONTEST": str(ref.pk),
           "BENCH_REF_LOW": str(low), "BENCH_REF_HIGH": str(high)}
    env.pop("REDIS_URL", None)
    server = _start_gunicorn(port, env)
    base = f"http://127.0.0.1:{port}"
    cookies = f"{settings.SESSION_COOKIE_NAME}=%s; {settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"
    body = f"csrfmiddlewaretoken={CSRF_SECRET}&rank_{first.public_id}=1"
    target = f"{base}/s/{society.slug}/ballots/contests/{contest.public_id}/"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # Not counted: each server thread's first requests open its database connection
            # and fill the process's caches (templates, URL resolver, candidate list).
            path = Path(tmp) / "warm_up.txt"
            path.write_text("\n".join(keys[2 * VOTERS_PER_RUN:]) + "\n")
            warm_up = _wrk(wrk, target, 16, [str(path), body, cookies],
                           seconds=WARM_UP_SECONDS)
            _check_first_votes(warm_up, WARM_UP_VOTERS, "the warm-up")
            runs = {}
            for n, (clients, part) in enumerate(((16, keys[:VOTERS_PER_RUN]),
                                                 (64, keys[VOTERS_PER_RUN:2 * VOTERS_PER_RUN]))):
                path = Path(tmp) / f"keys{n}.txt"
                path.write_text("\n".join(part) + "\n")
                _settle()
                runs[clients] = _wrk(wrk, target, clients, [str(path), body, cookies],
                                     server_pid=server.pid)
                _check_first_votes(runs[clients], len(part), f"{clients} clients")
            _settle()
            ceiling = _wrk(wrk, f"{base}/bench/ceiling/", 64, [str(path), "x=1", "a=%s"],
                           server_pid=server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    with scope(society=society):
        stored = CastBallot.objects.filter(contest=contest).count()
    for clients, figures in runs.items():
        emit(f"cast_per_s_{clients}", figures["ok_per_s"], "votes/s")
        emit(f"cast_p50_ms_{clients}", figures["p50"], "ms")
        emit(f"cast_p99_ms_{clients}", figures["p99"], "ms")
    # wrk counts 3xx as success: the ballots stored must match (plus the few requests still
    # in flight when wrk stopped counting), or the "votes" were redirects or errors.
    emit("cast_ok_responses", warm_up["ok"] + sum(figures["ok"] for figures in runs.values()),
         "responses")
    emit("cast_ballots_stored", stored, "ballots")
    emit("cast_ceiling_per_s_64", ceiling["ok_per_s"], "req/s")
    emit("cast_ceiling_p99_ms_64", ceiling["p99"], "ms")
    emit("cast_vs_ceiling_64_pct", 100.0 * runs[64]["ok_per_s"] / ceiling["ok_per_s"], "%")
    # CPU the app server spent per request: steadier than rates on a shared machine.
    emit("cast_server_cpu_ms_64", runs[64]["server_cpu_ms"], "ms/request")
    emit("cast_ceiling_server_cpu_ms_64", ceiling["server_cpu_ms"], "ms/request")
    emit("pgbench_cast_tps_64", _pgbench(url, society, ref, low, high), "tx/s")


def _counting() -> None:
    from django.db import connection
    from django.utils import timezone
    from django_scopes import scope

    from ballots.models import Candidate, Contest
    from ballots.services import count_contest
    from counting.synthetic import synthetic_election

    society, contest, *_ = _make_society(15)
    election = synthetic_election(ballots=1_000_000, candidates=15, seats=5)
    with scope(society=society):
        Contest.objects.filter(pk=contest.pk).update(method="meek", seats=5, state="closed")
        members = list(society.members.order_by("member_number"))
        for number, member in enumerate(members, start=1):
            Candidate.objects.update_or_create(
                society=society, contest=contest, member=member,
                defaults={"number": number, "consented_at": timezone.now()})
        contest.refresh_from_db()
    with connection.cursor() as cursor:
        with cursor.copy("COPY ballots_castballot (id, society_id, contest_id, receipt, "
                         "choices) FROM STDIN") as copy:
            for prefs, weight in election.ballots.items():
                text = ",".join(str(c + 1) for c in prefs)
                for _ in range(weight):
                    raw = secrets.token_hex(8).upper()
                    copy.write_row((secrets.token_hex(16), society.pk, contest.pk,
                                    f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:]}", text))
        cursor.execute("ANALYZE ballots_castballot")
    start = time.perf_counter()
    with scope(society=society):
        counted = count_contest(actor=None, contest=contest)
    elapsed = time.perf_counter() - start
    assert counted.ballots_counted == 1_000_000, counted.count_error
    emit("count_1m_from_db_s", elapsed, "s")


def run() -> None:
    setup_django()
    url = os.environ["DATABASE_URL"]
    _casting(url)
    _counting()


if __name__ == "__main__":
    run()
