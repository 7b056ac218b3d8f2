"""The staff list: for a class whose membership ends with employment, a list of the staff
employed now (from payroll or HR) shows who has left, so the secretary can cease them together
(docs/members.md, "Membership that ends with employment").

The list is a CSV with a header row naming a column `member_number` or `email` (either or both;
other columns are ignored). Each row names one person employed now. A member of a tied class
whom no row names is a leaver. Nothing is written by reading the list: the page shows the
leavers, and the secretary confirms them with the day the employment ended."""

import csv
import io

from members.models import Member

MAX_BYTES = 5 * 1024 * 1024
KEYS = ("member_number", "email")


class StaffListRejected(Exception):
    """The file cannot be read as a staff list; the message names the line or column."""


def read_staff_list(binary: bytes) -> tuple[set[int], set[str]]:
    """The member numbers and (lower-case) email addresses the staff list names."""
    if len(binary) > MAX_BYTES:
        raise StaffListRejected("The staff list is larger than 5 MB.")
    try:
        text = binary.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise StaffListRejected("The staff list is not UTF-8 text: save it as CSV (UTF-8) "
                                "and upload it again.") from error
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower().replace(" ", "_") for name in next(reader, [])]
    columns = {key: header.index(key) for key in KEYS if key in header}
    if not columns:
        raise StaffListRejected("Line 1 (the header) must name a column member_number or "
                                "email.")
    numbers, emails = set(), set()
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if "member_number" in columns:
            value = _cell(row, columns["member_number"])
            if value:
                if not value.isdigit():
                    raise StaffListRejected(f"Line {line}, member_number: {value[:40]!r} is not "
                                            "a member number.")
                numbers.add(int(value))
        if "email" in columns:
            value = _cell(row, columns["email"])
            if value:
                emails.add(value.lower())
    if not numbers and not emails:
        raise StaffListRejected("The staff list names nobody: every current member of the "
                                "class would be a leaver. Check the file.")
    return numbers, emails


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def leavers(society, numbers: set[int], emails: set[str]):
    """Current members of the society's classes tied to employment whom the list does not
    name (by member number or email address), in member-number order."""
    current = Member.objects.filter(society=society, ceased_on__isnull=True,
                                    stakeholder_class__tied_to_employment=True)
    return [member for member in current.select_related("stakeholder_class")
            .order_by("member_number")
            if member.member_number not in numbers and member.email.lower() not in emails]
