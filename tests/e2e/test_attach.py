"""Attach to a program that is already running threads, with every backend."""

from __future__ import annotations

from tests.e2e.conftest import fixture_path
from tests.e2e.dap_client import TIMEOUT, DapClient
from tests.e2e.helpers import backend_name, start_listening, stop_process

PROGRAM = fixture_path("attach_threads.py")


def test_breakpoints_in_threads_started_before_and_after_attach(frame_eval):
    proc, port = start_listening("--backend", backend_name(frame_eval), PROGRAM)
    dap = DapClient()
    try:
        assert proc.stdout.readline() == b"early thread running\n"  # running before anyone attached
        dap.initialize()
        seq = dap.send_request("attach", {"connect": {"host": "127.0.0.1", "port": port}})
        dap.wait_event("initialized")
        dap.configure(
            breakpoints={
                PROGRAM: [
                    {"line": 13, "condition": "name == 'early'", "hitCondition": "==1"},
                    {"line": 22, "hitCondition": "==1"},
                ]
            }
        )
        assert dap.wait_response(seq)["success"]

        seen = {}
        while len(seen) < 2:
            stopped = dap.wait_stopped("breakpoint")
            thread_id = stopped["body"]["threadId"]
            frame = dap.top_frame(thread_id)
            seen[frame["line"]] = thread_id
            if frame["line"] == 22:
                dap.request(
                    "evaluate",
                    {"expression": "attached.set()", "frameId": frame["id"], "context": "repl"},
                )
            dap.request("continue", {"threadId": thread_id})
        assert set(seen) == {13, 22}, seen
        early_thread = seen[13]
        names = {t["id"]: t["name"] for t in dap.request("threads")["body"]["threads"]}
        assert names[early_thread] == "early"
        dap.request(
            "setBreakpoints",
            {
                "source": {"path": PROGRAM},
                "breakpoints": [{"line": 13, "condition": "name == 'late'"}],
            },
        )

        late = dap.wait_stopped("breakpoint")
        late_frame = dap.top_frame(late["body"]["threadId"])
        assert late_frame["line"] == 13
        name = dap.request(
            "evaluate", {"expression": "name", "frameId": late_frame["id"], "context": "watch"}
        )
        assert name["body"]["result"] == "'late'"
        dap.request(
            "evaluate", {"expression": "stop.set()", "frameId": late_frame["id"], "context": "repl"}
        )
        dap.request("setBreakpoints", {"source": {"path": PROGRAM}, "breakpoints": []})
        dap.request("continue", {"threadId": late["body"]["threadId"]})
        assert dap.wait_event("exited")["body"]["exitCode"] == 0
        assert proc.wait(timeout=TIMEOUT) == 0
        assert dap.invalid == []
    finally:
        dap.close()
        stop_process(proc)
