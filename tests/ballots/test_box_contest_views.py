"""The officer's pages for a contest's ballot box: setting it up (who the trustees are, where
they keep their keys), what the contest page says of it, and refusals that change nothing."""

import pytest
from django.urls import reverse
from django_scopes import scope

from ballotbox.models import Box, Keeping
from ballots import boxed
from societies.audit_text import sentence
from societies.models import AuditEntry
from tests.ballots.conftest import make_contest


def url(world, name, **kwargs):
    return reverse(f"ballots:{name}", kwargs={"society_slug": world.society.slug, **kwargs})


def form(world, *trustees, threshold=2, **extra):
    data = {"box-threshold": str(threshold), **extra}
    for number, (persona, keeping) in enumerate(trustees, start=1):
        data[f"box-trustee_{number}"] = str(world.users[persona].pk)
        data[f"box-keeping_{number}"] = keeping
    return data


@pytest.fixture
def draft(world):
    return make_contest(world, open_now=False)


def test_the_officer_sets_up_a_ballot_box_with_three_trustees(tool, world, draft):
    officer = world.client("returning_officer")
    page = officer.get(url(world, "manage_contest", public_id=draft.public_id))
    assert "Set up a ballot box" in page.content.decode()
    setup = url(world, "set_up_box", public_id=draft.public_id)
    shown = officer.get(setup)
    assert shown.status_code == 200 and 'name="box-trustee_1"' in shown.content.decode()

    sent = officer.post(setup, form(world, ("returning_officer", Keeping.SERVER),
                                    ("secretary", Keeping.OWN), ("auditor", Keeping.OWN)))
    assert sent.status_code == 302
    with scope(society=world.society):
        draft.refresh_from_db()
        box = Box.objects.get(pk=draft.box_id)
        assert sent["Location"].endswith(f"/ballotbox/boxes/{box.public_id}/")
        assert [(t.user_id, t.keeping) for t in box.trustee_rows.order_by("number")] == [
            (world.users["returning_officer"].pk, Keeping.SERVER),
            (world.users["secretary"].pk, Keeping.OWN), (world.users["auditor"].pk, Keeping.OWN)]
        entry = AuditEntry.objects.get(society=world.society, action="contest.box_set_up")
        assert entry.data["on_server"] == 1 and entry.data["threshold"] == 2
    page = officer.get(url(world, "manage_contest", public_id=draft.public_id)).content.decode()
    assert "Voting cannot open until every trustee has made their share" in page
    # Only once.
    again = officer.get(setup)
    assert again.status_code == 302


@pytest.mark.parametrize("data, field", [
    # Two server-kept keys of a 2-of-3 box: the server alone could decrypt.
    ({"trustees": (("returning_officer", "server"), ("secretary", "server"),
                   ("auditor", "own"))}, "box-server_decrypts"),
    ({"trustees": (("returning_officer", "own"), ("returning_officer", "own"),
                   ("auditor", "own"))}, None),
    ({"trustees": (("returning_officer", "own"), ("secretary", "own"))}, "box-trustee_3"),
    ({"trustees": (("returning_officer", "own"), ("secretary", "own"), ("auditor", "own")),
      "threshold": 4}, "box-threshold"),
    ({"trustees": (("returning_officer", "own"), ("secretary", "own"), ("auditor", "own")),
      "threshold": "two"}, "box-threshold"),
])
def test_a_set_up_that_cannot_be_is_refused_and_names_why(tool, world, draft, data, field):
    officer = world.client("returning_officer")
    sent = officer.post(url(world, "set_up_box", public_id=draft.public_id),
                        form(world, *data["trustees"], threshold=data.get("threshold", 2)))
    assert sent.status_code == 400
    html = sent.content.decode()
    assert "error" in html
    if field:
        assert f'aria-describedby="id_{field}' in html or f'id="id_{field}' in html
    with scope(society=world.society):
        draft.refresh_from_db()
        assert draft.box_id is None and not Box.objects.exists()


def test_accepting_that_the_server_could_decrypt_is_recorded(tool, world, draft):
    officer = world.client("returning_officer")
    sent = officer.post(url(world, "set_up_box", public_id=draft.public_id),
                        form(world, ("returning_officer", "server"), ("secretary", "server"),
                             ("auditor", "server"), **{"box-server_decrypts": "on"}))
    assert sent.status_code == 302
    with scope(society=world.society):
        entry = AuditEntry.objects.get(society=world.society, action="contest.box_set_up")
        assert "the server alone could decrypt" in sentence(entry)


def test_without_the_tool_the_page_says_so_and_sets_nothing_up(world, draft, monkeypatch):
    monkeypatch.setattr(boxed, "tool_missing", lambda: "belenios-tool is not installed.")
    officer = world.client("returning_officer")
    page = officer.get(url(world, "manage_contest", public_id=draft.public_id)).content.decode()
    assert "none can be set up on this server" in page and "Set up a ballot box" not in page
    sent = officer.post(url(world, "set_up_box", public_id=draft.public_id),
                        form(world, ("returning_officer", "own"), ("secretary", "own"),
                             ("auditor", "own")))
    assert sent.status_code == 200 and "cannot be used on this server" in sent.content.decode()
    with scope(society=world.society):
        draft.refresh_from_db()
        assert draft.box_id is None


def test_only_the_returning_officer_sets_up_a_box(world, draft):
    for persona in ("member", "auditor", "board_member"):
        assert world.client(persona).get(
            url(world, "set_up_box", public_id=draft.public_id)).status_code == 403
