"""The audit log reads as sentences: every action the code records has one."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django_scopes import scope

from societies import audit_text, services
from societies.models import AuditEntry
from tests.societies.test_views import url

ROOT = Path(settings.BASE_DIR)
APPS = ["accounts", "societies", "notifications", "members", "shares", "ballots", "boards",
        "ballotbox"]


def _sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(), filename=str(path))


def _strings(node) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant)
            and isinstance(n.value, str)}


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _argument(call: ast.Call, position: int, name: str):
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def recorded_calls() -> tuple[list[tuple[set[str], set[str] | None]], list[str]]:
    """Every place the code writes an audit entry: the action names it can write and the keys
    of its data (None where the data is not written out there); and the places whose action
    could not be read. An action passed through a parameter of the calling function is
    followed one step back, to that function's callers."""
    trees = list(_sources())
    calls = [(path, node) for path, tree in trees for node in ast.walk(tree)
             if isinstance(node, ast.Call)]
    found, unread = [], []
    for path, tree in trees:
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for call in ast.walk(function):
                if not isinstance(call, ast.Call):
                    continue
                name = _called_name(call)
                if name == "record" and getattr(call.func, "value", None) is not None \
                        and getattr(call.func.value, "id", "") == "audit":
                    action, data = _argument(call, 2, "action"), _argument(call, 4, "data")
                elif name == "AuditEntry":
                    action, data = _argument(call, 99, "action"), _argument(call, 99, "data")
                else:
                    continue
                if action is None:
                    continue
                actions = _strings(action)
                if isinstance(action, ast.Name):
                    actions = _through_parameter(function, action.id, calls)
                if not actions:
                    unread.append(f"{path.relative_to(ROOT)}:{call.lineno}")
                keys = None
                if isinstance(data, ast.Dict):
                    keys = {k.value for k in data.keys if isinstance(k, ast.Constant)}
                found.append((actions, keys))
    return found, unread


def _through_parameter(function, parameter: str, calls) -> set[str]:
    params = [a.arg for a in function.args.posonlyargs + function.args.args]
    keyword_only = [a.arg for a in function.args.kwonlyargs]
    if parameter not in params + keyword_only:
        return set()
    position = params.index(parameter) if parameter in params else 99
    found = set()
    for _path, call in calls:
        if _called_name(call) == function.name:
            argument = _argument(call, position, parameter)
            if argument is not None:
                found |= _strings(argument)
    return found


def recorded_actions() -> tuple[set[str], list[str]]:
    calls, unread = recorded_calls()
    return set().union(*(actions for actions, _keys in calls)), unread


def test_every_action_the_code_records_reads_as_a_sentence():
    actions, unread = recorded_actions()
    assert unread == [], "pass the audit action as a literal (or through one parameter)"
    missing = sorted(actions - audit_text.described_actions())
    assert missing == [], ("describe these actions in the app's audit_text.py "
                           "(societies.audit_text.describes)")


def test_the_walk_finds_actions_however_they_are_passed():
    actions, _unread = recorded_actions()
    assert {
        "society.settings_changed",  # a literal
        "resolution.proposed", "contest.created",  # either side of a conditional
        "register.viewed", "register.exported",  # a keyword argument of the service's callers
        "board.meeting_cancelled",  # a positional argument of a helper's callers
    } <= actions
    # A vote writes no audit entry (the close counts the votes); old entries keep a sentence.
    assert "ballot.cast" not in actions and "ballot.cast" in audit_text.described_actions()


def _sample(key: str):
    """A value of the kind the code records under `key` (text reads as a number too)."""
    if key == "changes":
        return {"notice_clear_days": [14, 21]}
    return 150 if key.endswith("pence") else "2"


def test_every_describer_reads_the_data_its_action_records():
    """A describer reading a key its action does not record would fall back to the plain
    sentence for every entry: called directly here, it fails with the key it missed."""
    calls, _unread = recorded_calls()
    checked = 0
    for actions, keys in calls:
        if keys is None:
            continue
        for action in actions:
            entry = _entry(action, {key: _sample(key) for key in keys}, target_label="Ann Lee")
            text = audit_text._DESCRIBERS[action](audit_text.Event(entry))
            assert text and "{" not in text and "}" not in text, action
            checked += 1
    assert checked > 80


def _entry(action, data=None, target_label="", actor_label="liam@example.org"):
    return AuditEntry(action=action, data=data or {}, target_label=target_label,
                      actor_label=actor_label)


def test_an_admission_names_who_admitted_whom():
    entry = _entry("member.admitted", {"member_number": 57, "decision_reference": ""},
                   target_label="Ann Lee (no. 57)")
    assert audit_text.sentence(entry) == "liam@example.org admitted Ann Lee as member 57"


def test_opening_a_poll_on_schedule_is_said_to_be_the_system():
    entry = _entry("contest.opened", {"roll_size": 48, "roll_fingerprint": "ab12"},
                   target_label="Board election 2027: Parent seats", actor_label="")
    assert audit_text.sentence(entry) == (
        "OMOV opened voting in ‘Board election 2027: Parent seats’ with 48 members on the roll")


def test_settings_changes_read_in_pounds_and_words():
    entry = _entry("society.settings_changed", {"changes": {
        "share_nominal_value_pence": [100, 150], "notice_clear_days": [14, 21]}})
    assert audit_text.sentence(entry) == (
        "liam@example.org changed the society's settings: share nominal value from £1.00 to "
        "£1.50; notice clear days from 14 to 21")


def test_an_action_nobody_describes_still_reads_plainly():
    entry = _entry("shares.something_new", {"on": "2026-03-31", "nested": {"a_b": True}},
                   target_label="Withdrawable share")
    assert audit_text.sentence(entry) == (
        "liam@example.org: shares something new — Withdrawable share")
    assert audit_text.details(entry) == [
        ("On", "31 March 2026"), ("Nested", "a b: yes"), ("About", "Withdrawable share"),
        ("Recorded as", "shares.something_new")]


def test_an_older_entry_without_the_data_a_describer_reads_falls_back():
    entry = _entry("member.admitted", {}, target_label="Ann Lee (no. 57)")
    assert audit_text.sentence(entry) == "liam@example.org: member admitted — Ann Lee (no. 57)"


@pytest.mark.django_db
def test_the_audit_log_page_shows_sentences_not_codes_or_dicts(world):
    with scope(society=world.society):
        services.update_society_settings(actor=world.users["secretary"], society=world.society,
                                         values={"notice_clear_days": 20})
    page = world.client("auditor").get(url("societies:audit", world)).content.decode()
    secretary = str(world.users["secretary"])
    assert f"{secretary} changed the society&#x27;s settings: notice clear days from" in page
    assert "{&#x27;" not in page and "{'" not in page
