"""A pytest plugin (loaded with `-p tests.xdist_services`, see pyproject.toml): under
pytest-xdist each process gets its own Redis database.

pytest-django gives each xdist process its own test database, but Redis is one server: two
processes sharing a database would share the cache (rate-limit counters), the Celery queue (a
real worker started by one process could take another's task and write to the wrong database)
and `purge()`. This module runs before Django reads its settings, so it moves REDIS_URL from
database N to N + the process number (gw0 keeps N, gw1 takes N + 1, ...). CI leaves room for
that above the database it names.
"""

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16


def own_redis_url(url: str, worker: str) -> str:
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    index = int(worker.removeprefix("gw"))
    if base + index >= REDIS_DATABASES:
        raise RuntimeError(f"Redis has no database {base + index} for xdist worker {worker}: "
                           f"name a lower database in REDIS_URL ({url}) or run fewer workers")
    return urlunsplit(parts._replace(path=f"/{base + index}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = own_redis_url(os.environ["REDIS_URL"], _worker)
