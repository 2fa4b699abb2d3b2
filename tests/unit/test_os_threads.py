"""The debugger's own primitives: real OS locks and waits, even when gevent
patched the program before Dapper was imported."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from dapper import os_threads


def test_event_wakes_every_waiter_and_times_out():
    event = os_threads.Event()
    assert event.wait(0.0) is False
    woke: list[int] = []
    waiters = [threading.Thread(target=lambda: woke.append(event.wait(30))) for _ in range(3)]
    for waiter in waiters:
        waiter.start()
    event.set()
    for waiter in waiters:
        waiter.join()
    assert woke == [True, True, True]
    event.clear()
    assert not event.is_set() and event.wait(0.01) is False


def test_condition_wait_for_sees_a_notify_from_another_thread():
    lock = os_threads.RLock()
    condition = os_threads.Condition(lock)
    box: list[int] = []

    def producer() -> None:
        with condition:
            box.append(1)
            condition.notify_all()

    with condition:
        threading.Thread(target=producer).start()
        assert condition.wait_for(lambda: box, 30)
    with condition:
        assert condition.wait_for(lambda: False, 0.01) is False


def test_start_thread_runs_on_a_new_os_thread():
    done = os_threads.Event()
    seen: list[int] = []
    ident = os_threads.start_thread(lambda: (seen.append(os_threads.get_ident()), done.set()))
    assert done.wait(30)
    assert seen == [ident] and ident != os_threads.get_ident()


@pytest.mark.slow  # starts a Python process
def test_originals_are_taken_when_gevent_patched_first():
    pytest.importorskip("gevent")
    code = (
        "import gevent.monkey; gevent.monkey.patch_all()\n"
        "import _thread, threading\n"
        "from dapper import os_threads\n"
        "assert os_threads.threading_patched()\n"
        "assert os_threads.get_ident() != threading.get_ident()\n"  # the greenlet's id
        "assert type(os_threads.allocate_lock()).__module__ == '_thread'\n"
        "print('real')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip() == "real", result.stderr
