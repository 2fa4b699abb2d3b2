"""debugpy's launch keys, each with a fixture program that prints what it got."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.e2e.dap_client import REPO_ROOT, DapClient
from tests.e2e.helpers import cont, line, path, wait_output
from tests.e2e.terminal_console import launch_in_terminal

PROBE = "launch_probe.py"


def _probe(dap, category: str = "stdout") -> dict:
    wait_output(dap, "PROBE ", category)
    wait_output(dap, "}\n", category)
    text = dap.output(category)
    return json.loads(text.split("PROBE ", 1)[1].splitlines()[0])


@pytest.fixture
def dap_with_env():
    """An adapter whose environment has PROBE_GONE, which launches remove."""
    client = DapClient(env={"PROBE_GONE": "inherited"})
    yield client
    client.close()
    assert client.invalid == []


def test_env_file_args_string_cwd_and_interpreter_options(dap_with_env, frame_eval, tmp_path):
    dap = dap_with_env
    env_file = tmp_path / "app.env"
    env_file.write_text(
        "# comment line\n"
        "PROBE_PLAIN=plain value # trailing comment\n"
        "export PROBE_SINGLE='not ${env:HOME} # kept'\n"
        'PROBE_DOUBLE="two\\nlines"\n'
        "PROBE_EXPANDED=${env:PROBE_BASE}/sub:${PROBE_PLAIN}\n"
        "PROBE_OVERRIDDEN=from file\n",
        encoding="utf-8",
    )
    dap.launch(
        program=path(PROBE),
        args="one 'two words' \"three\"",
        envFile=str(env_file),
        env={"PROBE_BASE": "/base", "PROBE_OVERRIDDEN": "from env", "PROBE_GONE": None},
        python=[sys.executable, "-X", "dev"],
        pythonArgs=["-O"],
        frameEval=frame_eval,
    )
    assert dap.wait_exit() == 0
    got = _probe(dap)
    assert got["argv"] == ["one", "two words", "three"]
    assert got["cwd"] == os.path.dirname(path(PROBE))  # no cwd: the program's folder
    assert got["env"] == {
        "PROBE_PLAIN": "plain value",
        "PROBE_SINGLE": "not ${env:HOME} # kept",
        "PROBE_DOUBLE": "two\nlines",
        "PROBE_EXPANDED": "/base/sub:plain value",
        "PROBE_OVERRIDDEN": "from env",
        "PROBE_BASE": "/base",
    }
    assert (got["dev_mode"], got["optimize"]) == (True, 1)
    # -X dev shows every ResourceWarning: none may come from Dapper.
    assert "ResourceWarning" not in dap.output("stderr")
    assert [e["body"].get("systemProcessId") for e in dap.events("process")] == [got["pid"]]


def test_args_expansion_none_keeps_the_string_whole(dap, frame_eval):
    dap.launch(program=path(PROBE), args="a b  c", argsExpansion="none", frameEval=frame_eval)
    assert dap.wait_exit() == 0
    assert _probe(dap)["argv"] == ["a b  c"]


def test_redirect_output_false_keeps_output_out_of_the_debug_console(dap, frame_eval):
    dap.launch(program=path(PROBE), redirectOutput=False, frameEval=frame_eval)
    assert dap.wait_exit() == 0
    assert dap.output("stdout") == ""


def test_unknown_keys_are_named_once(dap, frame_eval):
    dap.launch(
        program=path(PROBE),
        frameEval=frame_eval,
        sudo=True,
        stopOnEntyr=True,
        preLaunchTask="build",
        __sessionId="x",
        debugOptions=["RedirectOutput", "WaitOnNormalExit", "UnixClient"],
    )
    assert dap.wait_exit() == 0
    lines = [line for line in dap.output("console").splitlines() if "ignores" in line]
    assert len(lines) == 1
    assert "'sudo'" in lines[0] and "'stopOnEntyr'" in lines[0]
    # debugpy's legacy flag for an option Dapper lacks is named like the option.
    assert "'waitOnNormalExit'" in lines[0]
    for silent in ("preLaunchTask", "__sessionId", "RedirectOutput", "UnixClient"):
        assert silent not in lines[0]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("showReturnValue", "yes", "'showReturnValue' must be a boolean, got a string"),
        ("pythonArgs", "-O", "'pythonArgs' must be an array of strings, got a string"),
        ("envFile", 3, "'envFile' must be a string, got a number"),
        ("rules", {"path": "x"}, "'rules' must be an array of objects, got an object"),
    ],
)
def test_a_mistyped_key_is_an_error_naming_key_and_type(dap, key, value, expected):
    dap.initialize()
    response = dap.request("launch", {"program": path(PROBE), key: value}, ok=False)
    assert not response["success"] and expected in response["message"]


def test_integrated_terminal_keys(frame_eval):
    """runInTerminal: the title is consoleName, null env entries are removed, a
    string of args goes to the client's shell, redirectOutput copies the
    output to the debug console and the process event has the real pid."""
    dap = DapClient(env={"PROBE_FROM_ADAPTER": "inherited"})
    try:
        request, process, seq = launch_in_terminal(
            dap,
            {
                "program": path(PROBE),
                "console": "integratedTerminal",
                "consoleName": "Probe console",
                "args": "$PROBE_SHELL 'x y'",
                "env": {"PROBE_SHELL": "expanded", "PROBE_FROM_ADAPTER": None},
                "redirectOutput": True,
                "frameEval": frame_eval,
            },
            supportsArgsCanBeInterpretedByShell=True,
        )
        arguments = request["arguments"]
        assert arguments["title"] == "Probe console"
        assert arguments["argsCanBeInterpretedByShell"] is True
        assert arguments["env"]["PROBE_FROM_ADAPTER"] is None
        dap.configure()
        assert dap.wait_response(seq)["success"]
        terminal_output = process.communicate(timeout=30)[0].decode()
        assert dap.wait_exit() == 0
        got = json.loads(terminal_output.split("PROBE ", 1)[1].splitlines()[0])
        assert got["argv"] == ["expanded", "x y"]
        assert got["env"] == {"PROBE_SHELL": "expanded"}
        assert _probe(dap) == got  # redirectOutput: the debug console saw it too
        assert [e["body"].get("systemProcessId") for e in dap.events("process")] == [got["pid"]]
    finally:
        dap.close()
    assert dap.invalid == []


def test_disconnect_ends_a_program_launched_in_the_terminal(dap, frame_eval):
    request, process, seq = launch_in_terminal(
        dap, {"program": path("spin.py"), "console": "integratedTerminal", "frameEval": frame_eval}
    )
    dap.configure()
    assert dap.wait_response(seq)["success"]
    dap.request("disconnect", {})
    assert process.wait(timeout=30) is not None
    process.stdout.close()


def test_system_exit_non_zero_is_uncaught(dap, frame_eval):
    program = path("system_exit.py")
    dap.launch(program=program, args=["3"], frameEval=frame_eval, exception_filters=["uncaught"])
    stopped = dap.wait_stopped("exception")
    assert dap.top_frame(stopped["body"]["threadId"])["line"] == line("system_exit.py", "exit_call")
    info = dap.request("exceptionInfo", {"threadId": stopped["body"]["threadId"]})["body"]
    assert info["breakMode"] == "unhandled" and "SystemExit" in info["exceptionId"]
    cont(dap, stopped)
    assert dap.wait_exit() == 3


@pytest.mark.parametrize(
    ("code", "filters", "extra"),
    [("3", [], {}), ("0", ["uncaught", "raised"], {})],
)
def test_system_exit_without_a_stop(dap, frame_eval, code, filters, extra):
    dap.launch(
        program=path("system_exit.py"),
        args=[code],
        frameEval=frame_eval,
        exception_filters=filters,
        **extra,
    )
    assert dap.wait_exit() == int(code)
    assert dap.events("stopped") == []


def test_break_on_system_exit_zero(dap, frame_eval):
    dap.launch(
        program=path("system_exit.py"),
        args=["0"],
        breakOnSystemExitZero=True,
        frameEval=frame_eval,
        exception_filters=["uncaught"],
    )
    stopped = dap.wait_stopped("exception")
    cont(dap, stopped)
    assert dap.wait_exit() == 0


def test_raised_then_uncaught_stops_twice(dap, frame_eval):
    dap.launch(
        program=path("exit_code.py"),
        args=["raise"],
        frameEval=frame_eval,
        exception_filters=["raised", "uncaught"],
    )
    modes = []
    for _ in range(2):
        stopped = dap.wait_stopped("exception")
        tid = stopped["body"]["threadId"]
        modes.append(dap.request("exceptionInfo", {"threadId": tid})["body"]["breakMode"])
        cont(dap, stopped)
    assert modes == ["always", "unhandled"]
    assert dap.wait_exit() == 1


def test_show_return_value_false_hides_the_return_value(dap, frame_eval):
    target = "exit_main.py"
    for show in (True, False):
        client = DapClient()
        try:
            client.launch(
                program=path(target),
                showReturnValue=show,
                frameEval=frame_eval,
                breakpoints={path(target): [{"line": line(target, "main_return")}]},
            )
            tid = client.wait_stopped("breakpoint")["body"]["threadId"]
            client.request("next", {"threadId": tid})
            client.wait_stopped("step")
            frame = client.top_frame(tid)
            scopes = client.request("scopes", {"frameId": frame["id"]})["body"]["scopes"]
            names = [
                v["name"]
                for scope in scopes
                for v in client.request(
                    "variables", {"variablesReference": scope["variablesReference"]}
                )["body"]["variables"]
            ]
            assert any("(return) main" in name for name in names) is show
            client.request("continue", {"threadId": tid})
            assert client.wait_exit() == 0
        finally:
            client.close()


def test_builtin_breakpoint_stops_in_dapper(dap, frame_eval):
    target = "builtin_breakpoint.py"
    dap.launch(program=path(target), frameEval=frame_eval)
    stopped = dap.wait_stopped("breakpoint")
    frame = dap.top_frame(stopped["body"]["threadId"])
    assert (frame["name"], frame["line"]) == ("work", line(target, "after_breakpoint"))
    cont(dap, stopped)
    assert dap.wait_exit() == 0 and "result 8" in dap.output("stdout")


def test_pythonbreakpoint_0_turns_breakpoint_off(dap, frame_eval):
    dap.launch(
        program=path("builtin_breakpoint.py"),
        env={"PYTHONBREAKPOINT": "0"},
        frameEval=frame_eval,
    )
    assert dap.wait_exit() == 0 and "result 8" in dap.output("stdout")
    assert dap.events("stopped") == []


def test_rules_include_a_library_module_and_exclude_a_user_file(dap, frame_eval):
    target = "rules_main.py"
    dap.launch(
        program=path(target),
        frameEval=frame_eval,
        justMyCode=True,
        rules=[{"path": path("rules_helper.py"), "include": False}, {"module": "json"}],
        breakpoints={path(target): [{"line": line(target, "call_helper")}]},
    )
    tid = dap.wait_stopped("breakpoint")["body"]["threadId"]
    dap.request("stepIn", {"threadId": tid})  # into an excluded file: runs through it
    dap.wait_stopped("step")
    frame = dap.top_frame(tid)
    assert (frame["name"], frame["line"]) == ("main", line(target, "call_json"))
    dap.request("stepIn", {"threadId": tid})  # into an included library module
    dap.wait_stopped("step")
    frame = dap.top_frame(tid)
    assert frame["name"] == "loads"
    assert frame["source"]["path"].endswith(os.path.join("json", "__init__.py"))
    cont(dap, {"body": {"threadId": tid}})
    assert dap.wait_exit() == 0


def test_adapter_started_as_the_vs_code_extension_starts_it(tmp_path):
    """ms-python.debugpy's debugAdapterPath: ``<python> <path>/dapper/adapter --log-dir DIR``,
    sent the configuration as that extension resolves a launch.json entry (it adds
    debugOptions, clientOS, workspaceFolder, the adapter/launcher interpreters, and
    renames consoleName to consoleTitle): nothing in it is reported as ignored."""
    log_dir = tmp_path / "logs"
    workspace = tmp_path / "ws"
    workspace.mkdir()
    adapter_dir = os.path.join(str(REPO_ROOT), "dapper", "adapter")
    client = DapClient(command=[sys.executable, adapter_dir, "--log-dir", str(log_dir)])
    try:
        client.launch(
            type="debugpy",
            name="Python Debugger: Current File",
            program=path(PROBE),
            args=["--fast"],
            console="internalConsole",
            consoleTitle="Probe",
            cwd=str(workspace),
            envFile=str(workspace / ".env"),  # the extension's default; absent here
            env={"PROBE_FROM_EXTENSION": "1"},
            python=[sys.executable],
            debugAdapterPython=sys.executable,
            debugLauncherPython=sys.executable,
            debugAdapterPath=adapter_dir,
            stopOnEntry=False,
            showReturnValue=True,
            justMyCode=True,
            redirectOutput=True,
            debugOptions=["ShowReturnValue", "RedirectOutput"],
            workspaceFolder=str(workspace),
            clientOS="unix",
            logToFile=True,
            __configurationTarget=6,
            __sessionId="4b1e0ad7-aaaa-bbbb-cccc-0123456789ab",
        )
        assert client.wait_exit() == 0
        got = _probe(client)
        assert (got["argv"], got["cwd"]) == (["--fast"], str(workspace))
        assert got["env"] == {"PROBE_FROM_EXTENSION": "1"}
        assert "ignores" not in client.output("console")
    finally:
        client.close()
    logs = list(log_dir.iterdir())
    assert len(logs) == 1 and '"command": "launch"' in logs[0].read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "dapper", "--version"],
        [sys.executable, "-m", "dapper.cli", "--version"],
        [sys.executable, "-m", "dapper.adapter", "--version"],
    ],
)
def test_version(command):
    from dapper import __version__

    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0 and __version__ in out.stdout
