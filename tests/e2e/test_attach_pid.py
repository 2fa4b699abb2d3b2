"""Attach by process id to a plain program that never imported Dapper.

CPython 3.14+ goes through ``sys.remote_exec``; 3.11-3.13 through gdb (a clear
error naming gdb when it is not on PATH). Every error case leaves the target
running as before.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from tests.e2e.dap_client import REPO_ROOT, TIMEOUT, DapClient
from tests.e2e.helpers import backend_name, line, path, stop_process
from tests.e2e.terminal_runner import TerminalRun

TARGET = path("pid_target.py")
BUSY = path("pid_busy.py")
HAS_REMOTE_EXEC = sys.version_info >= (3, 14)


@pytest.fixture
def mechanism() -> None:
    """3.14+ has sys.remote_exec; 3.11-3.13 need gdb, which CI must have
    (.ci/run installs it): there a missing gdb fails, it is not skipped."""
    if HAS_REMOTE_EXEC or shutil.which("gdb"):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("attach by process id on CPython 3.11-3.13 needs gdb on PATH")
    pytest.skip("attach by process id on CPython 3.11-3.13 needs gdb on PATH")


needs_mechanism = pytest.mark.usefixtures("mechanism")


class Target:
    """The plain program, started with ``-S`` so Dapper is not importable in it."""

    def __init__(self, *args: str, env: dict | None = None, python_args: tuple = ()) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-S", *python_args, TARGET, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ, **(env or {})),
            cwd=os.path.dirname(TARGET),
        )
        assert self.proc.stdout.readline() == "ready\n"
        self.pid = self.proc.pid

    def state(self) -> str:
        self.proc.stdin.write("state\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline()

    def state_becomes(self, expected: str) -> str:
        """The state once it equals ``expected`` (the engine thread ends
        asynchronously after a disconnect), or the last one seen."""
        deadline = time.monotonic() + TIMEOUT
        seen = self.state()
        while seen != expected and time.monotonic() < deadline:
            seen = self.state()
        return seen

    def quit(self) -> int:
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        code = self.proc.wait(timeout=TIMEOUT)
        assert self.proc.stdout.read() == "bye\n"
        return code

    def close(self) -> None:
        stop_process(self.proc)


def _attach_error(pid: int, run_as: list[str] | None = None, env: dict | None = None) -> str:
    adapter = [*(run_as or []), sys.executable, "-m", "dapper.adapter"]
    dap = DapClient(command=adapter, env=env)
    try:
        dap.initialize()
        response = dap.wait_response(dap.send_request("attach", {"processId": pid}))
        assert not response["success"]
        assert dap.invalid == []
        return response["message"]
    finally:
        dap.close()


def _session(target: Target, marker: str) -> None:
    """Attach, stop at ``marker``, see every thread, detach. At ``spawned``,
    in a thread started once attached."""
    dap = DapClient()
    try:
        dap.initialize()
        seq = dap.send_request("attach", {"processId": target.pid})
        dap.wait_event("initialized")
        dap.configure(breakpoints={TARGET: [{"line": line("pid_target.py", marker)}]})
        assert dap.wait_response(seq)["success"]
        if marker == "spawned":
            target.proc.stdin.write("spawn\n")
            target.proc.stdin.flush()
        process = dap.wait_event("process")["body"]
        assert process["systemProcessId"] == target.pid
        assert process["startMethod"] == "attach"
        stopped = dap.wait_stopped("breakpoint")
        frame = dap.top_frame(stopped["body"]["threadId"])
        assert (frame["source"]["path"], frame["line"]) == (TARGET, line("pid_target.py", marker))
        names = {t["name"] for t in dap.request("threads")["body"]["threads"]}
        assert {"MainThread", "worker", "commands"} <= names
        dap.request("disconnect", {})  # detaches: the program runs on
        assert dap.invalid == []
    finally:
        dap.close()


@needs_mechanism
def test_attach_detach_and_attach_again_leaves_the_program_as_it_was(frame_eval):
    target = Target(env={"DAPPER_BACKEND": backend_name(frame_eval)})
    first, second = "worker", "main"
    if sys.version_info < (3, 12) and backend_name(frame_eval) == "settrace":
        # Known limit (README): settrace on 3.11 cannot reach threads that were
        # already running (auto picks eval_frame there, which can).
        first = second = "spawned"
    try:
        before = target.state()
        _session(target, first)
        assert target.state_becomes(before) == before
        _session(target, second)  # attaching again works
        assert target.state_becomes(before) == before
        assert target.quit() == 0
    finally:
        target.close()


@needs_mechanism
def test_builtin_breakpoint_stops_in_an_attached_session(frame_eval):
    """Attached by pid, the program's breakpoint() stops in Dapper (not pdb on
    its stdin); after the detach its own hook is back."""
    target = Target(env={"DAPPER_BACKEND": backend_name(frame_eval)})
    try:
        before = target.state()
        dap = DapClient()
        try:
            dap.initialize()
            seq = dap.send_request("attach", {"processId": target.pid})
            dap.wait_event("initialized")
            dap.configure()
            assert dap.wait_response(seq)["success"]
            target.proc.stdin.write("breakpoint\n")
            target.proc.stdin.flush()
            stopped = dap.wait_stopped("breakpoint")
            frame = dap.top_frame(stopped["body"]["threadId"])
            assert frame["line"] == line("pid_target.py", "after_breakpoint")
            dap.request("disconnect", {})  # detaches: the program runs on
            assert target.proc.stdout.readline() == "after breakpoint\n"
            assert dap.invalid == []
        finally:
            dap.close()
        assert target.state_becomes(before) == before
        assert target.quit() == 0
    finally:
        target.close()


@needs_mechanism
def test_a_program_that_cannot_import_dapper_gets_a_clear_error_and_runs_on():
    target = Target("no-dapper")
    try:
        before = target.state()
        message = _attach_error(target.pid)
        assert "could not start Dapper" in message and "ModuleNotFoundError" in message
        assert target.state_becomes(before) == before
        assert target.quit() == 0
    finally:
        target.close()


@needs_mechanism
@pytest.mark.parametrize(
    "env, python_args, says",
    [
        ({"PYTHON_DISABLE_REMOTE_DEBUG": "1"}, (), "PYTHON_DISABLE_REMOTE_DEBUG"),
        ({}, ("-X", "disable_remote_debug"), "-X disable_remote_debug"),
    ],
)
def test_remote_debugging_disabled_in_the_target(env, python_args, says):
    target = Target(env=env, python_args=python_args)
    try:
        message = _attach_error(target.pid)
        assert "remote debugging is disabled" in message and says in message
        assert target.quit() == 0
    finally:
        target.close()


@pytest.mark.skipif(HAS_REMOTE_EXEC, reason="3.11-3.13 only: 3.14+ needs no gdb")
def test_before_3_14_without_gdb_the_error_names_gdb_and_what_to_do(tmp_path):
    target = Target()
    try:
        before = target.state()
        message = _attach_error(target.pid, env={"PATH": str(tmp_path)})  # no gdb there
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        assert f"runs Python {version}" in message and "needs gdb" in message
        assert "apt-get install gdb" in message
        assert "dapper.listen" in message and "--listen" in message
        assert target.state_becomes(before) == before
        assert target.quit() == 0
    finally:
        target.close()


@needs_mechanism
def test_a_program_that_never_releases_the_gil_is_attached_too(frame_eval):
    """Its only thread runs a pure-Python loop: no blocking call to stop at,
    so the bootstrap runs between two of its bytecodes (a pending call, or
    sys.remote_exec on 3.14+). Ended through the debugger, it finishes as usual."""
    proc = subprocess.Popen(
        [sys.executable, "-S", BUSY],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, DAPPER_BACKEND=backend_name(frame_eval)),
    )
    try:
        assert proc.stdout.readline() == "ready\n"
        dap = DapClient()
        try:
            dap.initialize()
            seq = dap.send_request("attach", {"processId": proc.pid})
            dap.wait_event("initialized")
            dap.configure(breakpoints={BUSY: [{"line": line("pid_busy.py", "busy")}]})
            assert dap.wait_response(seq)["success"]
            stopped = dap.wait_stopped("breakpoint")
            frame = dap.top_frame(stopped["body"]["threadId"])
            assert (frame["source"]["path"], frame["line"]) == (BUSY, line("pid_busy.py", "busy"))
            answer = dap.request(
                "evaluate", {"expression": "count", "frameId": frame["id"], "context": "watch"}
            )
            assert int(answer["body"]["result"]) > 0
            dap.request(
                "setExpression",
                {"expression": "running", "value": "False", "frameId": frame["id"]},
            )
            dap.request("disconnect", {})  # detaches: the program runs on, to its end
            assert dap.invalid == []
        finally:
            dap.close()
        assert proc.wait(timeout=TIMEOUT) == 0
        assert proc.stdout.read() == "bye True None\n"  # no trace function left
    finally:
        stop_process(proc)


@pytest.mark.skipif(HAS_REMOTE_EXEC, reason="the time limit of the gdb route (3.11-3.13)")
@needs_mechanism
def test_a_program_out_of_reach_gets_a_clear_error_and_runs_on_unharmed():
    """Its only thread is blocked reading stdin: it neither releases the GIL
    again nor runs a bytecode, so gdb gives up at its time limit and detaches.
    The program then runs on: no breakpoint is left in it (it would die of
    SIGTRAP at its next blocking call) and the pending call left queued does
    nothing."""
    code = "import sys; print('ready', flush=True); print('got', input(), flush=True)"
    proc = subprocess.Popen(
        [sys.executable, "-S", "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline() == "ready\n"
        message = _attach_error(proc.pid, env={"DAPPER_GDB_TIMEOUT": "3"})
        assert message.startswith(f"process {proc.pid} did not reach a point where the debugger")
        assert "gdb detached and left it as it was" in message
        proc.stdin.write("hello\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == "got hello\n"
        assert proc.wait(timeout=TIMEOUT) == 0
    finally:
        stop_process(proc)


@pytest.mark.skipif(HAS_REMOTE_EXEC, reason="the gdb route (3.11-3.13) attaches with ptrace")
@needs_mechanism
def test_a_program_already_being_debugged_gets_a_clear_error_and_runs_on():
    target = Target()
    holder = None
    try:
        before = target.state()
        # Another debugger holds the program until told to let go.
        holder = subprocess.Popen(
            ["gdb", "-nx", "-batch", "-p", str(target.pid), "-ex", "shell read line"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        deadline = time.monotonic() + TIMEOUT
        while _tracer(target.pid) != holder.pid and time.monotonic() < deadline:
            time.sleep(0.05)  # polling until gdb has attached
        message = _attach_error(target.pid)
        assert message.startswith(f"process {target.pid} is already being debugged")
        assert f"traced by process {holder.pid}" in message
        holder.communicate("\n", timeout=TIMEOUT)  # it detaches
        assert target.state_becomes(before) == before
        assert target.quit() == 0
    finally:
        if holder is not None:
            stop_process(holder)
        target.close()


def _tracer(pid: int) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for text in handle:
            if text.startswith("TracerPid:"):
                return int(text.split()[1])
    return 0


def test_no_such_process():
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    pid = int(done.stdout)  # it has exited and been reaped
    assert _attach_error(pid) == f"no process with id {pid}"


def test_not_a_python_program():
    sleeper = subprocess.Popen([shutil.which("sleep"), "30"])
    try:
        message = _attach_error(sleeper.pid)
        assert message.startswith(f"process {sleeper.pid} is not a Python program")
        assert sleeper.poll() is None  # unharmed
    finally:
        stop_process(sleeper)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to drop")
def test_ptrace_not_permitted_names_the_setting_and_the_capability():
    # An adapter running as another user, without CAP_SYS_PTRACE (it keeps the
    # right to read files, so it can run at all), may not attach to our program.
    target = Target()
    try:
        drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        drop += ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
        message = _attach_error(target.pid, run_as=drop)
        assert message.startswith(f"not permitted to attach to process {target.pid}")
        assert "/proc/sys/kernel/yama/ptrace_scope" in message and "CAP_SYS_PTRACE" in message
        assert target.quit() == 0
    finally:
        target.close()


@needs_mechanism
def test_launcher_pid_listen_then_attach_with_connect():
    target = Target()
    try:
        before = target.state()
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        started = subprocess.run(
            [sys.executable, "-m", "dapper", "--listen", "127.0.0.1:0", "--pid", str(target.pid)],
            capture_output=True,
            text=True,
            env=env,
            timeout=TIMEOUT,
        )
        assert started.returncode == 0, started.stderr
        match = re.fullmatch(
            rf"dapper: process {target.pid} listens on [\d.]+:(\d+)\n", started.stderr
        )
        assert match, started.stderr
        dap = DapClient()
        try:
            dap.initialize()
            seq = dap.send_request("attach", {"connect": {"port": int(match.group(1))}})
            dap.wait_event("initialized")
            marker = line("pid_target.py", "main")
            dap.configure(breakpoints={TARGET: [{"line": marker}]})
            assert dap.wait_response(seq)["success"]
            stopped = dap.wait_stopped("breakpoint")
            assert dap.top_frame(stopped["body"]["threadId"])["line"] == marker
            dap.request("disconnect", {})
        finally:
            dap.close()
        assert target.state_becomes(before) == before  # the listener went with the session
        assert target.quit() == 0
    finally:
        target.close()


@needs_mechanism
def test_dapper_debug_pid_stops_where_the_program_is_and_quitting_detaches():
    target = Target()
    try:
        before = target.state()
        run = TerminalRun("--pid", str(target.pid))
        try:
            run.expect(r"> .+\(\d+\)")  # paused: it shows where the program is
            run.prompt()
            assert "pid_target.py" in run.command("w")  # in the program's main loop
            run.send("q")
            assert run.wait() == 0
        finally:
            run.close()
        assert target.state_becomes(before) == before
        assert target.quit() == 0  # detached, not ended
    finally:
        target.close()


def test_launcher_pid_with_a_program_is_a_usage_error():
    done = subprocess.run(
        [sys.executable, "-m", "dapper", "--listen", "0", "--pid", "1", "prog.py"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
        timeout=TIMEOUT,
    )
    assert done.returncode == 2 and "--pid takes no program to run" in done.stderr


def test_launcher_pid_reports_the_attach_error():
    sleeper = subprocess.Popen([shutil.which("sleep"), "30"])
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dapper", "--listen", "0", "--pid", str(sleeper.pid)],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
            timeout=TIMEOUT,
        )
        assert done.returncode == 1
        assert f"process {sleeper.pid} is not a Python program" in done.stderr
    finally:
        stop_process(sleeper)
