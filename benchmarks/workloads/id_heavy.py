"""id()-heavy workload: copy.deepcopy of a small nested dict, 20k times (times the size).

``id()`` is an audited call, so this program measures what Dapper's audit hook
costs: a Python audit hook runs for every ``id()``; the compiled filter
(``dapper/_audit_filter.pyx``) returns in C for every event but ``exec``/``compile``.
"""

import copy

from _report import report, size_from_argv, timer

TEMPLATE = {"name": "widget", "tags": ["a", "b", "c"], "dims": {"w": 3, "h": 4}, "n": 7}


def never_called():
    return 0  # BENCH:never


def run(n):
    total = 0
    for _ in range(n):
        total += len(copy.deepcopy(TEMPLATE))  # BENCH:hot
    return total


def main():
    n = max(1, int(20_000 * size_from_argv()))
    start = timer()
    run(n)
    report(start, n)


main()
