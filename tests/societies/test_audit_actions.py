"""Audit actions are named once: each app registers its names (societies.audit), the rule is
checked as it does, and the code writes, looks for and describes only registered names."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from societies import audit, audit_text
from tests.societies.test_audit_text import APPS, recorded_actions

ROOT = Path(settings.BASE_DIR)
# Keyword arguments that hold an action name where the code or a test looks entries up.
ACTION_KEYWORDS = {"action", "action__in"}


def _looked_up_actions(folders) -> dict[str, list[str]]:
    """Action names written out where code or tests look entries up or assert on them:
    `filter(action=...)`, `action__in=[...]`, `entry.action == ...`, and the action argument
    of tests' `assert_one_audit_entry` (dotted names only: other `action`s are not the audit's,
    such as a count's stages). Each name with the places it is written."""
    found: dict[str, list[str]] = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                values = []
                if isinstance(node, ast.Call):
                    values = [k.value for k in node.keywords if k.arg in ACTION_KEYWORDS]
                    name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                    if name == "assert_one_audit_entry" and len(node.args) > 1:
                        values.append(node.args[1])
                elif isinstance(node, ast.Compare) and _is_action(node.left):
                    values = node.comparators
                for value in values:
                    for leaf in ast.walk(value):
                        if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str) \
                                and "." in leaf.value:
                            where = f"{path.relative_to(ROOT)}:{leaf.lineno}"
                            found.setdefault(leaf.value, []).append(where)
    return found


def _is_action(node) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "action"


def test_every_action_the_code_records_is_registered_and_not_retired():
    actions, unread = recorded_actions()
    assert unread == []
    registered = audit.registered()
    assert sorted(actions - set(registered)) == [], "register these in the app's audit_actions.py"
    assert sorted(a for a in actions if registered[a].retired) == []


def _app_literals() -> set[str]:
    """Every string written out in the apps' code, but where names are registered and
    described."""
    return {node.value for app in APPS for path in (ROOT / app).rglob("*.py")
            if "migrations" not in path.parts
            and path.name not in {"audit_actions.py", "audit_text.py"}
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def test_every_registered_action_is_written_somewhere_or_retired():
    """Recorded (the walk follows an action one parameter back), or written out in an app's
    code where the walk cannot follow it (passed on through two parameters)."""
    actions, _unread = recorded_actions()
    used = actions | _app_literals()
    unused = sorted(name for name, action in audit.registered().items()
                    if not action.retired and name not in used)
    assert unused == [], "nothing writes these: retire them (stored entries keep them)"


def test_every_action_looked_up_in_code_or_tests_is_registered():
    found = _looked_up_actions([*APPS, "tests", "bench", "demo", "jobs"])
    # Tests of the append-only trigger rewrite an entry on purpose to a name nobody writes.
    found.pop("test.changed", None)
    unknown = {name: places for name, places in found.items()
               if name not in audit.registered()}
    assert unknown == {}
    assert len(found) > 50  # the walk finds them


def test_the_audit_log_describes_exactly_the_registered_actions():
    assert audit_text.described_actions() == set(audit.registered())


def test_every_prefix_belongs_to_one_app_and_every_action_to_its_apps_prefix():
    owners = {}
    for name, action in audit.registered().items():
        owners.setdefault(name.partition(".")[0], set()).add(action.app)
    shared = {prefix: apps for prefix, apps in owners.items() if len(apps) > 1}
    # Kept as written before contact preferences moved to notifications (see its module).
    assert shared == {"member": {"members", "notifications"}}
    assert audit.registered()["member.contact_preferences_changed"].exception


@pytest.mark.parametrize("name", [
    "example.Admitted", "example", "example.admitted.twice", "example.admit", "Example.admitted",
    "example.admitted_", "example.paper_to_check", "example.issue_request", "other.admitted",
])
def test_a_name_breaking_the_rule_cannot_be_registered(name):
    with pytest.raises(ImproperlyConfigured, match=name.replace(".", r"\.")):
        audit.register("example", prefixes=["example"], actions={name: "Something happened"})
    assert "example" not in {a.app for a in audit.registered().values()}


def test_a_prefix_of_another_app_or_a_second_registration_is_refused():
    with pytest.raises(ImproperlyConfigured, match="belongs to members"):
        audit.register("example", prefixes=["member"], actions={"member.welcomed": "Welcomed"})
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        audit.register("example", prefixes=["example"],
                       exceptions={"member.admitted": ("Admitted", "kept")})
    with pytest.raises(ImproperlyConfigured, match="one line"):
        audit.register("example", prefixes=["example"], actions={"example.done": ""})
    with pytest.raises(ImproperlyConfigured, match="follows the naming rule"):
        audit.register("example", prefixes=["example"],
                       exceptions={"example.changed": ("Changed", "no need")})
    assert "example" not in {a.app for a in audit.registered().values()}


def test_the_rule_reads_past_tenses():
    assert audit.naming_problem("candidate.withdrawn", {"candidate"}) == ""
    assert audit.naming_problem("member.returned_mail", {"member"}) == ""
    assert audit.naming_problem("board.meeting_rules_set", {"board"}) == ""
    assert "past tense" in audit.naming_problem("contest.open", {"contest"})
    assert "prefixes" in audit.naming_problem("contest.opened", {"ballot"})


@pytest.mark.django_db
def test_record_refuses_an_unregistered_or_retired_name(in_scope):
    with transaction.atomic():
        with pytest.raises(ValueError, match="Unknown audit action 'society.setings_changed'"):
            audit.record(in_scope.society, None, "society.setings_changed")
        with pytest.raises(ValueError, match="retired"):
            audit.record(in_scope.society, None, "ballot.cast")
        entry = audit.record(in_scope.society, None, "society.settings_changed")
    assert entry.action == "society.settings_changed"
