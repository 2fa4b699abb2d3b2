"""The one frame decision shared by every backend.

At frame entry a backend asks: run untouched, trace this frame, or run an
instrumented code object? The code-level part depends only on the code
object and the state version, so backends cache it per code object; the
thread's stepping overlay is cheap and applied on top.
"""

from __future__ import annotations

from enum import IntEnum
from types import CodeType

from dapper._frame_eval.debug_state import EXC_NONE, EXC_RAISED, DebugState
from dapper.paths import canonical_path, is_debugger_file, is_user_file


class FrameDecision(IntEnum):
    SKIP = 0  #: run the original frame untouched (the fast path)
    TRACE_EXCEPTIONS = 1  #: deliver exception events only, no line events
    TRACE = 2  #: scoped tracing: call, line, return and exception events
    #: the code has a breakpoint-instrumented twin that its functions run; a
    #: frame still running the original (entered before the swap, or owned by
    #: something that could not be swapped) is traced like TRACE
    INSTRUMENTED = 3


#: co_flags bit of function code (not module or class bodies)
_CO_OPTIMIZED = 0x1


def code_lines(code: CodeType) -> frozenset[int]:
    """Lines that hold instructions of ``code`` itself (not nested functions)."""
    return frozenset(line for _, _, line in code.co_lines() if line is not None)


def matches_function_breakpoint(code: CodeType, names: frozenset[str]) -> bool:
    """Code-level match of a function breakpoint; core confirms the module."""
    if not names:
        return False
    qualname = code.co_qualname
    if qualname in names:
        return True
    suffix = "." + qualname
    return any(name.endswith(suffix) for name in names)


def instrumentable(code: CodeType, state: DebugState) -> bool:
    """May ``code``'s breakpoint lines be served by an instrumented twin?

    Only function code (a module or class body runs once, in a frame that is
    already running) and only when no function breakpoint needs its calls.
    """
    return (
        bool(code.co_flags & _CO_OPTIMIZED)
        and not is_debugger_file(code.co_filename)
        and not matches_function_breakpoint(code, state.function_breakpoints)
    )


def decide_code(code: CodeType, state: DebugState) -> FrameDecision:
    """What frames of ``code`` need, ignoring any thread's stepping (cacheable)."""
    filename = code.co_filename
    if is_debugger_file(filename):
        return FrameDecision.SKIP
    lines = state.line_breakpoints.get(canonical_path(filename))
    if lines and not lines.isdisjoint(code_lines(code)):
        twin = state.instrumented_twins.get(id(code))
        if twin is None or twin.code is not code:
            original = state.instrumented_originals.get(id(code))
            if original is not None and original.original is code:
                return FrameDecision.INSTRUMENTED
            return FrameDecision.TRACE
        # A twin checks its breakpoint lines itself: it needs at most exceptions.
    if matches_function_breakpoint(code, state.function_breakpoints):
        return FrameDecision.TRACE
    if state.exception_mode != EXC_NONE:
        if state.exception_mode & EXC_RAISED and not state.just_my_code:
            return FrameDecision.TRACE_EXCEPTIONS
        if is_user_file(filename):
            return FrameDecision.TRACE_EXCEPTIONS
    return FrameDecision.SKIP


def decide_frame(
    code: CodeType, state: DebugState, thread_id: int, code_decision: FrameDecision
) -> FrameDecision:
    """Apply thread ``thread_id``'s stepping to a (cached) code-level decision."""
    if code_decision == FrameDecision.TRACE or not state.stepping:
        return code_decision
    step = state.stepping.get(thread_id)
    if step is None or is_debugger_file(code.co_filename):
        return code_decision
    if step.traces_new_frames:
        if step.kind == "pause" or not state.just_my_code or is_user_file(code.co_filename):
            return FrameDecision.TRACE
        return code_decision
    if step.frame is not None and step.frame.f_code is code:
        # A generator or coroutine being stepped over resumes in a new entry.
        return FrameDecision.TRACE
    return code_decision


def decide(code: CodeType, state: DebugState, thread_id: int) -> FrameDecision:
    """Uncached decision for one frame entry (backends cache ``decide_code``)."""
    if thread_id in state.ignored_threads:
        return FrameDecision.SKIP
    return decide_frame(code, state, thread_id, decide_code(code, state))
