"""Readable, bounded reprs of debuggee values.

A variables view must never stall on a ten-million-element list or die on a
``__repr__`` that raises, so builtin containers are rendered incrementally and
rendering stops as soon as the text is longer than a user can read.
"""

from __future__ import annotations

from typing import Any

#: Longest repr shown in variables, hover and watch views.
DEFAULT_MAX_LENGTH = 512
#: Marker appended to a cut repr.
ELLIPSIS = "..."
# Nesting deeper than this is shown as "..." (keeps far from the recursion limit).
_MAX_DEPTH = 64

_TEXT_TYPES = (str, bytes, bytearray)


class _Full(Exception):  # noqa: N818 - a signal, not an error
    """Internal signal: the text reached its length limit."""


def _describe_error(exc: Exception) -> str:
    try:
        message = str(exc)
    except Exception:
        message = "<unprintable>"
    name = type(exc).__name__
    return f"{name}: {message}" if message else name


def _call_repr(value: Any) -> str:
    """``repr(value)``, or the error it raised shown in place."""
    try:
        return repr(value)
    except Exception as exc:
        return f"<repr raised {_describe_error(exc)}>"


class _Builder:
    """Writes a repr piece by piece and stops once past ``limit``."""

    def __init__(self, limit: int | None, hex: bool) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit
        self.hex = hex
        self.active: set[int] = set()  # ids of containers being rendered (recursion)

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.limit is not None and self.size > self.limit:
            raise _Full

    def text(self) -> str:
        return "".join(self.parts)

    def value(self, value: Any, depth: int) -> None:
        tp = type(value)
        if tp is int and self.hex:
            self.write(hex(value))
            return
        if tp in _TEXT_TYPES and self.limit is not None and len(value) > self.limit:
            # Only the visible prefix is ever rendered (a huge string stays cheap).
            self.write(_call_repr(value[: self.limit + 1]))
            return
        if isinstance(value, list) and tp.__repr__ is list.__repr__:
            self.sequence(value, "[", "]", depth)
        elif isinstance(value, tuple) and tp.__repr__ is tuple.__repr__:
            self.sequence(value, "(", ")", depth, single_comma=True)
        elif isinstance(value, dict) and tp.__repr__ is dict.__repr__:
            self.mapping(value, depth)
        elif isinstance(value, set) and tp.__repr__ is set.__repr__:
            self.set_like(value, "" if tp is set else tp.__name__, depth)
        elif isinstance(value, frozenset) and tp.__repr__ is frozenset.__repr__:
            self.set_like(value, tp.__name__, depth)
        else:
            self.write(_call_repr(value))

    def _enter(self, value: Any, opener: str, closer: str, depth: int) -> bool:
        """Write a placeholder instead of recursing; True when the caller may go on."""
        if id(value) in self.active or depth >= _MAX_DEPTH:
            self.write(opener + ELLIPSIS + closer)
            return False
        return True

    def sequence(
        self, value: Any, opener: str, closer: str, depth: int, single_comma: bool = False
    ) -> None:
        if not self._enter(value, opener, closer, depth):
            return
        self.active.add(id(value))
        try:
            self.write(opener)
            for index, item in enumerate(value):
                if index:
                    self.write(", ")
                self.value(item, depth + 1)
            if single_comma and len(value) == 1:
                self.write(",")
            self.write(closer)
        finally:
            self.active.discard(id(value))

    def mapping(self, value: dict, depth: int) -> None:
        if not self._enter(value, "{", "}", depth):
            return
        self.active.add(id(value))
        try:
            self.write("{")
            for index, (key, item) in enumerate(value.items()):
                if index:
                    self.write(", ")
                self.value(key, depth + 1)
                self.write(": ")
                self.value(item, depth + 1)
            self.write("}")
        finally:
            self.active.discard(id(value))

    def set_like(self, value: set | frozenset, type_name: str, depth: int) -> None:
        if not value:
            self.write(f"{type_name or 'set'}()")
            return
        prefix = f"{type_name}(" if type_name else ""
        suffix = ")" if type_name else ""
        if not self._enter(value, prefix + "{", "}" + suffix, depth):
            return
        self.active.add(id(value))
        try:
            self.write(prefix + "{")
            for index, item in enumerate(value):
                if index:
                    self.write(", ")
                self.value(item, depth + 1)
            self.write("}" + suffix)
        finally:
            self.active.discard(id(value))


def safe_repr(value: Any, *, max_length: int | None = DEFAULT_MAX_LENGTH, hex: bool = False) -> str:
    """The repr of ``value`` cut to ``max_length`` (None: in full), never raising ``Exception``.

    ``hex`` shows ints (also inside builtin containers) in hexadecimal. A cut
    repr ends in ``...``; a ``__repr__`` that raises shows as
    ``<repr raised ValueError: boom>``.
    """
    builder = _Builder(max_length, hex)
    try:
        builder.value(value, 0)
    except _Full:
        assert max_length is not None
        keep = max(max_length - len(ELLIPSIS), 1)
        return builder.text()[:keep] + ELLIPSIS
    except RecursionError as exc:  # a pathological structure deeper than our own limit
        return f"<repr raised {_describe_error(exc)}>"
    return builder.text()
