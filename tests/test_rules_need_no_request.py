"""Domain rules are plain functions: no URL building, no request. HTML, JSON and the network share them."""

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "boxlocale"
# Every domain's rules, and the modules of rules shared by several views (the console's moderation and
# accounts, posting, listings, impact figures) and the modules that extend a domain (draws, inventory,
# vouches, a phone's own corner).
RULE_MODULES = sorted(
    ["boxlocale.posting", "boxlocale.listing", "boxlocale.stats", "boxlocale.console.moderation",
     "boxlocale.console.accounts", "boxlocale.giveaway.draws", "boxlocale.giveaway.inventory",
     "boxlocale.people.vouching", "boxlocale.people.mine"]
    + [f"boxlocale.{path.parent.name}.rules" for path in PACKAGE.glob("*/rules.py")]
)


def test_every_domain_has_its_rules_module():
    assert {"boxlocale.giveaway.rules", "boxlocale.books.rules", "boxlocale.board.rules",
            "boxlocale.people.rules"} <= set(RULE_MODULES)


@pytest.mark.parametrize("module_name", RULE_MODULES)
def test_rules_neither_build_urls_nor_read_the_request(module_name):
    module = importlib.import_module(module_name)
    tree = ast.parse(Path(module.__file__).read_text())
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    names |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert not names & {"url_for", "request", "g", "session"}, module_name
