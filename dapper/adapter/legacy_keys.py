"""debugpy's older spellings of launch/attach keys, turned into the current ones.

Configurations written for debugpy (and what the VS Code Python Debugger
extension sends when it runs Dapper through ``debugAdapterPath``) still use
them: ``debugOptions`` flags (``["RedirectOutput", "DebugStdLib", ...]``),
``consoleTitle`` (the extension renames ``consoleName`` to it), ``pythonPath``
and ``debugStdLib``. Each becomes the key Dapper reads unless that key is given
too, in which case the explicit key wins. Flags for options Dapper does not
support become their key names, so they are reported like any unknown key
instead of passing in silence.
"""

from __future__ import annotations

from typing import Any

from dapper.protocol.messages import RequestError

#: ``debugOptions`` flag -> (key, value it stands for)
FLAGS: dict[str, tuple[str, Any]] = {
    "RedirectOutput": ("redirectOutput", True),
    "StopOnEntry": ("stopOnEntry", True),
    "ShowReturnValue": ("showReturnValue", True),
    "BreakOnSystemExitZero": ("breakOnSystemExitZero", True),
    "DebugStdLib": ("justMyCode", False),
    "SubProcess": ("subProcess", True),
    "Multiprocess": ("subProcess", True),
    "Django": ("django", True),
    "Jinja": ("jinja", True),
    "Flask": ("jinja", True),
    "Gevent": ("gevent", True),
    # Options Dapper does not have: named back as unknown keys.
    "Sudo": ("sudo", True),
    "WaitOnNormalExit": ("waitOnNormalExit", True),
    "WaitOnAbnormalExit": ("waitOnAbnormalExit", True),
}
#: Flags that describe the client, meaningless to Dapper on any platform.
CLIENT_FLAGS = frozenset({"FixFilePathCase", "WindowsClient", "UnixClient"})
#: older key -> current key (same value)
RENAMED = {"consoleTitle": "consoleName", "pythonPath": "python"}


def modernise(arguments: Any) -> Any:
    """A copy of ``arguments`` with debugpy's legacy spellings turned into the
    keys Dapper reads (anything not an object is returned as it is)."""
    if not isinstance(arguments, dict):
        return arguments
    result = dict(arguments)
    flags = result.get("debugOptions")
    if flags is not None:
        if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
            raise RequestError("'debugOptions' must be an array of strings")
        for flag in flags:
            if flag in FLAGS:
                key, value = FLAGS[flag]
                result.setdefault(key, value)
            elif flag not in CLIENT_FLAGS:
                result.setdefault(f"debugOptions:{flag}", True)  # named as unknown
    if "debugStdLib" in result:
        debug_std_lib = result.pop("debugStdLib")
        if not isinstance(debug_std_lib, bool):
            raise RequestError("'debugStdLib' must be a boolean")
        result.setdefault("justMyCode", not debug_std_lib)
    for old, new in RENAMED.items():
        if old in result:
            value = result.pop(old)
            result.setdefault(new, value)
    return result
