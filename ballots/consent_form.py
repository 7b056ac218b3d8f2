"""The candidate's consent form, for nominees who consent on paper (docs/elections.md).

It is printed after the letter telling a nominee who gets post (`notifications.letters`
registers `draw_for_message` for `ballots.nominated`), the returning officer can print it
for any nominee, and the email to a nominee links to it through a signed address that works
without signing in while the contest is still being prepared.
"""

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from ballots.models import Candidate, ContestState
from ballots.services import counted

SALT = "ballots.consent-form"
BOX = 4.5  # mm, a tick box
STATEMENT_LINES = 9


def public_form_token(candidate: Candidate) -> str:
    return signing.dumps(str(candidate.public_id), salt=SALT, compress=True)


def public_form_path(candidate: Candidate) -> str:
    return reverse("ballots:consent_form_public", kwargs={
        "society_slug": candidate.contest.society.slug, "token": public_form_token(candidate)})


def candidate_for_token(society, token: str) -> Candidate | None:
    """The nominee a signed link names, while their consent is still wanted; else None."""
    try:
        public_id = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    candidate = (Candidate.objects.filter(society=society, public_id=public_id,
                                          withdrawn_at__isnull=True,
                                          contest__state=ContestState.DRAFT)
                 .select_related("contest__election", "member", "proposer", "seconder").first())
    return candidate


def draw_consent_form(pack, candidate: Candidate) -> None:
    """The form on the pack's current page: who, which contest, the consent, a box for the
    statement, signature and witness, and where and by when to return it."""
    from django.conf import settings

    pdf, contest = pack.pdf, candidate.contest
    society, member = contest.society, candidate.member
    width = pdf.w - pdf.l_margin - pdf.r_margin
    opens = timezone.localtime(contest.voting_opens)
    pdf.set_xy(pdf.l_margin, 20)
    pdf.set_font(pack.family, style="B", size=13)
    pack.lines(f"Consent to stand: {contest}", 7)
    pdf.set_font(pack.family, size=10)
    pack.lines(f"{society.name}. Returning officer's reference: "
               f"{str(candidate.public_id)[:8].upper()}.", 5)
    pdf.ln(3)
    seats = counted(contest.seats, "seat")
    pack.lines(f"Candidate: {member.full_name}, member no. {member.member_number}.", 5)
    pack.lines(f"Contest: {contest.title} ({contest.election.title}), {seats}.", 5)
    pack.lines(f"Proposed by {candidate.proposer.full_name} and seconded by "
               f"{candidate.seconder.full_name}.", 5)
    pdf.ln(3)
    pdf.set_font(pack.family, style="B", size=10)
    pack.lines("I consent to stand as a candidate in this election, and I confirm that I am a "
               "member of the society entitled to stand.", 5)
    pdf.set_font(pack.family, size=10)
    pdf.ln(3)
    pack.lines(f"My election statement (optional; at most {contest.statement_limit:,} "
               "characters, printed for the members as written):", 5)
    top = pdf.get_y() + 1
    pdf.rect(pdf.l_margin, top, width, STATEMENT_LINES * 7)
    for line in range(1, STATEMENT_LINES):
        pdf.line(pdf.l_margin + 2, top + line * 7, pdf.l_margin + width - 2, top + line * 7)
    pdf.set_y(top + STATEMENT_LINES * 7 + 6)
    pack.lines("Signed by the candidate ______________________________   Date ______________", 6)
    pdf.ln(4)
    pack.lines("Witnessed by (name) ______________________________", 6)
    pack.lines("Witness's signature ______________________________   Date ______________", 6)
    pdf.ln(5)
    office = ", ".join(line.strip() for line in society.registered_office.splitlines()
                       if line.strip())
    pdf.set_font(pack.family, style="B", size=10)
    pack.lines(f"Return this form to the returning officer, {society.name}"
               f"{', ' + office if office else ''}, so that it arrives before voting opens on "
               f"{opens.day} {opens:%B %Y at %H:%M}. A candidate who has not consented by "
               "then is not on the ballot paper.", 5)
    pdf.set_font(pack.family, size=9)
    pdf.ln(2)
    pack.lines("Or consent online instead: sign in and open "
               f"{settings.SITE_URL}/s/{society.slug}/ballots/contests/{contest.public_id}/", 4.5)


def draw_for_message(pack, message) -> None:
    """The letter pack's hook for `ballots.nominated`: the message's key names the nominee."""
    public_id = message.dedup_key.partition(":")[2]
    candidate = (Candidate.objects.filter(society=message.society_id, public_id=public_id)
                 .select_related("contest__election", "contest__society", "member", "proposer",
                                 "seconder").first())
    if candidate is not None:
        draw_consent_form(pack, candidate)


def consent_form_pdf(candidate: Candidate) -> bytes:
    """The consent form alone, as PDF bytes."""
    from notifications.letters import LetterPack

    pack = LetterPack(candidate.contest.society)
    pack.pdf.set_title(f"Consent to stand: {candidate.contest}")
    pack.pdf.add_page()
    draw_consent_form(pack, candidate)
    return bytes(pack.pdf.output())


def nominee_letter_pdf(candidate: Candidate, message) -> bytes:
    """The letter telling a nominee of their nomination, with the form after it."""
    from notifications.letters import LetterPack

    pack = LetterPack(candidate.contest.society)
    pack.add(message, timezone.localtime(message.created_at).date())
    return pack.output()
