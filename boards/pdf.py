"""The minutes of a meeting as PDF (fpdf2): the society, the meeting, whether the minutes are
approved (when, at which meeting, by which decision) or a DRAFT (marked on every page), and
the text as the secretary wrote it, wrapped to the page. DejaVu Sans where Debian installed it,
so names in any script print; otherwise a core font with the characters it lacks replaced."""

from django.utils import timezone
from fpdf import FPDF

from config import fonts
from notifications.letters import PLAIN, wrap

MARGIN = 20
LINE = 5.2


class _MinutesPdf(FPDF):
    def __init__(self, heading: str, draft: bool):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.heading, self.draft = heading, draft
        self.unicode = fonts.use_unicode_fonts(self)
        self.family_name = fonts.FAMILY if self.unicode else fonts.CORE_FAMILY
        self.set_margins(MARGIN, 18, MARGIN)
        self.set_auto_page_break(auto=True, margin=18)
        self._widths: dict = {}

    def text_for(self, value: str) -> str:
        if self.unicode:
            return value
        return value.translate(PLAIN).encode("latin-1", "replace").decode("latin-1")

    def header(self):
        self.set_font(self.family_name, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.text_for(self.heading), new_x="LMARGIN", new_y="NEXT")
        if self.draft:
            self.set_font(self.family_name, "B", 10)
            self.set_text_color(176, 0, 32)
            self.cell(0, 6, "DRAFT — not yet approved" if self.unicode
                      else "DRAFT - not yet approved", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self):
        self.set_y(-12)
        self.set_font(self.family_name, "", 8)
        self.set_text_color(90, 90, 90)
        marker = "DRAFT · " if self.draft and self.unicode else "DRAFT - " if self.draft else ""
        self.cell(0, 5, f"{marker}Page {self.page_no()} of {{nb}}", align="C")

    def paragraph(self, text: str, size: float = 10.5, style: str = "", height: float = LINE):
        """Write `text` keeping its line breaks and indents, wrapped to the page."""
        self.set_font(self.family_name, style, size)
        width = self.w - self.l_margin - self.r_margin
        for line in self.text_for(text).splitlines() or [""]:
            indent = line[:len(line) - len(line.lstrip())].expandtabs(4)
            shift = self._measure(indent) if indent else 0.0
            for part in wrap(line.strip(), width - shift, self._measure) or [""]:
                self.set_x(self.l_margin + shift)
                self.cell(width - shift, height, part, new_x="LMARGIN", new_y="NEXT")

    def _measure(self, word: str) -> float:
        key = (self.font_style, self.font_size_pt, word)
        if key not in self._widths:
            self._widths[key] = self.get_string_width(word)
        return self._widths[key]


def minutes_pdf(minutes) -> bytes:
    meeting, society = minutes.meeting, minutes.society
    draft = minutes.approved_on is None
    pdf = _MinutesPdf(f"{society.name} — minutes of the {meeting}", draft)
    pdf.set_title(f"Minutes of the {meeting} — {society.name}")
    pdf.set_author(society.name)
    pdf.add_page()
    pdf.paragraph(society.name, 15, "B", 7.5)
    pdf.paragraph(f"Minutes of the {meeting}", 13, "B", 7)
    if draft:
        edited = minutes.edited_at or minutes.drafted_at
        status = ("DRAFT: these minutes are not yet approved and may change. Last written "
                  f"{timezone.localtime(edited):%d %B %Y}.")
    else:
        approval = minutes.approval_decision
        status = (f"Approved as a correct record at the {minutes.approved_at_meeting} on "
                  f"{minutes.approved_on:%d %B %Y}"
                  + (f" (decision {approval.number})" if approval else "") + ". Approved "
                  "minutes are locked: a correction is a later decision.")
    pdf.paragraph(status, 9.5, "B" if draft else "", 5)
    pdf.ln(3)
    pdf.paragraph(minutes.text.rstrip())
    return bytes(pdf.output())
