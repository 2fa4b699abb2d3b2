"""Functions of every shape the instrumented-code builder must handle.

``CALLS`` says how each is run; the corpus test puts a breakpoint on every line
of each and compares the instrumented twin with the traced original.
"""

# fmt: off
from __future__ import annotations

import asyncio
import contextlib
import functools


def loops(n):
    total = 0
    for i in range(n):
        if i % 3 == 0:
            continue
        total += i
        if total > 50:
            break
    else:
        total -= 1
    j = 0
    while j < n:
        j += 2
    else:
        j += 100
    return total + j


def several(x):
    a = x; b = a + 1; c = b * 2  # noqa: E702
    if a: a += 1  # noqa: E701
    return a, b, c


def tries(x):
    try:
        y = 10 // x
    except ZeroDivisionError:
        y = -1
    else:
        y += 1
    finally:
        z = 5
    return y + z


def groups(x):
    try:
        raise ExceptionGroup("g", [ValueError(x), TypeError(x)])
    except* ValueError as group:
        caught = len(group.exceptions)
    except* TypeError:
        caught2 = 1
    return caught + caught2


@contextlib.contextmanager
def ctx():
    yield 3


def withs(x):
    with ctx() as v:
        w = v + x
    with ctx() as v1, ctx() as v2:
        w += v1 + v2
    return w


def gen(n):
    for i in range(n):
        got = yield i
        if got:
            yield got
    return n


async def coro(n):
    await asyncio.sleep(0)
    total = 0
    async with AsyncCtx() as value:
        total += value
    async for item in agen(n):
        total += item
    return total


class AsyncCtx:
    async def __aenter__(self):
        return 7

    async def __aexit__(self, *exc):
        return False


async def agen(n):
    for i in range(n):
        await asyncio.sleep(0)
        yield i


def outer(k):
    cell = k * 2

    def inner(m):
        return cell + m

    values = [inner(v) for v in range(3)]
    squares = {v: v * v for v in range(k)}
    return sum(values) + len(squares) + sum(x for x in range(k))


def matcher(v):
    match v:
        case [a, b]:
            r = a + b
        case {"k": k}:
            r = k
        case int() if v > 2:
            r = -v
        case _:
            r = None
    return r


def multiline(a,
              b):
    x = max(a,
            b)
    y = (x
         + 1)
    return x + y


def decorated_factory(flag):
    @functools.wraps(loops)
    def wrapper(n):
        return loops(n) + flag

    return wrapper


class Shapes:
    scale = 2

    def area(self, w, h):
        result = w * h
        return result * self.scale

    @staticmethod
    def static(v):
        return -v

    @property
    def prop(self):
        return self.scale + 1


lam = lambda v: v + 1  # noqa: E731


def long_function(x):
    """A docstring that must stay the docstring."""
    v = x
    v += 1
    v += 2
    v += 3
    v += 4
    v += 5
    v += 6
    v += 7
    v += 8
    v += 9
    if v > 100:
        v -= 100
    v += 10
    v += 11
    v += 12
    v += 13
    v += 14
    v += 15
    v += 16
    v += 17
    v += 18
    v += 19
    return v


def raises(x):
    value = x + 1
    if value > 2:
        raise ValueError(value)
    return value


def _run(coroutine):
    return asyncio.run(coroutine)


async def _collect(n):
    return [item async for item in agen(n)]


#: function -> ways to call it (each returns a value or raises)
CALLS = {
    loops: [lambda f: f(10), lambda f: f(0), lambda f: f(40)],
    several: [lambda f: f(0), lambda f: f(3)],
    tries: [lambda f: f(0), lambda f: f(2)],
    groups: [lambda f: f(1)],
    withs: [lambda f: f(1)],
    gen: [lambda f: list(f(4)), lambda f: _send_all(f(3))],
    coro: [lambda f: _run(f(3))],
    agen: [lambda f: _run(_collect_from(f, 3))],
    outer: [lambda f: f(2)],
    matcher: [lambda f: f([1, 2]), lambda f: f({"k": 1}), lambda f: f(3), lambda f: f(1)],
    multiline: [lambda f: f(1, 2)],
    long_function: [lambda f: f(1), lambda f: f(200)],
    raises: [lambda f: f(0), lambda f: f(5)],
    lam: [lambda f: f(1)],
}


def _send_all(generator):
    out = [next(generator)]
    try:
        while True:
            out.append(generator.send(out[-1] + 10))
    except StopIteration as stop:
        out.append(("return", stop.value))
    return out


async def _collect_from(function, n):
    return [item async for item in function(n)]
