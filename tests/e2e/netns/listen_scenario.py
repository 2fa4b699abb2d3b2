"""Run inside a private network namespace: ``--listen 0.0.0.0`` (safe here, only
loopback exists) with a generated token, then with ``--no-token``. Prints one
JSON line. Usage: listen_scenario.py FRAME_EVAL_JSON WORKDIR"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from tests.e2e.dap_client import REPO_ROOT, TIMEOUT, DapClient

PROGRAM = "raise SystemExit(5)"


def start(*options: str):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dapper",
            "--listen",
            "0.0.0.0:0",
            "--wait-for-client",
            *options,
            "-c",
            PROGRAM,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
        text=True,
    )
    seen = []
    while True:
        line = proc.stderr.readline()
        if not line:
            raise SystemExit("no 'listening on' line: " + "".join(seen))
        seen.append(line)
        match = re.search(r"listening on .*:(\d+)$", line.strip())
        if match:
            return proc, int(match.group(1)), seen


def attach(port: int, frame_eval: dict, **extra) -> tuple[DapClient, dict]:
    dap = DapClient()
    dap.initialize()
    seq = dap.send_request(
        "attach", {"connect": {"host": "127.0.0.1", "port": port}, "frameEval": frame_eval, **extra}
    )
    dap.wait_for(
        lambda m: (
            m.get("event") == "initialized"
            or (m.get("type") == "response" and m.get("request_seq") == seq)
        ),
        what="initialized or refusal",
    )
    refused = [m for m in dap.messages if m.get("request_seq") == seq and not m["success"]]
    if refused:
        return dap, refused[0]
    dap.configure(exception_filters=[])  # SystemExit(5) would stop as uncaught
    return dap, dap.wait_response(seq)


def finish(proc, dap: DapClient) -> dict:
    exit_code = dap.wait_event("exited")["body"]["exitCode"]
    dap.close()
    _, err = proc.communicate(timeout=TIMEOUT)
    return {"exit_code": exit_code, "returncode": proc.returncode, "stderr": err}


def main() -> None:
    frame_eval = json.loads(sys.argv[1])
    proc, port, lines = start()
    token = re.search(r"accessToken.*: ([0-9a-f]+)$", "".join(lines), re.M)
    token = token.group(1) if token else ""
    dap, without = attach(port, frame_eval)
    dap.close()
    dap, with_token = attach(port, frame_eval, accessToken=token)
    generated = {"token": token, "without_token": without, "with_token": with_token}
    generated.update(finish(proc, dap))
    generated["stderr"] = "".join(lines) + generated["stderr"]

    proc, port, lines = start("--no-token")
    dap, attached = attach(port, frame_eval)
    no_token = {"attach": attached, **finish(proc, dap)}
    no_token["stderr"] = "".join(lines) + no_token["stderr"]
    print(json.dumps({"generated": generated, "no_token": no_token}))


if __name__ == "__main__":
    main()
