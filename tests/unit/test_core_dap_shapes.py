"""Inspection results, as the engine translates them, validate against the DAP JSON schema (what clients parse)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema
import pytest

from dapper.core.evaluation import completions, evaluate
from dapper.engine.values import dap_completion
from tests.unit.core_inspect_support import DapStore, StoppedCall, evaluate_body, exception_info

_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "debugAdapterProtocol.json").read_text()
)


@cache
def _validator(definition: str, body: bool) -> jsonschema.Draft4Validator:
    if body:
        schema = _SCHEMA["definitions"][definition]["allOf"][1]["properties"]["body"]
    else:
        schema = {"$ref": f"#/definitions/{definition}"}
    return jsonschema.Draft4Validator({**schema, "definitions": _SCHEMA["definitions"]})


def validate(instance: object, definition: str) -> None:
    _validator(definition, False).validate(instance)


def validate_body(instance: object, response: str) -> None:
    _validator(response, True).validate(instance)


class Thing:
    def __init__(self) -> None:
        self.items = {"a": [1, 2], "b": (3,)}
        self._secret = {4}


def test_inspection_results_match_the_protocol():
    def target(stop):
        thing = Thing()  # noqa: F841 - inspected by the debugger
        stop()

    with StoppedCall(target) as call:
        store = DapStore()
        scopes = store.scopes(call.frame)
        for scope in scopes:
            validate(scope, "Scope")
        pending = [scope["variablesReference"] for scope in scopes]
        seen = 0
        while pending and seen < 200:
            for variable in store.variables(pending.pop()):
                validate(variable, "Variable")
                seen += 1
                if variable["variablesReference"] and variable["name"] != "special variables":
                    pending.append(variable["variablesReference"])
        assert seen > 5
        validate_body(
            evaluate_body(evaluate(call.frame, "thing", "repl"), store), "EvaluateResponse"
        )
        ref = scopes[0]["variablesReference"]
        validate_body(store.set_variable(ref, "thing", "[1]", call.frame), "SetVariableResponse")
        for item in completions(call.frame, "th", 3):
            validate(dap_completion(item), "CompletionItem")


def test_exception_info_matches_the_protocol():
    with pytest.raises(ValueError) as caught:
        try:
            raise KeyError("k")
        except KeyError as exc:
            raise ValueError("v") from exc
    info = exception_info(caught.value)
    validate_body(info, "ExceptionInfoResponse")
