"""Run inside ``run_in_netns``: debugging a program on another host (see
``two_hosts``), both ways round, with access tokens. Prints one JSON line.
Usage: remote_scenario.py FRAME_EVAL_JSON WORKDIR

- listen: the program runs ``python -m dapper --listen 0.0.0.0:0`` on host B;
  a client on host A attaches without a token, with a wrong one, then with the
  printed one, stops at a breakpoint and lets the program finish.
- reverse: the adapter on host A waits on its own address with ``accessToken``;
  an impostor on B connects first with a wrong proof, then the program on B
  connects in with ``python -m dapper --connect`` and the token in its
  environment; and a client asking to wait there without a token is refused.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.dap_client import REPO_ROOT, TIMEOUT, DapClient
from tests.e2e.netns.two_hosts import HOST_A, HOST_B, HostB

PROGRAM = """\
total = 0
for i in range(3):
    total += i  # line 3
print("total", total)
raise SystemExit(5)
"""
STOP_LINE = 3


def _program_env(**extra: str) -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO_ROOT), **extra)


def _attach(dap: DapClient, arguments: dict) -> tuple[int, dict | None]:
    """Send ``attach``; (its seq, its failure response or None once initialized)."""
    dap.initialize()
    seq = dap.send_request("attach", arguments)
    message = dap.wait_for(
        lambda m: (
            m.get("event") == "initialized"
            or (m.get("type") == "response" and m.get("request_seq") == seq)
        ),
        what="initialized or the attach response",
    )
    if message.get("type") == "response" and not message["success"]:
        return seq, message
    return seq, None


def _debug_to_the_end(dap: DapClient, seq: int, program: str) -> dict:
    """Configure with a breakpoint, stop there, look around, run to the end."""
    dap.configure(
        breakpoints={program: [{"line": STOP_LINE, "hitCondition": "==2"}]},
        exception_filters=[],  # SystemExit(5) would stop as uncaught (as in debugpy)
    )
    attached = dap.wait_response(seq)
    stopped = dap.wait_stopped("breakpoint")
    frame = dap.top_frame(stopped["body"]["threadId"])
    value = dap.request("evaluate", {"expression": "i", "frameId": frame["id"], "context": "watch"})
    dap.request("continue", {"threadId": stopped["body"]["threadId"]})
    exit_code = dap.wait_exit()
    return {
        "attached": attached["success"],
        "frame": [frame["source"]["path"], frame["line"]],
        "i": value["body"]["result"],
        "exit_code": exit_code,
        "invalid": dap.invalid,
    }


def listen_on_b(host_b: HostB, program: str, frame_eval: dict) -> dict:
    proc = subprocess.Popen(
        host_b.command(
            sys.executable, "-m", "dapper", "--listen", "0.0.0.0:0", "--wait-for-client", program
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_program_env(),
        text=True,
    )
    said = []
    while not said or "listening on" not in said[-1]:
        line = proc.stderr.readline()
        assert line, "".join(said)
        said.append(line)
    port = int(re.search(r":(\d+)$", said[-1].strip()).group(1))
    token_line = re.search(r"accessToken.*: ([0-9a-f]+)$", "".join(said), re.M)
    token = token_line.group(1) if token_line else ""
    where = {"connect": {"host": HOST_B, "port": port}, "frameEval": frame_eval}
    outcome: dict = {"token": token, "refusals": []}
    for wrong in ({}, {"accessToken": "not-" + token}):
        dap = DapClient()
        try:
            _, refused = _attach(dap, {**where, **wrong})
            outcome["refusals"].append(refused and refused["message"])
        finally:
            dap.close()
    outcome["waiting_after_refusals"] = proc.poll() is None
    dap = DapClient()
    try:
        seq, refused = _attach(dap, {**where, "accessToken": token})
        assert refused is None, refused
        outcome.update(_debug_to_the_end(dap, seq, program))
    finally:
        dap.close()
        out, err = proc.communicate(timeout=TIMEOUT)
    outcome["program_stdout"] = out
    outcome["stderr"] = "".join(said) + err
    outcome["returncode"] = proc.returncode
    return outcome


def reverse_to_a(host_b: HostB, program: str, frame_eval: dict) -> dict:
    token = "reverse-" + os.urandom(8).hex()
    outcome: dict = {}
    dap = DapClient()
    proc = None
    try:
        listen = {"listen": {"host": HOST_A, "port": 0}, "frameEval": frame_eval}
        dap.initialize()
        seq = dap.send_request("attach", {**listen, "accessToken": token})
        waiting = dap.wait_for(
            lambda m: (
                m.get("event") == "output" and "waiting for the program" in m["body"]["output"]
            ),
            what="the adapter's listening address",
        )
        outcome["waiting"] = waiting["body"]["output"]
        port = int(re.search(rf"{re.escape(HOST_A)}:(\d+)", outcome["waiting"]).group(1))
        impostor = subprocess.run(
            host_b.command(
                sys.executable,
                "-c",
                "import socket, sys\n"
                "s = socket.create_connection((sys.argv[1], int(sys.argv[2])))\n"
                "s.sendall(b'DAPPER-PROOF ' + b'x' * len(sys.argv[3]) + b'\\n')\n"
                "print(repr(s.recv(100)))\n",
                HOST_A,
                str(port),
                token,
            ),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        outcome["impostor_received"] = impostor.stdout.strip()
        refused = dap.wait_for(
            lambda m: m.get("event") == "output" and "refused" in m["body"]["output"],
            what="the refusal of the impostor",
        )
        outcome["refused"] = refused["body"]["output"]
        proc = subprocess.Popen(
            host_b.command(
                sys.executable,
                "-m",
                "dapper",
                "--connect",
                f"{HOST_A}:{port}",
                "--wait-for-client",
                program,
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_program_env(DAPPER_ACCESS_TOKEN=token),
            text=True,
        )
        dap.wait_event("initialized")
        outcome.update(_debug_to_the_end(dap, seq, program))
    finally:
        dap.close()
        if proc is not None:
            out, err = proc.communicate(timeout=TIMEOUT)
            outcome["program_stdout"] = out
            outcome["stderr"] = err
            outcome["returncode"] = proc.returncode

    dap = DapClient()
    try:
        _, refused = _attach(dap, listen)
        outcome["without_token"] = refused and refused["message"]
    finally:
        dap.close()
    return outcome


def main() -> None:
    frame_eval = json.loads(sys.argv[1])
    program = Path(sys.argv[2]) / "remote_program.py"
    program.write_text(PROGRAM, encoding="utf-8")
    host_b = HostB()
    try:
        result = {
            "listen": listen_on_b(host_b, str(program), frame_eval),
            "reverse": reverse_to_a(host_b, str(program), frame_eval),
        }
    finally:
        host_b.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
