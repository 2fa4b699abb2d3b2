"""A long straight run of lines to step over with ``next``."""


def main(steps):
    total = 0  # BENCH:step_start
    for i in range(steps):
        total += i
    return total


main(10_000)
