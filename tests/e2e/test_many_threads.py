"""Many threads on one breakpoint, round after round, under CPU load: every
due hit stops, the session never hangs, the program ends with its own code.

Issue 15, item 1: a thread reporting its exit was paused while holding the
connection's write lock (the engine then waited for that lock forever), and a
thread caught up in a stop that had just ended parked anyway, starting an
all-threads stop that nobody reported.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.e2e.dap_client import DapClient
from tests.e2e.helpers import line, path

PROGRAM = "many_threads_one_bp.py"
THREADS = 50
#: every EVERY-th hit stops; all threads run the breakpoint's line, and stops
#: happen while other threads of the round start, wait and exit
EVERY = 5
ROUNDS = int(os.environ.get("DAPPER_STRESS_ROUNDS", "20"))


@pytest.fixture
def cpu_load():
    """A competing busy process for the duration of the test."""
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        burner.kill()
        burner.wait()


def test_fifty_threads_on_one_breakpoint_round_after_round(dap: DapClient, frame_eval, cpu_load):
    bp = {"line": line(PROGRAM, "bp"), "hitCondition": f"%{EVERY}"}
    dap.launch(
        program=path(PROGRAM),
        args=[str(ROUNDS), str(THREADS)],
        frameEval=frame_eval,
        breakpoints={path(PROGRAM): [bp]},
        exception_filters=[],  # it ends with sys.exit(7), uncaught as in debugpy
    )
    for stop in range(ROUNDS * THREADS // EVERY):
        try:
            stopped = dap.wait_stopped("breakpoint")
            dap.request("continue", {"threadId": stopped["body"]["threadId"]})
        except AssertionError as exc:
            raise AssertionError(f"stop {stop}, round {stop * EVERY // THREADS}") from exc
    assert dap.wait_exit() == 7
    expected = "".join(f"round {n} hits {THREADS}\n" for n in range(ROUNDS))
    assert dap.output("stdout") == expected
