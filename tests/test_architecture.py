"""The packages follow the data flow, and a lower layer never imports a higher one.

``docs/architecture.md`` explains the layers; this test keeps them true.  It
reads every module's imports with :mod:`ast` (including imports inside
functions, which are still dependencies) and fails on any import that goes up,
and on any cycle between modules, counting imports under ``TYPE_CHECKING``
too: a cycle hidden behind a lazy or type-only import is still two modules
that cannot be understood (or moved) one without the other.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "hnbxl"

#: Lowest first.  A module may import its own layer and any layer below it.
LAYERS: dict[str, int] = {
    "core": 0,
    "programme": 1,
    "xlsx": 1,
    "store": 2,
    "forms": 3,
    "returns": 4,
    "report": 5,
    "api": 6,
    "cli": 7,
    "cli_format": 7,  # what the command line prints
    "__main__": 7,
    "docs": 8,  # generates docs/ from the CLI and the code catalogue
}
LONGEST_MODULE = 600  # lines (issue 8); split a module by job before it grows past this


def _layer_of(module: str) -> str:
    parts = module.split(".")
    assert parts[0] == "hnbxl", module
    return parts[1] if len(parts) > 1 else "__init__"


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        found.append((name, path))
    return found


def _imports(module: str, path: Path, type_checking: bool = False) -> set[str]:
    """The hnbxl modules ``module`` imports, anywhere in it (``from pkg import mod``
    counts as importing ``pkg.mod``); with ``type_checking``, also those imported
    only under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only and not type_checking:
            continue  # annotations only: not a dependency at run time
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("hnbxl"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.startswith("hnbxl"):
                out.add(target)
                out.update(f"{target}.{a.name}" for a in node.names
                           if _is_module(f"{target}.{a.name}"))
    return out


def _is_module(name: str) -> bool:
    parts = name.split(".")[1:]
    return (PACKAGE.joinpath(*parts).with_suffix(".py").is_file()
            or (PACKAGE.joinpath(*parts) / "__init__.py").is_file())


def test_every_module_belongs_to_a_layer() -> None:
    for module, _path in _modules():
        layer = _layer_of(module)
        assert layer in LAYERS or layer == "__init__", f"{module} is in no layer"


def test_no_layer_imports_a_higher_one() -> None:
    upward = []
    for module, path in _modules():
        own = _layer_of(module)
        if own == "__init__":
            continue
        for target in _imports(module, path):
            other = _layer_of(target)
            if other == "__init__":
                continue
            if LAYERS[other] > LAYERS[own]:
                upward.append(f"{module} imports {target}")
    assert not upward, "imports that go up a layer:\n" + "\n".join(upward)


def test_no_import_cycle_between_modules() -> None:
    """No cycle of any kind: imports inside functions and under TYPE_CHECKING count."""
    modules = dict(_modules())
    graph = {m: {t for t in _imports(m, p, type_checking=True) if t in modules and t != m}
             for m, p in modules.items()}
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in graph[m]:
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, m, t]))
            if t not in state:
                visit(t, [*path, m])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [])


def test_modules_stay_small() -> None:
    long = {
        m: n
        for m, p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > LONGEST_MODULE
    }
    assert not long, f"modules over {LONGEST_MODULE} lines: {long}"


def _third_party_imports() -> set[str]:
    """Top-level names of what hnbxl/ imports from outside itself and the standard library."""
    found: set[str] = set()
    for _module, path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module.split(".")[0])
    return {n for n in found if n != "hnbxl" and n not in sys.stdlib_module_names}


def _requirement_name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_runtime_dependencies_are_what_the_package_imports() -> None:
    """[project] dependencies name exactly what hnbxl/ imports (an extra may add one it
    imports only for an optional feature); a test-only library is in the test extra."""
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]
    runtime = {_requirement_name(r) for r in project["dependencies"]}
    extras = {_requirement_name(r) for name, reqs in project["optional-dependencies"].items()
              if name != "test" for r in reqs}
    distributions = packages_distributions()
    imported = {distributions.get(name, [name])[0].lower().replace("_", "-")
                for name in _third_party_imports()}
    assert imported - runtime - extras == set(), "imported but not a dependency"
    assert runtime - imported == set(), "a runtime dependency hnbxl/ never imports"
