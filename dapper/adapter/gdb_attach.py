"""Run inside gdb (``gdb -nx -batch -x gdb_attach.py``), never imported by Dapper:
have a CPython 3.11-3.13 program run Dapper's bootstrap at a safe point.

See docs/decisions/008-attach-by-pid.md. The bootstrap is run with
``PyRun_SimpleString`` only where the interpreter is known to be consistent and
the running thread holds the GIL, never at the instruction gdb happened to stop:

1. At the entry of ``PyEval_SaveThread``: a thread that holds the GIL is about to
   release it around a blocking call (sleep, I/O, a lock), a point where any
   other thread may run Python code.
2. If no thread gets there within ``grace`` seconds (a pure-Python CPU loop never
   releases the GIL), ``Py_AddPendingCall(Py_MakePendingCalls, MAGIC)`` is
   called in the main thread, which then runs that pending call between two
   bytecodes, with the GIL: the same safe point as ``sys.remote_exec``. A
   breakpoint on ``Py_MakePendingCalls`` for our argument is where the
   bootstrap runs. ``Py_MakePendingCalls`` itself is harmless there (pending
   calls do not nest), so a call left queued after a time-out does nothing.

The time limit is enforced here, in gdb: a timer interrupts the target, every
breakpoint is deleted and gdb detaches, so no ``int3`` stays in the target.
What happened is printed as one ``dapper-gdb: WORD TEXT`` line on stdout.

Arguments come as JSON in the ``DAPPER_GDB_ATTACH`` environment variable:
``pid``, ``script`` (the bootstrap's path), ``timeout`` and ``grace`` (seconds).
"""

import json
import os
import signal
import threading
import time

import gdb  # type: ignore[import-untyped]  # only inside gdb

#: Our pending call's argument: a Py_MakePendingCalls not called by us is not ours.
MAGIC = 0xDA99E8
#: Functions holding the pending-calls lock: the main thread must not be in one
#: when we call Py_AddPendingCall in it.
PENDING = ("pending", "handlepending")


def say(word, text=""):
    gdb.write(f"dapper-gdb: {word} {text}\n")
    gdb.flush()


def address(name):
    """The address of an exported function, or None."""
    try:
        return int(gdb.parse_and_eval(f"(long)&{name}"))
    except gdb.error:
        return None


def first_argument():
    arch = gdb.selected_frame().architecture().name()
    register = "$x0" if "aarch64" in arch else "$rdi"
    return int(gdb.parse_and_eval("(unsigned long)" + register))


class Wait:
    """The breakpoints we wait at, and the timer that interrupts the wait."""

    def __init__(self, pid):
        self.pid = pid
        self.breakpoints = []

    def arm(self, *addresses):
        for where in addresses:
            self.breakpoints.append(gdb.Breakpoint(f"*0x{where:x}", internal=True))

    def disarm(self):
        for breakpoint in self.breakpoints:
            if breakpoint.is_valid():
                breakpoint.delete()
        self.breakpoints = []

    def run_until(self, until):
        """Let the target run until one of our breakpoints or ``until``
        (monotonic). Returns the pc of a breakpoint stop, 0 for a stop by our
        time limit, None when the target is gone."""
        state = {"cancelled": False, "fired": False, "due": False}
        lock = threading.Lock()

        def interrupt():
            with lock:
                state["due"] = True
                if not state["cancelled"]:
                    state["fired"] = True
                    os.kill(self.pid, signal.SIGINT)  # gdb stops it; never delivered

        timer = threading.Timer(max(0.0, until - time.monotonic()), interrupt)
        timer.start()
        try:
            while True:
                stops = []
                record = stops.append
                gdb.events.stop.connect(record)
                try:
                    gdb.execute("continue", to_string=True)
                except gdb.error:
                    pass
                finally:
                    gdb.events.stop.disconnect(record)
                if not gdb.selected_inferior().pid:
                    return None
                with lock:
                    state["cancelled"] = True
                ours = [e for e in stops if isinstance(e, gdb.SignalEvent)]
                if ours and ours[-1].stop_signal == "SIGINT" and state["fired"]:
                    return 0
                if any(isinstance(e, gdb.BreakpointEvent) for e in stops):
                    if state["fired"]:
                        continue  # our SIGINT is on its way: take it first
                    return int(gdb.parse_and_eval("(unsigned long)$pc"))
                # Another signal for the program: continue passes it on.
                with lock:
                    if state["due"]:
                        return 0  # the time is up, and the target is stopped
                    state["cancelled"] = False
        finally:
            timer.cancel()


def call_int(expression):
    return int(gdb.parse_and_eval(f"(long)({expression})"))


def in_pending_calls(thread):
    """Whether the thread's stack shows it inside the pending-calls machinery."""
    thread.switch()
    frame = gdb.newest_frame()
    for _ in range(12):
        if frame is None:
            break
        name = (frame.name() or "").lower().replace("_", "")
        if any(part in name for part in PENDING):
            return True
        try:
            frame = frame.older()
        except gdb.error:
            break
    return False


def finalizing():
    for name in ("Py_IsFinalizing", "_Py_IsFinalizing"):
        if address(name) is not None:
            return call_int(f"((int (*)(void)){name})()") != 0
    return False


def inject(script_text):
    """Run the bootstrap in the selected thread, which holds the GIL at a safe
    point; every breakpoint is gone, so other threads run freely meanwhile."""
    data = script_text.encode("utf-8") + b"\0"
    buffer = call_int(f"((void *(*)(unsigned long))malloc)({len(data)})")
    if not buffer:
        raise gdb.error("malloc failed in the target")
    try:
        gdb.selected_inferior().write_memory(buffer, data)
        return call_int(f"((int (*)(const char *))PyRun_SimpleString)((const char *){buffer})")
    finally:
        call_int(f"((void (*)(void *))free)((void *){buffer}), 0")


def main():
    args = json.loads(os.environ["DAPPER_GDB_ATTACH"])
    pid = int(args["pid"])
    with open(args["script"], encoding="utf-8") as handle:
        script_text = handle.read()
    for setting in (
        "set confirm off",
        "set pagination off",
        "set width 0",
        # Our interrupts stop the target but are never delivered to it.
        "handle SIGINT stop print nopass",
    ):
        gdb.execute(setting, to_string=True)
    started = time.monotonic()
    deadline = started + float(args["timeout"])
    try:
        gdb.execute(f"attach {pid}", to_string=True)
    except gdb.error as exc:
        say("attach-failed", str(exc))
        return
    save_thread = address("PyEval_SaveThread")
    trampoline = address("Py_MakePendingCalls")
    if save_thread is None or address("PyRun_SimpleString") is None:
        say("no-python", "the process exports no CPython C API (PyEval_SaveThread)")
        gdb.execute("detach", to_string=True)
        return
    wait = Wait(pid)
    queued = False
    try:
        wait.arm(save_thread)
        grace_end = min(deadline, started + float(args["grace"]))
        while True:
            pc = wait.run_until(grace_end if not queued else deadline)
            if pc is None:
                say("exited", "the process ended")
                return
            at_save = pc == save_thread
            at_trampoline = queued and pc == trampoline and first_argument() == MAGIC
            if at_save or at_trampoline:
                wait.disarm()
                if finalizing():
                    say("finalizing", "the program is exiting")
                    return
                where = "PyEval_SaveThread" if at_save else "Py_AddPendingCall"
                code = inject(script_text)
                say("injected", f"{where} {code} {time.monotonic() - started:.3f}")
                return
            if pc in (save_thread, trampoline):
                continue  # a Py_MakePendingCalls that is not ours
            if time.monotonic() >= deadline:
                say("timeout", f"{time.monotonic() - started:.1f}")
                return
            if not queued and trampoline is not None and time.monotonic() >= grace_end:
                # No thread released the GIL: queue a pending call in the main
                # thread, unless it is inside the pending-calls code right now.
                main_thread = [t for t in gdb.selected_inferior().threads() if t.ptid[1] == pid]
                if main_thread and not in_pending_calls(main_thread[0]):
                    main_thread[0].switch()  # pending calls run in the main thread
                    wait.disarm()  # no breakpoint may be hit during the call
                    if call_int(f"Py_AddPendingCall((void *){trampoline}, (void *){MAGIC})"):
                        say("error", "Py_AddPendingCall failed")
                        return
                    queued = True
                    wait.arm(save_thread, trampoline)
                else:
                    grace_end = time.monotonic() + 0.2  # try again shortly
    finally:
        wait.disarm()
        if gdb.selected_inferior().pid:
            gdb.execute("detach", to_string=True)


try:
    main()
except Exception as exc:  # noqa: BLE001  # reported as the one line the adapter reads
    say("error", f"{type(exc).__name__}: {exc}")
