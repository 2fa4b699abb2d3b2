"""Which ``launch``/``attach`` keys Dapper reads, and the type each must have.

A key that is neither one of Dapper's nor one the editor adds for itself is
named back to the user (one console line), so an option that has no effect
never passes in silence; a known key with the wrong type is an error naming
the key and the type it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dapper.protocol.messages import RequestError

Check = Callable[[Any], bool]


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_str_or_list(value: Any) -> bool:
    return _is_str(value) or _is_str_list(value)


def _is_object_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _is_port(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.isdigit()
    )


STRING = (_is_str, "a string")
PROCESS_ID = (lambda v: _is_port(v) or isinstance(v, str), "an integer")
BOOLEAN = (_is_bool, "a boolean")
OBJECT = (_is_object, "an object")
STRINGS = (_is_str_list, "an array of strings")
STRING_OR_STRINGS = (_is_str_or_list, "a string or an array of strings")
OBJECTS = (_is_object_list, "an array of objects")
PORT = (_is_port, "an integer")
SECONDS = (
    lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "a number of seconds",
)
PID = (lambda v: isinstance(v, int) and not isinstance(v, bool), "a process id")

#: Keys both requests read (the engine applies them).
_COMMON: dict[str, tuple[Check, str]] = {
    "justMyCode": BOOLEAN,
    "showReturnValue": BOOLEAN,
    "breakOnSystemExitZero": BOOLEAN,
    "rules": OBJECTS,
    "logToFile": BOOLEAN,
    "frameEval": OBJECT,
    #: template breakpoints (absent: on when the engine is imported)
    "django": BOOLEAN,
    "jinja": BOOLEAN,
    #: greenlets listed as threads (absent: once gevent patched threading)
    "gevent": BOOLEAN,
}

LAUNCH_KEYS: dict[str, tuple[Check, str]] = {
    **_COMMON,
    "program": STRING,
    "module": STRING,
    "code": STRING_OR_STRINGS,
    "args": STRING_OR_STRINGS,
    "argsExpansion": STRING,
    "cwd": STRING,
    "env": OBJECT,
    "envFile": STRING,
    "python": STRING_OR_STRINGS,
    "pythonArgs": STRINGS,
    "console": STRING,
    "consoleName": STRING,
    "redirectOutput": BOOLEAN,
    "stopOnEntry": BOOLEAN,
    "noDebug": BOOLEAN,
    "pathMappings": OBJECTS,
    "subProcess": BOOLEAN,
    "subProcessWait": SECONDS,
    #: the token of an adapter serving TCP beyond loopback (``--port``)
    "accessToken": STRING,
}

ATTACH_KEYS: dict[str, tuple[Check, str]] = {
    **_COMMON,
    "connect": OBJECT,
    "host": STRING,
    "port": PORT,
    "listen": OBJECT,
    "processId": PROCESS_ID,
    "pathMappings": OBJECTS,
    "accessToken": STRING,
    "subProcess": BOOLEAN,
    "subProcessId": PID,
    "subProcessExit": OBJECT,
}

#: Keys editors add to every configuration for their own use, and
#: ``debugOptions`` (read by ``legacy_keys``, which names flags Dapper ignores).
EDITOR_KEYS = frozenset(
    {
        "type",
        "request",
        "name",
        "preLaunchTask",
        "postDebugTask",
        "presentation",
        "internalConsoleOptions",
        "debugServer",
        "serverReadyAction",
        "windows",
        "linux",
        "osx",
        "purpose",
        "debugOptions",
        "clientOS",
        "debugAdapterPath",
        "debugAdapterPython",
        "debugLauncherPython",
        "workspaceFolder",
    }
)


def check_types(arguments: Mapping[str, Any], table: Mapping[str, tuple[Check, str]]) -> None:
    """Raise ``RequestError`` naming the first key whose value has the wrong type
    (``null`` counts as absent)."""
    for key, (check, what) in table.items():
        value = arguments.get(key)
        if value is not None and not check(value):
            raise RequestError(f"'{key}' must be {what}, got {_json_type(value)}")


def unknown_keys(arguments: Mapping[str, Any], table: Mapping[str, tuple[Check, str]]) -> list[str]:
    """Keys Dapper does not read, in the order given (editor keys left out)."""
    return [
        key
        for key in arguments
        if key not in table and key not in EDITOR_KEYS and not key.startswith("__")
    ]


def unknown_keys_line(request: str, keys: list[str]) -> str:
    """The console line that names ignored keys."""
    names = ", ".join(f"'{key}'" for key in keys)
    return f"Dapper: {request} ignores {names}: not supported by Dapper.\n"


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
