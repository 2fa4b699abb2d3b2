"""Debug-console completions: names in scope, attributes after a dot, keywords.

The object before the dot is found with ``safe_lookup`` so that typing in the
console never runs a property or ``__getattr__`` of the program.
"""

from __future__ import annotations

import builtins
import keyword
import re
import sys
import types
from typing import Any, NamedTuple

from dapper.core.code_runner import EvaluationError
from dapper.core.safe_lookup import lookup_dotted
from dapper.core.shown_frame import ShownFrame

# The dotted name that ends at the cursor, e.g. "self.items.app" in "len(self.items.app".
_TRAILING_NAME = re.compile(r"([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_]\w*)*)?(\s*\.\s*)?$")


class Completion(NamedTuple):
    """One completion: ``name`` replaces ``length`` characters from ``start``."""

    name: str
    kind: str  # "module", "class", "method", "function", "keyword", ...
    start: int
    length: int


class GlobalScope:
    """Stands in for a frame when the client asks without one (the program may
    be running): DAP then means the global scope, here ``__main__``'s."""

    def __init__(self) -> None:
        main = sys.modules.get("__main__")
        self.f_globals: dict[str, Any] = dict(vars(main)) if main is not None else {}
        self.f_locals = self.f_globals


def _item_type(value: Any) -> str:
    if isinstance(value, types.ModuleType):
        return "module"
    if isinstance(value, type):
        return "class"
    if isinstance(value, (types.MethodType, types.BuiltinMethodType, types.MethodWrapperType)):
        return "method"
    if callable(value):
        return "function"
    return "variable"


def _names_in_scope(frame: ShownFrame | GlobalScope) -> dict[str, Any]:
    names: dict[str, Any] = {}
    frame_builtins = frame.f_globals.get("__builtins__", builtins)
    if isinstance(frame_builtins, types.ModuleType):
        frame_builtins = vars(frame_builtins)
    for namespace in (frame_builtins, frame.f_globals, frame.f_locals):
        names.update(namespace)
    return names


def _attributes(value: Any) -> dict[str, str]:
    try:
        names = dir(value)
    except Exception:
        return {}
    kinds: dict[str, str] = {}
    for name in names:
        if not isinstance(name, str):
            continue
        static = None
        for klass in type(value).__mro__:
            if name in klass.__dict__:
                static = klass.__dict__[name]
                break
        if isinstance(static, property):
            kinds[name] = "property"
        elif isinstance(static, (types.FunctionType, classmethod, staticmethod)) or (
            isinstance(static, (types.MethodDescriptorType, types.WrapperDescriptorType))
        ):
            kinds[name] = "method"
        else:
            attr = _instance_dict(value).get(name, static)
            kinds[name] = _item_type(attr) if attr is not None else "field"
    return kinds


def _instance_dict(value: Any) -> dict:
    try:
        namespace = object.__getattribute__(value, "__dict__")
    except Exception:
        return {}
    return namespace if isinstance(namespace, dict) else {}


def _visible(name: str, prefix: str) -> bool:
    return name.startswith(prefix) and (prefix.startswith("_") or not name.startswith("_"))


def completions(
    frame: ShownFrame | GlobalScope, text: str, column: int, *, column_base: int = 1
) -> list[Completion]:
    """The completions of ``text`` with the cursor at ``column``.

    ``column`` counts from ``column_base`` (1 for DAP's ``columnsStartAt1``).
    Each item's ``start``/``length`` say which part of ``text`` it replaces.
    """
    cursor = max(0, min(len(text), column - column_base))
    match = _TRAILING_NAME.search(text[:cursor])
    dotted = (match.group(1) or "") if match else ""
    if match and match.group(2):
        owner, prefix = re.sub(r"\s+", "", dotted), ""
    elif "." in dotted:
        owner, _, prefix = re.sub(r"\s+", "", dotted).rpartition(".")
    else:
        owner, prefix = "", dotted
    if owner:
        try:
            target = lookup_dotted(frame, owner)
        except EvaluationError:
            return []
        candidates = _attributes(target)
    else:
        candidates = {name: _item_type(value) for name, value in _names_in_scope(frame).items()}
        for word in (*keyword.kwlist, *keyword.softkwlist):
            candidates.setdefault(word, "keyword")
    start = cursor - len(prefix) + column_base
    return [
        Completion(name, kind, start, len(prefix))
        for name, kind in sorted(candidates.items(), key=lambda item: (item[0].lower(), item[0]))
        if _visible(name, prefix)
    ]
