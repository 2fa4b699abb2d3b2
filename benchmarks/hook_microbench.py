"""Cost of the eval-frame hook on call-heavy code: 2M calls of a two-line function,
plain vs. hook installed with a breakpoint in an unrelated function (and vs. a
hook that only forwards). Runs are interleaved; the median ratio is printed.

    python benchmarks/hook_microbench.py [rounds]
"""

from __future__ import annotations

import statistics
import sys
import time

from dapper._frame_eval import _frame_evaluator as fe
from dapper._frame_eval.debug_state import DebugState
from dapper._frame_eval.eval_frame_backend import EvalFrameBackend

CALLS = 2_000_000


def tiny(x):
    y = x + 1
    return y


def unrelated(x):
    return x * 2  # breakpoint here, never called


def workload() -> float:
    start = time.perf_counter()
    for i in range(CALLS):
        tiny(i)
    return time.perf_counter() - start


class _NoCallbacks:
    def on_call(self, frame): ...
    def on_line(self, frame): ...
    def on_return(self, frame, value): ...
    def on_exception(self, frame, exc): ...
    def on_unwind(self, frame, exc): ...


def with_hook() -> float:
    backend = EvalFrameBackend()
    backend.install(_NoCallbacks(), DebugState())
    backend.set_line_breakpoints(__file__, [unrelated.__code__.co_firstlineno + 1])
    try:
        return workload()
    finally:
        stats = backend.get_stats()
        backend.shutdown()
        assert stats["slow_path_activations"] == 0, stats


def with_passthrough() -> float:
    fe.install_passthrough()
    try:
        return workload()
    finally:
        fe.uninstall()


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    workload()  # warm up
    hook_ratio, pass_ratio, hook_vs_pass = [], [], []
    for _ in range(rounds):
        plain = workload()
        hooked = with_hook()
        passed = with_passthrough()
        hook_ratio.append(hooked / plain)
        pass_ratio.append(passed / plain)
        hook_vs_pass.append(hooked / passed)
    print(f"Python {sys.version.split()[0]}: {CALLS} calls, {rounds} interleaved rounds")
    print(f"  hook + unrelated breakpoint / plain : {statistics.median(hook_ratio):.3f}x")
    print(f"  pass-through hook / plain           : {statistics.median(pass_ratio):.3f}x")
    print(f"  hook / pass-through hook            : {statistics.median(hook_vs_pass):.3f}x")


if __name__ == "__main__":
    main()
