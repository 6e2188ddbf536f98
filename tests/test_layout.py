"""The house: the tree tells the funnel's story, modules stay small, and no module imports its importer."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "functions"
STAGES = ("visits", "invites", "answers", "cases", "rewards", "dashboard")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """Every import of a module of ours by another, wherever it stands (inside functions too)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_top_holds_only_what_spans_stages() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 12, top


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_is_a_package_with_its_own_store_protocol(stage: str) -> None:
    assert (PACKAGE / stage / "__init__.py").read_text(encoding="utf-8").startswith('"""')
    assert (PACKAGE / stage / "store.py").exists()


def test_no_module_is_over_300_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 300}
    assert not long


def test_no_module_imports_its_importer() -> None:
    assert cycles(import_graph()) == []


def test_the_checker_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_both_backends_implement_every_stage_protocol() -> None:
    from functions.store.dynamodb import DynamoStore
    from functions.store.protocol import Store
    from functions.store.sqlite import SqliteStore

    wanted = {name for klass in Store.__mro__ if klass.__module__.startswith("functions.")
              for name, member in vars(klass).items() if inspect.isfunction(member)}
    assert len(wanted) > 60
    for backend in (SqliteStore, DynamoStore):
        missing = sorted(name for name in wanted if not callable(getattr(backend, name, None)))
        assert not missing, (backend.__name__, missing)


def test_a_stage_protocol_names_only_what_the_stage_touches() -> None:
    from functions.invites.store import SendingStore
    from functions.rewards.store import RewardStore

    assert hasattr(SendingStore, "claim_invite") and not hasattr(SendingStore, "grant_reward")
    assert hasattr(RewardStore, "grant_reward") and not hasattr(RewardStore, "claim_invite")
