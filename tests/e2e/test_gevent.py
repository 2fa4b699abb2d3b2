"""A gevent.monkey.patch_all() program: stop in a greenlet, step, evaluate,
see every greenlet's stack, nothing runs while stopped, continue to the end."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import evaluate, line, path, stop_line

pytest.importorskip("gevent")

TARGET = "gevent_target.py"


def _stop_in_sleeper_b(dap, frame_eval, **launch) -> dict:
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        breakpoints={path(TARGET): [{"line": line(TARGET, "b_at_2")}]},
        **launch,
    )
    return dap.wait_stopped("breakpoint")


def _greenlets(dap) -> dict[str, int]:
    return {t["name"]: t["id"] for t in dap.request("threads")["body"]["threads"]}


def _stack(dap, thread_id: int) -> list[tuple[str, int]]:
    frames = dap.request("stackTrace", {"threadId": thread_id})["body"]["stackFrames"]
    return [(f["name"], f["line"]) for f in frames]


def test_breakpoint_step_evaluate_continue_in_a_greenlet(dap, frame_eval):
    stop = _stop_in_sleeper_b(dap, frame_eval)
    tid = stop["body"]["threadId"]
    assert stop_line(dap, stop) == line(TARGET, "b_at_2")
    assert evaluate(dap, tid, "name") == "'b'"
    dap.request("next", {"threadId": tid})
    step = dap.wait_stopped("step")
    assert stop_line(dap, step) == line(TARGET, "sleeper_body")
    assert evaluate(dap, step["body"]["threadId"], "total") == "1"
    dap.request("next", {"threadId": tid})
    step = dap.wait_stopped("step")
    assert stop_line(dap, step) == line(TARGET, "sleeper_sleep")
    assert evaluate(dap, step["body"]["threadId"], "total") == "3"
    dap.request("setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": []})
    dap.request("continue", {"threadId": tid})
    assert dap.wait_exit() == 0
    out = dap.output("stdout")
    assert "done" in out and "('b', 6)" in out and "b'HELLO'" in out and "ticks>0: True" in out


def test_every_greenlet_is_listed_with_its_own_stack(dap, frame_eval):
    stop = _stop_in_sleeper_b(dap, frame_eval)
    threads = _greenlets(dap)
    assert (
        threads.get("MainThread") == stop["body"]["threadId"]
        or stop["body"]["threadId"] in threads.values()
    )
    by_function = {
        name.rsplit(": ", 1)[-1]: tid
        for name, tid in threads.items()
        if name.startswith("greenlet ")
    }
    assert {"sleeper", "ticker", "server"} <= set(by_function), threads
    assert not any(name.startswith("dapper") for name in threads)
    # each greenlet's top frame (justMyCode) is the line it waits on
    assert _stack(dap, by_function["ticker"])[0] == ("ticker", line(TARGET, "ticker_sleep"))
    assert _stack(dap, by_function["server"])[0] == ("server", line(TARGET, "server_accept"))
    assert _stack(dap, by_function["sleeper"])[0] == ("sleeper", line(TARGET, "sleeper_sleep"))
    # evaluation in another greenlet's frame sees that greenlet's locals
    assert evaluate(dap, by_function["sleeper"], "name") == "'a'"
    dap.request("setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": []})
    dap.request("continue", {"threadId": stop["body"]["threadId"]})
    assert dap.wait_exit() == 0


def test_a_stop_blocks_the_whole_hub(dap, frame_eval):
    stop = _stop_in_sleeper_b(dap, frame_eval)
    tid = stop["body"]["threadId"]
    before = evaluate(dap, tid, "ticks")
    # Many round trips to the stopped program: a ticker sleeping 1 ms would
    # have run meanwhile if anything but the stopped greenlet could run.
    for _ in range(20):
        for thread_id in _greenlets(dap).values():
            dap.request("stackTrace", {"threadId": thread_id})
    assert evaluate(dap, tid, "ticks") == before
    dap.request("setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": []})
    dap.request("continue", {"threadId": tid})
    assert dap.wait_exit() == 0


def test_gevent_false_lists_no_greenlets(dap, frame_eval):
    stop = _stop_in_sleeper_b(dap, frame_eval, gevent=False)
    threads = _greenlets(dap)
    assert not any(name.startswith("greenlet ") for name in threads), threads
    dap.request("setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": []})
    dap.request("continue", {"threadId": stop["body"]["threadId"]})
    assert dap.wait_exit() == 0


def test_stepping_a_greenlet_that_is_not_running_is_a_clear_error(dap, frame_eval):
    stop = _stop_in_sleeper_b(dap, frame_eval)
    ticker = next(tid for name, tid in _greenlets(dap).items() if name.endswith(": ticker"))
    response = dap.request("next", {"threadId": ticker}, ok=False)
    assert not response["success"] and "not running" in response["message"]
    dap.request("setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": []})
    dap.request("continue", {"threadId": stop["body"]["threadId"]})
    assert dap.wait_exit() == 0


UNPATCHED = """\
import gevent

def wait_here(name):
    gevent.sleep(0.001)  # waiting
    return name

def stop_here():
    return 'stopped'

waiting = [gevent.spawn(wait_here, n) for n in ('x', 'y')]
gevent.sleep(0)
stop_here()
gevent.joinall(waiting)
print('unpatched done', [g.value for g in waiting])
"""


def test_gevent_true_lists_greenlets_of_a_program_that_does_not_patch(dap, frame_eval):
    dap.launch(
        code=UNPATCHED,
        frameEval=frame_eval,
        gevent=True,
        function_breakpoints=[{"name": "stop_here"}],
    )
    stop = dap.wait_stopped("function breakpoint")
    names = [name for name in _greenlets(dap) if name.startswith("greenlet ")]
    assert sorted(name.rsplit(": ", 1)[-1] for name in names) == ["wait_here", "wait_here"]
    dap.request("continue", {"threadId": stop["body"]["threadId"]})
    assert dap.wait_exit() == 0
    assert "unpatched done ['x', 'y']" in dap.output("stdout")
