"""gevent workload: a monkey-patched program whose ten greenlets take turns,
40k turns (times the size factor)."""

import gevent.monkey

gevent.monkey.patch_all()


import gevent  # noqa: E402
from _report import report, size_from_argv, timer  # noqa: E402


def worker(turns):
    total = 0
    for i in range(turns):
        total += i  # BENCH:hot
        gevent.sleep(0)
    return total


def never_called():
    return 0  # BENCH:never


def run(n):
    greenlets = [gevent.spawn(worker, n // 10) for _ in range(10)]
    gevent.joinall(greenlets)
    if sum(g.value for g in greenlets) < 0:
        print("unreachable")  # BENCH:after
    return greenlets


def main():
    n = max(10, int(40_000 * size_from_argv()))
    start = timer()
    run(n)
    report(start, n // 10 * 10)


main()
