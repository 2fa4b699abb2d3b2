"""The variables registry: reference numbers and the children behind them.

A reference stays valid until ``clear()`` (called when the program resumes).
Scopes read the frame on every request, so they show its current values and
only names that are bound. Values are rendered with ``safe_repr``; lists,
tuples, dicts and sets page their items; objects group special (dunder) and
protected (``_x``) attributes under synthetic children.
"""

from __future__ import annotations

import ast
import collections
import itertools
import threading
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from dapper.core.code_runner import EvaluationError, error_message, evaluate_expression
from dapper.core.frame_locals import write_local
from dapper.core.safe_repr import DEFAULT_MAX_LENGTH, safe_repr
from dapper.core.shown_frame import ShownFrame

SPECIAL_GROUP = "special variables"
PROTECTED_GROUP = "protected variables"

_SCALARS = (
    int,
    float,
    complex,
    str,
    bytes,
    bytearray,
    bool,
    type(None),
    type(Ellipsis),
    type(NotImplemented),
    range,
)
_SEQUENCES = (list, tuple, collections.deque)
_MAPPINGS = (dict, types.MappingProxyType)
_SETS = (set, frozenset)
_KEY_LITERALS = (str, bytes, int, float, bool, type(None))


class Variable(NamedTuple):
    """One rendered row of a variables listing, or one evaluated value.

    The engine turns it into a DAP ``Variable`` (``dapper/engine/values.py``).
    """

    name: str
    value: str  # the repr (or the text shown instead of one)
    type: str | None  # None: no type is shown (an error, a group label)
    evaluate_name: str  # "": cannot be re-evaluated (a group)
    kind: str  # "data", "class", "method", "property", "virtual"
    read_only: bool
    visibility: str | None  # "internal", "private" or None
    reference: int  # 0: nothing to expand
    named: int  # named children behind ``reference``
    indexed: int  # indexed children behind ``reference``


class Scope(NamedTuple):
    """One scope of a frame (Locals, Globals); the engine makes it a DAP ``Scope``."""

    name: str
    reference: int
    named: int
    expensive: bool
    is_locals: bool


def is_special_name(name: str) -> bool:
    return name.startswith("__") and name.endswith("__") and len(name) > 4


def is_protected_name(name: str) -> bool:
    return name.startswith("_") and not is_special_name(name)


@lru_cache(maxsize=1024)
def _needs_parens(expression: str) -> bool:
    """Whether ``expression`` must be parenthesised before ``.attr`` or ``[i]``."""
    try:
        node = ast.parse(expression, mode="eval").body
    except SyntaxError:
        return True
    return not isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call, ast.Constant))


def _operand(expression: str) -> str:
    return f"({expression})" if _needs_parens(expression) else expression


def _type_name(value: Any) -> str:
    tp = type(value)
    module = tp.__module__
    if module in ("builtins", None):
        return tp.__qualname__
    return f"{module}.{tp.__qualname__}"


def _attribute_names(value: Any) -> list[str]:
    try:
        names = dir(value)
    except Exception:
        try:
            names = list(vars(value))
        except Exception:
            names = []
    return sorted({name for name in names if isinstance(name, str)})


def _split_names(names: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(public, special, protected) names."""
    public, special, protected = [], [], []
    for name in names:
        if is_special_name(name):
            special.append(name)
        elif name.startswith("_"):
            protected.append(name)
        else:
            public.append(name)
    return public, special, protected


def _static_class_attribute(value: Any, name: str) -> Any:
    for klass in type(value).__mro__:
        try:
            namespace = klass.__dict__
        except Exception:
            continue
        if name in namespace:
            return namespace[name]
    return None


@dataclass
class _Child:
    """One row of a variables listing, before rendering."""

    name: str
    value: Any
    evaluate_name: str
    kind: str | None = None  # None: derive from the value
    read_only: bool = False
    visibility: str | None = None
    text: str | None = None  # shown instead of the repr (an error, a group label)
    node: _Node | None = None  # children of a synthetic row (a group)


class _Node:
    """Something with a variablesReference: knows its children and how to assign them."""

    def named(self) -> list[_Child]:
        return []

    def indexed_count(self) -> int:
        return 0

    def indexed(self, start: int, count: int) -> list[_Child]:
        return []

    def assign(self, name: str, value: Any) -> None:
        raise EvaluationError(f"'{name}' cannot be changed here")

    def current(self, name: str) -> _Child:
        """The row for ``name`` as it is now (after an assignment)."""
        for child in self.named():
            if child.name == name:
                return child
        for child in self.indexed(0, self.indexed_count()):
            if child.name == name:
                return child
        raise EvaluationError(f"no variable named '{name}'")


@dataclass
class _Namespace(_Node):
    """A scope: a name -> value mapping read afresh on every request."""

    read: Callable[[], Mapping[str, Any]]
    write: Callable[[str, Any], None]
    evaluate_name: Callable[[str], str] = lambda name: name
    group: str | None = None  # None: the scope itself; SPECIAL_GROUP: its dunder names

    def _rows(self) -> list[tuple[str, Any]]:
        try:
            return list(self.read().items())
        except Exception:
            return []

    def named(self) -> list[_Child]:
        rows = self._rows()
        special = [(name, value) for name, value in rows if is_special_name(name)]
        children = []
        if self.group is None:
            if special:
                group = _Namespace(self.read, self.write, self.evaluate_name, SPECIAL_GROUP)
                children.append(_group_child(SPECIAL_GROUP, len(special), group))
            rows = [(name, value) for name, value in rows if not is_special_name(name)]
        else:
            rows = special
        for name, value in rows:
            children.append(_Child(name, value, self.evaluate_name(name)))
        return children

    def count(self) -> int:
        return len(self.named())

    def assign(self, name: str, value: Any) -> None:
        self.write(name, value)

    def current(self, name: str) -> _Child:
        namespace = self.read()
        if name not in namespace:
            raise EvaluationError(f"no variable named '{name}'")
        return _Child(name, namespace[name], self.evaluate_name(name))


def _group_child(label: str, size: int, node: _Node) -> _Child:
    return _Child(
        label,
        None,
        "",
        kind="virtual",
        read_only=True,
        text=f"{size} item{'s' if size != 1 else ''}",
        node=node,
    )


@dataclass
class _Value(_Node):
    """The children of one value: items of a container, or attributes of an object."""

    value: Any
    evaluate_name: str
    group: str | None = None
    _names: tuple[list[str], list[str], list[str]] | None = field(default=None, repr=False)

    # -- attributes --
    def _split(self) -> tuple[list[str], list[str], list[str]]:
        if self._names is None:
            self._names = _split_names(_attribute_names(self.value))
        return self._names

    def named(self) -> list[_Child]:
        if isinstance(self.value, (*_SEQUENCES, *_MAPPINGS, *_SETS)):
            return []
        public, special, protected = self._split()
        if self.group == SPECIAL_GROUP:
            return [self._attribute(name, "internal") for name in special]
        if self.group == PROTECTED_GROUP:
            return [self._attribute(name, "private") for name in protected]
        children = []
        for label, names in ((SPECIAL_GROUP, special), (PROTECTED_GROUP, protected)):
            if names:
                group = _Value(self.value, self.evaluate_name, label, self._names)
                children.append(_group_child(label, len(names), group))
        children.extend(self._attribute(name, None) for name in public)
        return children

    def _attribute(self, name: str, visibility: str | None) -> _Child:
        evaluate_name = f"{_operand(self.evaluate_name)}.{name}"
        static = _static_class_attribute(self.value, name)
        is_property = isinstance(static, property)
        read_only = is_property and static.fset is None
        kind = "property" if is_property else None
        try:
            value = getattr(self.value, name)
        except Exception as exc:
            return _Child(
                name,
                None,
                evaluate_name,
                kind=kind,
                read_only=True,
                visibility=visibility,
                text=f"<error: {error_message(exc)}>",
            )
        return _Child(name, value, evaluate_name, kind, read_only, visibility)

    def named_count(self) -> int:
        if isinstance(self.value, (*_SEQUENCES, *_MAPPINGS, *_SETS)):
            return 0
        public, special, protected = self._split()
        return len(public) + bool(special) + bool(protected)

    # -- items --
    def indexed_count(self) -> int:
        if isinstance(self.value, (*_SEQUENCES, *_MAPPINGS, *_SETS)):
            try:
                return len(self.value)
            except Exception:
                return 0
        return 0

    def indexed(self, start: int, count: int) -> list[_Child]:
        value = self.value
        stop = start + count if count else None
        base = _operand(self.evaluate_name)
        if isinstance(value, (list, tuple)):
            read_only = isinstance(value, tuple)
            end = len(value) if stop is None else min(stop, len(value))
            return [
                _Child(str(i), value[i], f"{base}[{i}]", read_only=read_only)
                for i in range(start, end)
            ]
        if isinstance(value, _SEQUENCES):
            items = itertools.islice(value, start, stop)
            return [_Child(str(i), item, f"{base}[{i}]") for i, item in enumerate(items, start)]
        if isinstance(value, _MAPPINGS):
            items = itertools.islice(value.items(), start, stop)
            return [
                self._entry(i, key, item, base, isinstance(value, types.MappingProxyType))
                for i, (key, item) in enumerate(items, start)
            ]
        if isinstance(value, _SETS):
            items = itertools.islice(value, start, stop)
            return [
                _Child(str(i), item, f"list({self.evaluate_name})[{i}]", read_only=True)
                for i, item in enumerate(items, start)
            ]
        return []

    def _entry(self, index: int, key: Any, item: Any, base: str, read_only: bool) -> _Child:
        if type(key) in _KEY_LITERALS:
            evaluate_name = f"{base}[{key!r}]"
        else:
            evaluate_name = f"list({_operand(self.evaluate_name)}.values())[{index}]"
        return _Child(safe_repr(key), item, evaluate_name, read_only=read_only)

    def assign(self, name: str, value: Any) -> None:
        target = self.value
        try:
            if isinstance(target, (list, collections.deque)):
                target[int(name)] = value
            elif isinstance(target, dict):
                target[self._key_for(name)] = value
            elif isinstance(target, (tuple, frozenset, set, types.MappingProxyType)):
                raise EvaluationError(f"items of a {type(target).__name__} cannot be changed")
            else:
                setattr(target, name, value)
        except EvaluationError:
            raise
        except Exception as exc:
            raise EvaluationError(error_message(exc)) from None

    def _key_for(self, name: str) -> Any:
        for key in self.value:
            if safe_repr(key) == name:
                return key
        raise EvaluationError(f"no key shown as {name}")

    def current(self, name: str) -> _Child:
        if isinstance(self.value, (list, tuple, collections.deque)):
            index = int(name)
            return self.indexed(index, 1)[0]
        if isinstance(self.value, dict):
            key = self._key_for(name)
            index = list(self.value).index(key)
            return self.indexed(index, 1)[0]
        return self._attribute(name, None)


class VariableStore:
    """Hands out reference numbers for scopes and expandable values."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._nodes: dict[int, _Node] = {}
        self._keys: dict[tuple, int] = {}
        self._next = 1
        self._values = itertools.count()  # keys of evaluate results (never shared)

    def clear(self) -> None:
        """Forget every reference (the program resumed, so the values may change)."""
        with self._lock:
            self._nodes.clear()
            self._keys.clear()

    def _reference(self, key: tuple, node: _Node) -> int:
        """The reference for ``key``, now pointing at ``node`` (stable across re-listings)."""
        with self._lock:
            ref = self._keys.get(key)
            if ref is None:
                ref = self._next
                self._next += 1
                self._keys[key] = ref
            self._nodes[ref] = node
            return ref

    def _node(self, ref: int) -> _Node:
        with self._lock:
            node = self._nodes.get(ref)
        if node is None:
            raise EvaluationError(f"variablesReference {ref} is not valid (any more)")
        return node

    # -- scopes --
    def scopes(
        self, frame: ShownFrame, extra_locals: Mapping[str, Any] | None = None
    ) -> list[Scope]:
        """The scopes (Locals, Globals) of ``frame``.

        ``extra_locals`` are shown first among the locals (e.g. ``(return) f``).
        """
        f_globals = frame.f_globals

        def write_global(name: str, value: Any) -> None:
            f_globals[name] = value

        def global_name(name: str) -> str:
            # A local of the same name would shadow the global when re-evaluated.
            if frame.f_locals is not f_globals and name in frame.f_locals:
                return f"globals()[{name!r}]"
            return name

        def read_locals() -> Mapping[str, Any]:
            return {**extra_locals, **frame.f_locals} if extra_locals else frame.f_locals

        local_scope = _Namespace(read_locals, lambda name, value: write_local(frame, name, value))
        global_scope = _Namespace(lambda: f_globals, write_global, global_name)
        return [
            Scope(
                "Locals",
                self._reference(("locals", id(frame)), local_scope),
                local_scope.count(),
                expensive=False,
                is_locals=True,
            ),
            Scope(
                "Globals",
                self._reference(("globals", id(frame)), global_scope),
                global_scope.count(),
                expensive=True,
                is_locals=False,
            ),
        ]

    # -- listing --
    def variables(
        self,
        ref: int,
        *,
        start: int = 0,
        count: int = 0,
        hex: bool = False,
        filter: str | None = None,
    ) -> list[Variable]:
        """The children of ``ref``.

        ``filter`` "named"/"indexed" selects one kind of children; ``start`` and
        ``count`` (0: all) page within it (or within named-then-indexed).
        """
        node = self._node(ref)
        start = max(start, 0)
        if filter == "indexed":
            children = node.indexed(start, count)
        elif filter == "named":
            named = node.named()
            children = named[start : start + count if count else None]
        else:
            named = node.named()
            children = named[start : start + count if count else None]
            if not count or len(children) < count:
                rest = count - len(children) if count else 0
                children += node.indexed(max(start - len(named), 0), rest)
        return [self._render(ref, child, hex) for child in children]

    def _render(self, parent: int, child: _Child, hex: bool) -> Variable:
        return self._describe(("child", parent, child.name), child, hex, DEFAULT_MAX_LENGTH)

    def _describe(self, key: tuple, child: _Child, hex: bool, max_length: int | None) -> Variable:
        value = child.value
        text = (
            child.text
            if child.text is not None
            else safe_repr(value, max_length=max_length, hex=hex)
        )
        type_name = _type_name(value) if child.text is None else None
        ref = named = indexed = 0
        node = child.node
        if node is None and child.text is None and not isinstance(value, _SCALARS):
            node = _Value(value, child.evaluate_name)
        if node is not None:
            named = node.count() if isinstance(node, _Namespace) else _named_count(node)
            indexed = node.indexed_count()
            if named or indexed:
                ref = self._reference(key, node)
        return Variable(
            child.name,
            text,
            type_name,
            child.evaluate_name,
            child.kind or _kind_of(value),
            child.read_only,
            child.visibility,
            ref,
            named if ref else 0,
            indexed if ref else 0,
        )

    def variable(
        self,
        name: str,
        value: Any,
        evaluate_name: str,
        *,
        hex: bool = False,
        max_length: int | None = DEFAULT_MAX_LENGTH,
    ) -> Variable:
        """One value rendered (what ``evaluate`` shows and expands)."""
        child = _Child(name, value, evaluate_name)
        return self._describe(("value", next(self._values)), child, hex, max_length)

    # -- writing --
    def set_variable(
        self, ref: int, name: str, value_expr: str, frame: ShownFrame, *, hex: bool = False
    ) -> Variable:
        """Assign ``value_expr`` (evaluated in ``frame``) to child ``name`` of ``ref``.

        Returns the child as it is now; raises ``EvaluationError`` with a
        user-facing message when the value or the assignment fails.
        """
        node = self._node(ref)
        value = evaluate_expression(frame, value_expr)
        node.assign(name, value)
        return self._render(ref, node.current(name), hex)


def _named_count(node: _Node) -> int:
    if isinstance(node, _Value):
        return node.named_count()
    return len(node.named())


def _kind_of(value: Any) -> str:
    if isinstance(value, type):
        return "class"
    if isinstance(
        value,
        (
            types.FunctionType,
            types.MethodType,
            types.BuiltinFunctionType,
            types.BuiltinMethodType,
            types.MethodWrapperType,
            types.MethodDescriptorType,
            types.WrapperDescriptorType,
            types.ClassMethodDescriptorType,
        ),
    ):
        return "method"
    return "data"
