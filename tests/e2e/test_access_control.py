"""Who may drive a debuggee: the connect-back proof of a launched program and
the access token of ``--listen``."""

from __future__ import annotations

import json
import re
import socket

import pytest

from dapper import access_token
from dapper.protocol.client import ConnectionClosedError
from dapper.protocol.connection import socket_connection
from tests.e2e.dap_client import TIMEOUT, DapClient, validate
from tests.e2e.helpers import attach_until_exit, listening_program
from tests.e2e.netns import run_in_netns


def test_a_hijacker_racing_for_the_connect_back_port_gets_nothing(frame_eval, tmp_path):
    outcome = run_in_netns("tests.e2e.netns.hijack_scenario", json.dumps(frame_eval), str(tmp_path))
    # The program ran normally, with its own exit code and its env.
    assert outcome["exit_code"] == 3
    assert outcome["stdout"] == "program ran hunter2\n"
    assert outcome["invalid"] == []
    # Nothing the hijacker sent reached the client.
    assert "INJECTED" not in outcome["console"]
    attempts = outcome["hijacker"]
    assert attempts, "the hijacker never saw the port (the test proves nothing)"
    for attempt in attempts:
        # It connected before the real program (gate.py held it back) …
        assert attempt.get("connected"), attempt
        # … and was hung up on without one byte (the launch request, env secrets).
        assert attempt["received"] == 0, attempt
        assert attempt["closed_by_peer"], attempt


def test_the_launched_program_and_its_children_never_see_the_secret(dap, frame_eval, tmp_path):
    program = tmp_path / "env_probe.py"
    program.write_text(
        "import os, subprocess, sys\n"
        f"NAME = {access_token.CONNECT_ENV!r}\n"
        "print('own', NAME in os.environ)\n"
        "code = 'import os, sys; print(sys.argv[1] in os.environ)'\n"
        "child = subprocess.run([sys.executable, '-c', code, NAME], capture_output=True, text=True)\n"
        "print('child', child.stdout.strip())\n",
        encoding="utf-8",
    )
    dap.launch(program=str(program), frameEval=frame_eval)
    assert dap.wait_exit() == 0
    assert dap.output("stdout") == "own False\nchild False\n"


# ---------------------------------------------------------------- --listen


LISTENED = "import os; print('ran', os.environ.get('DAPPER_ACCESS_TOKEN')); raise SystemExit(5)"


def _listen(*options: str, env: dict | None = None):
    """A program under ``--listen``: waits for attach, then prints and exits 5."""
    return listening_program(LISTENED, *options, env=env)


def _attach(dap: DapClient, port: int, **extra):
    dap.initialize()
    seq = dap.send_request("attach", {"connect": {"host": "127.0.0.1", "port": port}, **extra})
    return seq


def _finish(proc) -> tuple[str, str]:
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return out, err


@pytest.mark.parametrize("given", [None, "wrong"], ids=["missing", "wrong"])
def test_listen_refuses_an_attach_without_the_right_token(frame_eval, given, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("correct-horse\n", encoding="utf-8")
    proc, port, _ = _listen("--token-file", str(token_file))
    dap = DapClient()
    try:
        extra = {} if given is None else {"accessToken": given}
        response = dap.wait_response(_attach(dap, port, **extra))
        assert not response["success"]
        assert "access token" in response["message"]
        # Nothing that runs code was served, and the program still waits.
        assert proc.poll() is None
        # The right token still gets in afterwards.
        assert attach_until_exit(port, accessToken="correct-horse", frameEval=frame_eval) == 5
    finally:
        dap.close()
        out, err = _finish(proc)
    assert out == "ran None\n"
    what = "no access token" if given is None else "a wrong access token"
    assert re.search(rf"dapper: refused 127\.0\.0\.1:\d+: 'attach' with {what}", err), err
    assert "correct-horse" not in err


def test_listen_token_from_the_environment_is_honoured_on_loopback(frame_eval):
    proc, port, _ = _listen(env={access_token.TOKEN_ENV: "from-env"})
    # A client talking to the engine directly: before the token, a request
    # that would run code is refused and the connection is closed.
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        raw = socket_connection(sock, name="raw")
        raw.send({"type": "request", "command": "initialize", "arguments": {"adapterID": "x"}})
        raw.send(
            {
                "type": "request",
                "command": "evaluate",
                "arguments": {"expression": "print('EVALUATED')", "context": "repl"},
            }
        )
        received = []
        while (message := raw.receive()) is not None:
            validate(message)
            received.append(message)
    responses = {m["command"]: m for m in received if m["type"] == "response"}
    assert responses["initialize"]["success"]
    assert not responses["evaluate"]["success"]
    assert "access token" in responses["evaluate"]["message"]
    try:
        assert attach_until_exit(port, accessToken="from-env", frameEval=frame_eval) == 5
    finally:
        out, err = _finish(proc)
    assert out == "ran None\n"  # the program does not see the token; nothing was evaluated
    assert re.search(r"dapper: refused 127\.0\.0\.1:\d+: 'evaluate' with no access token", err)


def test_listen_on_loopback_without_a_token_needs_none(frame_eval):
    proc, port, lines = _listen()
    try:
        assert attach_until_exit(port, frameEval=frame_eval) == 5
    finally:
        out, err = _finish(proc)
    assert out == "ran None\n"
    assert "token" not in "".join(lines) + err


def test_listen_beyond_loopback_generates_a_token_or_warns_with_no_token(frame_eval, tmp_path):
    outcome = run_in_netns("tests.e2e.netns.listen_scenario", json.dumps(frame_eval), str(tmp_path))
    generated = outcome["generated"]
    assert re.fullmatch(r"[0-9a-f]{64}", generated["token"]), generated
    assert generated["without_token"]["success"] is False
    assert generated["with_token"]["success"] is True
    assert generated["exit_code"] == 5
    assert generated["stderr"].count(generated["token"]) == 1  # printed once
    no_token = outcome["no_token"]
    assert "WARNING: --no-token" in no_token["stderr"]
    assert no_token["attach"]["success"] is True
    assert no_token["exit_code"] == 5


def test_debugging_a_program_on_another_host_needs_the_token_both_ways(frame_eval, tmp_path):
    """Host A and host B are network namespaces joined by veth (tests/e2e/netns/two_hosts.py)."""
    outcome = run_in_netns("tests.e2e.netns.remote_scenario", json.dumps(frame_eval), str(tmp_path))
    program = str(tmp_path / "remote_program.py")

    # The program on B serves DAP on 0.0.0.0 with a generated token, printed once.
    listen = outcome["listen"]
    token = listen["token"]
    assert re.fullmatch(r"[0-9a-f]{64}", token), listen["stderr"]
    assert listen["stderr"].count(token) == 1
    # From A, no token and a wrong token are refused with the reason, and logged on B
    # with A's address; the program still waits for a client.
    refusal = "this debuggee requires an access token: send it as 'accessToken'"
    assert [message.startswith(refusal) for message in listen["refusals"]] == [True, True]
    assert re.search(r"refused 10\.77\.0\.1:\d+: 'attach' with no access token", listen["stderr"])
    assert re.search(
        r"refused 10\.77\.0\.1:\d+: 'attach' with a wrong access token", listen["stderr"]
    )
    assert listen["waiting_after_refusals"]
    # The right token debugs it: a breakpoint, a value, the exit code.
    assert listen["attached"] and listen["invalid"] == []
    assert listen["frame"] == [program, 3] and listen["i"] == "1"
    assert listen["exit_code"] == 5 and listen["returncode"] == 5
    assert listen["program_stdout"] == "total 3\n"

    # The adapter on A waits on its own address for the program on B.
    reverse = outcome["reverse"]
    assert "(it must send the access token)" in reverse["waiting"]
    # An impostor on B with a wrong proof gets nothing, and the client is told.
    assert reverse["impostor_received"] == "b''"
    assert re.match(r"Dapper: refused a connection from 10\.77\.0\.2:\d+", reverse["refused"])
    # The program proving the token is debugged.
    assert reverse["attached"] and reverse["invalid"] == []
    assert reverse["frame"] == [program, 3] and reverse["i"] == "1"
    assert reverse["exit_code"] == 5 and reverse["returncode"] == 5
    assert reverse["program_stdout"] == "total 3\n"
    # Waiting beyond loopback without a token is refused, saying what to do.
    assert "beyond loopback it needs an access token" in reverse["without_token"]
    assert "--token-file" in reverse["without_token"]


# ---------------------------------------------------------------- adapter --port


def _adapter_server(*options: str, env: dict | None = None):
    """``python -m dapper.adapter --port 0 ...``: (process, port, stderr lines so far)."""
    import os
    import subprocess
    import sys

    from tests.e2e.dap_client import REPO_ROOT

    proc = subprocess.Popen(
        [sys.executable, "-m", "dapper.adapter", "--port", "0", *options],
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT), **(env or {})),
    )
    said = []
    for line in proc.stderr:
        said.append(line)
        found = re.search(r"listening on [\d.]+:(\d+)", line)
        if found:
            return proc, int(found.group(1)), said
    proc.wait()
    raise AssertionError(f"the adapter did not listen: {''.join(said)}")


def _adapter_session(port: int):
    """A schema-checked client of the adapter's TCP server; returns (client, invalid)."""
    from dapper.protocol.client import DapClient as Client

    invalid: list[str] = []

    def check(direction: str, message: dict) -> None:
        if direction == "<-":
            try:
                validate(message)
            except AssertionError as exc:
                invalid.append(str(exc))

    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    sock.settimeout(None)
    return Client(socket_connection(sock, name="tests", trace=check)), invalid


PORT_PROGRAM = "import os; print('ran'); os._exit(4)"  # no SystemExit: no uncaught stop


def _launch_over_tcp(client, token: str | None) -> dict:
    """initialize + launch (with ``token``); the launch response, or the first failure."""
    assert client.response(client.send_request("initialize", {"adapterID": "dapper"}))["success"]
    arguments: dict = {"code": PORT_PROGRAM, "console": "internalConsole"}
    if token is not None:
        arguments[access_token.ATTACH_KEY] = token
    seq = client.send_request("launch", arguments)
    first = client.take(
        lambda m: m.get("event") == "initialized" or m.get("request_seq") == seq,
        TIMEOUT,
        "initialized or the launch response",
    )
    if first.get("type") == "response":
        return first
    client.request("configurationDone")
    return client.response(seq)


@pytest.mark.parametrize("given", [None, "wrong"], ids=["no-token", "wrong-token"])
def test_adapter_port_refuses_a_launch_without_the_right_token(given):
    proc, port, _ = _adapter_server(env={access_token.TOKEN_ENV: "s3cret"})
    try:
        client, invalid = _adapter_session(port)
        # Nothing that runs code is served before the token: not even evaluate.
        early = client.response(client.send_request("evaluate", {"expression": "1"}))
        assert not early["success"] and "access token" in early["message"]
        refused = _launch_over_tcp(client, given)
        assert not refused["success"]
        assert "requires an access token" in refused["message"]
        # … and the connection is closed: nothing was launched.
        with pytest.raises(ConnectionClosedError):
            client.event("process", TIMEOUT)
        assert invalid == []
        proc.terminate()
        proc.wait(timeout=TIMEOUT)
        log = proc.stderr.read()
        why = "sent no access token" if given is None else "sent a wrong access token"
        assert f"refused a client that {why}" in log
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()


def test_adapter_port_with_the_token_launches(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("from-a-file\n")
    proc, port, _ = _adapter_server("--token-file", str(token_file))
    try:
        client, invalid = _adapter_session(port)
        assert _launch_over_tcp(client, "from-a-file")["success"]
        exited = client.event("exited", TIMEOUT)
        assert exited["body"]["exitCode"] == 4
        assert invalid == []
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()


def test_adapter_port_beyond_loopback_generates_a_token_or_warns_with_no_token():
    proc, port, said = _adapter_server("--host", "0.0.0.0")
    try:
        printed = re.search(r"access token as 'accessToken' in launch/attach: (\w+)", "".join(said))
        assert printed, said
        client, _ = _adapter_session(port)
        assert not _launch_over_tcp(client, None)["success"]
        client, invalid = _adapter_session(port)
        assert _launch_over_tcp(client, printed.group(1))["success"]
        assert client.event("exited", TIMEOUT)["body"]["exitCode"] == 4
        assert invalid == []
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
    proc, port, said = _adapter_server("--host", "0.0.0.0", "--no-token")
    try:
        assert "WARNING: --no-token" in "".join(said)
        client, _ = _adapter_session(port)
        assert _launch_over_tcp(client, None)["success"]
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
