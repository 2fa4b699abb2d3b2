"""Hostile DAP input: every request of the schema with wrong types in every
argument, lone surrogates, deep nesting, big but terminated headers, garbage.

The shapes are written once, against a :class:`Source` of primitive choices,
and drawn two ways: ``BATCHES``, a Hypothesis strategy (the CI property test,
which shrinks a failure to a small batch), and :func:`random_batches`, a plain
``random.Random`` (``scripts/fuzz.py``'s 10**5-message runs: Hypothesis spends
about 6 ms of CPU choosing each message, more than the adapter and engine take
to handle it, and shrinking cannot apply to a failure that depends on the
thousands of messages before it).
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

from tests.e2e.dap_client import SCHEMA_PATH

T = TypeVar("T")

#: Requests that legitimately end, resume or move the program: a fuzz batch
#: must leave it stopped where it is, to check its output and exit at the end.
NOT_FUZZED = {
    "launch",
    "attach",
    "restart",
    "disconnect",
    "terminate",
    "terminateThreads",
    "continue",
    "next",
    "stepIn",
    "stepOut",
    "stepBack",
    "reverseContinue",
    "restartFrame",
    "goto",
    "pause",
    "runInTerminal",
    "startDebugging",
    "writeMemory",
    "setVariable",
    "setExpression",
}

LONE_SURROGATES = ("\udcff", "\ud800", "\udfff")
MAX_TEXT = 20
MAX_LEAVES = 12
MAX_BATCH = 8


@cache
def request_shapes() -> dict[str, list[str]]:
    """command -> the argument names the schema gives it."""
    definitions = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["definitions"]
    shapes = {}
    for name, definition in definitions.items():
        if not name.endswith("Arguments"):
            continue
        command = name[0].lower() + name[1 : -len("Arguments")]
        properties = definition.get("properties", {})
        shapes[command] = sorted(properties)
    for name in definitions:
        if name.endswith("Request") and name != "Request":
            shapes.setdefault(name[0].lower() + name[1 : -len("Request")], [])
    return {c: keys for c, keys in shapes.items() if c not in NOT_FUZZED}


@cache
def fuzzed_commands() -> list[str]:
    return sorted(request_shapes())


class Source(Protocol):
    """The primitive choices every hostile message is built from."""

    def integer(self, low: int, high: int) -> int: ...
    def choice(self, options: Sequence[T]) -> T: ...
    def binary(self, max_size: int) -> bytes: ...
    def number(self) -> float: ...
    def text(self, max_size: int) -> str: ...


# ---------------------------------------------------------------- shapes


def json_value(source: Source, leaves: list[int] | None = None) -> Any:
    """Any JSON value (``Infinity`` included) of at most MAX_LEAVES leaves."""
    leaves = [MAX_LEAVES] if leaves is None else leaves
    kind = source.integer(0, 6)
    if kind >= 5 and leaves[0] > 0:
        size = source.integer(0, 4)
        if kind == 5:
            return [json_value(source, leaves) for _ in range(size)]
        return {source.text(MAX_TEXT): json_value(source, leaves) for _ in range(size)}
    leaves[0] -= 1
    if kind == 1:
        return source.choice((False, True))
    if kind == 2:
        return source.integer(-(2**70), 2**70)
    if kind == 3:
        return source.number()
    if kind == 4:
        return source.text(MAX_TEXT)
    return None


def framed(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def hostile_request(source: Source) -> bytes:
    """One framed request with arguments of any type in any field."""
    command = source.choice(fuzzed_commands())
    keys = list(request_shapes()[command])
    arguments: Any = {}
    for _ in range(source.integer(0, len(keys))):
        key = keys.pop(source.integer(0, len(keys) - 1))
        arguments[key] = json_value(source)
    if source.integer(0, 9) == 0:
        arguments = json_value(source)  # not even an object
    if source.integer(0, 1):
        seq = source.integer(-5, 0)
    else:
        seq = source.integer(10**9, 2**40)
    message = {
        # seqs a test client never uses, so no answer is taken for its own
        "seq": seq,
        "type": "request",
        "command": command,
        "arguments": arguments,
    }
    return framed(json.dumps(message).encode("ascii"))  # lone surrogates stay JSON escapes


def hostile_frame(source: Source) -> bytes:
    kind = source.integer(0, 5)
    if kind == 0:
        depth = source.integer(500, 6000)
        return framed(b"[" * depth + b"]" * depth)
    if kind == 1:
        pad = b"X-Pad: " + b"p" * source.integer(1000, 60_000) + b"\r\n"
        return pad + framed(b'{"seq":1,"type":"request","command":"threads"}')
    if kind == 2:
        return framed(source.binary(200))
    if kind == 3:
        return framed(json.dumps(json_value(source)).encode("ascii"))
    return hostile_request(source)


def hostile_batch(source: Source) -> list[bytes]:
    """1 to MAX_BATCH hostile frames."""
    return [hostile_frame(source) for _ in range(source.integer(1, MAX_BATCH))]


# ---------------------------------------------------------------- Hypothesis

_TEXT = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from(LONE_SURROGATES)), max_size=MAX_TEXT
)
_NUMBERS = st.floats(allow_nan=False)


class DrawSource:
    """Choices drawn by Hypothesis (so a failing batch shrinks)."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def choice(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(options))

    def binary(self, max_size: int) -> bytes:
        return self.draw(st.binary(max_size=max_size))

    def number(self) -> float:
        return self.draw(_NUMBERS)

    def text(self, max_size: int) -> str:
        assert max_size == MAX_TEXT
        return self.draw(_TEXT)


BATCHES = st.composite(lambda draw: hostile_batch(DrawSource(draw)))()


# ---------------------------------------------------------------- plain random

_SPECIAL_NUMBERS = (0.0, -0.0, 1.0, -1.5, 1e308, -1e308, 5e-324, float("inf"), float("-inf"))
_SPECIAL_CHARS = (*LONE_SURROGATES, "\x00", "\n", '"', "\\", "\u2028", "\ufeff", "\U0010ffff")


class RandomSource:
    """Choices from ``random.Random``, leaning towards bounds and odd values
    as Hypothesis does: about 1 integer in 8 is a bound, 1 number in 3 and
    1 character in 4 a special one (lone surrogates among them)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        if high > low and self.rng.random() < 0.125:
            return self.rng.choice((low, high))
        return self.rng.randint(low, high)

    def choice(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)

    def binary(self, max_size: int) -> bytes:
        return self.rng.randbytes(self.integer(0, max_size))

    def number(self) -> float:
        roll = self.rng.random()
        if roll < 0.33:
            return self.rng.choice(_SPECIAL_NUMBERS)
        if roll < 0.66:
            return float(self.rng.randint(-(2**53), 2**53))
        return self.rng.uniform(-1, 1) * 10.0 ** self.rng.randint(-320, 308)

    def text(self, max_size: int) -> str:
        chars = []
        for _ in range(self.integer(0, max_size)):
            roll = self.rng.random()
            if roll < 0.25:
                chars.append(self.rng.choice(_SPECIAL_CHARS))
            elif roll < 0.6:
                chars.append(chr(self.rng.randint(0x20, 0x7E)))
            else:
                chars.append(chr(self.rng.randint(0, sys.maxunicode)))
        return "".join(chars)


def random_batches(seed: int) -> Iterator[list[bytes]]:
    """Endless hostile batches from ``seed`` (the same seed, the same batches)."""
    source = RandomSource(seed)
    while True:
        yield hostile_batch(source)
