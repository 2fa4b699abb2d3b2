"""pathMappings: the program runs from one directory ("remote"), the client shows
a copy in another ("local"), as with a container or another host."""

from __future__ import annotations

import os
from pathlib import Path

from tests.e2e.dap_client import TIMEOUT, DapClient
from tests.e2e.helpers import backend_name, start_listening, stop_process

MAIN = """\
import sys
sys.path.insert(0, sys.argv[1])
import shared


def work(value):
    total = value * 2  # @bp
    print("logged", total)  # @log
    try:
        raise ValueError("mapped")  # @raise
    except ValueError:
        pass
    return total


print("result", shared.call(work, 21))
"""

REMOTE_ONLY = "# the running copy\n"
SHARED = """\
def call(function, value):
    return function(value)  # @call
"""


def _line(text: str, marker: str) -> int:
    return next(n for n, t in enumerate(text.splitlines(), 1) if f"# @{marker}" in t)


def _trees(tmp_path: Path) -> tuple[Path, Path, Path]:
    local, remote, elsewhere = (tmp_path / name for name in ("local", "srv/remote", "elsewhere"))
    for directory in (local, remote, elsewhere):
        directory.mkdir(parents=True)
    (local / "main.py").write_text(MAIN)
    (remote / "main.py").write_text(MAIN + REMOTE_ONLY)
    (elsewhere / "shared.py").write_text(SHARED)  # covered by no mapping
    return local, remote, elsewhere


def _session(dap: DapClient, local: Path, remote: Path, elsewhere: Path) -> None:
    """Breakpoints by local path stop in the remote files; every path comes back local."""
    main_local = str(local / "main.py")
    response = dap.request(
        "setBreakpoints",
        {
            "source": {"path": main_local},
            "breakpoints": [
                {"line": _line(MAIN, "bp")},
                {"line": _line(MAIN, "log"), "logMessage": "total={total}"},
            ],
        },
    )
    breakpoints = response["body"]["breakpoints"]
    assert [b["source"]["path"] for b in breakpoints] == [main_local] * 2
    dap.request("setExceptionBreakpoints", {"filters": ["raised"]})
    dap.request("configurationDone")

    stopped = dap.wait_stopped("breakpoint")
    thread_id = stopped["body"]["threadId"]
    frames = dap.request("stackTrace", {"threadId": thread_id})["body"]["stackFrames"]
    assert frames[0]["source"]["path"] == main_local
    assert frames[0]["line"] == _line(MAIN, "bp")
    # The unmapped file keeps its remote path and is served by reference.
    shared = next(f for f in frames if f["name"] == "call")["source"]
    assert shared["path"] == str((elsewhere / "shared.py").resolve())
    content = dap.request(
        "source", {"source": shared, "sourceReference": shared["sourceReference"]}
    )
    assert content["body"]["content"] == SHARED
    assert all(str(remote) not in f["source"].get("path", "") for f in frames)

    loaded = [s["path"] for s in dap.request("loadedSources")["body"]["sources"]]
    assert main_local in loaded
    assert not any(p.startswith(str(remote)) for p in loaded)
    # A client path names the remote file for requests that take one, too.
    text = dap.request("source", {"source": {"path": main_local}, "sourceReference": 0})
    assert text["body"]["content"] == MAIN + REMOTE_ONLY

    dap.request("continue", {"threadId": thread_id})
    raised = dap.wait_stopped("exception")
    info = dap.request("exceptionInfo", {"threadId": raised["body"]["threadId"]})["body"]
    trace = info["details"]["stackTrace"]
    assert main_local in trace and str(remote) not in trace
    dap.request("continue", {"threadId": raised["body"]["threadId"]})
    logged = next(
        m for m in dap.events("output") if "total=42" in m["body"]["output"]
    )  # the logpoint ran in the remote file and is shown at the local one
    assert (logged["body"]["source"]["path"], logged["body"]["line"]) == (
        main_local,
        _line(MAIN, "log"),
    )


def test_attach_with_path_mappings(tmp_path, frame_eval):
    local, remote, elsewhere = _trees(tmp_path)
    proc, port = start_listening(
        "--wait-for-client",
        "--backend",
        backend_name(frame_eval),
        str(remote / "main.py"),
        str(elsewhere),
        cwd=str(remote),
    )
    dap = DapClient()
    try:
        dap.initialize()
        seq = dap.send_request(
            "attach",
            {
                "connect": {"host": "127.0.0.1", "port": port},
                # Several mappings, with a trailing separator; the longest prefix wins.
                "pathMappings": [
                    {"localRoot": str(tmp_path / "nowhere"), "remoteRoot": str(tmp_path / "srv")},
                    {"localRoot": str(local) + os.sep, "remoteRoot": str(remote)},
                ],
            },
        )
        dap.wait_event("initialized")
        _session(dap, local, remote, elsewhere)
        assert dap.wait_response(seq)["success"]
        assert proc.wait(timeout=TIMEOUT) == 0
        assert b"result 42" in proc.stdout.read()
        assert dap.invalid == []
    finally:
        dap.close()
        stop_process(proc)


def test_launch_with_path_mappings(dap, tmp_path, frame_eval):
    local, remote, elsewhere = _trees(tmp_path)
    dap.initialize()
    seq = dap.send_request(
        "launch",
        {
            "program": str(remote / "main.py"),
            "args": [str(elsewhere)],
            "frameEval": frame_eval,
            "pathMappings": [{"localRoot": str(local), "remoteRoot": str(remote)}],
        },
    )
    dap.wait_event("initialized")
    _session(dap, local, remote, elsewhere)
    assert dap.wait_response(seq)["success"]
    assert dap.wait_exit() == 0
    assert "result 42" in dap.output("stdout")


def test_bad_path_mappings_are_a_clear_error(dap, tmp_path):
    (tmp_path / "p.py").write_text("pass\n")
    dap.initialize()
    response = dap.wait_response(
        dap.send_request(
            "launch", {"program": str(tmp_path / "p.py"), "pathMappings": [{"localRoot": "/x"}]}
        )
    )
    assert not response["success"]
    assert "pathMappings[0]" in response["message"]
