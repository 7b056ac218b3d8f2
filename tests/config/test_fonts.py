"""Names in any script print on every PDF: one module (config/fonts.py) finds the fonts."""

import re
import shutil
import subprocess
from pathlib import Path

from django.db import transaction
from django_scopes import scope

from config import fonts
from notifications import letters
from tests.conftest import need_service
from tests.notifications.conftest import add_member
from tests.pdf import read_pdf

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["Zoë Ní Bhriain", "Łukasz Wróblewski", "Ayşe Ağaoğlu", "陈"]
PDF_MAKERS = ["notifications/letters.py", "members/exporters.py", "boards/pdf.py",
              "shares/pdf.py", "ballots/certificate.py", "ballots/papers.py"]


def need_fonts():
    if fonts.missing():
        need_service(f"fonts missing: {', '.join(fonts.missing())} (apt-get install -y "
                     "fonts-dejavu-core fonts-droid-fallback)")


def letter_pack(world) -> bytes:
    from notifications.services import create_notice, notify_members

    with scope(society=world.society), transaction.atomic():
        for number, name in enumerate(NAMES, start=300):
            add_member(world, number, name, post=True)
        notice = create_notice(society=world.society, kind="notifications.notice",
                               title="Notice of the AGM", audience="All members")
        notify_members(notice=notice, members=world.society.members.filter(
            member_number__gte=300), context={"subject": "Notice of the AGM",
                                              "body": "Dear member, the AGM is on 1 May."})
    with scope(society=world.society):
        return letters.build_pack(notice)


def test_a_letter_prints_each_members_name_in_its_own_script(world, tmp_path):
    need_fonts()
    pack = letter_pack(world)
    pages = read_pdf(pack).pages
    assert len(pages) == len(NAMES)
    for name, page in zip(NAMES, pages, strict=True):
        window = [line.text for line in page.lines_within(
            19, 22, letters.WINDOW_TOP, letters.WINDOW_TOP + letters.WINDOW_HEIGHT)]
        assert window[1] == name
        assert "?" not in page.text
    # The same text as another reader (poppler) extracts it, where installed.
    if shutil.which("pdftotext"):
        (tmp_path / "pack.pdf").write_bytes(pack)
        text = subprocess.run(["pdftotext", str(tmp_path / "pack.pdf"), "-"], check=True,
                              capture_output=True, text=True, timeout=60).stdout
        for name in NAMES:
            assert name in text


def test_fonts_are_found_in_the_folders_font_dirs_names(world, settings, tmp_path):
    need_fonts()
    for name in [*fonts.UNICODE_FILES.values(), fonts.FALLBACK_FILES[0]]:
        (tmp_path / "deep" / "er").mkdir(parents=True, exist_ok=True)
        (tmp_path / "deep" / "er" / name).symlink_to(fonts.find(name))
    settings.FONT_DIRS = [str(tmp_path / "nothing-here"), str(tmp_path)]
    assert fonts.find("DejaVuSans.ttf") == tmp_path / "deep" / "er" / "DejaVuSans.ttf"
    assert fonts.missing() == []
    assert NAMES[-1] in read_pdf(letter_pack(world)).pages[-1].text


def test_without_the_fonts_a_letter_falls_back_to_the_core_font(world, settings):
    settings.FONT_DIRS = ["/nonexistent"]
    assert fonts.unicode_fonts() is None and len(fonts.missing()) == 3
    (first, *_rest) = read_pdf(letter_pack(world)).pages
    assert first.fonts <= {"Helvetica", "Helvetica-Bold"} and not first.embedded_fonts
    assert "Zoë Ní Bhriain" in first.text  # Latin-1 still prints


def test_no_pdf_maker_looks_for_fonts_itself():
    for module in PDF_MAKERS:
        source = (ROOT / module).read_text()
        assert not re.search(r"/usr/share/fonts|\.ttf\b|add_font\(", source), module


def test_the_fallback_font_is_read_only_once_a_text_needs_it():
    need_fonts()
    from fpdf import FPDF

    pdf = FPDF()
    assert fonts.use_unicode_fonts(pdf)
    pdf.add_page()
    pdf.set_font(fonts.FAMILY, size=11)
    pdf.cell(0, 5, "Zoë Ní Bhriain, Łukasz, Ağaoğlu: £1 — “quoted”")
    assert sorted(pdf.fonts) == ["dejavu", "dejavuB"]
    pdf.set_font(fonts.FAMILY, style="B", size=11)
    pdf.cell(0, 5, "陈")
    assert fonts.FALLBACK_FAMILY.lower() in pdf.fonts
    assert "陈" in read_pdf(bytes(pdf.output())).pages[0].text
