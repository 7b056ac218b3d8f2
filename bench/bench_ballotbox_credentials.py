"""Ballot box benchmark: 10,000 public credentials as table rows (`PublicCredential`).

    python -m bench ballotbox_credentials      (PostgreSQL, see bench/support.py)

Public credentials of the 2048-bit groups are decimal numbers of about 617 digits; random
ones of that length stand in for the tool's (the tool's own take minutes to make and weigh
the same). Figures:
- box_credentials_store_10000_s: `bulk_create` of 10,000 rows, as `open_box` does
- box_credentials_table_10000_kb: the rows' table and indexes on disk
- box_credential_lookup_ms: one "is this credential the box's?" query (median of 1,000), as
  `store_ballot` asks for every ballot
- box_credentials_blob_lookup_ms: the alternative, one JSON text of every credential read
  from the box and parsed to answer the same question (median of 100)
"""

import json
import random
import statistics
import time

from bench.support import emit, setup_django

COUNT = 10_000


def run() -> None:
    setup_django()
    from django.db import connection
    from django_scopes import scopes_disabled

    from ballotbox.models import Box, PublicCredential
    from societies.models import Society

    rng = random.Random(20261207)
    credentials = [str(rng.getrandbits(2048)).rjust(617, "1") for _ in range(COUNT)]
    with scopes_disabled():
        society, _ = Society.objects.get_or_create(
            slug="bench-ballotbox", defaults={"name": "Bench", "registered_office": "1 Road"})
        Box.objects.filter(society=society).delete()
        box = Box.objects.create(society=society, name="bench", election_id="bench" * 3,
                                 group="RFC-3526-2048", questions=[], threshold=1,
                                 trustee_count=1)
        started = time.perf_counter()
        PublicCredential.objects.bulk_create(
            (PublicCredential(society=society, box=box, credential=c) for c in credentials),
            batch_size=2000)
        emit("box_credentials_store_10000_s", time.perf_counter() - started, "s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE ballotbox_publiccredential")
            cursor.execute("SELECT pg_total_relation_size('ballotbox_publiccredential')")
            emit("box_credentials_table_10000_kb", cursor.fetchone()[0] // 1024, "kB")
        samples = []
        for credential in rng.sample(credentials, 1000):
            started = time.perf_counter()
            assert PublicCredential.objects.filter(box=box, credential=credential).exists()
            samples.append(time.perf_counter() - started)
        emit("box_credential_lookup_ms", statistics.median(samples) * 1000, "ms")
        blob = json.dumps(credentials)
        Box.objects.filter(pk=box.pk).update(election=blob)  # stands in for a blob field
        samples = []
        for credential in rng.sample(credentials, 100):
            started = time.perf_counter()
            text = Box.objects.values_list("election", flat=True).get(pk=box.pk)
            assert credential in set(json.loads(text))
            samples.append(time.perf_counter() - started)
        emit("box_credentials_blob_lookup_ms", statistics.median(samples) * 1000, "ms")
        box.delete()
