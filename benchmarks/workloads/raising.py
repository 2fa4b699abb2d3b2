"""Exception workload: 100k exceptions (times the size factor) raised two frames
down and caught by the loop."""

from _report import report, size_from_argv, timer


def check(value):
    if value >= 0:
        raise ValueError(value)  # BENCH:hot
    return value


def validate(value):
    return check(value)


def never_called():
    return 0  # BENCH:never


def run(n):
    caught = 0
    for i in range(n):
        try:
            validate(i)
        except ValueError:
            caught += 1
    if caught < 0:
        print("unreachable")  # BENCH:after
    return caught


def main():
    n = max(1, int(100_000 * size_from_argv()))
    start = timer()
    run(n)
    report(start, n)


main()
