"""Hostile or unlucky input never ends a session (issue 15): lone surrogates in
what the program shows, deeply nested JSON, endless headers; and the adapter's
log keeps secrets out."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys

from tests.e2e.dap_client import REPO_ROOT, TIMEOUT, DapClient
from tests.e2e.helpers import attach_until_exit, line, listening_program, path, wait_output

SURROGATES = "surrogates.py"
DEEP = b'{"a":' * 5000 + b"1" + b"}" * 5000


def _raw_request(dap: DapClient, body: bytes) -> None:
    dap.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)


def test_lone_surrogates_in_names_output_and_requests(dap, frame_eval):
    program = path(SURROGATES)
    dap.launch(
        program=program,
        frameEval=frame_eval,
        breakpoints={
            program: [
                {"line": line(SURROGATES, "stop")},
                {"line": line(SURROGATES, "log"), "logMessage": "logged {name}"},
            ]
        },
        exception_filters=[],  # it ends with SystemExit(4), uncaught as in debugpy
    )
    stopped = dap.wait_stopped("breakpoint")
    thread_id = stopped["body"]["threadId"]
    names = [t["name"] for t in dap.request("threads")["body"]["threads"]]
    assert "worker\ufffd" in names
    frame = dap.top_frame(thread_id)
    scopes = dap.request("scopes", {"frameId": frame["id"]})["body"]["scopes"]
    variables = dap.request("variables", {"variablesReference": scopes[0]["variablesReference"]})[
        "body"
    ]["variables"]
    holder = next(v for v in variables if v["name"] == "holder")
    fields = dap.request("variables", {"variablesReference": holder["variablesReference"]})
    assert "attr\ufffd" in [v["name"] for v in fields["body"]["variables"]]
    # print() in the debug console: its output holds the surrogate.
    dap.request(
        "evaluate", {"expression": "print(name)", "frameId": frame["id"], "context": "repl"}
    )
    # A request that itself holds a lone surrogate (JSON-escaped) is answered.
    seq = 1000
    _raw_request(
        dap,
        json.dumps(
            {
                "seq": seq,
                "type": "request",
                "command": "evaluate",
                "arguments": {"expression": "'\udcff'", "frameId": frame["id"], "context": "repl"},
            }
        ).encode("ascii"),
    )
    dap.wait_response(seq)
    dap.request("continue", {"threadId": thread_id})
    assert dap.wait_exit() == 4  # the program's own code, not 0
    wait_output(dap, "after 'file\\udcff.txt'\n")
    assert "logged file\ufffd.txt" in dap.output("console")
    assert "file\ufffd.txt" in dap.output()


def test_deeply_nested_json_gets_an_error_and_the_session_goes_on(dap, frame_eval):
    program = path(SURROGATES)
    dap.launch(
        program=program,
        frameEval=frame_eval,
        breakpoints={program: [{"line": line(SURROGATES, "stop")}]},
        exception_filters=[],  # it ends with SystemExit(4), uncaught as in debugpy
    )
    stopped = dap.wait_stopped("breakpoint")
    _raw_request(dap, DEEP)
    # Python 3.13's parser takes this depth (then the message is just not a
    # request); older ones raise RecursionError, reported as nested too deeply.
    dap.wait_for(
        lambda m: (
            m.get("event") == "output"
            and (
                "nested too deeply" in m["body"]["output"]
                or "not a well-formed request" in m["body"]["output"]
            )
        ),
        what="a console message about the bad message",
    )
    # Still answering, still stopped; the program ends with its own code.
    assert dap.request("threads")["success"]
    dap.request("continue", {"threadId": stopped["body"]["threadId"]})
    assert dap.wait_exit() == 4
    wait_output(dap, "after")


def test_listen_engine_survives_deep_json_and_an_endless_header(frame_eval):
    proc, port, _ = listening_program("print('ran'); raise SystemExit(6)")
    try:
        for hostile in (b"Content-Length: %d\r\n\r\n" % len(DEEP) + DEEP, b"x" * (1 << 20)):
            with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
                try:
                    sock.sendall(hostile)
                except OSError:
                    pass  # the engine may hang up mid-garbage: that is the point
        assert attach_until_exit(port, frameEval=frame_eval) == 6
        out, _ = proc.communicate(timeout=TIMEOUT)
        assert out == "ran\n"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_adapter_log_is_private_and_redacted(tmp_path, frame_eval):
    log_file = tmp_path / "adapter.log"
    dap = DapClient(extra_args=["--log-file", str(log_file)])
    try:
        dap.launch(
            code="import os; print(os.environ['API_PASSWORD'][:2])",
            env={"API_PASSWORD": "hunter2-secret-value"},
            frameEval=frame_eval,
            accessToken="also-a-secret",
        )
        assert dap.wait_exit() == 0
        wait_output(dap, "hu\n")
    finally:
        dap.close()
    assert stat.S_IMODE(os.stat(log_file).st_mode) == 0o600
    text = log_file.read_text(encoding="utf-8")
    assert '"command": "launch"' in text
    assert "hunter2-secret-value" not in text
    assert "also-a-secret" not in text
    assert '"API_PASSWORD": "<redacted>"' in text


def test_source_serves_only_files_the_program_loaded(dap, frame_eval, tmp_path):
    secret = tmp_path / "not_loaded.py"
    secret.write_text("PASSWORD = 'hunter2'\n", encoding="utf-8")
    program = path(SURROGATES)
    dap.launch(
        program=program,
        frameEval=frame_eval,
        breakpoints={program: [{"line": line(SURROGATES, "stop")}]},
        exception_filters=[],  # it ends with SystemExit(4), uncaught as in debugpy
    )
    stopped = dap.wait_stopped("breakpoint")
    served = dap.request("source", {"source": {"path": program}, "sourceReference": 0})
    assert "name = " in served["body"]["content"]
    threading_py = dap.request(
        "evaluate",
        {
            "expression": "threading.__file__",
            "frameId": dap.top_frame(stopped["body"]["threadId"])["id"],
        },
    )["body"]["result"].strip("'")
    assert (
        "class Thread"
        in dap.request("source", {"source": {"path": threading_py}, "sourceReference": 0})["body"][
            "content"
        ]
    )
    for other in (str(secret), "/etc/passwd", "/etc/shadow"):
        refused = dap.request("source", {"source": {"path": other}, "sourceReference": 0}, ok=False)
        assert not refused["success"]
        assert "only files the program has loaded" in refused["message"]
        assert "hunter2" not in json.dumps(refused)
    dap.request("continue", {"threadId": stopped["body"]["threadId"]})
    assert dap.wait_exit() == 4


def test_an_idle_connection_to_listen_does_not_block_the_next_client(frame_eval):
    proc, port, _ = listening_program("print('ran'); raise SystemExit(6)")
    idle = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        # The idle one came first and says nothing; the next client still gets in.
        assert attach_until_exit(port, frameEval=frame_eval) == 6
        out, _ = proc.communicate(timeout=TIMEOUT)
        assert out == "ran\n"
    finally:
        idle.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_adapter_port_server_caps_its_threads():
    from dapper.adapter.__main__ import MAX_SESSIONS

    adapter = subprocess.Popen(
        [sys.executable, "-m", "dapper.adapter", "--port", "0"],
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
        text=True,
    )
    idle = []
    try:
        port = int(adapter.stderr.readline().strip().rsplit(":", 1)[1])
        for _ in range(MAX_SESSIONS * 3):
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT))
        # The connections past the cap are closed by the adapter at once.
        for sock in idle[MAX_SESSIONS:]:
            assert sock.recv(1) == b""
        threads = len(os.listdir(f"/proc/{adapter.pid}/task"))
        assert threads <= MAX_SESSIONS + 2, threads
    finally:
        for sock in idle:
            sock.close()
        adapter.kill()
        adapter.wait()
        adapter.stderr.close()


def test_a_raising_condition_stops_once_and_says_where(dap, frame_eval):
    program = path("raising_condition.py")
    where = line("raising_condition.py", "cond")
    dap.launch(
        program=program,
        frameEval=frame_eval,
        breakpoints={program: [{"line": where, "condition": "undefined_name > 1"}]},
        exception_filters=[],  # it ends with SystemExit(3), uncaught as in debugpy
    )
    stopped = dap.wait_stopped("breakpoint")
    dap.request("continue", {"threadId": stopped["body"]["threadId"]})
    assert dap.wait_exit() == 3
    wait_output(dap, "total 20\n")
    assert len(dap.events("stopped")) == 1
    errors = [
        e["body"]["output"]
        for e in dap.events("output")
        if "undefined_name > 1" in e["body"]["output"]
    ]
    assert len(errors) == 1, errors
    assert f"{program}:{where}" in errors[0] and "NameError" in errors[0]


def test_a_repr_blocked_in_c_is_reported_and_the_program_then_runs_on(dap, frame_eval):
    """A ``__repr__`` in ``time.sleep`` cannot be interrupted: the request fails
    at its time limit saying so, and once the call returns the program goes on
    exactly as a plain run would (the interruption never reaches it)."""
    program = path("blocked_repr.py")
    dap.launch(
        program=program,
        frameEval=frame_eval,
        env={"DAPPER_EVAL_TIMEOUT": "1"},
        breakpoints={program: [{"line": line("blocked_repr.py", "stop")}]},
    )
    stopped = dap.wait_stopped("breakpoint")
    thread = stopped["body"]["threadId"]
    frame = dap.top_frame(thread)
    response = dap.wait_response(
        dap.send_request(
            "evaluate", {"expression": "slow", "frameId": frame["id"], "context": "watch"}
        )
    )
    assert response["success"] is False
    assert "cannot be interrupted" in response["message"]
    assert "resuming takes effect then" in response["message"]
    dap.request("continue", {"threadId": thread})
    assert dap.wait_exit() == 0
    wait_output(dap, "before\nafter\n")
    assert "EvaluationTimeout" not in dap.output("stderr")


def test_path_mappings_serve_no_file_the_program_did_not_load(dap, frame_eval, tmp_path):
    """With pathMappings, a path no mapping covers is served by reference so
    the client can show a remote file; a client-named file the program never
    loaded (here through setBreakpoints' answer) must not get one."""
    secret = tmp_path / "elsewhere" / "not_loaded.py"
    secret.parent.mkdir()
    secret.write_text("PASSWORD = 'hunter2'\n", encoding="utf-8")
    program = path(SURROGATES)
    mappings = [{"localRoot": str(tmp_path / "local"), "remoteRoot": str(tmp_path / "remote")}]
    dap.launch(
        program=program,
        frameEval=frame_eval,
        pathMappings=mappings,
        breakpoints={program: [{"line": line(SURROGATES, "stop")}]},
        exception_filters=[],  # it ends with SystemExit(4), uncaught as in debugpy
    )
    stopped = dap.wait_stopped("breakpoint")
    answer = dap.request(
        "setBreakpoints", {"source": {"path": str(secret)}, "breakpoints": [{"line": 1}]}
    )
    references = {
        b.get("source", {}).get("sourceReference", 0) for b in answer["body"]["breakpoints"]
    }
    for ref in references | {1, 2, 3, 4, 5}:
        if ref:
            served = dap.request("source", {"sourceReference": ref}, ok=False)
            assert "hunter2" not in json.dumps(served)
    # The program's own file, which no mapping covers either, is still served.
    frame = dap.top_frame(stopped["body"]["threadId"])
    assert frame["source"].get("sourceReference")
    served = dap.request("source", {"sourceReference": frame["source"]["sourceReference"]})
    assert "name = " in served["body"]["content"]
    dap.request("continue", {"threadId": stopped["body"]["threadId"]})
    assert dap.wait_exit() == 4


def _adapter_with_log(log_file) -> subprocess.CompletedProcess:
    """An adapter started with ``--log-file``, its client gone at once."""
    return subprocess.run(
        [sys.executable, "-m", "dapper.adapter", "--log-file", str(log_file)],
        input=b"",
        capture_output=True,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
        timeout=TIMEOUT,
    )


def test_a_log_file_planted_by_someone_else_is_never_written(tmp_path):
    """A log in a shared folder (logToFile's default is the temporary folder,
    named by the adapter's pid) can be planted: a link to one of the user's
    files, or a file another user owns and reads. Neither is written."""
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's own file\n", encoding="utf-8")
    victim.chmod(0o644)
    link = tmp_path / "dapper.adapter-link.log"
    link.symlink_to(victim)
    done = _adapter_with_log(link)
    assert done.returncode == 2
    assert b"cannot write the log" in done.stderr
    assert victim.read_text(encoding="utf-8") == "the user's own file\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644

    fifo = tmp_path / "dapper.adapter-fifo.log"
    os.mkfifo(fifo)
    assert _adapter_with_log(fifo).returncode == 2  # refused, not blocked on the fifo


def test_a_log_file_owned_by_another_user_is_refused(tmp_path, monkeypatch):
    from dapper.protocol import log_files

    planted = tmp_path / "dapper.adapter-1234.log"
    planted.write_text("", encoding="utf-8")
    planted.chmod(0o666)
    real = os.geteuid()
    monkeypatch.setattr(log_files.os, "geteuid", lambda: real + 1)  # as if another user's
    try:
        log_files.open_log_file(str(planted))
    except OSError as exc:
        assert "another user" in str(exc)
    else:
        raise AssertionError("a file of another user was opened for the log")
    assert planted.read_text(encoding="utf-8") == ""
