"""What may import what: read from the source, imports inside functions included (those under
``if TYPE_CHECKING:`` are not run, so they do not count)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import roomdesk

PACKAGE_DIR = Path(roomdesk.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = ["roomdesk", *path.relative_to(PACKAGE_DIR).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE_DIR.rglob("*.py")}


class _Imports(ast.NodeVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.names.update(alias.name for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module:
            self.names.add(node.module)
            self.names.update(f"{node.module}.{alias.name}" for alias in node.names)


@cache
def _imports(module: str) -> frozenset[str]:
    """Everything ``module`` imports: roomdesk modules and third-party names alike."""
    visitor = _Imports()
    visitor.visit(ast.parse(_modules()[module].read_text(encoding="utf-8")))
    return frozenset(visitor.names)


def _roomdesk_imports(module: str) -> set[str]:
    # A module's own packages do not count: ``from roomdesk.store import migrations`` in
    # roomdesk.store.db loads a sibling, not the package's exports.
    ancestors = {module.rsplit(".", depth)[0] for depth in range(1, module.count(".") + 1)}
    return {name for name in _imports(module) if name in _modules()} - ancestors - {module}


def _cycle() -> list[str] | None:
    """One import cycle among roomdesk's modules, or None."""
    graph = {module: _roomdesk_imports(module) for module in _modules()}
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                return [*path[path.index(imported) :], imported]
            if imported not in state and (found := visit(imported)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_no_module_of_roomdesk_imports_itself_through_others() -> None:
    assert _cycle() is None


def test_the_domain_imports_only_itself_and_the_standard_library() -> None:
    for module in _modules():
        if module.startswith("roomdesk.domain"):
            outside = {
                name
                for name in _imports(module)
                if name.split(".")[0] in {"roomdesk", "PySide6", "httpx", "qasync", "keyring"}
                and not name.startswith("roomdesk.domain")
            }
            assert outside == set(), module


def test_the_store_records_import_no_api_module() -> None:
    assert not {name for name in _imports("roomdesk.store.records") if "roomdesk.api" in name}


# Layers import downwards only (docs/architecture.md): what each Qt-free layer may not import.
FORBIDDEN = {
    "roomdesk.api": ("roomdesk.store", "roomdesk.services", "roomdesk.roomlist", "roomdesk.ui"),
    "roomdesk.store": (
        "roomdesk.services",
        "roomdesk.roomlist",
        "roomdesk.ui",
        "roomdesk.api.client",
    ),
    "roomdesk.services": ("roomdesk.roomlist", "roomdesk.ui"),
    "roomdesk.roomlist": ("roomdesk.api", "roomdesk.services", "roomdesk.ui"),
    "roomdesk.emulator": (
        "roomdesk.store",
        "roomdesk.services",
        "roomdesk.roomlist",
        "roomdesk.ui",
    ),
    # What is handed out is made from a stored room's values, never from the database or the API.
    "roomdesk.sessions": (
        "roomdesk.api",
        "roomdesk.store.db",
        "roomdesk.services",
        "roomdesk.roomlist",
        "roomdesk.ui",
        "roomdesk.emulator",
    ),
}
QT = ("PySide6", "qasync", "shiboken6")


def test_the_qt_free_layers_import_no_qt_and_nothing_above_them() -> None:
    for module in _modules():
        layer = next((name for name in FORBIDDEN if module.startswith(name)), None)
        if layer is None:
            continue
        imported = _imports(module)
        assert not {name for name in imported if name.split(".")[0] in QT}, module
        above = {name for name in imported if name.startswith(FORBIDDEN[layer])}
        assert above == set(), (module, above)
