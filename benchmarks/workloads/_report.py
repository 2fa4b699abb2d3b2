"""Reports a workload's timed region back to the benchmark runner.

The runner passes a file path in ``DAPPER_BENCH_RESULT``; without it the
result is printed, so a workload can also be run by hand.
"""

from __future__ import annotations

import json
import os
import sys
import time

RESULT_ENV = "DAPPER_BENCH_RESULT"
#: Printed once the result is written, so the runner need not wait for a
#: debugger's shutdown to collect it.
DONE_MARKER = "DAPPER_BENCH_DONE"


def size_from_argv(default: float = 1.0) -> float:
    """The size factor: the first program argument, 1.0 when absent."""
    return float(sys.argv[1]) if len(sys.argv) > 1 else default


def timer() -> tuple[float, float]:
    """The start of the timed region: wall clock and this process's CPU time."""
    return time.perf_counter(), time.process_time()


def report(started: tuple[float, float], evaluations: int, **extra: object) -> None:
    """Hand over the timed region (wall seconds, and CPU seconds of the whole
    process, debugger threads included) and how often the hottest line ran."""
    result = {
        "seconds": time.perf_counter() - started[0],
        "cpu_seconds": time.process_time() - started[1],
        "evaluations": evaluations,
        **extra,
    }
    path = os.environ.get(RESULT_ENV)
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(result, handle)
        print(DONE_MARKER, flush=True)
    else:
        print(json.dumps(result))
