"""The full register offers the applications and import pages only to those who may open them
(found by tests/test_demo_crawl.py: the auditor was shown links that answered 403)."""

from django.urls import reverse


def test_the_auditor_is_not_offered_pages_it_may_not_open(world):
    slug = world.society.slug
    register = reverse("members:register", kwargs={"society_slug": slug})
    applications = reverse("members:applications", kwargs={"society_slug": slug})
    upload = reverse("members:import", kwargs={"society_slug": slug})

    auditor_html = world.client("auditor").get(register).content.decode()
    assert "Register of members" in auditor_html
    assert applications not in auditor_html and upload not in auditor_html
    assert world.client("auditor").get(applications).status_code == 403

    secretary_html = world.client("secretary").get(register).content.decode()
    assert applications in secretary_html and upload in secretary_html
