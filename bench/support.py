"""Shared helpers for benchmarks: a PostgreSQL database of their own, and output lines.

Benchmarks that need Django call `setup_django()` first. They run on PostgreSQL (the
production database): `BENCH_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/omov_bench,
created and migrated if missing. Each figure is printed as one `name: value unit` line.
"""

import os
import resource
import statistics

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/omov_bench"
_ready = False


def setup_django() -> None:
    global _ready
    if _ready:
        return
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret-0123456789-abcdefghijklmnop")
    os.environ.setdefault("HTTPS", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    _create_database(url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    _ready = True


def _create_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def emit(name: str, value: float, unit: str) -> None:
    shown = f"{value:.3f}" if isinstance(value, float) and value < 10 else f"{value:.1f}"
    if isinstance(value, int):
        shown = str(value)
    print(f"{name}: {shown} {unit}", flush=True)


def p95(samples) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def median(samples) -> float:
    return statistics.median(samples)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Start a new peak-RSS measurement (Linux: writing 5 to clear_refs resets VmHWM)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def peak_rss_since_reset_mb() -> float:
    """Peak resident memory since `reset_peak_rss()` (or since the start, where it cannot)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return peak_rss_mb()
