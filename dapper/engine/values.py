"""Core's inspection records as DAP objects: the one place their wire shape is decided.

Core answers ``scopes``, ``variables``, ``evaluate``, ``stackTrace``, … with
plain records (``Scope``, ``Variable``, ``StackEntry``, ``SourceInfo``,
``Completion``, ``Target``, ``ExceptionDetails``, ``ModuleInfo``); these
functions give each the DAP shape a client reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only read here: importing them would slow the debuggee's start-up
    from dapper.core.completions import Completion
    from dapper.core.exception_info import ExceptionDetails
    from dapper.core.sources import ModuleInfo, SourceInfo
    from dapper.core.stack import StackPage
    from dapper.core.step_targets import Target
    from dapper.core.variables import Scope, Variable


def dap_scope(scope: Scope) -> dict[str, Any]:
    result: dict[str, Any] = {"name": scope.name}
    if scope.is_locals:
        result["presentationHint"] = "locals"
    result["variablesReference"] = scope.reference
    result["namedVariables"] = scope.named
    result["expensive"] = scope.expensive
    return result


def _hint(variable: Variable) -> dict[str, Any]:
    hint: dict[str, Any] = {"kind": variable.kind}
    if variable.read_only:
        hint["attributes"] = ["readOnly"]
    if variable.visibility:
        hint["visibility"] = variable.visibility
    return hint


def _children(result: dict[str, Any], variable: Variable) -> dict[str, Any]:
    if variable.named:
        result["namedVariables"] = variable.named
    if variable.indexed:
        result["indexedVariables"] = variable.indexed
    return result


def dap_variable(variable: Variable) -> dict[str, Any]:
    """A DAP ``Variable``."""
    result: dict[str, Any] = {
        "name": variable.name,
        "value": variable.value,
        "variablesReference": variable.reference,
    }
    if variable.type is not None:
        result["type"] = variable.type
    if variable.evaluate_name:
        result["evaluateName"] = variable.evaluate_name
    result["presentationHint"] = _hint(variable)
    return _children(result, variable)


def dap_value(variable: Variable) -> dict[str, Any]:
    """The ``setVariable`` / ``setExpression`` response body: the value as it is now."""
    result: dict[str, Any] = {"value": variable.value}
    if variable.type is not None:
        result["type"] = variable.type
    result["variablesReference"] = variable.reference
    return _children(result, variable)


def dap_evaluate(output: str, variable: Variable | None) -> dict[str, Any]:
    """The ``evaluate`` response body: what the code printed, then the value's repr."""
    if variable is None:
        return {"result": output, "variablesReference": 0}
    result: dict[str, Any] = {
        "result": f"{output}\n{variable.value}" if output else variable.value,
        "variablesReference": variable.reference,
    }
    if variable.type is not None:
        result["type"] = variable.type
    result["presentationHint"] = _hint(variable)
    return _children(result, variable)


def dap_source(source: SourceInfo) -> dict[str, Any]:
    """A DAP ``Source``: a path, or a reference the ``source`` request serves."""
    if source.path is not None:
        return {"name": source.name, "path": source.path}
    return {
        "name": source.name,
        "sourceReference": source.reference,
        "presentationHint": "normal" if source.has_text else "deemphasize",
    }


def dap_stack_trace(page: StackPage) -> dict[str, Any]:
    """The ``stackTrace`` response body."""
    frames: list[dict[str, Any]] = []
    for entry in page.entries:
        if entry.source is None:  # a label entry ("awaited by ...")
            frames.append(
                {
                    "id": entry.id,
                    "name": entry.name,
                    "line": 0,
                    "column": 0,
                    "presentationHint": "label",
                }
            )
            continue
        frame: dict[str, Any] = {
            "id": entry.id,
            "name": entry.name,
            "source": dap_source(entry.source),
            "line": entry.line,
            "column": 1,
        }
        if entry.library:
            frame["presentationHint"] = "subtle"
        frames.append(frame)
    return {"stackFrames": frames, "totalFrames": page.total}


def dap_completion(item: Completion) -> dict[str, Any]:
    """A DAP ``CompletionItem``."""
    return {
        "label": item.name,
        "text": item.name,
        "type": item.kind,
        "start": item.start,
        "length": item.length,
    }


def dap_target(target: Target) -> dict[str, Any]:
    """A DAP ``StepInTarget`` or ``GotoTarget``."""
    return {"id": target.id, "label": target.label, "line": target.line}


def dap_exception_details(details: ExceptionDetails) -> dict[str, Any]:
    """DAP ``ExceptionDetails``; the cause/context goes in ``innerException``."""
    result: dict[str, Any] = {
        "message": details.message,
        "typeName": details.type_name,
        "fullTypeName": details.full_type_name,
        "stackTrace": details.stack_trace,
    }
    if details.inner is not None:
        result["innerException"] = [dap_exception_details(details.inner)]
    return result


def dap_exception_info(details: ExceptionDetails, break_mode: str) -> dict[str, Any]:
    """The ``exceptionInfo`` response body."""
    return {
        "exceptionId": details.full_type_name,
        "description": details.message,
        "details": dap_exception_details(details),
        "breakMode": break_mode,
    }


def dap_module(module: ModuleInfo) -> dict[str, Any]:
    """A DAP ``Module``."""
    result: dict[str, Any] = {"id": module.name, "name": module.name}
    if module.path is not None:
        result["path"] = module.path
        result["isUserCode"] = module.is_user_code
    return result
