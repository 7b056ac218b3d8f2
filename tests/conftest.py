"""Fixtures shared by the whole suite: societies, personas, clients and service checks.

Personas in every society fixture: secretary, returning officer, board member, auditor,
plain member, an outsider from another society, and anonymous.

With OMOV_TEST_NOW set (an ISO datetime with its offset, e.g. 2028-02-29T12:00:00+00:00) the
whole session runs with the clock moved there; with several (separated by commas) each test
file runs at one of them (`moment_for`): CI runs the suite on a few awkward dates.
"""

import os
import socket
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.models import User
from config.celery import app as celery_app
from members.models import Member
from societies.models import AuditEntry, RoleGrant, Society, StakeholderClass
from societies.permissions import Role
from tests.schema_cache import migrations_from_cache

# In CI a test that needs a service must fail when the service is missing, never skip.
ROOT = Path(__file__).resolve().parents[1]
REQUIRE_SERVICES = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def shifted_moments() -> list[datetime]:
    """The moments OMOV_TEST_NOW names (one, or several separated by commas); [] for the real
    clock."""
    value = os.environ.get("OMOV_TEST_NOW", "").strip()
    moments = []
    for part in filter(None, (part.strip() for part in value.split(","))):
        try:
            moment = datetime.fromisoformat(part)
        except ValueError as error:
            raise pytest.UsageError(f"OMOV_TEST_NOW={part!r} is not an ISO datetime") from error
        if moment.tzinfo is None:
            raise pytest.UsageError(f"OMOV_TEST_NOW={part!r} needs an offset, e.g. +00:00")
        moments.append(moment)
    return moments


def moment_for(path) -> datetime | None:
    """The moment the test file at `path` runs at: with several moments, each file takes one,
    by a hash of its path turned by OMOV_TEST_NOW_ROTATION (CI turns it with every commit, so
    each file meets every moment in turn)."""
    moments = shifted_moments()
    if len(moments) < 2:
        return moments[0] if moments else None
    try:
        rotation = int(os.environ.get("OMOV_TEST_NOW_ROTATION", "0") or 0)
    except ValueError as error:
        raise pytest.UsageError("OMOV_TEST_NOW_ROTATION must be a whole number") from error
    key = Path(path).resolve().relative_to(ROOT).as_posix()
    return moments[(zlib.crc32(key.encode()) + rotation) % len(moments)]


def pytest_configure(config):
    # Started before collection, so module-level code and session fixtures see the shifted
    # clock too; it ticks on from there. With several moments the session starts at the
    # earliest, so nothing a session fixture makes lies in a test file's future.
    moments = shifted_moments()
    if moments:
        config.omov_clock = time_machine.travel(min(moments), tick=True)
        config.omov_clock.start()


def pytest_unconfigure(config):
    clock = getattr(config, "omov_clock", None)
    if clock is not None:
        clock.stop()


def pytest_report_header(config):
    moments = shifted_moments()
    if not moments:
        return None
    from zoneinfo import ZoneInfo

    from django.conf import settings

    def local(moment):
        return f"{moment.astimezone(ZoneInfo(settings.TIME_ZONE)):%A %d %B %Y %H:%M %Z}"

    if len(moments) == 1:
        return (f"clock shifted (OMOV_TEST_NOW): every test starts at {moments[0].isoformat()}, "
                f"{local(moments[0])} in {settings.TIME_ZONE}")
    rotation = os.environ.get("OMOV_TEST_NOW_ROTATION", "0") or "0"
    return [f"clock shifted (OMOV_TEST_NOW): each test file starts at one of {len(moments)} "
            f"moments (rotation {rotation}); a failure names its file's moment"] + [
        f"  {moment.isoformat()}, {local(moment)} in {settings.TIME_ZONE}" for moment in moments]


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    # A test file is imported at its own moment, so its module-level dates (TODAY = ...) are
    # those of the moment its tests run at.
    moment = moment_for(collector.path) if isinstance(collector, pytest.Module) else None
    if moment is None or len(shifted_moments()) < 2:
        return (yield)
    with time_machine.travel(moment, tick=True):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and len(shifted_moments()) > 1:
        report.sections.append(("clock", f"{item.path.name} ran with the clock at "
                                         f"OMOV_TEST_NOW={moment_for(item.path).isoformat()}"))
    return report


def _travel_to_shifted_now(request):
    moment = moment_for(request.node.path)
    if moment is None:
        yield
        return
    with time_machine.travel(moment, tick=True):
        yield


# Each module's fixtures and each test start at their file's OMOV_TEST_NOW moment (not minutes
# after it, as the session ticks on), so every test meets the awkward moment itself and a
# failure repeats when that test is run alone. A test's own travel nests inside these.
_shifted_clock_for_module = pytest.fixture(autouse=True, scope="module")(_travel_to_shifted_now)
_shifted_clock = pytest.fixture(autouse=True)(_travel_to_shifted_now)


def anniversary(day: date, years: int) -> date:
    """The same day `years` later (earlier if negative). 29 February falls on 1 March in
    other years, as the app counts ages and terms (members.models.age_on, boards' terms)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def typed_datetime(moment: datetime, *, earlier: bool = False) -> str:
    """`moment` as a person types it into a date-and-time field: London wall time, to the
    minute. Do the arithmetic on the aware moment first (wall-clock arithmetic is an hour out
    across a clock change). A wall time the clocks repeat or skip names no single moment, and
    forms rightly refuse it, so the nearest minute that names one is typed instead: the next
    one, or with `earlier` (for a time that must be past) the one before."""
    zone = timezone.get_current_timezone()
    wall = timezone.localtime(moment).replace(tzinfo=None, second=0, microsecond=0, fold=0)
    step = timedelta(minutes=-1 if earlier else 1)
    while wall.replace(tzinfo=zone).utcoffset() != wall.replace(tzinfo=zone, fold=1).utcoffset():
        wall += step
    return wall.strftime("%Y-%m-%dT%H:%M")


def need_service(reason: str):
    """Skip (or, in CI, fail) because a service or tool this test needs is missing."""
    if REQUIRE_SERVICES:
        pytest.fail(f"CI requires this service: {reason}")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True, scope="session")
def _media_in_a_temporary_folder(tmp_path_factory):
    """Uploads go to the session's own folder: never the work tree, never another worker's."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(scope="session")
def _schema_cache():
    with migrations_from_cache():
        yield


@pytest.fixture(scope="session")
def django_db_setup(_schema_cache, django_db_setup):
    """pytest-django's test databases; on SQLite from the schema a previous run saved
    (tests/schema_cache.py), as long as no migration has changed since."""
    yield


@pytest.fixture(scope="session", autouse=True)
def _static_files_listed_once():
    """Every test Client builds the middleware again, and WhiteNoise then lists and stats every
    static file through the finders (about 30 ms, a fifth of a typical view test): list them
    once per session. The files do not change while the suite runs."""
    from whitenoise.middleware import WhiteNoiseMiddleware

    original = WhiteNoiseMiddleware.add_files_from_finders
    listed = {}

    def add_files_from_finders(self):
        if not listed:
            original(self)
            listed.update(self.files)
        else:
            self.files.update(listed)

    WhiteNoiseMiddleware.add_files_from_finders = add_files_from_finders
    yield
    WhiteNoiseMiddleware.add_files_from_finders = original


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing(django_test_environment):
    """A cheap hasher for the whole session, module fixtures included: the production hasher
    costs about 0.35 s a password, and every load of the demo hashes sixteen."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    fast.enable()
    yield
    fast.disable()


@pytest.fixture(autouse=True)
def _no_sign_in_rate_limits(request, settings):
    """Sign-in and application limits count per IP in a cache shared by all tests; only their
    own tests keep them (marked rate_limits), so a long suite never trips them by accident."""
    if not request.node.get_closest_marker("rate_limits"):
        settings.ACCOUNT_RATE_LIMITS = False
        settings.APPLICATION_LIMITS = False


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Tasks run in-process unless the test drives a real worker."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def make_user(email: str, full_name: str = "", password: str = "correct-horse-battery-9",
              mfa: bool = False) -> User:
    with scopes_disabled():
        user = User.objects.create_user(email=email, password=password,
                                        full_name=full_name or email.split("@")[0].title())
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        if mfa:
            TOTP.activate(user, generate_totp_secret())
    return user


@dataclass
class SocietyWorld:
    society: Society
    classes: dict
    users: dict = field(default_factory=dict)
    members: dict = field(default_factory=dict)

    def client(self, persona: str) -> Client:
        client = Client()
        if persona != "anonymous":
            client.force_login(self.users[persona])
        return client


def build_society(slug: str, name: str) -> SocietyWorld:
    with scopes_disabled():
        society = Society.objects.create(slug=slug, name=name,
                                         registered_office="1 High Street\nTown\nAB1 2CD")
    with scope(society=society):
        classes = {
            cls: StakeholderClass.objects.create(society=society, name=cls)
            for cls in ("Parent", "Staff")
        }
        world = SocietyWorld(society=society, classes=classes)
        people = [
            ("secretary", Role.SECRETARY, True, True),
            ("returning_officer", Role.RETURNING_OFFICER, False, True),
            ("board_member", Role.BOARD_MEMBER, True, True),
            ("auditor", Role.AUDITOR, False, True),
            ("member", None, True, False),
        ]
        for number, (persona, role, is_member, mfa) in enumerate(people, start=1):
            user = make_user(f"{persona.replace('_', '-')}@{slug}.test", mfa=mfa)
            world.users[persona] = user
            if role:
                RoleGrant.objects.create(society=society, user=user, role=role)
            if is_member:
                world.members[persona] = Member.objects.create(
                    society=society, member_number=number, user=user,
                    full_name=user.full_name, email=user.email,
                    stakeholder_class=classes["Parent"],
                )
    return world


@pytest.fixture
def world(db) -> SocietyWorld:
    """A society with every persona, plus an outsider who holds every role in another one."""
    home = build_society("millmead", "Millmead Children's Centre")
    other = build_society("elsewhere", "Elsewhere Co-operative")
    outsider = other.users["secretary"]
    with scope(society=other.society):
        for role in (Role.RETURNING_OFFICER, Role.BOARD_MEMBER, Role.AUDITOR):
            RoleGrant.objects.create(society=other.society, user=outsider, role=role)
    home.users["outsider"] = outsider
    home.other = other
    return home


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """`seed_demo` loaded once for the module's tests, in a transaction rolled back after them
    (seeding costs seconds). Each test also asks for `db`: its own changes are undone after it.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def operator_client(world, client):
    """A client signed in as the platform operator (a superuser with two-factor set up)."""
    operator = make_user("operator@omov.test", mfa=True)
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client.force_login(operator)
    return client


@pytest.fixture
def in_scope(world):
    with scope(society=world.society):
        yield world


@pytest.fixture
def audit_entries():
    """Read a society's audit entries: `audit_entries(society)` -> list, oldest first."""

    def read(society):
        with scope(society=society):
            return list(AuditEntry.objects.filter(society=society).order_by("id"))

    return read


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Inbox:
    """aiosmtpd handler that keeps every message it receives, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        from email import message_from_bytes
        from email.policy import default

        message = message_from_bytes(envelope.original_content or envelope.content, policy=default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; `.messages` holds (from, recipients, parsed message)."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.host, inbox.port = controller.hostname, controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """Point Django's SMTP backend at the test's SMTP server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    return smtp_server


def require_postgres_and_redis():
    """Skip on the SQLite leg (by design); on PostgreSQL a missing Redis is a failure in CI."""
    if not is_postgres():
        pytest.skip("needs PostgreSQL and Redis: runs in CI's PostgreSQL+Redis leg")
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        need_service("REDIS_URL is not set")
    from urllib.parse import urlparse

    parsed = urlparse(redis_url)
    if not port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        need_service(f"Redis is not reachable at {redis_url}")


class WorkerProcess:
    """A real `celery worker` subprocess on the test database; start() and stop() at will.
    With `beat_schedule` (a file path) beat runs inside it (-B), so the sweeps run on their
    real schedule."""

    def __init__(self, env, beat_schedule=None):
        self.env = env
        self.beat_schedule = beat_schedule
        self.process = None
        self.log_path = None

    def start(self, timeout=30):
        import subprocess
        import sys
        import tempfile
        import time

        handle, self.log_path = tempfile.mkstemp(prefix="celery-", suffix=".log")
        log = os.fdopen(handle, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
             *(["-B", "-s", str(self.beat_schedule)] if self.beat_schedule else []),
             "--loglevel", "info", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--hostname", f"test-{os.getpid()}@%h"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited:\n{self.log()}")
            if "ready." in self.log():
                return
            time.sleep(0.2)
        raise RuntimeError(f"celery worker did not start in {timeout}s:\n{self.log()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except Exception:  # noqa: BLE001 - make sure it is gone
                self.process.kill()
                self.process.wait()
        self.process = None

    def log(self) -> str:
        with open(self.log_path) as handle:
            return handle.read()


@pytest.fixture
def celery_worker_env(transactional_db, smtp_server):
    """Environment for a worker that shares this test's database, broker and SMTP server."""
    require_postgres_and_redis()
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                        f"/{db['NAME']}",
        "EMAIL_HOST": smtp_server.host,
        "EMAIL_PORT": str(smtp_server.port),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    }
    return env


@pytest.fixture
def celery_worker(celery_worker_env):
    """A running worker; the test may stop() and start() it again."""
    celery_app.control.purge()
    worker = WorkerProcess(celery_worker_env)
    worker.start()
    yield worker
    worker.stop()


def wait_for(predicate, timeout=30.0, interval=0.2):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def use_broker(url: str, *, eager: bool) -> None:
    """Point this process's Celery app at `url` (publishing eagerly or not), dropping the
    connections it had."""
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = eager
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_unreachable():
    """Publish to a port where no broker listens, not eagerly; calling it brings the broker
    back (the real one, or eager running without one). Undone afterwards."""
    real_url, real_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    use_broker(f"redis://127.0.0.1:{free_port()}/0", eager=False)
    yield lambda: use_broker(real_url, eager=real_eager)
    use_broker(real_url, eager=real_eager)


class RedisServer:
    """A redis-server of the test's own, on a free port, that keeps nothing on disk: stopping
    it loses its queue."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        import subprocess

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_for(lambda: port_open("127.0.0.1", self.port), timeout=10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def own_redis():
    """A Redis of the test's own, which this process publishes to (not eagerly)."""
    redis = RedisServer()
    redis.start()
    real_url, real_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    use_broker(redis.url, eager=False)
    yield redis
    use_broker(real_url, eager=real_eager)
    redis.stop()
