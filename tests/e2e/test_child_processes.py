"""Child processes debugged as their own DAP sessions (``startDebugging``)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from tests.e2e.dap_client import REPO_ROOT, TIMEOUT, DapClient, DapError, adapter_env
from tests.e2e.helpers import evaluate, line, path, process_gone, wait_output
from tests.e2e.session_tree import SessionTree

CHILD = "children/child.py"


@pytest.fixture
def tree_factory():
    trees: list[SessionTree] = []

    def make(**configuration) -> SessionTree:
        # The children end with sys.exit(3), which stops under the default
        # 'uncaught' filter (debugpy's rule); these tests are about sessions.
        configuration.setdefault("exception_filters", [])
        tree = SessionTree(**configuration)
        trees.append(tree)
        return tree

    yield make
    invalid = [message for tree in trees for message in tree.close()]
    assert invalid == [], "messages violating the DAP schema:\n" + "\n".join(invalid)


def _stop_in_any(children, timeout: float = TIMEOUT):
    """The first child session that reports a stop, and the event (polls the sessions)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in children:
            try:
                return child, child.wait_event("stopped", timeout=0.05)
            except DapError:
                continue
    raise DapError("no child session stopped")


def test_a_subprocess_child_stops_at_its_breakpoint_and_reports_its_exit_code(
    tree_factory, frame_eval
):
    tree = tree_factory(breakpoints={path(CHILD): [{"line": line(CHILD, "child")}]})
    tree.launch(program=path("children/run_child.py"), frameEval=frame_eval)
    [child] = tree.wait_children(1)
    assert tree.configurations[0]["request"] == "attach"
    assert tree.configurations[0]["frameEval"] == frame_eval
    stopped = child.wait_stopped("breakpoint")
    thread = stopped["body"]["threadId"]
    assert child.top_frame(thread)["source"]["path"] == path(CHILD)
    assert evaluate(child, thread, "words") == "['one', 'two']"
    child.request("continue", {"threadId": thread})
    assert child.wait_exit() == 3
    assert tree.root.wait_exit() == 0
    # The child's output reaches its own session, before its exit; the parent's
    # session has the parent's lines only.
    assert child.output("stdout") == "child got ['one', 'two'], link False\n"
    assert _output_before_exit(child)
    assert tree.root.output("stdout") == "parent: child exited with 3\n"


@pytest.mark.parametrize(
    ("start_method", "sessions"),
    [("spawn", 2), ("forkserver", 3), ("fork", 2)],  # forkserver: the server and 2 workers
)
def test_a_pool_conditional_breakpoint_stops_exactly_once(
    tree_factory, frame_eval, start_method, sessions
):
    program = "children/spawn_pool.py"
    tree = tree_factory(
        breakpoints={path(program): [{"line": line(program, "square"), "condition": "n == 7"}]}
    )
    tree.launch(program=path(program), args=[start_method], frameEval=frame_eval)
    workers = tree.wait_children(sessions)
    child, stopped = _stop_in_any(workers)
    assert evaluate(child, stopped["body"]["threadId"], "n") == "7"
    child.request("continue", {"threadId": stopped["body"]["threadId"]})
    for worker in workers:
        assert worker.wait_exit() == 0
    assert tree.root.wait_exit() == 0
    assert "sum of squares: 2470" in tree.root.output("stdout")
    assert sum(len(worker.events("stopped")) for worker in workers) == 1


def test_a_grandchild_is_debugged_too(tree_factory, frame_eval):
    leaf = "children/grandchild.py"
    tree = tree_factory(breakpoints={path(leaf): [{"line": line(leaf, "grandchild")}]})
    tree.launch(program=path("children/run_child.py"), args=["deeper"], frameEval=frame_eval)
    child, grandchild = tree.wait_children(2)
    assert tree.configurations[1]["name"].startswith("grandchild (pid")
    stopped = grandchild.wait_stopped("breakpoint")
    assert evaluate(grandchild, stopped["body"]["threadId"], "leaf") == "'leaf'"
    grandchild.request("continue", {"threadId": stopped["body"]["threadId"]})
    assert grandchild.wait_exit() == 0
    assert child.wait_exit() == 3
    assert tree.root.wait_exit() == 0
    assert "child: grandchild exited with 0" in child.output("stdout")
    assert grandchild.output("stdout") == "grandchild is a leaf\n"


def test_a_client_without_start_debugging_is_told_and_nothing_waits(tree_factory, frame_eval):
    tree = tree_factory(
        serve_children=False, breakpoints={path(CHILD): [{"line": line(CHILD, "child")}]}
    )
    # A child waiting for a session would hold the run for the whole hour.
    tree.launch(program=path("children/run_child.py"), frameEval=frame_eval, subProcessWait=3600)
    assert tree.root.wait_exit() == 0
    assert "parent: child exited with 3" in tree.root.output("stdout")
    assert "does not support 'startDebugging'" in tree.root.output("console")
    assert tree.children == []
    assert not tree.root.events("stopped")


def test_sub_process_false_leaves_children_alone(tree_factory, frame_eval):
    tree = tree_factory(breakpoints={path(CHILD): [{"line": line(CHILD, "child")}]})
    tree.launch(program=path("children/run_child.py"), frameEval=frame_eval, subProcess=False)
    assert tree.root.wait_exit() == 0
    assert "child got ['one', 'two'], link False\nparent: child exited with 3" in tree.root.output()
    assert tree.children == []
    assert not any(
        m.get("command") == "startDebugging"
        for m in tree.root.messages
        if m.get("type") == "request"
    )


def test_a_child_nobody_attaches_to_runs_on_after_the_wait(tree_factory, frame_eval):
    tree = tree_factory(breakpoints={path(CHILD): [{"line": line(CHILD, "child")}]})
    # This client says yes to startDebugging but never attaches.
    tree.root.on_request = lambda client, request: client.respond(request)
    tree.launch(program=path("children/run_child.py"), frameEval=frame_eval, subProcessWait=0.5)
    assert tree.root.wait_exit() == 0
    assert "parent: child exited with 3" in tree.root.output("stdout")
    assert "had no debug session after 0.5 s and runs on" in tree.root.output("console")


def test_a_child_sees_the_environment_and_sys_path_of_a_plain_run(tree_factory, frame_eval):
    program = path("children/environment.py")
    plain = subprocess.run(
        [sys.executable, program], capture_output=True, text=True, env=adapter_env(), check=True
    ).stdout
    tree = tree_factory()
    tree.launch(program=program, frameEval=frame_eval)
    tree.wait_children(1)
    assert tree.root.wait_exit() == 0
    # The parent reads the child's output through a pipe of its own: it stays there.
    debugged = tree.root.output("stdout")
    expected = json.loads(plain.split("CHILD ", 1)[1])
    seen = json.loads(debugged.split("CHILD ", 1)[1])
    assert seen["environ"] == expected["environ"]
    assert seen["path"] == expected["path"]
    assert seen["orig_argv"] == expected["orig_argv"]
    root = debugged.split("ROOT ", 1)[1].splitlines()[0]
    assert json.loads(root) == json.loads(plain.split("ROOT ", 1)[1].splitlines()[0])
    # The non-Python grandchild (env) started by the debugged child sees nothing of Dapper.
    assert seen["shell"] == expected["shell"]
    # Only the Python child became a session; /usr/bin/env ran untouched.
    assert len(tree.children) == 1


def test_a_killed_child_session_reports_the_signal_exit_and_its_output_is_kept(
    tree_factory, frame_eval
):
    tree = tree_factory()
    tree.launch(program=path("children/killed_child.py"), frameEval=frame_eval)
    [child] = tree.wait_children(1)
    # It could not say how it ended; its parent saw it and the session says so.
    assert child.wait_exit() == -9
    kinds = [m.get("event") for m in child.messages if m.get("type") == "event"]
    assert kinds.index("exited") < kinds.index("terminated")
    assert tree.root.wait_exit() == 0
    assert child.output("stdout") == "about to be killed\n"
    assert _output_before_exit(child)
    assert tree.root.output("stdout") == "parent: child ended with -9\n"


def test_terminating_the_parent_ends_every_child(tree_factory, frame_eval):
    tree = tree_factory()
    tree.launch(program=path("children/sleeping_children.py"), frameEval=frame_eval)
    children = tree.wait_children(2)
    wait_output(tree.root, "children ")
    pids = [int(p) for p in tree.root.output("stdout").split("children ", 1)[1].split()[:2]]
    assert sorted(pids) == sorted(c["subProcessId"] for c in tree.configurations)
    tree.root.request("terminate")
    tree.root.wait_event("terminated")
    for child in children:
        child.wait_event("terminated")
    for pid in pids:
        assert process_gone(pid), f"child {pid} outlived its terminated parent"


def test_a_child_serves_only_a_client_with_its_access_token(tree_factory, frame_eval):
    tree = tree_factory(breakpoints={path(CHILD): [{"line": line(CHILD, "child")}]})
    intruders: list[DapClient] = []
    serve = tree.root.on_request

    def intrude_first(client, request):
        # Another local user who found the port, without (then with a wrong) token.
        configuration = request["arguments"]["configuration"]
        for token in (None, "not-the-token"):
            intruder = DapClient()
            intruders.append(intruder)
            intruder.initialize()
            arguments = {k: v for k, v in configuration.items() if k != "accessToken"}
            if token is not None:
                arguments["accessToken"] = token
            refused = intruder.request("attach", arguments, ok=False)
            assert not refused["success"] and "access token" in refused["message"]
        serve(client, request)

    tree.root.on_request = intrude_first
    try:
        # This client answers startDebugging only after two intruder sessions
        # (two adapter starts); the child waits for that answer at most
        # subProcessWait, so it is set above what two starts take on a loaded machine.
        tree.launch(program=path("children/run_child.py"), frameEval=frame_eval, subProcessWait=120)
        # Three adapter starts (two intruders, then the child's session) come first.
        [child] = tree.wait_children(1, timeout=3 * TIMEOUT)
        stopped = child.wait_stopped("breakpoint")
        child.request("continue", {"threadId": stopped["body"]["threadId"]})
        assert child.wait_exit() == 3
        assert tree.root.wait_exit() == 0
        assert len(intruders) == 2
        assert not any(intruder.events("stopped") for intruder in intruders)
    finally:
        for intruder in intruders:
            intruder.close()
            assert intruder.invalid == []


def test_a_script_whose_shebang_names_python_is_debugged(tree_factory, frame_eval, tmp_path):
    script = tmp_path / "tool"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nname = 'tool'\nprint('tool ran', flush=True)  # stop\n"
        "sys.exit(5)\n"
    )
    script.chmod(0o755)
    tree = tree_factory(breakpoints={str(script): [{"line": 4}]})
    tree.launch(program=path("children/run_given.py"), args=[str(script)], frameEval=frame_eval)
    _two_children_stop_and_exit(tree, "name", "'tool'", 5)


def _two_children_stop_and_exit(tree, expression: str, value: str, code: int) -> None:
    """run_given.py's two children, one after the other: each stops at its
    breakpoint, shows ``expression`` as ``value`` and exits with ``code``."""
    for count in (1, 2):
        child = tree.wait_children(count)[-1]
        stopped = child.wait_stopped("breakpoint")
        assert evaluate(child, stopped["body"]["threadId"], expression) == value
        child.request("continue", {"threadId": stopped["body"]["threadId"]})
        assert child.wait_exit() == code
    assert tree.root.wait_exit() == 0
    assert f"parent: exit codes [{code}, {code}]" in tree.root.output("stdout")


UNSUPPORTED = os.path.expanduser("~/.pyenv/versions/3.10.13/bin/python3.10")


@pytest.mark.skipif(not os.path.exists(UNSUPPORTED), reason="needs a Python 3.10 interpreter")
def test_a_child_on_an_unsupported_python_runs_undebugged_and_says_why_once(
    tree_factory, frame_eval
):
    tree = tree_factory(breakpoints={path(CHILD): [{"line": line(CHILD, "child")}]})
    tree.launch(
        program=path("children/run_given.py"),
        args=[UNSUPPORTED, path(CHILD), "old"],
        frameEval=frame_eval,
    )
    assert tree.root.wait_exit() == 0
    out = tree.root.output("stdout")
    assert out.count("child got ['old'], link False") == 2
    assert "parent: exit codes [3, 3]" in out
    console = tree.root.output("console")
    assert console.count("Python 3.10 (cpython) is not supported") == 1
    assert tree.children == []


def _other_supported_python() -> str | None:
    for version in ("3.11.7", "3.12.1", "3.13.0"):
        if not sys.version.startswith(version.rsplit(".", 1)[0] + "."):
            candidate = os.path.expanduser(f"~/.pyenv/versions/{version}/bin/python3")
            if os.path.exists(candidate):
                return candidate
    return None


OTHER = _other_supported_python()


@pytest.mark.skipif(OTHER is None, reason="needs a second supported Python")
def test_a_child_on_another_python_is_debugged_even_without_the_parents_backend(
    tree_factory, frame_eval
):
    tree = tree_factory(breakpoints={path(CHILD): [{"line": line(CHILD, "child")}]})
    tree.launch(
        program=path("children/run_given.py"),
        args=[OTHER, path(CHILD), "other"],
        frameEval=frame_eval,
        subProcessWait=60,
    )
    _two_children_stop_and_exit(tree, "words", "['other']", 3)


@pytest.mark.parametrize("setting", ["default", "off"])
def test_children_of_a_program_that_called_dapper_listen(tree_factory, frame_eval, setting):
    """``dapper.listen()`` + an attach: the program's children are sessions too,
    unless it called ``dapper.configure(subProcess=False)``."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    env["DAPPER_BACKEND"] = frame_eval.get("tracing_backend") or frame_eval["backend"]
    program = subprocess.Popen(
        [sys.executable, path("children/api_parent.py"), *(["off"] if setting == "off" else [])],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        port = int(program.stdout.readline().split()[1])
        tree = tree_factory(breakpoints={path(CHILD): [{"line": line(CHILD, "child")}]})
        tree.attach(connect={"host": "127.0.0.1", "port": port}, frameEval=frame_eval)
        if setting == "off":
            out, _ = program.communicate(timeout=TIMEOUT)
            assert "child got ['api']" in out and "parent: child exited with 3" in out
            assert tree.children == []
            return
        [child] = tree.wait_children(1)
        stop = child.wait_stopped("breakpoint")
        assert evaluate(child, stop["body"]["threadId"], "words") == "['api']"
        child.request("continue", {"threadId": stop["body"]["threadId"]})
        assert child.wait_exit() == 3
        out, _ = program.communicate(timeout=TIMEOUT)
        assert "parent: child exited with 3" in out
    finally:
        if program.poll() is None:
            program.kill()
            program.wait()


def test_pytest_xdist_workers_stop_at_a_breakpoint_in_a_test(tree_factory, frame_eval):
    """``pytest -n 2``: the test with the breakpoint runs in one of two
    pytest-xdist workers (execnet starts them with ``python -c``); it stops there."""
    cases = "children/xdist/cases.py"
    tree = tree_factory(breakpoints={path(cases): [{"line": line(cases, "xdist_case")}]})
    tree.launch(program=path("children/run_xdist.py"), frameEval=frame_eval, subProcessWait=60)
    workers = tree.wait_children(2, timeout=2 * TIMEOUT)
    child, stopped = _stop_in_any(workers, timeout=2 * TIMEOUT)
    thread = stopped["body"]["threadId"]
    assert child.top_frame(thread)["source"]["path"] == path(cases)
    assert evaluate(child, thread, "worker") in ("'gw0'", "'gw1'")
    child.request("continue", {"threadId": thread})
    assert tree.root.wait_exit() == 0
    out = tree.root.output("stdout")
    assert "3 passed" in out and "pytest exit code 0" in out
    assert sum(len(worker.events("stopped")) for worker in workers) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("site", "ready"),
    [
        # Django's runserver: its autoreloader's child prints this once it serves.
        ("children/django_site.py", "Quit the server with"),
        # Flask's app.run(use_reloader=True): werkzeug's reloader hands its child
        # the listening socket, so a request waits in its backlog meanwhile.
        ("children/flask_site.py", "reloader true pid"),
    ],
    ids=["django", "flask"],
)
def test_a_reloader_child_serves_requests_and_stops_in_a_view(
    tree_factory, frame_eval, site, ready
):
    """Django's and Flask's reloaders re-run the program in a child, which serves
    the requests: a breakpoint in a view stops in that child's session, and
    terminating the parent ends the reloader child too."""
    port = _free_port()
    tree = tree_factory(breakpoints={path(site): [{"line": line(site, "view")}]})
    tree.launch(program=path(site), args=[str(port)], frameEval=frame_eval)
    [server] = tree.wait_children(1)
    assert tree.configurations[0]["name"].startswith(os.path.basename(site) + " (pid")
    wait_output(server, ready)
    responses: list[str] = []

    def get() -> None:
        url = f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(url, timeout=2 * TIMEOUT) as response:
            responses.append(response.read().decode())

    client = threading.Thread(target=get, daemon=True)
    client.start()
    stopped = server.wait_stopped("breakpoint")
    thread = stopped["body"]["threadId"]
    served_by = evaluate(server, thread, "served_by")
    assert served_by == str(tree.configurations[0]["subProcessId"])
    server.request("continue", {"threadId": thread})
    client.join(TIMEOUT)
    assert responses == [f"served by {served_by}"]
    assert not tree.root.events("stopped")
    tree.root.request("terminate")
    tree.root.wait_event("terminated")
    server.wait_event("terminated")
    assert process_gone(int(served_by)), "the reloader child outlived its terminated parent"


def test_a_killed_childs_output_reaches_its_session_complete_and_in_order(tree_factory, frame_eval):
    """Every line a child wrote to stdout and to stderr before SIGKILL arrives
    in the child's session, each stream in the order written, before its exit."""
    lines = 3000
    tree = tree_factory()
    tree.launch(
        program=path("children/chatty_killed_child.py"), args=[str(lines)], frameEval=frame_eval
    )
    [child] = tree.wait_children(1)
    assert child.wait_exit() == -9
    assert tree.root.wait_exit() == 0
    assert child.output("stdout") == "".join(f"out {i}\n" for i in range(lines))
    assert child.output("stderr") == "".join(f"err {i}\n" for i in range(lines))
    assert _output_before_exit(child)
    assert tree.root.output("stdout") == "parent: child ended with -9\n"
    assert "err " not in tree.root.output("stderr")


def test_each_pool_workers_output_reaches_its_own_session(tree_factory, frame_eval):
    """Spawn-pool workers print as they work: each worker's lines arrive in its
    own session, complete and in order; none in the parent's."""
    tree = tree_factory()
    tree.launch(program=path("children/printing_pool.py"), frameEval=frame_eval)
    workers = tree.wait_children(2)
    assert tree.root.wait_exit() == 0
    for worker in workers:
        worker.wait_event("terminated")
    numbers = []
    for worker, configuration in zip(workers, tree.configurations[:2], strict=True):
        pid = configuration["subProcessId"]
        printed = worker.output("stdout").splitlines()
        assert printed, f"worker {pid} printed nothing in its session"
        assert all(entry.startswith(f"worker {pid} task ") for entry in printed), printed[:3]
        mine = [int(entry.rsplit(" ", 1)[1]) for entry in printed]
        assert mine == sorted(mine)  # in the order the worker ran them
        numbers += mine
    assert sorted(numbers) == list(range(200))
    assert tree.root.output("stdout") == "pool done: 200 tasks\n"


def _output_before_exit(client: DapClient) -> bool:
    """The session's last output event comes before its ``exited``."""
    kinds = [m.get("event") for m in client.messages if m.get("type") == "event"]
    outputs = [i for i, kind in enumerate(kinds) if kind == "output"]
    return bool(outputs) and outputs[-1] < kinds.index("exited")


def test_a_process_pool_executor_worker_stops_at_a_conditional_breakpoint(tree_factory, frame_eval):
    program = "children/executor_pool.py"
    tree = tree_factory(
        breakpoints={path(program): [{"line": line(program, "cube"), "condition": "n == 4"}]}
    )
    tree.launch(program=path(program), frameEval=frame_eval)
    workers = tree.wait_children(2)
    child, stopped = _stop_in_any(workers)
    assert evaluate(child, stopped["body"]["threadId"], "n") == "4"
    child.request("continue", {"threadId": stopped["body"]["threadId"]})
    assert tree.root.wait_exit() == 0
    assert "sum of cubes: 2025" in tree.root.output("stdout")
    assert sum(len(worker.events("stopped")) for worker in workers) == 1
