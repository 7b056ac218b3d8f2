"""The letter pack: one letter a page, the address where a DL window shows it, '£' drawn."""

import re
import zlib

import pytest
from django.db import transaction
from django_scopes import scope

from notifications import letters
from notifications.services import notify
from tests.notifications.conftest import add_member

MM = 72 / 25.4  # PDF points per millimetre
A4_HEIGHT_MM = 297


def streams(pdf: bytes) -> list[bytes]:
    found = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            found.append(zlib.decompress(raw))
        except zlib.error:
            found.append(raw)
    return found


def text_positions(pdf: bytes) -> list[tuple[float, float]]:
    """(x, y from the top) in mm of every text line drawn."""
    found = []
    for stream in streams(pdf):
        for x, y in re.findall(rb"BT ([\d.]+) ([\d.]+) Td", stream):
            found.append((float(x) / MM, A4_HEIGHT_MM - float(y) / MM))
    return found


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


def letters_for(world, count, body="The AGM is on 1 May. Shares are £1 each."):
    with scope(society=world.society), transaction.atomic():
        from notifications.services import create_notice, notify_members

        for i in range(count):
            add_member(world, 200 + i, f"Letter Person {i}", post=True)
        notice = create_notice(society=world.society, kind="notifications.notice",
                               title="Notice of the AGM", audience="All members")
        notify_members(notice=notice, members=world.society.members.filter(
            member_number__gte=200), context={"subject": "Notice of the AGM £1", "body": body})
    return notice


def test_one_letter_a_page_with_the_address_in_the_window(world):
    notice = letters_for(world, 3)
    with scope(society=world.society):
        pdf = letters.build_pack(notice)
    assert pdf.startswith(b"%PDF") and page_count(pdf) == 3
    # The address block starts ~20 mm from the left, ~50 mm from the top, inside a DL window.
    in_window = [(x, y) for x, y in text_positions(pdf)
                 if 19 <= x <= 22 and 50 <= y <= 50 + letters.WINDOW_HEIGHT]
    assert len(in_window) >= 3 * 5  # return line + name + 2 address lines + postcode, a page


def test_the_pound_sign_is_drawn_with_the_embedded_font(world):
    if not all((letters.FONT_DIR / f).is_file() for f in letters.FONT_FILES.values()):
        pytest.skip("DejaVu fonts are not installed: the core-font test covers this machine")
    notice = letters_for(world, 1)
    with scope(society=world.society):
        pdf = letters.build_pack(notice)
    assert b"/FontFile2" in pdf  # the TrueType font is embedded
    # The font's ToUnicode map includes U+00A3, so '£' was drawn (not replaced).
    assert any(b"<00A3>" in s for s in streams(pdf))


def test_without_dejavu_the_core_font_still_draws_the_pound_sign(world, monkeypatch):
    monkeypatch.setattr(letters, "FONT_DIR", letters.Path("/nonexistent"))
    notice = letters_for(world, 1, body="Fees: £1 — “quoted” ’ and ☃")
    with scope(society=world.society):
        pdf = letters.build_pack(notice)
    assert page_count(pdf) == 1 and b"/Helvetica" in pdf
    text = b"".join(streams(pdf)).decode("latin-1")
    assert "£1 - \"quoted\" ' and ?" in text.replace("\\", "")


def test_a_long_mailing_is_split_into_parts(world, monkeypatch):
    monkeypatch.setattr(letters, "LETTERS_PER_PART", 2)
    notice = letters_for(world, 5)
    with scope(society=world.society):
        assert letters.part_count(letters.pack_messages(notice).count()) == 3
        assert [page_count(letters.build_pack(notice, part)) for part in (1, 2, 3)] == [2, 2, 1]


def test_word_wrap_keeps_lines_within_the_width_and_breaks_long_words():
    measure = len  # one unit a character
    lines = letters.wrap("aaa bbb ccc\n\ndddddddddd e", 7, measure)
    assert lines == ["aaa bbb", "ccc", "", "ddddddd", "ddd e"]
    assert all(len(line) <= 7 for line in lines)


def test_a_notice_by_email_is_not_in_the_pack(world, emailed):
    with scope(society=world.society), transaction.atomic():
        message = notify(society=world.society, member=emailed, kind="notifications.notice",
                         context={"subject": "s", "body": "b"}, dedup_key="x")
    assert message.channel == "email"
