"""Personal ballot papers in the letter pack: what a postal voter finds in the envelope when a
poll opens, the QR code and barcode a phone and a scanner read, and large print."""

import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from pypdf import PdfReader
from pypdf.generic import ContentStream

from ballots import papers
from ballots.codes import issue_codes, shown
from ballots.models import VoterRollEntry
from ballots.views import ballot_order
from members.models import ContactChannel, Member
from notifications import letters
from notifications.models import Notice
from tests.ballots.conftest import make_contest, open_contest
from tests.conftest import need_service
from tests.pdf import read_pdf


def postal_poll(world, *, method="ers97", candidates=3, emailed=0, large_print=(), **values):
    """An open contest whose voters get post (the first `emailed` of them get email
    instead), each with a voting code; returns (contest, the poll's notice)."""
    contest = make_contest(world, method=method, candidates=candidates, open_now=False,
                           **values)
    with scope(society=world.society):
        for number, voter in enumerate(contest.voters):
            by_email = number < emailed
            Member.objects.filter(pk=voter.pk).update(
                address=f"{number + 1} Mill Lane\nMillmead", postcode="ME1 1AA",
                contact_channel=ContactChannel.EMAIL if by_email else ContactChannel.POST,
                electronic_consent=by_email, large_print=number in large_print)
    open_contest(contest, world)
    with scope(society=world.society):
        # Codes are made at the opening; any entry still without one gets one here.
        blank = list(VoterRollEntry.objects.filter(contest=contest, voting_code=""))
        VoterRollEntry.objects.bulk_update(issue_codes(blank), ["voting_code"])
        notice = Notice.objects.get(kind="ballots.poll_open",
                                    about=f"ballots.contest:{contest.public_id}")
    return contest, notice


def pack_of(world, notice) -> bytes:
    with scope(society=world.society):
        return letters.build_pack(notice)


def paper_of(document, entry) -> int:
    """The page (from 0) on which `entry`'s ballot paper starts (its code may be on a
    continuation sheet)."""
    page = next(n for n, page in enumerate(document.pages)
                if page.text.startswith("Ballot paper") and shown(entry.voting_code)
                in flat(page.text))
    while ", continued" in document.pages[page].text.split("\n", 1)[0]:
        page -= 1
    return page


def ballot_pages(document) -> list:
    return [page for page in document.pages if page.text.startswith("Ballot paper")]


def entry_of(world, contest, member) -> VoterRollEntry:
    with scope(society=world.society):
        return VoterRollEntry.objects.get(contest=contest, member=member)


def closing_words(contest) -> str:
    closes = timezone.localtime(contest.voting_closes)
    return f"{closes:%H:%M} on {closes:%A} {closes.day} {closes:%B %Y}"


def flat(text: str) -> str:
    return " ".join(text.split())


def test_a_postal_voter_gets_a_ballot_paper_after_the_letter(world):
    contest, notice = postal_poll(world)
    document = read_pdf(pack_of(world, notice))
    voters = len(contest.voters)
    assert len(document) == 2 * voters
    assert [page.text.startswith("Ballot paper") for page in document.pages] == [
        False, True] * voters
    # The last voter is no candidate (make_contest's proposer): their name is on no paper.
    letter, paper = document.pages[-2], document.pages[-1]
    member = contest.voters[-1]
    assert f"Member no. {member.member_number}" in letter.text
    entry = entry_of(world, contest, member)
    text = flat(paper.text)
    assert shown(entry.voting_code) in text
    assert f"Paper no. {entry.pk:010d}" in text
    assert "Millmead Children's Centre" in text and str(contest) in text
    assert f"Election: 1 seat to fill. Voting closes at {closing_words(contest)}." in text
    assert ("Return this paper to the returning officer, Millmead Children's Centre, "
            f"1 High Street, Town, AB1 2CD, to arrive before {closing_words(contest)}. "
            "A paper that arrives later is not counted.") in text
    # The paper names no one.
    assert member.full_name not in text


def test_candidates_appear_in_the_contests_order_with_a_box_each(world):
    contest, notice = postal_poll(world, candidates=4, ballot_order="random")
    document = read_pdf(pack_of(world, notice))
    with scope(society=world.society):
        standing = list(contest.standing().select_related("member"))
    for member, paper in zip(contest.voters, ballot_pages(document), strict=True):
        expected = [c.name for c in ballot_order(contest, standing, member)]
        shown_names = [line.text for line in paper.lines if line.text in expected]
        assert shown_names == expected


def test_stv_asks_for_numbers_and_plurality_for_an_x(world):
    _contest, notice = postal_poll(world, method="ers97")
    (paper, *_rest) = ballot_pages(read_pdf(pack_of(world, notice)))
    text = flat(paper.text)
    assert "write 1 in the box by your first choice, 2 by your second, 3 by your third" in text
    assert "Do not mark an X." in text

    _contest, notice = postal_poll(world, method="plurality", title="Treasurer")
    (paper, *_rest) = ballot_pages(read_pdf(pack_of(world, notice)))
    text = flat(paper.text)
    assert "Vote for one candidate only: put an X in the box by their name." in text
    assert "Number the candidates" not in text


def test_a_resolution_paper_has_for_against_and_abstain(world):
    contest, notice = postal_poll(world, method="resolution", candidates=0)
    (paper, *_rest) = ballot_pages(read_pdf(pack_of(world, notice)))
    text = flat(paper.text)
    assert "Put an X in one box only: For, Against or Abstain." in text
    assert contest.resolution_text in text and "Ordinary resolution." in text
    assert [line.text for line in paper.lines if line.text in {"For", "Against", "Abstain"}] == [
        "For", "Against", "Abstain"]


def _decode(pdf: bytes, page: int, tmp_path) -> list[str]:
    """What a barcode reader finds on page `page` (from 1): pdftoppm renders, zbarimg reads."""
    missing = [tool for tool in ("pdftoppm", "zbarimg") if shutil.which(tool) is None]
    if missing:
        need_service(f"{' and '.join(missing)} not installed (Debian: apt-get install "
                     "poppler-utils zbar-tools): the QR code and barcode cannot be read")
    source = tmp_path / "pack.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "300", "-f", str(page), "-l", str(page), "-png",
                    "-singlefile", str(source), str(tmp_path / "page")], check=True, timeout=60)
    found = subprocess.run(["zbarimg", "-q", str(tmp_path / "page.png")], capture_output=True,
                           text=True, timeout=60)
    return found.stdout.splitlines()


@pytest.mark.parametrize("large", [False, True], ids=["regular", "large print"])
def test_the_qr_code_holds_the_voting_link_and_the_barcode_the_serial(world, tmp_path, settings,
                                                                      large):
    settings.SITE_URL = "https://vote.example.coop"
    contest, notice = postal_poll(world, large_print={0} if large else ())
    entry = entry_of(world, contest, contest.voters[0])
    pdf = pack_of(world, notice)
    found = _decode(pdf, paper_of(read_pdf(pdf), entry) + 1, tmp_path)
    assert (f"QR-Code:https://vote.example.coop/s/{world.society.slug}/vote/"
            f"#code={entry.voting_code}") in found
    assert f"CODE-39:{entry.pk:010d}" in found


def _font_sizes(pdf: bytes, page: int) -> set[float]:
    """Every text size (points) set on page `page` (from 0)."""
    reader = PdfReader(io.BytesIO(pdf))
    content = ContentStream(reader.pages[page].get_contents(), reader)
    return {float(operands[1]) for operands, operator in content.operations
            if operator == b"Tf"}


def test_a_large_print_paper_has_no_text_under_16_points(world):
    contest, notice = postal_poll(world, large_print={1})
    pdf = pack_of(world, notice)
    document = read_pdf(pdf)
    entry = entry_of(world, contest, contest.voters[1])
    page = paper_of(document, entry)
    assert document.pages[page].text.startswith("Ballot paper (large print)")
    large = _font_sizes(pdf, page)
    assert large and min(large) >= papers.LARGE_PRINT_MIN
    # The others' papers are in regular print: the check can tell them apart.
    assert min(_font_sizes(pdf, 1)) < papers.LARGE_PRINT_MIN
    # The letter before the paper is in large print too, but for the envelope's window and
    # the reference line above the body.
    letter = _font_sizes(pdf, page - 1) | _font_sizes(pdf, page - 2)
    assert {16.0, 18.0} <= letter
    assert 16.0 not in _font_sizes(pdf, 0)


def test_a_long_large_print_paper_goes_on_to_a_second_page_headed_with_its_serial(world):
    contest, notice = postal_poll(world, candidates=14, large_print={0})
    document = read_pdf(pack_of(world, notice))
    entry = entry_of(world, contest, contest.voters[0])
    page = paper_of(document, entry)
    first, second = document.pages[page], document.pages[page + 1]
    assert first.text.startswith("Ballot paper (large print)")
    assert second.text.startswith(f"Ballot paper no. {entry.pk:010d}, continued")
    assert shown(entry.voting_code) in flat(first.text + second.text)
    after = document.pages[page + 2].text
    assert after.startswith("Dear ") or "Member no." in after


def test_an_emailed_member_gets_no_paper(world):
    contest, notice = postal_poll(world, emailed=2)
    document = read_pdf(pack_of(world, notice))
    assert len(ballot_pages(document)) == len(contest.voters) - 2
    for member in contest.voters[:2]:
        entry = entry_of(world, contest, member)
        assert shown(entry.voting_code) not in flat(document.text)
        assert f"Member no. {member.member_number}" not in document.text


def test_no_paper_once_the_code_is_gone_or_the_member_has_voted(world):
    contest, notice = postal_poll(world)
    first, second = contest.voters[:2]
    with scope(society=world.society):
        VoterRollEntry.objects.filter(contest=contest, member=first).update(voting_code="")
        VoterRollEntry.objects.filter(contest=contest, member=second).update(
            voted_on=timezone.localdate(), channel="online")
    document = read_pdf(pack_of(world, notice))
    assert len(ballot_pages(document)) == len(contest.voters) - 2
    assert len(document) == 2 * len(contest.voters) - 2


def test_other_letters_print_no_paper(world):
    contest, notice = postal_poll(world)
    with scope(society=world.society):
        Notice.objects.filter(pk=notice.pk).update(about="")
    document = read_pdf(pack_of(world, notice))
    assert len(document) == len(contest.voters) and not ballot_pages(document)


def test_the_serial_finds_the_roll_entry_in_its_contest_only(world):
    from ballots import returns

    contest, _notice = postal_poll(world)
    other, _other_notice = postal_poll(world, title="Staff seats")
    entry = entry_of(world, contest, contest.voters[0])
    serial = papers.paper_serial(entry.pk)
    with scope(society=world.society):
        assert serial == returns.serial(entry)
        assert returns._entry_on_paper(contest, serial) == entry
        assert returns._entry_on_paper(contest, f"*{serial}*") == entry
        assert returns._entry_on_paper(other, serial) is None


def test_a_member_asks_for_large_print_and_the_secretary_sees_it(world, audit_entries):
    client = world.client("member")
    url = reverse("notifications:contact_preferences",
                  kwargs={"society_slug": world.society.slug})
    assert "large print" in client.get(url).content.decode()
    response = client.post(url, {"contact_channel": "post", "email_purpose": "x",
                                 "large_print": "on"})
    assert response.status_code == 302
    member = world.members["member"]
    with scope(society=world.society):
        member.refresh_from_db()
    assert member.large_print
    entry = audit_entries(world.society)[-1]
    assert (entry.actor, entry.action) == (world.users["member"],
                                           "member.contact_preferences_changed")
    assert entry.data["changes"]["large_print"] is True
    page = world.client("secretary").get(reverse(
        "members:member", kwargs={"society_slug": world.society.slug,
                                  "public_id": member.public_id})).content.decode()
    assert "ballot papers in large print" in page


def test_without_dejavu_the_paper_is_printed_in_the_core_font(world, settings):
    settings.FONT_DIRS = ["/nonexistent"]
    contest, notice = postal_poll(world)
    (paper, *_rest) = ballot_pages(read_pdf(pack_of(world, notice)))
    entry = entry_of(world, contest, contest.voters[0])
    assert paper.fonts <= {"Helvetica", "Helvetica-Bold"} and not paper.embedded_fonts
    assert shown(entry.voting_code) in flat(paper.text)


def test_each_paper_carries_its_own_members_code_when_the_roll_is_read_in_windows(
        world, monkeypatch):
    monkeypatch.setattr(papers, "ENTRY_WINDOW", 2)
    contest, notice = postal_poll(world, candidates=4)
    document = read_pdf(pack_of(world, notice))
    letters_and_papers = list(zip(document.pages[::2], document.pages[1::2], strict=True))
    assert len(letters_and_papers) == len(contest.voters)
    for member, (letter, paper) in zip(contest.voters, letters_and_papers, strict=True):
        entry = entry_of(world, contest, member)
        assert f"Member no. {member.member_number}" in letter.text
        assert shown(entry.voting_code) in flat(paper.text)
        assert f"Paper no. {entry.pk:010d}" in paper.text
