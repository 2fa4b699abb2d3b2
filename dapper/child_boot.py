"""First code a Python child runs when Dapper started it (kept to plain syntax
that any Python 3 parses, so an unsupported interpreter can say why and run the
program as asked)."""

import json
import os
import socket
import sys

#: The oldest version the debugger runs on (as ``dapper.interpreters``, which is
#: not imported here: it is newer syntax than an old child may parse).
FIRST_SUPPORTED = (3, 11)


def main():
    if sys.version_info[:2] >= FIRST_SUPPORTED and sys.implementation.name == "cpython":
        announce_early()
        from dapper.launcher import main as launch

        sys.exit(launch(["--listen", "127.0.0.1:0", "--child", *sys.argv[1:]]))
    run_unsupported()


def announce_early():
    """Tell the adapter about this child now, before the engine is imported,
    so that the client starts its session meanwhile."""
    from dapper import child_session
    from dapper.protocol import child_link

    link = child_link.peek_link()
    argv = sys.argv[1:]
    kind, target = child_session.program_of(argv)
    if link is None or (kind == "file" and not os.path.isfile(target)):
        return  # the launcher says what is wrong
    try:
        child_session.early = child_session.EarlyAnnouncement(link, argv)
    except OSError:
        child_session.early = None


def run_unsupported():
    """Report once why this child is not debugged, then become the command the
    program asked for, with the environment it gave."""
    data = json.loads(os.environ.pop("DAPPER_LINK", "{}"))
    env = dict(os.environ)
    for key, value in (data.get("restore") or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    children = data.get("children") or {}
    version = "{}.{}".format(*sys.version_info[:2])
    reason = (
        f"Python {version} ({sys.implementation.name}) is not supported;"
        " Dapper needs CPython 3.11 or newer"
    )
    try:
        sock = socket.create_connection((children["host"], children["port"]), timeout=2)
        hello = {
            "token": children["token"],
            "pid": os.getpid(),
            "name": os.path.basename(sys.executable),
            "unsupported": reason,
        }
        sock.sendall(json.dumps(hello).encode() + b"\n")
        sock.close()
    except (OSError, KeyError, TypeError):
        pass
    executable, argv = data["original"]
    os.execve(executable, argv, env)
