"""Ballot papers by post: the letter pack of a poll that 10,000 members vote in by post.

    python -m bench ballot_papers        (or `make bench`)

A society of 10,000 members who all get letters (one in ten asked for large print), a
contest for 3 seats with 8 candidates (STV), opened through the service, so each member has
a "poll open" letter and a voting code. Measured: the whole letter pack, letter and personal
ballot paper for each voter, made part by part (LETTERS_PER_PART letters a part, as the
secretary downloads them) and each part written to a file as it is made.

Prints `letter_pack_10k_s` (all parts, files written), `letter_pack_10k_cpu_s` (the CPU
time this process spent on it: steadier than the wall clock on a shared machine) and
`letter_pack_10k_peak_mb` (the process's peak resident memory while making them), plus the
pages and bytes written.
Targets: under 2 minutes and under 500 MB. Runs on PostgreSQL (bench.support); its rows
and files are removed.
"""

import gc
import re
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from bench.support import emit, peak_rss_since_reset_mb, reset_peak_rss, setup_django

MEMBERS = 10_000
LARGE_PRINT_EVERY = 10
CANDIDATES = 8
MEMBER_BATCH = 5_000
PAGE = re.compile(rb"/Type\s*/Page\b")  # a page object; the page tree is /Pages


def _make_poll():
    """A society, its members and an opened contest; returns (society, poll notice)."""
    from django.db import transaction
    from django.utils import timezone
    from django_scopes import scope, scopes_disabled

    from ballots import services
    from ballots.codes import issue_codes
    from ballots.models import Candidate, Contest, Election, VoterRollEntry
    from members.models import ContactChannel, Member
    from notifications.models import Notice
    from societies.models import Society, StakeholderClass

    with scopes_disabled():
        society = Society.objects.create(
            slug=f"bench-papers-{uuid.uuid4().hex[:8]}", name="Bench Energy Co-operative",
            registration_number="IP31337R",
            registered_office="Unit 4, Windmill Yard\nBarrow-in-Furness\nLA14 2XX")
    now = timezone.now()
    with scope(society=society):
        stakeholder_class = StakeholderClass.objects.create(society=society, name="Investor")
        for start in range(0, MEMBERS, MEMBER_BATCH):
            Member.objects.bulk_create([
                Member(society=society, member_number=number, full_name=f"Member {number}",
                       address=f"{number} Turbine Row\nBarrow-in-Furness", postcode="LA14 1AA",
                       contact_channel=ContactChannel.POST, stakeholder_class=stakeholder_class,
                       large_print=number % LARGE_PRINT_EVERY == 0,
                       admitted_on=now.date() - timedelta(days=400))
                for number in range(start + 1, min(start + MEMBER_BATCH, MEMBERS) + 1)])
        election = Election.objects.create(society=society, title="2027 board election")
        contest = Contest.objects.create(
            society=society, election=election, title="Investor seats", method="ers97",
            seats=3, record_date=now.date(), voting_opens=now - timedelta(minutes=1),
            voting_closes=now + timedelta(days=14))
        for number, member in enumerate(
                Member.objects.filter(society=society).order_by("pk")[:CANDIDATES], start=1):
            Candidate.objects.create(society=society, contest=contest, member=member,
                                     number=number, consented_at=now)
        with transaction.atomic():
            services.open_voting(actor=None, contest=contest, now=now)
            # The codes are made at the opening; any entry still without one gets one here.
            blank = list(VoterRollEntry.objects.filter(contest=contest, voting_code=""))
            VoterRollEntry.objects.bulk_update(issue_codes(blank), ["voting_code"],
                                               batch_size=2000)
        notice = Notice.objects.get(society=society, kind="ballots.poll_open")
    return society, notice


def _cleanup(society) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("notifications_message", "notifications_notice", "ballots_voterrollentry",
                      "ballots_candidate", "ballots_contest", "ballots_election",
                      "societies_auditentry", "members_member", "societies_stakeholderclass"):
            cursor.execute(f"DELETE FROM {table} WHERE society_id = %s", [society.pk])  # noqa: S608
        cursor.execute("DELETE FROM societies_society WHERE id = %s", [society.pk])


def _write_pack(notice, folder: Path) -> tuple[int, int]:
    """Every part of the pack, each written to its own file as it is made; (pages, bytes)."""
    from django_scopes import scope

    from notifications import letters

    pages = size = 0
    with scope(society=notice.society):
        parts = letters.part_count(letters.pack_messages(notice).count())
        for part in range(1, parts + 1):
            pdf = letters.build_pack(notice, part)
            (folder / f"part-{part:03d}.pdf").write_bytes(pdf)
            pages += len(PAGE.findall(pdf))
            size += len(pdf)
            del pdf
    return pages, size


def run() -> None:
    setup_django()
    from config.celery import app as celery_app

    # The opening queues the notice's dispatch after commit: publish it nowhere.
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://"
    society, notice = _make_poll()
    try:
        with tempfile.TemporaryDirectory(prefix="omov-letter-pack-") as folder:
            gc.collect()
            reset_peak_rss()
            started, cpu = time.perf_counter(), time.process_time()
            pages, size = _write_pack(notice, Path(folder))
            emit("letter_pack_10k_s", time.perf_counter() - started, "s")
            emit("letter_pack_10k_cpu_s", time.process_time() - cpu, "s")
            emit("letter_pack_10k_peak_mb", peak_rss_since_reset_mb(), "MB")
            emit("letter_pack_10k_pages", pages, "pages")
            emit("letter_pack_10k_file_mb", size / 2**20, "MB")
    finally:
        _cleanup(society)


if __name__ == "__main__":
    run()
