"""The demo societies' public pages for `seed_demo`: a description, how applicants pay, and
small generated PDFs of their rules and privacy notice. Idempotent: what a society already
has is kept; like the rest of the demo it writes no audit entries."""

import hashlib
from datetime import UTC, date, datetime

from django_scopes import scope
from fpdf import FPDF

from societies.models import DocumentKind, PaymentMethod, Society, SocietyDocument

PUBLIC_PAGES = {
    "millmead": {
        "description": "Millmead Children's Centre is run by the people it serves. Parents "
                       "and carers, staff, volunteers and neighbours own it together, one £1 "
                       "share each, and elect its management board.\n\nAnyone aged 16 or over "
                       "who uses the centre, works or volunteers there, or lives nearby may "
                       "join.",
        "payment_method": PaymentMethod.BANK_TRANSFER,
        "payment_account_name": "Millmead Childrens Centre Ltd",
        "payment_sort_code": "40-12-76",
        "payment_account_number": "31926819",
        "payment_reference": "MCC {reference}",
    },
    "pembroke-street": {
        "description": "The tenant management organisation of the Pembroke Street estate: "
                       "residents manage repairs, caretaking and lettings on the estate under "
                       "an agreement with the council. Every tenant and leaseholder aged 18 or "
                       "over may join.",
        "payment_method": PaymentMethod.CASH,
        "payment_office_hours": "Monday to Friday, 9.30am to 4pm",
    },
    "baywind": {
        "description": "Baywind Energy Co-operative owns wind turbines in Cumbria. Members "
                       "invest in shares (at least 250, £1 each) and receive interest on them; "
                       "every member has one vote, whatever they hold.",
        "payment_method": PaymentMethod.CONTACT,
    },
}
RULES_DATE = date(2024, 9, 21)
PRIVACY_DATE = date(2025, 5, 1)


def make_pdf(title: str, paragraphs: list[str],
             created: datetime = datetime(2025, 5, 1, tzinfo=UTC)) -> bytes:
    """A small A4 PDF with a title and paragraphs (core fonts: plain Latin-1 text); the
    same bytes on every run."""
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creation_date(created)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.multi_cell(0, 9, title)
    pdf.ln(4)
    pdf.set_font("Helvetica", size=11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, paragraph)
        pdf.ln(3)
    return bytes(pdf.output())


def _rules(society) -> list[str]:
    return [
        f"1. Name. The name of the society is {society.name}.",
        "2. Objects. The society carries on its business for the benefit of its members "
        "and the community it serves.",
        "3. Membership. Any person who supports the objects and meets the conditions of a "
        "class of membership may apply. The board decides every application.",
        f"4. Shares. Each member holds at least {society.minimum_shares} share(s) of "
        f"GBP {society.share_nominal_value_pence / 100:.2f}.",
        "5. One member, one vote. Every member has one vote at general meetings, whatever "
        "their holding.",
        "6. Registers. The secretary keeps the register of members; any member may inspect "
        "the duplicate register.",
        "(Demonstration rules generated for the OMOV demo.)",
    ]


def _privacy(society) -> list[str]:
    return [
        f"{society.name} keeps the details you give when you apply: your name, postal "
        "address, email address and date of birth.",
        "We use them to keep the register of members the law requires, to send you notices "
        "and ballots, and to check you are old enough to join.",
        "Your address is in the duplicate register, which members may inspect. We never "
        "sell your details.",
        "Ask the secretary to see or correct what we hold about you.",
        "(Demonstration privacy notice generated for the OMOV demo.)",
    ]


def _add_document(society, kind, label, on, content):
    if SocietyDocument.objects.filter(society=society, kind=kind).exists():
        return
    SocietyDocument.objects.create(
        society=society, kind=kind, version_label=label, version_date=on, content=content,
        size_bytes=len(content), sha256=hashlib.sha256(content).hexdigest(),
        original_name=f"{society.slug}-{kind}.pdf")


def seed_public_page(society: Society) -> None:
    """Fill in the demo society's public page where it is still empty."""
    spec = PUBLIC_PAGES.get(society.slug)
    if spec is None:
        return
    if not society.description:
        for field, value in spec.items():
            setattr(society, field, value)
        society.full_clean()
        society.save(update_fields=list(spec))
    with scope(society=society):
        _add_document(society, DocumentKind.RULES, "Rules 2024", RULES_DATE,
                      make_pdf(f"Rules of {society.name}", _rules(society)))
        _add_document(society, DocumentKind.PRIVACY_NOTICE, "Privacy notice, May 2025",
                      PRIVACY_DATE, make_pdf("Privacy notice", _privacy(society)))
