"""Contests whose online ballots go into a ballot box (ballots/boxed.py), end to end.

    python -m bench ballotbox_contests      (or `make bench`; needs belenios-tool 2.0)

PostgreSQL (the production database; bench.support's BENCH_DATABASE_URL) and Celery tasks run
eagerly in this process (REDIS_URL is ignored here), so the close, the box's steps and the
count follow one another as the worker would run them.

**Casting** (as bench_ballots: gunicorn gthread on loopback, wrk, signed-in members with a
database session and CSRF, each request a different member's first vote): one election with
two 10-candidate STV contests (ERS97, 3 seats), one with a 2-of-3 ballot box (trustees' keys
kept on the server) and one without. Each voter ranks three candidates. The box's roll gets
its credentials from the real `open_voting`; its votes are encrypted by belenios-tool in
the web process (election and credential checked), then stored (`services.cast_ballot`).
Both contests are measured in the same run at 16 connections for BENCH_BOX_CAST_SECONDS
(default 30) after a 5 s warm-up of their own voters; the box's contest again with 1 and 4
gunicorn workers (4 threads each) to show how it scales with web processes. Figures:
cast_encrypted_per_s_16, cast_encrypted_p50_ms_16, cast_encrypted_p99_ms_16,
cast_encrypted_server_cpu_ms_16 (CPU of the gunicorn processes per vote, Python and
database driver), cast_encrypted_tool_cpu_ms_16 (CPU of the belenios-tool processes they
ran, per vote), cast_encrypted_ok_responses and cast_encrypted_ballots_stored (must match,
give or take the requests in flight when wrk stops), cast_encrypted_per_s_16_w1/_w4 (and
p99), cast_plain_per_s_16_same_run, cast_plain_p99_ms_16_same_run,
cast_plain_server_cpu_ms_16_same_run.

**Close to result**: an STV contest (10 candidates, 3 seats) of 1,000 members who all voted
online, with a 2-of-3 box whose trustees' keys are kept on the server. The ballots are
encrypted with each roll entry's credential by `belenios.encrypt_ballot` in a process pool
and inserted in bulk (casting is not measured here); rankings are random from a fixed seed.
Then, timed: `close_voting` (the close, then the record assembled and the encrypted tally,
queued on commit), two shuffles and the end of shuffles, two partial decryptions (made on
the server for server-kept trustees, so not checked again on arrival), the result (queued
by the second) and our count of the decrypted ballots (queued by the result's signal).
Figures: close_to_result_1k_s and its steps close_to_result_1k_tally_s, _shuffle_s,
_decrypt_s, _result_s, _count_s, each with `_tool_cpu_s` (CPU of the tool's processes);
verify_1k_s (`ballotbox.services.verify` on the final record). With BENCH_BOX_10K=1 the
same for 10,000 (about an hour on 2 cores).
The count is checked: the contest is counted, from every ballot, and its ballots are the
ones encrypted.

BENCH_BOX_ONLY=cast or close runs one half (10k: only the 10,000, with BENCH_BOX_10K=1).
The rows each run makes stay in the database (a society `bench-boxcontests-…` per run;
its boxes are a few tens of MB at 1,000).
"""

import logging
import os
import random
import secrets
import signal
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from unittest import mock

from bench.support import emit, setup_django

CAST_SECONDS = int(os.environ.get("BENCH_BOX_CAST_SECONDS", "30"))
CANDIDATES = 10
SEATS = 3
SEED = 20261207
# Voters per measured run: far more than 16 connections cast in CAST_SECONDS at the
# encrypted path's few votes a second, and than the plain path's ~1,000 votes/s.
BOX_VOTERS_PER_RUN = 50 * CAST_SECONDS
BOX_WARM_UP = 300  # 100 for each server's warm-up
PLAIN_VOTERS = 1_500 * CAST_SECONDS
PLAIN_WARM_UP = 8_000
WARM_UP_SECONDS = 5
SCALING_WORKERS = (1, 4)


# Members, contests and boxes


def _society(tag: str):
    from django_scopes import scopes_disabled

    from societies.models import Society

    with scopes_disabled():
        return Society.objects.create(slug=f"bench-boxcontests-{tag}-{int(time.time())}",
                                      name="Bench Ballot Box Contests",
                                      registered_office="1 High Street")


def _members(society, cls, count: int, stamp: str):
    """`count` members of class `cls`, each with a user (for the sessions)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from members.models import Member

    password = make_password("bench-password-not-secret")
    users = User.objects.bulk_create(
        [User(email=f"b{i}-{cls.pk}-{stamp}@boxbench.test", full_name=f"Voter {i}",
              password=password) for i in range(count)], batch_size=5000)
    start = society.members.count() + 1
    return Member.objects.bulk_create(
        [Member(society=society, member_number=start + i, user=u, full_name=u.full_name,
                stakeholder_class=cls, admitted_on=timezone.localdate() - timedelta(days=30))
         for i, u in enumerate(users)], batch_size=5000)


def _contest(society, election, cls, title: str, standing):
    """A draft 10-candidate STV contest whose roll is the class `cls`."""
    from django.utils import timezone

    from ballots.models import Candidate, Contest

    now = timezone.now()
    contest = Contest.objects.create(
        society=society, election=election, title=title, method="ers97", seats=SEATS,
        record_date=timezone.localdate(), voting_opens=now - timedelta(hours=1),
        voting_closes=now + timedelta(days=1), seed="bench-boxcontests")  # for any lot
    contest.stakeholder_classes.set([cls])
    for number, member in enumerate(standing, start=1):
        Candidate.objects.create(society=society, contest=contest, member=member,
                                 number=number, consented_at=now)
    return contest


def _box(contest):
    from ballotbox.models import Keeping
    from ballots import boxed

    return boxed.set_up_box(actor=None, contest=contest, threshold=2, trustees=[
        boxed.TrusteeSpec("Returning Officer", Keeping.SERVER),
        boxed.TrusteeSpec("Scrutineer One", Keeping.SERVER),
        boxed.TrusteeSpec("Scrutineer Two", Keeping.SERVER)], server_decrypts=True)


def _open(contest):
    """The real opening (roll frozen, the box's credentials made), without the notices to
    the roll, which are not what is measured."""
    from ballots import services
    from ballots.services import voting

    with mock.patch.object(voting, "notify_roll", return_value=0):
        services.open_voting(actor=None, contest=contest)
    contest.refresh_from_db()
    return contest


def _sessions(users) -> list[str]:
    """A signed-in session per user, as signing in makes (bench_ballots does the same)."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    backend = settings.AUTHENTICATION_BACKENDS[0]
    store = SessionStore()
    expire = timezone.now() + timedelta(days=1)
    rows, keys = [], []
    for u in users:
        key = secrets.token_hex(16)
        rows.append(Session(session_key=key, expire_date=expire, session_data=store.encode(
            {"_auth_user_id": str(u.pk), "_auth_user_backend": backend,
             "_auth_user_hash": u.get_session_auth_hash()})))
        keys.append(key)
    Session.objects.bulk_create(rows, batch_size=5000)
    return keys


# Timing


def _tool_cpu() -> float:
    """CPU seconds of this process's finished children: the belenios-tool runs."""
    times = os.times()
    return times.children_user + times.children_system


class _Clock:
    """Wall-clock and tool-CPU seconds of named steps; `wrap` times a function wherever it
    is called from (the eager tasks call some steps from inside others)."""

    def __init__(self, label: str = ""):
        self.wall, self.cpu, self.label = Counter(), Counter(), label

    @contextmanager
    def step(self, name: str):
        wall, cpu = time.perf_counter(), _tool_cpu()
        try:
            yield
        finally:
            self.wall[name] += time.perf_counter() - wall
            self.cpu[name] += _tool_cpu() - cpu
            if self.label:  # progress, for a long run watched as it goes
                print(f"# {self.label}: {name} done at {time.strftime('%H:%M:%S')}, "
                      f"{time.perf_counter() - wall:.0f} s, {_tool_cpu() - cpu:.0f} s of "
                      "tool CPU (with any step run inside it)", flush=True)

    def wrap(self, name: str, function):
        def timed(*args, **kwargs):
            with self.step(name):
                return function(*args, **kwargs)
        return timed


# Close to result


def _encrypt(job):
    from ballotbox import belenios

    election, trustees, credential, choices = job
    return belenios.encrypt_ballot(election=election, trustees=trustees,
                                   private_credential=credential, choices=choices)


def _rankings(n: int) -> list[str]:
    rng = random.Random(SEED)
    return [",".join(map(str, rng.sample(range(1, CANDIDATES + 1),
                                         rng.randint(1, CANDIDATES)))) for _ in range(n)]


def _fill_box(contest, texts: list[str]) -> None:
    """Every roll entry votes online: its ballot encrypted with its credential (a process
    per core), then the ballots inserted in bulk and the entries claimed."""
    from django.db import connections, transaction
    from django.utils import timezone

    from ballotbox.models import Box, EncryptedBallot
    from ballots import boxed
    from ballots.models import VoterRollEntry

    box = Box.objects.get(pk=contest.box_id)
    credentials = list(VoterRollEntry.objects.filter(contest=contest).order_by("pk")
                       .values_list("credential", flat=True))
    assert len(credentials) == len(texts)
    numbers = list(range(1, CANDIDATES + 1))
    jobs = [(box.election, box.trustees, credential, boxed.ranks(contest, text, numbers))
            for credential, text in zip(credentials, texts, strict=True)]
    connections.close_all()  # the forked workers must not share the parent's connection
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        ballots = list(pool.map(_encrypt, jobs, chunksize=16))
    with transaction.atomic():
        EncryptedBallot.objects.bulk_create(
            [EncryptedBallot(society_id=contest.society_id, box=box, ballot=b.text,
                             tracker=b.tracker, credential=b.credential) for b in ballots],
            batch_size=500)
        VoterRollEntry.objects.filter(contest=contest).update(
            voted_on=timezone.localdate(), channel="online")


def _close_to_result(size: int, label: str) -> None:
    from django.db import connection
    from django.utils import timezone
    from django_scopes import scope

    from accounts.models import User  # noqa: F401 - the models load before the services
    from ballotbox import services as box_services
    from ballotbox.models import Box, BoxState
    from ballotbox.services import count as box_count
    from ballots import services
    from ballots.models import Contest, ContestState, Election
    from societies.models import StakeholderClass

    society = _society(label)
    with scope(society=society):
        cls = StakeholderClass.objects.create(society=society, name="Member")
        members = _members(society, cls, size, f"{label}{int(time.time())}")
        election = Election.objects.create(society=society, title="Bench election")
        contest = _contest(society, election, cls, "Board", members[:CANDIDATES])
        _box(contest)
        contest = _open(contest)
        texts = _rankings(size)
        started = time.perf_counter()
        _fill_box(contest, texts)
        print(f"# {label}: {size} ballots encrypted and stored in "
              f"{time.perf_counter() - started:.0f} s (not a figure)", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE ballotbox_encryptedballot")
        Contest.objects.filter(pk=contest.pk).update(
            voting_opens=timezone.now() - timedelta(days=2),
            voting_closes=timezone.now() - timedelta(seconds=1))
        contest.refresh_from_db()

        clock = _Clock(label)
        # The eager tasks reach these through the module, so the wrappers time them where
        # they run: the tally inside the close, the result inside the second decryption,
        # the count inside the result.
        with mock.patch.object(box_count, "_compute_result",
                               clock.wrap("result", box_count._compute_result)), \
                mock.patch.object(services, "count_contest",
                                  clock.wrap("count", services.count_contest)), clock.step("all"):
            with clock.step("tally"):
                services.close_voting(actor=None, contest=contest)
            box = Box.objects.get(pk=contest.box_id)
            assert box.state == BoxState.TALLYING, box.error
            with clock.step("shuffle"):
                box_services.shuffle(actor=None, box=box, trustee_number=1)
                box_services.shuffle(actor=None, box=box, trustee_number=3)
                box_services.end_shuffles(actor=None, box=box)
            with clock.step("decrypt"):
                box_services.decrypt(actor=None, box=box, trustee_number=3)
                box_services.decrypt(actor=None, box=box, trustee_number=2)
        contest.refresh_from_db()
        assert contest.state == ContestState.COUNTED, contest.count_error
        assert contest.ballots_counted == size, contest.ballots_counted
        assert dict(services.grouped_ballots(contest)) == dict(Counter(texts))
        box = Box.objects.get(pk=contest.box_id)
        with clock.step("verify"):
            verdict = box_services.verify(box)
        assert verdict.ok, verdict.message
        record_mb = len(bytes(box.record)) / 1e6

    # The result ran inside the second decryption, and the count inside the result.
    for outer, inner in (("decrypt", "result"), ("result", "count")):
        clock.wall[outer] -= clock.wall[inner]
        clock.cpu[outer] -= clock.cpu[inner]
    emit(f"close_to_result_{label}_s", clock.wall["all"], "s")
    emit(f"close_to_result_{label}_tool_cpu_s", clock.cpu["all"], "s")
    for name in ("tally", "shuffle", "decrypt", "result", "count"):
        emit(f"close_to_result_{label}_{name}_s", clock.wall[name], "s")
        emit(f"close_to_result_{label}_{name}_tool_cpu_s", clock.cpu[name], "s")
    emit(f"verify_{label}_s", clock.wall["verify"], "s")
    emit(f"verify_{label}_tool_cpu_s", clock.cpu["verify"], "s")
    emit(f"box_record_{label}_mb", record_mb, "MB")


# Casting over HTTP


def _server_cpu(master_pid: int) -> tuple[float, float]:
    """CPU seconds so far of the gunicorn master and its workers, and of the processes
    the workers ran and waited for (the tool), from /proc (Linux)."""
    def stat(pid: int) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    workers = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    master = stat(master_pid)
    own = int(master[11]) + int(master[12])  # utime, stime
    children = 0
    for pid in workers:
        try:
            fields = stat(int(pid))
        except OSError:  # a worker that has just exited
            continue
        own += int(fields[11]) + int(fields[12])
        children += int(fields[13]) + int(fields[14])  # cutime, cstime: the tool's runs
    return own / os.sysconf("SC_CLK_TCK"), children / os.sysconf("SC_CLK_TCK")


def _drain(server_pid: int, limit: float = 120.0) -> None:
    """Wait until the server has finished the requests wrk left in flight (its CPU time
    stops growing), so that they land neither in the next run nor in its CPU."""
    deadline = time.monotonic() + limit
    last = sum(_server_cpu(server_pid))
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = sum(_server_cpu(server_pid))
        if now - last < 0.05:
            return
        last = now


def _measure(wrk, url, keys, body, cookies, tmp, name, *, seconds, server_pid, stored):
    """wrk at 16 connections; its figures, and the server's CPU per ballot stored
    (`stored()` counts them): from the start of the run until the server has finished the
    requests in flight at its end."""
    from bench.bench_ballots import _check_first_votes, _wrk

    path = Path(tmp) / f"{name.replace(' ', '-')}.txt"
    path.write_text("\n".join(keys) + "\n")
    before, count = _server_cpu(server_pid), stored()
    figures = _wrk(wrk, url, 16, [str(path), body, cookies], seconds=seconds)
    _drain(server_pid)
    after, figures["stored"] = _server_cpu(server_pid), stored() - count
    _check_first_votes(figures, len(keys), name)
    votes = max(figures["stored"], 1)
    figures["server_cpu_ms"] = 1000 * (after[0] - before[0]) / votes
    figures["tool_cpu_ms"] = 1000 * (after[1] - before[1]) / votes
    print(f"# {name} ({time.strftime('%H:%M:%S')}, load {os.getloadavg()[0]:.1f}): "
          f"{figures}", flush=True)
    return figures


def _serve(workers: int, env: dict):
    from bench.bench_ballots import _free_port, _start_gunicorn

    port = _free_port()
    server = _start_gunicorn(port, {**env, "BENCH_WORKERS": str(workers),
                                    "BENCH_THREADS": env.get("BENCH_THREADS", "4")})
    return server, f"http://127.0.0.1:{port}"


def _stop(server) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)


def _casting(url: str) -> None:
    from django.conf import settings
    from django.db import connection
    from django_scopes import scope, scopes_disabled

    from ballotbox.models import EncryptedBallot
    from ballots.models import CastBallot, Election
    from bench.bench_ballots import CSRF_SECRET, _ensure_wrk, _settle
    from societies.models import StakeholderClass

    society = _society("cast")
    stamp = str(int(time.time()))
    box_runs = 1 + len(SCALING_WORKERS)
    with scope(society=society):
        boxed_cls = StakeholderClass.objects.create(society=society, name="Boxed")
        plain_cls = StakeholderClass.objects.create(society=society, name="Plain")
        boxed_members = _members(society, boxed_cls,
                                 box_runs * BOX_VOTERS_PER_RUN + BOX_WARM_UP, stamp)
        plain_members = _members(society, plain_cls, PLAIN_VOTERS + PLAIN_WARM_UP, stamp)
        election = Election.objects.create(society=society, title="Bench election")
        boxed = _contest(society, election, boxed_cls, "Boxed", boxed_members[:CANDIDATES])
        plain = _contest(society, election, plain_cls, "Plain", plain_members[:CANDIDATES])
        _box(boxed)
        started = time.perf_counter()
        boxed = _open(boxed)
        print(f"# the box opened for {len(boxed_members)} voters in "
              f"{time.perf_counter() - started:.1f} s (not a figure)", flush=True)
        plain = _open(plain)
        boxed_keys = _sessions([m.user for m in boxed_members])
        plain_keys = _sessions([m.user for m in plain_members])
        first_three = {c.pk: list(c.candidates.filter(number__lte=3).order_by("number"))
                       for c in (boxed, plain)}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    wrk = _ensure_wrk()
    env = {**os.environ, "DATABASE_URL": url, "CONN_MAX_AGE": "600", "DEBUG": "0"}
    env.pop("REDIS_URL", None)
    cookies = f"{settings.SESSION_COOKIE_NAME}=%s; {settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"

    def target(base, contest):
        body = f"csrfmiddlewaretoken={CSRF_SECRET}&" + "&".join(
            f"rank_{c.public_id}={c.number}" for c in first_three[contest.pk])
        return f"{base}/s/{society.slug}/ballots/contests/{contest.public_id}/", body

    def boxed_count():
        with scopes_disabled():
            return EncryptedBallot.objects.filter(box_id=boxed.box_id).count()

    def plain_count():
        with scopes_disabled():
            return CastBallot.objects.filter(contest_id=plain.pk).count()

    runs, warm_ups = {}, []
    warm = boxed_keys[:BOX_WARM_UP]
    measured = [boxed_keys[BOX_WARM_UP + n * BOX_VOTERS_PER_RUN:
                           BOX_WARM_UP + (n + 1) * BOX_VOTERS_PER_RUN] for n in range(box_runs)]
    with tempfile.TemporaryDirectory() as tmp:
        server, base = _serve(2, env)
        try:
            boxed_url, boxed_body = target(base, boxed)
            plain_url, plain_body = target(base, plain)
            # Not counted: each thread's first requests open its connection, fill caches.
            warm_ups.append(_measure(wrk, boxed_url, warm[:100], boxed_body, cookies, tmp,
                                     "boxed warm-up", seconds=WARM_UP_SECONDS,
                                     server_pid=server.pid, stored=boxed_count))
            _measure(wrk, plain_url, plain_keys[PLAIN_VOTERS:], plain_body, cookies, tmp,
                     "plain warm-up", seconds=WARM_UP_SECONDS, server_pid=server.pid,
                     stored=plain_count)
            _settle()
            runs["boxed"] = _measure(wrk, boxed_url, measured[0], boxed_body, cookies, tmp,
                                     "boxed", seconds=CAST_SECONDS, server_pid=server.pid,
                                     stored=boxed_count)
            _settle()
            runs["plain"] = _measure(wrk, plain_url, plain_keys[:PLAIN_VOTERS], plain_body,
                                     cookies, tmp, "plain", seconds=CAST_SECONDS,
                                     server_pid=server.pid, stored=plain_count)
        finally:
            _stop(server)
        for n, workers in enumerate(SCALING_WORKERS, start=1):
            server, base = _serve(workers, env)
            try:
                boxed_url, boxed_body = target(base, boxed)
                warm_ups.append(_measure(wrk, boxed_url, warm[100 * n:100 * (n + 1)],
                                         boxed_body, cookies, tmp, f"boxed warm-up w{workers}",
                                         seconds=WARM_UP_SECONDS, server_pid=server.pid,
                                         stored=boxed_count))
                _settle()
                runs[f"w{workers}"] = _measure(wrk, boxed_url, measured[n], boxed_body,
                                               cookies, tmp, f"boxed w{workers}",
                                               seconds=CAST_SECONDS, server_pid=server.pid,
                                               stored=boxed_count)
            finally:
                _stop(server)
    with scope(society=society):
        stored = EncryptedBallot.objects.filter(box_id=boxed.box_id).count()
        plain_stored = CastBallot.objects.filter(contest=plain).count()
    b, p = runs["boxed"], runs["plain"]
    emit("cast_encrypted_per_s_16", b["ok_per_s"], "votes/s")
    emit("cast_encrypted_p50_ms_16", b["p50"], "ms")
    emit("cast_encrypted_p99_ms_16", b["p99"], "ms")
    emit("cast_encrypted_server_cpu_ms_16", b["server_cpu_ms"], "ms/vote")
    emit("cast_encrypted_tool_cpu_ms_16", b["tool_cpu_ms"], "ms/vote")
    emit("cast_plain_per_s_16_same_run", p["ok_per_s"], "votes/s")
    emit("cast_plain_p50_ms_16_same_run", p["p50"], "ms")
    emit("cast_plain_p99_ms_16_same_run", p["p99"], "ms")
    emit("cast_plain_server_cpu_ms_16_same_run", p["server_cpu_ms"], "ms/vote")
    for workers in SCALING_WORKERS:
        w = runs[f"w{workers}"]
        emit(f"cast_encrypted_per_s_16_w{workers}", w["ok_per_s"], "votes/s")
        emit(f"cast_encrypted_p99_ms_16_w{workers}", w["p99"], "ms")
        emit(f"cast_encrypted_tool_cpu_ms_16_w{workers}", w["tool_cpu_ms"], "ms/vote")
    # wrk counts a 3xx as a success and a refused ballot page is a 400: the ballots stored
    # must match the 2xx answers (give or take the requests in flight when wrk stopped).
    emit("cast_encrypted_ok_responses", sum(r["ok"] for k, r in runs.items() if k != "plain")
         + sum(r["ok"] for r in warm_ups), "responses")
    emit("cast_encrypted_ballots_stored", stored, "ballots")
    emit("cast_plain_ballots_stored", plain_stored, "ballots")


def run() -> None:
    os.environ.pop("REDIS_URL", None)  # Celery eager: the close's steps run here, in turn
    setup_django()
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)  # a line per task
    from ballotbox import belenios

    belenios.check_tool()
    only = os.environ.get("BENCH_BOX_ONLY", "")
    if only in ("", "cast"):
        _casting(os.environ["DATABASE_URL"])
    if only in ("", "close"):
        _close_to_result(1_000, "1k")
    if only in ("", "close", "10k") and os.environ.get("BENCH_BOX_10K") == "1":
        _close_to_result(10_000, "10k")


if __name__ == "__main__":
    run()
