"""``pathMappings``: the client's (local) file names against the debuggee's (remote) ones.

A program debugged in a container or on another host runs files whose names
differ from the copies the editor shows. The client speaks local paths, the
engine and core speak the paths the interpreter runs, and this module
translates at the boundary between them (debugpy's key and meaning: several
``{localRoot, remoteRoot}`` pairs, the longest matching prefix wins). Local
roots may be Windows paths (``C:\\src\\app``) even when the debuggee is POSIX.
"""

from __future__ import annotations

import ntpath
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def _is_windows_path(path: str) -> bool:
    return bool(_DRIVE.match(path)) or path.startswith("\\\\")


@dataclass(frozen=True)
class _Side:
    """One root of a mapping, in the form prefix comparison needs."""

    root: str  # without trailing separator
    windows: bool

    @classmethod
    def of(cls, root: str) -> _Side:
        windows = _is_windows_path(root)
        if windows:
            root = root.replace("/", "\\")
            trimmed = root.rstrip("\\")
            root = trimmed + "\\" if re.fullmatch(r"[A-Za-z]:", trimmed) else trimmed
        else:
            root = root.rstrip("/") or "/"
        return cls(root, windows)

    def _key(self, path: str) -> str:
        return path.replace("/", "\\").lower() if self.windows else path

    def relative(self, path: str) -> list[str] | None:
        """The parts of ``path`` below this root, or None when it is not below it."""
        root, candidate = self._key(self.root), self._key(path)
        sep = "\\" if self.windows else "/"
        if candidate == root:
            return []
        prefix = root if root.endswith(sep) else root + sep
        if not candidate.startswith(prefix):
            return None
        rest = path[len(prefix) :]
        return (
            [part for part in re.split(r"[\\/]", rest) if part]
            if self.windows
            else [part for part in rest.split("/") if part]
        )

    def join(self, parts: list[str]) -> str:
        if not parts:
            return self.root
        if self.windows:
            return ntpath.join(self.root, *parts)
        return "/".join([self.root.rstrip("/"), *parts])


class PathMapper:
    """Translates file names both ways; an empty mapper changes nothing."""

    def __init__(self, mappings: list[tuple[str, str]] | None = None) -> None:
        pairs = []
        for local, remote in mappings or []:
            pairs.append((_Side.of(local), _Side.of(remote)))
            real = os.path.realpath(remote) if not _is_windows_path(remote) else remote
            if real != remote and os.path.exists(real):
                # co_filename names the real file; the user may have named a symlink.
                pairs.append((_Side.of(local), _Side.of(real)))
        self._pairs = pairs

    def __bool__(self) -> bool:
        return bool(self._pairs)

    def _translate(self, path: str, src: int) -> str | None:
        best: tuple[int, list[str], _Side] | None = None
        for pair in self._pairs:
            parts = pair[src].relative(path)
            if parts is not None and (best is None or len(pair[src].root) > best[0]):
                best = (len(pair[src].root), parts, pair[1 - src])
        return None if best is None else best[2].join(best[1])

    def to_remote(self, local: str) -> str:
        """The debuggee's name for a client path (unchanged when no mapping covers it)."""
        return self._translate(local, 0) or local

    def to_local(self, remote: str) -> str | None:
        """The client's name for a debuggee path, or None when no mapping covers it."""
        return self._translate(remote, 1)


def parse_path_mappings(value: Any) -> list[tuple[str, str]]:
    """Validate a ``pathMappings`` argument; ``ValueError`` names what is wrong."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("'pathMappings' must be an array of {localRoot, remoteRoot} objects")
    pairs = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise ValueError(f"'pathMappings[{index}]' must be an object")
        local, remote = entry.get("localRoot"), entry.get("remoteRoot")
        if not isinstance(local, str) or not local or not isinstance(remote, str) or not remote:
            raise ValueError(
                f"'pathMappings[{index}]' needs non-empty string 'localRoot' and 'remoteRoot'"
            )
        pairs.append((local, remote))
    return pairs


# ---------------------------------------------------------------- messages

#: Requests whose ``arguments.source.path`` is a client path.
_INBOUND = ("setBreakpoints", "breakpointLocations", "gotoTargets", "source")
_TRACE_FILE = re.compile(r'(File ")([^"]+)(")')


class MessageTranslator:
    """Rewrites the paths in DAP messages between client and engine.

    ``reference_for`` hands out a ``sourceReference`` for a remote file no
    mapping covers, so the client can still show its text.
    """

    def __init__(self, mapper: PathMapper, reference_for: Callable[[str], int | None]) -> None:
        self.mapper = mapper
        self._reference_for = reference_for

    def inbound(self, request: dict) -> dict:
        if not self.mapper or request.get("command") not in _INBOUND:
            return request
        arguments = request.get("arguments")
        if not isinstance(arguments, dict):
            return request
        source = arguments.get("source")
        if not isinstance(source, dict) or not isinstance(source.get("path"), str):
            return request
        remote = self.mapper.to_remote(source["path"])
        return {**request, "arguments": {**arguments, "source": {**source, "path": remote}}}

    def outbound(self, message: dict) -> dict:
        if not self.mapper:
            return message
        return self._walk(message)

    def _walk(self, value: Any, key: str = "") -> Any:
        # Lists pass their key to their items: the items of "sources" are Sources.
        if isinstance(value, dict):
            out = {k: self._walk(v, k) for k, v in value.items()}
            path = out.get("path")
            if isinstance(path, str):
                if key in ("source", "sources"):
                    self._map_source(out, path)
                elif key == "modules":
                    out["path"] = self.mapper.to_local(path) or path
            return out
        if isinstance(value, list):
            return [self._walk(item, key) for item in value]
        if key == "stackTrace" and isinstance(value, str):  # ExceptionDetails text
            return _TRACE_FILE.sub(self._map_trace_line, value)
        return value

    def _map_trace_line(self, match: re.Match) -> str:
        local = self.mapper.to_local(match.group(2)) or match.group(2)
        return match.group(1) + local + match.group(3)

    def _map_source(self, source: dict, path: str) -> None:
        local = self.mapper.to_local(path)
        if local is not None:
            source["path"] = local
        elif not source.get("sourceReference"):
            # Not covered by a mapping: the client cannot open it, so serve it.
            ref = self._reference_for(path)
            if ref:
                source["sourceReference"] = ref
