"""Code that ``until``, ``next`` and ``return`` run through in one command:
``python long_steps.py (loop|call|inner) N``. The lines the benchmark stops at
are marked ``BENCH:<name>``."""

import sys


def count(n):
    total = 0  # BENCH:return_from
    for i in range(n):
        total += i
    return total


def loop(n):
    total = 0
    for i in range(n):
        total += i  # BENCH:until_at
    return total


def call(n):
    result = count(n)  # BENCH:next_at
    return result


{"loop": loop, "call": call, "inner": count}[sys.argv[1]](int(sys.argv[2]))
