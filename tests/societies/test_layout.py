"""The layout: the society's links, grouped, in a menu a phone opens without JavaScript; the
favicon; buttons that cannot be taken back look unlike the one that goes ahead."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from societies import navigation
from societies.permissions import ROLE_PERMISSIONS, Role, permissions_for


def test_a_link_must_name_one_of_the_groups():
    with pytest.raises(ImproperlyConfigured, match="not one of"):
        navigation.register(label="Odd", url_name="societies:home", permission="society:view",
                            group="Miscellaneous")


def test_the_secretarys_links_fall_into_the_six_groups_in_order():
    """A secretary who is also a member: the issue's nineteen links, with Home."""
    groups = navigation.groups_for(permissions_for([Role.SECRETARY, Role.MEMBER]))
    assert [g.label for g in groups] == navigation.GROUPS
    assert [i.label for i in groups[0].items] == ["Your record", "Applications", "Register",
                                                  "Duplicate register", "Import"]
    assert sum(len(g.items) for g in groups) == 18


def test_a_member_sees_only_the_groups_holding_their_links():
    groups = navigation.groups_for(ROLE_PERMISSIONS[Role.MEMBER])
    assert {g.label: [i.label for i in g.items] for g in groups} == {
        "Members": ["Your record", "Duplicate register"], "Shares": ["My shares"],
        "Elections": ["Elections"], "Meetings": ["Meetings"],
        "Records": ["Inbox", "Decision log"]}


def test_the_menu_is_a_disclosure_with_labelled_groups(world):
    page = world.client("secretary").get(
        reverse("societies:settings", kwargs={"society_slug": "millmead"})).content.decode()
    menu = page[page.index('<details class="society-menu">'):page.index("</details>")]
    assert "<summary>Menu" in menu
    assert '<nav aria-label="Millmead Children&#x27;s Centre" class="society-nav">' in menu
    labels = re.findall(r'<span class="nav-group-label" id="(nav-group-\d)">([^<]+)</span>\s*'
                        r'<ul aria-labelledby="(nav-group-\d)">', menu)
    assert [label for _id, label, _ref in labels] == navigation.GROUPS
    assert all(ident == ref for ident, _label, ref in labels)
    assert re.search(r'<li class="nav-group current">\s*<span[^>]*>Settings</span>', menu)
    assert 'href="/s/millmead/settings/" aria-current="page">Settings</a>' in menu


def test_the_site_has_a_favicon(client):
    page = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.ico"
    assert finders.find("favicon.ico") and finders.find("favicon.svg")


def test_decline_looks_unlike_admit(world):
    from django_scopes import scope

    from members import services
    from tests.members.conftest import application_values

    with scope(society=world.society):
        application = services.submit_application(actor=None, society=world.society,
                                                  values=application_values(world))
    page = world.client("secretary").get(reverse("members:application", kwargs={
        "society_slug": "millmead", "public_id": application.public_id})).content.decode()
    assert '<button type="submit" class="danger">Decline the application</button>' in page
    assert re.search(r'<button type="submit">Admit', page)
