"""Importing a register from CSV: every row checked, all or nothing, errors as a table."""

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members import importer, services
from members.importer import COLUMN_NAMES
from members.models import ImportJob, ImportStatus, Member

GOOD_ROW = {
    "member_number": "100", "full_name": "Ada Lovelace", "address": "12 Example Street; Town",
    "postcode": "ab1 2cd", "email": "ada@example.org", "email_purpose": "",
    "contact_channel": "email", "electronic_consent": "yes", "stakeholder_class": "parent",
    "date_of_birth": "10/12/1990", "admitted_on": "2020-04-01", "ceased_on": "",
    "cessation_reason": "", "cessation_reference": "",
}


def csv_bytes(rows, header=COLUMN_NAMES, bom=False, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header] if isinstance(row, dict)
                        else row)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def run(world, data: bytes, name="register.csv") -> ImportJob:
    with scope(society=world.society):
        job = services.start_import(actor=world.users["secretary"], society=world.society,
                                    uploaded=SimpleUploadedFile(name, data))
    importer.run_import_job(job.pk)
    with scope(society=world.society):
        return ImportJob.objects.get(pk=job.pk)


def member_count(world) -> int:
    with scope(society=world.society):
        return Member.objects.count()


def row(**changes):
    return {**GOOD_ROW, **changes}


def test_a_good_file_imports_every_row(world, audit_entries):
    rows = [row(), row(member_number="101", full_name="Charles Babbage", email="",
                   contact_channel="post", electronic_consent="no",
                   ceased_on="2023-01-01", cessation_reason="resigned"),
            row(member_number="", full_name="Numbered For Me", email="n@example.org")]
    job = run(world, csv_bytes(rows, bom=True))
    assert job.status == ImportStatus.DONE, job.errors
    assert job.rows_imported == 3 and not job.file
    with scope(society=world.society):
        ada = Member.objects.get(member_number=100)
        assert ada.postcode == "AB1 2CD" and ada.date_of_birth == date(1990, 12, 10)
        assert ada.address == "12 Example Street\nTown" and ada.electronic_consent_at
        assert Member.objects.get(member_number=101).cessation_reason == "resigned"
        assert Member.objects.get(member_number=102).full_name == "Numbered For Me"
    actions = [e.action for e in audit_entries(world.society)]
    assert actions == ["members.import_started", "members.imported"]


def errors_of(job):
    return [tuple(e) for e in job.errors]


def assert_rejected(world, job, before):
    assert job.status == ImportStatus.FAILED
    assert job.error_count >= 1 and job.errors
    assert member_count(world) == before


@pytest.mark.parametrize("changes,column,reason", [
    ({"admitted_on": "31/02/2020"}, "admitted_on", "is not a date"),
    ({"admitted_on": ""}, "admitted_on", "is required"),
    ({"date_of_birth": "yesterday"}, "date_of_birth", "is not a date"),
    ({"admitted_on": "2999-01-01"}, "admitted_on", "in the future"),
    ({"stakeholder_class": "Wizard"}, "stakeholder_class", "is not a stakeholder class"),
    ({"member_number": "0"}, "member_number", "not a whole number"),
    ({"member_number": "12a"}, "member_number", "not a whole number"),
    ({"member_number": "1"}, "member_number", "already in the register"),
    ({"email": "not-an-email"}, "email", "not an email address"),
    ({"email": "member@millmead.test"}, "email", "already belongs to a current member"),
    ({"full_name": ""}, "full_name", "is required"),
    ({"address": "  "}, "address", "is required"),
    ({"contact_channel": "pigeon"}, "contact_channel", "not one of"),
    ({"electronic_consent": "maybe"}, "electronic_consent", "not yes or no"),
    ({"ceased_on": "2019-01-01"}, "ceased_on", "before the date admitted"),
    ({"ceased_on": "2021-01-01"}, "cessation_reason", "must be one of"),
    ({"cessation_reason": "resigned"}, "cessation_reason", "ceased_on is blank"),
    ({"ceased_on": "2021-01-01", "cessation_reason": "expelled"}, "cessation_reference",
     "required for an expulsion"),
    ({"date_of_birth": "2015-01-01"}, "date_of_birth", "needs at least 16"),
])
def test_each_bad_value_is_reported_and_nothing_written(world, changes, column, reason):
    before = member_count(world)
    job = run(world, csv_bytes([row(member_number="50", email="ok@example.org"),
                                row(**changes)]))
    assert_rejected(world, job, before)
    assert any(line == 3 and col == column and reason in text
               for line, col, text in errors_of(job)), job.errors


def test_duplicates_within_the_file(world):
    job = run(world, csv_bytes([row(), row(email="other@example.org"),
                                row(member_number="102")]))
    assert_rejected(world, job, member_count(world))
    found = errors_of(job)
    assert (3, "member_number", "100 appears more than once in the file.") in found
    assert any(e[0] == 4 and e[1] == "email" and "also on line 2" in e[2] for e in found)


def test_missing_and_unknown_columns_stop_at_the_header(world):
    header = [c for c in COLUMN_NAMES if c not in ("full_name", "admitted_on")] + ["shoe_size"]
    job = run(world, csv_bytes([["x"] * len(header)], header=header))
    found = errors_of(job)
    assert (1, "full_name", "is a required column and is missing.") in found
    assert (1, "admitted_on", "is a required column and is missing.") in found
    assert any(e[:2] == (1, "shoe_size") for e in found)
    assert job.status == ImportStatus.FAILED


def test_a_file_in_the_wrong_encoding_names_the_lines(world):
    data = csv_bytes([row(full_name="Zoë Ångström"), row(member_number="101", email="",
                                                         full_name="Plain")],
                     encoding="latin-1")
    job = run(world, data)
    assert_rejected(world, job, member_count(world))
    assert errors_of(job)[0][0] == 2 and "not UTF-8" in errors_of(job)[0][2]


def test_a_utf16_file_is_explained(world):
    job = run(world, csv_bytes([row()], encoding="utf-16"))
    assert "UTF-16" in job.errors[0][2]


def test_an_empty_file_and_a_header_only_file(world):
    assert "empty" in run(world, b"").errors[0][2]
    assert "no members" in run(world, csv_bytes([])).errors[0][2]


def test_a_row_with_the_wrong_number_of_values(world):
    job = run(world, csv_bytes([["1", "Only two"]]))
    assert errors_of(job) == [(2, "", "has 2 values; the header has 14.")]


def test_ten_thousand_bad_rows_are_all_counted(world):
    rows = [row(member_number=str(1000 + n), email=f"p{n}@example.org", admitted_on="bad")
            for n in range(10_000)]
    job = run(world, csv_bytes(rows))
    assert job.error_count == 10_000 and len(job.errors) == 10_000
    assert job.errors[-1] == [10_001, "admitted_on", "'bad' is not a date (use YYYY-MM-DD or "
                              "DD/MM/YYYY)."]
    assert member_count(world) == 3


CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "1", "-5", "2020-02-30", "31/12/1999", "Parent", "post", "email",
                     "yes", "resigned", "expelled", "x@y.org", "\x00", "\r", '"', "é"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(header=st.one_of(st.just(COLUMN_NAMES), st.lists(st.sampled_from(COLUMN_NAMES + ["?"]),
                                                         max_size=16)),
       rows=st.lists(st.lists(CELL, max_size=16), max_size=8))
def test_generated_malformed_files_never_crash(world, header, rows):
    before = member_count(world)
    data = csv_bytes(rows, header=header)
    job = run(world, data)
    if job.status == ImportStatus.FAILED:
        assert job.errors and all(len(e) == 3 for e in job.errors)
        assert member_count(world) == before
    else:
        assert job.status == ImportStatus.DONE


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_generated_bytes_never_crash(world, data):
    before = member_count(world)
    job = run(world, data)
    assert job.status == ImportStatus.FAILED
    assert member_count(world) == before


def test_a_hundred_thousand_row_file_imports(world):
    rows = []
    for n in range(100_000):
        rows.append([str(n + 10), f"Member {n:06d}", f"{n} Long Road\nTown", "AB1 2CD",
                     f"m{n}@example.org", "", "email", "yes", "Staff", "1980-01-01",
                     "2020-01-01", "", "", ""])
    job = run(world, csv_bytes(rows))
    assert job.status == ImportStatus.DONE, job.errors[:5]
    assert job.rows_imported == 100_000
    assert member_count(world) == 100_003


def test_the_import_pages(world):
    client = world.client("secretary")
    page = client.get(reverse("members:import", kwargs={"society_slug": "millmead"}))
    assert page.status_code == 200 and b"stakeholder_class" in page.content
    template = client.get(reverse("members:import_template", kwargs={"society_slug":
                                                                     "millmead"}))
    assert template.content.decode("utf-8-sig").startswith(",".join(COLUMN_NAMES))
    response = client.post(reverse("members:import", kwargs={"society_slug": "millmead"}),
                           {"file": SimpleUploadedFile("r.csv", csv_bytes([row(
                               admitted_on="nope")]))})
    assert response.status_code == 302
    job_page = client.get(response["Location"])
    assert b"Nothing was imported" in job_page.content and b"not a date" in job_page.content
    errors = client.get(response["Location"] + "errors.csv")
    assert "2,admitted_on" in errors.content.decode("utf-8-sig")


def test_a_large_file_runs_in_the_background_and_shows_progress(
        world, django_capture_on_commit_callbacks):
    # The task is queued on commit and runs eagerly here; the job page is what a secretary
    # polls meanwhile.
    rows = [row(member_number=str(1000 + n), email=f"bg{n}@example.org") for n in range(3000)]
    data = csv_bytes(rows)
    assert len(data) > importer.INLINE_MAX_BYTES
    client = world.client("secretary")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("members:import", kwargs={"society_slug": "millmead"}),
                               {"file": SimpleUploadedFile("big.csv", data)})
    page = client.get(response["Location"]).content.decode()
    assert "Waiting to start" in page and 'http-equiv="refresh"' in page
    assert member_count(world) == 3
    for callback in queued:
        callback()
    page = client.get(response["Location"])
    assert b"3000 members added" in page.content
