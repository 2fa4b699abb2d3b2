"""The capabilities Dapper advertises in its ``initialize`` response, built
from what core supports.

Only what works end to end is listed here; the e2e tests prove each one. The
adapter answers ``initialize`` before any engine runs, so it imports this one
module of the engine (the only edge from adapter to engine).
"""

from __future__ import annotations

from typing import Any

from dapper.core.exception_filters import CONDITION_HELP, FILTERS


def exception_breakpoint_filters() -> list[dict[str, Any]]:
    """DAP ``ExceptionBreakpointsFilter`` objects for core's exception filters."""
    return [
        {
            "filter": f.name,
            "label": f.label,
            "description": f.description,
            "default": f.default,
            "supportsCondition": True,
            "conditionDescription": CONDITION_HELP,
        }
        for f in FILTERS
    ]


def capabilities() -> dict[str, Any]:
    return {
        "supportsConfigurationDoneRequest": True,
        "supportsConditionalBreakpoints": True,
        "supportsHitConditionalBreakpoints": True,
        "supportsLogPoints": True,
        "supportsFunctionBreakpoints": True,
        "supportsBreakpointLocationsRequest": True,
        "exceptionBreakpointFilters": exception_breakpoint_filters(),
        "supportsExceptionFilterOptions": True,
        "supportsExceptionInfoRequest": True,
        "supportsEvaluateForHovers": True,
        "supportsSetVariable": True,
        "supportsSetExpression": True,
        "supportsCompletionsRequest": True,
        "supportsValueFormattingOptions": True,
        "supportsClipboardContext": True,
        "supportsDelayedStackTraceLoading": True,
        "supportsLoadedSourcesRequest": True,
        "supportsModulesRequest": True,
        "supportsTerminateRequest": True,
        "supportsRestartRequest": True,
        "supportTerminateDebuggee": True,
        "supportsStepInTargetsRequest": True,
        "supportsGotoTargetsRequest": True,
        "supportsSingleThreadExecutionRequests": False,
    }
