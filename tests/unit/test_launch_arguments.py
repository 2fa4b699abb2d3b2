"""Argument validation for the adapter's launch/attach and the launcher's command line."""

from __future__ import annotations

import sys

import pytest

from dapper.adapter.attach import parse_attach, parse_attach_target
from dapper.adapter.launch_config import parse_launch
from dapper.launcher import UsageError, connect_token, parse_address, parse_args
from dapper.protocol.messages import RequestError


def test_launch_program_with_debugpy_names(tmp_path):
    program = tmp_path / "app.py"
    program.write_text("print(1)\n")
    config = parse_launch(
        {
            "type": "python",
            "request": "launch",
            "name": "x",
            "preLaunchTask": "build",
            "program": "app.py",
            "cwd": str(tmp_path),
            "args": ["--flag", "value"],
            "env": {"A": "1"},
            "python": "/usr/bin/python3",
            "console": "integratedTerminal",
            "justMyCode": False,
            "stopOnEntry": True,
            "frameEval": {"backend": "tracing", "tracing_backend": "settrace"},
        }
    )
    assert (config.kind, config.target) == ("file", str(program))
    assert config.args == ["--flag", "value"] and config.env == {"A": "1"}
    assert config.python == ["/usr/bin/python3"] and config.console == "integratedTerminal"
    argv = config.debuggee_argv(4711)
    assert argv[:6] == [
        "/usr/bin/python3",
        "-m",
        "dapper",
        "--connect",
        "127.0.0.1:4711",
        "--adapter",
    ]
    assert argv[6:] == [str(program), "--flag", "value"]


def test_launch_module_and_code():
    assert parse_launch({"module": "pkg.main"}).debuggee_argv(1)[-2:] == ["-m", "pkg.main"]
    config = parse_launch({"code": ["a = 1", "print(a)"]})
    assert (config.kind, config.target) == ("-c", "a = 1\nprint(a)")
    assert config.python == [sys.executable]


@pytest.mark.parametrize(
    ("arguments", "text"),
    [
        ({}, "exactly one of 'program', 'module' or 'code'"),
        ({"program": "a.py", "module": "m"}, "(got program, module)"),
        ({"program": 3}, "'program' must be a string"),
        ({"program": "/definitely/not/here.py"}, "program does not exist"),
        ({"module": "m", "args": [1]}, "'args' must be a string or an array of strings"),
        ({"module": "m", "env": {"A": 1}}, "'env' must map names to strings"),
        ({"module": "m", "env": []}, "'env' must be an object"),
        ({"module": "m", "cwd": "/no/such/dir"}, "'cwd' is not a directory"),
        ({"module": "m", "console": "tty"}, "'console' must be one of"),
        ({"module": "m", "stopOnEntry": "yes"}, "'stopOnEntry' must be a boolean"),
        ({"module": "m", "python": []}, "'python' must be a non-empty"),
        ({"module": "m", "frameEval": {"backend": "warp"}}, "backend"),
        ({"module": "m", "frameEval": {"colour": "red"}}, "colour"),
    ],
)
def test_bad_launch_arguments_name_the_key(arguments, text):
    with pytest.raises(RequestError) as info:
        parse_launch(arguments)
    assert text in info.value.message


def test_attach_forms():
    assert parse_attach({"connect": {"host": "localhost", "port": 5678}}) == ("localhost", 5678)
    assert parse_attach({"port": "5678"}) == ("127.0.0.1", 5678)
    for bad in ({}, {"port": 0}, {"connect": "x"}, {"port": True}, {"host": 1, "port": 2}):
        with pytest.raises(RequestError):
            parse_attach(bad)


def test_launcher_addresses():
    assert parse_address("5678") == ("127.0.0.1", 5678)
    assert parse_address("0.0.0.0:1") == ("0.0.0.0", 1)
    assert parse_address("[::1]:9") == ("::1", 9)
    for bad in ("x", "host:port", "70000"):
        with pytest.raises(UsageError):
            parse_address(bad)


def test_launcher_splits_its_options_from_the_program():
    args = parse_args(
        [
            "--listen",
            "5678",
            "--wait-for-client",
            "--backend",
            "settrace",
            "app.py",
            "--listen",
            "x",
        ]
    )
    assert (args.listen, args.wait_for_client, args.backend) == ("5678", True, "settrace")
    assert (args.kind, args.target, args.program_args) == ("file", "app.py", ["--listen", "x"])
    args = parse_args(["--connect", "h:1", "-m", "pkg", "-v"])
    assert (args.kind, args.target, args.program_args) == ("-m", "pkg", ["-v"])
    args = parse_args(["--connect", "h:1", "-c", "print(1)", "a"])
    assert (args.kind, args.target, args.program_args) == ("-c", "print(1)", ["a"])


@pytest.mark.parametrize(
    "argv",
    [
        ["app.py"],
        ["--listen", "1", "--connect", "h:2", "app.py"],
        ["--listen", "1"],
        ["--listen", "1", "-m"],
        ["--listen", "1", "--backend", "warp", "a.py"],
    ],
)
def test_launcher_usage_errors(argv):
    with pytest.raises(SystemExit) as info:
        parse_args(argv)
    assert info.value.code == 2


def test_listen_attach_beyond_loopback_needs_a_token():
    with pytest.raises(RequestError, match="beyond loopback it needs an access token"):
        parse_attach_target({"listen": {"host": "0.0.0.0", "port": 0}})
    with pytest.raises(RequestError, match="'accessToken' must be a non-empty string"):
        parse_attach_target({"listen": {"port": 0}, "accessToken": ""})
    target = parse_attach_target({"listen": {"host": "10.0.0.5", "port": 7}, "accessToken": "t"})
    assert (target.how, target.host, target.port, target.token) == ("listen", "10.0.0.5", 7, "t")
    # On loopback the token is optional.
    assert parse_attach_target({"listen": {"port": 0}}).token is None


def test_connect_takes_its_token_from_the_file_or_the_environment(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(" from-file\n", encoding="utf-8")
    args = parse_args(["--connect", "h:1", "--token-file", str(token_file), "app.py"])
    assert connect_token(args, "from-env") == "from-file"
    assert connect_token(parse_args(["--connect", "h:1", "app.py"]), "from-env") == "from-env"
    with pytest.raises(UsageError, match="--no-token only applies to --listen"):
        connect_token(parse_args(["--connect", "h:1", "--no-token", "app.py"]), None)


def test_debugpy_legacy_spellings_become_current_keys() -> None:
    from dapper.adapter.legacy_keys import modernise

    given = {
        "program": "p.py",
        "pythonPath": "/usr/bin/python3",
        "consoleTitle": "Mine",
        "debugStdLib": True,
        "debugOptions": ["RedirectOutput", "StopOnEntry", "Sudo", "FixFilePathCase", "Odd"],
        "showReturnValue": False,
    }
    assert modernise(given) == {
        "program": "p.py",
        "python": "/usr/bin/python3",
        "consoleName": "Mine",
        "justMyCode": False,
        "debugOptions": given["debugOptions"],
        "redirectOutput": True,
        "stopOnEntry": True,
        "sudo": True,  # not supported: reported as an unknown key by its name
        "debugOptions:Odd": True,
        "showReturnValue": False,
    }
    # An explicit key wins over its legacy spelling and flag.
    assert modernise(
        {"python": "a", "pythonPath": "b", "justMyCode": True, "debugOptions": ["DebugStdLib"]}
    ) == {"python": "a", "justMyCode": True, "debugOptions": ["DebugStdLib"]}


def test_debugpy_legacy_spellings_with_a_wrong_type_are_errors() -> None:
    from dapper.adapter.legacy_keys import modernise
    from dapper.protocol.messages import RequestError

    for bad in ({"debugOptions": "RedirectOutput"}, {"debugStdLib": "yes"}):
        with pytest.raises(RequestError, match="must be"):
            modernise(bad)
