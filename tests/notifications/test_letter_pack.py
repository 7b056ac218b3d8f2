"""The letter pack: one letter a page, the address where a DL window shows it, '£' drawn."""

import pytest
from django.db import transaction
from django_scopes import scope

from config import fonts
from notifications import letters
from notifications.services import notify
from tests.conftest import REQUIRE_SERVICES
from tests.notifications.conftest import add_member
from tests.pdf import read_pdf


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
        pack = read_pdf(letters.build_pack(notice))
    assert len(pack) == 3
    # The address block starts ~20 mm from the left, ~50 mm from the top, inside a DL window.
    for number, page in enumerate(pack.pages):
        window = [line.text for line in page.lines_within(
            19, 22, letters.WINDOW_TOP, letters.WINDOW_TOP + letters.WINDOW_HEIGHT)]
        assert window[0].startswith("If undelivered, return to: Millmead Children's Centre")
        assert window[1:] == [f"Letter Person {number}", "2 Mill Lane", "Millmead", "ME1 1AA"]
        assert f"Member no. {200 + number}" in page.text


def test_the_pound_sign_is_drawn_with_the_embedded_font(world):
    if fonts.unicode_fonts() is None:
        if REQUIRE_SERVICES:
            pytest.fail("DejaVu fonts are not installed: CI installs fonts-dejavu-core")
        pytest.skip("DejaVu fonts are not installed: the core-font test covers this machine")
    notice = letters_for(world, 1)
    with scope(society=world.society):
        (page,) = read_pdf(letters.build_pack(notice)).pages
    assert any(font.startswith("DejaVuSans") for font in page.embedded_fonts)
    assert "Notice of the AGM £1" in page.text and "Shares are £1 each." in page.text


def test_without_dejavu_the_core_font_still_draws_the_pound_sign(world, settings):
    settings.FONT_DIRS = ["/nonexistent"]
    notice = letters_for(world, 1, body="Fees: £1 — “quoted” ’ and ☃")
    with scope(society=world.society):
        (page,) = read_pdf(letters.build_pack(notice)).pages
    assert page.fonts == {"Helvetica", "Helvetica-Bold"} and not page.embedded_fonts
    assert "Fees: £1 - \"quoted\" ' and ?" in page.text


def test_a_long_mailing_is_split_into_parts(world, monkeypatch):
    monkeypatch.setattr(letters, "LETTERS_PER_PART", 2)
    notice = letters_for(world, 5)
    with scope(society=world.society):
        assert letters.part_count(letters.pack_messages(notice).count()) == 3
        parts = [read_pdf(letters.build_pack(notice, part)) for part in (1, 2, 3)]
    assert [len(part) for part in parts] == [2, 2, 1]
    assert [page.lines_within(19, 22, 50, 90)[1].text for page in parts[2].pages] == [
        "Letter Person 4"]


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


def test_control_characters_a_form_accepts_are_left_out_of_the_letter(world):
    from notifications.letters import LetterPack

    pack = LetterPack(world.society)
    assert pack.text("Zoë\x01 Ní\x7f\x85 Bhriain\tand\x0b co") == "Zoë Ní Bhriain and co"
