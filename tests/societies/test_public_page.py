"""The society's public page, its rules and privacy notice (versioned PDFs), and the settings
of the public page and of paying for a share: each persona, each service's audit entry, and
uploads that are refused with nothing stored."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope

from societies import services
from societies.demo import make_pdf
from societies.documents import PDF_MAX_BYTES
from societies.models import DocumentKind, Society, SocietyDocument
from societies.services import SocietyError

RULES = make_pdf("Rules of Millmead", ["1. Name. Millmead Children's Centre."])
NEWER_RULES = make_pdf("Rules of Millmead", ["1. Name.", "2. Objects."])
PRIVACY = make_pdf("Privacy notice", ["We keep your name and address."])


def url(world, name, **kwargs):
    return reverse(f"societies:{name}", kwargs={"society_slug": world.society.slug, **kwargs})


def upload(world, kind=DocumentKind.RULES, label="Rules 2024", content=RULES,
           on=date(2024, 9, 21)):
    with scope(society=world.society):
        return services.upload_society_document(
            actor=world.users["secretary"], society=world.society, kind=kind,
            version_label=label, version_date=on, content=content, original_name="rules.pdf")


def documents(world):
    with scope(society=world.society):
        return list(SocietyDocument.objects.order_by("id"))


@pytest.fixture
def described(world):
    with scope(society=world.society):
        services.update_society_settings(
            actor=world.users["secretary"], society=world.society,
            values={"description": "A centre run by the parents who use it."},
            fields=services.JOINING_FIELDS)
        world.society.registration_number = "30012R"
        world.society.legal_form = "community_benefit"
        world.society.save()
    return world


# The public page


@pytest.mark.parametrize("persona", ["anonymous", "outsider"])
def test_visitors_see_the_public_page_with_a_join_link(described, persona):
    world = described
    upload(world)
    response = world.client(persona).get(url(world, "home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "A centre run by the parents who use it." in html
    assert "Community benefit society" in html
    assert "Registered society number (FCA)" in html and "30012R" in html
    assert "1 High Street" in html
    assert url(world, "document", kind="rules") in html and "Rules 2024" in html
    assert "The privacy notice is not online yet" in html
    assert reverse("members:apply", kwargs={"society_slug": world.society.slug}) in html
    assert "Your membership" not in html
    assert html.count("<h1>") == 1


@pytest.mark.parametrize("persona", ["member", "secretary", "board_member", "auditor"])
def test_members_and_officers_keep_their_home(described, persona):
    html = described.client(persona).get(url(described, "home")).content.decode()
    assert "Join Millmead" not in html
    assert "Stakeholder classes" in html


def test_officers_preview_the_public_page(described):
    html = described.client("secretary").get(url(described, "public_page")).content.decode()
    assert "This is the society's public page as visitors" in html
    assert "A centre run by the parents who use it." in html


def test_a_hidden_public_page_is_not_shown_to_visitors(world):
    with scope(society=world.society):
        services.update_society_settings(
            actor=world.users["secretary"], society=world.society,
            values={"public_page_shown": False}, fields=services.JOINING_FIELDS)
    outsider, anonymous = world.client("outsider"), world.client("anonymous")
    assert outsider.get(url(world, "home")).status_code == 404
    assert outsider.get(url(world, "public_page")).status_code == 404
    # Visitors not signed in are asked to, as on any page that is not public.
    response = anonymous.get(url(world, "home"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert b"Join" not in anonymous.get(url(world, "home"), follow=True).content
    # Members keep their home and officers their preview; the form stays open by its link.
    assert world.client("member").get(url(world, "home")).status_code == 200
    assert world.client("secretary").get(url(world, "public_page")).status_code == 200
    apply = reverse("members:apply", kwargs={"society_slug": world.society.slug})
    assert world.client("anonymous").get(apply).status_code == 200


def test_a_missing_or_inactive_society_has_no_public_page(world):
    anonymous = world.client("anonymous")
    assert anonymous.get("/s/no-such-society/").status_code == 404
    Society.objects.filter(pk=world.society.pk).update(is_active=False)
    assert anonymous.get(url(world, "home")).status_code == 404


def test_other_society_pages_still_answer_not_found_to_outsiders(world):
    assert world.client("outsider").get(url(world, "settings")).status_code == 404
    assert world.client("anonymous").get(url(world, "settings")).status_code == 302


# Documents


def test_uploading_a_version_makes_it_current_and_keeps_the_old_one(world, audit_entries):
    first = upload(world)
    second = upload(world, label="Rules 2026", content=NEWER_RULES, on=date(2026, 6, 1))
    entries = audit_entries(world.society)
    assert [e.action for e in entries] == ["society.document_uploaded"] * 2
    assert entries[1].actor == world.users["secretary"]
    assert entries[1].data["version"] == "Rules 2026" and entries[1].data["kind"] == "rules"
    assert [d.pk for d in documents(world)] == [first.pk, second.pk]
    current = world.client("anonymous").get(url(world, "document", kind="rules"))
    assert current.status_code == 200 and current["Content-Type"] == "application/pdf"
    assert current.content == NEWER_RULES
    assert current["Content-Security-Policy"] == "sandbox"
    old = world.client("secretary").get(url(world, "document_version", public_id=first.public_id))
    assert old.content == RULES


@pytest.mark.parametrize("persona,status", [
    ("secretary", 200), ("auditor", 200), ("member", 403), ("board_member", 403),
    ("outsider", 404),
])
def test_every_version_is_downloadable_by_officers_only(world, persona, status):
    document = upload(world)
    link = url(world, "document_version", public_id=document.public_id)
    assert world.client(persona).get(link).status_code == status


def test_a_document_not_yet_uploaded_is_not_found(world):
    assert world.client("anonymous").get(url(world, "document", kind="rules")).status_code == 404
    assert world.client("anonymous").get(url(world, "document", kind="minutes")).status_code == 404


@pytest.mark.parametrize("content,message", [
    (b"PK\x03\x04 a word document renamed", "not a PDF"),
    (b"", "empty"),
    (b"%PDF-1.7\n1 0 obj<<>>endobj\n", "not a PDF"),  # cut short: no end of file
    (make_pdf("x", ["y"]).replace(b"/Title", b"/JavaScript"), "scripts"),
    (None, "larger than 5 MB"),
])
def test_the_service_refuses_what_is_not_a_publishable_pdf(world, audit_entries, content,
                                                           message):
    with pytest.raises(SocietyError, match=message):
        upload(world, content=content)
    assert documents(world) == [] and audit_entries(world.society) == []


def test_a_version_label_is_used_once_per_document(world):
    upload(world)
    with pytest.raises(SocietyError, match="already a version called"):
        upload(world, label="rules  2024", content=NEWER_RULES)
    upload(world, kind=DocumentKind.PRIVACY_NOTICE, content=PRIVACY)  # same label, other kind
    assert len(documents(world)) == 2


def post_upload(world, name, content, **fields):
    data = {"kind": "rules", "version_label": "Rules 2024", "version_date": "2024-09-21",
            "file": SimpleUploadedFile(name, content, content_type="application/pdf"), **fields}
    return world.client("secretary").post(url(world, "document_upload"), data)


def test_a_non_pdf_renamed_pdf_is_refused_on_the_page(world, audit_entries):
    response = post_upload(world, "rules.pdf", b"<html>not really a pdf</html>")
    assert response.status_code == 400
    assert "This file is not a PDF (whatever its name says)" in response.content.decode()
    assert documents(world) == [] and audit_entries(world.society) == []


def test_a_file_over_the_size_limit_is_refused_on_the_page(world):
    big = RULES[:-6] + b" " * (PDF_MAX_BYTES + 10) + b"%%EOF\n"
    response = post_upload(world, "rules.pdf", big)
    assert response.status_code == 400 and "larger than 5 MB" in response.content.decode()
    assert documents(world) == []


def test_the_secretary_uploads_on_the_settings_page(world):
    response = post_upload(world, "Millmead rules.pdf", RULES)
    assert response.status_code == 302
    [document] = documents(world)
    assert document.original_name == "Millmead rules.pdf" and document.size_bytes == len(RULES)
    page = world.client("secretary").get(url(world, "joining_settings")).content.decode()
    assert "Rules 2024" in page and "Upload a new version" in page


# Settings of the public page and of paying


def joining_post(**overrides):
    data = {"description": "About us", "public_page_shown": "on",
            "payment_method": "bank_transfer", "payment_account_name": "Millmead CC",
            "payment_sort_code": "40 12 76", "payment_account_number": "3192 6819",
            "payment_reference": "MCC  {reference}", "payment_office_address": "",
            "payment_office_hours": ""}
    data.update(overrides)
    return data


def test_the_secretary_sets_bank_details_which_are_normalised(world, audit_entries):
    response = world.client("secretary").post(url(world, "joining_settings"), joining_post())
    assert response.status_code == 302
    world.society.refresh_from_db()
    assert world.society.payment_sort_code == "40-12-76"
    assert world.society.payment_account_number == "31926819"
    assert world.society.payment_reference_for("A-ABCDEFGH") == "MCC A-ABCDEFGH"
    [entry] = audit_entries(world.society)
    assert entry.action == "society.settings_changed" and entry.actor == world.users["secretary"]
    assert entry.data["changes"]["payment_method"] == ["contact", "bank_transfer"]


@pytest.mark.parametrize("field,value,message", [
    ("payment_sort_code", "12-34-5", "six digits"),
    ("payment_sort_code", "ab-cd-ef", "six digits"),
    ("payment_account_number", "1234567", "eight digits"),
    ("payment_account_name", "", "Give the account name"),
    ("payment_reference", "PAY", "Include {reference} once"),
    ("payment_reference", "MILLMEAD {reference}", "at most 8 characters"),
    ("payment_reference", "£ {reference}", "Use only letters"),
])
def test_bad_bank_details_are_refused_naming_the_field(world, audit_entries, field, value,
                                                       message):
    response = world.client("secretary").post(url(world, "joining_settings"),
                                              joining_post(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    world.society.refresh_from_db()
    assert world.society.payment_method == "contact" and audit_entries(world.society) == []


def test_cash_needs_opening_hours(world):
    response = world.client("secretary").post(url(world, "joining_settings"), joining_post(
        payment_method="cash", payment_sort_code="", payment_account_number=""))
    assert response.status_code == 400
    assert "Say when the office is open" in response.content.decode()


@pytest.mark.parametrize("persona,status", [
    ("secretary", 200), ("auditor", 200), ("member", 403), ("board_member", 403),
    ("outsider", 404),
])
def test_who_may_open_the_public_page_settings(world, persona, status):
    assert world.client(persona).get(url(world, "joining_settings")).status_code == status


def test_the_auditor_reads_but_cannot_change_the_settings(world):
    page = world.client("auditor").get(url(world, "joining_settings")).content.decode()
    assert "<form" not in page.split("<main")[1]
    response = world.client("auditor").post(url(world, "joining_settings"), joining_post())
    assert response.status_code == 403
    assert world.client("auditor").post(url(world, "document_upload")).status_code == 403


def test_the_settings_page_links_the_public_page_settings(world):
    page = world.client("secretary").get(url(world, "settings")).content.decode()
    assert url(world, "joining_settings") in page
