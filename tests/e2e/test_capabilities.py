"""``initialize`` advertises exactly the capabilities the e2e suite proves."""

from __future__ import annotations

#: capability -> the e2e test that proves it
PROVEN = {
    "supportsConfigurationDoneRequest": "every launch (DapClient.launch)",
    "supportsConditionalBreakpoints": "test_breakpoints::test_condition_raising_condition_and_logpoint",
    "supportsHitConditionalBreakpoints": "test_breakpoints::test_hit_conditions_and_invalid_options",
    "supportsLogPoints": "test_breakpoints::test_condition_raising_condition_and_logpoint",
    "supportsFunctionBreakpoints": "test_breakpoints::test_function_breakpoints",
    "supportsBreakpointLocationsRequest": "test_breakpoints::test_breakpoint_locations",
    "supportsExceptionFilterOptions": "test_exceptions::test_raised_with_condition_and_uncaught",
    "supportsExceptionInfoRequest": "test_exceptions::test_raised_with_condition_and_uncaught",
    "supportsEvaluateForHovers": "test_inspection::test_evaluate_contexts_limits_and_changes",
    "supportsSetVariable": "test_inspection::test_evaluate_contexts_limits_and_changes",
    "supportsSetExpression": "test_inspection::test_evaluate_contexts_limits_and_changes",
    "supportsCompletionsRequest": "test_inspection::test_evaluate_contexts_limits_and_changes",
    "supportsValueFormattingOptions": "test_inspection::test_stack_scopes_and_variables",
    "supportsClipboardContext": "test_inspection::test_evaluate_contexts_limits_and_changes",
    "supportsDelayedStackTraceLoading": "test_inspection::test_stack_scopes_and_variables",
    "supportsLoadedSourcesRequest": "test_inspection::test_evaluate_contexts_limits_and_changes",
    "supportsModulesRequest": "test_inspection::test_evaluate_contexts_limits_and_changes",
    "supportsStepInTargetsRequest": "test_jumps::test_step_in_targets",
    "supportsGotoTargetsRequest": "test_jumps::test_goto_skips_lines_and_refuses_illegal_jumps",
    "supportsTerminateRequest": "test_spine::test_terminate_request",
    "supportsRestartRequest": "test_spine::test_restart_keeps_breakpoints",
    "supportTerminateDebuggee": "test_spine::test_pause_threads_continue_and_disconnect_terminates",
}


def test_initialize_advertises_what_is_proven(dap):
    body = dap.initialize()["body"]
    advertised = {name for name, value in body.items() if value is True}
    assert advertised == set(PROVEN)
    filters = {f["filter"]: f for f in body["exceptionBreakpointFilters"]}
    assert set(filters) == {"raised", "uncaught", "userUnhandled"}
    assert all(f["supportsCondition"] for f in filters.values())
    assert filters["uncaught"]["default"] is True and not filters["raised"]["default"]
