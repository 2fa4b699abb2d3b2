"""Backends that deliver debugger events, and the machinery that picks one.

Public names (see docs/architecture.md): FrameEvalConfig, FrameEvalCompatibilityPolicy,
FrameEvalBackend, TracingBackend, EvalFrameBackend, FrameEvalManager, FrameEvalRuntime.
"""
