"""Share certificates as PDF (fpdf2). Debian's DejaVu Sans where installed, so names in any
script print; otherwise a core font, with characters it lacks replaced."""

from fpdf import FPDF

from config import fonts
from shares.ledger import format_pence


class _Certificate(FPDF):
    def __init__(self):
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.unicode = fonts.use_unicode_fonts(self)
        self.family_name = fonts.FAMILY if self.unicode else fonts.CORE_FAMILY
        self.set_auto_page_break(False)

    def text_for(self, value: str) -> str:
        if self.unicode:
            return value
        return value.encode("latin-1", "replace").decode("latin-1")

    def line_of(self, value: str, size: float, style: str = "", height: float = 8,
                align: str = "C"):
        self.set_font(self.family_name, style, size)
        self.multi_cell(0, height, self.text_for(value), align=align,
                        new_x="LMARGIN", new_y="NEXT")


def _day(on) -> str:
    return f"{on.day} {on:%B %Y}"


def certificate_pdf(certificate) -> bytes:
    society, member = certificate.society, certificate.member
    share_class = certificate.share_class
    pdf = _Certificate()
    pdf.set_title(f"Share certificate {certificate.number} — {society.name}")
    pdf.set_author(society.name)
    pdf.add_page()
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)
    pdf.set_margins(25, 22, 25)
    pdf.set_y(22)
    pdf.line_of(society.name, 22, "B", 11)
    registered = "Registered under the Co-operative and Community Benefit Societies Act 2014"
    if society.registration_number:
        registered += f", no. {society.registration_number}"
    pdf.line_of(registered, 10, height=6)
    if society.registered_office:
        office = ", ".join(line.strip() for line in society.registered_office.splitlines()
                           if line.strip())
        pdf.line_of(f"Registered office: {office}", 10, height=6)
    pdf.ln(6)
    pdf.line_of(f"Share certificate no. {certificate.number}", 18, "B", 10)
    pdf.ln(4)
    address = ", ".join(member.postal_address_lines) if hasattr(
        member, "postal_address_lines") else ""
    holder = f"{member.full_name} (member no. {member.member_number})"
    if address:
        holder += f", of {address},"
    shares = certificate.shares
    noun = "share" if shares == 1 else "shares"
    pdf.line_of(
        f"This is to certify that {holder} is the registered holder of {shares:,} "
        f"{share_class.name} {noun} of {format_pence(share_class.nominal_value_pence)} each, "
        f"fully paid (amount paid {format_pence(certificate.amount_paid_pence)}), in "
        f"{society.name}, subject to the rules of the society.",
        13, height=7.5,
    )
    pdf.ln(3)
    terms = []
    if share_class.is_withdrawable:
        notice = share_class.withdrawal_notice_days
        terms.append(f"These shares are withdrawable under the rules on {notice} days' notice"
                     if notice else "These shares are withdrawable under the rules")
    else:
        terms.append("These shares are not withdrawable")
    terms.append("and are transferable only with the consent of the board."
                 if share_class.is_transferable else "and are not transferable.")
    pdf.line_of(" ".join(terms), 11, height=6.5)
    pdf.ln(3)
    pdf.line_of(f"Issued on {_day(certificate.issued_on)}.", 12, height=7)
    if certificate.cancelled_on is not None:
        pdf.ln(2)
        pdf.set_text_color(176, 0, 32)
        pdf.line_of(f"CANCELLED on {_day(certificate.cancelled_on)}", 24, "B", 12)
        pdf.set_text_color(0, 0, 0)
    pdf.set_y(pdf.h - 48)
    pdf.set_font(pdf.family_name, "", 10)
    half = (pdf.w - 50) / 2
    pdf.cell(half, 6, "______________________________", align="C")
    pdf.cell(half, 6, "______________________________", align="C", new_x="LMARGIN",
             new_y="NEXT")
    pdf.cell(half, 6, "Secretary", align="C")
    pdf.cell(half, 6, "Member of the board", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.line_of("The register of members is the evidence of title; this certificate is issued "
                "for the member's records. Certificate numbers are never reused.", 8,
                height=4.5)
    return bytes(pdf.output())
