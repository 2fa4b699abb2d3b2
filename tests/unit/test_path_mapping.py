"""pathMappings: which remote file a client path names, and back."""

from __future__ import annotations

import pytest

from dapper.engine.path_mapping import MessageTranslator, PathMapper, parse_path_mappings


def test_longest_prefix_wins_in_both_directions():
    mapper = PathMapper([("/src", "/app"), ("/src/lib", "/opt/lib")])
    assert mapper.to_remote("/src/main.py") == "/app/main.py"
    assert mapper.to_remote("/src/lib/util.py") == "/opt/lib/util.py"
    assert mapper.to_local("/opt/lib/util.py") == "/src/lib/util.py"
    assert mapper.to_local("/app/lib/x.py") == "/src/lib/x.py"


def test_a_prefix_matches_whole_directory_names_only():
    mapper = PathMapper([("/src", "/app")])
    assert mapper.to_remote("/srcs/main.py") == "/srcs/main.py"
    assert mapper.to_local("/application/main.py") is None
    assert mapper.to_local("/app") == "/src"


def test_trailing_separators_do_not_matter():
    mapper = PathMapper([("/src/", "/app//")])
    assert mapper.to_remote("/src/a/b.py") == "/app/a/b.py"
    assert mapper.to_local("/app/a/b.py") == "/src/a/b.py"


def test_windows_local_roots_against_a_posix_debuggee():
    mapper = PathMapper([("C:\\Users\\me\\proj\\", "/app")])
    # Drive letters and separators as editors on Windows send them.
    assert mapper.to_remote("c:\\users\\me\\proj\\pkg\\mod.py") == "/app/pkg/mod.py"
    assert mapper.to_remote("C:/Users/me/proj/pkg/mod.py") == "/app/pkg/mod.py"
    assert mapper.to_local("/app/pkg/mod.py") == "C:\\Users\\me\\proj\\pkg\\mod.py"


def test_a_drive_root_maps():
    mapper = PathMapper([("D:\\", "/srv")])
    assert mapper.to_local("/srv/x.py") == "D:\\x.py"
    assert mapper.to_remote("d:\\x.py") == "/srv/x.py"


def test_unmapped_paths_pass_through_and_an_empty_mapper_is_false():
    assert not PathMapper()
    assert PathMapper().to_remote("/a.py") == "/a.py"
    assert PathMapper([("/l", "/r")]).to_remote("/elsewhere/a.py") == "/elsewhere/a.py"


@pytest.mark.parametrize(
    "value, message",
    [
        ({"localRoot": "/a"}, "must be an array"),
        ([{"localRoot": "/a"}], "pathMappings[0]"),
        (["/a"], "pathMappings[0]' must be an object"),
        ([{"localRoot": "", "remoteRoot": "/r"}], "non-empty"),
    ],
)
def test_bad_mappings_are_named(value, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_path_mappings(value)


def test_messages_are_translated_at_the_boundary(tmp_path):
    unmapped = tmp_path / "other.py"
    unmapped.write_text("x = 1\n")
    refs: list[str] = []

    def reference_for(path: str) -> int:
        refs.append(path)
        return 7

    translator = MessageTranslator(PathMapper([("/local", "/remote")]), reference_for)
    request = {
        "command": "setBreakpoints",
        "arguments": {"source": {"path": "/local/a.py"}, "breakpoints": [{"line": 3}]},
    }
    assert translator.inbound(request)["arguments"]["source"]["path"] == "/remote/a.py"
    assert request["arguments"]["source"]["path"] == "/local/a.py"  # the original is untouched

    response = {
        "type": "response",
        "body": {
            "stackFrames": [
                {"id": 1, "source": {"path": "/remote/a.py"}},
                {"id": 2, "source": {"path": str(unmapped)}},
            ]
        },
    }
    frames = translator.outbound(response)["body"]["stackFrames"]
    assert frames[0]["source"] == {"path": "/local/a.py"}
    assert frames[1]["source"] == {"path": str(unmapped), "sourceReference": 7}
    assert refs == [str(unmapped)]

    info = translator.outbound(
        {"body": {"details": {"stackTrace": '  File "/remote/a.py", line 3, in f\n'}}}
    )
    assert info["body"]["details"]["stackTrace"] == '  File "/local/a.py", line 3, in f\n'
    modules = translator.outbound({"body": {"modules": [{"id": "a", "path": "/remote/a.py"}]}})
    assert modules["body"]["modules"][0]["path"] == "/local/a.py"
