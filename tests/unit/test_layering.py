"""The import direction of docs/architecture.md, checked on the source.

    protocol <- adapter          protocol <- engine -> core -> _frame_eval
    terminal -> protocol

Walks every module of each layer with ``ast`` (imports inside functions count
too) and fails on any import of a Dapper module the layer may not use.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "dapper"

#: layer -> Dapper modules (or packages) it may import, besides its own
ALLOWED: dict[str, tuple[str, ...]] = {
    "dapper.protocol": (),
    # dapper.interpreters: which interpreters are supported (a leaf, like paths)
    "dapper._frame_eval": ("dapper.paths", "dapper.interpreters"),
    "dapper.core": ("dapper._frame_eval", "dapper.paths", "dapper._audit_filter"),
    # framework support (templates): shown and stopped through core
    "dapper.frameworks": ("dapper.core", "dapper.paths"),
    "dapper.engine": (
        "dapper.frameworks",
        "dapper.core",
        "dapper._frame_eval",
        "dapper.protocol",
        "dapper.paths",
        "dapper.access_token",
        "dapper.orphan_guard",
    ),
    "dapper.adapter": (
        "dapper.__version__",  # for --version
        "dapper.protocol",
        "dapper.paths",
        "dapper.access_token",
        "dapper.orphan_guard",
        # it refuses an unsupported launch interpreter before starting it
        "dapper.interpreters",
        # the adapter answers `initialize` before an engine exists
        "dapper.engine.capabilities",
        # it validates the `frameEval` launch argument the engine will use
        "dapper._frame_eval.config",
    ),
    "dapper.terminal": ("dapper.protocol", "dapper.paths"),
    "dapper.paths": (),
    "dapper.access_token": (),
    "dapper.orphan_guard": (),
    "dapper.interpreters": (),
    "dapper.os_threads": (),
}
#: leaves every layer may use (real OS threads and locks, even under gevent)
for _layer, _allowed in list(ALLOWED.items()):
    if _layer != "dapper.os_threads":
        ALLOWED[_layer] = (*_allowed, "dapper.os_threads")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str | None = None) -> list[tuple[int, str]]:
    """(line, imported module) for every import of a Dapper module in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = module or _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from dapper import _audit_filter` imports dapper._audit_filter
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name.split(".")[0] == "dapper"]


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _layer_files(layer: str) -> list[Path]:
    path = PACKAGE.parent / layer.replace(".", "/")
    if path.is_dir():
        return sorted(path.rglob("*.py"))
    return [path.with_suffix(".py")]


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    files = _layer_files(layer)
    assert files, f"no modules found for {layer}"
    wrong = []
    for path in files:
        for line, name in _imports(path):
            if name == "dapper" or _within(name, layer):
                continue
            if not any(_within(name, allowed) for allowed in ALLOWED[layer]):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}")
    assert wrong == []


def test_every_package_has_a_rule() -> None:
    """A new package must be placed in the layering before it can be imported."""
    packages = {
        f"dapper.{p.name}" for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    }
    packages |= {
        f"dapper.{p.name}" for p in PACKAGE.iterdir() if p.is_dir() and any(p.glob("*.py"))
    }
    assert packages - set(ALLOWED) == set()


def test_the_checker_sees_imports_anywhere(tmp_path: Path) -> None:
    """Imports inside functions and relative imports are resolved and seen."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n"
        "def f():\n"
        "    from dapper.protocol import messages\n"
        "    from ..engine import server\n"
        "    from . import stepping\n"
    )
    names = [name for _, name in _imports(sample, "dapper.core.sample")]
    assert names == ["dapper.protocol.messages", "dapper.engine.server", "dapper.core.stepping"]
