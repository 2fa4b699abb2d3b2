"""A client's terminal for ``runInTerminal`` in tests: runs the request's
command as a terminal would (``null`` env entries removed, a shell when the
args may be interpreted by one) and answers with its pid."""

from __future__ import annotations

import os
import subprocess
from typing import Any


def run_in_terminal(dap, request: dict[str, Any]) -> subprocess.Popen:
    arguments = request["arguments"]
    env = dict(os.environ)
    for key, value in (arguments.get("env") or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    if arguments.get("argsCanBeInterpretedByShell"):
        command: Any = " ".join(arguments["args"])
    else:
        command = arguments["args"]
    process = subprocess.Popen(
        command,
        shell=bool(arguments.get("argsCanBeInterpretedByShell")),
        cwd=arguments["cwd"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    dap.send(
        {
            "type": "response",
            "request_seq": request["seq"],
            "success": True,
            "command": "runInTerminal",
            "body": {"processId": process.pid},
        }
    )
    return process


def launch_in_terminal(dap, arguments: dict[str, Any], **initialize: Any):
    """initialize + launch with a terminal console; (runInTerminal request,
    terminal process, launch seq). The caller configures and waits."""
    dap.initialize(supportsRunInTerminalRequest=True, **initialize)
    seq = dap.send_request("launch", arguments)
    request = dap.wait_for(
        lambda m: m.get("type") == "request" and m.get("command") == "runInTerminal",
        what="runInTerminal",
    )
    process = run_in_terminal(dap, request)
    dap.wait_event("initialized")
    return request, process, seq
