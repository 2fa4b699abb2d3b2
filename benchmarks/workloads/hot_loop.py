"""Hot-loop workload: one function spinning a plain arithmetic loop."""

from _report import report, size_from_argv, timer


def never_called():
    return 0  # BENCH:never


def run(n):
    total = 0
    for i in range(n):
        total += i % 7  # BENCH:hot
    if total < 0:
        print("unreachable")  # BENCH:after
    return total


def main():
    n = max(1, int(12_000_000 * size_from_argv()))
    start = timer()
    run(n)
    report(start, n)


main()
