# cython: language_level=3
"""A C-level audit hook that wakes Python only for the events Dapper needs.

A Python audit hook (``sys.addaudithook``) runs for every audited call in the
process: ``id()``, ``sys._getframe``, ``open``, ``copy.deepcopy``'s many ``id``
calls... Measured here, a hook that returned at once still made an
``id()``-heavy program 3x slower, and Dapper's made it 5-6x slower, with no
breakpoint set. This hook compares the event name in C and calls Python only
for ``exec`` (a module's code about to run) and ``compile`` (source of code
that has no file). Audit hooks cannot be removed; ``uninstall`` makes this one
a no-op.
"""

from cpython.object cimport PyObject
from libc.string cimport strcmp

cdef extern from "Python.h":
    ctypedef int (*Py_AuditHookFunction)(const char *, PyObject *, void *)
    int PySys_AddAuditHook(Py_AuditHookFunction hook, void *userData)

cdef object _callback = None
cdef bint _registered = False
cdef bint _want_exec = False
cdef bint _want_compile = True
cdef unsigned long long _forwarded = 0


cdef int _hook(const char *event, PyObject *args, void *data) noexcept:
    global _forwarded
    if _callback is None:
        return 0
    # eval() of every breakpoint condition raises "exec" too: forward it only on request.
    if not ((_want_exec and strcmp(event, b"exec") == 0)
            or (_want_compile and strcmp(event, b"compile") == 0)):
        return 0
    _forwarded += 1
    try:
        _callback(event.decode("ascii"), <object>args)
    except Exception:
        pass  # the debugger must never break the program's exec/compile
    return 0


def install(callback, *, exec_events: bool = False, compile_events: bool = True) -> None:
    """Call ``callback(event, args)`` for the chosen ``exec``/``compile`` events."""
    global _callback, _registered
    _callback = callback
    set_events(exec_events=exec_events, compile_events=compile_events)
    if not _registered:
        if PySys_AddAuditHook(_hook, NULL) != 0:
            _callback = None
            raise RuntimeError("PySys_AddAuditHook refused the hook")
        _registered = True


def set_events(*, exec_events: bool, compile_events: bool) -> None:
    """Choose which events reach the callback."""
    global _want_exec, _want_compile
    _want_exec = exec_events
    _want_compile = compile_events


def uninstall() -> None:
    """Make the hook a no-op (CPython cannot remove audit hooks)."""
    global _callback
    _callback = None


def forwarded() -> int:
    """How many events reached Python (for tests and stats)."""
    return _forwarded
