"""Functions whose first call runs their instrumented twin (3.11 eval_frame):
every kind of parameter binding, cells, generators, coroutines, recursion.
Each line marked ``# bp`` gets a breakpoint."""

from __future__ import annotations


def signature(a, b=2, *args, c, d=4, **kw):
    total = a + b + sum(args) + c + d + sum(kw.values())  # bp
    return total, args, kw


def positional_only(a, /, **kw):
    pair = (a, kw)  # bp
    return pair


def with_cell(x):
    def inner():
        return x + 1

    y = inner()  # bp
    return y


def generator(n):
    for i in range(n):
        yield i * 10  # bp


async def coroutine(v):
    value = v + 1  # bp
    return value


async def async_generator(n):
    for i in range(n):
        yield i  # bp


def recursive(n):
    here = n  # bp
    return here if n == 0 else here + recursive(n - 1)


def raising(v):
    raise ValueError(v)  # bp


class Thing:
    def __init__(self, k):
        self.k = k

    def method(self, extra=0):
        result = self.k + extra  # bp
        return result


def drive(coro):
    """Run a coroutine that never suspends to completion."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("the coroutine suspended")


async def collect(agen):
    return [item async for item in agen]
