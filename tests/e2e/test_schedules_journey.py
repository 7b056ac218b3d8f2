"""A poll opening and closing on time under the embedded mode: nobody presses a button; the
scheduled work (`manage.py run_schedules`'s runner, here in a thread of the test process)
opens the poll at its time, the member votes, and it closes at its time and is counted."""

import re
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from ballots.models import Contest, ContestState
from config.schedules import Scheduler, run_task
from societies.models import AuditEntry
from tests.ballots.conftest import make_contest
from tests.conftest import build_society
from tests.e2e.helpers import assert_accessible

TITLE = "Adopt the new rules"
# How often each scheduled entry runs here (beat's intervals are 30 s and more).
EVERY = 0.5


class SchedulerThread:
    """The runner on a thread sharing the live server's database. On SQLite the test database
    is one in-memory connection shared by every thread, so a task and a request never run at
    the same time: `lock` is held by each request and each task (and by the test's reads)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.main_connection = connections["default"]
        self.thread = threading.Thread(target=self._run, name="run_schedules", daemon=True)

    def _run(self):
        if self.main_connection.vendor == "sqlite" and self.main_connection.is_in_memory_db():
            connections["default"] = self.main_connection
        schedule = {name: {**entry, "schedule": EVERY}
                    for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}

        def run(task, args, kwargs):
            with self.lock:
                return run_task(task, args, kwargs)

        try:
            Scheduler(schedule, run=run).run_until(self.stop, longest_wait=EVERY)
        finally:
            connections.close_all()

    def _request_started(self, **kwargs):
        self.lock.acquire()

    def _request_finished(self, **kwargs):
        self.lock.release()

    def __enter__(self):
        self.main_connection.inc_thread_sharing()
        request_started.connect(self._request_started)
        request_finished.connect(self._request_finished)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=30)
        request_started.disconnect(self._request_started)
        request_finished.disconnect(self._request_finished)
        self.main_connection.dec_thread_sharing()
        assert not self.thread.is_alive(), "the scheduler did not stop"


@pytest.fixture
def scheduled_work(live_server):
    with SchedulerThread() as scheduler:
        yield scheduler


def reload_until(page, url: str, shown, *, before: float) -> None:
    """Load `url` again and again until `shown()` is true; fail at monotonic time `before`."""
    while True:
        page.goto(url)
        if shown():
            return
        assert time.monotonic() < before, f"{url} never showed what was expected"
        page.wait_for_timeout(200)


def test_a_poll_opens_and_closes_on_time_with_nobody_pressing_a_button(
        live_server, new_page, sign_in, scheduled_work):
    world = build_society("millmead", "Millmead Children's Centre")
    base = f"{live_server.url}/s/{world.society.slug}/ballots"
    member = sign_in(new_page(), world.users["member"])
    member.goto(f"{base}/", timeout=60_000)  # the first page a browser loads is the slowest
    loading = time.monotonic()
    member.goto(f"{base}/")
    page_seconds = time.monotonic() - loading
    # Time to load the pages before it opens, and to vote while it is open: seconds, or more
    # on a machine so busy that a page takes more than one.
    opens_in = open_for = max(6, round(6 * page_seconds))
    slack = max(6, round(4 * page_seconds))
    with scheduled_work.lock:
        contest = make_contest(world, method="resolution", open_now=False, title=TITLE)
        with scope(society=world.society):
            now, started = timezone.now(), time.monotonic()
            Contest.objects.filter(pk=contest.pk).update(
                voting_opens=now + timedelta(seconds=opens_in),
                voting_closes=now + timedelta(seconds=opens_in + open_for))
    contest_url = f"{base}/contests/{contest.public_id}/"
    poll_link = TITLE

    # 1. Before its time the poll is not open: nothing to vote on yet.
    member.goto(f"{base}/")
    expect(member.get_by_text("No poll is open.")).to_be_visible()
    member.goto(contest_url)
    expect(member.get_by_text(re.compile(r"^Voting opens .* and closes"))).to_be_visible()
    expect(member.get_by_role("button", name="Cast my vote")).to_have_count(0)
    assert time.monotonic() - started < opens_in, "too slow to see the poll before it opened"
    assert_accessible(member)

    # 2. At its time it opens by itself: the member finds it under "Voting now" and votes.
    reload_until(member, f"{base}/", lambda: member.get_by_role(
        "link", name=poll_link).count() == 1, before=started + opens_in + slack)
    opened_after = time.monotonic() - started
    assert opens_in - 0.5 <= opened_after, "the poll opened before its time"
    expect(member.get_by_text("(you may vote)")).to_be_visible()
    member.get_by_role("link", name=poll_link).click()
    expect(member.get_by_text(re.compile(r"^Voting is open until"))).to_be_visible()
    member.get_by_label("For").check()
    member.get_by_role("button", name="Cast my vote").click()
    expect(member.get_by_role("heading", level=1)).to_contain_text("recorded")
    # Opening it told the roll, as the member's inbox shows.
    member.goto(f"{live_server.url}/s/{world.society.slug}/notifications/inbox/")
    notices = member.get_by_role("table", name="Your notices, newest first")
    expect(notices.get_by_role("link", name=re.compile(f"^Voting is open: .*{TITLE}"))
           ).to_have_count(1)

    # 3. At its closing time it closes by itself, and the count runs. Signing in writes the
    # session through the shared connection, so it waits for the scheduler like a request.
    with scheduled_work.lock:
        officer = sign_in(new_page(), world.users["returning_officer"])
    manage_url = f"{base}/manage/contests/{contest.public_id}/"
    reload_until(officer, manage_url, lambda: "Counted" in officer.locator(
        "#contest-state").inner_text(), before=started + opens_in + open_for + slack)
    closed_after = time.monotonic() - started
    assert opens_in + open_for - 0.5 <= closed_after, "the poll closed before its time"
    member.goto(f"{base}/")
    expect(member.get_by_text("No poll is open.")).to_be_visible()
    member.goto(contest_url)
    expect(member.get_by_role("button", name="Cast my vote")).to_have_count(0)

    with scheduled_work.lock, scope(society=world.society):
        contest.refresh_from_db()
        assert contest.state == ContestState.COUNTED
        steps = AuditEntry.objects.filter(action__in=["contest.opened", "contest.closed"])
        assert [(e.action, e.actor_id) for e in steps.order_by("id")] == [
            ("contest.opened", None), ("contest.closed", None)]
