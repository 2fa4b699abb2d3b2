"""Backends that deliver debugger events, and the machinery that picks one.

Nothing is imported here (importing the package must not load the compiled
hook). The public names live in their own modules:

- ``config.FrameEvalConfig``, ``compatibility_policy.FrameEvalCompatibilityPolicy``
- ``backend.FrameEvalBackend`` (the contract), ``tracing_backend.TracingBackend``,
  ``eval_frame_backend.EvalFrameBackend``
- ``frame_eval_main.FrameEvalManager``, ``runtime.FrameEvalRuntime``
- ``_frame_evaluator`` (the compiled PEP 523 hook)
"""
