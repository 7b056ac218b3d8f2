"""Candidates without an account: nominations and consents received on paper, the nominee
told by their own channel how to consent, and the consent form (services and PDFs; the pages
are in test_contest_correction_views.py)."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope
from pypdf import PdfReader

from ballots import services
from ballots.consent_form import candidate_for_token, consent_form_pdf, public_form_token
from members.models import ContactChannel, Member
from notifications import letters
from notifications.models import Message
from tests.ballots.conftest import make_contest
from tests.ballots.test_contest_corrections import audit_count, only_new_entry, refused

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def pdf_pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def person(world, number: int, name: str, *, email: str = "") -> Member:
    """A member with no account, on the Parent electorate: by email if given, else by post."""
    with scope(society=world.society):
        return Member.objects.create(
            society=world.society, member_number=number, full_name=name,
            address="4 Mill Lane\nMillmead", postcode="ME1 4AA", email=email,
            contact_channel=ContactChannel.EMAIL if email else ContactChannel.POST,
            electronic_consent=bool(email), stakeholder_class=world.classes["Parent"],
            admitted_on=timezone.localdate() - timedelta(days=400))


@pytest.fixture
def drafted(world):
    """A contest in nominations with two consented candidates, and three members without an
    account: Nell gets post, Ed email, Pat is a proposer."""
    contest = make_contest(world, open_now=False, candidates=2)
    contest.nell = person(world, 801, "Nell Paper")
    contest.ed = person(world, 802, "Ed Mail", email="ed@example.test")
    contest.pat = person(world, 803, "Pat Proposer")
    return contest


def ro(world):
    return world.users["returning_officer"]


def nominate_on_paper(world, contest, candidate, **kwargs):
    with scope(society=world.society):
        return services.record_paper_nomination(
            actor=ro(world), contest=contest, candidate=candidate, proposer=contest.pat,
            seconder=contest.voters[-1], received_on=kwargs.pop("received_on",
                                                                timezone.localdate()), **kwargs)


# The nomination, and the nominee told by their own channel


def test_a_paper_nomination_is_recorded_and_the_nominee_gets_a_letter(world, drafted):
    before = audit_count(world)
    candidate = nominate_on_paper(world, drafted, drafted.nell)
    with scope(society=world.society):
        candidate.refresh_from_db()
        assert candidate.nominated_by is None
        assert candidate.paper_received_on == timezone.localdate()
        assert candidate.consented_at is None
        message = services.nominee_message(candidate)
        assert message.channel == "post" and message.recipient == drafted.nell
        assert "4 Mill Lane" in message.to_address
        assert message.notice.kind == "ballots.nominated"
        assert "proposed by Pat Proposer" in message.body_text
        assert "sign the enclosed consent form" in message.body_text
    entry = only_new_entry(world, before)
    assert entry.action == "candidate.nominated_on_paper" and entry.actor == ro(world)
    assert entry.data["received_on"] == timezone.localdate().isoformat()
    assert entry.data["candidate"] == 801


def test_a_nominee_who_chose_email_is_emailed_how_to_consent_online_or_on_paper(world,
                                                                                drafted):
    candidate = nominate_on_paper(world, drafted, drafted.ed)
    with scope(society=world.society):
        message = services.nominee_message(candidate)
    assert message.channel == "email" and message.to_email == "ed@example.test"
    # No account yet: how to make one, and the form's address, which opens without signing in.
    assert "/accounts/signup/" in message.body_text
    token = public_form_token(candidate)
    assert f"/ballots/consent-form/{token}/" in message.body_text
    assert f"/ballots/consent-form/{token}/" in message.body_html
    with scope(society=world.society):
        assert candidate_for_token(world.society, token) == candidate
        assert candidate_for_token(world.society, token + "x") is None
        assert candidate_for_token(world.other.society, token) is None


def test_a_member_who_nominates_someone_else_tells_them_but_not_themselves(world, drafted):
    nominator = world.members["member"]
    with scope(society=world.society):
        other = services.nominate(actor=nominator.user, contest=drafted, nominated_by=nominator,
                                  candidate=drafted.ed, proposer=nominator,
                                  seconder=world.members["board_member"])
        message = services.nominee_message(other)
        assert message is not None and f"by {nominator.full_name}" in message.body_text
        self_named = services.nominate(actor=nominator.user, contest=drafted,
                                       nominated_by=nominator, candidate=nominator,
                                       proposer=world.members["board_member"],
                                       seconder=world.members["secretary"])
        assert services.nominee_message(self_named) is None


@pytest.mark.parametrize("case,message,field", [
    ("future", "after today", "received_on"),
    ("before_open", "does not count", "received_on"),
    ("after_close", "too late", "received_on"),
    ("same_people", "must be different", "seconder"),
    ("ineligible", "not on the electorate", None),
    ("twice", "already nominated", "candidate"),
])
def test_a_paper_nomination_passes_the_online_rules_or_nothing_is_written(world, drafted, case,
                                                                         message, field):
    today = timezone.localdate()
    kwargs = {"candidate": drafted.nell, "proposer": drafted.pat,
              "seconder": drafted.voters[-1], "received_on": today}
    if case == "future":
        kwargs["received_on"] = today + timedelta(days=1)
    elif case == "before_open":
        kwargs["received_on"] = timezone.localdate(drafted.nominations_open) - timedelta(days=1)
    elif case == "after_close":
        kwargs["received_on"] = timezone.localdate(drafted.nominations_close) + timedelta(days=1)
        kwargs["today"] = kwargs["received_on"]
    elif case == "same_people":
        kwargs["seconder"] = drafted.pat
    elif case == "ineligible":
        # The electorate is the Parent class; Nell is Staff.
        with scope(society=world.society):
            Member.objects.filter(pk=drafted.nell.pk).update(
                stakeholder_class=world.classes["Staff"])
            services.change_contest(actor=ro(world), contest=drafted, values={},
                                    classes=[world.classes["Parent"]])
    elif case == "twice":
        nominate_on_paper(world, drafted, drafted.nell)
    refused(world, lambda: services.record_paper_nomination(
        actor=ro(world), contest=drafted, **kwargs), message, field)


# The signed consent


def test_a_signed_consent_puts_the_candidate_on_the_ballot(world, drafted, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    candidate = nominate_on_paper(world, drafted, drafted.nell)
    signed_on = timezone.localdate() - timedelta(days=1)
    scan = SimpleUploadedFile("nell's form.pdf", PDF_BYTES, content_type="application/pdf")
    before = audit_count(world)
    with scope(society=world.society):
        assert candidate not in drafted.standing()
        services.record_paper_consent(actor=ro(world), candidate=candidate, signed_on=signed_on,
                                      witness="  Jo   Witness ", statement="I will listen.",
                                      scan=scan)
        candidate.refresh_from_db()
        assert candidate in drafted.standing()
        assert candidate.consent_signed_on == signed_on
        assert candidate.consent_witness == "Jo Witness"
        assert candidate.statement == "I will listen."
        assert candidate.consent_scan.name.startswith("candidate-consents/")
        assert "nell" not in candidate.consent_scan.name.lower()
        assert candidate.consent_scan.read() == PDF_BYTES
    entry = only_new_entry(world, before)
    assert entry.action == "candidate.consented_on_paper" and entry.actor == ro(world)
    assert entry.data == {"contest": str(drafted.public_id), "signed_on": signed_on.isoformat(),
                          "witness": "Jo Witness", "scan": True, "statement_characters": 14}


@pytest.mark.parametrize("case,message,field", [
    ("signed_later", "after today", "signed_on"),
    ("no_witness", "who witnessed", "witness"),
    ("own_witness", "cannot witness their own", "witness"),
    ("long_statement", "the limit is", "statement"),
    ("not_a_scan", "PDF, PNG or JPEG", "scan"),
    ("huge_scan", "the limit is 5 MB", "scan"),
    ("already", "already consented", None),
    ("voting_open", "too late", None),
])
def test_a_signed_consent_is_checked_or_nothing_is_written(world, drafted, settings, tmp_path,
                                                          case, message, field):
    settings.MEDIA_ROOT = tmp_path
    candidate = nominate_on_paper(world, drafted, drafted.nell)
    kwargs = {"signed_on": timezone.localdate(), "witness": "Jo Witness", "statement": "",
              "scan": None}
    if case == "signed_later":
        kwargs["signed_on"] = timezone.localdate() + timedelta(days=1)
    elif case == "no_witness":
        kwargs["witness"] = " "
    elif case == "own_witness":
        kwargs["witness"] = "nell paper"
    elif case == "long_statement":
        kwargs["statement"] = "x" * (drafted.statement_limit + 1)
    elif case == "not_a_scan":
        kwargs["scan"] = SimpleUploadedFile("form.pdf", b"<html>not a pdf</html>")
    elif case == "huge_scan":
        kwargs["scan"] = SimpleUploadedFile("form.png", PNG_BYTES + b"\x00" * 5 * 1024 * 1024)
    elif case == "already":
        with scope(society=world.society):
            candidate = drafted.candidates.exclude(pk=candidate.pk).first()
    elif case == "voting_open":
        kwargs["now"] = drafted.voting_opens
    refused(world, lambda: services.record_paper_consent(actor=ro(world), candidate=candidate,
                                                         **kwargs), message, field)
    assert not any(tmp_path.rglob("*.p*g")) and not any(tmp_path.rglob("*.pdf"))


def test_the_database_refuses_a_paper_consent_without_its_witness(world, drafted):
    from django.db import IntegrityError, transaction

    from ballots.models import Candidate

    candidate = nominate_on_paper(world, drafted, drafted.nell)
    with scope(society=world.society), pytest.raises(IntegrityError), transaction.atomic():
        Candidate.objects.filter(pk=candidate.pk).update(consent_signed_on=timezone.localdate())


# The consent form, alone and after the letter


def test_the_consent_form_names_the_candidate_the_contest_and_where_to_return_it(world,
                                                                                drafted):
    candidate = nominate_on_paper(world, drafted, drafted.nell)
    with scope(society=world.society):
        text = " ".join(pdf_text(consent_form_pdf(candidate)).split())
    assert "Consent to stand" in text
    assert "Nell Paper, member no. 801" in text
    assert "Proposed by Pat Proposer" in text
    assert "I consent to stand as a candidate" in text
    assert "Witnessed by" in text
    assert "1 High Street, Town, AB1 2CD" in text
    assert timezone.localtime(drafted.voting_opens).strftime("%B %Y") in text


def test_the_nominees_letter_in_the_letter_pack_encloses_the_consent_form(world, drafted):
    candidate = nominate_on_paper(world, drafted, drafted.nell)
    with scope(society=world.society):
        notice = services.nominee_message(candidate).notice
        pdf = letters.build_pack(notice)
    assert pdf_pages(pdf) == 2
    reader = PdfReader(io.BytesIO(pdf))
    letter, form = (" ".join(page.extract_text().split()) for page in reader.pages)
    assert "You have been nominated" in letter and "Nell Paper" in letter
    assert "Consent to stand" in form and "member no. 801" in form


def test_letters_of_other_kinds_print_no_consent_form(world, drafted):
    nominate_on_paper(world, drafted, drafted.nell)
    with scope(society=world.society):
        services.cancel_contest(actor=ro(world), contest=drafted, reason="Held in error.")
        notice = Message.objects.get(notice__kind="ballots.contest_cancelled",
                                     recipient=drafted.nell).notice
        pdf = letters.build_pack(notice)
    text = " ".join(pdf_text(pdf).split())
    assert pdf_pages(pdf) == 1
    assert "cancelled this contest" in text and "Held in error." in text
    assert "Consent to stand" not in text
