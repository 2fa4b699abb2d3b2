"""asyncio: pending tasks listed as threads with the line each waits on, the
stopped coroutine's stack with the tasks awaiting it, event-loop internals
hidden under justMyCode, stepping out of a task into the task awaiting it."""

from __future__ import annotations

import asyncio
import os

from tests.e2e.helpers import evaluate, line, path, stop_line

TARGET = "asyncio_tasks_target.py"
ASYNCIO_DIR = os.path.dirname(asyncio.__file__) + os.sep


def _stop_in_handle(dap, frame_eval, **launch) -> dict:
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        breakpoints={
            path(TARGET): [{"line": line(TARGET, "handle_body"), "condition": "item == 1"}]
        },
        **launch,
    )
    return dap.wait_stopped("breakpoint")


def _threads(dap) -> dict[str, int]:
    return {t["name"]: t["id"] for t in dap.request("threads")["body"]["threads"]}


def _frames(dap, thread_id: int) -> list[dict]:
    return dap.request("stackTrace", {"threadId": thread_id})["body"]["stackFrames"]


def _finish(dap, thread_id: int) -> None:
    dap.request("setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": []})
    dap.request("continue", {"threadId": thread_id})
    assert dap.wait_exit() == 0
    assert "total 12 beats>0: True" in dap.output("stdout")


def test_every_pending_task_is_listed_with_the_line_it_waits_on(dap, frame_eval):
    stop = _stop_in_handle(dap, frame_eval)
    tid = stop["body"]["threadId"]
    threads = _threads(dap)
    assert threads["MainThread"] == tid  # the consumer task runs on it
    tasks = {
        name.split(": ")[0].removeprefix("task "): t
        for name, t in threads.items()
        if name.startswith("task ")
    }
    assert set(tasks) == {"Task-1", "producer", "heartbeat"}, threads
    waits = {
        name: (_frames(dap, t)[0]["name"], _frames(dap, t)[0]["line"]) for name, t in tasks.items()
    }
    assert waits["producer"] == ("produce", line(TARGET, "produce_put"))
    assert waits["heartbeat"] == ("heartbeat", line(TARGET, "heartbeat_sleep"))
    assert waits["Task-1"] == ("main", line(TARGET, "main_await"))
    # evaluation in a waiting task's frame sees its locals
    assert evaluate(dap, tasks["producer"], "n") == "4"
    _finish(dap, tid)


def test_the_stopped_coroutine_shows_the_tasks_awaiting_it(dap, frame_eval):
    stop = _stop_in_handle(dap, frame_eval)
    frames = _frames(dap, stop["body"]["threadId"])
    names = [f["name"] for f in frames]
    assert names[:2] == ["handle", "consume"]
    assert frames[2]["presentationHint"] == "label" and "main" in frames[2]["name"]
    assert (frames[3]["name"], frames[3]["line"]) == ("main", line(TARGET, "main_await"))
    assert frames[-1]["name"] == "<module>"
    assert not any(f.get("source", {}).get("path", "").startswith(ASYNCIO_DIR) for f in frames)
    _finish(dap, stop["body"]["threadId"])


def test_without_just_my_code_the_event_loop_is_shown(dap, frame_eval):
    stop = _stop_in_handle(dap, frame_eval, justMyCode=False)
    frames = _frames(dap, stop["body"]["threadId"])
    assert any(f.get("source", {}).get("path", "").startswith(ASYNCIO_DIR) for f in frames)
    _finish(dap, stop["body"]["threadId"])


def test_step_out_of_a_task_lands_in_the_task_awaiting_it(dap, frame_eval):
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        breakpoints={path(TARGET): [{"line": line(TARGET, "consume_return")}]},
    )
    stop = dap.wait_stopped("breakpoint")
    tid = stop["body"]["threadId"]
    dap.request("stepOut", {"threadId": tid})
    step = dap.wait_stopped("step")
    top = dap.top_frame(step["body"]["threadId"])
    assert top["name"] == "main"
    assert line(TARGET, "main_await") <= top["line"] <= line(TARGET, "main_await") + 1
    assert evaluate(dap, step["body"]["threadId"], "consumer.result()") == "12"
    _finish(dap, tid)


def test_step_over_await_stays_in_the_coroutine(dap, frame_eval):
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        breakpoints={
            path(TARGET): [{"line": line(TARGET, "consume_get"), "condition": "total == 0"}]
        },
    )
    stop = dap.wait_stopped("breakpoint")
    tid = stop["body"]["threadId"]
    dap.request("setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": []})
    dap.request("next", {"threadId": tid})
    step = dap.wait_stopped("step")
    assert dap.top_frame(step["body"]["threadId"])["name"] == "consume"
    assert stop_line(dap, step) == line(TARGET, "consume_handle")
    dap.request("continue", {"threadId": tid})
    assert dap.wait_exit() == 0
