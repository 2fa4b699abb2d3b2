# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The PEP 523 frame-entry hook: route each frame to the default evaluator or to
scoped debugger tracing (docs/architecture.md, "The backend contract").

Fast path (almost every frame): read the decision cached in the code object's
extra slot, compare its version with the current state version, run the
previous evaluator. No Python call, no allocation, no reference taken.

On a cache miss the hook calls one Python decision function (installed with
``install``) once per code object per state version. While any thread steps or
pauses, every frame also goes through the per-thread decision function.

Selected frames: on 3.12+ the Python side has already turned on per-code
``sys.monitoring`` local events, so the frame simply runs. On 3.11 the frame is
pushed on a per-thread list and a C trace function is enabled for the thread;
it forwards events of selected frames to the Python dispatcher and ignores the
rest, and turns itself off once nothing on the thread needs it. While no thread
steps it also drops, in C, line events of lines without a breakpoint (per-code
bitmaps from ``set_line_map``), returns, and calls unless function breakpoints
exist.
"""

from cpython.exc cimport PyErr_Fetch, PyErr_Restore, PyErr_SetObject
from cpython.object cimport PyObject
from cpython.ref cimport Py_XDECREF

import atexit
import sys

cdef extern from "pythread.h":
    unsigned long PyThread_get_thread_ident() nogil

cdef extern from "_frame_evaluator_compat.h":
    ctypedef struct PyThreadState:
        pass
    ctypedef struct PyFrameObject:
        pass
    ctypedef struct dapper_iframe:
        pass
    ctypedef PyObject* (*dapper_eval_func)(PyThreadState*, dapper_iframe*, int)
    ctypedef int (*Py_tracefunc)(PyObject*, PyFrameObject*, int, PyObject*)
    ctypedef struct dapper_thread_state:
        int in_hook
        int in_dispatch
        int depth

    int PyTrace_CALL
    int PyTrace_EXCEPTION
    int PyTrace_LINE
    int PyTrace_RETURN

    PyThreadState* PyThreadState_Get()
    PyObject* _PyEval_EvalFrameDefault(PyThreadState*, dapper_iframe*, int)

    PyObject* dapper_frame_code(dapper_iframe*)
    dapper_iframe* dapper_pyframe_iframe(PyFrameObject*)
    Py_ssize_t dapper_request_extra_index(void*)
    int dapper_get_extra(PyObject*, Py_ssize_t, void**)
    int dapper_set_extra(PyObject*, Py_ssize_t, void*)
    PyObject* dapper_entering_swapped_function(dapper_iframe*, int)
    PyObject* dapper_call_with_frame_args(dapper_iframe*, PyObject*)
    int dapper_is_finalizing()
    dapper_eval_func dapper_get_eval_func()
    void dapper_set_eval_func(dapper_eval_func)
    int dapper_is_default_eval(dapper_eval_func)
    void* dapper_read_extra(PyObject*, Py_ssize_t)
    int dapper_check_extra_layout(PyObject*, Py_ssize_t, void*)
    void* dapper_pack_extra(unsigned long long, int, int)
    int dapper_extra_never(void*)
    int dapper_extra_decision(void*)
    unsigned long long dapper_extra_version(void*)
    dapper_thread_state* dapper_thread()
    int dapper_selected_mode(dapper_thread_state*, dapper_iframe*)
    void dapper_push_selected(dapper_thread_state*, dapper_iframe*, int)
    void dapper_pop_selected(dapper_thread_state*)
    int dapper_set_trace(PyThreadState*, Py_tracefunc)
    Py_tracefunc dapper_get_trace(PyThreadState*)
    int dapper_enable_trace_for(unsigned long, Py_tracefunc)
    void dapper_disable_trace_all(Py_tracefunc)
    int dapper_linemap_wants(PyObject*, int)
    int dapper_linemap_set(PyObject*, PyObject*)
    void dapper_linemap_clear()
    int PyFrame_GetLineNumber(PyFrameObject*)
    int PY_VERSION_HEX

# Decision values (dapper._frame_eval.decision.FrameDecision) and the flag the
# Python side adds for code that is never traced (Dapper's own files).
cdef enum:
    SKIP = 0
    TRACE_EXCEPTIONS = 1
    TRACE = 2
    NEVER_FLAG = 4
    MAX_IGNORED = 64
    MAX_LIVE = 256

#: Event numbers passed to the 3.11 dispatcher (``UNWIND``: return by exception).
EVENT_CALL = 0
EVENT_EXCEPTION = 1
EVENT_LINE = 2
EVENT_RETURN = 3
EVENT_UNWIND = 4

#: True where selected frames get their events from the C trace function (3.11).
USES_TRACE_FUNCTION = PY_VERSION_HEX < 0x030C0000
NEVER = NEVER_FLAG

cdef dapper_eval_func g_prev = _PyEval_EvalFrameDefault
cdef Py_ssize_t g_extra_index = -1
cdef int g_installed = 0
cdef unsigned long long g_version = 0
# Versions restart at 0 with every DebugState: each install starts above every
# version seen before, so decisions cached by an earlier session are stale.
cdef unsigned long long g_version_base = 0
cdef unsigned long long g_version_high = 0
cdef int g_stepping = 0
# 3.11: deliver call events of selected frames (function breakpoints need them).
cdef int g_want_calls = 1
cdef int g_busy = 0  # threads currently running the hook's Python work
cdef int g_live = 0
cdef PyObject* g_live_frames[MAX_LIVE]
cdef int g_live_modes[MAX_LIVE]
cdef unsigned long g_ignored[MAX_IGNORED]
cdef int g_ignored_count = 0
cdef bint g_uses_trace = PY_VERSION_HEX < 0x030C0000

cdef object g_decide_code = None
cdef object g_decide_frame = None
cdef object g_dispatch = None
cdef object g_twin_entry = None
cdef object g_passed_on = None  # exception type the dispatcher may raise into the frame

# Counters: plain C integers, bumped without locks (the GIL serialises them).
cdef unsigned long long c_slow_path_attempts = 0
cdef unsigned long long c_slow_path_activations = 0
cdef unsigned long long c_scoped_trace_installs = 0
cdef unsigned long long c_fast_path_frames = 0
cdef unsigned long long c_never_frames = 0
cdef unsigned long long c_cache_hits = 0
cdef unsigned long long c_cache_misses = 0
cdef unsigned long long c_hook_fallbacks = 0
cdef unsigned long long c_dispatch_errors = 0
cdef unsigned long long c_twin_entries = 0


cdef inline bint _thread_ignored() noexcept:
    cdef unsigned long me
    cdef int i
    if g_ignored_count == 0:
        return False
    me = PyThread_get_thread_ident()
    for i in range(g_ignored_count):
        if g_ignored[i] == me:
            return True
    return False


cdef PyObject* _passthrough_hook(PyThreadState* tstate, dapper_iframe* frame, int throwflag) noexcept:
    """A hook that only forwards: the baseline cost of having any hook at all."""
    return g_prev(tstate, frame, throwflag)


cdef PyObject* _hook(PyThreadState* tstate, dapper_iframe* frame, int throwflag) noexcept:
    cdef PyObject* code
    cdef void* extra = NULL
    cdef int decision
    global c_fast_path_frames, c_never_frames, c_cache_hits
    # Thread-local storage costs a call in a shared library: only look at this
    # thread's guard while some thread is inside the hook's own Python work.
    if not g_installed or (g_busy and dapper_thread().in_hook):
        return g_prev(tstate, frame, throwflag)
    code = dapper_frame_code(frame)
    if code == NULL:
        return g_prev(tstate, frame, throwflag)
    extra = dapper_read_extra(code, g_extra_index)
    if extra != NULL:
        if dapper_extra_never(extra):
            c_never_frames += 1
            return g_prev(tstate, frame, throwflag)
        if not g_stepping and dapper_extra_version(extra) == g_version:
            decision = dapper_extra_decision(extra)
            if decision == SKIP:
                c_fast_path_frames += 1  # also a cache hit (added up in get_stats)
                return g_prev(tstate, frame, throwflag)
            c_cache_hits += 1
            return _run_selected(tstate, frame, throwflag, decision)
    return _slow_path(tstate, frame, throwflag, code, extra)


cdef int _call_decision(object fn, PyObject* code, int code_decision) noexcept:
    """Call a Python decision function; -1 (and a fallback count) if it fails."""
    global c_hook_fallbacks
    try:
        if code_decision < 0:
            return <int>fn(<object>code)
        return <int>fn(<object>code, code_decision)
    except BaseException:
        c_hook_fallbacks += 1
        return -1


cdef PyObject* _slow_path(PyThreadState* tstate, dapper_iframe* frame, int throwflag,
                          PyObject* code, void* extra) noexcept:
    cdef dapper_thread_state* ts = dapper_thread()
    cdef PyObject* etype = NULL
    cdef PyObject* evalue = NULL
    cdef PyObject* etb = NULL
    cdef int decision
    cdef int result
    cdef bint never
    cdef unsigned long long version
    cdef PyObject* func = NULL
    global c_slow_path_attempts, c_cache_hits, c_cache_misses, g_busy, c_twin_entries
    if _thread_ignored() or dapper_is_finalizing():
        return g_prev(tstate, frame, throwflag)
    c_slow_path_attempts += 1
    # A thrown-into generator arrives with its exception set: keep it aside.
    PyErr_Fetch(&etype, &evalue, &etb)
    ts.in_hook = 1
    g_busy += 1
    never = False
    if extra != NULL and dapper_extra_version(extra) == g_version:
        c_cache_hits += 1
        decision = dapper_extra_decision(extra)
    else:
        c_cache_misses += 1
        version = g_version
        result = _call_decision(g_decide_code, code, -1)
        if result < 0:
            decision = -1
        else:
            never = (result & NEVER_FLAG) != 0
            decision = SKIP if never else (result & 3)
            dapper_set_extra(code, g_extra_index, dapper_pack_extra(version, decision, never))
    if decision >= 0 and g_stepping and not never:
        decision = _call_decision(g_decide_frame, code, decision)
    if decision >= 0 and not never and etype == NULL and g_twin_entry is not None:
        # The decision may just have given this code a twin and swapped it
        # into the function being called: run this first call in the twin too.
        func = dapper_entering_swapped_function(frame, throwflag)
        if func != NULL and not _is_twin_entry(code, func):
            func = NULL
    ts.in_hook = 0
    g_busy -= 1
    PyErr_Restore(etype, evalue, etb)
    if func != NULL:
        c_twin_entries += 1
        return dapper_call_with_frame_args(frame, func)
    if decision <= SKIP:
        return g_prev(tstate, frame, throwflag)
    return _run_selected(tstate, frame, throwflag, decision)


cdef bint _is_twin_entry(PyObject* code, PyObject* func) noexcept:
    """Whether ``func``'s code is the published twin of ``code`` (Python decides)."""
    global c_hook_fallbacks
    try:
        return bool(g_twin_entry(<object>code, (<object>func).__code__))
    except BaseException:
        c_hook_fallbacks += 1
        return False


cdef PyObject* _run_selected(PyThreadState* tstate, dapper_iframe* frame, int throwflag,
                             int decision) noexcept:
    cdef dapper_thread_state* ts
    cdef PyObject* result
    cdef PyObject* etype = NULL
    cdef PyObject* evalue = NULL
    cdef PyObject* etb = NULL
    global c_slow_path_activations, c_scoped_trace_installs
    if _thread_ignored():
        return g_prev(tstate, frame, throwflag)
    c_slow_path_activations += 1
    if not g_uses_trace:
        # 3.12+: the code object's sys.monitoring local events do the tracing.
        return g_prev(tstate, frame, throwflag)
    ts = dapper_thread()
    dapper_push_selected(ts, frame, decision)
    if dapper_get_trace(tstate) != <Py_tracefunc>_trace_function:
        PyErr_Fetch(&etype, &evalue, &etb)
        if dapper_set_trace(tstate, <Py_tracefunc>_trace_function) == 0:
            c_scoped_trace_installs += 1
        PyErr_Restore(etype, evalue, etb)
    result = g_prev(tstate, frame, throwflag)
    dapper_pop_selected(ts)
    if ts.depth == 0:
        _maybe_stop_tracing(tstate, ts)
    return result


cdef void _maybe_stop_tracing(PyThreadState* tstate, dapper_thread_state* ts) noexcept:
    """Turn this thread's trace function off when nothing on it needs events."""
    cdef PyObject* etype = NULL
    cdef PyObject* evalue = NULL
    cdef PyObject* etb = NULL
    if ts.depth != 0 or g_live or g_stepping:
        return
    if dapper_get_trace(tstate) != <Py_tracefunc>_trace_function:
        return
    PyErr_Fetch(&etype, &evalue, &etb)
    dapper_set_trace(tstate, NULL)
    PyErr_Restore(etype, evalue, etb)


cdef int _trace_function(PyObject* obj, PyFrameObject* pyframe, int what, PyObject* arg) noexcept:
    """3.11 C trace function: events of selected frames go to Python, the rest stop here."""
    cdef dapper_thread_state* ts = dapper_thread()
    cdef int mode
    cdef int event
    cdef bint live
    global c_dispatch_errors
    if ts.in_dispatch or ts.in_hook or what > PyTrace_RETURN:
        return 0
    cdef int live_mode
    live = False
    mode = dapper_selected_mode(ts, dapper_pyframe_iframe(pyframe))
    if mode == 0 and not g_live:
        _maybe_stop_tracing(PyThreadState_Get(), ts)
        return 0
    if (mode == 0 or mode == TRACE_EXCEPTIONS) and g_live:
        # A frame entered for its exceptions only (a twin, say) that a step
        # now needs (it returned into it, or it runs below the stepped frame):
        # the live entry's mode wins, or its lines would never reach the step.
        live_mode = _live_mode(<PyObject*>pyframe)
        if live_mode != 0:
            mode = live_mode
            live = True
        elif mode == 0:
            return 0
    if mode == TRACE_EXCEPTIONS:
        # Exception events only; a live frame's return still clears its entry.
        if what == PyTrace_LINE or what == PyTrace_CALL:
            return 0
        if what == PyTrace_RETURN and arg != NULL and not live:
            return 0
    elif not g_stepping:
        # No thread steps: only breakpoint lines (and calls, while function
        # breakpoints exist) concern Python; everything else ends here.
        if what == PyTrace_LINE:
            if not dapper_linemap_wants(dapper_frame_code(dapper_pyframe_iframe(pyframe)),
                                        PyFrame_GetLineNumber(pyframe)):
                return 0
        elif what == PyTrace_CALL:
            if not g_want_calls:
                return 0
        elif what == PyTrace_RETURN and arg != NULL and not live:
            return 0
    if g_dispatch is None or _thread_ignored():
        return 0
    event = what
    if what == PyTrace_RETURN and arg == NULL:
        event = EVENT_UNWIND
    ts.in_dispatch = 1
    try:
        g_dispatch(<object><PyObject*>pyframe, event, None if arg == NULL else <object>arg, mode, live)
    except BaseException as exc:
        if g_passed_on is not None and isinstance(exc, g_passed_on):
            # Meant for the program's frame (leaving a nested debug): raise it there.
            ts.in_dispatch = 0
            PyErr_SetObject(type(exc), exc)
            return -1
        c_dispatch_errors += 1
    ts.in_dispatch = 0
    return 0


def pass_on_exceptions(exc_type) -> None:
    """Exceptions of ``exc_type`` raised by the dispatcher are raised in the
    traced frame instead of being counted and dropped (None: none are)."""
    global g_passed_on
    g_passed_on = exc_type


def install(decide_code, decide_frame, dispatch=None, twin_entry=None) -> None:
    """Install the hook. ``decide_code(code) -> int`` (cached per version),
    ``decide_frame(code, code_decision) -> int`` (while stepping),
    ``dispatch(frame, event, arg, mode, live)`` (3.11 events of selected frames),
    ``twin_entry(code, function_code) -> bool`` (3.11: whether a call of ``code``
    whose function was swapped to ``function_code`` at the decision runs that
    instead)."""
    global g_decide_code, g_decide_frame, g_dispatch, g_installed, g_prev, g_extra_index
    global g_twin_entry
    global g_version, g_version_base, g_version_high
    if g_extra_index < 0:
        g_extra_index = dapper_request_extra_index(NULL)
        if g_extra_index < 0:
            raise RuntimeError("no code-extra index available")
        _check_extra_layout()
    g_decide_code = decide_code
    g_decide_frame = decide_frame
    g_dispatch = dispatch
    g_twin_entry = twin_entry
    current = dapper_get_eval_func()
    if current != <dapper_eval_func>_hook and current != <dapper_eval_func>_passthrough_hook:
        if not dapper_is_default_eval(current):
            raise RuntimeError("another PEP 523 eval-frame function is installed")
        g_prev = _PyEval_EvalFrameDefault
    g_version_base = g_version_high + 1
    g_version = g_version_high = g_version_base
    g_installed = 1
    dapper_set_eval_func(<dapper_eval_func>_hook)


def _layout_probe():
    pass


cdef void _check_extra_layout():
    cdef PyObject* code = <PyObject*>_layout_probe.__code__
    cdef void* probe = dapper_pack_extra(0, SKIP, 1)
    dapper_set_extra(code, g_extra_index, probe)
    dapper_check_extra_layout(code, g_extra_index, probe)


def install_passthrough() -> None:
    """Install a hook that only forwards (benchmark baseline)."""
    global g_installed
    if not dapper_is_default_eval(dapper_get_eval_func()):
        raise RuntimeError("an eval-frame function is already installed")
    g_installed = 0
    dapper_set_eval_func(<dapper_eval_func>_passthrough_hook)


def uninstall() -> None:
    """Put the default evaluator back and forget the Python callbacks."""
    global g_decide_code, g_decide_frame, g_dispatch, g_installed, g_twin_entry
    global g_stepping, g_live, g_want_calls
    current = dapper_get_eval_func()
    if current == <dapper_eval_func>_hook or current == <dapper_eval_func>_passthrough_hook:
        dapper_set_eval_func(_PyEval_EvalFrameDefault)
    g_installed = 0
    g_stepping = 0
    g_live = 0
    g_decide_code = None
    g_decide_frame = None
    g_dispatch = None
    g_twin_entry = None
    g_want_calls = 1
    dapper_disable_trace_all(<Py_tracefunc>_trace_function)
    dapper_linemap_clear()


def is_installed() -> bool:
    """True while this module's hook is the interpreter's eval-frame function."""
    return dapper_get_eval_func() == <dapper_eval_func>_hook


def eval_frame_is_default() -> bool:
    """True when the interpreter runs frames with ``_PyEval_EvalFrameDefault``."""
    return dapper_is_default_eval(dapper_get_eval_func())


def set_version(unsigned long long version) -> None:
    """Make every decision cached for another state version stale."""
    global g_version, g_version_high
    g_version = g_version_base + version
    if g_version > g_version_high:
        g_version_high = g_version


def set_call_events(bint wanted) -> None:
    """3.11: whether call events of selected frames reach the dispatcher while
    no thread steps (they serve function breakpoints only)."""
    global g_want_calls
    g_want_calls = wanted


def set_line_map(code, lines) -> bool:
    """3.11: the breakpoint lines of ``code``; its other lines are dropped in C
    while no thread steps. False when the table is full (all lines then go to
    the dispatcher, which filters them)."""
    wanted = [line for line in lines if line >= 0]
    bits = bytearray((max(wanted) >> 3) + 1 if wanted else 0)
    for line in wanted:
        bits[line >> 3] |= 1 << (line & 7)
    frozen = bytes(bits)
    return dapper_linemap_set(<PyObject*>code, <PyObject*>frozen) == 0


def clear_line_maps() -> None:
    """3.11: forget every ``set_line_map`` (breakpoints changed)."""
    dapper_linemap_clear()


def set_stepping_active(bint active) -> None:
    """While set, every frame also goes through ``decide_frame``."""
    global g_stepping
    g_stepping = active


cdef inline int _live_mode(PyObject* frame) noexcept:
    cdef int i
    for i in range(g_live):
        if g_live_frames[i] == frame:
            return g_live_modes[i]
    return 0


def set_live_frames(entries) -> None:
    """3.11: frames already running that need events, as ``(frame, decision)``
    pairs. The caller keeps the frames alive while they are listed; at most
    256 are kept (the innermost ones should come first)."""
    global g_live
    cdef int n = 0
    for frame, mode in entries:
        if n >= MAX_LIVE:
            break
        g_live_frames[n] = <PyObject*>frame
        g_live_modes[n] = mode
        n += 1
    g_live = n


def call_with_events(call_tracing, fn, args):
    """``call_tracing(fn, args)`` with this thread's hook events on, also
    inside a dispatch of the C trace function (a nested debug runs code that
    must stop); the thread's guards are restored afterwards."""
    cdef dapper_thread_state* ts = dapper_thread()
    cdef int in_dispatch = ts.in_dispatch
    cdef int in_hook = ts.in_hook
    ts.in_dispatch = 0
    ts.in_hook = 0
    try:
        return call_tracing(_with_trace_renewed, (fn, args))
    finally:
        ts = dapper_thread()
        ts.in_dispatch = in_dispatch
        ts.in_hook = in_hook


def _with_trace_renewed(fn, args):
    """Inside ``sys.call_tracing``: set this thread's trace function again if
    it is the hook's (3.11 reads whether to trace from the calling frame's
    state, which the call does not renew), then call ``fn``."""
    cdef PyThreadState* tstate = PyThreadState_Get()
    cdef PyObject* etype = NULL
    cdef PyObject* evalue = NULL
    cdef PyObject* etb = NULL
    if g_uses_trace and dapper_get_trace(tstate) == <Py_tracefunc>_trace_function:
        PyErr_Fetch(&etype, &evalue, &etb)
        dapper_set_trace(tstate, <Py_tracefunc>_trace_function)
        PyErr_Restore(etype, evalue, etb)
    return fn(*args)


def disable_tracing_all_threads() -> None:
    """Remove this module's trace function from every thread that has it."""
    dapper_disable_trace_all(<Py_tracefunc>_trace_function)


def set_ignored_threads(idents) -> None:
    """Threads whose frames never take the slow path (debugger-internal threads)."""
    global g_ignored_count
    values = list(idents)
    if len(values) > MAX_IGNORED:
        raise ValueError(f"at most {MAX_IGNORED} ignored threads")
    for i, value in enumerate(values):
        g_ignored[i] = value
    g_ignored_count = len(values)


def enable_tracing_all_threads() -> int:
    """3.11: turn the trace function on in every thread (for frames already
    running when a breakpoint or step appears). Returns how many were changed."""
    cdef int changed = 0
    global c_scoped_trace_installs
    if not g_uses_trace:
        return 0
    frames = sys._current_frames()
    for ident in frames:
        changed += _enable_for(ident)
    c_scoped_trace_installs += changed
    return changed


cdef int _enable_for(unsigned long ident) except -1:
    cdef int i
    for i in range(g_ignored_count):
        if g_ignored[i] == ident:
            return 0
    return dapper_enable_trace_for(ident, <Py_tracefunc>_trace_function)


def get_code_extra(code):
    """The cached ``(version, decision, never)`` of a code object, or None
    (``version`` is the hook's internal one, see ``current_version``)."""
    cdef void* extra = NULL
    if g_extra_index < 0:
        return None
    if dapper_get_extra(<PyObject*>code, g_extra_index, &extra) != 0 or extra == NULL:
        return None
    return (dapper_extra_version(extra), dapper_extra_decision(extra),
            bool(dapper_extra_never(extra)))


def current_version() -> int:
    """The hook's internal version the fast path compares cached entries with."""
    return g_version


def get_stats() -> dict:
    """The hook's counters."""
    return {
        "slow_path_attempts": c_slow_path_attempts,
        "slow_path_activations": c_slow_path_activations,
        "scoped_trace_installs": c_scoped_trace_installs,
        "fast_path_frames": c_fast_path_frames + c_never_frames,
        "decision_cache_hits": c_cache_hits + c_fast_path_frames,
        "decision_cache_misses": c_cache_misses,
        "hook_fallbacks": c_hook_fallbacks,
        "dispatch_errors": c_dispatch_errors,
        "twin_first_entries": c_twin_entries,
    }


def reset_stats() -> None:
    global c_slow_path_attempts, c_slow_path_activations, c_scoped_trace_installs
    global c_fast_path_frames, c_never_frames, c_cache_hits, c_cache_misses, c_hook_fallbacks
    global c_dispatch_errors, c_twin_entries
    c_slow_path_attempts = 0
    c_slow_path_activations = 0
    c_scoped_trace_installs = 0
    c_fast_path_frames = 0
    c_never_frames = 0
    c_cache_hits = 0
    c_cache_misses = 0
    c_hook_fallbacks = 0
    c_dispatch_errors = 0
    c_twin_entries = 0


def _uninstall_at_exit() -> None:
    uninstall()


atexit.register(_uninstall_at_exit)
