"""Hypothesis strategies for hostile DAP input: every request of the schema
with wrong types in every argument, lone surrogates, deep nesting, big but
terminated headers, garbage. Shared by the CI property test and
``scripts/fuzz.py``."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from hypothesis import strategies as st

from tests.e2e.dap_client import SCHEMA_PATH

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


SURROGATE_TEXT = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from(["\udcff", "\ud800", "\udfff"])),
    max_size=20,
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    SURROGATE_TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(SURROGATE_TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def hostile_request(draw: Any) -> bytes:
    """One framed request with arguments of any type in any field."""
    command = draw(st.sampled_from(sorted(request_shapes())))
    keys = request_shapes()[command]
    arguments: Any = {}
    if keys:
        for key in draw(st.lists(st.sampled_from(keys), max_size=len(keys), unique=True)):
            arguments[key] = draw(JSON_VALUES)
    if draw(st.integers(0, 9)) == 0:
        arguments = draw(JSON_VALUES)  # not even an object
    message = {
        # seqs a test client never uses, so no answer is taken for its own
        "seq": draw(st.one_of(st.integers(-5, 0), st.integers(10**9, 2**40))),
        "type": "request",
        "command": command,
        "arguments": arguments,
    }
    body = json.dumps(message).encode("ascii")  # lone surrogates stay JSON escapes
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


@st.composite
def hostile_frame(draw: Any) -> bytes:
    kind = draw(st.integers(0, 5))
    if kind == 0:
        depth = draw(st.integers(500, 6000))
        body = b"[" * depth + b"]" * depth
        return b"Content-Length: %d\r\n\r\n" % len(body) + body
    if kind == 1:
        pad = b"X-Pad: " + b"p" * draw(st.integers(1000, 60_000)) + b"\r\n"
        body = b'{"seq":1,"type":"request","command":"threads"}'
        return pad + b"Content-Length: %d\r\n\r\n" % len(body) + body
    if kind == 2:
        body = draw(st.binary(max_size=200))
        return b"Content-Length: %d\r\n\r\n" % len(body) + body
    if kind == 3:
        value = draw(JSON_VALUES)
        body = json.dumps(value).encode("ascii")
        return b"Content-Length: %d\r\n\r\n" % len(body) + body
    return draw(hostile_request())


BATCHES = st.lists(hostile_frame(), min_size=1, max_size=8)
