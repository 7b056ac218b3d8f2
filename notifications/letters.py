"""The letter pack: one PDF, one letter a page, addressed for a DL window envelope.

A4 folded in three into a DL envelope shows the address through a window about 20 mm from
the left edge and 50 mm from the top, so the address block is printed there. Letters are
added page by page from a streamed query; a large mailing is split into parts of
LETTERS_PER_PART letters so no single PDF (or request) grows without bound.
"""

import logging
import unicodedata

from django.utils import timezone
from fpdf import FPDF

from config import fonts
from notifications.models import Channel, Status

# fontTools logs every step of subsetting the embedded font at INFO: hundreds of lines a pack.
logging.getLogger("fontTools").setLevel(logging.WARNING)

LETTERS_PER_PART = 500
# Points: the body of a letter to a member who asked for large print (Member.large_print).
LARGE_PRINT_PT = 16

# Positions in millimetres on A4 (210 x 297).
MARGIN_LEFT = 20
MARGIN_RIGHT = 20
WINDOW_TOP = 50
WINDOW_WIDTH = 90
WINDOW_HEIGHT = 40
LETTERHEAD_X = 120
BODY_TOP = 105

# Typographic characters the core (Latin-1) font lacks, replaced by their plain equivalents.
PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                       "\u2013": "-", "\u2014": "-", "\u2026": "...", "\u2022": "*",
                       "\u00a0": " ", "\u20ac": "EUR"})

# Control characters a form may accept (all but NUL) draw as empty boxes: tab becomes a
# space, line breaks stay for the caller to split on, the rest are left out.
CONTROLS = {code: None for code in [*range(0x20), *range(0x7F, 0xA0)] if code not in (0x0A, 0x0D)}
CONTROLS[0x09] = " "


# Message kind -> draw(pack, message): a form printed after the letter (on its own page),
# e.g. the proxy form with a general meeting's notice. Apps register theirs in `ready()`.
LETTER_FORMS: dict = {}
# Kinds whose form starts its own pages (and may print none): the pack adds no page for them.
FORMS_WITH_OWN_PAGES: set = set()


def register_form(kind: str, draw, *, own_pages: bool = False) -> None:
    LETTER_FORMS[kind] = draw
    if own_pages:
        FORMS_WITH_OWN_PAGES.add(kind)
    else:
        FORMS_WITH_OWN_PAGES.discard(kind)


def pack_messages(notice):
    """The notice's letters, in member-number order: every post message not failed."""
    return notice.messages.filter(
        channel=Channel.POST, status__in=[Status.PENDING, Status.POSTED]
    ).select_related("recipient").order_by("recipient__member_number", "pk")


def part_count(letters: int) -> int:
    return max(1, -(-letters // LETTERS_PER_PART))


class LetterPack:
    def __init__(self, society):
        self.society = society
        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=20)
        self.pdf.set_margins(MARGIN_LEFT, 15, MARGIN_RIGHT)
        self.pdf.set_title(f"Letters from {society.name}")
        self.pdf.set_author(society.name)
        self.unicode = fonts.use_unicode_fonts(self.pdf)
        self.family = fonts.FAMILY if self.unicode else fonts.CORE_FAMILY
        self.letters = 0
        self._widths: dict = {}
        self._heading: list | None = None

    def text(self, value: str) -> str:
        """Text the chosen font can draw: all of it with DejaVu; Latin-1 with the core font.
        Control characters are left out either way."""
        value = value.translate(CONTROLS)
        if self.unicode:
            return value
        value = unicodedata.normalize("NFC", value.translate(PLAIN))
        return value.encode("latin-1", "replace").decode("latin-1")

    def add(self, message, dated) -> None:
        """One letter (normally one page) for one message."""
        pdf = self.pdf
        pdf.add_page()
        self.letters += 1
        self._letterhead()
        # The return line and the address sit inside the envelope's window.
        pdf.set_xy(MARGIN_LEFT, WINDOW_TOP)
        pdf.set_font(self.family, size=7)
        return_line = ", ".join([self.society.name, *self._office_lines()])
        pdf.cell(WINDOW_WIDTH, 4, self.text(f"If undelivered, return to: {return_line}"[:110]),
                 new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(self.family, size=11)
        address = message.to_address.splitlines()[:7]
        pdf.set_x(MARGIN_LEFT)
        pdf.multi_cell(WINDOW_WIDTH, 5, self.text("\n".join(address)), new_x="LMARGIN",
                       new_y="NEXT")
        pdf.set_font(self.family, size=10)
        pdf.set_xy(MARGIN_LEFT, BODY_TOP - 12)
        pdf.cell(85, 5, self.text(f"Member no. {message.recipient.member_number}"))
        pdf.set_xy(LETTERHEAD_X, BODY_TOP - 12)
        pdf.cell(70, 5, self.text(f"{dated.day} {dated:%B %Y}"), align="R")
        pdf.set_xy(MARGIN_LEFT, BODY_TOP)
        # A member who asked for large print reads the letter at 16 point or more too (the
        # address stays in the envelope's window at its usual size).
        large = getattr(message.recipient, "large_print", False)
        pdf.set_font(self.family, style="B", size=LARGE_PRINT_PT + 2 if large else 12)
        self.lines(message.subject, 9 if large else 6)
        pdf.ln(3)
        pdf.set_font(self.family, size=LARGE_PRINT_PT if large else 11)
        self.lines(message.body_text.strip(), 8 if large else 5.5)
        draw_form = LETTER_FORMS.get(message.kind)
        if draw_form is not None:
            if message.kind not in FORMS_WITH_OWN_PAGES:
                pdf.add_page()
            draw_form(self, message)

    def lines(self, text: str, height: float) -> None:
        """Write `text` wrapped to the text width, one cell a line.

        fpdf2's multi_cell measures text a character at a time (about 30 ms a letter); wrapping
        here with a cache of word widths is some twenty times faster for the same result.
        """
        pdf = self.pdf
        width = pdf.w - pdf.l_margin - pdf.r_margin
        for line in self.wrapped(text, width):
            pdf.cell(width, height, line, new_x="LMARGIN", new_y="NEXT")

    def wrapped(self, text: str, width: float) -> list[str]:
        """`text` as the lines it makes in the current font, `width` mm wide."""
        return wrap(self.text(text), width, self._measure)

    def _measure(self, word: str) -> float:
        key = (self.pdf.font_family, self.pdf.font_style, self.pdf.font_size_pt, word)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = self.pdf.get_string_width(word)
        return width

    def _office_lines(self) -> list[str]:
        return [line.strip() for line in self.society.registered_office.splitlines()
                if line.strip()]

    def _letterhead(self) -> None:
        """The society's name and office, right-aligned; wrapped once for the whole pack."""
        pdf = self.pdf
        if self._heading is None:
            lines = self._office_lines()
            if self.society.registration_number:
                lines.append(f"Registered number {self.society.registration_number}")
            self._heading = []
            width = 70 - 2 * pdf.c_margin
            for style, size, height, text in (("B", 11, 5, self.society.name),
                                              ("", 9, 4.5, "\n".join(lines))):
                pdf.set_font(self.family, style=style, size=size)
                self._heading.append((style, size, height, self.wrapped(text, width)
                                      if text else []))
        pdf.set_xy(LETTERHEAD_X, 15)
        for style, size, height, lines in self._heading:
            pdf.set_font(self.family, style=style, size=size)
            for line in lines:
                pdf.cell(70, height, line, align="R", new_x="LEFT", new_y="NEXT")

    def output(self) -> bytes:
        if self.letters == 0:
            self.pdf.add_page()
            self.pdf.set_font(self.family, size=12)
            self.pdf.cell(0, 10, "There are no letters to post for this notice.")
        return bytes(self.pdf.output())


def wrap(text: str, width: float, measure) -> list[str]:
    """Greedy word wrap of `text` (keeping its line breaks) to `width`, using `measure(word)`."""
    lines = []
    for paragraph in text.splitlines():
        words = paragraph.split()
        if not words:
            lines.append("")
            continue
        space = measure(" ")
        current, used = [], 0.0
        for word in words:
            size = measure(word)
            while size > width:  # a word longer than a line: break it where it must
                cut = _longest_fit(word, width, measure)
                if current:
                    lines.append(" ".join(current))
                    current, used = [], 0.0
                lines.append(word[:cut])
                word = word[cut:]
                size = measure(word)
            extra = size if not current else space + size
            if current and used + extra > width:
                lines.append(" ".join(current))
                current, used = [word], size
            else:
                current.append(word)
                used += extra
        if current:
            lines.append(" ".join(current))
    return lines


def _longest_fit(word: str, width: float, measure) -> int:
    """How many characters of `word` (at least one) fit in `width`. A longer start of a word
    is never narrower, so halving finds it in a few measures: trying each length in turn
    measured a pasted 1,000-character word a thousand times a line."""
    low, high = 1, len(word) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if measure(word[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def build_pack(notice, part: int = 1) -> bytes:
    """Part `part` (from 1) of the notice's letter pack, as PDF bytes."""
    pack = LetterPack(notice.society)
    dated = timezone.localtime(notice.created_at).date()
    start = (part - 1) * LETTERS_PER_PART
    for message in pack_messages(notice)[start:start + LETTERS_PER_PART].iterator(
            chunk_size=100):
        pack.add(message, dated)
    return pack.output()
