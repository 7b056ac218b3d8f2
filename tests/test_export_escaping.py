"""Every CSV and XLSX file the site writes keeps text a spreadsheet would run as a formula as
text (config/spreadsheet.py): the register, the record of service, the share interest payment
file and the import errors, with members named like formulas."""

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from config import spreadsheet
from members.models import ImportJob, Member
from notifications.models import Channel, Message, Notice, Status
from shares.models import InterestLine, InterestRun, InterestRunStatus, ShareClass

NAMES = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]


def test_the_rule_escapes_text_only():
    assert [spreadsheet.cell(name) for name in NAMES] == ["'" + name for name in NAMES]
    assert spreadsheet.cell("Ada Lovelace") == "Ada Lovelace"
    assert spreadsheet.cell("") == ""
    assert spreadsheet.cell(-2) == -2 and spreadsheet.cell(Decimal("-12.50")) == Decimal("-12.50")
    assert spreadsheet.cell(None) is None


@pytest.fixture
def formula_members(world):
    """Members whose names a spreadsheet would run as formulas, numbered 201 onwards."""
    with scope(society=world.society):
        return [Member.objects.create(
            society=world.society, member_number=201 + n, full_name=name,
            address="1 Formula Road\nTown", postcode="AB1 2CD", email=f"f{n}@example.test",
            stakeholder_class=world.classes["Staff"], admitted_on=date(2020, 1, 6))
            for n, name in enumerate(NAMES)]


def _url(world, name, **kwargs):
    return reverse(name, kwargs={"society_slug": world.society.slug, **kwargs})


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def _escaped_names(rows, column: int) -> set[str]:
    return {row[column] for row in rows[1:] if row[column].lstrip("'") in NAMES}


@pytest.mark.parametrize("kind", ["full", "duplicate"])
def test_the_register_csv_escapes_formula_names(world, formula_members, kind):
    response = world.client("secretary").get(
        _url(world, "members:register_export", kind=kind, fmt="csv"))
    assert _escaped_names(_csv(response), 1) == {"'" + name for name in NAMES}


def test_the_register_xlsx_has_no_formulas_and_escapes_formula_names(world, formula_members):
    response = world.client("secretary").get(
        _url(world, "members:register_export", kind="full", fmt="xlsx"))
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no cell is a formula
    assert "&apos;=HYPERLINK(" in sheet or "'=HYPERLINK(" in sheet
    for name in ("+1", "-2", "@SUM(A1)"):
        assert f">'{name}<" in sheet


def test_the_record_of_service_csv_escapes_formula_names(world, formula_members):
    with scope(society=world.society):
        notice = Notice.objects.create(society=world.society, kind="notice", title="=1+1")
        for member in formula_members:
            Message.objects.create(
                society=world.society, notice=notice, recipient=member, channel=Channel.EMAIL,
                kind="notice", dedup_key=f"n-{member.pk}", subject="s", body_text="b",
                to_email=member.email, status=Status.SENT, sent_at=timezone.now(),
                last_error="-ERR refused")
    rows = _csv(world.client("auditor").get(
        _url(world, "notifications:notice_export", public_id=notice.public_id)))
    assert _escaped_names(rows, 2) == {"'" + name for name in NAMES}
    assert {row[0] for row in rows[1:]} == {"'=1+1"}
    assert {row[9] for row in rows[1:]} == {"'-ERR refused"}


def test_the_interest_csv_escapes_names_and_keeps_amounts_as_numbers(world, formula_members):
    with scope(society=world.society):
        share_class = ShareClass.objects.create(
            society=world.society, name="@Investor", nominal_value_pence=100,
            minimum_holding=1, interest_rate_percent=Decimal("5"))
        run = InterestRun.objects.create(
            society=world.society, period_start=date(2022, 4, 1), year_end=date(2023, 3, 31),
            status=InterestRunStatus.DRAFT)
        for member in formula_members:
            InterestLine.objects.create(society=world.society, run=run, member=member,
                                        share_class=share_class, pence_days=1,
                                        interest_pence=1250, paid_pence=1250)
    rows = _csv(world.client("secretary").get(
        _url(world, "shares:interest_csv", public_id=run.public_id)))
    assert _escaped_names(rows, 1) == {"'" + name for name in NAMES}
    assert {row[2] for row in rows[1:]} == {"'@Investor"}
    assert {(row[3], row[6]) for row in rows[1:]} == {("12.50", "12.50")}


def test_the_import_errors_csv_escapes_what_the_file_held(world):
    with scope(society=world.society):
        job = ImportJob.objects.create(society=world.society, original_name="x.csv",
                                       errors=[[2, "full_name", "=cmd|' /C calc'!A0 is odd"]])
    rows = _csv(world.client("secretary").get(
        _url(world, "members:import_errors", public_id=job.public_id)))
    assert rows[1] == ["2", "full_name", "'=cmd|' /C calc'!A0 is odd"]
