"""All threads stop together, continue resumes all, per-thread stepping, pause, thread names."""

from __future__ import annotations

from tests.e2e.helpers import cont, evaluate, line, path, stop_line, wait_output

TARGET = "threads_target.py"


def _stop_in_a_worker(dap, frame_eval) -> dict:
    """Launch with a breakpoint on the workers' loop body; the first stop there."""
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={path(TARGET): [{"line": line(TARGET, "work_body")}]},
    )
    return dap.wait_stopped("breakpoint")


def test_all_threads_stop_and_resume_together(dap, frame_eval):
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={path(TARGET): [{"line": line(TARGET, "work_body"), "condition": "i == 1"}]},
    )
    stop = dap.wait_stopped("breakpoint")
    assert stop["body"]["allThreadsStopped"] is True
    tid = stop["body"]["threadId"]
    threads = {t["name"]: t["id"] for t in dap.request("threads")["body"]["threads"]}
    assert {"MainThread", "worker-a", "worker-b"} <= set(threads)
    assert not any(name.startswith("dapper") for name in threads)
    tag = evaluate(dap, tid, "local.tag")
    assert threads[f"worker-{tag.strip(chr(39))}"] == tid, (
        "evaluation sees the stopped thread's thread-locals"
    )
    other = threads["worker-b" if tid == threads["worker-a"] else "worker-a"]
    # The other worker is stopped too: its stack does not move between two looks.
    first = dap.request("stackTrace", {"threadId": other})["body"]["stackFrames"]
    again = dap.request("stackTrace", {"threadId": other})["body"]["stackFrames"]
    assert [(f["name"], f["line"]) for f in first] == [(f["name"], f["line"]) for f in again]
    dap.request("continue", {"threadId": tid})
    second = dap.wait_stopped("breakpoint")
    assert second["body"]["threadId"] == other
    dap.request("continue", {"threadId": other})
    assert dap.wait_exit() == 0
    assert "joined" in dap.output("stdout")


def test_breakpoint_removed_while_another_thread_waits_at_it_does_not_stop(dap, frame_eval):
    # Both workers leave a barrier together and reach the breakpoint line at
    # about the same time: one stop is shown, the other thread is held at the
    # same line. Once the user removes the breakpoint, continue runs to the end.
    stop = _stop_in_a_worker(dap, frame_eval)
    dap.request("setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": []})
    dap.request("continue", {"threadId": stop["body"]["threadId"]})
    assert dap.wait_exit() == 0
    assert len(dap.events("stopped")) == 1
    assert "joined" in dap.output("stdout")


def test_exception_filter_turned_off_while_another_thread_waits_to_report_does_not_stop(
    dap, frame_eval
):
    # Both workers raise at about the same time: one exception stop is shown,
    # the other is held back. Once the user turns the filter off, continue
    # runs to the end.
    dap.launch(program=path("threads_raise.py"), frameEval=frame_eval, exception_filters=["raised"])
    stop = dap.wait_stopped("exception")
    dap.request("setExceptionBreakpoints", {"filters": []})
    dap.request("continue", {"threadId": stop["body"]["threadId"]})
    assert dap.wait_exit() == 0
    assert len(dap.events("stopped")) == 1
    assert "joined" in dap.output("stdout")


def test_next_in_one_thread_never_steps_another(dap, frame_eval):
    stop = _stop_in_a_worker(dap, frame_eval)
    stepping = stop["body"]["threadId"]
    for _ in range(6):
        dap.request("next", {"threadId": stepping})
        dap.discard_pending("stopped")  # both workers may have reported a stop before it
        event = dap.wait_stopped()
        body = event["body"]
        if body["reason"] == "step":
            assert body["threadId"] == stepping, "another thread stopped for a step it never took"
            # One step from the breakpoint line lands on the next line; when the
            # other worker's breakpoint stops were shown first, each extra
            # `next` moved this thread on through its loop.
            assert stop_line(dap, event) in range(
                line(TARGET, "work_body") - 1, line(TARGET, "work_next") + 2
            )
            assert dap.top_frame(stepping)["name"] == "work"
            break
        assert body["reason"] == "breakpoint"
        # The other worker hit the breakpoint first; keep stepping the first one.
    else:
        raise AssertionError("the step never completed")
    dap.request("setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": []})
    dap.request("continue", {"threadId": stepping})
    assert dap.wait_exit() == 0
    assert all(
        e["body"]["reason"] != "step" or e["body"]["threadId"] == stepping
        for e in dap.events("stopped")
    )


def test_pause_tight_loop(dap, frame_eval):
    dap.launch(program=path("busy.py"), frameEval=frame_eval, exception_filters=[])
    wait_output(dap, "spinning")
    dap.request("pause", {"threadId": 1})
    stop = dap.wait_stopped("pause")
    frame = dap.top_frame(stop["body"]["threadId"])
    assert frame["name"] == "spin"
    dap.request(
        "evaluate", {"expression": "deadline = 0", "frameId": frame["id"], "context": "repl"}
    )
    dap.request("continue", {"threadId": stop["body"]["threadId"]})
    assert dap.wait_exit() == 0


def test_pause_thread_blocked_in_sleep(dap, frame_eval):
    dap.launch(program=path(TARGET), args=["sleep"], frameEval=frame_eval, exception_filters=[])
    wait_output(dap, "sleeping")
    dap.request("pause", {"threadId": 1})
    stop = dap.wait_stopped("pause")
    assert stop["body"]["allThreadsStopped"] is True
    frame = dap.top_frame(stop["body"]["threadId"])
    assert (frame["name"], frame["line"]) in {
        ("sleeper", line(TARGET, "sleep_loop")),
        ("sleeper", line(TARGET, "sleeping")),
    }
    dap.request(
        "evaluate",
        {"expression": "stop_sleeping.append(1)", "frameId": frame["id"], "context": "repl"},
    )
    dap.request("continue", {"threadId": stop["body"]["threadId"]})
    assert dap.wait_exit() == 0


def test_every_thread_gets_its_own_id_even_when_the_os_reuses_its_ident(dap, frame_eval):
    dap.launch(program=path("sequential_threads.py"), frameEval=frame_eval, exception_filters=[])
    assert dap.wait_exit() == 0
    started = [
        e["body"]["threadId"] for e in dap.events("thread") if e["body"]["reason"] == "started"
    ]
    exited = [
        e["body"]["threadId"] for e in dap.events("thread") if e["body"]["reason"] == "exited"
    ]
    assert len(started) == 5 and len(set(started)) == 5, started
    assert sorted(exited) == sorted(started)


def test_a_thread_started_without_threading_stops_is_listed_and_stops_the_others(dap, frame_eval):
    target = "raw_thread.py"
    dap.launch(
        program=path(target),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={path(target): [{"line": line(target, "raw_worker")}]},
    )
    stop = dap.wait_stopped("breakpoint")
    tid = stop["body"]["threadId"]
    assert dap.top_frame(tid)["name"] == "worker"
    assert evaluate(dap, tid, "n") == "4"
    threads = {t["id"]: t["name"] for t in dap.request("threads")["body"]["threads"]}
    assert tid in threads and threads[tid] and 1 in threads
    main_stack = dap.request("stackTrace", {"threadId": 1})["body"]["stackFrames"]
    module_frame = next(f for f in main_stack if f["name"] == "<module>")
    waiting = line(target, "main_wait")
    assert module_frame["line"] in (waiting - 1, waiting)  # the main thread stopped too
    again = dap.request("stackTrace", {"threadId": 1})["body"]["stackFrames"]
    assert [(f["name"], f["line"]) for f in again] == [(f["name"], f["line"]) for f in main_stack]
    cont(dap, stop)
    assert dap.wait_exit() == 0
    assert dap.output("stdout") == "done [40]\n"
