"""The engine's DAP server: serves one client's requests into core.

Runs on the engine thread, which is never traced. Requests that touch user
objects are run on the stopped thread through ``Debugger.run_on``. Handlers
follow ``dapper.protocol.dispatcher``'s convention.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from dapper import os_threads
from dapper.access_token import ATTACH_KEY, matches
from dapper.core.debugger import Debugger
from dapper.core.errors import DebuggerError
from dapper.core.frame_label import FrameFormat
from dapper.engine.breakpoints import breakpoint_spec, dap_breakpoints, exception_filters
from dapper.engine.capabilities import capabilities
from dapper.engine.errors import request_error
from dapper.engine.path_mapping import MessageTranslator, PathMapper
from dapper.engine.values import dap_module, dap_source, dap_stack_trace, dap_target
from dapper.protocol import messages
from dapper.protocol.arguments import arguments_of, int_arg
from dapper.protocol.child_link import ChildLink
from dapper.protocol.connection import Connection
from dapper.protocol.dispatcher import RequestDispatcher, after, handles
from dapper.protocol.messages import CHILD_LINK, DEBUGGEE_PID, RELEASE_OUTPUT, RequestError

if TYPE_CHECKING:
    from dapper.engine.engine import Engine


class EngineServer:
    """One client connection to the engine: its requests, served into core."""

    def __init__(self, engine: Engine, connection: Connection) -> None:
        self.engine = engine
        self.debugger: Debugger = engine.debugger
        self.inspector = engine.inspector
        self.connection = connection
        self.disconnected = os_threads.Event()
        #: whether this client may run requests (it sent the engine's access
        #: token, or the engine needs none); see ``dapper.access_token``
        self.admitted = engine.access_token is None
        self._initialized_pending = False
        #: whether the client attached (or launched): only then does its
        #: leaving release a program waiting for a client
        self.attached = False
        #: client paths <-> debuggee paths, from the launch/attach 'pathMappings'
        self.paths = MessageTranslator(PathMapper(), self._reference_for_loaded_file)
        connection.rewrite_in = lambda message: self.paths.inbound(message)
        connection.rewrite_out = lambda message: self.paths.outbound(message)
        self.dispatcher = RequestDispatcher(
            self,
            connection,
            label="Dapper",
            translate_error=_core_error,
            before=self._check_admitted,
        )
        self.ends_process = False
        #: nested debugs checked by their request, started once it is answered
        self._debug_runs: dict[int, Any] = {}

    def send_event(self, name: str, body: dict[str, Any] | None = None) -> None:
        self.dispatcher.send_event(name, body)

    def serve(self) -> None:
        """Handle requests until the client disconnects or goes away."""
        self.dispatcher.serve(self.disconnected.is_set)
        self.connection.close()

    # ------------------------------------------------------------ lifecycle

    def _check_admitted(self, request: dict) -> None:
        if not self.admitted:
            self._admit(request)

    def _admit(self, request: dict) -> None:
        """Before the access token is checked only ``initialize`` and
        ``disconnect`` are answered; ``attach``/``launch`` must carry it."""
        command = request["command"]
        if command in ("initialize", "disconnect"):
            return
        arguments = request.get("arguments")
        given = arguments.get(ATTACH_KEY) if isinstance(arguments, dict) else None
        if command in ("attach", "launch") and matches(self.engine.access_token, given):
            self.admitted = True
            if self._initialized_pending:
                self.send_event("initialized")
            return
        why = "no access token" if given is None else "a wrong access token"
        self.engine.report_refusal(self.connection, f"'{command}' with {why}")
        self.disconnected.set()  # the connection closes after this answer
        raise RequestError(
            f"this debuggee requires an access token: send it as '{ATTACH_KEY}' "
            "in the 'attach' arguments",
            error_id=messages.ERR_ACCESS_DENIED,
        )

    @handles("initialize")
    def on_initialize(self, request: dict) -> dict:
        arguments_of(request)
        return capabilities()

    @after("initialize")
    def after_initialize(self, request: dict) -> None:
        if self.admitted:
            self.send_event("initialized")
        else:
            self._initialized_pending = True  # sent once the access token checks out

    def _configure(self, request: dict) -> None:
        arguments = arguments_of(request)
        self.engine.configure(arguments)
        self.attached = True
        sock = self.connection.socket
        if sock is not None:
            sock.settimeout(None)  # attached: idle is normal from now on
        self.paths = MessageTranslator(
            PathMapper(self.engine.path_mappings), self._reference_for_loaded_file
        )

    def _reference_for_loaded_file(self, path: str) -> int | None:
        """A ``sourceReference`` for a file no path mapping covers, only if the
        program loaded it (as ``source`` by path): a path the client named,
        echoed in an answer (``setBreakpoints``), must not make any file readable."""
        from dapper.core.sources import program_has_file

        if not program_has_file(path, self.debugger.breakpoints.is_loaded):
            return None
        return self.debugger.sources.reference_for_file(path)

    @handles("launch")
    def on_launch(self, request: dict) -> dict:
        self._configure(request)
        return {DEBUGGEE_PID: os.getpid()}

    @handles("attach")
    def on_attach(self, request: dict) -> None:
        self._configure(request)
        # A child announced by Dapper ends with its session (as a launch does).
        self.ends_process = isinstance(arguments_of(request).get("subProcessId"), int)
        link = ChildLink.from_json(arguments_of(request).get(CHILD_LINK))
        if link is not None and self.engine.on_child_link is not None:
            self.engine.on_child_link(link)

    @handles("configurationDone")
    def on_configuration_done(self, request: dict) -> None:
        self.engine.configuration_done()

    @handles("disconnect")
    def on_disconnect(self, request: dict) -> None:
        arguments = arguments_of(request)
        self.disconnected.set()
        if arguments.get("terminateDebuggee", self.ends_process):
            self.engine.terminate_soon()
        elif arguments.get(RELEASE_OUTPUT):
            self.engine.release_output()

    @handles("terminate")
    def on_terminate(self, request: dict) -> None:
        self.engine.terminate_soon()

    @handles("dapper/exceptions")
    def on_dapper_exceptions(self, request: dict) -> dict:
        """Dapper's own (for ``dapper debug``'s ``exceptions``): the chain of the
        stopped thread's exception, the first raised first; with ``show``,
        that one's traceback becomes the thread's stack."""
        from dapper.core.exception_info import exception_repr

        arguments = arguments_of(request)
        thread_id = int_arg(arguments, "threadId")
        show = int_arg(arguments, "show", required=False, default=-1)
        if show != -1:
            self.debugger.show_exception(thread_id, show)
        chain = self.debugger.exception_chain(thread_id)
        suspension = self.debugger.suspension_for(thread_id)
        texts = self.debugger.run_on(suspension, lambda: [exception_repr(e) for e in chain])
        return {"exceptions": texts}

    @handles("dapper/debugCode")
    def on_dapper_debug_code(self, request: dict) -> None:
        """Dapper's own (for ``dapper debug``'s ``debug CODE``): with ``frameId``
        and ``expression``, run the code in that frame under a nested debug
        (it stops at its first line; when it ends, an output event says how
        and a ``stopped`` event, description "nested debug ended", is back at
        the thread's stop); with ``threadId`` and ``quit``, end the thread's
        innermost nested debug. Answered at once; the rest follows as events."""
        arguments = arguments_of(request)
        if arguments.get("quit") is True:
            self.debugger.nested_debug_of(int_arg(arguments, "threadId"))
            return
        expression = arguments.get("expression")
        if not isinstance(expression, str):
            raise RequestError("dapper/debugCode needs 'expression' (the code to run)")
        run = self.debugger.prepare_debug_code(int_arg(arguments, "frameId"), expression)
        self._debug_runs[request["seq"]] = run

    @after("dapper/debugCode")
    def after_dapper_debug_code(self, request: dict) -> None:
        arguments = arguments_of(request)
        if arguments.get("quit") is True:
            self.debugger.quit_debug_code(arguments["threadId"])
            return
        run = self._debug_runs.pop(request["seq"], None)
        if run is not None:
            self.debugger.start_debug_code(run)

    @handles("dapper/status")
    def on_dapper_status(self, request: dict) -> dict:
        return self.engine.status()

    # ------------------------------------------------------------ breakpoints

    @handles("setBreakpoints")
    def on_set_breakpoints(self, request: dict) -> dict:
        arguments = arguments_of(request)
        source = arguments.get("source")
        if not isinstance(source, dict) or not isinstance(source.get("path"), str):
            raise RequestError("setBreakpoints needs 'source.path'")
        specs = arguments.get("breakpoints")
        if specs is None:
            specs = [{"line": line} for line in arguments.get("lines", [])]
        if not isinstance(specs, list) or not all(
            isinstance(s, dict) and isinstance(s.get("line"), int) for s in specs
        ):
            raise RequestError("'breakpoints' must be an array of objects with an integer 'line'")
        if self.engine.no_debug:
            return {"breakpoints": _not_debugging(specs)}
        statuses = self.debugger.set_breakpoints(
            source["path"], [breakpoint_spec(spec) for spec in specs], source
        )
        self.engine.templates.breakpoints_changed()
        return {"breakpoints": dap_breakpoints(statuses)}

    @handles("setFunctionBreakpoints")
    def on_set_function_breakpoints(self, request: dict) -> dict:
        specs = arguments_of(request).get("breakpoints")
        if not isinstance(specs, list) or not all(
            isinstance(s, dict) and isinstance(s.get("name"), str) for s in specs
        ):
            raise RequestError("'breakpoints' must be an array of objects with a string 'name'")
        if self.engine.no_debug:
            return {"breakpoints": _not_debugging(specs)}
        statuses = self.debugger.set_function_breakpoints([breakpoint_spec(s) for s in specs])
        return {"breakpoints": dap_breakpoints(statuses)}

    @handles("setExceptionBreakpoints")
    def on_set_exception_breakpoints(self, request: dict) -> dict:
        if self.engine.no_debug:
            return {"breakpoints": []}
        requested = exception_filters(arguments_of(request))
        accepted = self.debugger.set_exception_breakpoints(requested)
        return {"breakpoints": [{"verified": True} for _ in accepted]}

    @handles("breakpointLocations")
    def on_breakpoint_locations(self, request: dict) -> dict:
        arguments = arguments_of(request)
        source = arguments.get("source")
        if not isinstance(source, dict) or not isinstance(source.get("path"), str):
            raise RequestError("breakpointLocations needs 'source.path'")
        line = int_arg(arguments, "line")
        end_line = arguments.get("endLine")
        lines = self.debugger.breakpoints.breakpoint_locations(source["path"], line, end_line)
        return {"breakpoints": [{"line": number} for number in lines]}

    # ------------------------------------------------------------ execution

    @handles("threads")
    def on_threads(self, request: dict) -> dict:
        return {
            "threads": [
                {"id": thread_id, "name": name}
                for thread_id, name in self.debugger.describe_threads()
            ]
        }

    # Resuming happens after the response is sent: a program that ends at once
    # must not take the response down with it.

    @handles("continue")
    def on_continue(self, request: dict) -> dict:
        int_arg(arguments_of(request), "threadId")
        return {"allThreadsContinued": True}

    @after("continue")
    def after_continue(self, request: dict) -> None:
        self.debugger.resume_all()

    def _check_step(self, request: dict) -> None:
        arguments = arguments_of(request)
        self.debugger.suspension_for(int_arg(arguments, "threadId"))
        _call_and_return(arguments)

    def _step(self, request: dict, kind: str, target: str | None = None) -> None:
        arguments = arguments_of(request)
        suspension = self.debugger.suspension_for(arguments["threadId"])
        self.debugger.resume_all(
            suspension.ident, kind, target, call_and_return=_call_and_return(arguments)
        )

    @handles("next")
    def on_next(self, request: dict) -> None:
        self._check_step(request)

    @after("next")
    def after_next(self, request: dict) -> None:
        self._step(request, "over")

    @handles("stepIn")
    def on_step_in(self, request: dict) -> None:
        self._check_step(request)
        target_id = int_arg(arguments_of(request), "targetId", required=False, default=-1)
        if target_id != -1 and self._step_in_target(request, target_id) is None:
            raise RequestError(f"unknown stepIn targetId {target_id}")

    def _step_in_target(self, request: dict, target_id: int) -> str | None:
        from dapper.core.step_targets import step_in_targets, target_name

        suspension = self.debugger.suspension_for(arguments_of(request)["threadId"])
        for target in step_in_targets(suspension.frame) if suspension.frame is not None else []:
            if target.id == target_id:
                return target_name(target.label)
        return None

    @after("stepIn")
    def after_step_in(self, request: dict) -> None:
        arguments = arguments_of(request)
        target = (
            self._step_in_target(request, arguments["targetId"])
            if isinstance(arguments.get("targetId"), int)
            else None
        )
        self._step(request, "in", target)

    @handles("stepInTargets")
    def on_step_in_targets(self, request: dict) -> dict:
        from dapper.core.step_targets import step_in_targets

        suspension, frame = self.debugger.frame(int_arg(arguments_of(request), "frameId"))
        if frame is not suspension.frame:
            return {"targets": []}
        return {"targets": [dap_target(target) for target in step_in_targets(frame)]}

    @handles("gotoTargets")
    def on_goto_targets(self, request: dict) -> dict:
        from dapper.core.jumps import goto_targets
        from dapper.core.source_lines import SourceUnavailableError, get_source_lines

        arguments = arguments_of(request)
        source = arguments.get("source")
        if not isinstance(source, dict) or not isinstance(source.get("path"), str):
            raise RequestError("gotoTargets needs 'source.path'")
        try:
            lines = get_source_lines(source["path"]).executable_lines
        except SourceUnavailableError as exc:
            raise RequestError(str(exc)) from None
        targets = goto_targets(lines, int_arg(arguments, "line"))
        return {"targets": [dap_target(target) for target in targets]}

    @handles("goto")
    def on_goto(self, request: dict) -> None:
        arguments = arguments_of(request)
        self.debugger.goto(int_arg(arguments, "threadId"), int_arg(arguments, "targetId"))

    @after("goto")
    def after_goto(self, request: dict) -> None:
        self.send_event(
            "stopped",
            {
                "reason": "goto",
                "threadId": arguments_of(request)["threadId"],
                "allThreadsStopped": True,
            },
        )

    @handles("stepOut")
    def on_step_out(self, request: dict) -> None:
        self._check_step(request)

    @after("stepOut")
    def after_step_out(self, request: dict) -> None:
        self._step(request, "out")

    @handles("pause")
    def on_pause(self, request: dict) -> None:
        int_arg(arguments_of(request), "threadId")
        self.debugger.pause()

    # ------------------------------------------------------------ inspection

    @handles("stackTrace")
    def on_stack_trace(self, request: dict) -> dict:
        arguments = arguments_of(request)
        fmt = arguments.get("format")
        if fmt is not None and not isinstance(fmt, dict):
            raise RequestError("'format' must be an object")
        page = self.debugger.stack_trace(
            int_arg(arguments, "threadId"),
            int_arg(arguments, "startFrame", required=False),
            int_arg(arguments, "levels", required=False),
            _frame_format(fmt),
        )
        return dap_stack_trace(page)

    @handles("source")
    def on_source(self, request: dict) -> dict:
        arguments = arguments_of(request)
        ref = arguments.get("sourceReference")
        if ref is None and isinstance(arguments.get("source"), dict):
            ref = arguments["source"].get("sourceReference")
        if not isinstance(ref, int) or ref <= 0:
            source = arguments.get("source")
            path = source.get("path") if isinstance(source, dict) else None
            if isinstance(path, str) and path:
                from dapper.core.sources import program_has_file

                if not program_has_file(path, self.debugger.breakpoints.is_loaded):
                    raise RequestError(
                        f"source serves only files the program has loaded; {path!r} is not one"
                    )
                try:
                    with open(path, encoding="utf-8", errors="replace") as handle:
                        return {"content": handle.read(), "mimeType": "text/x-python"}
                except OSError as exc:
                    raise RequestError(f"cannot read {path!r}: {exc.strerror or exc}") from None
            raise RequestError("source needs a positive 'sourceReference' or a loaded 'path'")
        text = self.debugger.sources.text(ref)
        if text is None:
            raise RequestError(f"no source is available for sourceReference {ref}")
        return {"content": text, "mimeType": "text/x-python"}

    @handles("loadedSources")
    def on_loaded_sources(self, request: dict) -> dict:
        from dapper.core.sources import loaded_sources

        return {"sources": [dap_source(source) for source in loaded_sources()]}

    @handles("modules")
    def on_modules(self, request: dict) -> dict:
        from dapper.core.sources import modules

        arguments = arguments_of(request)
        found = modules()
        start = int_arg(arguments, "startModule", required=False)
        count = int_arg(arguments, "moduleCount", required=False)
        page = found[start : start + count] if count else found[start:]
        return {"modules": [dap_module(module) for module in page], "totalModules": len(found)}

    @handles("scopes")
    def on_scopes(self, request: dict) -> dict:
        return self.inspector.scopes(int_arg(arguments_of(request), "frameId"))

    @handles("variables")
    def on_variables(self, request: dict) -> dict:
        return self.inspector.variables(arguments_of(request))

    @handles("evaluate")
    def on_evaluate(self, request: dict) -> dict:
        return self.inspector.evaluate(arguments_of(request))

    @handles("setVariable")
    def on_set_variable(self, request: dict) -> dict:
        return self.inspector.set_variable(arguments_of(request))

    @handles("setExpression")
    def on_set_expression(self, request: dict) -> dict:
        return self.inspector.set_expression(arguments_of(request))

    @handles("completions")
    def on_completions(self, request: dict) -> dict:
        return self.inspector.completions(arguments_of(request))

    @handles("exceptionInfo")
    def on_exception_info(self, request: dict) -> dict:
        return self.inspector.exception_info(int_arg(arguments_of(request), "threadId"))


_PARAMETER_PARTS = ("parameterTypes", "parameterNames", "parameterValues")


def _frame_format(fmt: dict[str, Any] | None) -> FrameFormat | None:
    """DAP's ``StackFrameFormat`` as core's ``FrameFormat``; None when it changes
    no frame's name. With only ``parameters``, names and values are shown (as
    VS Code's defaults do)."""
    if not fmt or not any(
        fmt.get(key) for key in ("parameters", *_PARAMETER_PARTS, "line", "module")
    ):
        return None
    given = any(key in fmt for key in _PARAMETER_PARTS)
    show = {
        key: bool(fmt.get(key, not given and key != "parameterTypes")) for key in _PARAMETER_PARTS
    }
    return FrameFormat(
        parameters=bool(fmt.get("parameters") or any(fmt.get(key) for key in _PARAMETER_PARTS)),
        names=show["parameterNames"],
        types=show["parameterTypes"],
        values=show["parameterValues"],
        module=bool(fmt.get("module")),
        line=bool(fmt.get("line")),
        hex=bool(fmt.get("hex")),
    )


def _core_error(exc: Exception) -> RequestError | None:
    return request_error(exc) if isinstance(exc, DebuggerError) else None


def _not_debugging(specs: list) -> list[dict]:
    """Breakpoints of a ``noDebug`` run: answered, never set."""
    message = "not debugging: the program runs without the debugger (noDebug)"
    return [{"verified": False, "message": message} for _ in specs]


#: a step request's argument (Dapper's own, used by ``dapper debug``): also stop
#: where pdb stops with ``--Call--`` and ``--Return--``
CALL_AND_RETURN = "stopAtCallAndReturn"


def _call_and_return(arguments: dict) -> bool:
    value = arguments.get(CALL_AND_RETURN, False)
    if not isinstance(value, bool):
        raise RequestError(f"'{CALL_AND_RETURN}' must be true or false")
    return value
