"""A launched program never outlives its adapter (issue 15): kill -9 of the
adapter ends it whatever it is doing, even when nothing in it can run (a C
call holding the GIL, so neither the engine nor any thread can react)."""

from __future__ import annotations

import os
import signal

import pytest

from dapper import orphan_guard
from tests.e2e.dap_client import DapClient
from tests.e2e.helpers import process_alive, process_gone, wait_output

HOLDS_GIL = (
    "print('holding the GIL', flush=True)\n"
    "sum(range(10**13))  # one C call: no thread runs Python until it returns\n"
)
STOPS = "import os\nprint('env', os.environ.get({name!r}), flush=True)\nx = 1\nprint(x)\n"


@pytest.mark.parametrize("state", ["stopped", "holding_gil"])
def test_killing_the_adapter_ends_the_program(frame_eval, state, tmp_path):
    program = tmp_path / "prog.py"
    program.write_text(
        HOLDS_GIL if state == "holding_gil" else STOPS.format(name=orphan_guard.PARENT_ENV),
        encoding="utf-8",
    )
    client = DapClient()
    pid = None
    try:
        breakpoints = {str(program): [{"line": 3}]} if state == "stopped" else None
        client.launch(program=str(program), frameEval=frame_eval, breakpoints=breakpoints)
        pid = client.wait_event("process")["body"]["systemProcessId"]
        if state == "stopped":
            client.wait_stopped("breakpoint")
            wait_output(client, "env ")
            assert "env None\n" in client.output("stdout")  # the program does not see it
        else:
            client.wait_for(
                lambda m: "holding the GIL" in client.output("stdout"), what="the C call"
            )
        client.process.kill()
        client.process.wait()
        assert process_gone(pid)
    finally:
        client.close()
        if pid is not None and process_alive(pid):
            os.kill(pid, signal.SIGKILL)
