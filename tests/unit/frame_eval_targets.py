"""Small real functions the backend tests run under a backend (markers name lines)."""

from __future__ import annotations

import threading


def body_bp(n):
    total = n + 1
    total = total * 2  # bp-body
    return total


def level3(n):
    return body_bp(n) + 1


def level2(n):
    return level3(n) + 1


def level1(n):
    return level2(n) + 1


def plain(n):
    a = n + 1
    b = a * 2
    return b


def calls_plain(n):
    return plain(n) + plain(n + 1)


def func_bp_target(n):
    return n * 3


def running_worker(started: threading.Event, stop: threading.Event, counter: list) -> None:
    started.set()
    while not stop.is_set():
        counter[0] += 1  # worker-loop
        stop.wait(0.005)


def spin(started: threading.Event, flag: list) -> int:
    n = 0
    started.set()
    while not flag[0]:
        n += 1  # spin
    return n


def step_leaf(v):
    w = v * 2  # leaf-first
    return w  # leaf-return


def step_middle(v):
    x = v + 1  # middle-bp
    y = step_leaf(x)  # middle-call
    z = y + 1  # middle-after
    return z  # middle-return


def step_outer(v):
    a = step_middle(v)  # outer-call
    b = a + 1  # outer-after
    return b


def raises_inner():
    raise ValueError("boom")  # raise-line


def propagates():
    raises_inner()  # propagate-line


def catches():
    try:
        propagates()  # catch-call
    except ValueError:
        return "caught"  # catch-handler
    return "not caught"


def counting_gen(n):
    for i in range(n):
        value = i * 10  # gen-bp
        yield value


def shared_work(n):
    total = 0
    for i in range(n):
        total += i  # shared-line
    return total


def loop_then_bp(n):
    total = 0
    for i in range(n):
        total += i % 7  # loop-body
    if total < 0:
        total = -total  # after-loop
    return total
