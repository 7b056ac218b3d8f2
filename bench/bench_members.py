"""The register of members at 1,000,000 members (PostgreSQL): register pages, name search,
import and streaming export, measured through the app.

    python -m bench.bench_members        (or `make bench`)

The million members are loaded once with COPY into the society `bench-members` and reused.
Figures: register_page_p95_ms, register_search_p95_ms, import_1m_s, export_1m_s,
export_peak_mb (peak resident memory of the process while exporting).
"""

import os
import random
import tempfile
import time
import uuid
from datetime import date, timedelta

from bench.support import emit, p95, setup_django

SLUG = "bench-members"
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "1000000"))
REQUESTS = 100
CLASSES = ["Community", "Investor", "Staff", "Volunteer"]
FIRST = ["Amara", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Harry", "Isla", "Jamal",
         "Kate", "Liam", "Maya", "Nia", "Owen", "Priya", "Rhys", "Sofia", "Tom", "Zara",
         "Aled", "Bethan", "Cerys", "Dafydd", "Eira", "Gareth", "Hana", "Ifan", "Joon", "Kofi",
         "Lena", "Marek", "Nadia", "Olu", "Pavel", "Rosa", "Sean", "Tariq", "Una", "Yusuf"]
HEADS = ["Ash", "Black", "Brad", "Brook", "Chad", "Dun", "Elm", "Fair", "Glen", "Hart",
         "Holm", "Ken", "Lang", "Mar", "Nor", "Oak", "Pen", "Red", "Stan", "Thorn", "Under",
         "Wood", "Whit", "York", "Ab", "Bar", "Cal", "Dal", "Fen", "Hal"]
TAILS = ["worth", "ley", "ford", "ton", "wick", "field", "more", "by", "dale", "well",
         "stone", "bridge", "combe", "ham", "hurst", "land", "shaw", "thwaite", "wood", "low",
         "mere", "side", "cliffe", "bury", "den", "gate", "holt", "lock", "ridge", "stead"]
TOWNS = ["Margate", "Ulverston", "Plymouth", "Kendal", "Hexham", "Truro", "Ludlow", "Ely"]


def _person(rng, n):
    surname = rng.choice(HEADS) + rng.choice(TAILS)
    name = f"{rng.choice(FIRST)} {surname}"
    outward = f"{rng.choice(['CT', 'LA', 'PL', 'EX', 'TR', 'HX'])}{rng.randint(1, 30)}"
    postcode = f"{outward} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" \
               f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
    address = f"{rng.randint(1, 300)} {surname} Road\n{rng.choice(TOWNS)}"
    admitted = date(1995, 1, 1) + timedelta(days=rng.randint(0, 11000))
    return name, address, postcode, f"member{n}@bench.example", admitted


def _society(name, slug):
    from django_scopes import scope, scopes_disabled

    from societies.models import Society, StakeholderClass

    with scopes_disabled():
        society, _ = Society.objects.get_or_create(slug=slug, defaults={"name": name})
    with scope(society=society):
        classes = {c: StakeholderClass.objects.get_or_create(society=society, name=c)[0]
                   for c in CLASSES}
    return society, classes


def _load(society, classes):
    """COPY a million members in (once); history rows are not needed for the register."""
    from django.db import connection
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from members.models import Member

    with scopes_disabled():
        have = Member.objects.filter(society=society).count()
    if have >= MEMBERS:
        return False
    rng = random.Random(2026)
    class_ids = [c.pk for c in classes.values()]
    now = timezone.now()
    started = time.perf_counter()
    with connection.cursor() as cursor, cursor.cursor.copy(
        "COPY members_member (society_id, public_id, member_number, full_name, address, "
        "postcode, email, email_purpose, contact_channel, electronic_consent, "
        "electronic_consent_at, stakeholder_class_id, date_of_birth, admitted_on, ceased_on, "
        "cessation_reason, cessation_reference, admission_reference) FROM STDIN"
    ) as copy:
        for n in range(have + 1, MEMBERS + 1):
            name, address, postcode, email, admitted = _person(rng, n)
            ceased = None
            if rng.random() < 0.05:
                ceased = admitted + timedelta(days=rng.randint(1, 2000))
                ceased = min(ceased, date(2026, 11, 1))
            copy.write_row((
                society.pk, uuid.uuid4(), n, name, address, postcode, email, "Notices",
                "email", True, now, rng.choice(class_ids),
                date(1940, 1, 1) + timedelta(days=rng.randint(0, 20000)), admitted,
                ceased, "resigned" if ceased else "", "", ""))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_member")
    print(f"# loaded {MEMBERS - have} members with COPY in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    return True


def _secretary(society):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django_scopes import scope, scopes_disabled

    from accounts.models import User
    from societies.models import RoleGrant

    email = f"secretary@{society.slug}.bench"
    with scopes_disabled():
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None, full_name="Bench Sec")
            TOTP.activate(user, generate_totp_secret())
    with scope(society=society):
        RoleGrant.objects.get_or_create(society=society, user=user, role="secretary")
    return user


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _timed_get(client, path, params):
    started = time.perf_counter()
    response = client.get(path, params)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} {params} -> {response.status_code}")
    return elapsed


def _register_pages(society, classes, client):
    from django.db import connection

    from members.register import encode_cursor

    path = f"/s/{society.slug}/members/register/"
    rng = random.Random(7)
    numbers = rng.sample(range(1, MEMBERS + 1), 500)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lower(full_name), member_number, admitted_on FROM members_member "
            "WHERE society_id = %s AND member_number = ANY(%s)", [society.pk, numbers])
        sample = cursor.fetchall()
    class_ids = [c.pk for c in classes.values()]
    shapes = []
    for _ in range(REQUESTS):
        name, number, admitted = rng.choice(sample)
        shape = rng.randrange(6)
        if shape == 0:
            params = {"sort": "number", "after": encode_cursor([number])}
        elif shape == 1:
            params = {"sort": "name", "after": encode_cursor([name, number])}
        elif shape == 2:
            params = {"sort": "admitted", "order": "desc",
                      "after": encode_cursor([admitted, number])}
        elif shape == 3:
            params = {"sort": "name", "stakeholder_class": rng.choice(class_ids),
                      "after": encode_cursor([name, number])}
        elif shape == 4:
            params = {"sort": "admitted", "admitted_from": "2000-01-01",
                      "admitted_to": "2015-12-31", "status": "all",
                      "after": encode_cursor([admitted, number])}
        else:
            params = {"sort": "name", "before": encode_cursor([name, number]),
                      "as_at": "2020-06-30"}
        shapes.append(params)
    for params in shapes[:5]:  # warm up connections and caches
        _timed_get(client, path, params)
    return [_timed_get(client, path, params) for params in shapes], sample


def _searches(society, client, sample):
    path = f"/s/{society.slug}/members/register/"
    rng = random.Random(11)
    queries = []
    for _ in range(REQUESTS):
        name = rng.choice(sample)[0]
        first, surname = name.split(" ", 1)
        choice = rng.randrange(3)
        if choice == 0:
            queries.append(surname)                      # a whole surname
        elif choice == 1:
            queries.append(f"{first} {surname[:4]}")    # first name and part of the surname
        else:
            queries.append(surname[1:6])                 # a fragment from the middle
    for q in queries[:5]:
        _timed_get(client, path, {"q": q, "sort": "name"})
    return [_timed_get(client, path, {"q": q, "sort": "name"}) for q in queries]


def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def _peak_mb():
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _export(society, client):
    import gc

    gc.collect()
    _reset_peak()
    started = time.perf_counter()
    response = client.get(f"/s/{society.slug}/members/register/export/full.csv",
                          {"status": "all"})
    size = 0
    lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    if lines < MEMBERS:
        raise RuntimeError(f"export had {lines} lines")
    return elapsed, _peak_mb(), size


def _import(user):
    from django.core.files import File
    from django_scopes import scope

    from members import importer, services
    from members.models import ImportJob

    society, _classes = _society("Bench import", f"bench-import-{int(time.time())}")
    rng = random.Random(99)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="",
                                     encoding="utf-8") as handle:
        import csv

        writer = csv.writer(handle)
        writer.writerow(importer.COLUMN_NAMES)
        for n in range(1, MEMBERS + 1):
            name, address, postcode, email, admitted = _person(rng, n)
            writer.writerow([n, name, address.replace("\n", "; "), postcode, email, "",
                             "email", "yes", rng.choice(CLASSES),
                             f"{rng.randint(1930, 1975)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                             admitted.isoformat(), "", "", ""])
        path = handle.name
    from config.celery import app as celery_app

    # Queue the task without running it, then run the import here to time it alone.
    celery_app.conf.task_always_eager = False
    try:
        with scope(society=society), open(path, "rb") as source:
            job = services.start_import(actor=user, society=society,
                                        uploaded=File(source, name="bench.csv"))
        started = time.perf_counter()
        status = importer.run_import_job(job.pk)
        elapsed = time.perf_counter() - started
        with scope(society=society):
            job = ImportJob.objects.get(pk=job.pk)
        if status != "done":
            raise RuntimeError(f"import failed: {job.errors[:5]}")
        return elapsed, job.rows_imported
    finally:
        celery_app.conf.task_always_eager = True
        os.unlink(path)


IMPORT_DATABASE = "omov_bench_members_import"


def _import_in_own_database() -> float:
    """Time the import in a throwaway database (a subprocess), dropped afterwards.

    Each measured import adds a society of a million members; left in the shared benchmark
    database they would grow it with every run and share the trigram index with the
    register being measured. Members are never deleted by the app, and deleting a million
    rows that other apps' tables may reference takes longer than dropping a database.
    """
    import subprocess
    import sys

    import psycopg

    from bench.support import DEFAULT_URL

    base = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL).rsplit("/", 1)[0]
    env = {**os.environ, "BENCH_DATABASE_URL": f"{base}/{IMPORT_DATABASE}"}
    try:
        output = subprocess.run(
            [sys.executable, "-m", "bench.bench_members", "--import-only"], env=env,
            capture_output=True, text=True, check=True, timeout=1800).stdout
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{IMPORT_DATABASE}"')
    for line in output.splitlines():
        if line.startswith("import_seconds="):
            return float(line.split("=", 1)[1])
    raise RuntimeError(f"the import run printed no figure:\n{output}")


def run_import_only():
    setup_django()
    from django.conf import settings

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="omov-bench-media-")
    society, classes = _society("Bench Members Co-operative", SLUG)
    seconds, _rows = _import(_secretary(society))
    print(f"import_seconds={seconds}", flush=True)


def run():
    setup_django()
    from django.conf import settings

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="omov-bench-media-")
    society, classes = _society("Bench Members Co-operative", SLUG)
    _load(society, classes)
    user = _secretary(society)
    client = _client(user)
    pages, sample = _register_pages(society, classes, client)
    emit("register_page_p95_ms", p95(pages), "ms")
    searches = _searches(society, client, sample)
    emit("register_search_p95_ms", p95(searches), "ms")
    export_s, peak, _size = _export(society, client)
    emit("export_1m_s", export_s, "s")
    emit("export_peak_mb", peak, "MB")
    emit("import_1m_s", _import_in_own_database(), "s")


if __name__ == "__main__":
    import sys

    if "--import-only" in sys.argv:
        run_import_only()
    else:
        run()
