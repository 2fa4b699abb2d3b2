"""Breakpoint-instrumented code objects: the third frame outcome
(``FrameDecision.INSTRUMENTED``; docs/architecture.md, "The backend contract").

A function holding a breakpoint gets a twin of its code object, compiled by
CPython itself from the module's source with one statement added before the
breakpoint line: the condition, evaluated in the frame, and a call into the
debugger only when it holds. ``builder`` makes the twin, ``line_safety``
decides which lines may get the check, ``owners`` swaps ``__code__`` on the
functions that own the code, ``instrumenter`` keeps all of it in step with the
breakpoints (see docs/decisions/009-instrumented-code-by-recompiling.md).
"""
