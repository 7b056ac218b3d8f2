"""Joining: the application form links the current rules and privacy notice and records the
versions agreed to; the acknowledgement page and email give the same payment instructions."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape
from django_scopes import scope

from members import providers, services
from members.joining import payment_instructions
from members.models import Application
from members.services import MemberError
from societies import services as society_services
from societies.demo import make_pdf
from societies.models import DocumentKind
from tests.members.conftest import application_values
from tests.shares.conftest import make_classes


def url(world, name, **kwargs):
    return reverse(f"members:{name}", kwargs={"society_slug": world.society.slug, **kwargs})


def publish(world, kind, label, on=date(2024, 9, 21)):
    with scope(society=world.society):
        return society_services.upload_society_document(
            actor=world.users["secretary"], society=world.society, kind=kind,
            version_label=label, version_date=on, content=make_pdf(label, [label]))


@pytest.fixture
def published(world):
    world.rules = publish(world, DocumentKind.RULES, "Rules 2024")
    world.privacy = publish(world, DocumentKind.PRIVACY_NOTICE, "Privacy 2025")
    return world


def set_payment(world, **values):
    fields = society_services.JOINING_FIELDS
    with scope(society=world.society):
        society_services.update_society_settings(
            actor=world.users["secretary"], society=world.society, values=values, fields=fields)


BANK = {"payment_method": "bank_transfer", "payment_account_name": "Millmead CC",
        "payment_sort_code": "40-12-76", "payment_account_number": "31926819",
        "payment_reference": "MCC {reference}"}


def form_post(world, **overrides):
    data = {"stakeholder_class": world.classes["Staff"].pk, "full_name": "Ada Lovelace",
            "address": "1 Engine Row\nLondon", "postcode": "n1 9gu",
            "date_of_birth": "1990-12-10", "email": "ada@example.org",
            "contact_channel": "email", "electronic_consent": "on", "agree_rules": "on"}
    data.update(overrides)
    return data


def hidden_versions(world):
    return {"rules_version": str(world.rules.public_id),
            "privacy_notice_version": str(world.privacy.public_id)}


def test_the_form_links_the_current_documents(published):
    html = published.client("anonymous").get(url(published, "apply")).content.decode()
    rules = reverse("societies:document", kwargs={"society_slug": "millmead", "kind": "rules"})
    assert f'href="{rules}"' in html and "Rules 2024" in html and "Privacy 2025" in html
    assert str(published.rules.public_id) in html


def test_the_application_records_the_versions_agreed_to(published, audit_entries):
    world = published
    response = world.client("anonymous").post(url(world, "apply"),
                                              form_post(world, **hidden_versions(world)))
    assert response.status_code == 302
    with scope(society=world.society):
        application = Application.objects.get()
    assert application.rules_version == world.rules
    assert application.privacy_notice_version == world.privacy
    entry = audit_entries(world.society)[-1]
    assert entry.action == "application.submitted"
    assert entry.data["rules"] == "Rules 2024" and entry.data["privacy_notice"] == "Privacy 2025"
    page = world.client("secretary").get(url(world, "application",
                                             public_id=application.public_id)).content.decode()
    version_link = reverse("societies:document_version", kwargs={
        "society_slug": "millmead", "public_id": world.rules.public_id})
    assert version_link in page and "Privacy 2025" in page


def test_a_version_published_while_filling_in_asks_to_agree_again(published):
    world = published
    shown = hidden_versions(world)
    newer = publish(world, DocumentKind.RULES, "Rules 2026", on=date(2026, 6, 1))
    response = world.client("anonymous").post(url(world, "apply"), form_post(world, **shown))
    html = response.content.decode()
    assert response.status_code == 400
    assert "A new version of the rules was published while you filled in this form" in html
    assert str(newer.public_id) in html and "Rules 2026" in html
    with scope(society=world.society):
        assert not Application.objects.exists()


def test_the_tick_box_is_required(published):
    response = published.client("anonymous").post(
        url(published, "apply"), form_post(published, agree_rules="", **hidden_versions(published)))
    assert response.status_code == 400 and "This field is required" in response.content.decode()


def test_without_documents_online_the_application_records_none(world):
    response = world.client("anonymous").post(url(world, "apply"), form_post(world))
    assert response.status_code == 302
    with scope(society=world.society):
        application = Application.objects.get()
    assert application.rules_version is None and application.privacy_notice_version is None


def test_the_service_refuses_another_societys_document(world):
    other_rules = publish(world.other, DocumentKind.RULES, "Theirs")
    with scope(society=world.society), pytest.raises(MemberError, match="this society's rules"):
        services.submit_application(actor=None, society=world.society, values=application_values(
            world, rules_version=other_rules))


def test_a_privacy_notice_cannot_stand_for_the_rules(published):
    with scope(society=published.society), pytest.raises(MemberError):
        services.submit_application(actor=None, society=published.society,
                                    values=application_values(published,
                                                              rules_version=published.privacy))


# Paying for the share


@pytest.fixture
def with_shares(world):
    make_classes(world.society)
    return world


def apply_and_read(world, django_capture_on_commit_callbacks):
    """Apply as a visitor; the acknowledgement page's HTML and the email's text."""
    client = world.client("anonymous")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(world, "apply"), form_post(world))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    [email] = [m for m in mail.outbox if m.to == ["ada@example.org"]]
    with scope(society=world.society):
        reference = Application.objects.get().reference
    return page, email.body, reference


@pytest.mark.parametrize("settings_values,expected", [
    (BANK, ["Pay it by bank transfer to:", "Sort code", "40-12-76", "31926819", "MCC A-"]),
    ({"payment_method": "cash", "payment_office_hours": "Mondays 10am to noon"},
     ["Pay it in cash at the society", "1 High Street, Town, AB1 2CD", "Mondays 10am to noon"]),
    ({"payment_method": "contact"}, ["The society will contact you to say how to pay."]),
])
def test_the_page_and_the_email_give_the_same_payment_instructions(
        with_shares, django_capture_on_commit_callbacks, settings_values, expected):
    world = with_shares
    set_payment(world, **settings_values)
    page, body, reference = apply_and_read(world, django_capture_on_commit_callbacks)
    world.society.refresh_from_db()
    instructions = payment_instructions(world.society, reference)
    assert instructions.before[0].startswith("Joining costs £1.00: 1 share of £1.00")
    for line in instructions.lines():
        assert line in body, line
    for line in [*instructions.before, *instructions.after]:
        assert escape(line) in page, line
    for label, value in instructions.details:
        assert f"<dt>{label}</dt><dd>{escape(value)}</dd>" in page
    for text in expected:
        assert text in body and escape(text) in page


def test_the_bank_reference_is_the_application_reference_in_the_pattern(
        with_shares, django_capture_on_commit_callbacks):
    set_payment(with_shares, **BANK)
    page, body, reference = apply_and_read(with_shares, django_capture_on_commit_callbacks)
    assert f"Payment reference: MCC {reference}" in body
    assert f"<dd>MCC {reference}</dd>" in page


def test_no_payment_section_where_joining_needs_no_shares(world,
                                                         django_capture_on_commit_callbacks):
    set_payment(world, **BANK)
    page, body, _reference = apply_and_read(world, django_capture_on_commit_callbacks)
    assert "Paying for your share" not in page and "PAYING" not in body
    assert "You do not need to do anything else for now." in body


def test_many_shares_are_described_as_such(world, monkeypatch):
    monkeypatch.setattr(providers, "joining_cost",
                        lambda society: providers.JoiningCost(250, 100, "Investor"))
    instructions = payment_instructions(world.society, "A-XXXXXXXX")
    assert instructions.before[0] == ("Joining costs £250.00: 250 shares of £1.00 each "
                                      "(Investor), issued to you when you are admitted.")
