"""Call-heavy workload: 2M calls (times the size factor) of a two-line function."""

from _report import report, size_from_argv, timer


def tiny(x):
    y = x + 1  # BENCH:hot
    return y


def never_called():
    return 0  # BENCH:never


def run(n):
    total = 0
    for i in range(n):
        total += tiny(i)
    if total < 0:
        print("unreachable")  # BENCH:after
    return total


def main():
    n = max(1, int(2_000_000 * size_from_argv()))
    start = timer()
    run(n)
    report(start, n)


main()
