"""Every download renders whatever the forms accept.

Hypothesis makes text of the kinds that break files written by hand: astral-plane characters
and emoji, combining marks, right-to-left text, zero-width characters, every control
character a form lets through (U+0001 to U+001F; Django's CharField refuses NUL), the line
and paragraph separators U+2028 and U+2029, CR and LF, lone backslashes, the semicolons and
commas a calendar escapes, quotes, and values as long as each field allows. Each value goes
through the form field that would receive it (what it refuses is replaced by a plain
value) and is saved through the services: the society's name, stakeholder and share class
names, members' names and addresses, a meeting's place, chair and agenda, minutes, a notice's
subject and text, a contest's title, its candidates' names and statements, a resolution's
text, the names the result is signed with.

Then every download a login reaches is fetched (found once by the demo crawl, with the
published result's files and a notice sent for the example) and must answer 200 with a file
that opens: a calendar as RFC 5545 reads it (CRLF lines of at most 75 octets, folded, no raw
control characters, the text unescaped back to what was saved), a PDF through pypdf, a CSV
through the csv module with the saved name in a cell, an XLSX as a valid zip of well-formed
XML holding the name, a BLT through the project's own reader with the candidates' names.

The demo is loaded once for the module and each example's changes are rolled back.
"""

import csv
import io
import logging
import re
import unicodedata
import zipfile
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from accounts.models import User
from ballots import services as ballot_services
from ballots.forms import ConsentForm, ContestForm, ResolutionForm, SignOffForm
from ballots.models import Candidate
from boards import changes as meeting_changes
from boards import services as board_services
from boards.forms import AgendaItemForm, MeetingDetailsForm, MinutesForm
from counting import read_blt_text
from demo.management.commands.seed_demo import SOCIETIES, demo_email
from members import services as member_services
from members.forms import MemberForm
from members.models import ContactChannel, Member
from notifications import services as notice_services
from notifications.forms import SendNoticeForm
from notifications.models import Notice
from shares import services as share_services
from shares.forms import ShareClassForm
from societies import services as society_services
from societies.forms import SocietySettingsForm, StakeholderClassForm
from societies.models import Society
from tests.ballots.conftest import add_members, close_contest, open_contest
from tests.conftest import build_society
from tests.demo_crawl import Crawl, enrol_demo_logins, route_of
from tests.pdf import read_pdf

SLUGS = [spec["slug"] for spec in SOCIETIES]
# The logins whose crawl finds every kind of download (the others reach a subset).
FINDERS = ("secretary", "member")
# The society a notice is sent in for each example (sending costs time; the letters and the
# list of service are the same code in every society).
NOTICES_IN = "millmead"
# Long text fields (no max_length) are tried up to this many characters.
LONG_TEXT = 1000

# Pieces of text that files written by hand get wrong.
AWKWARD = [
    "Zoë Ní Bhriain", "Łukasz", "Ağaoğlu", "陈", "O'Brien", '"Jo"', "\\", "\\n", ";", ",",
    ":", "#", "=1+2", "-", "@", "\r\n", "\n", "\r", "\t", "\u2028", "\u2029", "\u0085",
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202e", "\u2066", "\ufeff", "\ufffd",
    "שלום", "مرحبا", "e\u0301", "a\u0308\u0323", "\U0001f600", "👩‍👩‍👧", "🇬🇧",
    "\U0001d400", "\U00020000", "\U0010fffd", "\u00a0", "\u3000", "x" * 40, " ",
    *[chr(code) for code in range(1, 32)], "\x7f", "\x00",
]
piece = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=6),
)
raw_text = st.lists(piece, min_size=1, max_size=10).map("".join)


def accepted(field, raw: str, long: bool, fallback: str):
    """What `field` (a form's own field) keeps of `raw`, made as long as the field allows
    when `long`; `fallback` when the form refuses it."""
    limit = field.max_length or LONG_TEXT
    if long and raw:
        raw = raw * (limit // len(raw) + 1)
    raw = raw[:limit]
    try:
        value = field.clean(raw)
    except ValidationError:
        return fallback
    return value if value else fallback


class Values:
    """One example's text for each field, each as its form accepts it: a few drawn texts
    (each to be made as long as a field allows, or not), given out to the fields in turn."""

    def __init__(self, pool: list[tuple[str, bool]]):
        self.pool, self.given, self.used = pool, 0, []

    def __call__(self, form, name, fallback="Zoë Ní Bhriain", prefix=""):
        raw, long = self.pool[self.given % len(self.pool)]
        self.given += 1
        value = accepted(form.base_fields[name], prefix + raw, long, fallback)
        self.used.append(value)
        return value


pools = st.lists(st.tuples(raw_text, st.booleans()), min_size=1, max_size=7)


def squash(text: str) -> str:
    """Text without white space, controls or format characters: what a file keeps of a value
    whatever it does with line breaks and characters it may not hold."""
    return "".join(ch for ch in text if not ch.isspace()
                   and unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))


# Readers for each kind of file

TEXT_PROPERTIES = ("SUMMARY", "LOCATION", "DESCRIPTION")


def read_ics(body: bytes) -> dict:
    """An iCalendar file read as RFC 5545 says: CRLF lines of at most 75 octets, unfolded,
    no control characters but HTAB, TEXT values unescaped. Returns {name: value}."""
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    for line in lines:
        assert len(line) <= 75, f"a line longer than 75 octets: {line!r}"
        assert not re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", line), f"a control in {line!r}"
    text = body.decode("utf-8")
    unfolded = re.sub(r"\r\n[ \t]", "", text).split("\r\n")[:-1]
    properties = {}
    for line in unfolded:
        name, _sep, value = line.partition(":")
        assert _sep, f"no colon in {line!r}"
        properties.setdefault(name.split(";")[0], value)
    assert properties["BEGIN"] == "VCALENDAR"
    return {name: unescape_ics(value) if name in TEXT_PROPERTIES else value
            for name, value in properties.items()}


def unescape_ics(value: str) -> str:
    """A TEXT value unescaped (RFC 5545 3.3.11); a bare ';' or ',' is a broken value."""
    out, chars = [], iter(value)
    for ch in chars:
        if ch == "\\":
            following = next(chars, "")
            assert following and following in "\\;,nN", f"a bad escape in {value!r}"
            out.append("\n" if following in "nN" else following)
        else:
            assert ch not in ";,", f"an unescaped {ch!r} in {value!r}"
            out.append(ch)
    return "".join(out)


def read_csv(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def read_xlsx(body: bytes) -> list[str]:
    """Every string of the workbook (shared or inline), from well-formed XML in a valid
    zip; the _xHHHH_ escapes of characters XML cannot hold read back."""
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        assert book.testzip() is None
        names = book.namelist()
        assert "[Content_Types].xml" in names and "xl/workbook.xml" in names
        strings = []
        for name in names:
            if name.endswith((".xml", ".rels")):
                root = ElementTree.fromstring(book.read(name))  # noqa: S314 - our own file
                if name == "xl/sharedStrings.xml" or name.startswith("xl/worksheets/"):
                    strings += ["".join(item.itertext()) for item in root.iter()
                                if item.tag.endswith(("}si", "}is"))]
    return [re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), s)
            for s in strings]


def in_cells(value: str, cells) -> bool:
    """`value` in a cell, allowing the apostrophe a spreadsheet puts before a formula."""
    return any(cell == value or cell == "'" + value for cell in cells)


# The data


class DownloadFinder(Crawl):
    """The demo crawl, keeping each download it reaches."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.found = []

    def visit(self, url, origin):
        response = self.client.get(url)
        if response.status_code == 200 and not response.get(
                "Content-Type", "").startswith("text/html"):
            self.found.append(url)
            return
        super().visit(url, origin)


@pytest.fixture(scope="module")
def world(demo_data, django_db_blocker):
    """The demo, the downloads its logins reach, and a society of its own for the results."""
    with django_db_blocker.unblock():
        enrol_demo_logins()
        downloads = []
        for slug in SLUGS:
            for login in FINDERS:
                email = demo_email(login, slug)
                client = Client()
                with scopes_disabled():
                    client.force_login(User.objects.get(email=email))
                crawl = DownloadFinder(client, f"/s/{slug}/", f"/s/{slug}/", samples=1).run()
                downloads += [(email, url) for url in crawl.found]
            for kind in ("full", "duplicate"):
                for fmt in ("csv", "xlsx", "pdf"):
                    downloads.append((demo_email("secretary", slug),
                                      f"/s/{slug}/members/register/export/{kind}.{fmt}"))
        results = build_society("results", "Results Co-operative")
        officer = demo_email("returning-officer", NOTICES_IN)
        with scope(society=Society.objects.get(slug=NOTICES_IN)):
            for candidate in Candidate.objects.filter(contest__society__slug=NOTICES_IN):
                kwargs = {"society_slug": NOTICES_IN, "public_id": candidate.contest.public_id,
                          "candidate_id": candidate.public_id}
                downloads.append((officer, reverse("ballots:consent_form", kwargs=kwargs)))
                message = ballot_services.nominee_message(candidate)
                if message is not None and message.channel == "post":
                    downloads.append((officer,
                                      reverse("ballots:nominee_letter", kwargs=kwargs)))
    return Found(one_of_each(downloads), results)


def one_of_each(downloads):
    """One URL of each route in each society (a view and its writer serve every row alike),
    without its query string where the plain URL is there too."""
    kept = {}
    for email, url in sorted(set(downloads), key=lambda d: ("?" in d[1], d[0] != "secretary", d)):
        kept.setdefault((society_of(url), route_of(url.split("?")[0])), (email, url))
    return sorted(kept.values())


class Found(dict):
    """The module's downloads and results society (shown briefly in a failure's report)."""

    def __init__(self, downloads, results):
        super().__init__(downloads=downloads, results=results,
                         routes={route_of(url.split("?")[0]) for _email, url in downloads})

    def __repr__(self):
        return f"<{len(self['downloads'])} downloads>"


def test_the_crawl_finds_every_kind_of_download(world):
    expected = {"meeting.ics", "minutes.pdf", "letters.pdf", "service.csv", "consent-form.pdf",
                "letter.pdf", "certificates/<uuid:public_id>/pdf/", "template.csv",
                "interest/<uuid:public_id>/csv/"}
    missing = {end for end in expected if not any(r.endswith(end) for r in world["routes"])}
    assert missing == set()


# Saving the example through the services


def save_society_texts(values: Values, society: Society, secretary) -> dict:
    """Change what the demo society's downloads show; return what to look for in them."""
    shown = {}
    name = values(SocietySettingsForm, "name", "Zoë's Co-operative")
    society_services.update_society_settings(actor=secretary, society=society,
                                             values={"name": name}, fields=["name"])
    shown["society"] = name
    for i, cls in enumerate(society.stakeholder_classes.all()):
        society_services.update_stakeholder_class(
            actor=secretary, stakeholder_class=cls,
            values={"name": values(StakeholderClassForm, "name", f"Class {i}", prefix=f"{i} ")})
    for i, share_class in enumerate(society.share_classes.all()):
        share_services.update_share_class(
            actor=secretary, share_class=share_class,
            values={"name": values(ShareClassForm, "name", f"Class {i}", prefix=f"{i} ")})
    shown["members"] = rename_members(values, secretary, society.members.filter(
        pk__in=shown_members(society)))
    for meeting in society.meetings.all():
        save_meeting_texts(values, meeting, secretary)
    if society.slug == NOTICES_IN:
        subject = values(SendNoticeForm, "subject", "Notice")
        body = values(SendNoticeForm, "body", "Text")
        shown["notice"] = notice_services.send_notice(actor=secretary, society=society,
                                                      subject=subject, body=body)
    return shown


def shown_members(society):
    """Members the downloads show: the first few, the first by post, candidates, holders of
    certificates, and those in an interest run."""
    members = society.members.order_by("member_number")
    pks = [*members.values_list("pk", flat=True)[:3],
           *members.filter(contact_channel=ContactChannel.POST).values_list("pk", flat=True)[:3]]
    pks += Member.objects.filter(society=society, candidacies__isnull=False).values_list(
        "pk", flat=True)
    pks += Member.objects.filter(society=society, share_certificates__isnull=False).values_list(
        "pk", flat=True)[:20]
    return set(pks)


def rename_members(values: Values, actor, members) -> dict:
    names = {}
    for member in members:
        full_name = values(MemberForm, "full_name", f"Member {member.member_number}")
        address = values(MemberForm, "address", "1 High Street")
        postcode = values(MemberForm, "postcode", "AB1 2CD")
        member_services.update_member(actor=actor, member=member, values={
            "full_name": full_name, "address": address, "postcode": postcode})
        names[member.pk] = full_name
    return names


def save_meeting_texts(values: Values, meeting, secretary):
    if meeting.held_on >= timezone.localdate() and not meeting.is_cancelled:
        meeting_changes.edit_meeting_details(
            actor=secretary, meeting=meeting, reason=values(MeetingDetailsForm, "reason", ""),
            values={"place": values(MeetingDetailsForm, "place", "The hall"),
                    "chair_name": values(MeetingDetailsForm, "chair_name", "The chair")})
    if not meeting.is_cancelled:
        board_services.add_agenda_item(
            actor=secretary, meeting=meeting, kind="other",
            title=values(AgendaItemForm, "title", "Any other business"),
            description=values(AgendaItemForm, "description", ""))
    minutes = getattr(meeting, "minutes", None)
    if minutes is not None and minutes.approved_on is None:
        board_services.edit_minutes(actor=secretary, minutes=minutes,
                                    text=values(MinutesForm, "text", "Minutes"))


def published_contests(values: Values, world) -> list:
    """A published STV contest and a published resolution in the results society, titled,
    stood for and signed with the example's text."""
    society, ro = world.society, world.users["returning_officer"]
    now = timezone.now()
    made = []
    for method in ("ers97", "resolution"):
        election = ballot_services.create_election(
            actor=ro, society=society, title=values(ContestForm, "title", "Election"))
        fields = {"title": values(ContestForm, "title", "Community seats"), "method": method,
                  "seats": 1, "record_date": timezone.localdate(),
                  "nominations_open": now - timedelta(days=2),
                  "nominations_close": now + timedelta(hours=1),
                  "voting_opens": now + timedelta(hours=2),
                  "voting_closes": now + timedelta(days=7)}
        if method == "resolution":
            fields.update(resolution_kind="ordinary", nominations_open=None,
                          nominations_close=None,
                          resolution_text=values(ResolutionForm, "resolution_text", "That."),
                          explanatory_note=values(ResolutionForm, "explanatory_note", ""))
        contest = ballot_services.create_contest(actor=ro, election=election, values=fields)
        voters = add_members(world, 5, start=1000 + 10 * len(world.society.contests.all()))
        contest.names = rename_members(values, ro, voters[:3])
        if method != "resolution":
            for voter in voters[:3]:
                candidate = ballot_services.nominate(
                    actor=ro, contest=contest, nominated_by=None, candidate=voter,
                    proposer=voters[-1], seconder=voters[-2])
                ballot_services.consent_to_stand(
                    actor=voter.user, candidate=candidate, member=voter,
                    statement=values(ConsentForm, "statement", ""))
        open_contest(contest, world)
        candidates = [str(c.public_id) for c in contest.candidates.order_by("number")]
        # A clear winner, so that no lot is needed: the first candidate, or "for".
        for voter, ranks in zip(voters, ((0, 1), (0,), (0, 2), (1, 2), (2,)), strict=True):
            choices = [candidates[r] for r in ranks] if candidates else (
                "for" if ranks[0] == 0 else "against")
            ballot_services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                        choices=choices)
        close_contest(contest, world)
        ballot_services.sign_off(actor=ro, contest=contest,
                                 name=values(SignOffForm, "name", "Rita Officer"),
                                 on=timezone.localdate())
        ballot_services.cosign_result(actor=world.users["secretary"], contest=contest,
                                      name=values(SignOffForm, "name", "Sam Scrutineer"),
                                      on=timezone.localdate())
        ballot_services.publish_result(actor=ro, contest=contest)
        contest.refresh_from_db()
        made.append(contest)
    return made


def result_downloads(world, contests) -> list[tuple[str, str]]:
    email = world.users["secretary"].email
    slug = world.society.slug
    urls = []
    for contest in contests:
        names = ["receipts_text", "ballots_text", "certificate"]
        if not contest.is_resolution:
            names.append("blt")
        urls += [(email, reverse(f"ballots:{name}", kwargs={
            "society_slug": slug, "public_id": contest.public_id})) for name in names]
    return urls


def society_of(url: str) -> str:
    return url.split("/")[2]


# The property


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(pool=pools)
def test_every_download_renders_what_the_forms_accept(world, db, pool, missing_glyphs):
    values = Values(pool)
    with transaction.atomic():
        shown = {}
        with TestCase.captureOnCommitCallbacks(execute=True):
            for slug in SLUGS:
                society = Society.objects.get(slug=slug)
                with scope(society=society):
                    secretary = User.objects.get(email=demo_email("secretary", slug))
                    shown[slug] = save_society_texts(values, society, secretary)
            results = world["results"]
            with scope(society=results.society):
                contests = published_contests(values, results)
        downloads = list(world["downloads"]) + result_downloads(results, contests)
        # The notice sent, and the results society's notices of its polls: their letter
        # packs hold the ballot papers, with the contests' titles and candidates' names.
        with scope(society=results.society):
            polls = list(Notice.objects.filter(society=results.society))
        assert len(polls) >= 2, "each poll's opening sent its members by post a paper"
        for email, slug, notice in [
                (demo_email("secretary", NOTICES_IN), NOTICES_IN, shown[NOTICES_IN]["notice"]),
                *((results.users["secretary"].email, results.society.slug, n) for n in polls)]:
            for name, query in (("notice_export", ""), ("letter_pack", "?part=1")):
                downloads.append((email, reverse(f"notifications:{name}", kwargs={
                    "society_slug": slug, "public_id": notice.public_id}) + query))
        problems = []
        for email, url in downloads:
            problem = check_download(email, url, shown.get(society_of(url)), contests,
                                     missing_glyphs)
            if problem:
                problems.append(f"{url}: {problem}")
        transaction.set_rollback(True)
    assert not problems, "\n".join([*problems, f"values saved: {values.used!r}"])


class Caught(logging.Handler):
    """What fpdf2 logs while a PDF is made (a glyph its font lacks, for one)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def check_download(email: str, url: str, shown: dict | None, contests, missing_glyphs) -> str:
    client = Client()
    with scopes_disabled():
        client.force_login(User.objects.get(email=email))
    caught = Caught()
    fpdf_log = logging.getLogger("fpdf")
    fpdf_log.addHandler(caught)
    try:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    finally:
        fpdf_log.removeHandler(caught)
    if response.status_code != 200:
        return f"answered {response.status_code}"
    for message in caught.messages:
        if "missing" in message:
            missing_glyphs.setdefault(route_of(url.split("?")[0]), set()).update(
                re.findall(r"\((\\[^)]+)\)", message))
    content_type = response["Content-Type"]
    try:
        if content_type.startswith("text/calendar"):
            check_ics(body, shown)
        elif content_type.startswith("application/pdf"):
            assert read_pdf(body).pages
        elif content_type.startswith("text/csv"):
            check_csv(url, body, shown)
        elif content_type.startswith("application/vnd.openxml"):
            check_xlsx(url, body, shown)
        elif url.endswith(".blt"):
            check_blt(body, contests)
        elif content_type.startswith("text/plain"):
            body.decode("utf-8")
        else:
            return f"an unexpected kind of file {content_type}"
    except Exception as error:  # noqa: BLE001 - the report names the file and the reason
        return f"{type(error).__name__}: {error}"
    return ""


def check_ics(body: bytes, shown: dict):
    event = read_ics(body)
    assert squash(shown["society"]) in squash(event["SUMMARY"])


def check_csv(url: str, body: bytes, shown: dict):
    rows = read_csv(body)
    assert rows, "no rows"
    cells = [cell for row in rows for cell in row]
    if "/register/export/" in url:
        assert any(in_cells(name, cells) for name in shown["members"].values()), \
            "no renamed member's name in a cell"


def check_xlsx(url: str, body: bytes, shown: dict):
    strings = read_xlsx(body)
    assert any(in_cells(name, strings) for name in shown["members"].values()), \
        "no renamed member's name in the workbook"


def check_blt(body: bytes, contests):
    """Read by the project's own reader, with each candidate's name as saved (white space
    and controls aside: a name in a BLT file is one line)."""
    election = read_blt_text(body.decode("utf-8"))
    expected = [[squash(n) for n in c.names.values()] for c in contests if not c.is_resolution]
    got = [squash(n) for n in election.candidates]
    assert any(len(names) == len(got) and all(
        g.startswith(n) for g, n in zip(got, names, strict=True)) for names in expected), got
    assert election.title


@pytest.fixture(scope="module")
def missing_glyphs():
    """Characters a PDF's font could not draw, reported once at the end of the module."""
    found = {}
    yield found
    if found:
        print("\nCharacters the PDF fonts had no glyph for, by download:")
        for route, chars in sorted(found.items()):
            print(f"  {route}: {' '.join(sorted(chars))}")
