"""``dapper doctor``: which backends can run in this interpreter, what ``auto``
picks, and whether instrumented code is available."""

from __future__ import annotations

import sys
from typing import TextIO

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
