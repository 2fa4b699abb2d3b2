"""Resolve ``name`` or ``name.attr.attr`` without running any of the program's code.

Hovering over text in an editor must not change the program: no calls, no
properties, no ``__getattr__``. Values are found by reading namespaces and
class dictionaries directly; anything that would need user code is refused.
"""

from __future__ import annotations

import ast
import builtins
import types
from collections.abc import Mapping
from typing import Any, Protocol

from dapper.core.code_runner import EvaluationError

_MISSING = object()


# Descriptors whose __get__ is implemented in C and runs no user code.
class NameScope(Protocol):
    """Where names are looked up: a frame, or the program's global scope."""

    @property
    def f_locals(self) -> Mapping[str, Any]: ...

    @property
    def f_globals(self) -> dict[str, Any]: ...


_SAFE_DESCRIPTORS = (
    types.MemberDescriptorType,
    types.GetSetDescriptorType,
    types.MethodDescriptorType,
    types.WrapperDescriptorType,
    types.ClassMethodDescriptorType,
    types.FunctionType,
    staticmethod,
    classmethod,
)


def parse_dotted(expression: str) -> list[str]:
    """``"a.b.c"`` -> ``["a", "b", "c"]``; ``EvaluationError`` for anything else."""
    try:
        node = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        node = None
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise EvaluationError(
            "hover shows only names and attribute access (a.b), "
            "not calls, subscripts or operators, so that it cannot change the program"
        )
    parts.append(node.id)
    return parts[::-1]


def lookup_name(frame: NameScope, name: str) -> Any:
    """``name`` as the frame sees it: locals, then globals, then builtins."""
    for namespace in (frame.f_locals, frame.f_globals):
        value = namespace.get(name, _MISSING)
        if value is not _MISSING:
            return value
    frame_builtins = frame.f_globals.get("__builtins__", builtins)
    if isinstance(frame_builtins, types.ModuleType):
        frame_builtins = vars(frame_builtins)
    value = frame_builtins.get(name, _MISSING)
    if value is _MISSING:
        raise EvaluationError(f"NameError: name '{name}' is not defined")
    return value


def _mro_lookup(klass: type, name: str) -> Any:
    for base in type.__getattribute__(klass, "__mro__"):
        namespace = type.__getattribute__(base, "__dict__")
        if name in namespace:
            return namespace[name]
    return _MISSING


def _bind(attr: Any, instance: Any, owner: type, name: str) -> Any:
    if isinstance(attr, _SAFE_DESCRIPTORS):
        return attr.__get__(instance, owner)
    if hasattr(type(attr), "__get__"):
        kind = "property" if isinstance(attr, property) else "descriptor"
        raise EvaluationError(f"'{name}' is a {kind}; hover does not run it (use watch or repl)")
    return attr


def lookup_attribute(value: Any, name: str) -> Any:
    """``getattr(value, name)`` restricted to lookups that run no user code."""
    tp = type(value)
    # A __getattribute__ written in Python would run on every lookup; C slots do not.
    if not isinstance(_mro_lookup(tp, "__getattribute__"), types.WrapperDescriptorType):
        raise EvaluationError(f"{tp.__name__} customises attribute access; hover does not run it")
    if isinstance(value, type):
        attr = _mro_lookup(value, name)
        if attr is not _MISSING:
            return _bind(attr, None, value, name)
    else:
        class_attr = _mro_lookup(tp, name)
        is_data_descriptor = class_attr is not _MISSING and (
            hasattr(type(class_attr), "__set__") or hasattr(type(class_attr), "__delete__")
        )
        if is_data_descriptor:
            return _bind(class_attr, value, tp, name)
        try:
            namespace = object.__getattribute__(value, "__dict__")
        except AttributeError:
            namespace = {}
        if isinstance(namespace, dict) and name in namespace:
            return namespace[name]
        if class_attr is not _MISSING:
            return _bind(class_attr, value, tp, name)
    if _mro_lookup(tp, "__getattr__") is not _MISSING or (
        isinstance(value, types.ModuleType) and "__getattr__" in vars(value)
    ):
        raise EvaluationError(f"'{name}' would be computed by __getattr__; hover does not run it")
    raise EvaluationError(f"AttributeError: '{tp.__name__}' object has no attribute '{name}'")


def lookup_dotted(frame: NameScope, expression: str) -> Any:
    """The value of a name or dotted attribute chain, found without side effects."""
    first, *rest = parse_dotted(expression)
    value = lookup_name(frame, first)
    for name in rest:
        value = lookup_attribute(value, name)
    return value
