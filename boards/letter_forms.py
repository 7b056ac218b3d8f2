"""The proxy form printed with the posted notice of a general meeting (the letter pack,
`notifications/letters.py`): whom the member appoints, a row per resolution with For /
Against / Abstain / Discretion boxes, the deadline and where to return it. The secretary
enters a returned form on the `proxy_paper` page (`services.record_paper_proxy`)."""

from django.utils import timezone

from ballots.models import ResolutionKind
from boards.models import Meeting

BOX = 4.5  # mm, a tick box
COLUMNS = ("For", "Against", "Abstain", "Discretion")
COLUMN_WIDTH = 22


def _form_data(pack, notice_id):
    """The meeting, its resolutions and the deadline: read once per pack, not per letter."""
    from boards.services import proxy_deadline, resolution_items

    cache = pack.__dict__.setdefault("_proxy_forms", {})
    if notice_id not in cache:
        meeting = Meeting.objects.filter(notice_id=notice_id).select_related("society").first()
        cache[notice_id] = None if meeting is None else (
            meeting, list(resolution_items(meeting)),
            timezone.localtime(proxy_deadline(meeting)))
    return cache[notice_id]


def draw_proxy_form(pack, message) -> None:
    data = _form_data(pack, message.notice_id)
    if data is None:
        return
    meeting, items, deadline = data
    pdf, society, member = pack.pdf, meeting.society, message.recipient
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_xy(pdf.l_margin, 20)
    pdf.set_font(pack.family, style="B", size=13)
    pack.lines(f"Proxy form: {meeting}", 7)
    pdf.set_font(pack.family, size=10)
    pack.lines(f"{society.name}. Member: {member.full_name}, member no. "
               f"{member.member_number}.", 5)
    pdf.ln(3)
    pack.lines("I appoint as my proxy to attend and vote for me at the meeting (and at any "
               "adjournment of it) - tick one:", 5)
    pdf.ln(1)
    _box_line(pack, "the chair of the meeting, or")
    _box_line(pack, "this member: ____________________________ member no. ________")
    pdf.ln(3)
    pack.lines("My proxy is to vote on each resolution as I tick below. Tick one box a row; a "
               "row left blank, or Discretion, lets my proxy decide.", 5)
    pdf.ln(2)
    title_width = width - COLUMN_WIDTH * len(COLUMNS)
    pdf.set_font(pack.family, style="B", size=10)
    pdf.cell(title_width, 7, pack.text("Resolution"), border="B")
    for name in COLUMNS:
        pdf.cell(COLUMN_WIDTH, 7, name, border="B", align="C")
    pdf.ln(7)
    pdf.set_font(pack.family, size=10)
    for item in items:
        special = item.resolution.resolution_kind == ResolutionKind.SPECIAL
        kind = "special" if special else "ordinary"
        label = f"{item.position}. {item.title} ({kind})"
        if pdf.get_string_width(pack.text(label)) > title_width - 2:
            while label and pdf.get_string_width(pack.text(label + "...")) > title_width - 2:
                label = label[:-1]
            label += "..."
        y = pdf.get_y()
        pdf.cell(title_width, 9, pack.text(label), border="B")
        for column in range(len(COLUMNS)):
            x = pdf.l_margin + title_width + column * COLUMN_WIDTH + (COLUMN_WIDTH - BOX) / 2
            pdf.rect(x, y + (9 - BOX) / 2, BOX, BOX)
        pdf.cell(COLUMN_WIDTH * len(COLUMNS), 9, "", border="B")
        pdf.ln(9)
    if not items:
        pack.lines("No resolution is on the agenda; your proxy votes as they think fit on "
                   "any question put to the meeting.", 5)
    pdf.ln(6)
    pack.lines("Signed ______________________________    Date ______________", 6)
    pdf.ln(4)
    office = ", ".join(line.strip() for line in society.registered_office.splitlines()
                       if line.strip())
    pdf.set_font(pack.family, style="B", size=10)
    pack.lines(f"Return this form to arrive by {deadline:%H:%M on %A} {deadline.day} "
               f"{deadline:%B %Y}.", 5)
    pdf.set_font(pack.family, size=10)
    pack.lines(f"Post it or hand it in to: The Secretary, {society.name}"
               + (f", {office}" if office else "") + ".", 5)
    pack.lines("A form that arrives later does not count. You may instead appoint your proxy "
               "online (see the notice). A new appointment replaces an earlier one; attending "
               "the meeting yourself revokes your proxy.", 5)


def _box_line(pack, text: str) -> None:
    pdf = pack.pdf
    y = pdf.get_y()
    pdf.rect(pdf.l_margin + 2, y + 0.75, BOX, BOX)
    pdf.set_x(pdf.l_margin + 2 + BOX + 3)
    pdf.cell(0, 6, pack.text(text), new_x="LMARGIN", new_y="NEXT")
