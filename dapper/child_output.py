"""A child's stdout and stderr, each on its own channel to the root adapter, so
they reach the child's own session (``dapper debug`` labels them with the
child's process number).

The launched program writes into pipes the root adapter reads. A child that
still writes into one of them (it inherited it) replaces that file descriptor
with a loopback socket to the adapter, before its program runs. Whatever the
child wrote is then in the adapter's hands even if the child is killed a moment
later, as with the pipe; the adapter passes it to the child's session, in the
order written. Streams the program redirected (to a file, a pipe it reads, a
terminal) are left alone, and so is a terminal the launched program runs on,
unless the front end that made it asked (``dapper debug``, which labels each
child's lines; the child then sees no terminal on those streams).
"""

from __future__ import annotations

import json
import os
import socket
import stat
import sys

from dapper.protocol.child_link import ChildLink

#: stream name -> file descriptor
STREAMS = (("stdout", 1), ("stderr", 2))


def _identity(fd: int) -> list[int] | None:
    try:
        status = os.fstat(fd)
    except OSError:
        return None
    return [status.st_dev, status.st_ino]


def note_adapter_pipes(link: ChildLink, terminal_too: bool = False) -> None:
    """In the launched program: the pipes the adapter reads for its output
    (and its terminal, when the front end asked: ``TERMINAL_OUTPUT_ENV``)."""
    for name, fd in STREAMS:
        try:
            status = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISFIFO(status.st_mode) or (terminal_too and os.isatty(fd)):
            link.streams[name] = [status.st_dev, status.st_ino]


def capture(link: ChildLink, pid: int) -> list[str]:
    """In a child (or a forked child): give every stream that still goes to
    the adapter's pipe, or to the parent's channel, a channel of its own;
    the names of the streams that have one."""
    captured = []
    for name, fd in STREAMS:
        expected = link.streams.get(name)
        if expected is None or _identity(fd) != expected:
            continue
        try:
            sock = socket.create_connection((link.host, link.port), timeout=link.wait)
        except OSError:
            continue
        try:
            hello = {"token": link.token, "output": name, "pid": pid}
            sock.sendall(json.dumps(hello).encode() + b"\n")
            sock.settimeout(None)  # the descriptor is the program's: blocking writes
            stream = getattr(sys, name, None)
            if stream is not None:
                stream.flush()
            os.dup2(sock.fileno(), fd)
        except (OSError, ValueError):
            continue
        finally:
            sock.close()
        # This child's own Python children write into this channel now.
        link.streams[name] = _identity(fd) or expected
        captured.append(name)
    return captured
