"""The register as files: CSV and XLSX streamed with bounded memory, and a printable PDF.
Spreadsheet cells are escaped by config/spreadsheet.py.

Rows come from the database in chunks (`iterator(chunk_size=...)`, a server-side cursor on
PostgreSQL), so a million members never sit in memory at once.
"""

import csv
import io
import os
import tempfile
from datetime import date

from django.utils import timezone
from django_scopes import scope

from config import fonts, spreadsheet
from members.register import RegisterQuery, apply_details_as_at, holdings_as_at, register_queryset

CHUNK = 2000
BLANK = "—"
FULL_HEADER = ["member_number", "full_name", "address", "postcode", "email", "email_purpose",
               "shares_held", "amount_paid", "stakeholder_class", "admitted_on", "ceased_on",
               "cessation_reason"]
DUPLICATE_HEADER = ["member_number", "full_name", "address", "postcode", "stakeholder_class",
                    "admitted_on", "ceased_on"]
VALUE_FIELDS = ["id", "member_number", "full_name", "address", "postcode", "email",
                "email_purpose", "stakeholder_class__name", "admitted_on", "ceased_on",
                "cessation_reason"]
PDF_MAX_ROWS = 20_000
PDF_COMPRESS = True


def header_for(kind: str) -> list[str]:
    return FULL_HEADER if kind == "full" else DUPLICATE_HEADER


def _one_line(address: str) -> str:
    return ", ".join(part.strip() for part in address.splitlines() if part.strip())


def _money(pence) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"


def _row(kind, values, holdings):
    (pk, number, name, address, postcode, email, purpose, class_name, admitted, ceased,
     reason) = values
    if kind == "full":
        held = holdings.get(pk)
        return [number, name, _one_line(address), postcode, email,
                purpose if email else "", held[0] if held else "",
                _money(held[1]) if held else "", class_name, admitted.isoformat(),
                ceased.isoformat() if ceased else "", reason]
    return [number, name, _one_line(address), postcode, class_name, admitted.isoformat(),
            ceased.isoformat() if ceased else ""]


def iter_rows(society, query: RegisterQuery, kind: str):
    """Every register row for `query` as a list of cells, in chunks from the database."""
    members = register_queryset(society, query).order_by("member_number")
    if query.as_at >= timezone.localdate():
        batch = []
        for values in members.values_list(*VALUE_FIELDS).iterator(chunk_size=CHUNK):
            batch.append(values)
            if len(batch) >= CHUNK:
                yield from _finish(society, kind, batch, query.as_at)
                batch = []
        yield from _finish(society, kind, batch, query.as_at)
        return
    # An earlier date: names, addresses and classes as they were then, chunk by chunk.
    batch = []
    for member in members.select_related("stakeholder_class").iterator(chunk_size=CHUNK):
        batch.append(member)
        if len(batch) >= CHUNK:
            yield from _finish_members(society, kind, batch, query.as_at)
            batch = []
    yield from _finish_members(society, kind, batch, query.as_at)


def _finish(society, kind, batch, on):
    holdings = holdings_as_at(society, [v[0] for v in batch], on) if kind == "full" else {}
    for values in batch:
        yield _row(kind, values, holdings)


def _finish_members(society, kind, members, on):
    apply_details_as_at(members, on)
    rows = [(m.pk, m.member_number, m.full_name, m.address, m.postcode, m.email,
             m.email_purpose, m.stakeholder_class.name, m.admitted_on, m.ceased_on,
             m.cessation_reason) for m in members]
    yield from _finish(society, kind, rows, on)


def csv_chunks(society, query: RegisterQuery, kind: str):
    """The CSV text in pieces of about CHUNK rows, for a StreamingHttpResponse.

    The response is consumed after the view returns, outside the middleware's scope, so the
    generator enters the society's scope itself."""
    with scope(society=society):
        yield from _csv_chunks(society, query, kind)


def _csv_chunks(society, query, kind):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")  # so spreadsheets read it as UTF-8
    writer.writerow(header_for(kind))
    for count, row in enumerate(iter_rows(society, query, kind), start=1):
        writer.writerow(spreadsheet.row(row))
        if count % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(society, query: RegisterQuery, kind: str):
    """An open temporary file holding the workbook (constant memory); closed by the
    response, and gone from the disk already."""
    import xlsxwriter

    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(path, {"constant_memory": True,
                                              "tmpdir": tempfile.gettempdir(),
                                              **spreadsheet.XLSX_OPTIONS})
        sheet = workbook.add_worksheet("Register")
        bold = workbook.add_format({"bold": True})
        sheet.write_row(0, 0, [f"Register of members of {society.name} as at "
                               f"{query.as_at:%d %B %Y}"], bold)
        sheet.write_row(1, 0, header_for(kind), bold)
        for index, row in enumerate(iter_rows(society, query, kind), start=2):
            sheet.write_row(index, 0, spreadsheet.row(row))
        workbook.close()
        opened = open(path, "rb")  # noqa: SIM115 - the response closes it
    finally:
        os.unlink(path)
    return opened


class _RegisterPDF:
    def __init__(self, society, as_at: date, kind: str):
        from fpdf import FPDF

        title = ("Register of members" if kind == "full" else
                 "Duplicate register of members (no holdings)")
        heading = f"{society.name}: {title} as at {as_at:%d %B %Y}"

        class PDF(FPDF):
            def header(self):
                self.set_font(self.body_font, "B", 11)
                self.cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
                self.ln(1)

            def footer(self):
                self.set_y(-12)
                self.set_font(self.body_font, "", 8)
                self.cell(0, 8, f"As at {as_at:%d %B %Y}, page {self.page_no()} of {{nb}}",
                          align="C")

        pdf = PDF(orientation="L", format="A4")
        pdf.set_compression(PDF_COMPRESS)
        pdf.set_title(heading)
        pdf.set_author(society.name)
        # Without DejaVu, a core font: they cover Latin-1, which has '£'.
        pdf.body_font = fonts.FAMILY if fonts.use_unicode_fonts(pdf) else fonts.CORE_FAMILY
        pdf.set_auto_page_break(True, margin=15)
        pdf.add_page()
        self.pdf = pdf


def pdf_bytes(society, query: RegisterQuery, kind: str) -> bytes:
    """The register as at the query's date, ready to print; the date is on every page."""
    doc = _RegisterPDF(society, query.as_at, kind).pdf
    if doc.body_font == fonts.FAMILY:
        def safe(text):
            return text
    else:  # a core font: Latin-1 only
        def safe(text):
            return text.replace(BLANK, "-").encode("latin-1", "replace").decode("latin-1")
    doc.set_font(doc.body_font, "", 7)
    if kind == "full":
        headings = ["No.", "Name", "Postal address", "Email (purpose)", "Shares",
                    "Paid (£)", "Class", "Admitted", "Ceased"]
        widths = (12, 38, 70, 52, 14, 16, 24, 19, 22)
    else:
        headings = ["No.", "Name", "Postal address", "Class", "Admitted", "Ceased"]
        widths = (14, 50, 110, 40, 22, 31)
    with doc.table(col_widths=widths, text_align="LEFT", line_height=3.6,
                   repeat_headings=1, first_row_as_headings=True) as table:
        table.row(headings)
        for row in iter_rows(society, query, kind):
            if kind == "full":
                (number, name, address, postcode, email, purpose, shares, paid, class_name,
                 admitted, ceased, reason) = row
                email_cell = f"{email} ({purpose})" if email else ""
                cells = [str(number), name, ", ".join(p for p in (address, postcode) if p),
                         email_cell, str(shares) or BLANK, paid or BLANK, class_name, admitted,
                         f"{ceased} ({reason})" if ceased else ""]
            else:
                number, name, address, postcode, class_name, admitted, ceased = row
                cells = [str(number), name, ", ".join(p for p in (address, postcode) if p),
                         class_name, admitted, ceased]
            table.row([safe(cell) for cell in cells])
    return bytes(doc.output())
