"""``dapper doctor``: which backends can run in this interpreter, what ``auto``
picks, and whether instrumented code is available."""

from __future__ import annotations

import importlib.util
import sys
from typing import TextIO

from dapper import interpreters
from dapper._frame_eval.compatibility_policy import FrameEvalCompatibilityPolicy
from dapper._frame_eval.config import FrameEvalConfig
from dapper._frame_eval.frame_eval_main import BackendUnavailableError, FrameEvalManager
from dapper._frame_eval.instrumentation.instrumenter import SUPPORTED as INSTRUMENTATION_SUPPORTED


def run_doctor(out: TextIO) -> int:
    """Print each backend's availability and the ``auto`` choice; 0 when some backend can run."""
    policy = FrameEvalCompatibilityPolicy()
    manager = FrameEvalManager(FrameEvalConfig(), policy)
    out.write(f"Python {sys.version.split()[0]} ({sys.implementation.name}) at {sys.executable}\n")
    answers = {
        "eval_frame": manager.eval_frame_answer(),
        "sys.monitoring": policy.can_use_monitoring(),
        "settrace": policy.can_use_settrace(),
    }
    for name, answer in answers.items():
        status = "available" if answer.ok else f"unavailable: {answer.reason}"
        out.write(f"  {name:<15} {status}\n")
    missing = missing_compiled_modules(policy)
    if missing:
        out.write(
            f"  compiled modules not compiled ({', '.join(missing)}; built without a C "
            "compiler?): eval_frame is unavailable and a program calling id() heavily "
            "(copy.deepcopy) runs 2-3x slower under the debugger; reinstall with a C "
            "compiler to get them\n"
        )
    try:
        name, why, _ = manager.choose()
    except BackendUnavailableError as exc:
        out.write(f"auto: no backend can run ({exc})\n")
        return 1
    out.write(f"auto would choose: {name} ({why})\n")
    if INSTRUMENTATION_SUPPORTED:
        out.write(
            "instrumented code: available on every backend (frameEval.instrumentedCode); "
            "dapper/status counts instrumented_code_objects in a session\n"
        )
    else:
        out.write("instrumented code: unavailable: not tested on this Python version\n")
    return 0


COMPILED_MODULES = ("dapper._frame_eval._frame_evaluator", "dapper._audit_filter")


def missing_compiled_modules(policy: FrameEvalCompatibilityPolicy) -> list[str]:
    """The compiled modules this interpreter should have but does not."""
    first, last = interpreters.FIRST_SUPPORTED, interpreters.LAST_TESTED
    if policy.implementation != "cpython" or not first <= policy.version <= last:
        return []
    if policy.free_threaded:
        return []
    return [name for name in COMPILED_MODULES if importlib.util.find_spec(name) is None]
