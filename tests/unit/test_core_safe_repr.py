"""safe_repr: bounded, hex-capable, recursion-safe reprs that never raise Exception."""

from __future__ import annotations

import pytest

from dapper.core.safe_repr import DEFAULT_MAX_LENGTH, ELLIPSIS, safe_repr


class CountingRepr:
    calls = 0

    def __repr__(self) -> str:
        CountingRepr.calls += 1
        return "C"


class Boom:
    def __repr__(self) -> str:
        raise ValueError("boom")


@pytest.mark.parametrize(
    "value",
    [
        [1, "a", 2.5, None],
        (1,),
        (),
        {"k": [1, 2], 3: (4,)},
        {1, 2, 3},
        set(),
        frozenset({1}),
        frozenset(),
        "it's",
        b"\x00bytes",
        [[[]], {}],
    ],
)
def test_short_values_match_repr(value):
    assert safe_repr(value) == repr(value)


def test_long_value_is_cut_with_ellipsis():
    text = safe_repr(list(range(1000)), max_length=50)
    assert text.endswith(ELLIPSIS)
    assert len(text) <= 50
    assert text.startswith("[0, 1, 2, 3")


def test_default_limit_is_readable():
    text = safe_repr("x" * 100_000)
    assert len(text) <= DEFAULT_MAX_LENGTH
    assert text.startswith("'xxx") and text.endswith(ELLIPSIS)


def test_max_length_none_gives_full_repr():
    value = {i: str(i) * 3 for i in range(5000)}
    assert safe_repr(value, max_length=None) == repr(value)


def test_huge_list_is_not_fully_materialised():
    CountingRepr.calls = 0
    value = [CountingRepr()] * 10_000_000
    text = safe_repr(value, max_length=100)
    assert text.startswith("[C, C, C") and text.endswith(ELLIPSIS)
    assert CountingRepr.calls < 100  # only the visible prefix was rendered


def test_huge_dict_and_set_are_cut():
    assert safe_repr(dict.fromkeys(range(2_000_000)), max_length=30).endswith(ELLIPSIS)
    assert safe_repr(set(range(2_000_000)), max_length=30).endswith(ELLIPSIS)


def test_hex_top_level_and_nested():
    assert safe_repr(255, hex=True) == "0xff"
    assert safe_repr(-16, hex=True) == "-0x10"
    assert safe_repr([255, (16, {10: 11})], hex=True) == "[0xff, (0x10, {0xa: 0xb})]"
    assert safe_repr({1, 2}, hex=True) in ("{0x1, 0x2}", "{0x2, 0x1}")
    assert safe_repr(True, hex=True) == "True"  # bools stay bools
    assert safe_repr(255) == "255"


def test_recursive_containers_match_python():
    lst: list = [1]
    lst.append(lst)
    d: dict = {"a": 1}
    d["self"] = d
    assert safe_repr(lst) == repr(lst) == "[1, [...]]"
    assert safe_repr(d) == repr(d)


def test_deep_nesting_does_not_crash():
    value: list = []
    for _ in range(100_000):
        value = [value]
    text = safe_repr(value, max_length=None)
    assert text.startswith("[[[[") and ELLIPSIS in text


def test_repr_raising_is_shown_in_place():
    assert safe_repr(Boom()) == "<repr raised ValueError: boom>"
    assert safe_repr([1, Boom()]) == "[1, <repr raised ValueError: boom>]"


def test_repr_returning_non_string_is_shown():
    class Bad:
        def __repr__(self):
            return 42

    assert safe_repr(Bad()).startswith("<repr raised TypeError")


def test_interrupting_exception_propagates():
    class Interrupted:
        def __repr__(self) -> str:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        safe_repr([Interrupted()])


def test_custom_container_repr_is_respected():
    class Named(list):
        def __repr__(self) -> str:
            return "Named!"

    class PlainSet(set):
        pass

    assert safe_repr([Named([1])]) == "[Named!]"
    assert safe_repr(PlainSet({1})) == repr(PlainSet({1}))
