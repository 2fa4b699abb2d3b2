"""The launch/attach key tables match what the code reads.

Editor integrations (the VS Code extension's configuration schema) are built
and checked from ``LAUNCH_KEYS``/``ATTACH_KEYS``; a key that the adapter or the
engine starts reading without being listed would silently be missing there.
The arguments are given as a dict that records every key looked up.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dapper._frame_eval.config import FRAME_EVAL_KEYS, FrameEvalConfig
from dapper.adapter.attach import parse_attach_target
from dapper.adapter.launch_config import ATTACH_KEYS, LAUNCH_KEYS, parse_launch
from dapper.engine.engine import Engine


class RecordingDict(dict):
    """A dict that remembers every key read from it, however it is read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def get(self, key: Any, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: Any) -> bool:
        self.read.add(key)
        return super().__contains__(key)

    def pop(self, key: Any, *default: Any) -> Any:
        self.read.add(key)
        return super().pop(key, *default)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self.read.add(key)
        return super().setdefault(key, default)


def _launch_variants(tmp_path: Path) -> list[dict]:
    program = tmp_path / "prog.py"
    program.write_text("x = 1\n")
    return [
        {"program": str(program)},
        {"program": "prog.py", "cwd": str(tmp_path), "args": "a b", "python": "python3"},
        {"module": "json.tool", "args": ["x"], "env": {"A": "1"}, "console": "internalConsole"},
        {"code": ["x = 1"], "stopOnEntry": True, "justMyCode": False, "noDebug": True},
        {"program": str(program), "frameEval": {"backend": "auto"}},
        {"program": str(program), "pathMappings": [{"localRoot": "/l", "remoteRoot": "/r"}]},
        {"program": str(program), "subProcess": False, "subProcessWait": 2.5},
    ]


def _engine_reads(arguments: dict) -> set[str]:
    recorded = RecordingDict(arguments)
    Engine(FrameEvalConfig()).configure(recorded)
    return recorded.read


def test_every_launch_key_read_is_listed(tmp_path: Path) -> None:
    read: set[str] = set()
    for variant in _launch_variants(tmp_path):
        recorded = RecordingDict(variant)
        parse_launch(recorded)
        read |= recorded.read
        read |= _engine_reads(variant)
    assert read - set(LAUNCH_KEYS) == set(), "add these keys to LAUNCH_KEYS"
    # The table is not padded with keys nothing reads.
    assert set(LAUNCH_KEYS) - read == set()


def test_every_attach_key_read_is_listed() -> None:
    read: set[str] = set()
    for variant in (
        {"connect": {"host": "127.0.0.1", "port": 5678}},
        {"host": "127.0.0.1", "port": 5678, "justMyCode": True},
        {"port": "5678", "frameEval": {"backend": "tracing"}},
        {"listen": {"port": 0}, "pathMappings": [{"localRoot": "/l", "remoteRoot": "/r"}]},
        {"processId": 1234},
        {"connect": {"port": 5678}, "accessToken": "t0k3n", "subProcessId": 4242},
        {"connect": {"port": 5678}, "subProcessId": 4242, "subProcessExit": {"port": 1}},
    ):
        recorded = RecordingDict(variant)
        parse_attach_target(recorded)
        read |= recorded.read
        # The engine's shared configure() reads these, but they mean nothing on attach.
        read |= _engine_reads(variant) - {"stopOnEntry", "noDebug", "redirectOutput", "console"}
    assert read - set(ATTACH_KEYS) == set(), "add these keys to ATTACH_KEYS"
    # The access token is read here for 'listen' (the adapter checks the program's
    # proof), and otherwise by the engine's request gate, before any handler.
    assert set(ATTACH_KEYS) - read == set()


def test_every_frame_eval_key_is_accepted() -> None:
    for key in FRAME_EVAL_KEYS:
        value = "auto" if "backend" in key.lower() else True
        assert FrameEvalConfig.from_dict({key: value}) is not None
    with pytest.raises(ValueError, match="unknown key"):
        FrameEvalConfig.from_dict({"backnd": "auto"})


@pytest.mark.slow
@pytest.mark.parametrize("table", ["launch", "attach", "frameEval"])
def test_adapter_prints_its_keys(table: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dapper.adapter", "--print-launch-keys"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    printed = json.loads(done.stdout)
    expected = {"launch": LAUNCH_KEYS, "attach": ATTACH_KEYS, "frameEval": FRAME_EVAL_KEYS}
    assert printed[table] == list(expected[table])


def test_a_child_session_inherits_debugging_options_and_nothing_attach_ignores() -> None:
    from dapper.adapter.child_sessions import attach_configuration
    from dapper.adapter.launch_keys import unknown_keys

    launch = {
        "type": "dapper",
        "request": "launch",
        "name": "Run",
        "program": "/w/main.py",
        "args": "--fast",
        "cwd": "/w",
        "env": {"A": "1"},
        "envFile": "/w/.env",
        "pythonArgs": ["-X", "dev"],
        "console": "integratedTerminal",
        "redirectOutput": True,
        "stopOnEntry": True,
        "subProcess": True,
        "justMyCode": False,
        "rules": [{"module": "json", "include": True}],
        "showReturnValue": True,
        "pathMappings": [{"localRoot": "/l", "remoteRoot": "/r"}],
    }
    hello = {"name": "worker.py", "pid": 4242, "port": 5999, "accessToken": "t"}
    config = attach_configuration(launch, hello)
    assert unknown_keys(config, ATTACH_KEYS) == []
    for key in ("justMyCode", "rules", "showReturnValue", "pathMappings"):
        assert config[key] == launch[key]
    for key in ("program", "args", "cwd", "env", "envFile", "pythonArgs", "stopOnEntry"):
        assert key not in config
    assert (config["request"], config["subProcessId"]) == ("attach", 4242)
