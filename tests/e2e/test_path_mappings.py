"""pathMappings: the program runs from one directory ("remote"), the client shows
a copy in another ("local"), as with a container or another host."""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

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


@contextmanager
def _attached(
    frame_eval: dict,
    program_args: tuple[str, ...],
    attach: dict,
    *,
    prints: bytes,
    cwd: str | None = None,
    wrapper: tuple[str, ...] = (),
):
    """The program under ``--listen``, a client attached with ``attach`` and
    initialized (the attach response is checked after the block); yields
    the client. The program must then exit 0 having printed ``prints``."""
    proc, port = start_listening(
        "--wait-for-client",
        "--backend",
        backend_name(frame_eval),
        *program_args,
        cwd=cwd,
        wrapper=wrapper,
    )
    dap = DapClient()
    try:
        dap.initialize()
        seq = dap.send_request("attach", {"connect": {"host": "127.0.0.1", "port": port}, **attach})
        dap.wait_event("initialized")
        yield dap
        assert dap.wait_response(seq)["success"]
        assert proc.wait(timeout=TIMEOUT) == 0
        assert prints in proc.stdout.read()
        assert dap.invalid == []
    finally:
        dap.close()
        stop_process(proc)


def test_attach_with_path_mappings(tmp_path, frame_eval):
    local, remote, elsewhere = _trees(tmp_path)
    attach = {
        # Several mappings, with a trailing separator; the longest prefix wins.
        "pathMappings": [
            {"localRoot": str(tmp_path / "nowhere"), "remoteRoot": str(tmp_path / "srv")},
            {"localRoot": str(local) + os.sep, "remoteRoot": str(remote)},
        ],
    }
    program = (str(remote / "main.py"), str(elsewhere))
    with _attached(frame_eval, program, attach, prints=b"result 42", cwd=str(remote)) as dap:
        _session(dap, local, remote, elsewhere)


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


# ------------------------------------------------ justMyCode by the remote path

APP = """\
import sys
sys.path.insert(0, sys.argv[1])
import vendorlib


def on_item(item):
    return item * 10  # @callback


def main():
    result = vendorlib.apply(on_item, 4)  # @apply
    print("result", result)  # @after
    try:
        raise LookupError("in user code")  # @userraise
    except LookupError:
        pass


main()
"""
LIBRARY = """\
def apply(function, value):
    try:
        raise KeyError("raised and caught inside the library")
    except KeyError:
        pass
    return function(value + 1)  # @lib
"""


def test_just_my_code_classifies_by_the_remote_path(tmp_path, frame_eval):
    """The library is in a remote site-packages, its local copy in a plain folder;
    the app is in a plain remote folder, its local copy under 'site-packages-work'.
    Classifying by the local path would get both wrong."""
    local_app, local_lib = tmp_path / "local/site-packages-work/app", tmp_path / "local/vendored"
    remote_app, remote_lib = tmp_path / "srv/app", tmp_path / "srv/venv/lib/site-packages"
    for folder, name, text in (
        (local_app, "main.py", APP),
        (remote_app, "main.py", APP),
        (local_lib, "vendorlib.py", LIBRARY),
        (remote_lib, "vendorlib.py", LIBRARY),
    ):
        folder.mkdir(parents=True)
        (folder / name).write_text(text)
    main_local, lib_local = str(local_app / "main.py"), str(local_lib / "vendorlib.py")
    attach = {
        "justMyCode": True,
        "pathMappings": [
            {"localRoot": str(local_app), "remoteRoot": str(remote_app)},
            {"localRoot": str(local_lib), "remoteRoot": str(remote_lib)},
        ],
    }
    program = (str(remote_app / "main.py"), str(remote_lib))
    with _attached(frame_eval, program, attach, prints=b"result 50", cwd=str(remote_app)) as dap:
        dap.configure(
            breakpoints={main_local: [{"line": _line(APP, "apply")}]}, exception_filters=["raised"]
        )

        def where(thread_id: int) -> list[tuple]:
            frames = dap.request("stackTrace", {"threadId": thread_id})["body"]["stackFrames"]
            return [(f["source"]["path"], f["line"], f.get("presentationHint")) for f in frames]

        # The first stop is the breakpoint: the library's own caught KeyError
        # (raised before it) was not the user's, so "raised" skipped it.
        thread_id = dap.wait_stopped("breakpoint")["body"]["threadId"]
        assert where(thread_id)[0] == (main_local, _line(APP, "apply"), None)
        # Step in: over the library, into the user's callback it calls.
        dap.request("stepIn", {"threadId": thread_id})
        assert dap.wait_stopped("step")["body"]["threadId"] == thread_id
        assert where(thread_id)[:3] == [
            (main_local, _line(APP, "callback"), None),
            (lib_local, _line(LIBRARY, "lib"), "subtle"),  # library code, shown by its local path
            (main_local, _line(APP, "apply"), None),
        ]
        # Step in again: back through the library, to the user's next line.
        dap.request("stepIn", {"threadId": thread_id})
        dap.wait_stopped("step")
        assert where(thread_id)[0] == (main_local, _line(APP, "after"), None)
        # "raised" is on: the user's own exception stops.
        dap.request("continue", {"threadId": thread_id})
        dap.wait_stopped("exception")
        assert where(thread_id)[0] == (main_local, _line(APP, "userraise"), None)
        dap.request("continue", {"threadId": thread_id})
        assert dap.wait_event("exited")["body"]["exitCode"] == 0


# ------------------------------------------------ a remote path the client lacks

CONTAINER_APP, CONTAINER_OTHER = "/mnt/dapper-app", "/mnt/dapper-elsewhere"


def _in_a_container(source: Path) -> tuple[str, ...]:
    """A wrapper that runs its command with ``source``'s files at CONTAINER_APP
    and ``source/elsewhere``'s at CONTAINER_OTHER, in a mount namespace of its
    own: like a container, those paths exist for the program only."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    probe = subprocess.run(
        ["unshare", "-rm", "mount", "-t", "tmpfs", "tmpfs", "/mnt"], capture_output=True
    )
    if probe.returncode != 0:
        pytest.skip(f"unprivileged mount namespaces are not available: {probe.stderr!r}")
    script = (
        'mount -t tmpfs tmpfs /mnt && mkdir "$APP" "$OTHER" && '
        'cp "$SRC"/main.py "$APP"/ && cp "$SRC"/elsewhere/shared.py "$OTHER"/ && '
        'cd "$APP" && exec "$0" "$@"'
    )
    return (
        "env",
        f"SRC={source}",
        f"APP={CONTAINER_APP}",
        f"OTHER={CONTAINER_OTHER}",
        "unshare",
        "-rm",
        "sh",
        "-c",
        script,
    )


def test_remote_root_that_does_not_exist_on_the_client(tmp_path, frame_eval):
    """The Docker case: the program runs at /mnt/dapper-app, a path the client's
    machine does not have; breakpoints, frames and sources still work."""
    local = tmp_path / "local"
    source = tmp_path / "image"
    (source / "elsewhere").mkdir(parents=True)
    local.mkdir()
    (local / "main.py").write_text(MAIN)
    (source / "main.py").write_text(MAIN + REMOTE_ONLY)
    (source / "elsewhere" / "shared.py").write_text(SHARED)
    assert not os.path.exists(CONTAINER_APP)
    attach = {"pathMappings": [{"localRoot": str(local), "remoteRoot": CONTAINER_APP}]}
    program = (f"{CONTAINER_APP}/main.py", CONTAINER_OTHER)
    wrapper = _in_a_container(source)
    with _attached(frame_eval, program, attach, prints=b"result 42", wrapper=wrapper) as dap:
        _session(dap, local, Path(CONTAINER_APP), Path(CONTAINER_OTHER))
