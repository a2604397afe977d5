"""Domain rules are plain functions: no URL building, no request. HTML, JSON and the network share them.

Not only in the rules modules themselves: a helper they call that reads ``g`` or the request (the audit
line reading the logged-in volunteer from ``g``) ties the rules to a request just the same. So every
function of the project a rule reaches, call after call, is checked too."""

import ast
import importlib
import inspect
import textwrap
import types
from pathlib import Path

import flask
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "boxlocale"
# Every domain's rules, and the modules of rules shared by several views (the console's moderation and
# accounts, posting, listings, impact figures, the audit log) and the modules that extend a domain (draws,
# inventory, vouches, a phone's own corner).
RULE_MODULES = sorted(
    ["boxlocale.posting", "boxlocale.listing", "boxlocale.stats", "boxlocale.console.moderation",
     "boxlocale.console.accounts", "boxlocale.audit", "boxlocale.giveaway.draws", "boxlocale.giveaway.inventory",
     "boxlocale.people.vouching", "boxlocale.people.mine"]
    + [f"boxlocale.{path.parent.name}.rules" for path in PACKAGE.glob("*/rules.py")]
)
FORBIDDEN_NAMES = {"url_for", "request", "g", "session"}
FORBIDDEN_OBJECTS = (flask.url_for, flask.request, flask.g, flask.session)


def test_every_domain_has_its_rules_module():
    assert {"boxlocale.giveaway.rules", "boxlocale.books.rules", "boxlocale.board.rules",
            "boxlocale.people.rules"} <= set(RULE_MODULES)


@pytest.mark.parametrize("module_name", RULE_MODULES)
def test_rules_neither_build_urls_nor_read_the_request(module_name):
    module = importlib.import_module(module_name)
    tree = ast.parse(Path(module.__file__).read_text())
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    names |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert not names & FORBIDDEN_NAMES, module_name


def _project_function(value):
    value = inspect.unwrap(value) if callable(value) else value
    if isinstance(value, types.FunctionType) and value.__module__.startswith("boxlocale"):
        return value
    return None


def _reached(function, resolve_imports):
    """(functions this one calls or names, request globals it touches): global names resolved in its
    module, ``module.name`` attributes, and names its body imports (``from ..x import y``)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    scope = function.__globals__
    reached, touched = [], []
    for node in ast.walk(tree):
        found = []
        if isinstance(node, ast.Name) and node.id in scope:
            found.append((node.id, scope[node.id]))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and isinstance(scope.get(node.value.id), types.ModuleType):
            module = scope[node.value.id]
            found.append((f"{module.__name__}.{node.attr}", getattr(module, node.attr, None)))
        elif isinstance(node, ast.ImportFrom) and resolve_imports:
            package = function.__module__ if "__path__" in scope else function.__module__.rpartition(".")[0]
            base = importlib.import_module("." * node.level + (node.module or ""), package)
            found.extend((alias.name, getattr(base, alias.name, None)) for alias in node.names)
        for name, value in found:
            if any(value is forbidden for forbidden in FORBIDDEN_OBJECTS):
                touched.append(name)
            elif (target := _project_function(value)) is not None:
                reached.append(target)
    return reached, touched


@pytest.mark.parametrize("module_name", RULE_MODULES)
def test_nothing_a_rule_calls_reads_the_request(module_name):
    module = importlib.import_module(module_name)
    start = [value for value in vars(module).values()
             if isinstance(value, types.FunctionType) and value.__module__ == module_name]
    seen, problems, todo = set(), [], [(function, [f"{module_name}.{function.__name__}"]) for function in start]
    while todo:
        function, path = todo.pop()
        key = f"{function.__module__}.{function.__qualname__}"
        if key in seen:
            continue
        seen.add(key)
        reached, touched = _reached(function, resolve_imports=True)
        if touched and len(path) > 1:  # the rules module's own functions: the test above
            problems.append(" -> ".join(path) + f" reads {', '.join(sorted(set(touched)))}")
        todo.extend((target, [*path, f"{target.__module__}.{target.__qualname__}"]) for target in reached)
    assert not problems, "\n".join(problems)
