"""Import a register of members from a CSV file: every row checked, all rows or none written.

The file is read once, line by line, as UTF-8 (a byte-order mark is fine). Rows are checked in
chunks against each other and against the register, and written in the same transaction:
COPY on PostgreSQL, batched inserts elsewhere. Any error rolls the whole import back, and the
job keeps a table of (line, column, reason). Progress goes to the cache, because the job row
itself is inside the import's transaction until it ends. Columns: docs/members.md.
"""

import csv
import io
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import DatabaseError, connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from config import bulk
from members.models import (
    CessationReason,
    ContactChannel,
    ImportJob,
    ImportStatus,
    Member,
    age_on,
    normalise_postcode,
)
from societies import audit

log = logging.getLogger(__name__)

CHUNK_ROWS = 5000
MAX_STORED_ERRORS = 10_000
PROGRESS_EVERY = 5000
# Files at most this big are imported while the secretary waits; larger ones in the background.
INLINE_MAX_BYTES = 256 * 1024
DEFAULT_PURPOSE = Member._meta.get_field("email_purpose").default


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    meaning: str


COLUMNS = [
    Column("member_number", False, "Whole number from 1, unique in the register and in the "
           "file. Leave blank to number the row after the highest number in use."),
    Column("full_name", True, "The member's name as it should appear in the register."),
    Column("address", True, "Postal address without the postcode; put each line on its own "
           "line inside the quoted cell, or separate lines with a semicolon."),
    Column("postcode", False, "UK postcode (blank for addresses abroad)."),
    Column("email", False, "Email address; at most one current member per address."),
    Column("email_purpose", False, "What the email address was given for (blank: notices, "
           "ballots and other communications)."),
    Column("contact_channel", False, "email or post (blank: post). email needs an email "
           "address and electronic_consent yes."),
    Column("electronic_consent", False, "yes or no (blank: no): agrees to receive notices "
           "electronically."),
    Column("stakeholder_class", True, "The name of one of the society's stakeholder classes."),
    Column("date_of_birth", False, "YYYY-MM-DD or DD/MM/YYYY; checked against the class's "
           "minimum age on the date admitted."),
    Column("admitted_on", True, "Date admitted: YYYY-MM-DD or DD/MM/YYYY, not in the future."),
    Column("ceased_on", False, "Date ceased, for former members: on or after admitted_on."),
    Column("cessation_reason", False, "With ceased_on: " + ", ".join(CessationReason.values)
           + "."),
    Column("cessation_reference", False, "The decision reference; required for expelled."),
]
COLUMN_NAMES = [c.name for c in COLUMNS]
REQUIRED = {c.name for c in COLUMNS if c.required}
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
COPY_FIELDS = [
    "society_id", "public_id", "member_number", "full_name", "address", "postcode", "email",
    "email_purpose", "contact_channel", "electronic_consent", "electronic_consent_at",
    "stakeholder_class_id", "date_of_birth", "admitted_on", "ceased_on", "cessation_reason",
    "cessation_reference", "admission_reference",
]
MAX_NUMBER = 2**31 - 1
CHANNELS = frozenset(str(v) for v in ContactChannel.values)
REASONS = frozenset(str(v) for v in CessationReason.values)
# Django's own email patterns, compiled once (the validator's are lazy objects, slow per call).
_USER = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)
_DOMAIN = re.compile(EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags)
_email_validator = EmailValidator()


def is_email(value: str) -> bool:
    user, at, domain = value.rpartition("@")
    if not at or not user or not domain or len(value) > 254:
        return False
    if _USER.match(user) and _DOMAIN.match(domain):
        return True
    try:  # the rare forms (address literals, internationalised domains): Django decides
        _email_validator(value)
    except ValidationError:
        return False
    return True


def template_csv() -> str:
    """The downloadable template: the header and one example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    writer.writerow([
        "1", "Ada Lovelace", "12 Example Street\nExampletown", "AB1 2CD", "ada@example.org",
        "", "email", "yes", "Parent", "1990-12-10", "2020-04-01", "", "", "",
    ])
    return out.getvalue()


class ImportRejected(Exception):
    """The file has errors: nothing was written. `errors` holds the first of them."""

    def __init__(self, errors, error_count):
        super().__init__(f"{error_count} errors")
        self.errors = errors
        self.error_count = error_count


class _Errors:
    def __init__(self):
        self.stored: list[list] = []
        self.count = 0

    def add(self, line: int, column: str, reason: str) -> None:
        self.count += 1
        if len(self.stored) < MAX_STORED_ERRORS:
            # PostgreSQL text and JSON cannot hold NUL; the reason must still be storable.
            self.stored.append([line, column.replace("\x00", "")[:100],
                                reason.replace("\x00", "\\0")[:500]])

    def __bool__(self):
        return self.count > 0


def parse_date(text: str) -> date:
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return datetime.strptime(text, "%d/%m/%Y").date()


def _lines(binary, errors: _Errors, progress):
    """Decoded lines of the file, keeping line ends (csv needs them for quoted newlines)."""
    first = True
    for number, raw in enumerate(binary, start=1):
        if first:
            first = False
            if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                errors.add(1, "", "The file is UTF-16 text, not CSV UTF-8: in your "
                           "spreadsheet, save it as 'CSV UTF-8 (comma delimited)'.")
                return
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        progress(len(raw))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            errors.add(number, "", "This line is not UTF-8 text: save the file as "
                       "'CSV UTF-8 (comma delimited)'.")
            text = raw.decode("utf-8", errors="replace")
        if "\x00" in text:
            errors.add(number, "", "This line holds NUL characters: is the file really CSV?")
            text = text.replace("\x00", "")
        yield text


class _RowChecker:
    """Turns one CSV record into the values of a Member row, or adds errors."""

    def __init__(self, society, errors: _Errors, today: date):
        self.society = society
        self.errors = errors
        self.today = today
        self.classes = {c.name.strip().lower(): c for c in society.stakeholder_classes.all()}
        self.minimum_ages = {c.pk: c.effective_minimum_age for c in self.classes.values()}
        self.numbers_in_file: set[int] = set()
        self.emails_in_file: dict[str, int] = {}
        self.register_numbers, self.register_emails = _register_keys(society)

    def check(self, line: int, record: dict) -> dict | None:
        """Checked values of one row, or None after adding its errors. Written for speed:
        a million rows pass through here (bench/bench_members.py)."""
        count_before = self.errors.count
        add = self.errors.add
        get = record.get

        number = None
        raw_number = get("member_number", "").strip()
        if raw_number:
            if not raw_number.isdigit() or not 1 <= int(raw_number) <= MAX_NUMBER:
                add(line, "member_number", f"{raw_number!r} is not a whole number from 1.")
            else:
                number = int(raw_number)
                if number in self.numbers_in_file:
                    add(line, "member_number", f"{number} appears more than once in the file.")
                elif number in self.register_numbers:
                    add(line, "member_number", f"{number} is already in the register (numbers "
                        "are never reused).")
                self.numbers_in_file.add(number)
        full_name = get("full_name", "").strip()
        if not full_name:
            add(line, "full_name", "is required.")
        elif len(full_name) > 200:
            add(line, "full_name", "is longer than 200 characters.")
        address = get("address", "").strip()
        if ";" in address or "\n" in address or "\r" in address:
            address = "\n".join(part.strip() for part in address.replace(";", "\n").splitlines()
                                if part.strip())
        if not address:
            add(line, "address", "is required: the register must give a postal address.")
        elif len(address) > 2000:
            add(line, "address", "is longer than 2000 characters.")
        postcode = get("postcode", "").strip()
        if postcode:
            postcode = normalise_postcode(postcode)
            if len(postcode) > 10:
                add(line, "postcode", "is longer than 10 characters.")
        email = get("email", "").strip().lower()
        if email and not is_email(email):
            add(line, "email", f"{email!r} is not an email address.")
        purpose = get("email_purpose", "").strip()
        if len(purpose) > 200:
            add(line, "email_purpose", "is longer than 200 characters.")
        purpose = purpose or (DEFAULT_PURPOSE if email else "")
        channel = get("contact_channel", "").strip().lower() or "post"
        if channel not in CHANNELS:
            add(line, "contact_channel", f"{channel!r} is not one of: email, post.")
        consent_text = get("electronic_consent", "").strip().lower()
        consent = consent_text in YES
        if not consent and consent_text not in NO:
            add(line, "electronic_consent", f"{consent_text!r} is not yes or no.")
        if channel == "email" and not (email and consent):
            add(line, "contact_channel", "email needs an email address and electronic_consent "
                "yes.")
        class_name = get("stakeholder_class", "").strip()
        stakeholder_class = self.classes.get(class_name.lower())
        if stakeholder_class is None:
            known = ", ".join(sorted(c.name for c in self.classes.values())) or "none yet"
            add(line, "stakeholder_class",
                f"{class_name!r} is not a stakeholder class here (classes: {known}).")
        born = self._date(line, record, "date_of_birth")
        admitted = self._date(line, record, "admitted_on", required=True)
        ceased = self._date(line, record, "ceased_on")
        reason = get("cessation_reason", "").strip().lower()
        reference = get("cessation_reference", "").strip()
        if len(reference) > 100:
            add(line, "cessation_reference", "is longer than 100 characters.")
        if admitted and admitted > self.today:
            add(line, "admitted_on", "is in the future.")
        if born and admitted and born >= admitted:
            add(line, "date_of_birth", "is not before the date admitted.")
        if ceased:
            if admitted and ceased < admitted:
                add(line, "ceased_on", "is before the date admitted.")
            if ceased > self.today:
                add(line, "ceased_on", "is in the future.")
            if reason not in REASONS:
                add(line, "cessation_reason",
                    "must be one of " + ", ".join(CessationReason.values) + " when ceased_on "
                    "is given.")
            elif reason == "expelled" and not reference:
                add(line, "cessation_reference", "is required for an expulsion.")
        elif reason:
            add(line, "cessation_reason", "is given but ceased_on is blank.")
        if born and admitted and stakeholder_class is not None:
            minimum = self.minimum_ages[stakeholder_class.pk]
            age = age_on(born, admitted)
            if age < minimum:
                add(line, "date_of_birth", f"makes them {age} when admitted; the "
                    f"{stakeholder_class.name} class needs at least {minimum}.")
        if email and not ceased:
            seen = self.emails_in_file.get(email)
            if email in self.register_emails:
                add(line, "email", f"{email} already belongs to a current member of the "
                    "society.")
            elif seen:
                add(line, "email", f"{email} is also on line {seen}: one current membership "
                    "per person.")
            else:
                self.emails_in_file[email] = line
        if self.errors.count != count_before:
            return None
        return {
            "member_number": number, "full_name": full_name, "address": address,
            "postcode": postcode, "email": email, "email_purpose": purpose,
            "contact_channel": channel, "electronic_consent": consent,
            "stakeholder_class_id": stakeholder_class.pk, "date_of_birth": born,
            "admitted_on": admitted, "ceased_on": ceased,
            "cessation_reason": reason if ceased else "",
            "cessation_reference": reference if ceased else "", "line": line,
        }

    def _date(self, line, record, name, required=False):
        value = (record.get(name) or "").strip()
        if not value:
            if required:
                self.errors.add(line, name, "is required.")
            return None
        try:
            return parse_date(value)
        except ValueError:
            self.errors.add(line, name, f"{value!r} is not a date (use YYYY-MM-DD or "
                            "DD/MM/YYYY).")
            return None


def _check_header(header: list[str], errors: _Errors) -> list[str] | None:
    names = [h.strip().lower().replace(" ", "_") for h in header]
    ok = True
    seen = set()
    for name in names:
        if name in seen:
            errors.add(1, name, "appears twice in the header.")
            ok = False
        seen.add(name)
        if name not in COLUMN_NAMES:
            errors.add(1, name or "(blank)", "is not a column of the register template "
                       "(columns: " + ", ".join(COLUMN_NAMES) + ").")
            ok = False
    for required in COLUMN_NAMES:
        if required in REQUIRED and required not in seen:
            errors.add(1, required, "is a required column and is missing.")
            ok = False
    return names if ok else None


class _Writer:
    """Writes checked rows (config.bulk: COPY on PostgreSQL, one prepared INSERT elsewhere)."""

    def __init__(self, society):
        self.society = society
        self.now = timezone.now()
        self.count = 0
        self.tuned = False

    def _values(self, row):
        return (
            self.society.pk, uuid.uuid4(), row["member_number"], row["full_name"],
            row["address"], row["postcode"], row["email"], row["email_purpose"],
            row["contact_channel"], row["electronic_consent"],
            self.now if row["electronic_consent"] else None, row["stakeholder_class_id"],
            row["date_of_birth"], row["admitted_on"], row["ceased_on"],
            row["cessation_reason"], row["cessation_reference"], "",
        )

    def finish(self):
        """Merge the trigram index's pending list now, so that searches after a large import
        do not scan it row by row until autovacuum comes."""
        if self.tuned:
            with connection.cursor() as cursor:
                cursor.execute("SELECT gin_clean_pending_list('member_name_trgm'::regclass)")

    def write(self, rows):
        if not rows:
            return
        if connection.vendor == "postgresql" and not self.tuned:
            with connection.cursor() as cursor:
                # Fewer, larger merges of the trigram index's pending list.
                cursor.execute("SET LOCAL gin_pending_list_limit = '64MB'")
            self.tuned = True
        self.count += bulk.insert_rows(Member, COPY_FIELDS, map(self._values, rows))


def _register_keys(society) -> tuple[set[int], set[str]]:
    """Every member number ever used in the society, and the emails of current members.

    Read once, with the member numbers held (no admission meanwhile), so each row is checked
    against a set rather than by a query per chunk (two million index probes for a million
    rows)."""
    members = Member.objects.filter(society=society)
    numbers = set(members.values_list("member_number", flat=True).iterator(chunk_size=10000))
    emails = set(members.filter(ceased_on__isnull=True).exclude(email="")
                 .annotate(lower_email=Lower("email"))
                 .values_list("lower_email", flat=True).iterator(chunk_size=10000))
    return numbers, emails


def progress_key(job) -> str:
    return f"members:import-progress:{job.pk}"


def read_progress(job) -> tuple[int, int]:
    """(bytes read, rows checked) while the import runs; the job row has them at the end."""
    return cache.get(progress_key(job)) or (job.bytes_read, job.rows_checked)


@transaction.atomic
def import_register(*, actor, job: ImportJob, binary) -> int:
    """Check and write every row of `binary` (a file opened for reading bytes) or none."""
    from members.services import hold_member_numbers, take_member_numbers

    society = job.society
    # Admissions wait for the import (its numbers, and the register read below, stay valid);
    # nothing else in the society does.
    hold_member_numbers(society)
    errors = _Errors()
    state = {"bytes": 0, "rows": 0, "reported": 0}

    def progress(size):
        state["bytes"] += size

    def report(force=False):
        if force or state["rows"] - state["reported"] >= PROGRESS_EVERY:
            state["reported"] = state["rows"]
            cache.set(progress_key(job), (state["bytes"], state["rows"]), 3600)

    checker = _RowChecker(society, errors, timezone.localdate())
    writer = _Writer(society)
    reader = csv.reader(_lines(binary, errors, progress))
    header = None
    columns = None
    chunk: list[dict] = []
    unnumbered: list[dict] = []
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.add(line, "", f"The file cannot be read as CSV here: {error}.")
            continue
        if header is None:
            header = record
            columns = _check_header(record, errors)
            if columns is None:
                break
            continue
        if not any(field.strip() for field in record):
            continue
        state["rows"] += 1
        report()
        if len(record) != len(columns):
            errors.add(line, "", f"has {len(record)} values; the header has {len(columns)}.")
            continue
        row = checker.check(line, dict(zip(columns, record, strict=True)))
        if row is None:
            continue
        if row["member_number"] is None:
            unnumbered.append(row)
            continue
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            if not errors:
                writer.write(chunk)
            chunk = []
    if header is None and not errors:
        errors.add(1, "", "The file is empty: start from the template, which has the header "
                   "row.")
    if not errors and state["rows"] == 0:
        errors.add(2, "", "The file has a header but no members.")
    report(force=True)
    job.bytes_read, job.rows_checked = state["bytes"], state["rows"]
    if errors:
        raise ImportRejected(errors.stored, errors.count)
    writer.write(chunk)
    # After the highest in the register, the file's rows included; taken even for none, so
    # the counter moves past the numbers the file brought.
    for row, number in zip(unnumbered, take_member_numbers(society, len(unnumbered)),
                           strict=True):
        row["member_number"] = number
    writer.write(unnumbered)
    writer.finish()
    # Marked done with the rows it wrote, so a worker that dies after this commit leaves no
    # import to redo (jobs: run_import is redone only while the job is still "running").
    job.rows_imported, job.status, job.finished_at = writer.count, ImportStatus.DONE, \
        timezone.now()
    job.save(update_fields=["status", "finished_at", "bytes_read", "rows_checked",
                            "rows_imported"])
    audit.record(society, actor, "members.imported", job,
                 {"file": job.original_name, "rows": writer.count})
    return writer.count


def run_import_job(job_id: int) -> str:
    """Claim a queued job, import its file, record the outcome. Safe to run twice."""
    with scopes_disabled():
        claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.RUNNING, started_at=timezone.now())
        if not claimed:
            return "not claimed"
        job = ImportJob.objects.select_related("society", "created_by").get(pk=job_id)
    with scope(society=job.society):
        try:
            with job.file.open("rb") as binary:
                job.rows_imported = import_register(actor=job.created_by, job=job,
                                                    binary=binary)
            job.status = ImportStatus.DONE
        except ImportRejected as rejected:
            job.status = ImportStatus.FAILED
            job.errors, job.error_count = rejected.errors, rejected.error_count
        except DatabaseError:
            log.exception("member import %s failed while writing", job.pk)
            job.status = ImportStatus.FAILED
            job.errors = [[0, "", "The register changed while the file was being imported "
                           "(someone else added members). Nothing was written: upload the "
                           "file again."]]
            job.error_count = 1
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at", "bytes_read", "rows_checked",
                                "rows_imported", "errors", "error_count"])
        # The file holds personal data: keep it no longer than the import needs it.
        job.file.delete(save=True)
        cache.delete(progress_key(job))
    return job.status


def requeue_import_job(society_id: int, job_id: int) -> None:
    """Its worker died mid-import: nothing was written (one transaction), so wait again."""
    ImportJob.objects.filter(society_id=society_id, pk=job_id,
                             status=ImportStatus.RUNNING).update(status=ImportStatus.QUEUED,
                                                                 started_at=None)


def import_job_gave_up(society_id: int, job_id: int, reason: str) -> None:
    """The import is not tried again: say why on its page, and drop the file."""
    job = ImportJob.objects.filter(society_id=society_id, pk=job_id,
                                   status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]).first()
    if job is None:
        return
    job.status, job.finished_at = ImportStatus.FAILED, timezone.now()
    job.errors, job.error_count = [[0, "", f"Nothing was imported. {reason}"]], 1
    job.save(update_fields=["status", "finished_at", "errors", "error_count"])
    if job.file:
        job.file.delete(save=True)
    cache.delete(progress_key(job))
