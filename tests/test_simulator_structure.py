"""The simulator's module structure: no import cycle, no oversized module without a stated reason.

Read from the source with `ast` (every import, inside functions and TYPE_CHECKING blocks too),
so a cycle hidden behind a lazy import fails here rather than as an ImportError at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

SIMULATOR = Path(__file__).resolve().parent.parent / "simulator"
MAX_LINES = 500
#: modules that build on the server rather than being part of it: the CLI, the test helper and
#: the fault-campaign harness (which drives dialsync's sync against a running simulator)
OUTSIDE_SERVER = {"serve", "testing", "campaign"}


def _modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(), str(p)) for p in sorted(SIMULATOR.glob("*.py"))}


def _imports(tree: ast.Module, known: set[str]) -> set[str]:
    """The simulator modules one module imports, wherever the import statement sits."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "simulator" and len(parts) > 1 and parts[1] in known:
                out.add(parts[1])
    return out


def import_graph() -> dict[str, set[str]]:
    mods = _modules()
    return {name: _imports(tree, set(mods)) - {name} for name, tree in mods.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (depth-first search, three colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                return [*stack[stack.index(m):], m]
            if m not in state and (found := visit(m)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)):
            return found
    return None


def test_cycle_finder_sees_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_graph_sees_lazy_and_aliased_imports() -> None:
    tree = ast.parse("from simulator import goapi_reports as r\ndef f():\n    from simulator.state import X\n"
                     "import simulator.world\n")
    assert _imports(tree, {"goapi_reports", "state", "world", "events"}) == {"goapi_reports", "state", "world"}


def test_simulator_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, (f"import cycle in simulator/: {' -> '.join(cycle or [])}; move what both sides need "
                           "into a module neither imports back (types: simulator/config.py, simulator/context.py)")


def test_no_module_imports_the_server_for_a_type() -> None:
    graph = import_graph()
    users = sorted(n for n, deps in graph.items() if "server" in deps and n not in OUTSIDE_SERVER)
    assert users == [], f"{users} import simulator.server: take SimConfig/ApiUser from simulator.config, " \
                        "SimContext/Params from simulator.context"


IMPORT_ERRORS = ("ImportError", "ModuleNotFoundError")


def _adapters(tree: ast.Module) -> list[str]:
    """hasattr, getattr with a default and `except ImportError`: code that guesses at a type."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (
                node.func.id == "hasattr" or (node.func.id == "getattr" and len(node.args) == 3)):
            out.append((node.lineno, node.func.id))
        elif isinstance(node, ast.ExceptHandler) and node.type is not None and any(
                isinstance(n, ast.Name) and n.id in IMPORT_ERRORS for n in ast.walk(node.type)):
            out.append((node.lineno, "except ImportError"))
    return [f"{what} (line {line})" for line, what in sorted(out)]


def test_adapter_finder_sees_adapters() -> None:
    tree = ast.parse("if hasattr(a, 'x'):\n    y = getattr(a, 'y', None)\nz = getattr(a, 'z')\n"
                     "try:\n    import q\nexcept (ImportError, OSError):\n    pass\n")
    assert _adapters(tree) == ["hasattr (line 1)", "getattr (line 2)", "except ImportError (line 6)"]


def test_server_reads_its_types_directly() -> None:
    found = {name: hits for name, tree in _modules().items() if name not in OUTSIDE_SERVER
             if (hits := _adapters(tree))}
    assert found == {}, (f"{found}: read the typed SimContext / Call / SimConfig attribute directly; a "
                         "missing one belongs in simulator/config.py or simulator/context.py")


def test_big_modules_state_why() -> None:
    too_big = []
    for p in sorted(SIMULATOR.glob("*.py")):
        n = len(p.read_text().splitlines())
        doc = ast.get_docstring(ast.parse(p.read_text())) or ""
        if n > MAX_LINES and f"{MAX_LINES} lines" not in doc:
            too_big.append(f"{p.name} ({n} lines)")
    assert too_big == [], (f"over {MAX_LINES} lines without a reason: {too_big}; split it by concern or say in its "
                           f"docstring why it is one module past {MAX_LINES} lines")
