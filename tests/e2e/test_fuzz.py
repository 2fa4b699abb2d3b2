"""Property test (issue 15): batches of hostile messages to the adapter and,
through it, to the engine; after each batch a valid request is still answered,
and at the end the program prints all its output and exits with its own code."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from hypothesis import HealthCheck, given, settings

from tests.e2e.dap_client import DapClient
from tests.e2e.fuzz_messages import BATCHES
from tests.e2e.helpers import line, path

PROGRAM = "fuzz_target.py"
EXAMPLES = int(os.environ.get("DAPPER_FUZZ_EXAMPLES", "40"))

#: Drives the batches: called with the function that sends one batch and checks it.
Driver = Callable[[Callable[[list[bytes]], None]], None]


def run_fuzz_session(frame_eval: dict, drive: Driver, *, long_run: bool = False) -> int:
    """One stopped program; ``drive`` hands hostile batches to the check
    (send the batch, then a ``threads`` request must be answered). Returns the
    messages sent. ``long_run``: no schema check of the adapter's messages
    and nothing kept but the program's output, so 10**5 messages cost the
    same per message as the first hundred."""
    dap = DapClient(validate_messages=not long_run)
    sent = 0
    try:
        dap.launch(
            program=path(PROGRAM),
            frameEval=frame_eval,
            breakpoints={path(PROGRAM): [{"line": line(PROGRAM, "stop")}]},
        )
        thread_id = dap.wait_stopped("breakpoint")["body"]["threadId"]

        def batch_then_probe(batch: list[bytes]) -> None:
            nonlocal sent
            for frame in batch:
                dap.send_raw(frame)
                sent += 1
            assert dap.request("threads")["success"]
            dap.invalid.clear()  # echoes of hostile input need not satisfy the schema
            if long_run:
                forget_answers(dap)

        drive(batch_then_probe)
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


def forget_answers(dap: DapClient) -> None:
    """Drop what the hostile batch brought back (answers nobody takes, console
    messages): kept, they would make every later wait scan them all."""
    dap.client.discard_older(
        lambda m: m.get("type") != "event" or m.get("event") not in ("exited", "terminated")
    )
    dap.messages[:] = [
        m
        for m in dap.messages
        if m.get("event") in ("exited", "terminated")
        or (m.get("event") == "output" and m["body"].get("category") == "stdout")
    ]


def hypothesis_driver(examples: int) -> Driver:
    """``examples`` batches drawn by Hypothesis (a failure shrinks)."""

    def drive(check: Callable[[list[bytes]], None]) -> None:
        settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )(given(BATCHES)(check))()

    return drive


def batches_driver(batches: Iterable[list[bytes]]) -> Driver:
    """The given batches, in order."""

    def drive(check: Callable[[list[bytes]], None]) -> None:
        for batch in batches:
            check(batch)

    return drive


def test_hostile_batches_never_break_the_session(frame_eval):
    assert run_fuzz_session(frame_eval, hypothesis_driver(EXAMPLES)) >= EXAMPLES
