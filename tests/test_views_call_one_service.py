"""A page action is one service: no view opens a transaction, and no request runs two writing
services one after the other (a refusal in the second would leave the first's rows behind).

Read from the source with `ast`. A writing service is a public top-level function outside the
views that is `@transaction.atomic`, opens `transaction.atomic()` or calls `audit.record`. Each
view (and each helper in a views module) is walked path by path: `if`/`else`, `try`/`except`
and early returns are alternatives, so a page that calls one service on one button and another
on a second button passes; a module-level helper a view calls counts as part of the view."""

import ast
import itertools
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = sorted(p.parent for p in ROOT.glob("*/apps.py"))
MOST_PATHS = 2000


def _views_modules() -> list[Path]:
    return [path for app in APPS
            for path in [*app.glob("views.py"), *app.glob("views/*.py")]]


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_atomic(node) -> bool:
    node = node.func if isinstance(node, ast.Call) else node
    return ((isinstance(node, ast.Attribute) and node.attr == "atomic")
            or (isinstance(node, ast.Name) and node.id == "atomic"))


def _writes(function: ast.FunctionDef) -> bool:
    if any(_is_atomic(d) for d in function.decorator_list):
        return True
    for node in ast.walk(function):
        if isinstance(node, ast.With) and any(_is_atomic(i.context_expr) for i in node.items):
            return True
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record" and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"):
            return True
    return False


def _writing_services() -> dict[str, set[str]]:
    found = {}
    for app in APPS:
        for path in app.rglob("*.py"):
            if "migrations" in path.parts or "views" in path.parts or path.stem == "views":
                continue
            tree = ast.parse(path.read_text())
            names = {f.name for f in tree.body if isinstance(f, ast.FunctionDef)
                     and not f.name.startswith("_") and _writes(f)}
            if names:
                found[_module(path)] = names
    for app in APPS:  # a services package names its modules' services: `services.issue_shares`
        for path in app.rglob("__init__.py"):
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.ImportFrom) and node.module in found:
                    names = {a.asname or a.name for a in node.names
                             if a.name in found[node.module]}
                    if names:
                        found.setdefault(_module(path), set()).update(names)
    return found


WRITERS = _writing_services()


def _imports(nodes) -> dict[str, str]:
    """Local name -> dotted name, for `import x` and `from x import y [as z]`."""
    names = {}
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name] = alias.name
    return names


def _service(dotted: str) -> str | None:
    module, _, name = dotted.rpartition(".")
    return dotted if name in WRITERS.get(module, ()) else None


class _Paths:
    """For one views module: the sets of writing services a function can reach on one path."""

    def __init__(self, tree: ast.Module):
        self.top = _imports(n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)))
        self.functions = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
        self.done: dict[str, set] = {}
        self.names = self.top

    def of_function(self, name: str) -> set:
        if name not in self.done:
            self.done[name] = {frozenset()}  # a helper calling itself adds nothing
            function = self.functions[name]
            outer, self.names = self.names, {**self.top, **_imports(ast.walk(function))}
            self.done[name] = {services for services, _ in self.block(function.body)}
            self.names = outer
        return self.done[name]

    def refs(self, node) -> set:
        """What one expression or simple statement may write: alternatives, one per path
        through the helpers it calls."""
        found, alternatives = set(), [{frozenset()}]
        for child in ast.walk(node):
            dotted = None
            if isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name):
                base = self.names.get(child.value.id)
                dotted = base and f"{base}.{child.attr}"
            elif isinstance(child, ast.Name):
                dotted = self.names.get(child.id)
            elif (isinstance(child, ast.Call) and isinstance(child.func, ast.Name)
                  and child.func.id in self.functions):
                alternatives.append(self.of_function(child.func.id))
            service = dotted and _service(dotted)
            if service:
                found.add(service)
        combined = {frozenset(found)}
        for options in alternatives:
            combined = self._cap({a | b for a in combined for b in options})
        return combined

    @staticmethod
    def _cap(paths: set) -> set:
        if len(paths) <= MOST_PATHS:
            return paths
        return {frozenset().union(*paths)}

    def block(self, statements) -> set:
        """(services, ended) for each path through the statements."""
        paths = {(frozenset(), False)}
        for statement in statements:
            following = set()
            for services, ended in paths:
                if ended:
                    following.add((services, True))
                    continue
                for more, stops in self.statement(statement):
                    following.add((services | more, stops))
            paths = self._cap_ended(following)
        return paths

    def _cap_ended(self, paths: set) -> set:
        if len(paths) <= MOST_PATHS:
            return paths
        return {(frozenset().union(*(s for s, _ in paths)), False)}

    def _then(self, first: set, statements) -> set:
        return {(a | b, stops) for a in first for b, stops in self.block(statements)}

    def statement(self, node) -> set:
        if isinstance(node, (ast.Return, ast.Raise)):
            return {(refs, True) for refs in self.refs(node)}
        if isinstance(node, ast.If):
            test = self.refs(node.test)
            return self._then(test, node.body) | self._then(test, node.orelse)
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            head = self.refs(node.iter if hasattr(node, "iter") else node.test)
            looped = {(s, False) for s, _ in self._then(head, node.body)}
            return looped | self._then(head, node.orelse)
        if isinstance(node, (ast.With, ast.AsyncWith)):
            head = {frozenset()}
            for item in node.items:
                head = {a | b for a in head for b in self.refs(item.context_expr)}
            return self._then(head, node.body)
        if isinstance(node, ast.Try):
            body = self.block(node.body)
            paths = {(s | more, stops) for s, ended in body if not ended
                     for more, stops in self.block(node.orelse)}
            paths |= {(s, True) for s, ended in body if ended}
            for handler in node.handlers:
                paths |= {(s | more, stops) for s, _ in body
                          for more, stops in self.block(handler.body)}
            return {(s | more, ended or stops) for s, ended in paths
                    for more, stops in self.block(node.finalbody)}
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # A function defined in a view runs on its own paths when it is called.
            return {(s, False) for s, _ in self.block(node.body)}
        if isinstance(node, ast.Match):
            subject = self.refs(node.subject)
            return set(itertools.chain.from_iterable(
                self._then(subject, case.body) for case in node.cases)) | self._then(subject, [])
        return {(refs, False) for refs in self.refs(node)}


def test_the_rule_knows_the_writing_services():
    assert "create_contest" in WRITERS["ballots.services"]
    assert "propose_resolution" in WRITERS["ballots.services"]
    assert "turnout" not in WRITERS["ballots.services"]
    assert "issue_shares" in WRITERS["shares.services"]
    assert "open_box" in WRITERS["ballotbox.services"]
    assert _views_modules()


def test_no_view_opens_a_transaction():
    found = []
    for path in _views_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Attribute, ast.Name)) and _is_atomic(node):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "a view opens a transaction; make the page action one service: " + \
        ", ".join(found)


def test_no_request_calls_two_writing_services():
    found = []
    for path in _views_modules():
        paths = _Paths(ast.parse(path.read_text()))
        for name in paths.functions:
            for services in paths.of_function(name):
                if len(services) > 1:
                    found.append(f"{path.relative_to(ROOT)} {name}: {sorted(services)}")
    assert not found, "one request runs two writing services; give the page action one " \
        "service that does both:\n" + "\n".join(sorted(set(found)))


def _two_services_in(source: str) -> list:
    paths = _Paths(ast.parse(source))
    return [name for name in paths.functions if any(len(s) > 1 for s in paths.of_function(name))]


def test_the_rule_tells_alternatives_from_a_sequence():
    head = "from ballots import services\n"
    assert _two_services_in(head + (
        "def view(request):\n"
        "    election = services.create_election(actor=1, society=2, title='')\n"
        "    services.create_contest(actor=1, election=election, values={})\n")) == ["view"]
    assert _two_services_in(head + (
        "def _helper(request):\n"
        "    return services.create_election(actor=1, society=2, title='')\n"
        "def view(request):\n"
        "    _helper(request)\n"
        "    services.create_contest(actor=1, election=None, values={})\n")) == ["view"]
    assert _two_services_in(head + (
        "def view(request):\n"
        "    if 'withdraw' in request.POST:\n"
        "        services.withdraw_candidate(actor=1, candidate=2)\n"
        "        return None\n"
        "    try:\n"
        "        services.consent_to_stand(actor=1, candidate=2, member=3, statement='')\n"
        "    except services.BallotError:\n"
        "        pass\n")) == []
