"""The personal ballot paper posted to a member who gets letters (docs/voting.md, "Ballot
papers by post").

When a poll opens, each member on the roll is told by the outbox; a member who cannot be
emailed gets a letter, and the letter pack (`notifications.letters`) prints this paper after
it (`draw_for_message` is registered for `ballots.poll_open` in `ballots.apps`). The paper
shows the contest, how to mark it, the candidates in the contest's order with a box each,
where and by when to return it, the member's voting code with a QR code of the link that
votes online with it, and the paper's serial number as text and as a Code 39 barcode. A
member who asked for large print (`Member.large_print`) gets every line at 16 point or more.

No paper is printed once the code is gone (the poll closed) or the member has voted. The
paper names no one: the returning officer finds the roll entry from its serial
at the returned-papers desk (ballots/returns.py) or from the code written on it.
"""

from dataclasses import dataclass, field

import qrcode
from django.conf import settings
from django.utils import timezone
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from ballots.codes import shown
from ballots.models import Contest, ContestState, ResolutionKind, VoterRollEntry
from ballots.returns import SERIAL_LENGTH
from ballots.services import ballot_candidates, counted

ABOUT = "ballots.contest:"  # how a poll's notices name their contest (notifications Notice.about)
PT = 25.4 / 72  # millimetres in a point
# Every QR code in a pack has the same length of link, so one version fits them all; a fixed
# mask spares trying all eight for each code (any mask decodes; trying all costs ~20 ms a code).
QR_MASK = 2
QR_QUIET = 4  # modules of white around the code, as the standard asks
QR_PIXELS = 4
BARCODE_NARROW = 0.3  # mm, the narrow bar of the Code 39 barcode (wide bars are 3 times)
BARCODE_HEIGHT = 12  # mm
ENTRY_WINDOW = 200  # roll entries read at once


@dataclass(frozen=True)
class Type:
    """Type sizes (points) and box sizes (millimetres) of one print."""

    title: int
    heading: int
    body: int
    small: int
    code: int
    box: float
    qr: float


REGULAR = Type(title=20, heading=14, body=12, small=10, code=16, box=10, qr=36)
LARGE_PRINT_MIN = 16  # points: no text on a large-print paper is smaller
LARGE = Type(title=24, heading=18, body=16, small=16, code=20, box=11, qr=34)


@dataclass
class PaperContest:
    """What every paper of one contest shares: read once per pack."""

    contest: Contest
    candidates: list
    closes: object
    qr_version: int | None = None
    # A window of the roll: member id -> (entry id, voting code, voted on); see _roll_entry.
    entries: dict = field(default_factory=dict)


def paper_serial(entry_pk: int) -> str:
    """The serial printed on the paper of a roll entry: its number, as the returned-papers
    desk reads it (`ballots.returns.serial`)."""
    return f"{entry_pk:0{SERIAL_LENGTH}d}"


def voting_link(society, code: str) -> str:
    """The link that votes with `code`: the code rides in the fragment, which browsers never
    send, so it is in no server's log."""
    return f"{settings.SITE_URL}/s/{society.slug}/vote/#code={code}"


def instructions(contest: Contest) -> str:
    """How to mark the paper, in the words of its method."""
    if contest.is_resolution:
        return "Put an X in one box only: For, Against or Abstain."
    if contest.is_ranked:
        return ("Number the candidates in the order of your choice: write 1 in the box by your "
                "first choice, 2 by your second, 3 by your third, and so on. Number as many "
                "or as few as you like, using each number once. Do not mark an X.")
    if contest.method == "plurality":
        return "Vote for one candidate only: put an X in the box by their name."
    if contest.method == "block":
        most = counted(contest.max_marks, "candidate")
        return (f"Vote for up to {most}: put an X in the box by each name you choose. A paper "
                f"with more than {contest.max_marks} X{'s' if contest.max_marks > 1 else ''} "
                "is not counted.")
    return ("Put an X in the box by every candidate you approve of: as many or as few as you "
            "like.")


def draw_for_message(pack, message) -> None:
    """The letter pack's hook for `ballots.poll_open` (it starts its own page): the paper of
    the letter's recipient, or nothing if their code is gone or they have voted."""
    paper = _paper_contest(pack, message.notice_id)
    if paper is None:
        return
    entry = _roll_entry(paper, message.recipient)
    if entry is None or not entry[1] or entry[2] is not None:
        return
    draw_ballot_paper(pack, paper, message.recipient, serial=paper_serial(entry[0]),
                      code=entry[1])


def _paper_contest(pack, notice_id) -> PaperContest | None:
    """The open contest a poll's notice names, with its candidates; cached on the pack."""
    from notifications.models import Notice

    cache = pack.__dict__.setdefault("ballot_papers", {})
    if notice_id not in cache:
        about = (Notice.objects.filter(society=pack.society, pk=notice_id)
                 .values_list("about", flat=True).first() or "")
        contest = None
        if about.startswith(ABOUT):
            contest = (Contest.objects.filter(society=pack.society, public_id=about[len(ABOUT):],
                                              state=ContestState.OPEN)
                       .select_related("election", "society").first())
        cache[notice_id] = None if contest is None else PaperContest(
            contest=contest, candidates=ballot_candidates(contest),
            closes=timezone.localtime(contest.voting_closes))
    return cache[notice_id]


def _roll_entry(paper: PaperContest, member) -> tuple | None:
    """The member's roll entry as (id, voting code, voted on), or None. The pack goes in
    member-number order, so the roll is read a window at a time from this member on: one
    query for ENTRY_WINDOW letters, not one a letter."""
    if member.pk not in paper.entries:
        rows = (VoterRollEntry.objects
                .filter(contest=paper.contest, member__member_number__gte=member.member_number)
                .order_by("member__member_number")
                .values_list("member_id", "pk", "voting_code", "voted_on")[:ENTRY_WINDOW])
        paper.entries = {row[0]: row[1:] for row in rows}
    return paper.entries.get(member.pk)


def _in_order(paper: PaperContest, member) -> list:
    """The candidates in the contest's order: the same order the member sees online."""
    from ballots.views import ballot_order

    return ballot_order(paper.contest, paper.candidates, member)


def draw_ballot_paper(pack, paper: PaperContest, member, *, serial: str, code: str) -> None:
    """One member's ballot paper, from a new page of the pack (and on to more, headed with
    its serial, if a long list of candidates in large print needs them)."""
    pdf, contest = pack.pdf, paper.contest
    society = contest.society
    kind = LARGE if member.large_print else REGULAR
    pdf.add_page()
    pdf.set_xy(pdf.l_margin, 15)
    closes = paper.closes
    closing = f"{closes:%H:%M} on {closes:%A} {closes.day} {closes:%B %Y}"
    if contest.is_resolution:
        what = ("Special resolution" if contest.resolution_kind == ResolutionKind.SPECIAL
                else "Ordinary resolution")
    else:
        what = f"Election: {counted(contest.seats, 'seat')} to fill"
    _text(pack, kind, serial, [
        (kind.title, True, "Ballot paper" + (" (large print)" if kind is LARGE else "")),
        (kind.body, False, society.name),
        (kind.heading, True, str(contest)),
        (kind.body, False, f"{what}. Voting closes at {closing}."),
    ])
    pdf.ln(2)
    _text(pack, kind, serial, [(kind.body, True, instructions(contest))])
    pdf.ln(1)
    if contest.is_resolution:
        _text(pack, kind, serial, [
            (kind.body, False, "The resolution:"),
            (kind.body, True, contest.resolution_text.strip() or contest.title)])
        choices = ["For", "Against", "Abstain"]
    else:
        choices = [candidate.name for candidate in _in_order(paper, member)]
    for choice in choices:
        _choice_row(pack, kind, choice, serial)
    pdf.ln(3)
    office = ", ".join(line.strip() for line in society.registered_office.splitlines()
                       if line.strip())
    _text(pack, kind, serial, [
        (kind.body, True, f"Return this paper to the returning officer, {society.name}"
                          f"{', ' + office if office else ''}, to arrive before {closing}. "
                          "A paper that arrives later is not counted."),
        (kind.small, False, "Do not write your name on it. You have one vote: if you vote "
                            "online, a paper from you is not counted."),
    ], together=True)
    pdf.ln(3)
    _online_block(pack, kind, paper, code, serial)
    _serial_block(pack, kind, serial)


def line_height(size: int) -> float:
    """Millimetres from one line of `size`-point text to the next."""
    return round(size * PT * 1.3, 2)


def _text(pack, kind: Type, serial: str, parts, *, together: bool = False) -> None:
    """Write `parts`, each (size, bold, text), across the text width; kept on one page if
    `together`, else broken between lines where a page ends."""
    pdf = pack.pdf
    width = pdf.w - pdf.l_margin - pdf.r_margin
    laid = _lay(pack, parts, width)
    if together:
        _room(pack, kind, _height(laid), serial)
    _draw(pack, kind, serial, laid)


def _lay(pack, parts, width: float) -> list:
    """Each of `parts` (size, bold, text) as (size, style, the lines it makes `width` wide)."""
    laid = []
    for size, bold, text in parts:
        style = "B" if bold else ""
        pack.pdf.set_font(pack.family, style=style, size=size)
        laid.append((size, style, pack.wrapped(text, width)))
    return laid


def _draw(pack, kind: Type, serial: str, laid) -> None:
    pdf = pack.pdf
    for size, style, lines in laid:
        pdf.set_font(pack.family, style=style, size=size)
        for line in lines:
            if _room(pack, kind, line_height(size), serial):
                pdf.set_font(pack.family, style=style, size=size)
            _line(pdf, pdf.l_margin, line, line_height(size))


def _line(pdf, x: float, text: str, height: float) -> None:
    """One line of text in the current font, in a row `height` mm tall from the current y;
    then on to the next row. (`text()` places text a quarter as fast as `cell()`.)"""
    y = pdf.get_y()
    pdf.text(x, y + height / 2 + 0.3 * pdf.font_size, text)
    pdf.set_y(y + height)


def _height(laid) -> float:
    return sum(line_height(size) * len(lines) for size, _style, lines in laid)


def _room(pack, kind: Type, height: float, serial: str) -> bool:
    """Unless `height` mm fit on this page, go on to a new one headed as the same paper (and
    say so: the font has changed)."""
    pdf = pack.pdf
    if pdf.get_y() + height <= pdf.page_break_trigger:
        return False
    pdf.add_page()
    pdf.set_xy(pdf.l_margin, 15)
    pdf.set_font(pack.family, style="B", size=kind.body)
    _line(pdf, pdf.l_margin, f"Ballot paper no. {serial}, continued", line_height(kind.body))
    pdf.ln(2)
    return True


def _choice_row(pack, kind: Type, label: str, serial: str) -> None:
    """A box to mark and what it is for."""
    pdf = pack.pdf
    row = kind.box + 2
    _room(pack, kind, row, serial)
    top = pdf.get_y()
    pdf.set_line_width(0.4)
    pdf.rect(pdf.l_margin, top + 1, kind.box, kind.box)
    pdf.set_line_width(0.2)
    pdf.set_font(pack.family, size=kind.heading)
    x = pdf.l_margin + kind.box + 5
    _line(pdf, x, _fitted(pack, label, pdf.w - x - pdf.r_margin), row)


def _fitted(pack, text: str, width: float) -> str:
    """`text` cut (with "...") to fit `width` on one line, in the current font."""
    pdf, text = pack.pdf, pack.text(text)
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "...") > width:
        text = text[:-1]
    return text + "..."


def _online_block(pack, kind: Type, paper: PaperContest, code: str, serial: str) -> None:
    """The voting code, and beside it the QR code of the link that votes online with it."""
    pdf, society = pack.pdf, paper.contest.society
    width = pdf.w - pdf.l_margin - pdf.r_margin - kind.qr - 4
    parts = [
        (kind.body, True, "Or vote online instead"),
        (kind.body, False, "Scan the square with a phone, or go to "
                           f"{settings.SITE_URL}/s/{society.slug}/vote/ and enter your "
                           "voting code:"),
        (kind.code, True, shown(code)),
        (kind.small, False, "Then do not return this paper. Keep the code to yourself: it "
                            "votes once, for you."),
    ]
    laid = _lay(pack, parts, width)
    _room(pack, kind, max(kind.qr, _height(laid)), serial)
    top = pdf.get_y()
    _qr(pdf, paper, voting_link(society, code), pdf.w - pdf.r_margin - kind.qr, top, kind.qr)
    _draw(pack, kind, serial, laid)
    pdf.set_y(max(pdf.get_y(), top + kind.qr) + 2)


def _qr(pdf, paper: PaperContest, link: str, x: float, y: float, size: float) -> None:
    """A QR code of `link`, `size` mm square with its quiet zone.

    Placed as a black-and-white image, QR_PIXELS pixels a module (drawn nearest-neighbour,
    so its edges stay sharp when printed larger): one image costs a twentieth of drawing
    the dark runs as some 400 rectangles."""
    code = qrcode.QRCode(version=paper.qr_version, error_correction=ERROR_CORRECT_M,
                         border=QR_QUIET, mask_pattern=QR_MASK)
    code.add_data(link)
    code.make(fit=paper.qr_version is None)
    paper.qr_version = code.version
    matrix = code.get_matrix()
    modules = len(matrix)
    image = Image.new("1", (modules, modules), 1)
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    image = image.resize((modules * QR_PIXELS, modules * QR_PIXELS), Image.Resampling.NEAREST)
    pdf.image(image, x=x, y=y, w=size, h=size)


def _serial_block(pack, kind: Type, serial: str) -> None:
    """The paper's serial number, as text and as a Code 39 barcode for the returning officer."""
    pdf = pack.pdf
    _room(pack, kind, BARCODE_HEIGHT + line_height(kind.small) + 2, serial)
    pdf.set_font(pack.family, size=kind.small)
    _line(pdf, pdf.l_margin, f"Paper no. {serial}", line_height(kind.small))
    top = pdf.get_y() + 1
    pdf.set_fill_color(0)
    # Code 39 needs ten narrow bars of white each side: the left margin gives them.
    pdf.code39(f"*{serial}*", pdf.l_margin + 10 * BARCODE_NARROW, top, w=3 * BARCODE_NARROW,
               h=BARCODE_HEIGHT)
    pdf.set_y(top + BARCODE_HEIGHT)
