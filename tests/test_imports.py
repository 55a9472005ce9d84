"""No import circles among igviz's modules.

Imports inside functions count too: moving an import into a function hides a circle from the
interpreter but not from a reader (loader.py and dataset.py imported each other that way),
and the two modules still cannot be understood or changed one without the other. Imports
under `if TYPE_CHECKING:` are left out: they are never executed and only name types.
A module importing from its own package's __init__ implicitly is not counted either.
"""

from __future__ import annotations

import ast
from pathlib import Path

import igviz

PACKAGE = Path(igviz.__file__).resolve().parent


def module_names(root: Path, package: str) -> dict[str, Path]:
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join([package, *parts])] = path
    return names


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
           (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Every import statement, at module level or in functions, except under `if TYPE_CHECKING:`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    modules = module_names(root, package)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        here = name.split(".") if is_package else name.split(".")[:-1]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = here[: len(here) - (node.level - 1)]
                    start = ".".join(base + ([node.module] if node.module else []))
                else:
                    start = node.module or ""
                # `from x import y` imports the module x.y when there is one, else a name of x.
                targets = [f"{start}.{a.name}" if f"{start}.{a.name}" in modules else start for a in node.names]
            for target in targets:
                # `import igviz.a.b` runs igviz.a.b; take the longest known module it names.
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def describe(graph: dict[str, set[str]], group: list[str]) -> str:
    members = set(group)
    return "; ".join(f"{m} -> {', '.join(sorted(graph[m] & members))}" for m in group)


def test_igviz_has_no_import_circles():
    graph = import_graph(PACKAGE, "igviz")
    assert graph["igviz"] and graph["igviz.model"], "the graph missed the modules' imports"
    found = cycles(graph)
    assert not found, "import circles:\n" + "\n".join(describe(graph, g) for g in found)


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / "pkg" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_a_circle_through_an_import_inside_a_function_is_found(tmp_path):
    # The shape igviz had: each module imports the other, one of them inside a function.
    root = write(tmp_path, {
        "__init__.py": "from .b import B\n",
        "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n"
                "def load():\n    from .b import B\n    return B()\n",
        "b.py": "class B:\n    def make(self):\n        from . import a\n        return a.load()\n",
        "sub/__init__.py": "",
        "sub/c.py": "import pkg.a\nfrom .. import b\n",
    })
    graph = import_graph(root, "pkg")
    assert graph["pkg.sub.c"] == {"pkg.a", "pkg.b"}
    assert cycles(graph) == [["pkg.a", "pkg.b"]]


def test_type_checking_imports_and_one_way_imports_are_no_circle(tmp_path):
    root = write(tmp_path, {
        "__init__.py": "",
        "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n",
        "b.py": "from .a import thing\n",
    })
    graph = import_graph(root, "pkg")
    assert graph["pkg.a"] == set() and graph["pkg.b"] == {"pkg.a"}
    assert cycles(graph) == []
