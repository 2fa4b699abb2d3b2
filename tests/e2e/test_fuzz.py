"""Property test (issue 15): batches of hostile messages to the adapter and,
through it, to the engine; after each batch a valid request is still answered,
and at the end the program prints all its output and exits with its own code."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings

from tests.e2e.dap_client import DapClient
from tests.e2e.fuzz_messages import BATCHES
from tests.e2e.helpers import line, path

PROGRAM = "fuzz_target.py"
EXAMPLES = int(os.environ.get("DAPPER_FUZZ_EXAMPLES", "40"))


def run_fuzz_session(frame_eval: dict, examples: int) -> int:
    """One stopped program, ``examples`` hostile batches; returns messages sent."""
    dap = DapClient()
    sent = 0
    try:
        dap.launch(
            program=path(PROGRAM),
            frameEval=frame_eval,
            breakpoints={path(PROGRAM): [{"line": line(PROGRAM, "stop")}]},
        )
        thread_id = dap.wait_stopped("breakpoint")["body"]["threadId"]

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(BATCHES)
        def batch_then_probe(batch: list[bytes]) -> None:
            nonlocal sent
            for frame in batch:
                dap.send_raw(frame)
                sent += 1
            assert dap.request("threads")["success"]
            dap.invalid.clear()  # echoes of hostile input need not satisfy the schema

        batch_then_probe()
        # Random setBreakpoints may have left breakpoints and filters: clear them.
        dap.request("setBreakpoints", {"source": {"path": path(PROGRAM)}, "breakpoints": []})
        dap.request("setFunctionBreakpoints", {"breakpoints": []})
        dap.request("setExceptionBreakpoints", {"filters": []})
        dap.discard_pending("stopped")
        dap.request("continue", {"threadId": thread_id})
        assert dap.wait_exit() == 9
        stdout = dap.output("stdout")
        assert stdout == "before\nafter\n", stdout
        return sent
    finally:
        dap.close()
        dap.invalid.clear()


def test_hostile_batches_never_break_the_session(frame_eval):
    assert run_fuzz_session(frame_eval, EXAMPLES) >= EXAMPLES
