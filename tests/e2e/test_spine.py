"""The spine end to end: launch/attach, process lifetime, output, exit codes,
bad input. Each test drives a real adapter over stdio with a real debuggee."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import pytest

from dapper.protocol.framing import MessageReader, encode_message
from tests.e2e.conftest import fixture_path
from tests.e2e.dap_client import REPO_ROOT, TIMEOUT, DapClient, validate
from tests.e2e.helpers import (
    evaluate,
    line,
    process_gone,
    shows_debugger_frames,
    start_listening,
)

HELLO = fixture_path("hello.py")
SPIN = fixture_path("spin.py")
EXIT_CODE = fixture_path("exit_code.py")


def test_launch_breakpoint_output_and_exit(dap, frame_eval):
    dap.launch(program=HELLO, frameEval=frame_eval, breakpoints={HELLO: [{"line": 5}]})
    process = dap.wait_event("process")
    assert process["body"]["startMethod"] == "launch"
    stopped = dap.wait_stopped("breakpoint")
    assert stopped["body"]["allThreadsStopped"] is True
    frame = dap.top_frame(stopped["body"]["threadId"])
    assert frame["line"] == 5 and frame["source"]["path"] == os.path.realpath(HELLO)
    # Breakpoints sent before configurationDone held before any later line ran.
    assert "value is" not in dap.output("stdout")
    dap.request("continue", {"threadId": stopped["body"]["threadId"]})
    assert dap.wait_exit() == 0
    assert "hello from the debuggee\n" in dap.output("stdout")
    assert "value is 42\n" in dap.output("stdout")
    assert dap.output("stderr") == "to stderr\n"
    names = [m.get("event") for m in dap.messages if m["type"] == "event"]
    assert names.index("exited") < names.index("terminated")
    assert names.index("initialized") < names.index("stopped")


def test_status_reports_the_requested_backend(dap, frame_eval):
    dap.launch(program=HELLO, frameEval=frame_eval, breakpoints={HELLO: [{"line": 5}]})
    stopped = dap.wait_stopped("breakpoint")
    status = dap.request("dapper/status")["body"]
    expected = (
        frame_eval.get("tracing_backend") if frame_eval["backend"] == "tracing" else "eval_frame"
    )
    assert status["status"]["backend"] == expected
    assert isinstance(status["stats"], dict)
    dap.request("continue", {"threadId": stopped["body"]["threadId"]})
    assert dap.wait_exit() == 0


@pytest.mark.parametrize(
    ("mode", "code", "text"),
    [
        ("raise", 1, "ValueError: boom"),
        ("exit3", 3, "about to exit exit3"),
        ("kill", 137, "last words"),
        ("os_exit", 5, "unflushed before os._exit"),
        ("normal", 0, "about to exit normal"),
    ],
)
def test_exit_codes_and_no_lost_output(dap, mode, code, text):
    dap.launch(program=EXIT_CODE, args=[mode], exception_filters=[])
    assert dap.wait_exit() == code
    assert text in dap.output()


def test_uncaught_exception_stops_then_exits_1(dap):
    dap.launch(program=EXIT_CODE, args=["raise"])
    stopped = dap.wait_stopped("exception")
    assert "boom" in stopped["body"].get("text", "")
    frame = dap.top_frame(stopped["body"]["threadId"])
    assert frame["line"] == 7
    dap.request("continue", {"threadId": stopped["body"]["threadId"]})
    assert dap.wait_exit() == 1
    assert "ValueError: boom" in dap.output("stderr")
    assert not shows_debugger_frames(dap.output("stderr"))  # no launcher frames in the traceback


def test_stop_on_entry(dap, frame_eval):
    dap.launch(program=HELLO, stopOnEntry=True, frameEval=frame_eval)
    stopped = dap.wait_stopped("entry")
    assert dap.top_frame(stopped["body"]["threadId"])["line"] == 1
    assert dap.output("stdout") == ""
    dap.request("continue", {"threadId": stopped["body"]["threadId"]})
    assert dap.wait_exit() == 0


def test_pause_threads_continue_and_disconnect_terminates(dap, frame_eval):
    dap.launch(program=SPIN, frameEval=frame_eval)
    dap.wait_for(lambda m: "spinning" in dap.output("stdout"), what="spinning output")
    threads = dap.request("threads")["body"]["threads"]
    assert [t["name"] for t in threads] == ["MainThread"]
    dap.request("pause", {"threadId": threads[0]["id"]})
    stopped = dap.wait_stopped("pause")
    frame = dap.top_frame(stopped["body"]["threadId"])
    assert frame["name"] == "spin" and 6 <= frame["line"] <= 9
    dap.request("continue", {"threadId": stopped["body"]["threadId"]})
    response = dap.request("disconnect", {"terminateDebuggee": True})
    assert response["success"]
    assert dap.events("exited") and dap.events("terminated")
    assert dap.events("exited")[0]["body"]["exitCode"] != 0


def test_disconnect_without_terminating_lets_program_finish(dap, tmp_path):
    out = tmp_path / "done.txt"
    dap.launch(program=fixture_path("write_at_end.py"), args=[str(out)])
    dap.request("disconnect", {"terminateDebuggee": False})
    assert _text_once_written(out) == "ran to the end"


def test_program_left_running_after_disconnect_can_still_print(dap, tmp_path):
    # The adapter reads a launched program's output; once the client disconnects
    # without ending it, that reader goes away and the program must not die of
    # a broken pipe on its next print.
    out = tmp_path / "result.txt"
    dap.launch(program=fixture_path("detach_prints.py"), args=[str(out)])
    dap.wait_for(lambda m: "before detach" in dap.output("stdout"), what="output before detach")
    dap.request("disconnect", {"terminateDebuggee": False})
    assert "further output is discarded" in dap.output("console")
    dap.close()
    assert _text_once_written(out) == "printed fine"


def _text_once_written(path) -> str:
    """What a program left running without a client writes to ``path`` (no DAP
    event can tell: the session is over), once it is there."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if path.exists() and (text := path.read_text()):
            return text
        time.sleep(0.05)
    return ""


def test_terminate_request(dap):
    dap.launch(program=SPIN)
    dap.wait_for(lambda m: "spinning" in dap.output("stdout"), what="spinning output")
    dap.request("terminate")
    code = dap.wait_exit()
    assert code in (143, 137)


def test_restart_keeps_breakpoints(dap):
    dap.launch(program=HELLO, breakpoints={HELLO: [{"line": 5}]})
    first = dap.wait_stopped("breakpoint")
    # The schema's restart arguments are an ambiguous oneOf: skip request validation.
    dap.request("restart", {"arguments": {"program": HELLO}}, check=False)
    second = dap.wait_stopped("breakpoint")
    assert dap.top_frame(second["body"]["threadId"])["line"] == 5
    assert first["seq"] < second["seq"]
    dap.request("continue", {"threadId": second["body"]["threadId"]})
    assert dap.wait_exit() == 0
    assert len(dap.events("terminated")) == 1


def test_debuggee_exiting_while_stopped(dap):
    program = fixture_path("stop_then_exit.py")
    dap.launch(program=program, breakpoints={program: [{"line": 10}]})
    stopped = dap.wait_stopped("breakpoint")
    frame_id = dap.top_frame(stopped["body"]["threadId"])["id"]
    # Still evaluating when the process is killed: the request must not hang.
    seq = dap.send_request(
        "evaluate",
        {"expression": "__import__('time').sleep(3)", "frameId": frame_id, "context": "repl"},
    )
    assert dap.wait_exit() == 137
    response = dap.wait_response(seq)
    assert response["success"] is False and response["command"] == "evaluate"
    assert "exited" in response["message"]


def test_module_and_code_launch(dap):
    dap.launch(code="import sys\nprint('from code', sys.argv[1:])", args=["x"])
    assert dap.wait_exit() == 0
    assert "from code ['x']" in dap.output("stdout")


def test_module_that_does_not_import(dap):
    dap.launch(module="no_such_module_anywhere")
    assert dap.wait_exit() == 1
    assert "No module named" in dap.output("stderr")


def test_console_falls_back_to_internal_with_a_note(dap):
    dap.launch(program=HELLO, console="integratedTerminal")
    assert dap.wait_exit() == 0
    assert "internal console" in dap.output("console")
    assert "hello from the debuggee" in dap.output("stdout")


def test_run_in_terminal_reverse_request(dap):
    dap.initialize(supportsRunInTerminalRequest=True)
    seq = dap.send_request("launch", {"program": HELLO, "console": "integratedTerminal"})
    request = dap.wait_for(
        lambda m: m.get("type") == "request" and m.get("command") == "runInTerminal",
        what="runInTerminal",
    )
    args = request["arguments"]
    env = dict(os.environ, **args.get("env", {}))
    out = subprocess.Popen(
        args["args"], cwd=args["cwd"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    dap.send(
        {
            "type": "response",
            "request_seq": request["seq"],
            "success": True,
            "command": "runInTerminal",
            "body": {"processId": out.pid},
        }
    )
    dap.wait_event("initialized")
    dap.configure()
    assert dap.wait_response(seq)["success"]
    assert out.wait(timeout=TIMEOUT) == 0
    assert b"hello from the debuggee" in out.stdout.read()
    out.stdout.close()
    assert dap.wait_exit() == 0


# ---------------------------------------------------------------- attach


def _listen(
    program: str, *args: str, env_extra: dict | None = None
) -> tuple[subprocess.Popen, int]:
    return start_listening("--wait-for-client", program, *args, env_extra=env_extra)


def test_attach_detach_and_attach_again(tmp_path):
    out = tmp_path / "finished.txt"
    program = fixture_path("attach_target.py")
    proc, port = _listen(program, str(out))
    try:
        first = DapClient()
        try:
            first.initialize()
            seq = first.send_request("attach", {"connect": {"host": "127.0.0.1", "port": port}})
            first.wait_event("initialized")
            first.configure(breakpoints={program: [{"line": 9}]})
            assert first.wait_response(seq)["success"]
            stopped = first.wait_stopped("breakpoint")
            first.request("disconnect", {})
            assert first.invalid == []
        finally:
            first.close()
        second = DapClient()
        try:
            second.initialize()
            seq = second.send_request("attach", {"host": "127.0.0.1", "port": port})
            second.wait_event("initialized")
            second.configure(breakpoints={program: [{"line": 9}]})
            assert second.wait_response(seq)["success"]
            stopped = second.wait_stopped("breakpoint")
            tick = second.request(
                "evaluate",
                {
                    "expression": "tick",
                    "frameId": second.top_frame(stopped["body"]["threadId"])["id"],
                    "context": "watch",
                },
            )
            assert int(tick["body"]["result"]) > 0
            second.request(
                "evaluate",
                {
                    "expression": "done = True",
                    "frameId": second.top_frame(stopped["body"]["threadId"])["id"],
                    "context": "repl",
                },
            )
            second.request("setBreakpoints", {"source": {"path": program}, "breakpoints": []})
            second.request("continue", {"threadId": stopped["body"]["threadId"]})
            assert second.wait_event("exited")["body"]["exitCode"] == 0
            second.wait_event("terminated")
            assert second.invalid == []
        finally:
            second.close()
        assert proc.wait(timeout=TIMEOUT) == 0
        assert out.read_text() == "finished"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_attach_to_nothing_is_a_clear_error(dap):
    dap.initialize()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    response = dap.request("attach", {"connect": {"host": "127.0.0.1", "port": port}}, ok=False)
    assert not response["success"] and "cannot attach" in response["message"]


def test_listen_on_a_taken_port_fails_clearly():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "dapper", "--listen", str(port), HELLO],
            env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
            capture_output=True,
            timeout=TIMEOUT,
        )
    assert result.returncode == 2
    assert b"cannot listen on 127.0.0.1" in result.stderr


# ---------------------------------------------------------------- bad input


def test_bad_messages_get_errors_and_session_survives(dap):
    dap.initialize()
    dap.send_raw(b"Content-Length: 9\r\n\r\n{not json")
    dap.send_raw(b"X-Other: 1\r\n\r\n")  # no Content-Length
    bad_type = dap.request("launch", {"program": 42}, ok=False, check=False)
    assert "'program' must be a string" in bad_type["message"]
    missing = dap.request("launch", {}, ok=False)
    assert "exactly one of 'program', 'module' or 'code'" in missing["message"]
    nowhere = dap.request("launch", {"program": "/no/such/file.py"}, ok=False)
    assert "does not exist" in nowhere["message"]
    bad_eval = dap.request("launch", {"program": HELLO, "frameEval": {"backend": "warp"}}, ok=False)
    assert "backend" in bad_eval["message"]
    unknown = dap.request("flyToTheMoon", {}, ok=False)
    assert "flyToTheMoon" in unknown["message"]
    assert "bad message" in dap.output("console")
    # The session still works after all that.
    dap.launch(program=HELLO)
    assert dap.wait_exit() == 0


def test_wrong_argument_types_to_engine_requests(dap):
    dap.launch(program=HELLO, breakpoints={HELLO: [{"line": 5}]})
    stopped = dap.wait_stopped("breakpoint")
    response = dap.request("stackTrace", {"threadId": "one"}, ok=False, check=False)
    assert "'threadId' must be an integer" in response["message"]
    response = dap.request("variables", {}, ok=False, check=False)
    assert "variablesReference" in response["message"]
    response = dap.request("setBreakpoints", {"source": {}}, ok=False, check=False)
    assert "source.path" in response["message"]
    dap.request("continue", {"threadId": stopped["body"]["threadId"]})
    assert dap.wait_exit() == 0


def test_lying_content_length_does_not_hang(dap):
    dap.initialize()
    body = b'{"seq": 50, "type": "request", "command": "threads"}'
    dap.send_raw(b"Content-Length: %d\r\n\r\n" % (len(body) - 10) + body)
    response = dap.request("threads", ok=False)  # no debuggee yet: a clear error, not a hang
    assert response["success"] is False


def test_client_vanishing_kills_launched_debuggee(tmp_path):
    client = DapClient()
    try:
        client.launch(program=SPIN)
        pid = client.wait_event("process")["body"]["systemProcessId"]
        client.wait_for(lambda m: "spinning" in client.output("stdout"), what="spinning")
        client.process.stdin.close()
        assert client.process.wait(timeout=TIMEOUT) == 0
        assert process_gone(pid)
    finally:
        client.close()


def test_tcp_mode_serves_one_session_per_connection_and_keeps_serving(tmp_path):
    log_file = tmp_path / "trace.log"
    adapter = subprocess.Popen(
        [sys.executable, "-m", "dapper.adapter", "--port", "0", "--log-file", str(log_file)],
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
    )
    try:
        line = adapter.stderr.readline().decode()
        port = int(re.search(r"listening on [\d.]+:(\d+)", line).group(1))
        for _ in range(2):
            with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
                sock.sendall(
                    encode_message(
                        {
                            "seq": 1,
                            "type": "request",
                            "command": "initialize",
                            "arguments": {"adapterID": "x"},
                        }
                    )
                )
                reader = MessageReader(sock.makefile("rb"))
                response = reader.read()
                validate(response)
                assert response["success"] and response["body"]["supportsConfigurationDoneRequest"]
        assert '"command":"initialize"' in log_file.read_text().replace(" ", "")
    finally:
        adapter.kill()
        adapter.wait()
        adapter.stderr.close()


def test_thread_events_and_names(dap):
    code = "import threading\nt = threading.Thread(target=lambda: None, name='worker-1')\nt.start(); t.join()\nprint('joined')"
    dap.launch(code=code)
    assert dap.wait_exit() == 0
    started = [e for e in dap.events("thread") if e["body"]["reason"] == "started"]
    exited = [e for e in dap.events("thread") if e["body"]["reason"] == "exited"]
    assert len(started) == 1 and len(exited) == 1
    assert started[0]["body"]["threadId"] == exited[0]["body"]["threadId"] != 1


def test_launch_arguments_cwd_env_python_and_unknown_keys(dap, tmp_path):
    code = (
        "import os, sys\n"
        "print('cwd', os.getcwd())\n"
        "print('env', os.environ.get('DAPPER_TEST_VALUE'))\n"
        "print('dev', sys.flags.dev_mode)\n"
        "print('argv', sys.argv[1:])\n"
    )
    dap.launch(
        code=code,
        args=["a b", "c"],
        cwd=str(tmp_path),
        env={"DAPPER_TEST_VALUE": "from-launch"},
        python=[sys.executable, "-X", "dev"],
        type="dapper",
        request="launch",
        name="a user's launch.json entry",
        preLaunchTask="build",
    )
    assert dap.wait_exit() == 0
    out = dap.output("stdout")
    assert f"cwd {os.path.realpath(tmp_path)}\n" in out
    assert "env from-launch\n" in out
    assert "dev True\n" in out
    assert "argv ['a b', 'c']\n" in out


def test_launched_debuggee_ends_when_its_adapter_is_killed():
    client = DapClient()
    try:
        client.launch(program=SPIN)
        pid = client.wait_event("process")["body"]["systemProcessId"]
        client.wait_for(lambda m: "spinning" in client.output("stdout"), what="spinning")
        client.process.kill()  # the editor's adapter dies without a word
        client.process.wait(timeout=TIMEOUT)
        assert process_gone(pid)
    finally:
        client.close()


def test_forked_children_run_undebugged_and_the_parent_still_stops(dap, frame_eval):
    # A child made by fork() has no engine thread and shares the parent's
    # connection: it must neither stop (nobody could resume it) nor write to
    # the client. The parent keeps its breakpoints.
    program = fixture_path("forking.py")
    dap.launch(
        program=program,
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={program: [{"line": line("forking.py", "square_body")}]},
    )
    stop = dap.wait_stopped("breakpoint")
    frame = dap.top_frame(stop["body"]["threadId"])
    assert frame["name"] == "square"
    assert evaluate(dap, stop["body"]["threadId"], "x") == "3"
    dap.request("continue", {"threadId": stop["body"]["threadId"]})
    assert dap.wait_exit() == 0
    assert len(dap.events("stopped")) == 1
    out = dap.output("stdout")
    assert "results [0, 1, 4, 9]" in out and "child done" in out and "parent result 9" in out


@pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring needs 3.12+")
def test_backend_fallback_is_reported_in_the_debug_console_not_the_programs_stderr(dap, tmp_path):
    # Another tool holds sys.monitoring's debugger slot before Dapper starts
    # (a sitecustomize stands in for it): Dapper falls back to settrace and
    # says why in one console line; the program's own stderr stays clean.
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\nsys.monitoring.use_tool_id(sys.monitoring.DEBUGGER_ID, 'other-debugger')\n"
    )
    dap.launch(
        program=HELLO,
        env={"PYTHONPATH": str(tmp_path)},
        frameEval={"backend": "tracing", "tracing_backend": "sys.monitoring"},
        breakpoints={HELLO: [{"line": 5}]},
    )
    stop = dap.wait_stopped("breakpoint")  # the fallback backend still stops
    status = dap.request("dapper/status")["body"]["status"]
    assert status["backend"] == "settrace"
    console = dap.output("console")
    assert console.count("falling back to settrace") == 1
    assert "other-debugger" in console
    dap.request("continue", {"threadId": stop["body"]["threadId"]})
    assert dap.wait_exit() == 0
    assert dap.output("stderr") == "to stderr\n"  # the program's own, and nothing from Dapper


def test_program_that_closes_its_stdout_ends_as_it_would_without_the_debugger(dap):
    dap.launch(program=fixture_path("closes_stdout.py"))
    assert dap.wait_exit() == 0
    assert dap.output("stdout") == "bye\n"
    assert dap.output("stderr") == ""
