"""Helpers for e2e tests: fixture marker lines, evaluation at a stop."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

import dapper
from tests.e2e.dap_client import REPO_ROOT, TIMEOUT

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: Dapper's own package directory (the checkout's name may well be "dapper" too)
DAPPER_PACKAGE = str(Path(dapper.__file__).resolve().parent)


def shows_debugger_frames(text: str) -> bool:
    """True if a traceback in ``text`` names one of Dapper's own files."""
    return f'File "{DAPPER_PACKAGE}' in text or "dapper.launcher" in text


@cache
def _markers(name: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for number, text in enumerate(
        (FIXTURES / name).read_text(encoding="utf-8").splitlines(), start=1
    ):
        if "# @" in text:
            found[text.split("# @", 1)[1].split()[0]] = number
    return found


def line(name: str, marker: str) -> int:
    """The line of ``# @marker`` in fixture ``name``."""
    return _markers(name)[marker]


def path(name: str) -> str:
    return str(FIXTURES / name)


def evaluate(
    dap, thread_id: int, expression: str, context: str = "watch", frame_index: int = 0
) -> str:
    """The result of ``expression`` in a frame of a stopped thread."""
    frames = dap.request("stackTrace", {"threadId": thread_id})["body"]["stackFrames"]
    body = dap.request(
        "evaluate",
        {"expression": expression, "frameId": frames[frame_index]["id"], "context": context},
    )
    return body["body"]["result"]


def stop_line(dap, event: dict) -> int:
    """The line the stopped thread of ``event`` is on."""
    return dap.top_frame(event["body"]["threadId"])["line"]


def cont(dap, event: dict) -> None:
    dap.request("continue", {"threadId": event["body"]["threadId"]})


def wait_output(dap, text: str, category: str = "stdout") -> None:
    """Wait until the program has printed ``text`` (output events may split lines)."""

    def printed(message: dict) -> bool:
        return message.get("event") == "output" and text in dap.output(category)

    if text not in dap.output(category):
        dap.wait_for(printed, what=f"output {text!r}")


def process_gone(pid: int) -> bool:
    """Whether process ``pid`` ends within the test timeout (it has no client left
    to report its end to, so this polls)."""
    deadline = time.monotonic() + TIMEOUT
    while process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not process_alive(pid)


def process_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def backend_name(frame_eval: dict) -> str:
    """The ``--backend`` / ``DAPPER_BACKEND`` name of a ``frame_eval`` parameter."""
    return frame_eval.get("tracing_backend") or frame_eval["backend"]


def listening(
    *launcher_args: str,
    host: str = "127.0.0.1",
    env: dict | None = None,
    cwd: str | None = None,
    text: bool = False,
    wrapper: tuple[str, ...] = (),
) -> tuple[subprocess.Popen, int, list]:
    """``python -m dapper --listen HOST:0 ARGS...`` (run by ``wrapper`` if
    given): (process, port, its stderr lines up to the 'listening on' one, a
    printed token among them)."""
    full_env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), **(env or {}))
    proc = subprocess.Popen(
        [*wrapper, sys.executable, "-m", "dapper", "--listen", f"{host}:0", *launcher_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=full_env,
        cwd=cwd,
        text=text,
    )
    lines: list = []
    while True:
        said = proc.stderr.readline()
        if not said:
            stop_process(proc)
            raise AssertionError(f"the launcher said {lines!r} and no 'listening on'")
        lines.append(said)
        match = re.search(
            r"listening on .*:(\d+)$", said.strip() if text else said.decode().strip()
        )
        if match:
            return proc, int(match.group(1)), lines


def listening_program(code: str, *options: str, env: dict | None = None):
    """``python -m dapper --listen 127.0.0.1:0 --wait-for-client OPTIONS -c CODE``:
    (process, port, stderr lines up to the 'listening on' one)."""
    return listening("--wait-for-client", *options, "-c", code, env=env, text=True)


def attach_until_exit(port: int, **arguments) -> int:
    """Attach a fresh client to ``port`` with ``arguments``, configure, and
    return the exit code it is told about."""
    from tests.e2e.dap_client import DapClient

    dap = DapClient()
    try:
        dap.initialize()
        seq = dap.send_request(
            "attach", {"connect": {"host": "127.0.0.1", "port": port}, **arguments}
        )
        dap.wait_event("initialized")
        dap.configure(exception_filters=[])  # a SystemExit(N) ending would stop as uncaught
        assert dap.wait_response(seq)["success"]
        return dap.wait_event("exited")["body"]["exitCode"]
    finally:
        dap.close()


def start_listening(
    *launcher_args: str,
    cwd: str | None = None,
    env_extra: dict | None = None,
    wrapper: tuple[str, ...] = (),
) -> tuple[subprocess.Popen, int]:
    """``python -m dapper --listen 127.0.0.1:0 ARGS...``: the process and its port."""
    proc, port, _ = listening(*launcher_args, env=env_extra, cwd=cwd, wrapper=wrapper)
    return proc, port


def stop_process(proc: subprocess.Popen) -> None:
    """Kill ``proc`` if it still runs and close its pipes."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
