"""Attach by process id (adapter side): have a running Python program that never
imported Dapper start an engine that connects back to the adapter.

CPython 3.14+: ``sys.remote_exec`` (PEP 768), run by an interpreter of the
target's version (the target's own executable when the adapter's differs).
CPython 3.11-3.13 have no such mechanism: gdb runs the same bootstrap at a safe
point of the interpreter (``dapper/adapter/gdb_attach.py``); see
docs/decisions/008-attach-by-pid.md. Every way this can fail is checked first
and named: no such process, not Python, an unsupported version, no gdb, ptrace
not permitted, remote debugging disabled, Dapper not importable in the target.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

#: Dapper's parent directory: put on the target's sys.path for the session only.
_DAPPER_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_VERSION = re.compile(r"^(?:lib)?python(\d)\.(\d+)")
_PTRACE_SCOPE = "/proc/sys/kernel/yama/ptrace_scope"
#: The script gdb runs (3.11-3.13), and how long it waits for a safe point
#: (shorter than the adapter's wait for the connection, so its reason is the one
#: shown) and for a thread to release the GIL before it queues a pending call.
GDB_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb_attach.py")
GDB_TIMEOUT = 20.0  # DAPPER_GDB_TIMEOUT overrides it (the tests' time-out case)
GDB_GRACE = 1.0


class AttachError(Exception):
    """Why a program cannot be attached to; the message is shown to the user."""


def _ptrace_denied(pid: int, detail: str) -> AttachError:
    try:
        with open(_PTRACE_SCOPE) as handle:
            scope = f"it is {handle.read().strip()} here"
    except OSError:
        scope = "Yama is not active here"
    return AttachError(
        f"not permitted to attach to process {pid} ({detail}): attaching needs ptrace "
        f"access to it: the same user with {_PTRACE_SCOPE} at 0 ({scope}), or the "
        "CAP_SYS_PTRACE capability (e.g. docker run --cap-add=SYS_PTRACE)"
    )


def _read(pid: int, name: str) -> bytes:
    try:
        with open(f"/proc/{pid}/{name}", "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise AttachError(f"no process with id {pid}") from None
    except PermissionError as exc:
        raise _ptrace_denied(pid, f"cannot read /proc/{pid}/{name}: {exc.strerror}") from None


def python_version(pid: int) -> tuple[tuple[int, int], str]:
    """The target's CPython (major, minor) and its executable; AttachError if none."""
    if not os.path.isdir(f"/proc/{pid}"):
        raise AttachError(f"no process with id {pid}")
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except FileNotFoundError:
        raise AttachError(f"no process with id {pid}") from None
    except PermissionError as exc:
        raise _ptrace_denied(pid, f"cannot read /proc/{pid}/exe: {exc.strerror}") from None
    names = [exe] + [
        line.split(maxsplit=5)[-1]
        for line in _read(pid, "maps").decode("utf-8", "replace").splitlines()
        if line.count(" ") >= 5
    ]
    for name in names:
        match = _VERSION.match(os.path.basename(name))
        if match:
            return (int(match.group(1)), int(match.group(2))), exe
    raise AttachError(f"process {pid} is not a Python program (it runs {exe})")


def remote_debug_disabled(pid: int) -> str | None:
    """How the target switched remote debugging off, or None."""
    for entry in _read(pid, "environ").split(b"\0"):
        name, _, value = entry.partition(b"=")
        if name == b"PYTHON_DISABLE_REMOTE_DEBUG" and value:
            return "its environment sets PYTHON_DISABLE_REMOTE_DEBUG"
    argv = _read(pid, "cmdline").split(b"\0")
    for index, arg in enumerate(argv):
        option = arg[2:] if arg.startswith(b"-X") and len(arg) > 2 else None
        if arg == b"-X" and index + 1 < len(argv):
            option = argv[index + 1]
        if option == b"disable_remote_debug":
            return "it was started with -X disable_remote_debug"
    return None


def check(pid: int) -> tuple[tuple[int, int], str]:
    """Everything that can be known before trying: version and executable."""
    if pid == os.getpid():
        raise AttachError("cannot attach the adapter to itself")
    version, exe = python_version(pid)
    shown = f"{version[0]}.{version[1]}"
    if version < (3, 11):
        raise AttachError(f"process {pid} runs Python {shown}; Dapper supports CPython 3.11+")
    if version < (3, 14) and shutil.which("gdb") is None:
        raise AttachError(
            f"process {pid} runs Python {shown}: before CPython 3.14 (sys.remote_exec), "
            "attaching to a running program by process id needs gdb, and no gdb is on PATH: "
            "install it (e.g. 'apt-get install gdb', 'dnf install gdb'). Or start the program "
            "with 'python -m dapper --listen PORT ...' or call dapper.listen(PORT) in it, then "
            "attach with 'connect'."
        )
    disabled = remote_debug_disabled(pid)
    if disabled:
        raise AttachError(
            f"remote debugging is disabled in process {pid}: {disabled}; restart it without that "
            "to attach by process id"
        )
    return version, exe


class PidAttach:
    """One injection in flight: its bootstrap script and its failure report."""

    def __init__(self, pid: int, **session: Any) -> None:
        """``session``: ``dapper.injected.start``'s keywords (how the engine
        reaches its client: ``how``, ``host``, ``port``, ``secret``, ``token``)."""
        self.pid = pid
        version, exe = check(pid)
        # Private to the target's user: the script holds the secret or token.
        self._dir = tempfile.mkdtemp(prefix="dapper-attach-")
        self.status = os.path.join(self._dir, "status")
        self.script = os.path.join(self._dir, "bootstrap.py")
        with open(self.script, "w", encoding="utf-8") as handle:
            handle.write(_bootstrap(session, self.status))
        owner = os.stat(f"/proc/{pid}").st_uid
        if owner != os.geteuid():
            for name in (self._dir, self.script):
                os.chown(name, owner, -1)
        self._gdb: subprocess.Popen[str] | None = None
        self._gdb_timeout = GDB_TIMEOUT
        self._gdb_said: str | None = None
        if version >= (3, 14):
            self._run_remote_exec(version, exe)
        else:
            self._start_gdb()

    def _run_remote_exec(self, version: tuple[int, int], exe: str) -> None:
        if sys.version_info[:2] == version and hasattr(sys, "remote_exec"):
            python = sys.executable
        else:
            python = f"/proc/{self.pid}/exe"  # the target's own interpreter
        code = "import sys; sys.remote_exec(int(sys.argv[1]), sys.argv[2])"
        try:
            done = subprocess.run(
                [python, "-I", "-c", code, str(self.pid), self.script],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.close()
            raise AttachError(f"cannot run {exe} to reach process {self.pid}: {exc}") from None
        if done.returncode != 0:
            self.close()
            last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
            if "PermissionError" in last or "Operation not permitted" in last:
                raise _ptrace_denied(self.pid, last)
            if "ProcessLookupError" in last or "No such process" in last:
                raise AttachError(f"no process with id {self.pid}")
            if "remote debugging" in last.lower() and "disabled" in last.lower():
                raise AttachError(f"remote debugging is disabled in process {self.pid}: {last}")
            raise AttachError(f"sys.remote_exec into process {self.pid} failed: {last}")

    def _start_gdb(self) -> None:
        """gdb attaches, runs the bootstrap at a safe point and detaches, on its
        own: the adapter only reads its verdict (see ``_gdb_failure``)."""
        self._gdb_timeout = float(os.environ.get("DAPPER_GDB_TIMEOUT") or GDB_TIMEOUT)
        arguments = {"pid": self.pid, "script": self.script}
        arguments.update(timeout=self._gdb_timeout, grace=GDB_GRACE)
        command = [shutil.which("gdb") or "gdb", "-nx", "-batch", "-iex", "set auto-load off"]
        command += ["-iex", "set debuginfod enabled off", "-x", GDB_SCRIPT]
        try:
            self._gdb = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env=_gdb_environment(DAPPER_GDB_ATTACH=json.dumps(arguments)),
                start_new_session=True,  # a Ctrl-C for the adapter is not for gdb
            )
        except OSError as exc:
            self.close()
            raise AttachError(f"cannot run gdb to reach process {self.pid}: {exc}") from None

    def _gdb_failure(self) -> str | None:
        """Why gdb could not run the bootstrap, once it ended; None while it runs
        or when it did."""
        if self._gdb is None or self._gdb.poll() is None:
            return None
        if self._gdb_said is None:
            output = self._gdb.stdout.read() if self._gdb.stdout else ""
            verdicts = [ln for ln in output.splitlines() if ln.startswith("dapper-gdb: ")]
            self._gdb_said = verdicts[0][len("dapper-gdb: ") :] if verdicts else output.strip()
        word, _, detail = self._gdb_said.partition(" ")
        if word == "injected":
            return None
        if word == "attach-failed" and ("not permitted" in detail or "already traced" in detail):
            tracer = _tracer(self.pid)
            if tracer:
                return (
                    f"process {self.pid} is already being debugged (traced by process "
                    f"{tracer}): a process can have one tracer at a time"
                )
            return str(_ptrace_denied(self.pid, f"gdb: {detail}"))
        if word == "attach-failed" and "No such process" in detail:
            return f"no process with id {self.pid}"
        if word == "no-python":
            return f"process {self.pid} is not a Python program gdb can reach: {detail}"
        if word == "exited":
            return f"process {self.pid} exited before the debugger could start in it"
        if word == "finalizing":
            return f"process {self.pid} is exiting: the debugger was not started in it"
        if word == "timeout":
            return (
                f"process {self.pid} did not reach a point where the debugger can start in "
                f"{self._gdb_timeout:.0f} s: no thread released the GIL and its main thread ran no "
                "Python code (it may be blocked in a call outside Python); gdb detached and "
                "left it as it was"
            )
        last = (self._gdb_said.strip().splitlines() or ["(no output)"])[-1]
        return f"gdb could not attach to process {self.pid}: {last}"

    def _status(self) -> str:
        try:
            with open(self.status, encoding="utf-8") as handle:
                return handle.read().strip()
        except OSError:
            return ""

    def failure(self) -> str | None:
        """Why the target has not connected back (it exited, or the bootstrap failed)."""
        if not os.path.isdir(f"/proc/{self.pid}"):
            return f"process {self.pid} exited before the debugger could start in it"
        gdb_failure = self._gdb_failure()
        if gdb_failure is not None:
            return gdb_failure
        status = self._status()
        return None if not status or status.startswith("ok ") else status

    def started(self) -> str | None:
        """What the engine in the target said once it started (e.g. its address)."""
        status = self._status()
        return status[3:] if status.startswith("ok ") else None

    def close(self) -> None:
        if self._gdb is not None and self._gdb.poll() is None:
            # Never killed: gdb detaches on its own (its time limit is shorter
            # than ours; after a connection it is detaching already), and a gdb
            # killed mid-way could leave a breakpoint in the target.
            try:
                self._gdb.communicate(timeout=self._gdb_timeout + 15)
            except subprocess.TimeoutExpired:
                pass
        shutil.rmtree(self._dir, ignore_errors=True)


def _tracer(pid: int) -> int:
    """The process that ptrace-attached to ``pid`` (0: none, or unknown)."""
    try:
        status = _read(pid, "status").decode("utf-8", "replace")
    except AttachError:
        return 0
    for line in status.splitlines():
        if line.startswith("TracerPid:"):
            return int(line.split()[1])
    return 0


def _gdb_environment(**extra: str) -> dict[str, str]:
    """The adapter's environment without what would point gdb's own embedded
    Python at another interpreter's library (PYTHONHOME, PYTHONPATH, ...)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTHON")}
    env.update(extra)
    return env


def _bootstrap(session: dict[str, Any], status: str) -> str:
    """The script the target runs at its next safe point, in its main thread.

    It adds Dapper's directory to ``sys.path`` only if it was not there, and the
    engine removes it again when the session ends.
    """
    return f"""\
def _dapper_attach(path={_DAPPER_PARENT!r}, session={session!r}, status={status!r}):
    import sys
    added = path not in sys.path
    if added:
        sys.path.insert(0, path)
    try:
        from dapper import injected
        said = injected.start(added_path=path if added else None, **session)
        with open(status, "w", encoding="utf-8") as handle:
            handle.write("ok " + said)
    except BaseException as exc:
        if added and path in sys.path:
            sys.path.remove(path)
        try:
            with open(status, "w", encoding="utf-8") as handle:
                handle.write(
                    "process could not start Dapper from " + path + ": "
                    + type(exc).__name__ + ": " + str(exc)
                    + " (install Dapper in the program's environment, or make that "
                    + "directory readable by it)"
                )
        except OSError:
            pass  # the adapter gave up already; the program must not notice


try:
    _dapper_attach()
finally:
    del _dapper_attach
"""


def start_from_command_line(
    pid: int, how: str, host: str, port: int, *, token: str | None = None
) -> int:
    """``python -m dapper (--listen|--connect) ADDRESS --pid PID``: start the
    engine in the program and say where it is; the exit code tells how it went."""
    try:
        # Listening, clients send the token; connecting, the engine proves it.
        keys = {"token": token} if how == "listen" else {"secret": token}
        injection = PidAttach(pid, how=how, host=host, port=port, **keys)
    except AttachError as exc:
        print(f"dapper: {exc}", file=sys.stderr)
        return 1
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            said = injection.started()
            if said is not None:
                verb = "listens on" if how == "listen" else "connected to"
                print(f"dapper: process {pid} {verb} {said}", file=sys.stderr, flush=True)
                return 0
            failure = injection.failure()
            if failure is not None:
                print(f"dapper: {failure}", file=sys.stderr)
                return 1
            time.sleep(0.05)  # polling the target's status file
        print(f"dapper: process {pid} did not start the debugger in time", file=sys.stderr)
        return 1
    finally:
        injection.close()
