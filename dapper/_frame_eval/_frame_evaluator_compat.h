/* Version differences the eval-frame hook needs (CPython 3.11 to 3.15).
 *
 * Kept in C so the Cython module stays version-neutral: reading the code object
 * of an _PyInterpreterFrame, code-extra storage, per-thread hook state, and the
 * per-code cache entry packed into the extra pointer itself (no allocation).
 */
#ifndef DAPPER_FRAME_EVALUATOR_COMPAT_H
#define DAPPER_FRAME_EVALUATOR_COMPAT_H

#include "Python.h"
#include "frameobject.h"

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x03100000
#error "dapper._frame_evaluator supports CPython 3.11-3.15 only"
#endif

/* _PyInterpreterFrame is internal: its layout needs Py_BUILD_CORE. */
#ifndef Py_BUILD_CORE
#define Py_BUILD_CORE 1
#define DAPPER_UNDEF_BUILD_CORE 1
#endif
#if PY_VERSION_HEX >= 0x030E0000
/* 3.14 moved the frame struct to pycore_interpframe_structs.h and made
 * f_executable a _PyStackRef (tagged pointer), read with its own accessor. */
#include "internal/pycore_interpframe.h"
#endif
#include "internal/pycore_frame.h"
#ifdef DAPPER_UNDEF_BUILD_CORE
#undef Py_BUILD_CORE
#undef DAPPER_UNDEF_BUILD_CORE
#endif

typedef struct _PyInterpreterFrame dapper_iframe;
typedef _PyFrameEvalFunction dapper_eval_func;

/* Borrowed code object of a frame, or NULL when the frame runs no code object. */
static inline PyObject *dapper_frame_code(dapper_iframe *frame) {
#if PY_VERSION_HEX >= 0x030E0000
    PyObject *exe = PyStackRef_AsPyObjectBorrow(frame->f_executable);
    return (exe != NULL && PyCode_Check(exe)) ? exe : NULL;
#elif PY_VERSION_HEX >= 0x030D0000
    PyObject *exe = frame->f_executable;
    return (exe != NULL && PyCode_Check(exe)) ? exe : NULL;
#else
    return (PyObject *)frame->f_code;
#endif
}

/* The interpreter frame behind a frame object (3.11 trace function uses it). */
static inline dapper_iframe *dapper_pyframe_iframe(PyFrameObject *frame) {
    return frame->f_frame;
}

#if PY_VERSION_HEX >= 0x030C0000
#define dapper_request_extra_index(f) PyUnstable_Eval_RequestCodeExtraIndex(f)
#define dapper_get_extra(code, idx, out) PyUnstable_Code_GetExtra((code), (idx), (out))
#define dapper_set_extra(code, idx, val) PyUnstable_Code_SetExtra((code), (idx), (val))
#else
#define dapper_request_extra_index(f) _PyEval_RequestCodeExtraIndex(f)
#define dapper_get_extra(code, idx, out) _PyCode_GetExtra((code), (idx), (out))
#define dapper_set_extra(code, idx, val) _PyCode_SetExtra((code), (idx), (val))
#endif

/* Fast read of a code extra without the exported call. CPython keeps the
 * extras as {Py_ssize_t size; void *extras[]} behind co_extra (3.6-3.15); the
 * module checks this against the API once at install (dapper_extra_layout_ok)
 * and uses the API read if they ever disagree. */
typedef struct {
    Py_ssize_t ce_size;
    void *ce_extras[1];
} dapper_code_extra;

static int dapper_inline_extra = 0;

static inline void *dapper_read_extra(PyObject *code, Py_ssize_t index) {
    void *out = NULL;
    if (dapper_inline_extra) {
        dapper_code_extra *e = (dapper_code_extra *)((PyCodeObject *)code)->co_extra;
        return (e != NULL && index < e->ce_size) ? e->ce_extras[index] : NULL;
    }
    if (dapper_get_extra(code, index, &out) < 0) {
        PyErr_Clear();
        return NULL;
    }
    return out;
}

/* Enable the inline read when it agrees with the API on ``code`` (whose extra
 * at ``index`` has just been set to ``probe``). */
static inline int dapper_check_extra_layout(PyObject *code, Py_ssize_t index, void *probe) {
    void *api = NULL;
    dapper_code_extra *e = (dapper_code_extra *)((PyCodeObject *)code)->co_extra;
    dapper_inline_extra = 0;
    if (dapper_get_extra(code, index, &api) < 0 || api != probe || e == NULL) {
        PyErr_Clear();
        return 0;
    }
    dapper_inline_extra = (index < e->ce_size && e->ce_extras[index] == probe);
    return dapper_inline_extra;
}

#if PY_VERSION_HEX >= 0x030D0000
#define dapper_is_finalizing() Py_IsFinalizing()
#else
#define dapper_is_finalizing() _Py_IsFinalizing()
#endif

static inline dapper_eval_func dapper_get_eval_func(void) {
    return _PyInterpreterState_GetEvalFrameFunc(PyInterpreterState_Get());
}

static inline void dapper_set_eval_func(dapper_eval_func f) {
    _PyInterpreterState_SetEvalFrameFunc(PyInterpreterState_Get(), f);
}

static inline int dapper_is_default_eval(dapper_eval_func f) {
    return f == NULL || f == _PyEval_EvalFrameDefault;
}

/* Per-code cache entry, packed into the extra pointer: bit 0 marks a value,
 * bit 1 "never trace" (debugger code), bits 2-3 the decision, the rest the
 * state version it was computed for. Nothing to allocate, nothing to free,
 * and reading it is a plain load: no reference is taken. */
#define DAPPER_EXTRA_TAG 1u
#define DAPPER_EXTRA_NEVER 2u

static inline void *dapper_pack_extra(unsigned long long version, int decision, int never) {
    uintptr_t v = ((uintptr_t)version << 4) | ((uintptr_t)(decision & 3) << 2)
                  | (never ? DAPPER_EXTRA_NEVER : 0) | DAPPER_EXTRA_TAG;
    return (void *)v;
}
static inline int dapper_extra_never(void *e) { return ((uintptr_t)e & DAPPER_EXTRA_NEVER) != 0; }
static inline int dapper_extra_decision(void *e) { return (int)(((uintptr_t)e >> 2) & 3); }
static inline unsigned long long dapper_extra_version(void *e) {
    return (unsigned long long)((uintptr_t)e >> 4);
}

/* Per-thread hook state: re-entrancy guard and the selected frames (3.11).
 * The first DAPPER_MAX_SELECTED frames live inline; deeper ones (a recursion)
 * go to a heap array that grows as needed and is freed when the thread's
 * selected depth is back to zero. A frame that is not recorded would get no
 * line events: its breakpoints would be skipped without a word. */
#define DAPPER_MAX_SELECTED 128
typedef struct {
    int in_hook;      /* the hook is running its own Python work on this thread */
    int in_dispatch;  /* the trace function is delivering an event */
    int depth;        /* selected frames currently running */
    int capacity;     /* slots in more_frames/more_modes */
    int lost;         /* deeper frames not recorded (out of memory), counted */
    dapper_iframe *frames[DAPPER_MAX_SELECTED];
    unsigned char modes[DAPPER_MAX_SELECTED];
    dapper_iframe **more_frames; /* frames DAPPER_MAX_SELECTED and deeper */
    unsigned char *more_modes;
} dapper_thread_state;

static _Thread_local dapper_thread_state dapper_tls;

static inline dapper_thread_state *dapper_thread(void) { return &dapper_tls; }

/* Mode of a selected interpreter frame on this thread, 0 when not selected. */
static inline int dapper_selected_mode(dapper_thread_state *ts, dapper_iframe *f) {
    int recorded = ts->depth - ts->lost;
    for (int i = recorded - 1; i >= DAPPER_MAX_SELECTED; i--) {
        if (ts->more_frames[i - DAPPER_MAX_SELECTED] == f)
            return ts->more_modes[i - DAPPER_MAX_SELECTED];
    }
    int n = recorded < DAPPER_MAX_SELECTED ? recorded : DAPPER_MAX_SELECTED;
    for (int i = n - 1; i >= 0; i--) {
        if (ts->frames[i] == f) return ts->modes[i];
    }
    return 0;
}

static inline int dapper_grow_selected(dapper_thread_state *ts) {
    int capacity = ts->capacity ? ts->capacity * 2 : 256;
    dapper_iframe **frames =
        (dapper_iframe **)PyMem_RawRealloc(ts->more_frames, sizeof(dapper_iframe *) * capacity);
    if (frames == NULL) return -1;
    ts->more_frames = frames;
    unsigned char *modes = (unsigned char *)PyMem_RawRealloc(ts->more_modes, capacity);
    if (modes == NULL) return -1;
    ts->more_modes = modes;
    ts->capacity = capacity;
    return 0;
}

static inline void dapper_push_selected(dapper_thread_state *ts, dapper_iframe *f, int mode) {
    int index = ts->depth - ts->lost;
    ts->depth++;
    if (ts->lost) {
        ts->lost++; /* keep pops balanced: nothing deeper than a lost frame is recorded */
        return;
    }
    if (index < DAPPER_MAX_SELECTED) {
        ts->frames[index] = f;
        ts->modes[index] = (unsigned char)mode;
        return;
    }
    index -= DAPPER_MAX_SELECTED;
    if (index >= ts->capacity && dapper_grow_selected(ts) != 0) {
        ts->lost = 1;
        return;
    }
    ts->more_frames[index] = f;
    ts->more_modes[index] = (unsigned char)mode;
}

static inline void dapper_pop_selected(dapper_thread_state *ts) {
    if (ts->depth > 0) ts->depth--;
    if (ts->lost > 0) ts->lost--;
    if (ts->depth == 0 && ts->more_frames != NULL) {
        PyMem_RawFree(ts->more_frames);
        PyMem_RawFree(ts->more_modes);
        ts->more_frames = NULL;
        ts->more_modes = NULL;
        ts->capacity = 0;
    }
}

/* Trace function control for one thread state (3.11 scoped line events). */
static inline int dapper_set_trace(PyThreadState *tstate, Py_tracefunc func) {
#if PY_VERSION_HEX >= 0x030C0000
    (void)tstate;
    (void)func;
    return 0; /* 3.12+ uses sys.monitoring local events instead */
#else
    return _PyEval_SetTrace(tstate, func, NULL);
#endif
}

static inline Py_tracefunc dapper_get_trace(PyThreadState *tstate) {
    return tstate->c_tracefunc;
}

/* 3.11: set the trace function of another thread (frames already running there). */
static int dapper_enable_trace_for(unsigned long ident, Py_tracefunc f) {
#if PY_VERSION_HEX < 0x030C0000
    PyThreadState *t = PyInterpreterState_ThreadHead(PyInterpreterState_Get());
    for (; t != NULL; t = PyThreadState_Next(t)) {
        if (t->thread_id == ident && t->c_tracefunc != f) {
            return _PyEval_SetTrace(t, f, NULL) == 0 ? 1 : -1;
        }
    }
#else
    (void)ident;
    (void)f;
#endif
    return 0;
}

/* 3.11: remove ``f`` from every thread that has it. */
static void dapper_disable_trace_all(Py_tracefunc f) {
#if PY_VERSION_HEX < 0x030C0000
    PyThreadState *t = PyInterpreterState_ThreadHead(PyInterpreterState_Get());
    for (; t != NULL; t = PyThreadState_Next(t)) {
        if (t->c_tracefunc == f) {
            _PyEval_SetTrace(t, NULL, NULL);
        }
    }
#else
    (void)f;
#endif
}

/* First entry into an instrumented twin (decision 009, "The first entry").
 *
 * 3.11 only: the function of a frame that is about to run its first
 * instruction on a call (owned by the thread, nothing executed yet, no
 * exception thrown in, no locals dict), when that function's code is no longer
 * the frame's code (the decision the hook just asked for swapped it to its
 * twin). Borrowed; NULL otherwise, and always on 3.12+ (where sys.monitoring
 * local events serve the first entry's breakpoint lines alone). */
static inline PyObject *dapper_entering_swapped_function(dapper_iframe *frame, int throwflag) {
#if PY_VERSION_HEX < 0x030C0000
    PyFunctionObject *func = frame->f_func;
    if (throwflag || func == NULL || frame->owner != FRAME_OWNED_BY_THREAD
        || frame->f_locals != NULL || frame->frame_obj != NULL
        || frame->prev_instr != _PyCode_CODE(frame->f_code) - 1
        || func->func_code == (PyObject *)frame->f_code || !PyCode_Check(func->func_code)) {
        return NULL;
    }
    return (PyObject *)func;
#else
    (void)frame;
    (void)throwflag;
    return NULL;
#endif
}

/* Call ``func`` with the arguments bound in ``frame`` (which has not started:
 * its argument slots hold exactly what the call bound, cells not made yet),
 * instead of running ``frame``. ``func`` has the same signature (the twin's
 * layout is checked equal to the original's), so binding the same values again
 * gives the same locals: positional parameters and ``*args`` positionally,
 * keyword-only parameters and ``**kwargs`` by name, in their order. The frame
 * itself is then cleared unrun by its caller, as after any hook. */
static PyObject *dapper_call_with_frame_args(dapper_iframe *frame, PyObject *func) {
#if PY_VERSION_HEX < 0x030C0000
    PyCodeObject *co = frame->f_code;
    PyObject **locals = frame->localsplus;
    Py_ssize_t argcount = co->co_argcount;
    Py_ssize_t kwonly = co->co_kwonlyargcount;
    Py_ssize_t slot = argcount + kwonly;
    PyObject *varargs = NULL;
    PyObject *varkw = NULL;
    if (co->co_flags & CO_VARARGS) {
        varargs = locals[slot++];
    }
    if (co->co_flags & CO_VARKEYWORDS) {
        varkw = locals[slot++];
    }
    for (Py_ssize_t i = 0; i < slot; i++) {
        if (locals[i] == NULL) {
            PyErr_SetString(PyExc_SystemError, "dapper: unbound argument at frame entry");
            return NULL;
        }
    }
    if ((varargs != NULL && !PyTuple_CheckExact(varargs))
        || (varkw != NULL && !PyDict_Check(varkw))) {
        PyErr_SetString(PyExc_SystemError, "dapper: unexpected *args/**kwargs at frame entry");
        return NULL;
    }
    Py_ssize_t nvar = varargs ? PyTuple_GET_SIZE(varargs) : 0;
    Py_ssize_t nkw = kwonly + (varkw ? PyDict_GET_SIZE(varkw) : 0);
    Py_ssize_t npos = argcount + nvar;
    /* one spare slot in front: PY_VECTORCALL_ARGUMENTS_OFFSET */
    PyObject **stack = PyMem_Malloc((size_t)(1 + npos + nkw) * sizeof(PyObject *));
    if (stack == NULL) {
        return PyErr_NoMemory();
    }
    PyObject **args = stack + 1;
    PyObject *kwnames = NULL;
    PyObject *result = NULL;
    Py_ssize_t n = 0;
    for (Py_ssize_t i = 0; i < argcount; i++) {
        args[n++] = locals[i];
    }
    for (Py_ssize_t i = 0; i < nvar; i++) {
        args[n++] = PyTuple_GET_ITEM(varargs, i);
    }
    if (nkw > 0) {
        kwnames = PyTuple_New(nkw);
        if (kwnames == NULL) {
            goto done;
        }
        Py_ssize_t k = 0;
        for (Py_ssize_t i = 0; i < kwonly; i++) {
            PyObject *name = PyTuple_GET_ITEM(co->co_localsplusnames, argcount + i);
            Py_INCREF(name);
            PyTuple_SET_ITEM(kwnames, k++, name);
            args[n++] = locals[argcount + i];
        }
        if (varkw != NULL) {
            Py_ssize_t pos = 0;
            PyObject *key;
            PyObject *value;
            /* no Python code runs while the dict is walked: nothing can change it */
            while (k < nkw && PyDict_Next(varkw, &pos, &key, &value)) {
                Py_INCREF(key);
                PyTuple_SET_ITEM(kwnames, k++, key);
                args[n++] = value;
            }
        }
        if (k != nkw) {
            PyErr_SetString(PyExc_SystemError, "dapper: **kwargs changed at frame entry");
            goto done;
        }
    }
    /* The arguments stay owned by the frame, alive until its caller clears it. */
    result = PyObject_Vectorcall(func, args, (size_t)npos | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                 kwnames);
done:
    Py_XDECREF(kwnames);
    PyMem_Free(stack);
    return result;
#else
    (void)frame;
    (void)func;
    PyErr_SetString(PyExc_SystemError, "dapper: twin entry is 3.11 only");
    return NULL;
#endif
}

/* 3.11: breakpoint lines of traced code objects, so the C trace function can
 * drop line events of every other line without calling into Python. A small
 * open-addressing table keyed by the code object's address; each entry holds
 * strong references to the code and to a bytes bitmap (bit n: line n holds a
 * breakpoint). A code object not in the table gets all its lines delivered
 * (the Python side filters and registers it), so a full table only costs speed. */
#define DAPPER_LINEMAP_SLOTS 2048
typedef struct {
    PyObject *code;
    PyObject *bits; /* bytes */
} dapper_linemap_entry;

static dapper_linemap_entry dapper_linemaps[DAPPER_LINEMAP_SLOTS];
static int dapper_linemap_count = 0;

static inline size_t dapper_linemap_slot(PyObject *code) {
    uintptr_t v = (uintptr_t)code;
    return (size_t)((v >> 4) ^ (v >> 14)) & (DAPPER_LINEMAP_SLOTS - 1);
}

/* 1: line wanted (holds a breakpoint, or the code is unknown); 0: drop it. */
static inline int dapper_linemap_wants(PyObject *code, int line) {
    if (dapper_linemap_count == 0) return 1;
    size_t i = dapper_linemap_slot(code);
    for (int probe = 0; probe < DAPPER_LINEMAP_SLOTS; probe++) {
        dapper_linemap_entry *e = &dapper_linemaps[i];
        if (e->code == code) {
            Py_ssize_t n = PyBytes_GET_SIZE(e->bits);
            if (line < 0 || (Py_ssize_t)(line >> 3) >= n) return 0;
            return (PyBytes_AS_STRING(e->bits)[line >> 3] >> (line & 7)) & 1;
        }
        if (e->code == NULL) return 1;
        i = (i + 1) & (DAPPER_LINEMAP_SLOTS - 1);
    }
    return 1;
}

/* Register (or replace) the bitmap of ``code``; 0 on success, -1 when full. */
static int dapper_linemap_set(PyObject *code, PyObject *bits) {
    size_t i = dapper_linemap_slot(code);
    if (dapper_linemap_count >= DAPPER_LINEMAP_SLOTS * 3 / 4) {
        /* keep probes short: replace only existing entries */
        for (int probe = 0; probe < DAPPER_LINEMAP_SLOTS; probe++) {
            dapper_linemap_entry *e = &dapper_linemaps[i];
            if (e->code == NULL) return -1;
            if (e->code == code) break;
            i = (i + 1) & (DAPPER_LINEMAP_SLOTS - 1);
        }
    }
    for (int probe = 0; probe < DAPPER_LINEMAP_SLOTS; probe++) {
        dapper_linemap_entry *e = &dapper_linemaps[i];
        if (e->code == code) {
            PyObject *old = e->bits;
            Py_INCREF(bits);
            e->bits = bits;
            Py_DECREF(old);
            return 0;
        }
        if (e->code == NULL) {
            Py_INCREF(code);
            Py_INCREF(bits);
            e->code = code;
            e->bits = bits;
            dapper_linemap_count++;
            return 0;
        }
        i = (i + 1) & (DAPPER_LINEMAP_SLOTS - 1);
    }
    return -1;
}

/* Forget every registered bitmap (breakpoints changed). */
static void dapper_linemap_clear(void) {
    PyObject *codes[DAPPER_LINEMAP_SLOTS];
    PyObject *bits[DAPPER_LINEMAP_SLOTS];
    int n = 0;
    for (int i = 0; i < DAPPER_LINEMAP_SLOTS; i++) {
        if (dapper_linemaps[i].code != NULL) {
            codes[n] = dapper_linemaps[i].code;
            bits[n] = dapper_linemaps[i].bits;
            n++;
            dapper_linemaps[i].code = NULL;
            dapper_linemaps[i].bits = NULL;
        }
    }
    dapper_linemap_count = 0;
    /* Release after the table is consistent: a DECREF may run arbitrary code. */
    for (int i = 0; i < n; i++) {
        Py_DECREF(codes[i]);
        Py_DECREF(bits[i]);
    }
}

#endif /* DAPPER_FRAME_EVALUATOR_COMPAT_H */
