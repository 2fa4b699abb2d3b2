"""FrameEvalConfig: validation and the three ways a user asks for a backend."""

from __future__ import annotations

import pytest

from dapper._frame_eval.config import FrameEvalConfig, FrameEvalConfigError


def test_defaults():
    cfg = FrameEvalConfig.from_dict(None)
    assert (cfg.backend, cfg.tracing_backend, cfg.fallback_to_tracing) == ("auto", "auto", True)


def test_from_dict_accepts_camel_case_launch_argument():
    cfg = FrameEvalConfig.from_dict(
        {"backend": "tracing", "tracingBackend": "settrace", "fallbackToTracing": False}
    )
    assert cfg == FrameEvalConfig("tracing", "settrace", False)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"backend": "fast"}, "frameEval.backend"),
        ({"tracingBackend": "ptrace"}, "frameEval.tracingBackend"),
        ({"fallbackToTracing": "yes"}, "frameEval.fallbackToTracing"),
        ({"backnd": "auto"}, "frameEval.backnd"),
        ({"backend": 3}, "frameEval.backend"),
    ],
)
def test_bad_input_names_the_key(data, key):
    with pytest.raises(FrameEvalConfigError) as info:
        FrameEvalConfig.from_dict(data)
    assert str(info.value).startswith(key + ":")
    assert isinstance(info.value, ValueError)


def test_from_dict_rejects_non_mapping():
    with pytest.raises(FrameEvalConfigError, match="frameEval: expected an object"):
        FrameEvalConfig.from_dict(["auto"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("auto", FrameEvalConfig("auto")),
        ("eval_frame", FrameEvalConfig("eval_frame")),
        ("tracing", FrameEvalConfig("tracing")),
        ("sys.monitoring", FrameEvalConfig("tracing", "sys.monitoring")),
        ("settrace", FrameEvalConfig("tracing", "settrace")),
    ],
)
def test_from_backend_name(name, expected):
    assert FrameEvalConfig.from_backend_name(name) == expected


def test_from_backend_name_rejects_unknown():
    with pytest.raises(FrameEvalConfigError, match="backend: 'pep523'"):
        FrameEvalConfig.from_backend_name("pep523")


def test_env_and_launch_argument_precedence():
    env = {"DAPPER_BACKEND": "settrace"}
    assert FrameEvalConfig.from_env({}) is None
    assert FrameEvalConfig.resolve(None, env) == FrameEvalConfig("tracing", "settrace")
    assert FrameEvalConfig.resolve({"backend": "eval_frame"}, env).backend == "eval_frame"
    assert FrameEvalConfig.resolve(None, {}) == FrameEvalConfig()
    with pytest.raises(FrameEvalConfigError, match="DAPPER_BACKEND"):
        FrameEvalConfig.from_env({"DAPPER_BACKEND": "nope"})


def test_config_is_frozen_and_validated_on_construction():
    cfg = FrameEvalConfig()
    with pytest.raises(AttributeError):
        cfg.backend = "tracing"  # type: ignore[misc]
    with pytest.raises(FrameEvalConfigError, match="frameEval.backend"):
        FrameEvalConfig(backend="sys.monitoring")
