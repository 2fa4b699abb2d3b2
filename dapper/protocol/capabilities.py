"""The capabilities Dapper advertises in its ``initialize`` response.

Only what works end to end is listed here; the e2e tests prove each one.
"""

from __future__ import annotations

from dapper.core.exception_breakpoints import FILTERS


def capabilities() -> dict:
    return {
        "supportsConfigurationDoneRequest": True,
        "supportsConditionalBreakpoints": True,
        "supportsHitConditionalBreakpoints": True,
        "supportsLogPoints": True,
        "supportsFunctionBreakpoints": True,
        "supportsBreakpointLocationsRequest": True,
        "exceptionBreakpointFilters": [dict(f) for f in FILTERS],
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
